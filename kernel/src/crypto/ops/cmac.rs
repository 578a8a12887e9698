//! AES-CMAC (NIST SP 800-38B, RFC 4493) by hand over [`Aes`], so that the
//! CBC-MAC runs in bulk (on the crypto extension, one kernel SIMD section
//! per chunk) instead of block by block through the `cmac` crate. Used
//! when `accel` picked the AES instructions; host-tested on the software
//! AES against RFC 4493.

use zeroize::Zeroize;

use super::block::Aes;

#[derive(Clone)]
pub struct CmacByHand {
    aes: Aes,
    k1: [u8; 16],
    k2: [u8; 16],
    /// The CBC-MAC so far (of every block before `pending`).
    chain: [u8; 16],
    /// The last block seen, kept back (even when full) for the final.
    pending: [u8; 16],
    filled: usize,
}

impl Drop for CmacByHand {
    fn drop(&mut self) {
        self.k1.zeroize();
        self.k2.zeroize();
        self.chain.zeroize();
        self.pending.zeroize();
    }
}

/// Doubling in GF(2^128) (SP 800-38B, 6.1), without a branch on the key.
fn dbl(b: &[u8; 16]) -> [u8; 16] {
    let mut out = [0u8; 16];
    let msb = b[0] >> 7;
    for i in 0..16 {
        let next = if i < 15 { b[i + 1] >> 7 } else { 0 };
        out[i] = (b[i] << 1) | next;
    }
    out[15] ^= 0x87 & 0u8.wrapping_sub(msb);
    out
}

impl CmacByHand {
    /// `None` unless `key` is 16, 24 or 32 bytes.
    pub fn new(key: &[u8]) -> Option<CmacByHand> {
        let aes = Aes::new(key)?;
        let mut l = [0u8; 16];
        aes.encrypt(&mut l);
        let k1 = dbl(&l);
        let k2 = dbl(&k1);
        l.zeroize();
        Some(CmacByHand { aes, k1, k2, chain: [0; 16], pending: [0; 16], filled: 0 })
    }

    /// Feeds `data` (TA-sized: with preemption points).
    pub fn update(&mut self, mut data: &[u8]) {
        if self.filled < 16 {
            let n = (16 - self.filled).min(data.len());
            self.pending[self.filled..self.filled + n].copy_from_slice(&data[..n]);
            self.filled += n;
            data = &data[n..];
        }
        if data.is_empty() {
            return;
        }
        // More follows, so the pending block is not the last one.
        self.aes.cbc_mac(&mut self.chain, &self.pending);
        let keep = match data.len() % 16 {
            0 => 16,
            n => n,
        };
        let bulk = data.len() - keep;
        self.aes.cbc_mac(&mut self.chain, &data[..bulk]);
        self.pending = [0; 16];
        self.pending[..keep].copy_from_slice(&data[bulk..]);
        self.filled = keep;
    }

    /// The 16-byte MAC; the state starts over with the same key.
    pub fn finalize_reset(&mut self) -> alloc::vec::Vec<u8> {
        let mut last = [0u8; 16];
        last[..self.filled].copy_from_slice(&self.pending[..self.filled]);
        let subkey = if self.filled == 16 {
            &self.k1
        } else {
            last[self.filled] = 0x80;
            &self.k2
        };
        last.iter_mut().zip(subkey).for_each(|(l, k)| *l ^= k);
        self.aes.cbc_mac(&mut self.chain, &last);
        let out = self.chain.to_vec();
        self.chain = [0; 16];
        self.pending.zeroize();
        self.filled = 0;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::{KEY128, PLAIN, hex, rfc4493};

    #[test]
    fn cmac_by_hand_rfc4493() {
        let (key, plain) = (hex(KEY128), hex(PLAIN));
        let mut m = CmacByHand::new(&key).unwrap();
        for (len, want) in rfc4493() {
            m.update(&plain[..len]);
            assert_eq!(m.finalize_reset(), hex(want), "example of {len} bytes");
            for piece in [1, 7, 16, 17, 33] {
                for c in plain[..len].chunks(piece) {
                    m.update(c);
                }
                assert_eq!(m.finalize_reset(), hex(want), "example of {len} bytes, in {piece}-byte pieces");
            }
        }
        assert!(CmacByHand::new(&[0; 15]).is_none());
    }

    #[test]
    fn subkeys_follow_sp800_38b() {
        // RFC 4493, 4: K1 and K2 of the example key.
        let m = CmacByHand::new(&hex(KEY128)).unwrap();
        assert_eq!(m.k1.to_vec(), hex("fbeed618357133667c85e08f7236a8de"));
        assert_eq!(m.k2.to_vec(), hex("f7ddac306ae266ccf90bc11ee46d513b"));
    }
}
