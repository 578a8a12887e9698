//! Tests 4006-4008: AES-XTS, AES-CTS and AES-CCM through `tas/crypt_ta`,
//! with published known-answer vectors and upstream's error codes.
//!
//! - 4006 `crypto-aes128-xts-ieee1619-{1,2,15,16,17,18}`: IEEE Std
//!   1619-2007 annex B, XTS-AES-128 vectors 1 and 2 (32 bytes, in two
//!   16-byte calls: the tweak carries over) and 15-18 (17-20 bytes,
//!   ciphertext stealing in the final); `-18-dec` decrypts vector 18;
//!   `crypto-check-xts`: one key, keys of two lengths, an 8-byte tweak,
//!   a partial block before the final, less than a block, short output;
//! - 4007 `crypto-aes128-cts-rfc3962-{17,31,32,47,48,64}`: RFC 3962
//!   appendix B (key "chicken teriyaki", IV 0; OP-TEE's CTS is CBC-CS3,
//!   the last two blocks swapped even when whole), all in the final but
//!   the 64-byte one (a 32-byte update, then the final); `-47-dec`;
//!   `crypto-check-cts`: a partial block before the final, one block in
//!   the final (BAD_STATE);
//! - 4008 `crypto-aes128-ccm-sp800-38c-{1,2,3}-{enc,dec}`: NIST SP 800-38C
//!   appendix C examples 1-3 (tags of 4, 6, 8 bytes), payload in 5-byte
//!   updates; `crypto-aes128-ccm-rfc3610-1-{enc,dec}`: RFC 3610 packet
//!   vector #1; `crypto-aes-ccm-bad-tag-mac-invalid`; `crypto-check-ccm`:
//!   nonce of 14 (BAD_PARAMETERS) and 6 bytes (BAD_STATE), tags of 5, 2,
//!   18 bytes (NOT_SUPPORTED), AAD and payload beyond or short of the
//!   lengths given at init (BAD_STATE), a short tag buffer, an empty tag.

use teec::{Context, Session, TeeError};
use tz_runner::Report;

use super::{R, TaOutput, call, check, from_ta, hex, want_bytes};
use proto::crypt_ta;
use tee_abi::gp::alg;

/// Cases reported here.
pub const CASES: usize = 8 + 8 + 10;

/// IEEE 1619-2007 annex B: (vector, key1, key2, tweak, plaintext, ciphertext).
const XTS: [(u32, &str, &str, &str, &str, &str); 6] = {
    const K1: &str = "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0";
    const K2: &str = "bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0";
    const SEQ: &str = "9a785634120000000000000000000000";
    [
        (
            1,
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "00000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e",
        ),
        (
            2,
            "11111111111111111111111111111111",
            "22222222222222222222222222222222",
            "33333333330000000000000000000000",
            "4444444444444444444444444444444444444444444444444444444444444444",
            "c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0",
        ),
        (15, K1, K2, SEQ, "000102030405060708090a0b0c0d0e0f10", "6c1625db4671522d3d7599601de7ca09ed"),
        (16, K1, K2, SEQ, "000102030405060708090a0b0c0d0e0f1011", "d069444b7a7e0cab09e24447d24deb1fedbf"),
        (17, K1, K2, SEQ, "000102030405060708090a0b0c0d0e0f101112", "e5df1351c0544ba1350b3363cd8ef4beedbf9d"),
        (18, K1, K2, SEQ, "000102030405060708090a0b0c0d0e0f10111213", "9d84c813f719aa2c7be3f66171c7c5c2edbf9dac"),
    ]
};

fn xts(ctx: &Context, s: &mut Session<'_>, decrypt: bool, v: &(u32, &str, &str, &str, &str, &str), chunk: u32) -> R {
    let (_, k1, k2, tweak, p, c) = *v;
    let keys: Vec<u8> = [hex(k1), hex(k2), hex(tweak)].concat();
    let (input, want) = if decrypt { (hex(c), hex(p)) } else { (hex(p), hex(c)) };
    let a = u32::from(decrypt) | (hex(k1).len() as u32) << 8 | chunk << 16;
    want_bytes(call(ctx, s, crypt_ta::CMD_XTS, (a, 0), &[&keys, &input], input.len())?, &want)
}

/// RFC 3962 appendix B: AES-128 key "chicken teriyaki", IV 0, prefixes of
/// one 64-byte plaintext.
const CTS_KEY: &str = "636869636b656e207465726979616b69";
const CTS_PLAIN: &str = "4920776f756c64206c696b652074686520
    47656e6572616c20476175277320436869636b656e2c20706c656173652c20616e6420776f6e746f6e20736f75702e";
const CTS: [(usize, &str); 6] = [
    (17, "c6353568f2bf8cb4d8a580362da7ff7f97"),
    (31, "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5"),
    (32, "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584"),
    (47, "97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5"),
    (48, "97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8"),
    (
        64,
        "97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a84807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8",
    ),
];

fn cts(ctx: &Context, s: &mut Session<'_>, mode: u32, input: &[u8], chunk: u32, want: &[u8]) -> R {
    let mut key_iv = hex(CTS_KEY);
    key_iv.extend([0u8; 16]);
    let b = mode | 16 << 8 | chunk << 16;
    want_bytes(call(ctx, s, crypt_ta::CMD_CIPHER, (alg::AES_CTS, b), &[&key_iv, input], input.len())?, want)
}

/// (name, key, nonce, AAD, plaintext, ciphertext, tag): NIST SP 800-38C
/// appendix C examples 1-3 and RFC 3610 packet vector #1.
const CCM: [(&str, &str, &str, &str, &str, &str, &str); 4] = {
    const K: &str = "404142434445464748494a4b4c4d4e4f";
    [
        ("sp800-38c-1", K, "10111213141516", "0001020304050607", "20212223", "7162015b", "4dac255d"),
        (
            "sp800-38c-2",
            K,
            "1011121314151617",
            "000102030405060708090a0b0c0d0e0f",
            "202122232425262728292a2b2c2d2e2f",
            "d2a1f0e051ea5f62081a7792073d593d",
            "1fc64fbfaccd",
        ),
        (
            "sp800-38c-3",
            K,
            "101112131415161718191a1b",
            "000102030405060708090a0b0c0d0e0f10111213",
            "202122232425262728292a2b2c2d2e2f3031323334353637",
            "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5",
            "484392fbc1b09951",
        ),
        (
            "rfc3610-1",
            "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
            "00000003020100a0a1a2a3a4a5",
            "0001020304050607",
            "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
            "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384",
            "17e8d12cfdf926e0",
        ),
    ]
};

/// A CCM message's key, nonce, AAD and tag length.
struct CcmParams<'a> {
    key: &'a [u8],
    nonce: &'a [u8],
    aad: &'a [u8],
    tag_len: usize,
}

/// AES-CCM through `crypt_ta::CMD_CCM`, the payload in 5-byte updates: ciphertext ‖
/// tag or plaintext, or the error.
fn ccm(ctx: &Context, s: &mut Session<'_>, decrypt: bool, m: &CcmParams<'_>, input: &[u8]) -> Result<TaOutput, String> {
    let kna = [m.key, m.nonce, m.aad].concat();
    let a = u32::from(decrypt) | (m.key.len() as u32) << 8 | (m.nonce.len() as u32) << 16 | 5 << 24;
    let b = m.aad.len() as u32 | (m.tag_len as u32) << 16;
    let out = if decrypt { input.len() - m.tag_len } else { input.len() + m.tag_len };
    call(ctx, s, crypt_ta::CMD_CCM, (a, b), &[&kna, input], out)
}

pub fn cases(ctx: &Context, s: &mut Session<'_>, report: &mut Report) {
    report.test(4006, "AES-XTS: IEEE 1619");
    for v in &XTS {
        // Whole-block vectors in two calls, the stealing ones in the final.
        let chunk = if v.4.len() % 32 == 0 { 16 } else { 0 };
        report.case(&format!("crypto-aes128-xts-ieee1619-{}", v.0), xts(ctx, s, false, v, chunk));
    }
    report.case("crypto-aes128-xts-ieee1619-18-dec", xts(ctx, s, true, &XTS[5], 0));
    report.case("crypto-check-xts", check(s, crypt_ta::CHECK_XTS));

    report.test(4007, "AES-CTS: RFC 3962 (CBC-CS3)");
    let plain = hex(CTS_PLAIN);
    for (len, want) in CTS {
        let chunk = if len == 64 { 32 } else { 0 };
        report.case(&format!("crypto-aes128-cts-rfc3962-{len}"), cts(ctx, s, 0, &plain[..len], chunk, &hex(want)));
    }
    report.case("crypto-aes128-cts-rfc3962-47-dec", cts(ctx, s, 1, &hex(CTS[3].1), 0, &plain[..47]));
    report.case("crypto-check-cts", check(s, crypt_ta::CHECK_CTS));

    report.test(4008, "AES-CCM: NIST SP 800-38C, RFC 3610");
    for (name, k, n, a, p, c, t) in CCM {
        let (k, n, a, p, t) = (hex(k), hex(n), hex(a), hex(p), hex(t));
        let ct = [hex(c), t.clone()].concat();
        let m = CcmParams { key: &k, nonce: &n, aad: &a, tag_len: t.len() };
        report.case(
            &format!("crypto-aes128-ccm-{name}-enc"),
            ccm(ctx, s, false, &m, &p).and_then(|r| want_bytes(r, &ct)),
        );
        report
            .case(&format!("crypto-aes128-ccm-{name}-dec"), ccm(ctx, s, true, &m, &ct).and_then(|r| want_bytes(r, &p)));
    }
    report.case(
        "crypto-aes-ccm-bad-tag-mac-invalid",
        (|| {
            let (_, k, n, a, _, c, t) = CCM[2];
            let mut ct = [hex(c), hex(t)].concat();
            *ct.last_mut().unwrap_or(&mut 0) ^= 0x01;
            let (k, n, a) = (hex(k), hex(n), hex(a));
            match ccm(ctx, s, true, &CcmParams { key: &k, nonce: &n, aad: &a, tag_len: 8 }, &ct)? {
                Err((code, origin, _)) if from_ta(code, origin, TeeError::MacInvalid) => Ok(()),
                other => Err(format!("got {other:?}, want MAC_INVALID from the TA")),
            }
        })(),
    );
    report.case("crypto-check-ccm", check(s, crypt_ta::CHECK_CCM));
}
