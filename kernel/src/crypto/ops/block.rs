//! The AES block cipher (128-, 192- or 256-bit keys) that the modes are
//! built on: the `aes` crate's constant-time fixsliced software, or the
//! Armv8 AES instructions where `accel` picked them. Besides single
//! blocks it runs the bulk ECB, CBC and CTR loops, so the instruction path
//! handles a whole chunk per kernel SIMD section.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};

#[cfg(target_os = "none")]
use super::accel;
#[cfg(target_os = "none")]
use crate::arch::aarch64::crypto_ce::AesCeKey;
use crate::thread::preempt;

#[derive(Clone)]
pub(crate) enum Aes {
    A128(aes::Aes128),
    A192(aes::Aes192),
    A256(aes::Aes256),
    #[cfg(target_os = "none")]
    Ce(alloc::boxed::Box<AesCeKey>),
}

impl Aes {
    pub(crate) fn new(key: &[u8]) -> Option<Aes> {
        #[cfg(target_os = "none")]
        if accel::aes() {
            let k = crate::thread::fpu::with_kernel_simd(|simd| AesCeKey::new(simd, key))?;
            return Some(Aes::Ce(alloc::boxed::Box::new(k)));
        }
        Some(match key.len() {
            16 => Aes::A128(aes::Aes128::new_from_slice(key).ok()?),
            24 => Aes::A192(aes::Aes192::new_from_slice(key).ok()?),
            32 => Aes::A256(aes::Aes256::new_from_slice(key).ok()?),
            _ => return None,
        })
    }

    pub(crate) fn encrypt(&self, block: &mut [u8; 16]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Aes::A128(c) => c.encrypt_block(b),
            Aes::A192(c) => c.encrypt_block(b),
            Aes::A256(c) => c.encrypt_block(b),
            #[cfg(target_os = "none")]
            Aes::Ce(k) => crate::thread::fpu::with_kernel_simd(|simd| k.ecb(simd, true, &mut b[..])),
        }
    }

    pub(crate) fn decrypt(&self, block: &mut [u8; 16]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Aes::A128(c) => c.decrypt_block(b),
            Aes::A192(c) => c.decrypt_block(b),
            Aes::A256(c) => c.decrypt_block(b),
            #[cfg(target_os = "none")]
            Aes::Ce(k) => crate::thread::fpu::with_kernel_simd(|simd| k.ecb(simd, false, &mut b[..])),
        }
    }

    /// ECB over the whole blocks of `data`, in place (TA-sized: with
    /// preemption points).
    pub(crate) fn ecb(&self, encrypt: bool, data: &mut [u8]) {
        let whole = data.len() / 16 * 16;
        let data = &mut data[..whole];
        #[cfg(target_os = "none")]
        if let Aes::Ce(k) = self {
            return accel::chunked_mut(data, |simd, piece| k.ecb(simd, encrypt, piece));
        }
        for (i, chunk) in data.chunks_exact_mut(16).enumerate() {
            preempt::after_block(i);
            let b: &mut [u8; 16] = chunk.try_into().expect("16-byte chunk");
            if encrypt { self.encrypt(b) } else { self.decrypt(b) }
        }
    }

    /// CBC over the whole blocks of `data`, in place, chaining from and
    /// into `prev` (TA-sized: with preemption points).
    pub(crate) fn cbc(&self, encrypt: bool, prev: &mut [u8; 16], data: &mut [u8]) {
        let whole = data.len() / 16 * 16;
        let data = &mut data[..whole];
        #[cfg(target_os = "none")]
        if let Aes::Ce(k) = self {
            return accel::chunked_mut(data, |simd, piece| k.cbc(simd, encrypt, prev, piece));
        }
        for (i, chunk) in data.chunks_exact_mut(16).enumerate() {
            preempt::after_block(i);
            let b: &mut [u8; 16] = chunk.try_into().expect("16-byte chunk");
            if encrypt {
                b.iter_mut().zip(prev.iter()).for_each(|(x, p)| *x ^= p);
                self.encrypt(b);
                *prev = *b;
            } else {
                let c = *b;
                self.decrypt(b);
                b.iter_mut().zip(prev.iter()).for_each(|(x, p)| *x ^= p);
                *prev = c;
            }
        }
    }

    /// CBC-MAC over the whole blocks of `data`: `chain = E(chain ^ block)`
    /// for each (TA-sized: with preemption points).
    pub(crate) fn cbc_mac(&self, chain: &mut [u8; 16], data: &[u8]) {
        let data = &data[..data.len() / 16 * 16];
        #[cfg(target_os = "none")]
        if let Aes::Ce(k) = self {
            return accel::chunked(data, |simd, piece| k.cbc_mac(simd, chain, piece));
        }
        for (i, block) in data.chunks_exact(16).enumerate() {
            preempt::after_block(i);
            chain.iter_mut().zip(block).for_each(|(c, b)| *c ^= b);
            self.encrypt(chain);
        }
    }

    /// CTR keystream XORed into the whole blocks of `data`; `counter` is a
    /// big-endian 128-bit number advanced by one per block, wrapping
    /// (TA-sized: with preemption points).
    pub(crate) fn ctr128(&self, counter: &mut [u8; 16], data: &mut [u8]) {
        let whole = data.len() / 16 * 16;
        let data = &mut data[..whole];
        #[cfg(target_os = "none")]
        if let Aes::Ce(k) = self {
            return accel::chunked_mut(data, |simd, piece| k.ctr(simd, counter, piece));
        }
        for (i, chunk) in data.chunks_exact_mut(16).enumerate() {
            preempt::after_block(i);
            let mut stream = *counter;
            self.encrypt(&mut stream);
            chunk.iter_mut().zip(stream.iter()).for_each(|(x, s)| *x ^= s);
            inc128(counter);
        }
    }

    /// As [`Self::ctr128`] with GCM's counter: only the low 32 bits count,
    /// wrapping without carry (SP 800-38D, inc32).
    pub(crate) fn ctr32(&self, counter: &mut [u8; 16], data: &mut [u8]) {
        let whole = data.len() / 16 * 16;
        let mut rest = &mut data[..whole];
        while !rest.is_empty() {
            let low = u32::from_be_bytes([counter[12], counter[13], counter[14], counter[15]]);
            // Blocks before the low word wraps: within them a 128-bit
            // increment never carries out of it.
            let room = (1u64 << 32) - u64::from(low);
            let blocks = ((rest.len() / 16) as u64).min(room) as usize;
            let (now, later) = rest.split_at_mut(blocks * 16);
            let mut c = *counter;
            self.ctr128(&mut c, now);
            counter[12..].copy_from_slice(&low.wrapping_add(blocks as u32).to_be_bytes());
            rest = later;
        }
    }
}

/// Big-endian increment of a whole 128-bit block (wraps).
pub(crate) fn inc128(counter: &mut [u8; 16]) {
    for c in counter.iter_mut().rev() {
        *c = c.wrapping_add(1);
        if *c != 0 {
            break;
        }
    }
}
