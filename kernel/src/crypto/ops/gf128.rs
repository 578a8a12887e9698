//! GHASH (NIST SP 800-38D, 6.4) for GCM: the `ghash` crate's constant-time
//! software, or PMULL where `accel` picked it, one kernel SIMD section per
//! chunk.

#[cfg(target_os = "none")]
use super::accel;

/// A running GHASH over whole blocks.
#[derive(Clone)]
pub(crate) enum GHasher {
    Soft(ghash::GHash),
    #[cfg(target_os = "none")]
    Ce {
        h: [u8; 16],
        y: [u8; 16],
    },
}

impl GHasher {
    /// With hash key `h` (E(K, 0^128)), from Y = 0.
    pub(crate) fn new(h: [u8; 16]) -> GHasher {
        use ghash::universal_hash::KeyInit;
        #[cfg(target_os = "none")]
        if accel::pmull() {
            return GHasher::Ce { h, y: [0; 16] };
        }
        GHasher::Soft(ghash::GHash::new(&ghash::Key::from(h)))
    }

    /// Absorbs the whole blocks of `data` (a partial tail is ignored: the
    /// caller buffers it). TA-sized: with preemption points.
    pub(crate) fn update_blocks(&mut self, data: &[u8]) {
        use ghash::universal_hash::UniversalHash;
        let data = &data[..data.len() / 16 * 16];
        match self {
            GHasher::Soft(g) => crate::thread::preempt::chunked(data, |piece| {
                for b in piece.chunks_exact(16) {
                    g.update(&[*ghash::Block::from_slice(b)]);
                }
            }),
            #[cfg(target_os = "none")]
            GHasher::Ce { h, y } => {
                accel::chunked(data, |simd, piece| crate::arch::aarch64::crypto_ce::ghash(simd, h, y, piece))
            }
        }
    }

    /// The hash of everything absorbed.
    pub(crate) fn finalize(&self) -> [u8; 16] {
        use ghash::universal_hash::UniversalHash;
        match self {
            GHasher::Soft(g) => g.clone().finalize().into(),
            #[cfg(target_os = "none")]
            GHasher::Ce { y, .. } => *y,
        }
    }
}

impl Drop for GHasher {
    fn drop(&mut self) {
        #[cfg(target_os = "none")]
        if let GHasher::Ce { h, y } = self {
            use zeroize::Zeroize;
            h.zeroize();
            y.zeroize();
        }
    }
}
