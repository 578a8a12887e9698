//! SHA-1, SHA-224 and SHA-256 on the Armv8 SHA instructions: the
//! Merkle-Damgard buffering and padding (FIPS 180-4, 5.1.1) here, the
//! compression functions in `arch::aarch64::crypto_ce`, one kernel SIMD
//! section per chunk.

use zeroize::Zeroize;

use super::accel;
use crate::arch::aarch64::crypto_ce;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Sha1,
    Sha224,
    Sha256,
}

impl Kind {
    /// FIPS 180-4, 5.3.1 to 5.3.3.
    fn initial(self) -> [u32; 8] {
        match self {
            Kind::Sha1 => [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0, 0, 0, 0],
            Kind::Sha224 => {
                [0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4]
            }
            Kind::Sha256 => {
                [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
            }
        }
    }

    fn size(self) -> usize {
        match self {
            Kind::Sha1 => 20,
            Kind::Sha224 => 28,
            Kind::Sha256 => 32,
        }
    }
}

/// A running digest on the SHA instructions.
#[derive(Clone)]
pub struct ShaCe {
    kind: Kind,
    state: [u32; 8],
    buf: [u8; 64],
    filled: usize,
    /// Message bytes so far.
    len: u64,
}

impl Drop for ShaCe {
    fn drop(&mut self) {
        self.state.zeroize();
        self.buf.zeroize();
    }
}

impl ShaCe {
    pub(crate) fn new(kind: Kind) -> ShaCe {
        ShaCe { kind, state: kind.initial(), buf: [0; 64], filled: 0, len: 0 }
    }

    fn compress(kind: Kind, state: &mut [u32; 8], simd: &crate::thread::fpu::KernelSimd, blocks: &[u8]) {
        match kind {
            Kind::Sha1 => {
                let s: &mut [u32; 5] = (&mut state[..5]).try_into().expect("5 words");
                crypto_ce::sha1_blocks(simd, s, blocks)
            }
            Kind::Sha224 | Kind::Sha256 => crypto_ce::sha256_blocks(simd, state, blocks),
        }
    }

    /// Feeds `data` (TA-sized: with preemption points).
    pub(crate) fn update(&mut self, data: &[u8]) {
        self.feed(data, true);
    }

    /// Feeds `data` with no preemption point (still one kernel SIMD section
    /// per chunk): for the kernel's own data, hashed where a lock may be
    /// held (the TA loader's digest).
    pub(crate) fn update_unpreempted(&mut self, data: &[u8]) {
        self.feed(data, false);
    }

    fn feed(&mut self, mut data: &[u8], preemptible: bool) {
        self.len = self.len.wrapping_add(data.len() as u64);
        let kind = self.kind;
        if self.filled > 0 {
            let n = (64 - self.filled).min(data.len());
            self.buf[self.filled..self.filled + n].copy_from_slice(&data[..n]);
            self.filled += n;
            data = &data[n..];
            if self.filled < 64 {
                return;
            }
            let (state, buf) = (&mut self.state, &self.buf);
            crate::thread::fpu::with_kernel_simd(|simd| Self::compress(kind, state, simd, buf));
            self.filled = 0;
        }
        let whole = data.len() / 64 * 64;
        let state = &mut self.state;
        if preemptible {
            accel::chunked(&data[..whole], |simd, piece| Self::compress(kind, state, simd, piece));
        } else {
            for piece in data[..whole].chunks(crate::thread::preempt::CHUNK) {
                crate::thread::fpu::with_kernel_simd(|simd| Self::compress(kind, state, simd, piece));
            }
        }
        let tail = &data[whole..];
        self.buf[..tail.len()].copy_from_slice(tail);
        self.filled = tail.len();
    }

    /// The digest; the state starts over.
    pub(crate) fn finalize_reset(&mut self) -> alloc::vec::Vec<u8> {
        let bits = self.len.wrapping_mul(8);
        let mut pad = [0u8; 128];
        pad[..self.filled].copy_from_slice(&self.buf[..self.filled]);
        pad[self.filled] = 0x80;
        let total = if self.filled < 56 { 64 } else { 128 };
        pad[total - 8..total].copy_from_slice(&bits.to_be_bytes());
        let (kind, state) = (self.kind, &mut self.state);
        crate::thread::fpu::with_kernel_simd(|simd| Self::compress(kind, state, simd, &pad[..total]));
        pad.zeroize();
        let mut out = alloc::vec::Vec::with_capacity(32);
        for w in &self.state {
            out.extend_from_slice(&w.to_be_bytes());
        }
        out.truncate(kind.size());
        *self = ShaCe::new(kind);
        out
    }
}
