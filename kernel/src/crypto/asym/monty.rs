//! Modular exponentiation for the Miller-Rabin rounds of RSA key
//! generation, with preemption points inside. One round on a 2048-bit
//! candidate (an RSA-4096 prime) is one exponentiation of about 2600
//! Montgomery products: `num-bigint-dig`'s `modpow` took 75 M instructions
//! for it in one piece, so a Linux timer interrupt waited up to 75 ms of
//! guest time (issue 12 allows 10 ms). Here a preemption point follows every
//! [`WINDOWS_PER_POINT`] windows (40 products, under a millisecond).
//!
//! Montgomery multiplication is CIOS (Koç, Acar, Kaliski, "Analyzing and
//! Comparing Montgomery Multiplication Algorithms", 1996) over 64-bit limbs,
//! little-endian, with the final subtraction done by mask, and a fixed
//! 4-bit window: every window costs four squarings and one product
//! whatever the exponent's bits (the candidate being tested is secret).

extern crate alloc;

use ::rsa::BigUint;
use alloc::vec;
use alloc::vec::Vec;

use crate::thread::preempt;

/// Exponent windows (4 bits each) between two preemption points.
pub const WINDOWS_PER_POINT: usize = 8;

/// An odd modulus and what Montgomery arithmetic modulo it needs.
struct Monty {
    /// The modulus, `s` limbs.
    n: Vec<u64>,
    /// `-n^-1 mod 2^64`.
    n0: u64,
    /// `R^2 mod n` (R = 2^(64 s)), to enter the Montgomery domain.
    r2: Vec<u64>,
}

fn limbs(x: &BigUint, s: usize) -> Vec<u64> {
    let bytes = x.to_bytes_le();
    let mut out = vec![0u64; s];
    for (limb, chunk) in out.iter_mut().zip(bytes.chunks(8)) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        *limb = u64::from_le_bytes(b);
    }
    out
}

fn from_limbs(x: &[u64]) -> BigUint {
    let bytes: Vec<u8> = x.iter().flat_map(|l| l.to_le_bytes()).collect();
    BigUint::from_bytes_le(&bytes)
}

/// `a + b * c + carry` as (low, high) limbs.
#[inline(always)]
fn mac(a: u64, b: u64, c: u64, carry: u64) -> (u64, u64) {
    let t = u128::from(a) + u128::from(b) * u128::from(c) + u128::from(carry);
    (t as u64, (t >> 64) as u64)
}

impl Monty {
    /// `n` must be odd and above 1.
    fn new(n: &BigUint) -> Monty {
        let s = n.to_bytes_le().len().div_ceil(8);
        let n_limbs = limbs(n, s);
        // Newton's iteration doubles the correct low bits of n^-1 each step:
        // 1 -> 2 -> ... -> 64 (n is odd, so n * 1 = 1 mod 2).
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n_limbs[0].wrapping_mul(inv)));
        }
        let r = BigUint::from(1u32) << (64 * s);
        let r_mod = &r % n;
        let r2 = limbs(&((&r_mod * &r_mod) % n), s);
        Monty { n: n_limbs, n0: inv.wrapping_neg(), r2 }
    }

    /// `a * b / R mod n` for `a, b < n`, into `out`.
    fn mul(&self, a: &[u64], b: &[u64], out: &mut [u64]) {
        let s = self.n.len();
        let n = &self.n;
        let mut t = vec![0u64; s + 2];
        for &bi in b.iter().take(s) {
            let mut c = 0;
            for j in 0..s {
                (t[j], c) = mac(t[j], a[j], bi, c);
            }
            let (ts, carry) = t[s].overflowing_add(c);
            t[s] = ts;
            t[s + 1] = u64::from(carry);
            let m = t[0].wrapping_mul(self.n0);
            let (_, mut c) = mac(t[0], m, n[0], 0);
            for j in 1..s {
                (t[j - 1], c) = mac(t[j], m, n[j], c);
            }
            let (ts, carry) = t[s].overflowing_add(c);
            t[s - 1] = ts;
            t[s] = t[s + 1] + u64::from(carry);
        }
        // t < 2n, its carry limb t[s] 0 or 1: t - n unless t < n (no carry
        // limb and the subtraction borrowed), chosen by mask.
        let mut borrow = 0u64;
        for j in 0..s {
            let (d, b1) = t[j].overflowing_sub(n[j]);
            let (d, b2) = d.overflowing_sub(borrow);
            out[j] = d;
            borrow = u64::from(b1 | b2);
        }
        let keep_t = (borrow & !t[s] & 1).wrapping_neg();
        for j in 0..s {
            out[j] = (t[j] & keep_t) | (out[j] & !keep_t);
        }
    }
}

/// `base^exp mod n` for an odd `n > 1`, with a preemption point every
/// [`WINDOWS_PER_POINT`] windows of the exponent.
pub fn modpow(base: &BigUint, exp: &BigUint, n: &BigUint) -> BigUint {
    let m = Monty::new(n);
    let s = m.n.len();
    let mut tmp = vec![0u64; s];
    // table[i] = base^i in the Montgomery domain (table[0] = R mod n).
    let mut table = vec![vec![0u64; s]; 16];
    let mut one = vec![0u64; s];
    one[0] = 1;
    m.mul(&one, &m.r2, &mut table[0]);
    m.mul(&limbs(&(base % n), s), &m.r2, &mut table[1]);
    for i in 2..16 {
        let (done, rest) = table.split_at_mut(i);
        m.mul(&done[i - 1], &done[1], &mut rest[0]);
    }
    let mut acc = table[0].clone();
    let nibbles: Vec<u8> = exp.to_bytes_be().iter().flat_map(|b| [b >> 4, b & 0xf]).collect();
    for (w, &nibble) in nibbles.iter().enumerate() {
        for _ in 0..4 {
            m.mul(&acc, &acc, &mut tmp);
            core::mem::swap(&mut acc, &mut tmp);
        }
        // Every entry is read, so which one is used does not show in the
        // memory accesses.
        let mut pick = vec![0u64; s];
        for (i, entry) in table.iter().enumerate() {
            let mask = u64::from(i as u8 == nibble).wrapping_neg();
            pick.iter_mut().zip(entry).for_each(|(p, e)| *p |= e & mask);
        }
        m.mul(&acc, &pick, &mut tmp);
        core::mem::swap(&mut acc, &mut tmp);
        if (w + 1) % WINDOWS_PER_POINT == 0 {
            preempt::point();
        }
    }
    m.mul(&acc, &one, &mut tmp);
    from_limbs(&tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(hex: &str) -> BigUint {
        BigUint::parse_bytes(hex.as_bytes(), 16).unwrap()
    }

    #[test]
    fn agrees_with_num_bigint_dig() {
        let moduli = [
            "3",
            "f",
            "ffffffffffffffc5",
            "10000000000000001",
            "d7c1a3f0b3e5a2c1f0e3d5c7b9a1f3e5d7c9b1a3f5e7d9c1b3a5f7e9d1c3b5a7",
            &"c5".repeat(256),
            &("ff".repeat(255) + "e1"),
        ];
        let bases = ["0", "1", "2", "fedcba9876543210fedcba9876543210", &"a7".repeat(300)];
        let exps = ["0", "1", "2", "10001", "fffffffffffffffffffe", &"5a".repeat(256)];
        for n in moduli {
            let n = big(n);
            for b in bases {
                for e in exps {
                    let (b, e) = (big(b), big(e));
                    assert_eq!(modpow(&b, &e, &n), b.modpow(&e, &n), "{b:x}^{e:x} mod {n:x}");
                }
            }
        }
    }

    #[test]
    fn a_long_exponent_passes_preemption_points() {
        let n = big(&"c5".repeat(256));
        let e = big(&"5a".repeat(256));
        let before = preempt::points();
        let _ = modpow(&BigUint::from(7u32), &e, &n);
        assert!(preempt::points() - before >= (512 / WINDOWS_PER_POINT) as u64);
    }
}
