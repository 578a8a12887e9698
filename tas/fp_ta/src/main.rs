//! A TA that keeps the FP/SIMD registers in a known pattern while the
//! trusted OS does what might disturb them, for the FP/SIMD isolation tests.
//!
//! UUID `8c234927-7e34-45a6-ba09-d08bd7e7d9bd` (multi-instance, so it can call itself).
//! - command 0 `HOLD` (VALUE_INPUT, VALUE_INPUT, VALUE_OUTPUT, NONE):
//!   `[0].a` seed, `[0].b` rounds; `[1].a` milliseconds to `TEE_Wait` in
//!   the first round (an RPC to the normal world), `[1].b` non-zero to call
//!   a second instance of this TA in the first round (a nested run that uses
//!   FP/SIMD itself). Loads the pattern for the seed, then each round makes
//!   system calls and spins long enough to be preempted by normal-world
//!   interrupts, and reads the registers back. `[2].a` is the number of
//!   registers found changed (summed over all checks, the nested call's
//!   included), `[2].b` the number of checks; `[3].a` how many registers
//!   were not zero when the TA first read them, plus the same count from the
//!   nested run (what a new run inherits: another TA's or the normal
//!   world's values if the kernel leaked them).
//!
//! Every invoke and every round also makes crypto system calls (SHA-256,
//! AES-128-CBC and AES-128-GCM, checked against known answers and round
//! trips), which our kernel runs on the Armv8 crypto instructions in kernel
//! SIMD sections: once before the TA touches FP/SIMD (the normal world's
//! registers are live then) and then with the pattern loaded. A wrong
//! crypto result fails the command with TEE_ERROR_GENERIC.

#![no_std]
#![no_main]

use proto::fp_ta::CMD_HOLD;
use ta_sdk::crypto::{AeCipher, Algorithm, Cipher, CipherAlgorithm, Digest, Mode};
use ta_sdk::simd::{self, SimdRegs};
use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::{ParamType, Params, TeeResult, TrustedApp};

/// Iterations of the spin between checks (a few ms of guest time).
const SPIN: u32 = 200_000;

const TYPES: [ParamType; 4] =
    [ParamType::ValueInput, ParamType::ValueInput, ParamType::ValueOutput, ParamType::ValueOutput];

struct FpTa;

/// Registers changed since `expected` was loaded.
fn check(expected: &SimdRegs, changed: &mut u32, checks: &mut u32) {
    let mut now = SimdRegs::ZERO;
    simd::store(&mut now);
    *changed += now.differences(expected);
    *checks += 1;
}

/// SHA-256 of "abc" (FIPS 180-4 example).
const SHA256_ABC: [u8; 32] = [
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61,
    0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
];

/// Crypto system calls whose kernel side uses the vector registers (on our
/// kernel with the crypto extension): a known-answer SHA-256, an
/// AES-128-CBC and an AES-128-GCM round trip over 512 bytes. Soft-float
/// code only, so the TA's own registers stay as loaded.
fn crypto_calls(seed: u32) -> TeeResult {
    let bad = ta_sdk::TeeError::Generic;
    let mut d = Digest::new(Algorithm::Sha256)?;
    d.update(b"a")?;
    let mut out = [0u8; 32];
    d.finalize(b"bc", &mut out)?;
    if out != SHA256_ABC {
        return Err(bad);
    }
    let mut plain = [0u8; 512];
    for (i, b) in plain.iter_mut().enumerate() {
        *b = (i as u32 ^ seed) as u8;
    }
    let (key, iv) = ([seed as u8; 16], [0x5a; 16]);
    let (mut ct, mut back) = ([0u8; 512], [0u8; 512]);
    let mut e = Cipher::new(CipherAlgorithm::AesCbcNoPad, Mode::Encrypt, &key, &iv)?;
    e.update(&plain[..256], &mut ct[..256])?;
    e.finalize(&plain[256..], &mut ct[256..])?;
    let mut dcr = Cipher::new(CipherAlgorithm::AesCbcNoPad, Mode::Decrypt, &key, &iv)?;
    dcr.finalize(&ct, &mut back)?;
    if back != plain || ct[..16] == plain[..16] {
        return Err(bad);
    }
    let mut tag = [0u8; 16];
    let mut g = AeCipher::gcm(Mode::Encrypt, &key, &iv[..12], 16)?;
    g.update_aad(b"fp_ta")?;
    g.update(&plain[..100], &mut ct[..100])?;
    g.encrypt_final(&plain[100..], &mut ct[100..], &mut tag)?;
    let mut g = AeCipher::gcm(Mode::Decrypt, &key, &iv[..12], 16)?;
    g.update_aad(b"fp_ta")?;
    g.update(&ct[..300], &mut back[..300])?;
    g.decrypt_final(&ct[300..], &mut back[300..], &tag)?;
    if back != plain {
        return Err(bad);
    }
    Ok(())
}

/// Busy work the compiler cannot drop; touches no FP/SIMD register (the TA
/// is soft-float).
fn spin(n: u32) -> u32 {
    let mut x = 1u32;
    for i in 0..n {
        x = core::hint::black_box(x.wrapping_mul(1_664_525).wrapping_add(i));
    }
    x
}

/// Registers that are not zero right now.
fn nonzero_now() -> u32 {
    let mut now = SimdRegs::ZERO;
    simd::store(&mut now);
    now.differences(&SimdRegs::ZERO)
}

/// Returns (registers changed, checks, registers the nested run inherited).
fn hold(seed: u32, rounds: u32, wait_ms: u32, nested: bool) -> TeeResult<(u32, u32, u32)> {
    let mine = SimdRegs::pattern(u64::from(seed));
    simd::load(&mine);
    let (mut changed, mut checks, mut nested_inherited) = (0, 0, 0);
    for round in 0..rounds {
        let _ = ta_sdk::time::system_time();
        check(&mine, &mut changed, &mut checks);
        crypto_calls(seed.wrapping_add(round))?;
        check(&mine, &mut changed, &mut checks);
        spin(SPIN);
        check(&mine, &mut changed, &mut checks);
        if round == 0 && wait_ms > 0 {
            ta_sdk::time::wait(wait_ms)?;
            check(&mine, &mut changed, &mut checks);
        }
        if round == 0 && nested {
            let other = TaSession::open(&proto::fp_ta::UUID)?;
            check(&mine, &mut changed, &mut checks);
            let mut params = [
                CallParam::ValueIn { a: seed.wrapping_add(1000), b: 2 },
                CallParam::ValueIn { a: 0, b: 0 },
                CallParam::ValueOut { a: 0, b: 0 },
                CallParam::ValueOut { a: 0, b: 0 },
            ];
            other.invoke(CMD_HOLD, &mut params)?;
            if let CallParam::ValueOut { a, b } = params[2] {
                changed += a;
                checks += b;
            }
            // What the nested run found in the registers when it started
            // (this run's values, unless the kernel gave it fresh ones).
            if let CallParam::ValueOut { a, .. } = params[3] {
                nested_inherited += a;
            }
            check(&mine, &mut changed, &mut checks);
        }
    }
    Ok((changed, checks, nested_inherited))
}

impl TrustedApp for FpTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(FpTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        if cmd != CMD_HOLD {
            return Err(ta_sdk::TeeError::NotSupported);
        }
        params.expect(TYPES)?;
        // Crypto before this run touches FP/SIMD: the normal world's
        // registers are the live ones.
        crypto_calls(0)?;
        let inherited = nonzero_now();
        let p0 = params.value_input(0)?;
        let p1 = params.value_input(1)?;
        let (changed, checks, nested_inherited) = hold(p0.a, p0.b, p1.a, p1.b != 0)?;
        let out = params.value_output(2)?;
        out.a = changed;
        out.b = checks;
        params.value_output(3)?.a = inherited + nested_inherited;
        Ok(())
    }
}

ta_sdk::ta! {
    uuid: proto::fp_ta::UUID,
    flags: MULTI_SESSION,
    stack: 16384,
    heap: 16384,
    impl: FpTa,
}
