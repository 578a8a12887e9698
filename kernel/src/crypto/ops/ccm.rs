//! Streaming AES-CCM (NIST SP 800-38C, RFC 3610) as upstream OP-TEE 4.5
//! runs it through LibTomCrypt (`core/lib/libtomcrypt/ccm.c` and
//! `ccm_*.c`): the AAD and payload lengths are fixed at init, the CBC-MAC
//! and the CTR keystream advance with every update, so each payload update
//! returns as many bytes as it was given. By hand over `Aes` (`block.rs`)
//! because the `ccm` crate only seals or opens whole messages.

use alloc::vec::Vec;

use super::ae::AeError;
use super::block::Aes;

/// Largest nonce (`TEE_CCM_NONCE_MAX_LENGTH`).
const NONCE_MAX: usize = 13;
/// Lengths above `INT_MAX` are refused (LibTomCrypt takes `int`s).
const LEN_MAX: u64 = i32::MAX as u64;

/// One AES-CCM message in progress.
#[derive(Clone)]
pub struct Ccm {
    aes: Aes,
    /// The CBC-MAC block being built and how many bytes are XORed in.
    mac: [u8; 16],
    filled: usize,
    /// Counter block (flags, nonce, counter of `l` bytes), keystream block
    /// and how much of it is used (16: none left).
    counter: [u8; 16],
    stream: [u8; 16],
    used: usize,
    /// Size of the length field (2..=8).
    l: usize,
    aad_len: u64,
    aad_seen: u64,
    payload_len: u64,
    payload_seen: u64,
    tag_len: usize,
    encrypt: bool,
}

impl Ccm {
    /// `crypto_aes_ccm_init` + `ccm_init` + `ccm_add_nonce`, with their
    /// error codes: a nonce over 13 bytes or a length over `INT_MAX` is
    /// `Parameters`, a tag not even in 4..=16 `NotSupported`, a nonce too
    /// short for the length field (under 7 bytes) `State`.
    pub fn new(
        encrypt: bool,
        key: &[u8],
        nonce: &[u8],
        tag_len: u64,
        aad_len: u64,
        payload_len: u64,
    ) -> Result<Ccm, AeError> {
        if key.len() > 32 || nonce.len() > NONCE_MAX || payload_len > LEN_MAX || aad_len > LEN_MAX {
            return Err(AeError::Parameters);
        }
        if !(4..=16).contains(&tag_len) || !tag_len.is_multiple_of(2) {
            return Err(AeError::NotSupported);
        }
        let aes = Aes::new(key).ok_or(AeError::State)?;
        // The length field holds the payload length, in 2..=8 bytes, and
        // takes what the nonce leaves of the 15 bytes.
        let needed = (8 - (payload_len.leading_zeros() as usize) / 8).max(2);
        let l = needed.max(15 - nonce.len());
        if l > 8 {
            return Err(AeError::State);
        }
        let nonce = &nonce[..15 - l];
        let tag_len = tag_len as usize;
        // B0 = flags | nonce | payload length.
        let mut mac = [0u8; 16];
        mac[0] = (u8::from(aad_len > 0) << 6) | (((tag_len - 2) / 2) as u8) << 3 | (l - 1) as u8;
        mac[1..1 + nonce.len()].copy_from_slice(nonce);
        mac[16 - l..].copy_from_slice(&payload_len.to_be_bytes()[8 - l..]);
        aes.encrypt(&mut mac);
        // The AAD starts with its length: 2 bytes, or 0xfffe and 4 bytes.
        let mut filled = 0;
        if aad_len > 0 {
            let mut head = [0u8; 6];
            let head = if aad_len < 0xff00 {
                head[..2].copy_from_slice(&(aad_len as u16).to_be_bytes());
                &head[..2]
            } else {
                head[..2].copy_from_slice(&[0xff, 0xfe]);
                head[2..].copy_from_slice(&(aad_len as u32).to_be_bytes());
                &head[..]
            };
            mac.iter_mut().zip(head).for_each(|(m, h)| *m ^= h);
            filled = head.len();
        }
        let mut counter = [0u8; 16];
        counter[0] = (l - 1) as u8;
        counter[1..1 + nonce.len()].copy_from_slice(nonce);
        Ok(Ccm {
            aes,
            mac,
            filled,
            counter,
            stream: [0; 16],
            used: 16,
            l,
            aad_len,
            aad_seen: 0,
            payload_len,
            payload_seen: 0,
            tag_len,
            encrypt,
        })
    }

    /// The tag length in bytes.
    pub fn tag_len(&self) -> usize {
        self.tag_len
    }

    fn absorb(&mut self, byte: u8) {
        if self.filled == 16 {
            self.aes.encrypt(&mut self.mac);
            self.filled = 0;
        }
        self.mac[self.filled] ^= byte;
        self.filled += 1;
    }

    /// More AAD: `State` beyond the length given at init.
    pub fn update_aad(&mut self, aad: &[u8]) -> Result<(), AeError> {
        let seen = self.aad_seen.checked_add(aad.len() as u64).filter(|&n| n <= self.aad_len).ok_or(AeError::State)?;
        self.aad_seen = seen;
        for (i, &b) in aad.iter().enumerate() {
            crate::thread::preempt::after_byte(i);
            self.absorb(b);
        }
        if self.aad_seen == self.aad_len && self.filled != 0 {
            self.aes.encrypt(&mut self.mac);
            self.filled = 0;
        }
        Ok(())
    }

    /// Payload in place: `State` before all the AAD or beyond the payload
    /// length given at init.
    pub fn update_payload(&mut self, data: &mut [u8]) -> Result<(), AeError> {
        if self.aad_seen != self.aad_len {
            return Err(AeError::State);
        }
        let seen = self
            .payload_seen
            .checked_add(data.len() as u64)
            .filter(|&n| n <= self.payload_len)
            .ok_or(AeError::State)?;
        self.payload_seen = seen;
        // At a block boundary of both the keystream and the MAC, all whole
        // blocks but the last go in bulk; the byte loop does the rest.
        let mut data = data;
        if self.used == 16 && (self.filled == 0 || self.filled == 16) && data.len() >= 32 {
            let (bulk, rest) = data.split_at_mut((data.len() / 16 - 1) * 16);
            if self.encrypt {
                self.mac_blocks(bulk);
                self.ctr_blocks(bulk);
            } else {
                self.ctr_blocks(bulk);
                self.mac_blocks(bulk);
            }
            data = rest;
        }
        for (i, byte) in data.iter_mut().enumerate() {
            crate::thread::preempt::after_byte(i);
            if self.used == 16 {
                // Big-endian increment of the counter field only.
                for c in self.counter[16 - self.l..].iter_mut().rev() {
                    *c = c.wrapping_add(1);
                    if *c != 0 {
                        break;
                    }
                }
                self.stream = self.counter;
                self.aes.encrypt(&mut self.stream);
                self.used = 0;
            }
            let plain = if self.encrypt { *byte } else { *byte ^ self.stream[self.used] };
            *byte ^= self.stream[self.used];
            self.used += 1;
            self.absorb(plain);
        }
        Ok(())
    }

    /// CBC-MAC over the plaintext blocks `bulk` (at least one), left as
    /// the byte loop leaves a full block: XORed in, not yet encrypted.
    fn mac_blocks(&mut self, bulk: &[u8]) {
        if self.filled == 16 {
            self.aes.encrypt(&mut self.mac);
        }
        let (init, last) = bulk.split_at(bulk.len() - 16);
        self.aes.cbc_mac(&mut self.mac, init);
        self.mac.iter_mut().zip(last).for_each(|(m, b)| *m ^= b);
        self.filled = 16;
    }

    /// The keystream XORed into the blocks `bulk` (at least one), from the
    /// counter after the last one used; left at the last one used. A
    /// 128-bit increment equals the counter field's: the field never
    /// overflows (the payload length, in blocks, fits it).
    fn ctr_blocks(&mut self, bulk: &mut [u8]) {
        super::block::inc128(&mut self.counter);
        let split = bulk.len() - 16;
        let (init, last) = bulk.split_at_mut(split);
        self.aes.ctr128(&mut self.counter, init);
        self.stream = self.counter;
        self.aes.encrypt(&mut self.stream);
        last.iter_mut().zip(self.stream.iter()).for_each(|(b, s)| *b ^= s);
        self.used = 16;
    }

    /// The full 16-byte tag `T ^ S0`; `State` unless the whole payload was
    /// given.
    fn tag(&mut self) -> Result<[u8; 16], AeError> {
        if self.payload_seen != self.payload_len {
            return Err(AeError::State);
        }
        if self.filled != 0 {
            self.aes.encrypt(&mut self.mac);
            self.filled = 0;
        }
        let mut s0 = self.counter;
        s0[16 - self.l..].fill(0);
        self.aes.encrypt(&mut s0);
        let mut t = self.mac;
        t.iter_mut().zip(s0).for_each(|(t, s)| *t ^= s);
        Ok(t)
    }

    /// The last payload piece in place, then the tag.
    pub fn encrypt_final(&mut self, data: &mut [u8]) -> Result<Vec<u8>, AeError> {
        self.update_payload(data)?;
        Ok(self.tag()?[..self.tag_len].to_vec())
    }

    /// The last piece in place, then `tag` compared in constant time.
    /// Upstream's LibTomCrypt glue answers an empty tag with SHORT_BUFFER
    /// and a tag over 16 bytes with BAD_STATE, and compares only as many
    /// bytes as it was given; a tag of another length than the one set at
    /// init is refused here (MAC_INVALID) rather than checked on a prefix.
    pub fn decrypt_final(&mut self, data: &mut [u8], tag: &[u8]) -> Result<(), AeError> {
        if tag.is_empty() {
            return Err(AeError::ShortBuffer);
        }
        if tag.len() > 16 {
            return Err(AeError::State);
        }
        self.update_payload(data)?;
        let t = self.tag()?;
        let diff = t.iter().zip(tag).fold(0u8, |d, (a, b)| d | (a ^ b));
        if tag.len() != self.tag_len || diff != 0 { Err(AeError::MacInvalid) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;

    /// (key, nonce, AAD, plaintext, ciphertext, tag): NIST SP 800-38C
    /// appendix C examples 1-3, and RFC 3610 section 8 packet vector #1.
    pub(crate) fn ccm_cases()
    -> [(&'static str, &'static str, &'static str, &'static str, &'static str, &'static str); 4] {
        const K: &str = "404142434445464748494a4b4c4d4e4f";
        [
            (K, "10111213141516", "0001020304050607", "20212223", "7162015b", "4dac255d"),
            (
                K,
                "1011121314151617",
                "000102030405060708090a0b0c0d0e0f",
                "202122232425262728292a2b2c2d2e2f",
                "d2a1f0e051ea5f62081a7792073d593d",
                "1fc64fbfaccd",
            ),
            (
                K,
                "101112131415161718191a1b",
                "000102030405060708090a0b0c0d0e0f10111213",
                "202122232425262728292a2b2c2d2e2f3031323334353637",
                "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5",
                "484392fbc1b09951",
            ),
            (
                "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
                "00000003020100a0a1a2a3a4a5",
                "0001020304050607",
                "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
                "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384",
                "17e8d12cfdf926e0",
            ),
        ]
    }

    #[test]
    fn ccm_known_answers() {
        for (k, n, a, p, c, t) in ccm_cases() {
            let (k, n, a, p, c, t) = (hex(k), hex(n), hex(a), hex(p), hex(c), hex(t));
            let (al, pl, tl) = (a.len() as u64, p.len() as u64, t.len() as u64);
            // AAD in two pieces, payload in 5-byte updates and the final.
            let mut e = Ccm::new(true, &k, &n, tl, al, pl).unwrap();
            let (a1, a2) = a.split_at(3);
            e.update_aad(a1).unwrap();
            e.update_aad(a2).unwrap();
            let mut buf = p.clone();
            let cut = buf.len() / 5 * 5 - if buf.len() % 5 == 0 { 5 } else { 0 };
            let (head, tail) = buf.split_at_mut(cut);
            for chunk in head.chunks_mut(5) {
                e.update_payload(chunk).unwrap();
            }
            assert_eq!(e.encrypt_final(tail).unwrap(), t);
            assert_eq!(buf, c);
            let mut d = Ccm::new(false, &k, &n, tl, al, pl).unwrap();
            d.update_aad(&a).unwrap();
            d.decrypt_final(&mut buf, &t).unwrap();
            assert_eq!(buf, p);
            let mut d = Ccm::new(false, &k, &n, tl, al, pl).unwrap();
            d.update_aad(&a).unwrap();
            let mut bad = t.clone();
            bad[0] ^= 1;
            assert_eq!(d.decrypt_final(&mut c.clone(), &bad), Err(AeError::MacInvalid));
        }
    }

    /// The bulk path (whole blocks at a boundary) against the byte loop
    /// (one byte per update), which the known answers check: same
    /// ciphertext and tag both ways, with and without AAD, from a block
    /// boundary and from inside a block.
    #[test]
    fn bulk_updates_match_byte_updates() {
        let (k, n) = ([0x42u8; 16], [7u8; 13]);
        let plain: Vec<u8> = (0..1000u32).map(|i| (i * 31 + 5) as u8).collect();
        for (aad, lead) in [(&b""[..], 0usize), (&b"header"[..], 0), (&b"0123456789abcdef"[..], 0), (&b"hdr"[..], 5)] {
            let pl = plain.len() as u64;
            let mut bytewise = Ccm::new(true, &k, &n, 16, aad.len() as u64, pl).unwrap();
            bytewise.update_aad(aad).unwrap();
            let mut want = plain.clone();
            for b in want.chunks_mut(1) {
                bytewise.update_payload(b).unwrap();
            }
            let want_tag = bytewise.encrypt_final(&mut []).unwrap();
            let mut bulk = Ccm::new(true, &k, &n, 16, aad.len() as u64, pl).unwrap();
            bulk.update_aad(aad).unwrap();
            let mut got = plain.clone();
            let (a, b) = got.split_at_mut(lead);
            bulk.update_payload(a).unwrap();
            let (b1, b2) = b.split_at_mut(400);
            bulk.update_payload(b1).unwrap();
            let tag = bulk.encrypt_final(b2).unwrap();
            assert_eq!((&got, &tag), (&want, &want_tag), "encrypt, AAD {aad:?}, lead {lead}");
            let mut d = Ccm::new(false, &k, &n, 16, aad.len() as u64, pl).unwrap();
            d.update_aad(aad).unwrap();
            let (c1, c2) = got.split_at_mut(lead + 300);
            d.update_payload(c1).unwrap();
            d.decrypt_final(c2, &tag).unwrap();
            assert_eq!(got, plain, "decrypt, AAD {aad:?}, lead {lead}");
        }
    }

    #[test]
    fn ccm_parameter_errors_are_upstreams() {
        let k = [0u8; 16];
        let err = |n: usize, t: u64, a: u64, p: u64| Ccm::new(true, &k, &[0; 16][..n], t, a, p).err();
        assert_eq!(err(14, 16, 0, 0), Some(AeError::Parameters), "nonce over 13");
        assert_eq!(err(6, 16, 0, 0), Some(AeError::State), "nonce under 7");
        assert_eq!(err(13, 5, 0, 0), Some(AeError::NotSupported), "odd tag");
        assert_eq!(err(13, 2, 0, 0), Some(AeError::NotSupported), "tag under 4");
        assert_eq!(err(13, 18, 0, 0), Some(AeError::NotSupported), "tag over 16");
        assert_eq!(err(13, 16, 1 << 31, 0), Some(AeError::Parameters), "AAD over INT_MAX");
        let mut c = Ccm::new(true, &k, &[0; 12], 16, 4, 8).unwrap();
        assert_eq!(c.update_payload(&mut [0; 8]), Err(AeError::State), "payload before the AAD");
        assert_eq!(c.update_aad(&[0; 5]), Err(AeError::State), "more AAD than announced");
        c.update_aad(&[0; 4]).unwrap();
        assert_eq!(c.update_payload(&mut [0; 9]), Err(AeError::State), "more payload than announced");
        assert_eq!(c.encrypt_final(&mut [0; 7]), Err(AeError::State), "less payload than announced");
        let mut d = Ccm::new(false, &k, &[0; 12], 16, 0, 0).unwrap();
        assert_eq!(d.decrypt_final(&mut [], &[]), Err(AeError::ShortBuffer));
        assert_eq!(d.decrypt_final(&mut [], &[0; 17]), Err(AeError::State));
    }
}
