//! Streaming AES-GCM (NIST SP 800-38D).

use super::block::Aes;
use super::gf128::GHasher;

/// Why a GCM operation was refused (mapped to TEE codes by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcmError {
    /// Bad key, tag length over 16, or AAD after the payload started.
    Parameters,
    /// The tag did not match.
    MacInvalid,
}

/// Streaming AES-GCM (NIST SP 800-38D, as upstream's internal
/// `core/crypto/aes-gcm.c`): the payload is processed as it comes (CTR
/// over any length, GHASH over whole blocks with the tail buffered), so
/// every update returns as many bytes as it was given.
#[derive(Clone)]
pub struct Gcm {
    aes: Aes,
    ghash: GHasher,
    /// E(K, J0), XORed into the final GHASH.
    ek_j0: [u8; 16],
    counter: [u8; 16],
    stream: [u8; 16],
    used: usize,
    /// Partial GHASH block (AAD, then ciphertext) and its fill.
    pending: [u8; 16],
    filled: usize,
    aad_bytes: u64,
    payload_bytes: u64,
    tag_len: usize,
    encrypt: bool,
}

/// The tag lengths (bytes) GCM takes: 12 to 16.
pub const TAG_LENS: core::ops::RangeInclusive<usize> = 12..=16;

impl Gcm {
    /// `tag_len` in bytes, one of [`TAG_LENS`]; any nonce length (12
    /// bytes the usual one; others are GHASHed into J0).
    pub fn new(encrypt: bool, key: &[u8], nonce: &[u8], tag_len: usize) -> Result<Gcm, GcmError> {
        // A short tag is a forgery bound, an empty one none at all: take
        // only what libutee's TEE_AEInit lets through (GP: 96..=128 bits
        // in steps of 8; OP-TEE 4.5 lib/libutee/tee_api_operations.c).
        // Upstream's kernel (core/crypto/aes-gcm.c) refuses only lengths
        // over 16, with BAD_PARAMETERS; we refuse every other with it too.
        if !TAG_LENS.contains(&tag_len) {
            return Err(GcmError::Parameters);
        }
        let aes = Aes::new(key).ok_or(GcmError::Parameters)?;
        let mut h = [0u8; 16];
        aes.encrypt(&mut h);
        let j0 = if nonce.len() == 12 {
            let mut j = [0u8; 16];
            j[..12].copy_from_slice(nonce);
            j[15] = 1;
            j
        } else {
            let mut g = GHasher::new(h);
            g.update_blocks(nonce);
            let tail = nonce.len() % 16;
            if tail > 0 {
                let mut last = [0u8; 16];
                last[..tail].copy_from_slice(&nonce[nonce.len() - tail..]);
                g.update_blocks(&last);
            }
            let mut lens = [0u8; 16];
            lens[8..].copy_from_slice(&((nonce.len() as u64) * 8).to_be_bytes());
            g.update_blocks(&lens);
            g.finalize()
        };
        let mut ek_j0 = j0;
        aes.encrypt(&mut ek_j0);
        let mut counter = j0;
        inc32(&mut counter);
        Ok(Gcm {
            aes,
            ghash: GHasher::new(h),
            ek_j0,
            counter,
            stream: [0; 16],
            used: 16,
            pending: [0; 16],
            filled: 0,
            aad_bytes: 0,
            payload_bytes: 0,
            tag_len,
            encrypt,
        })
    }

    /// The tag length in bytes.
    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    /// GHASHes `data` after what is pending: the pending block topped up,
    /// whole blocks in bulk, the tail kept pending.
    fn absorb(&mut self, mut data: &[u8]) {
        if self.filled > 0 {
            let n = (16 - self.filled).min(data.len());
            self.pending[self.filled..self.filled + n].copy_from_slice(&data[..n]);
            self.filled += n;
            data = &data[n..];
            if self.filled < 16 {
                return;
            }
            self.ghash.update_blocks(&self.pending);
            self.filled = 0;
        }
        let whole = data.len() / 16 * 16;
        self.ghash.update_blocks(&data[..whole]);
        let tail = &data[whole..];
        self.pending[..tail.len()].copy_from_slice(tail);
        self.filled = tail.len();
    }

    fn flush(&mut self) {
        if self.filled > 0 {
            self.pending[self.filled..].fill(0);
            self.ghash.update_blocks(&self.pending);
            self.filled = 0;
        }
    }

    /// More additional data: only before the payload.
    pub fn update_aad(&mut self, aad: &[u8]) -> Result<(), GcmError> {
        if self.payload_bytes > 0 {
            return Err(GcmError::Parameters);
        }
        self.absorb(aad);
        self.aad_bytes += aad.len() as u64;
        Ok(())
    }

    /// Encrypts or decrypts `data` in place.
    pub fn update_payload(&mut self, data: &mut [u8]) {
        if self.payload_bytes == 0 && !data.is_empty() {
            self.flush();
        }
        if !self.encrypt {
            self.absorb_ct(data);
        }
        // The rest of the current keystream block, whole blocks in bulk,
        // then a new keystream block for a partial tail.
        let head = (16 - self.used).min(data.len());
        let (first, rest) = data.split_at_mut(head);
        for b in first {
            *b ^= self.stream[self.used];
            self.used += 1;
        }
        let whole = rest.len() / 16 * 16;
        let (bulk, tail) = rest.split_at_mut(whole);
        self.aes.ctr32(&mut self.counter, bulk);
        if !tail.is_empty() {
            self.stream = self.counter;
            self.aes.encrypt(&mut self.stream);
            inc32(&mut self.counter);
            self.used = 0;
            for b in tail {
                *b ^= self.stream[self.used];
                self.used += 1;
            }
        }
        if self.encrypt {
            self.absorb_ct(data);
        }
        self.payload_bytes += data.len() as u64;
    }

    fn absorb_ct(&mut self, data: &[u8]) {
        self.absorb(data);
    }

    /// The full 16-byte tag (consumes the GHASH state).
    fn tag(&mut self) -> [u8; 16] {
        self.flush();
        let mut lens = [0u8; 16];
        lens[..8].copy_from_slice(&(self.aad_bytes * 8).to_be_bytes());
        lens[8..].copy_from_slice(&(self.payload_bytes * 8).to_be_bytes());
        self.ghash.update_blocks(&lens);
        let s = self.ghash.finalize();
        let mut t = [0u8; 16];
        for i in 0..16 {
            t[i] = s[i] ^ self.ek_j0[i];
        }
        t
    }

    /// Last piece of the payload in place, then the tag (`tag_len` bytes).
    pub fn encrypt_final(&mut self, data: &mut [u8]) -> alloc::vec::Vec<u8> {
        self.update_payload(data);
        self.tag()[..self.tag_len].to_vec()
    }

    /// Last piece in place, then the tag compared in constant time
    /// (`MacInvalid` if it or its length differ).
    pub fn decrypt_final(&mut self, data: &mut [u8], tag: &[u8]) -> Result<(), GcmError> {
        self.update_payload(data);
        let t = self.tag();
        let diff = t[..self.tag_len].iter().zip(tag).fold(0u8, |d, (a, b)| d | (a ^ b));
        if tag.len() != self.tag_len || diff != 0 { Err(GcmError::MacInvalid) } else { Ok(()) }
    }
}

/// GCM's counter increment: the low 32 bits, big-endian, wrapping.
fn inc32(block: &mut [u8; 16]) {
    let c = u32::from_be_bytes([block[12], block[13], block[14], block[15]]).wrapping_add(1);
    block[12..].copy_from_slice(&c.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::{gcm_cases, hex};

    #[test]
    fn gcm_mcgrew_viega() {
        use aes_gcm::aead::{AeadInPlace, KeyInit as _};
        for (k, iv, p, a, c, t) in gcm_cases() {
            let (k, iv, p, a, c, t) = (hex(k), hex(iv), hex(p), hex(a), hex(c), hex(t));
            // Streamed: AAD in two pieces, payload in 7-byte updates.
            let mut g = Gcm::new(true, &k, &iv, 16).unwrap();
            let (a1, a2) = a.split_at(a.len() / 2);
            g.update_aad(a1).unwrap();
            g.update_aad(a2).unwrap();
            let mut buf = p.clone();
            let cut = (buf.len() - buf.len() % 7).min(buf.len() - 1);
            let (head, tail) = buf.split_at_mut(cut);
            for chunk in head.chunks_mut(7) {
                g.update_payload(chunk);
            }
            let tag = g.encrypt_final(tail);
            assert_eq!(buf, c);
            assert_eq!(tag, t);
            assert_eq!(g.update_aad(b"late"), Err(GcmError::Parameters));
            // The aes-gcm crate agrees.
            let cipher = aes_gcm::Aes128Gcm::new_from_slice(&k).unwrap();
            let mut buf2 = p.clone();
            let tag2 = cipher.encrypt_in_place_detached(aes_gcm::Nonce::from_slice(&iv), &a, &mut buf2).unwrap();
            assert_eq!((buf2, tag2.to_vec()), (c.clone(), t.clone()));
            // Decrypt, then a bad tag.
            let mut d = Gcm::new(false, &k, &iv, 16).unwrap();
            d.update_aad(&a).unwrap();
            let mut buf = c.clone();
            d.decrypt_final(&mut buf, &t).unwrap();
            assert_eq!(buf, p);
            let mut d = Gcm::new(false, &k, &iv, 16).unwrap();
            d.update_aad(&a).unwrap();
            let mut bad = t.clone();
            bad[0] ^= 1;
            assert_eq!(d.decrypt_final(&mut c.clone(), &bad), Err(GcmError::MacInvalid));
            // A 12-byte tag is the prefix.
            let mut g = Gcm::new(true, &k, &iv, 12).unwrap();
            g.update_aad(&a).unwrap();
            assert_eq!(g.encrypt_final(&mut p.clone()), t[..12].to_vec());
        }
        assert_eq!(Gcm::new(true, &[0; 16], &[0; 12], 17).err(), Some(GcmError::Parameters));
    }

    /// Tags of 12..=16 bytes only: with fewer, forging is cheap, and an
    /// empty tag would make every decryption "authentic".
    #[test]
    fn gcm_tag_lengths_as_libutee() {
        for len in 0..=32 {
            let made = Gcm::new(false, &[0; 16], &[0; 12], len);
            assert_eq!(made.is_ok(), (12..=16).contains(&len), "{len}-byte tag");
            if let Err(e) = made {
                assert_eq!(e, GcmError::Parameters);
            }
        }
        // What the empty tag allowed: any ciphertext "authenticates".
        let mut d = Gcm::new(false, &[0; 16], &[0; 12], 12).unwrap();
        assert_eq!(d.decrypt_final(&mut [1, 2, 3], &[]), Err(GcmError::MacInvalid));
        assert_eq!(Gcm::new(true, &[0; 15], &[0; 12], 16).err(), Some(GcmError::Parameters));
    }

    /// Test case 6 (a 60-byte IV, GHASHed into J0).
    #[test]
    fn gcm_long_nonce() {
        let iv = hex("9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728
                      c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b");
        let mut g = Gcm::new(true, &hex("feffe9928665731c6d6a8f9467308308"), &iv, 16).unwrap();
        g.update_aad(&hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")).unwrap();
        let mut p = hex(gcm_cases()[2].2);
        let tag = g.encrypt_final(&mut p);
        assert_eq!(
            p,
            hex("8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca7
                 01e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5")
        );
        assert_eq!(tag, hex("619cc5aefffe0bfa462af43c1699d050"));
    }
}
