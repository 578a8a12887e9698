//! Signature checks that passed, remembered. Every cold OpenSession of a TA
//! that is not kept alive loads its file anew, as upstream does, and finds
//! the same signed header; whether an RSA signature verifies is a pure
//! function of (key, algorithm, hash, signature), so the same four need
//! not be checked twice. Upstream (optee_os 4.5.0 `core/crypto/signed_hdr.c`,
//! `shdr_verify_signature`) recomputes it each time, with the same answers.
//!
//! Only successes are kept (a failed check is done again, and fails again),
//! at most [`CAPACITY`], the oldest forgotten first. The image digest is
//! still computed and compared with the signed hash on every load
//! (`shdr::verify`), so a file whose image changed is refused as before.
//! The check was two thirds of a cold OpenSession (RSA-2048 on
//! `num-bigint-dig`, 2.7 M instructions).

extern crate alloc;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use rsa::RsaPublicKey;
use rsa::traits::PublicKeyParts;

use crate::sync::SpinLock;

/// Checks remembered (one per TA or subkey header in use is plenty).
pub const CAPACITY: usize = 16;

/// One passed check: everything its outcome depends on. Sizes are bounded
/// by the key size the caller checked (at most 4096-bit keys in `rsa`).
#[derive(PartialEq, Eq)]
struct Passed {
    algo: u32,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
    hash: Vec<u8>,
    sig: Vec<u8>,
}

static PASSED: SpinLock<VecDeque<Passed>> = SpinLock::new(VecDeque::new());

/// `check()` for signature `sig` over `hash` by `key` with `algo`, unless
/// the same check passed before.
pub fn check_once<E>(
    algo: u32,
    key: &RsaPublicKey,
    hash: &[u8],
    sig: &[u8],
    check: impl FnOnce() -> Result<(), E>,
) -> Result<(), E> {
    let this = Passed {
        algo,
        modulus: key.n().to_bytes_be(),
        exponent: key.e().to_bytes_be(),
        hash: hash.to_vec(),
        sig: sig.to_vec(),
    };
    if PASSED.lock().contains(&this) {
        return Ok(());
    }
    check()?;
    let mut passed = PASSED.lock();
    if passed.len() >= CAPACITY {
        passed.pop_front();
    }
    passed.push_back(this);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::BigUint;

    /// The two tests count on each other's entries not being evicted.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn key(seed: u8) -> RsaPublicKey {
        let mut n = [0xc5u8; 256];
        n[0] = seed | 0x80;
        RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from(65537u32)).unwrap()
    }

    #[test]
    fn a_passed_check_is_not_repeated_and_a_failed_one_is() {
        let _serial = SERIAL.lock();
        let (k, hash, sig) = (key(1), [7u8; 32], [9u8; 256]);
        let mut calls = 0;
        let mut run = |k: &RsaPublicKey, hash: &[u8], sig: &[u8], ok: bool| {
            check_once(0x7041_4930, k, hash, sig, || {
                calls += 1;
                if ok { Ok(()) } else { Err(()) }
            })
        };
        assert_eq!(run(&k, &hash, &sig, true), Ok(()));
        assert_eq!(run(&k, &hash, &sig, false), Ok(()), "remembered: not checked again");
        let mut other = sig;
        other[255] ^= 1;
        assert_eq!(run(&k, &hash, &other, false), Err(()), "another signature is checked");
        assert_eq!(run(&k, &hash, &other, false), Err(()), "a failure is not remembered");
        assert_eq!(run(&k, &[8u8; 32], &sig, false), Err(()), "another hash is checked");
        assert_eq!(run(&key(2), &hash, &sig, false), Err(()), "another key is checked");
        assert_eq!(calls, 5);
    }

    #[test]
    fn at_most_capacity_checks_are_kept() {
        let _serial = SERIAL.lock();
        let k = key(3);
        for i in 0..=CAPACITY {
            check_once::<()>(1, &k, &[i as u8; 32], &[0x33; 256], || Ok(())).unwrap();
        }
        assert!(PASSED.lock().len() <= CAPACITY);
        // The first one was forgotten: checked again.
        let mut checked = false;
        check_once::<()>(1, &k, &[0u8; 32], &[0x33; 256], || {
            checked = true;
            Ok(())
        })
        .unwrap();
        assert!(checked);
    }
}
