//! The kernel's random-number generator: a SHA-256 hash-DRBG-style pool.
//!
//! - Every input (boot seeds, `RNDR`, counter readings, the system PTA's
//!   `ADD_RNG_ENTROPY`) is hashed into the 256-bit key together with its
//!   source tag and length, so no input can cancel another out: the key is
//!   at least as unpredictable as the best input ever mixed in.
//! - Each request first mixes fresh material (the counter, `RNDR` where the
//!   CPU has it), then outputs `SHA-256(key ‖ "out" ‖ request ‖ block)`, and
//!   re-keys with `SHA-256(key ‖ "next" ‖ request)`: no output reveals the
//!   key, and a key stolen later does not give away earlier outputs (forward
//!   secrecy).
//! - The pool counts as *seeded* only once a trusted source went in (the
//!   secure DT seed, `RNDR`); the normal world's entropy is mixed in but
//!   never makes an unseeded pool seeded.
//!
//! Where the seeds come from at boot: `entropy` (target only), and
//! kernel/README.md's "Entropy" section.

use crate::sync::SpinLock;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

/// Where mixed-in material came from. The tag goes into the hash (domain
/// separation) and decides whether the material counts towards seeding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `/secure-chosen/rng-seed` of the boot DT (QEMU: 32 random bytes).
    DtRngSeed,
    /// `/secure-chosen/kaslr-seed` of the boot DT (QEMU: 8 random bytes).
    DtKaslrSeed,
    /// FEAT_RNG's `RNDR`.
    Rndr,
    /// Timing of the boot-time counter jitter loop.
    Jitter,
    /// A counter reading taken with a request.
    Counter,
    /// `ADD_RNG_ENTROPY` of the system PTA: a TA's, ultimately the normal
    /// world's, material. Mixed in, never trusted.
    Untrusted,
}

impl Source {
    fn tag(self) -> u8 {
        match self {
            Source::DtRngSeed => 1,
            Source::DtKaslrSeed => 2,
            Source::Rndr => 3,
            Source::Jitter => 4,
            Source::Counter => 5,
            Source::Untrusted => 6,
        }
    }

    /// Whether this source alone makes the pool unpredictable to the normal
    /// world.
    pub fn is_trusted(self) -> bool {
        matches!(self, Source::DtRngSeed | Source::DtKaslrSeed | Source::Rndr)
    }
}

/// The pool: a key and a request counter.
pub struct Drbg {
    key: [u8; 32],
    requests: u64,
    seeded: bool,
}

impl Drbg {
    /// A pool nothing has gone into yet (predictable until seeded).
    pub const fn new() -> Drbg {
        Drbg { key: [0; 32], requests: 0, seeded: false }
    }

    /// Hashes `material` from `source` into the key.
    pub fn mix(&mut self, source: Source, material: &[u8]) {
        let mut h = Sha256::new();
        h.update(b"tz-rng mix");
        h.update(self.key);
        h.update([source.tag()]);
        h.update((material.len() as u64).to_le_bytes());
        h.update(material);
        self.key = h.finalize().into();
        self.seeded |= source.is_trusted() && !material.is_empty();
    }

    /// Whether a trusted source has been mixed in.
    pub fn is_seeded(&self) -> bool {
        self.seeded
    }

    /// One request: mixes `fresh` (as [`Source::Counter`] material), fills
    /// `out`, then re-keys.
    pub fn generate(&mut self, fresh: &[u8], out: &mut [u8]) {
        if !fresh.is_empty() {
            self.mix(Source::Counter, fresh);
        }
        let request = self.requests.to_le_bytes();
        for (i, chunk) in out.chunks_mut(32).enumerate() {
            let mut h = Sha256::new();
            h.update(b"tz-rng out");
            h.update(self.key);
            h.update(request);
            h.update((i as u64).to_le_bytes());
            let mut block: [u8; 32] = h.finalize().into();
            chunk.copy_from_slice(&block[..chunk.len()]);
            block.zeroize();
        }
        let mut h = Sha256::new();
        h.update(b"tz-rng next");
        h.update(self.key);
        h.update(request);
        self.key = h.finalize().into();
        self.requests = self.requests.wrapping_add(1);
    }
}

impl Default for Drbg {
    fn default() -> Drbg {
        Drbg::new()
    }
}

impl Drop for Drbg {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

static POOL: SpinLock<Drbg> = SpinLock::new(Drbg::new());

/// Mixes `material` from `source` into the kernel's pool.
pub fn add_entropy(source: Source, material: &[u8]) {
    POOL.lock().mix(source, material);
}

/// Whether the kernel's pool has had a trusted seed.
pub fn is_seeded() -> bool {
    POOL.lock().is_seeded()
}

/// Fills `out` from the kernel's pool (`TEE_GenerateRandom`, key generation,
/// nonces), mixing in the counter and `RNDR` first.
pub fn fill(out: &mut [u8]) {
    let mut fresh = [0u8; 16];
    #[cfg(target_os = "none")]
    {
        use crate::arch::aarch64 as arch;
        fresh[..8].copy_from_slice(&arch::counter().0.to_le_bytes());
        if let Some(r) = arch::entropy::rndr() {
            fresh[8..].copy_from_slice(&r.to_le_bytes());
        }
    }
    POOL.lock().generate(&fresh, out);
    fresh.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn seeded(seed: &[u8]) -> Drbg {
        let mut d = Drbg::new();
        d.mix(Source::DtRngSeed, seed);
        d
    }

    fn draw(d: &mut Drbg) -> [u8; 64] {
        let mut out = [0u8; 64];
        d.generate(b"", &mut out);
        out
    }

    #[test]
    fn different_seeds_give_different_streams() {
        let (mut a, mut b) = (seeded(b"seed one"), seeded(b"seed two"));
        assert_ne!(draw(&mut a), draw(&mut b));
        // The same seed replays the same stream: all the unpredictability is
        // the seed's (what makes a missing seed fatal to security).
        let (mut c, mut d) = (seeded(b"seed one"), seeded(b"seed one"));
        assert_eq!(draw(&mut c), draw(&mut d));
    }

    #[test]
    fn added_entropy_changes_the_stream() {
        let (mut a, mut b) = (seeded(b"same"), seeded(b"same"));
        b.mix(Source::Untrusted, b"from the normal world");
        assert_ne!(draw(&mut a), draw(&mut b));
        // Fresh per-request material changes it too.
        let (mut c, mut d) = (seeded(b"same"), seeded(b"same"));
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        c.generate(&1u64.to_le_bytes(), &mut x);
        d.generate(&2u64.to_le_bytes(), &mut y);
        assert_ne!(x, y);
    }

    #[test]
    fn no_output_repeats_across_requests_and_reseeds() {
        let mut d = seeded(b"seed");
        let mut seen = HashSet::new();
        for round in 0..200u32 {
            // Re-mixing the same material must not bring an earlier key back.
            if round % 10 == 0 {
                d.mix(Source::DtRngSeed, b"seed");
                d.mix(Source::Untrusted, b"");
            }
            let out = draw(&mut d);
            for block in out.chunks(32) {
                assert!(seen.insert(block.to_vec()), "block repeated in round {round}");
            }
        }
    }

    #[test]
    fn output_never_reveals_the_key() {
        let mut d = seeded(b"seed");
        let key_before = d.key;
        let out = draw(&mut d);
        assert_ne!(d.key, key_before, "re-keyed after the request");
        for block in out.chunks(32) {
            assert_ne!(block, key_before);
            assert_ne!(block, d.key);
        }
    }

    #[test]
    fn unseeded_pool_is_detected() {
        let mut d = Drbg::new();
        assert!(!d.is_seeded());
        // Counter readings and normal-world material do not count.
        d.mix(Source::Counter, b"12345678");
        d.mix(Source::Jitter, b"timing");
        d.mix(Source::Untrusted, b"attacker-chosen");
        assert!(!d.is_seeded());
        d.mix(Source::DtRngSeed, b"");
        assert!(!d.is_seeded(), "an empty seed is no seed");
        d.mix(Source::Rndr, &7u64.to_le_bytes());
        assert!(d.is_seeded());
        assert!(seeded(b"x").is_seeded());
    }

    #[test]
    fn global_fill_gives_distinct_outputs() {
        let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
        fill(&mut a);
        fill(&mut b);
        assert_ne!(a, b);
        assert_ne!(a[..32], a[8..40]);
    }
}
