//! Random primes for RSA key generation, searched here rather than by the
//! `rsa` crate so that the search passes a preemption point per candidate
//! and per Miller-Rabin round: a 4096-bit key takes seconds of modular
//! exponentiations (more with an unlucky TA-chosen public exponent), and
//! the crate's search runs one prime's whole search between two calls of
//! its RNG.

extern crate alloc;

use ::rsa::BigUint;
use alloc::vec;
use alloc::vec::Vec;
use rand_core::RngCore;

use crate::thread::preempt;

/// Candidates are first divided by the odd primes below this.
const SMALL_PRIME_LIMIT: u32 = 2048;

/// The odd primes below [`SMALL_PRIME_LIMIT`] (sieve of Eratosthenes).
fn small_primes() -> Vec<u32> {
    let n = SMALL_PRIME_LIMIT as usize;
    let mut composite = vec![false; n];
    let mut primes = Vec::new();
    for i in 3..n {
        if i % 2 == 1 && !composite[i] {
            primes.push(i as u32);
            (i * i..n).step_by(i).for_each(|j| composite[j] = true);
        }
    }
    primes
}

/// `bytes` (big-endian) modulo `p`.
fn mod_small(bytes: &[u8], p: u32) -> u32 {
    bytes.iter().fold(0u32, |r, &b| ((r << 8) | u32::from(b)) % p)
}

/// `bytes` (big-endian) modulo `m > 0`.
pub fn mod_u64(bytes: &[u8], m: u64) -> u64 {
    bytes.iter().fold(0u64, |r, &b| ((u128::from(r) << 8 | u128::from(b)) % u128::from(m)) as u64)
}

/// Miller-Rabin rounds with random bases: at least FIPS 186-4 table C.3's
/// counts for random candidates of these sizes.
fn rounds(bits: usize) -> usize {
    if bits >= 512 { 8 } else { 16 }
}

/// A uniformly random-ish number in `[0, m)` (64 extra bits make the bias
/// negligible).
fn random_below(rng: &mut impl RngCore, m: &BigUint) -> BigUint {
    let mut bytes = vec![0u8; m.bits().div_ceil(8) + 8];
    rng.fill_bytes(&mut bytes);
    BigUint::from_bytes_be(&bytes) % m
}

/// Miller-Rabin (HAC algorithm 4.24) for an odd `n > 3`, a preemption
/// point before each round.
pub fn is_probable_prime(rng: &mut impl RngCore, n: &BigUint, rounds: usize) -> bool {
    let (one, two) = (BigUint::from(1u32), BigUint::from(2u32));
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    let bases = n - BigUint::from(3u32);
    'round: for _ in 0..rounds {
        preempt::point();
        let a = random_below(rng, &bases) + &two;
        // With preemption points inside: one round is seconds' worth of
        // work for a 4096-bit key's primes.
        let mut x = super::monty::modpow(&a, &d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = (&x * &x) % n;
            if x == n1 {
                continue 'round;
            }
            if x == one {
                return false;
            }
        }
        return false;
    }
    true
}

/// A random prime of exactly `bits` bits (at least 16) with its two top
/// bits set, so that the product of two such has `2 * bits` bits.
pub fn random_prime(rng: &mut impl RngCore, bits: usize) -> BigUint {
    let small = small_primes();
    let len = bits.div_ceil(8);
    let mut bytes = vec![0u8; len];
    let set = |bytes: &mut [u8], bit: usize| bytes[len - 1 - bit / 8] |= 1 << (bit % 8);
    loop {
        preempt::point();
        rng.fill_bytes(&mut bytes);
        bytes[0] &= 0xff >> (len * 8 - bits);
        set(&mut bytes, bits - 1);
        set(&mut bytes, bits - 2);
        bytes[len - 1] |= 1;
        if small.iter().any(|&p| mod_small(&bytes, p) == 0) {
            continue;
        }
        let n = BigUint::from_bytes_be(&bytes);
        if is_probable_prime(rng, &n, rounds(bits)) {
            return n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter-mode stand-in RNG: deterministic tests.
    struct TestRng(u64);
    impl RngCore for TestRng {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0 >> 11 ^ self.0
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.iter_mut().for_each(|b| *b = self.next_u64() as u8);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    #[test]
    fn miller_rabin_tells_primes_from_composites() {
        let mut rng = TestRng(1);
        let big = |s: &str| BigUint::parse_bytes(s.as_bytes(), 10).unwrap();
        // Primes: 2^127 - 1, 2^89 - 1 (Mersenne), a 20-digit one.
        for p in ["170141183460469231731687303715884105727", "618970019642690137449562111", "18446744073709551557"] {
            assert!(is_probable_prime(&mut rng, &big(p), 16), "{p}");
        }
        // Carmichael numbers (Fermat liars for every coprime base), a
        // product of two primes, a square of a prime.
        for c in [
            "561",
            "41041",
            "3215031751",
            "3138550867693340371879564887436148535863180058921145466939",
            "1000000016000000063",
            "1000000014000000049",
        ] {
            assert!(!is_probable_prime(&mut rng, &big(c), 16), "{c}");
        }
    }

    #[test]
    fn random_primes_have_their_size_and_pass_preemption_points() {
        let mut rng = TestRng(7);
        let before = preempt::points();
        let p = random_prime(&mut rng, 256);
        assert_eq!(p.bits(), 256);
        assert!(p.to_bytes_be()[0] >= 0xc0, "top two bits set");
        assert!(is_probable_prime(&mut TestRng(99), &p, 32));
        assert!(small_primes().iter().all(|&s| mod_small(&p.to_bytes_be(), s) != 0));
        // One point per candidate and per round: at least the final
        // candidate's rounds.
        assert!(preempt::points() - before > rounds(256) as u64);
        assert_eq!(small_primes()[..5], [3, 5, 7, 11, 13]);
        assert_eq!(*small_primes().last().unwrap(), 2039);
    }
}
