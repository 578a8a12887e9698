//! The kernel's random-number generator: SHA-256 in counter mode over a
//! 256-bit state, reseeded with every request from the generic counter.
//!
//! QEMU virt offers the secure world no entropy device; the seed comes from
//! the DT's `kaslr-seed`/`rng-seed` (given by QEMU per boot) mixed with the
//! counter. A hardware TRNG would be mixed in the same way.

use sha2::{Digest, Sha256};
use spin::Mutex;

static STATE: Mutex<[u8; 32]> = Mutex::new([0; 32]);

/// Mixes `material` into the state.
pub fn seed(material: &[u8]) {
    let mut state = STATE.lock();
    let mut h = Sha256::new();
    h.update(*state);
    h.update(material);
    *state = h.finalize().into();
}

/// Fills `out` with output derived from the state and the current counter.
pub fn fill(out: &mut [u8]) {
    #[cfg(target_os = "none")]
    seed(&crate::arch::aarch64::counter().0.to_le_bytes());
    let mut state = STATE.lock();
    for (i, chunk) in out.chunks_mut(32).enumerate() {
        let mut h = Sha256::new();
        h.update(*state);
        h.update(b"out");
        h.update((i as u64).to_le_bytes());
        chunk.copy_from_slice(&h.finalize()[..chunk.len()]);
    }
    // Forward secrecy: the state never equals anything handed out.
    let mut h = Sha256::new();
    h.update(*state);
    h.update(b"next");
    *state = h.finalize().into();
}

#[cfg(test)]
mod tests {
    #[test]
    fn outputs_differ() {
        super::seed(b"test");
        let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
        super::fill(&mut a);
        super::fill(&mut b);
        assert_ne!(a, b);
        assert_ne!(a[..32], a[8..40]);
    }
}
