//! Test 4013: the AE tag lengths `TEE_AEInit` takes, 0 to 16 bytes, for
//! AES-GCM and AES-CCM through `tas/crypt_ta`, as OP-TEE 4.5 answers:
//!
//! - `crypto-aes-gcm-tag-<n>`: GCM takes 12..=16 bytes (GP: 96..=128 bits,
//!   checked by libutee, `lib/libutee/tee_api_operations.c`); the tag is
//!   the full tag's prefix and decrypts back; any other length is
//!   NOT_SUPPORTED, for decryption too (an empty tag would make any
//!   ciphertext "authentic");
//! - `crypto-aes-ccm-tag-<n>`: CCM takes 4..=16 even (SP 800-38C, checked
//!   by the TEE core), NOT_SUPPORTED otherwise.

use teec::{Context, Session, TeeError};
use tz_runner::{Report, hex, to_hex};

use super::{R, TaOutput, call};
use proto::crypt_ta;

/// Cases reported here.
pub const CASES: usize = 2 * 17;

/// McGrew & Viega test case 2 (AES-128, 12-byte IV, one zero block):
/// key, IV, plaintext, ciphertext, 16-byte tag.
const KEY: &str = "00000000000000000000000000000000";
const IV: &str = "000000000000000000000000";
const PLAIN: &str = "00000000000000000000000000000000";
const CIPHER: &str = "0388dace60b6a392f328c2b971b2fe78";
const TAG: &str = "ab6e47d42cec13bdf53a67b21257bddf";

/// `cmd` (`crypt_ta::CMD_GCM` or `crypt_ta::CMD_CCM`) with `tag_len`-byte tags, no AAD, the
/// payload in the final.
fn ae(
    ctx: &Context,
    s: &mut Session<'_>,
    cmd: u32,
    decrypt: bool,
    nonce: &[u8],
    tag_len: usize,
    input: &[u8],
) -> Result<TaOutput, String> {
    let key = hex(KEY);
    let kn = [&key[..], nonce].concat();
    let a = u32::from(decrypt) | (key.len() as u32) << 8 | (nonce.len() as u32) << 16;
    let b = (tag_len as u32) << 16;
    let out = if decrypt { input.len().saturating_sub(tag_len).max(1) } else { input.len() + tag_len };
    call(ctx, s, cmd, (a, b), &[&kn, input], out)
}

fn refused(got: TaOutput, what: &str) -> R {
    match got {
        Err((code, origin, _)) if super::from_ta(code, origin, TeeError::NotSupported) => Ok(()),
        other => Err(format!("{what}: got {other:?}, want NOT_SUPPORTED from the TA")),
    }
}

/// GCM with an `n`-byte tag: encrypt gives the tag's prefix, decrypt takes
/// it back; or both refused.
fn gcm_tag(ctx: &Context, s: &mut Session<'_>, n: usize) -> R {
    let (iv, p) = (hex(IV), hex(PLAIN));
    let ct = [hex(CIPHER), hex(TAG)[..n].to_vec()].concat();
    let enc = ae(ctx, s, crypt_ta::CMD_GCM, false, &iv, n, &p)?;
    let dec = ae(ctx, s, crypt_ta::CMD_GCM, true, &iv, n, &ct)?;
    if !(12..=16).contains(&n) {
        refused(enc, "encrypt")?;
        // A forged ciphertext with the (empty or short) tag of its length.
        let mut forged = ct.clone();
        forged[0] ^= 0xff;
        refused(ae(ctx, s, crypt_ta::CMD_GCM, true, &iv, n, &forged)?, "decrypt forged")?;
        return refused(dec, "decrypt");
    }
    match (enc, dec) {
        (Ok(e), Ok(d)) if e == ct && d == p => Ok(()),
        (e, d) => Err(format!("encrypt {e:?} (want {}), decrypt {d:?}", to_hex(&ct))),
    }
}

/// CCM with an `n`-byte tag (13-byte nonce): encrypt and decrypt back, or
/// both refused.
fn ccm_tag(ctx: &Context, s: &mut Session<'_>, n: usize) -> R {
    let (nonce, p) = ([0x11u8; 13], hex(PLAIN));
    let enc = ae(ctx, s, crypt_ta::CMD_CCM, false, &nonce, n, &p)?;
    if !((4..=16).contains(&n) && n.is_multiple_of(2)) {
        refused(enc, "encrypt")?;
        let ct = [hex(CIPHER), vec![0; n]].concat();
        return refused(ae(ctx, s, crypt_ta::CMD_CCM, true, &nonce, n, &ct)?, "decrypt");
    }
    let ct = enc.map_err(|e| format!("encrypt: {e:?}"))?;
    if ct.len() != p.len() + n {
        return Err(format!("encrypt gave {} bytes, want {}", ct.len(), p.len() + n));
    }
    match ae(ctx, s, crypt_ta::CMD_CCM, true, &nonce, n, &ct)? {
        Ok(d) if d == p => Ok(()),
        other => Err(format!("decrypt: got {other:?}")),
    }
}

pub fn cases(ctx: &Context, s: &mut Session<'_>, report: &mut Report) {
    report.test(4013, "AE tag lengths: GCM 12-16 bytes, CCM 4-16 even, as upstream");
    for n in 0..=16 {
        report.case(&format!("crypto-aes-gcm-tag-{n}"), gcm_tag(ctx, s, n));
    }
    for n in 0..=16 {
        report.case(&format!("crypto-aes-ccm-tag-{n}"), ccm_tag(ctx, s, n));
    }
}
