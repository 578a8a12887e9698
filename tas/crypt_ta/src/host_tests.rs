//! Host tests (ta-sdk README, "Testing TA logic on the host"): known-answer
//! vectors through the kernel's crypto code, and the TA's life-cycle and
//! error-code checks, in-process.

use proto::crypt_ta::{CMD_CHECK, CMD_CIPHER, CMD_DIGEST, CMD_HMAC, UUID};
use ta_sdk::TeeError;
use ta_sdk::crypto::alg;
use ta_sdk::host::{CallParam, Session, Tee};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn open() -> (Tee, Session) {
    let tee = Tee::new();
    tee.install(super::ta_def());
    let session = tee.open(&UUID).unwrap();
    (tee, session)
}

fn digest(s: &Session, algorithm: u32, chunk: u32, msg: &[u8], out: &mut [u8]) -> (Result<(), TeeError>, usize) {
    let mut p = [
        CallParam::ValueIn { a: algorithm, b: chunk },
        CallParam::MemrefIn(msg),
        CallParam::MemrefOut(out, 0),
        CallParam::None,
    ];
    let r = s.invoke(CMD_DIGEST, &mut p).map_err(|e| e.code);
    (r, p[2].size().unwrap())
}

#[test]
fn sha_known_answers_whole_and_chunked() {
    let (_tee, s) = open();
    // FIPS 180-2 "abc".
    let sha256 = hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    let sha1 = hex("a9993e364706816aba3e25717850c26c9cd0d89d");
    for chunk in [0, 1, 2] {
        let mut out = [0u8; 32];
        assert_eq!(digest(&s, alg::SHA256, chunk, b"abc", &mut out), (Ok(()), 32));
        assert_eq!(out.as_slice(), sha256);
    }
    let mut out = [0u8; 20];
    assert_eq!(digest(&s, alg::SHA1, 0, b"abc", &mut out), (Ok(()), 20));
    assert_eq!(out.as_slice(), sha1);
    // Too small an output: the kernel's SHORT_BUFFER with the size needed.
    let mut small = [0u8; 16];
    assert_eq!(digest(&s, alg::SHA256, 0, b"abc", &mut small), (Err(TeeError::ShortBuffer), 32));
}

fn hmac(s: &Session, key: &[u8], msg: &[u8], out: &mut [u8]) -> Result<usize, TeeError> {
    let mut p = [
        CallParam::ValueIn { a: alg::HMAC_SHA256, b: 0 },
        CallParam::MemrefIn(key),
        CallParam::MemrefIn(msg),
        CallParam::MemrefOut(out, 0),
    ];
    s.invoke(CMD_HMAC, &mut p).map_err(|e| e.code)?;
    Ok(p[3].size().unwrap())
}

#[test]
fn hmac_sha256_rfc4231_case4_and_key_size_rule() {
    let (_tee, s) = open();
    let key: Vec<u8> = (1..=25).collect();
    let mut out = [0u8; 32];
    assert_eq!(hmac(&s, &key, &[0xcd; 50], &mut out), Ok(32));
    assert_eq!(out.as_slice(), hex("82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"));
    // RFC 4231 case 2's 4-byte key is below GP's 192-bit minimum for
    // HMAC-SHA256 keys: the kernel refuses it (as it does in QEMU).
    assert_eq!(hmac(&s, b"Jefe", b"what do ya want for nothing?", &mut out), Err(TeeError::BadParameters));
}

#[test]
fn aes128_ecb_fips197_both_ways() {
    let (_tee, s) = open();
    let key = hex("000102030405060708090a0b0c0d0e0f");
    let plain = hex("00112233445566778899aabbccddeeff");
    let cipher = hex("69c4e0d86a7b0430d8cdb78070b4c55a");
    for (mode, input, want) in [(0u32, &plain, &cipher), (1, &cipher, &plain)] {
        let mut out = [0u8; 16];
        let mut p = [
            CallParam::ValueIn { a: alg::AES_ECB_NOPAD, b: mode | 16 << 8 },
            CallParam::MemrefIn(&key),
            CallParam::MemrefIn(input),
            CallParam::MemrefOut(&mut out, 0),
        ];
        s.invoke(CMD_CIPHER, &mut p).unwrap();
        assert_eq!(&out.as_slice(), want);
    }
}

#[test]
fn life_cycle_and_error_code_checks() {
    let (_tee, s) = open();
    for check in 0..=proto::crypt_ta::CHECK_PBKDF2 {
        let mut p = [CallParam::ValueInOut { a: check, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
        let r = s.invoke(CMD_CHECK, &mut p);
        assert_eq!(r, Ok(()), "check {check}: failed step and code {:x?}", p[0].value());
    }
}
