//! XTS-AES (IEEE Std 1619-2007, NIST SP 800-38E), by hand over [`Aes`]:
//! upstream's LibTomCrypt glue streams XTS, each update continuing from
//! the tweak the previous one ended on, and the `xts-mode` crate only
//! encrypts whole sectors from a given tweak (it never hands back the
//! advanced one), so the mode is written out here. An update with a
//! partial last block steals ciphertext within that update, as
//! LibTomCrypt's `xts_encrypt`/`xts_decrypt` do.

use super::block::Aes;

/// The encrypted tweak `T = E(K2, iv)` of the first block.
pub(super) fn start(tweak_key: &Aes, iv: &[u8; 16]) -> [u8; 16] {
    let mut t = *iv;
    tweak_key.encrypt(&mut t);
    t
}

/// `T * x` in GF(2^128) with IEEE 1619's little-endian byte order.
fn mul_x(t: &mut [u8; 16]) {
    let mut carry = 0u8;
    for b in t.iter_mut() {
        let next = *b >> 7;
        *b = (*b << 1) | carry;
        carry = next;
    }
    // Without a branch on the (secret) tweak.
    t[0] ^= 0x87 & 0u8.wrapping_sub(carry);
}

/// One block through `E`/`D(K1, P ^ T) ^ T`, then the tweak moves on.
fn crypt_block(aes: &Aes, encrypt: bool, tweak: &mut [u8; 16], block: &mut [u8; 16]) {
    block.iter_mut().zip(tweak.iter()).for_each(|(b, t)| *b ^= t);
    if encrypt {
        aes.encrypt(block)
    } else {
        aes.decrypt(block)
    }
    block.iter_mut().zip(tweak.iter()).for_each(|(b, t)| *b ^= t);
    mul_x(tweak);
}

/// Encrypts or decrypts `data` in place, from `tweak` on (left at the
/// tweak of the block after). `None` for less than one block.
pub(super) fn update(aes: &Aes, encrypt: bool, tweak: &mut [u8; 16], data: &mut [u8]) -> Option<()> {
    if data.len() < 16 {
        return None;
    }
    let tail = data.len() % 16;
    // Blocks before the stealing pair (all of them when there is no tail).
    let plain_blocks = if tail == 0 { data.len() / 16 } else { data.len() / 16 - 1 };
    // In pieces: the tweaks XORed in, the piece through ECB in bulk (one
    // kernel SIMD section on the crypto extension), the tweaks XORed out.
    for piece in data[..plain_blocks * 16].chunks_mut(crate::thread::preempt::CHUNK) {
        let first = *tweak;
        for b in piece.chunks_exact_mut(16) {
            b.iter_mut().zip(tweak.iter()).for_each(|(b, t)| *b ^= t);
            mul_x(tweak);
        }
        aes.ecb(encrypt, piece);
        let mut t = first;
        for b in piece.chunks_exact_mut(16) {
            b.iter_mut().zip(t.iter()).for_each(|(b, t)| *b ^= t);
            mul_x(&mut t);
        }
    }
    if tail == 0 {
        return Some(());
    }
    // The last full block and the partial one after it.
    let (full, partial) = data[plain_blocks * 16..].split_at_mut(16);
    let mut last = [0u8; 16];
    last.copy_from_slice(full);
    // Decryption takes the two tweaks in the other order.
    let (mut first_tweak, mut second_tweak) = (*tweak, *tweak);
    mul_x(&mut second_tweak);
    if !encrypt {
        core::mem::swap(&mut first_tweak, &mut second_tweak);
    }
    crypt_block(aes, encrypt, &mut first_tweak, &mut last);
    let mut stolen = last;
    stolen[..tail].copy_from_slice(partial);
    partial.copy_from_slice(&last[..tail]);
    crypt_block(aes, encrypt, &mut second_tweak, &mut stolen);
    full.copy_from_slice(&stolen);
    // Two blocks' worth of tweak used.
    mul_x(tweak);
    mul_x(tweak);
    Some(())
}

#[cfg(test)]
mod tests {
    use crate::crypto::ALG_AES_XTS;
    use crate::crypto::ops::tests::hex;
    use crate::crypto::ops::{Cipher, CipherError};

    /// IEEE Std 1619-2007 annex B, XTS-AES-128 vectors 1, 2 (32 bytes)
    /// and 15-18 (ciphertext stealing, 17-20 bytes): (key1, key2, data
    /// unit sequence number as the little-endian tweak, plaintext,
    /// ciphertext).
    pub(crate) fn ieee1619() -> [(&'static str, &'static str, &'static str, &'static str, &'static str); 6] {
        const K1: &str = "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0";
        const K2: &str = "bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0";
        const SEQ: &str = "9a785634120000000000000000000000";
        [
            (
                "00000000000000000000000000000000",
                "00000000000000000000000000000000",
                "00000000000000000000000000000000",
                "0000000000000000000000000000000000000000000000000000000000000000",
                "917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e",
            ),
            (
                "11111111111111111111111111111111",
                "22222222222222222222222222222222",
                "33333333330000000000000000000000",
                "4444444444444444444444444444444444444444444444444444444444444444",
                "c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0",
            ),
            (K1, K2, SEQ, "000102030405060708090a0b0c0d0e0f10", "6c1625db4671522d3d7599601de7ca09ed"),
            (K1, K2, SEQ, "000102030405060708090a0b0c0d0e0f1011", "d069444b7a7e0cab09e24447d24deb1fedbf"),
            (K1, K2, SEQ, "000102030405060708090a0b0c0d0e0f101112", "e5df1351c0544ba1350b3363cd8ef4beedbf9d"),
            (K1, K2, SEQ, "000102030405060708090a0b0c0d0e0f10111213", "9d84c813f719aa2c7be3f66171c7c5c2edbf9dac"),
        ]
    }

    #[test]
    fn xts_ieee1619() {
        for (k1, k2, tweak, p, c) in ieee1619() {
            let (k1, k2, tweak, p, c) = (hex(k1), hex(k2), hex(tweak), hex(p), hex(c));
            let mut x = Cipher::new(ALG_AES_XTS, true, &k1, &k2, &tweak).unwrap();
            let mut buf = p.clone();
            x.update(&mut buf, true).unwrap();
            assert_eq!(buf, c, "encrypt {} bytes", p.len());
            let mut x = Cipher::new(ALG_AES_XTS, false, &k1, &k2, &tweak).unwrap();
            x.update(&mut buf, true).unwrap();
            assert_eq!(buf, p, "decrypt {} bytes", p.len());
        }
    }

    #[test]
    fn xts_streams_whole_blocks_and_needs_one() {
        let (k1, k2, tweak, p, c) = ieee1619()[1];
        let mut x = Cipher::new(ALG_AES_XTS, true, &hex(k1), &hex(k2), &hex(tweak)).unwrap();
        let mut buf = hex(p);
        let (a, b) = buf.split_at_mut(16);
        x.update(a, false).unwrap();
        x.update(b, true).unwrap();
        assert_eq!(buf, hex(c), "the tweak carries over");
        let mut x = Cipher::new(ALG_AES_XTS, true, &hex(k1), &hex(k2), &hex(tweak)).unwrap();
        assert_eq!(x.update(&mut [0; 15], true), Err(CipherError::State));
        assert_eq!(x.update(&mut [0; 17], false), Err(CipherError::Parameters));
    }
}
