//! Crypto through `tas/crypt_ta` (ta-sdk's crypto API over the kernel's
//! crypto syscalls), with published known-answer vectors:
//!
//! - `crypto-sha{1,224,256,384,512}-{abc,448}`: FIPS 180-4 examples (NIST
//!   CSRC "Cryptographic Standards and Guidelines: Examples with
//!   Intermediate Values"): "abc" in one final, and the 448-bit message
//!   "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" in 5-byte
//!   updates;
//! - `crypto-digest-short-buffer`: a 16-byte output for SHA-256 →
//!   SHORT_BUFFER with the needed 32;
//! - `crypto-hmac-sha256-rfc4231-{4,6,7}`, `crypto-hmac-sha512-rfc4231-{6,7}`:
//!   RFC 4231 sections 4.5, 4.7, 4.8 (the 131-byte keys hashed first by
//!   ta-sdk, RFC 2104); `crypto-hmac-short-key-refused`: a 32-bit
//!   HMAC-SHA-256 key → BAD_PARAMETERS (OP-TEE 4.5's minimum is 192 bits);
//! - `crypto-aes{128,256}-{ecb,cbc,ctr}-sp800-38a`: NIST SP 800-38A
//!   appendix F (F.1.1, F.1.5, F.2.1, F.2.5, F.5.1, F.5.5), encrypting the
//!   four blocks in 16-byte updates and the final;
//! - `crypto-aes128-cbc-decrypt-sp800-38a` (F.2.2), `crypto-aes128-ctr-odd-chunks`
//!   (F.5.1 in 7-byte updates), `crypto-cipher-short-buffer`;
//! - `crypto-aes-cmac-rfc4493-{1..4}`: RFC 4493 section 4 examples 1-4
//!   (= NIST SP 800-38B D.1 AES-128: messages of 0, 16, 40, 64 bytes),
//!   the longer ones in 7-byte updates;
//! - `crypto-aes128-gcm-tc{2,3,4}-{enc,dec}`: McGrew & Viega, "The
//!   Galois/Counter Mode of Operation (GCM)", test cases 2, 3 and 4
//!   (128-bit tags; the payload in 16-byte updates and the final);
//!   `crypto-aes-gcm-bad-tag-mac-invalid`: test case 4 with one tag bit
//!   flipped → TEE_ERROR_MAC_INVALID;
//! - `crypto-check-*`: the TA's own checks of the object and operation life
//!   cycles and upstream's error codes (BAD_STATE before init, busy keys,
//!   copies, key types, block sizes, object sizes, generic secrets);
//! - 4006-4008 (AES-XTS, -CTS, -CCM): see [`modes`]; 4009 (HKDF) and 4012
//!   (PBKDF2): see [`kdf`]; 4013 (AE tag lengths): see [`ae_tags`]; 4014 (interrupt latency
//!   during long crypto syscalls): see [`latency`].

mod ae_tags;
mod kdf;
mod latency;
mod modes;

use proto::crypt_ta;
use tee_abi::gp::alg;
use teec::{Context, Login, Origin, Param, Session, SharedMemory, TeeError};
use tz_runner::{Report, hex, to_hex};

type R = Result<(), String>;

fn shm_with(ctx: &Context, data: &[u8]) -> Result<SharedMemory, String> {
    let mut m = SharedMemory::alloc(ctx, data.len()).map_err(|e| format!("shm alloc: {e}"))?;
    m.as_mut_slice()[..data.len()].copy_from_slice(data);
    Ok(m)
}

fn output(ctx: &Context, size: usize) -> Result<SharedMemory, String> {
    SharedMemory::alloc(ctx, size).map_err(|e| format!("shm alloc: {e}"))
}

/// Invokes `cmd` with a value input and memrefs `ins`, output of `out_cap`
/// bytes last: the output bytes, or the error and the size reported.
fn call(
    ctx: &Context,
    s: &mut Session<'_>,
    cmd: u32,
    v: (u32, u32),
    ins: &[&[u8]],
    out_cap: usize,
) -> Result<TaOutput, String> {
    let a = shm_with(ctx, ins[0])?;
    let b = match ins.get(1) {
        Some(d) => Some(shm_with(ctx, d)?),
        None => None,
    };
    let mut out = output(ctx, out_cap)?;
    let (r, size) = {
        let mut params = match &b {
            Some(b) => {
                [Param::ValueInput { a: v.0, b: v.1 }, Param::input(&a), Param::input(b), Param::output(&mut out)]
            }
            None => [Param::ValueInput { a: v.0, b: v.1 }, Param::input(&a), Param::output(&mut out), Param::None],
        };
        let r = s.invoke(cmd, &mut params);
        let size = params.iter().find_map(|p| match p {
            Param::MemrefOutput { size, .. } => Some(*size),
            _ => None,
        });
        (r, size.unwrap_or(0))
    };
    Ok(match r {
        Ok(()) => Ok(out.as_slice()[..size.min(out_cap)].to_vec()),
        Err(e) => Err((e.code, e.origin, size)),
    })
}

fn want_bytes(got: Result<Vec<u8>, (u32, u32, usize)>, want: &[u8]) -> R {
    match got {
        Ok(b) if b == want => Ok(()),
        Ok(b) => Err(format!("got {} want {}", to_hex(&b), to_hex(want))),
        Err((code, origin, _)) => Err(format!("error {code:#010x} origin {origin}")),
    }
}

fn digest(ctx: &Context, s: &mut Session<'_>, alg: u32, chunk: u32, msg: &[u8], want: &str) -> R {
    want_bytes(call(ctx, s, crypt_ta::CMD_DIGEST, (alg, chunk), &[msg], 64)?, &hex(want))
}

fn hmac(ctx: &Context, s: &mut Session<'_>, alg: u32, key: &[u8], msg: &[u8], want: &str) -> R {
    want_bytes(call(ctx, s, crypt_ta::CMD_HMAC, (alg, 0), &[key, msg], 64)?, &hex(want))
}

/// `(alg, mode)`: mode 0 encrypt / 1 decrypt; `chunk` bytes per update before the final.
fn cipher(
    ctx: &Context,
    s: &mut Session<'_>,
    (alg, mode): (u32, u32),
    (key, iv): (&str, &str),
    input: &[u8],
    chunk: u32,
    want: &[u8],
) -> R {
    let key = hex(key);
    let mut key_iv = key.clone();
    key_iv.extend(hex(iv));
    let b = mode | (key.len() as u32) << 8 | chunk << 16;
    want_bytes(call(ctx, s, crypt_ta::CMD_CIPHER, (alg, b), &[&key_iv, input], input.len())?, want)
}

/// AES-CMAC of `msg` under `key`, in `chunk`-byte updates.
fn cmac(ctx: &Context, s: &mut Session<'_>, key: &[u8], msg: &[u8], chunk: u32, want: &str) -> R {
    let mut key_msg = key.to_vec();
    key_msg.extend_from_slice(msg);
    want_bytes(call(ctx, s, crypt_ta::CMD_CMAC, (chunk, key.len() as u32), &[&key_msg], 16)?, &hex(want))
}

/// What the TA wrote, or (code, origin, size reported).
type TaOutput = Result<Vec<u8>, (u32, u32, usize)>;

/// A GCM test case: name, key, IV, plaintext, AAD, ciphertext, tag.
type GcmCase = (&'static str, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, &'static str);

/// AES-GCM through `crypt_ta::CMD_GCM` with 16-byte tags, the payload in 16-byte
/// updates: the TA's output (ciphertext ‖ tag, or plaintext) or the error.
fn gcm(
    ctx: &Context,
    s: &mut Session<'_>,
    decrypt: bool,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    input: &[u8],
) -> Result<TaOutput, String> {
    let mut kna = key.to_vec();
    kna.extend_from_slice(nonce);
    kna.extend_from_slice(aad);
    let a = u32::from(decrypt) | (key.len() as u32) << 8 | (nonce.len() as u32) << 16 | 16 << 24;
    let b = aad.len() as u32 | 16 << 16;
    let out = if decrypt { input.len() - 16 } else { input.len() + 16 };
    call(ctx, s, crypt_ta::CMD_GCM, (a, b), &[&kna, input], out)
}

/// Whether a TA answer's `(code, origin)` is `error` from the TA itself.
fn from_ta(code: u32, origin: u32, error: TeeError) -> bool {
    code == error.code() && origin == Origin::TrustedApp.code()
}

fn short_buffer(got: Result<Vec<u8>, (u32, u32, usize)>, needed: usize) -> R {
    match got {
        Err((code, origin, n)) if from_ta(code, origin, TeeError::ShortBuffer) && n == needed => Ok(()),
        other => Err(format!("got {other:?}, want SHORT_BUFFER from the TA with size {needed}")),
    }
}

fn check(s: &mut Session<'_>, which: u32) -> R {
    let mut params = [Param::ValueInout { a: which, b: 0 }, Param::None, Param::None, Param::None];
    let result = s.invoke(crypt_ta::CMD_CHECK, &mut params);
    tz_runner::stepped(result, &params[0])
}

// NIST SP 800-38A appendix F.
const PLAIN: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                     30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
const KEY128: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const KEY256: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const IV_CBC: &str = "000102030405060708090a0b0c0d0e0f";
const IV_CTR: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
const CBC128: &str = "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2
                      73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7";
const CTR128: &str = "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff
                      5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee";

fn cases(ctx: &Context, s: &mut Session<'_>, report: &mut Report) {
    let m448: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    // FIPS 180-4 examples.
    let sha: [(&str, u32, &str, &str); 5] = [
        ("sha1", alg::SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        (
            "sha224",
            alg::SHA224,
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
            "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
        ),
        (
            "sha256",
            alg::SHA256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (
            "sha384",
            alg::SHA384,
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
            "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
        ),
        (
            "sha512",
            alg::SHA512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
            "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
        ),
    ];
    report.test(4001, "digests: FIPS 180-4 examples");
    for (name, alg, abc, long) in sha {
        report.case(&format!("crypto-{name}-abc"), digest(ctx, s, alg, 0, b"abc", abc));
        report.case(&format!("crypto-{name}-448"), digest(ctx, s, alg, 5, m448, long));
    }
    report.case(
        "crypto-digest-short-buffer",
        call(ctx, s, crypt_ta::CMD_DIGEST, (alg::SHA256, 0), &[b"abc"], 16).and_then(|r| short_buffer(r, 32)),
    );

    report.test(4002, "HMAC: RFC 4231");
    // RFC 4231 test cases 4, 6 and 7 (OP-TEE 4.5 takes no HMAC-SHA-256
    // key under 192 bits nor HMAC-SHA-512 key under 256, which rules out
    // cases 1-3 and 5; the 131-byte keys of 6 and 7 are hashed first, by
    // ta-sdk, as RFC 2104 prescribes).
    let k4: Vec<u8> = (1..=25).collect();
    let k6 = [0xaau8; 131];
    let d6: &[u8] = b"Test Using Larger Than Block-Size Key - Hash Key First";
    let d7: &[u8] = b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.";
    report.case(
        "crypto-hmac-sha256-rfc4231-4",
        hmac(
            ctx,
            s,
            alg::HMAC_SHA256,
            &k4,
            &[0xcd; 50],
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
        ),
    );
    report.case(
        "crypto-hmac-sha256-rfc4231-6",
        hmac(ctx, s, alg::HMAC_SHA256, &k6, d6, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    );
    report.case(
        "crypto-hmac-sha256-rfc4231-7",
        hmac(ctx, s, alg::HMAC_SHA256, &k6, d7, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    );
    report.case(
        "crypto-hmac-sha512-rfc4231-6",
        hmac(
            ctx,
            s,
            alg::HMAC_SHA512,
            &k6,
            d6,
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
        ),
    );
    report.case(
        "crypto-hmac-sha512-rfc4231-7",
        hmac(
            ctx,
            s,
            alg::HMAC_SHA512,
            &k6,
            d7,
            "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
        ),
    );
    // A key below OP-TEE's minimum for the type (RFC 4231 case 2's "Jefe"):
    // BAD_PARAMETERS.
    report.case(
        "crypto-hmac-short-key-refused",
        (|| match call(
            ctx,
            s,
            crypt_ta::CMD_HMAC,
            (alg::HMAC_SHA256, 0),
            &[b"Jefe", b"what do ya want for nothing?"],
            64,
        )? {
            Err((code, origin, _)) if from_ta(code, origin, TeeError::BadParameters) => Ok(()),
            other => Err(format!("got {other:?}, want BAD_PARAMETERS from the TA")),
        })(),
    );

    report.test(4003, "ciphers: AES ECB/CBC/CTR (SP 800-38A)");
    // SP 800-38A F.1.1, F.1.5, F.2.1, F.2.5, F.5.1, F.5.5 (encrypt).
    let plain = hex(PLAIN);
    let aes: [(&str, u32, &str, &str, &str); 6] = [
        (
            "aes128-ecb",
            alg::AES_ECB_NOPAD,
            KEY128,
            "",
            "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf 43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4",
        ),
        (
            "aes256-ecb",
            alg::AES_ECB_NOPAD,
            KEY256,
            "",
            "f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870 b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7",
        ),
        ("aes128-cbc", alg::AES_CBC_NOPAD, KEY128, IV_CBC, CBC128),
        (
            "aes256-cbc",
            alg::AES_CBC_NOPAD,
            KEY256,
            IV_CBC,
            "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b",
        ),
        ("aes128-ctr", alg::AES_CTR, KEY128, IV_CTR, CTR128),
        (
            "aes256-ctr",
            alg::AES_CTR,
            KEY256,
            IV_CTR,
            "601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5 2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6",
        ),
    ];
    for (name, alg, key, iv, want) in aes {
        report.case(&format!("crypto-{name}-sp800-38a"), cipher(ctx, s, (alg, 0), (key, iv), &plain, 16, &hex(want)));
    }
    // F.2.2 CBC-AES128.Decrypt, all in the final call.
    report.case(
        "crypto-aes128-cbc-decrypt-sp800-38a",
        cipher(ctx, s, (alg::AES_CBC_NOPAD, 1), (KEY128, IV_CBC), &hex(CBC128), 0, &plain),
    );
    // F.5.1 in 7-byte updates: CTR keeps its place in the keystream.
    report.case(
        "crypto-aes128-ctr-odd-chunks",
        cipher(ctx, s, (alg::AES_CTR, 0), (KEY128, IV_CTR), &plain, 7, &hex(CTR128)),
    );
    // A 32-byte output for 64 bytes (all in the final): SHORT_BUFFER, 64 needed.
    report.case(
        "crypto-cipher-short-buffer",
        (|| {
            let mut key_iv = hex(KEY128);
            key_iv.extend(hex(IV_CBC));
            short_buffer(call(ctx, s, crypt_ta::CMD_CIPHER, (alg::AES_CBC_NOPAD, 16 << 8), &[&key_iv, &plain], 32)?, 64)
        })(),
    );

    report.test(4004, "AES-CMAC: RFC 4493");
    // RFC 4493 examples 1-4 (AES-128 key of SP 800-38A, prefixes of its plaintext).
    let cmacs = [
        (0, "bb1d6929e95937287fa37d129b756746"),
        (16, "070a16b46b4d4144f79bdd9dd04a287c"),
        (40, "dfa66747de9ae63030ca32611497c827"),
        (64, "51f0bebf7e3b9d92fc49741779363cfe"),
    ];
    for (i, (len, want)) in cmacs.iter().enumerate() {
        report.case(&format!("crypto-aes-cmac-rfc4493-{}", i + 1), cmac(ctx, s, &hex(KEY128), &plain[..*len], 7, want));
    }

    report.test(4005, "authenticated encryption: AES-GCM");
    // McGrew & Viega GCM test cases 2-4 (AES-128).
    const GK: &str = "feffe9928665731c6d6a8f9467308308";
    const GIV: &str = "cafebabefacedbaddecaf888";
    const GP: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
                      1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
    const GC: &str = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
                      21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985";
    let (gp, gc) = (hex(GP), hex(GC));
    let gcms: [GcmCase; 3] = [
        (
            "tc2",
            vec![0; 16],
            vec![0; 12],
            vec![0; 16],
            vec![],
            hex("0388dace60b6a392f328c2b971b2fe78"),
            "ab6e47d42cec13bdf53a67b21257bddf",
        ),
        ("tc3", hex(GK), hex(GIV), gp.clone(), vec![], gc.clone(), "4d5c2af327cd64a62cf35abd2ba6fab4"),
        (
            "tc4",
            hex(GK),
            hex(GIV),
            gp[..60].to_vec(),
            hex("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
            gc[..60].to_vec(),
            "5bc94fbc3221a5db94fae95ae7121a47",
        ),
    ];
    for (name, key, iv, p, aad, c, tag) in &gcms {
        let mut ct = c.clone();
        ct.extend(hex(tag));
        report.case(
            &format!("crypto-aes128-gcm-{name}-enc"),
            gcm(ctx, s, false, key, iv, aad, p).and_then(|r| want_bytes(r, &ct)),
        );
        report.case(
            &format!("crypto-aes128-gcm-{name}-dec"),
            gcm(ctx, s, true, key, iv, aad, &ct).and_then(|r| want_bytes(r, p)),
        );
    }
    report.case(
        "crypto-aes-gcm-bad-tag-mac-invalid",
        (|| {
            let (_, key, iv, _, aad, c, tag) = &gcms[2];
            let mut ct = c.clone();
            let mut t = hex(tag);
            t[15] ^= 0x01;
            ct.extend(t);
            match gcm(ctx, s, true, key, iv, aad, &ct)? {
                Err((code, origin, _)) if from_ta(code, origin, TeeError::MacInvalid) => Ok(()),
                other => Err(format!("got {other:?}, want MAC_INVALID from the TA")),
            }
        })(),
    );

    report.test(4010, "object and operation life cycles, upstream's error codes");
    let checks = [
        "bad-state",
        "object-info",
        "busy-key",
        "state-copy",
        "key-types",
        "block-size",
        "object-sizes",
        "generic-secret",
    ];
    for (i, name) in checks.iter().enumerate() {
        report.case(&format!("crypto-check-{name}"), check(s, i as u32));
    }

    modes::cases(ctx, s, report);
    kdf::cases(ctx, s, report);
    ae_tags::cases(ctx, s, report);
    latency::cases(ctx, s, report);
}

/// Every case name, for reporting them all when the session cannot open.
const CASE_COUNT: usize = 10 + 1 + 6 + 6 + 3 + 4 + 7 + 8 + modes::CASES + kdf::CASES + ae_tags::CASES + latency::CASES;

pub fn run(report: &mut Report) {
    let session = Context::new().map_err(|e| format!("context: {e}")).map(|ctx| (ctx, crypt_ta::UUID));
    match session {
        Ok((ctx, uuid)) => match ctx.open_session(&uuid, Login::Public) {
            Ok(mut s) => cases(&ctx, &mut s, report),
            Err(e) => report.case("crypto-open-session", Err(format!("{e} ({CASE_COUNT} cases not run)"))),
        },
        Err(e) => report.case("crypto-open-session", Err(format!("{e} ({CASE_COUNT} cases not run)"))),
    }
}
