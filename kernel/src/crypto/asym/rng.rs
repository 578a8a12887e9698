//! The kernel RNG ([`crate::rng`]) behind the `rand_core` 0.6 traits the
//! `rsa` and `elliptic-curve` crates take for key generation, blinding,
//! PSS salts and OAEP seeds.

use rand_core::{CryptoRng, RngCore};

/// A handle on the kernel RNG; holds no state of its own.
pub struct KernelRng;

impl RngCore for KernelRng {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        crate::rng::fill(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        crate::rng::fill(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        crate::rng::fill(dest);
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        crate::rng::fill(dest);
        Ok(())
    }
}

// The kernel RNG is a cryptographic DRBG seeded per boot (see `crate::rng`).
impl CryptoRng for KernelRng {}
