//! The block ciphers upstream OP-TEE 4.5 offers beside AES: DES and
//! two-/three-key triple DES (FIPS 46-3, NIST SP 800-67) over the RustCrypto
//! `des` crate, SM4 (GB/T 32907-2016) over `sm4`; their ECB, CBC and (SM4)
//! CTR modes, and CBC-MAC over AES, DES and 3DES as upstream's
//! `core/crypto/cbc-mac.c` (4.5.0) computes it: a zero IV, the last
//! ciphertext block as the MAC, optional PKCS#5 padding. Key schedules
//! are wiped on drop (the crates' `zeroize` feature).

extern crate alloc;

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use alloc::vec::Vec;
use tee_abi::gp::alg;
use tee_abi::result::TeeError;

use super::block::Aes;
use crate::thread::preempt;

/// A keyed block cipher with 8- or 16-byte blocks. Its owners live
/// boxed in the operation state, so the variants' sizes may differ.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum BlockCipher {
    Des(des::Des),
    Tdes2(des::TdesEde2),
    Tdes3(des::TdesEde3),
    Sm4(sm4::Sm4),
    Aes(Aes),
}

/// Runs `$e` with `$c` the RustCrypto cipher of an 8- or 16-byte block
/// variant.
macro_rules! each_cipher {
    ($self:expr, $c:ident => $e:expr, aes $a:ident => $ea:expr) => {
        match $self {
            BlockCipher::Des($c) => $e,
            BlockCipher::Tdes2($c) => $e,
            BlockCipher::Tdes3($c) => $e,
            BlockCipher::Sm4($c) => $e,
            BlockCipher::Aes($a) => $ea,
        }
    };
}

impl BlockCipher {
    /// The cipher of a `TEE_ALG_*` main algorithm (low byte: 0x10 AES,
    /// 0x11 DES, 0x13 3DES, 0x14 SM4) keyed with `key`; BAD_PARAMETERS for
    /// a key of the wrong length.
    pub fn new(algo: u32, key: &[u8]) -> Result<BlockCipher, TeeError> {
        let bad = |_| TeeError::BadParameters;
        Ok(match (algo & 0xff, key.len()) {
            (0x10, _) => BlockCipher::Aes(Aes::new(key).ok_or(TeeError::BadParameters)?),
            (0x11, 8) => BlockCipher::Des(des::Des::new_from_slice(key).map_err(bad)?),
            (0x13, 16) => BlockCipher::Tdes2(des::TdesEde2::new_from_slice(key).map_err(bad)?),
            (0x13, 24) => BlockCipher::Tdes3(des::TdesEde3::new_from_slice(key).map_err(bad)?),
            (0x14, 16) => BlockCipher::Sm4(sm4::Sm4::new_from_slice(key).map_err(bad)?),
            (0x11 | 0x13 | 0x14, _) => return Err(TeeError::BadParameters),
            _ => return Err(TeeError::NotImplemented),
        })
    }

    pub fn block_size(&self) -> usize {
        match self {
            BlockCipher::Des(_) | BlockCipher::Tdes2(_) | BlockCipher::Tdes3(_) => 8,
            BlockCipher::Sm4(_) | BlockCipher::Aes(_) => 16,
        }
    }

    /// Encrypts one block in place (`block.len()` is the block size).
    fn encrypt(&self, block: &mut [u8]) {
        each_cipher!(self, c => c.encrypt_block(GenericArray::from_mut_slice(block)),
            aes a => a.encrypt(block.try_into().unwrap_or(&mut [0; 16])))
    }

    fn decrypt(&self, block: &mut [u8]) {
        each_cipher!(self, c => c.decrypt_block(GenericArray::from_mut_slice(block)),
            aes a => a.decrypt(block.try_into().unwrap_or(&mut [0; 16])))
    }
}

/// The chaining state of an [`ExtCipher`].
#[derive(Clone)]
enum Chain {
    Ecb,
    /// The previous ciphertext block (the IV at first).
    Cbc(Vec<u8>),
    /// The big-endian counter block, the keystream block and how much of
    /// it is used.
    Ctr {
        counter: Vec<u8>,
        stream: Vec<u8>,
        used: usize,
    },
}

/// DES, 3DES or SM4 in ECB or CBC (no padding), or SM4 in CTR.
#[derive(Clone)]
pub struct ExtCipher {
    cipher: BlockCipher,
    chain: Chain,
    encrypt: bool,
}

/// Whether `algo` is a cipher-class algorithm of [`ExtCipher`].
pub fn is_ext_cipher(algo: u32) -> bool {
    matches!(
        algo,
        alg::DES_ECB_NOPAD
            | alg::DES_CBC_NOPAD
            | alg::DES3_ECB_NOPAD
            | alg::DES3_CBC_NOPAD
            | alg::SM4_ECB_NOPAD
            | alg::SM4_CBC_NOPAD
            | alg::SM4_CTR
    )
}

impl ExtCipher {
    /// As upstream's `crypto_cipher_init`: CBC and CTR need an IV of one
    /// block (BAD_PARAMETERS otherwise); ECB ignores it.
    pub fn new(algo: u32, encrypt: bool, key: &[u8], iv: &[u8]) -> Result<ExtCipher, TeeError> {
        if !is_ext_cipher(algo) {
            return Err(TeeError::NotImplemented);
        }
        let cipher = BlockCipher::new(algo, key)?;
        let bs = cipher.block_size();
        let block = || {
            if iv.len() != bs {
                return Err(TeeError::BadParameters);
            }
            Ok(iv.to_vec())
        };
        let chain = match algo >> 8 & 0xf {
            0 => Chain::Ecb,
            1 => Chain::Cbc(block()?),
            _ => Chain::Ctr { counter: block()?, stream: alloc::vec![0; bs], used: bs },
        };
        Ok(ExtCipher { cipher, chain, encrypt })
    }

    /// `data` in place: whole blocks only, except in CTR.
    pub fn update(&mut self, data: &mut [u8]) -> Result<(), TeeError> {
        let bs = self.cipher.block_size();
        let (c, encrypt) = (&self.cipher, self.encrypt);
        match &mut self.chain {
            Chain::Ctr { counter, stream, used } => {
                for (i, byte) in data.iter_mut().enumerate() {
                    preempt::after_byte(i);
                    if *used == bs {
                        stream.copy_from_slice(counter);
                        c.encrypt(stream);
                        *used = 0;
                        for b in counter.iter_mut().rev() {
                            *b = b.wrapping_add(1);
                            if *b != 0 {
                                break;
                            }
                        }
                    }
                    *byte ^= stream[*used];
                    *used += 1;
                }
                Ok(())
            }
            _ if !data.len().is_multiple_of(bs) => Err(TeeError::BadParameters),
            Chain::Ecb => {
                for (i, b) in data.chunks_exact_mut(bs).enumerate() {
                    preempt::after_block(i);
                    if encrypt { c.encrypt(b) } else { c.decrypt(b) }
                }
                Ok(())
            }
            Chain::Cbc(prev) => {
                for (i, b) in data.chunks_exact_mut(bs).enumerate() {
                    preempt::after_block(i);
                    if encrypt {
                        b.iter_mut().zip(prev.iter()).for_each(|(x, p)| *x ^= p);
                        c.encrypt(b);
                        prev.copy_from_slice(b);
                    } else {
                        let next = b.to_vec();
                        c.decrypt(b);
                        b.iter_mut().zip(prev.iter()).for_each(|(x, p)| *x ^= p);
                        prev.copy_from_slice(&next);
                    }
                }
                Ok(())
            }
        }
    }
}

/// Whether `algo` is one of the CBC-MAC algorithms.
pub fn is_cbc_mac(algo: u32) -> bool {
    matches!(
        algo,
        alg::AES_CBC_MAC_NOPAD
            | alg::AES_CBC_MAC_PKCS5
            | alg::DES_CBC_MAC_NOPAD
            | alg::DES_CBC_MAC_PKCS5
            | alg::DES3_CBC_MAC_NOPAD
            | alg::DES3_CBC_MAC_PKCS5
    )
}

/// A running CBC-MAC (upstream `core/crypto/cbc-mac.c`); `None` cipher
/// until HASH_INIT keys it.
#[derive(Clone)]
pub struct CbcMac {
    algo: u32,
    cipher: Option<BlockCipher>,
    /// The chaining value: the last ciphertext block.
    digest: Vec<u8>,
    /// Input not yet a whole block.
    pending: Vec<u8>,
    /// At least one block went through.
    computed: bool,
}

impl CbcMac {
    /// An unkeyed CBC-MAC for `algo` (see [`is_cbc_mac`]).
    pub fn unkeyed(algo: u32) -> CbcMac {
        CbcMac { algo, cipher: None, digest: Vec::new(), pending: Vec::new(), computed: false }
    }

    /// The same algorithm, freshly keyed with `key` (HASH_INIT).
    pub fn restarted(&self, key: &[u8]) -> Result<CbcMac, TeeError> {
        let cipher = BlockCipher::new(self.algo, key)?;
        let bs = cipher.block_size();
        Ok(CbcMac {
            algo: self.algo,
            cipher: Some(cipher),
            digest: alloc::vec![0; bs],
            pending: Vec::new(),
            computed: false,
        })
    }

    /// The MAC's size: one block (AES 16, DES/3DES 8).
    pub fn block_size(&self) -> usize {
        if self.algo & 0xff == 0x10 { 16 } else { 8 }
    }

    fn absorb(cipher: &BlockCipher, digest: &mut [u8], block: &[u8]) {
        digest.iter_mut().zip(block).for_each(|(d, b)| *d ^= b);
        cipher.encrypt(digest);
    }

    /// Feeds `data`; BAD_STATE before HASH_INIT.
    pub fn update(&mut self, mut data: &[u8]) -> Result<(), TeeError> {
        let cipher = self.cipher.as_ref().ok_or(TeeError::BadState)?;
        let bs = cipher.block_size();
        if !self.pending.is_empty() && self.pending.len() + data.len() >= bs {
            let take = bs - self.pending.len();
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            Self::absorb(cipher, &mut self.digest, &self.pending);
            zeroize::Zeroize::zeroize(&mut self.pending);
            self.computed = true;
        }
        let whole = data.len() - data.len() % bs;
        for (i, b) in data[..whole].chunks_exact(bs).enumerate() {
            preempt::after_block(i);
            Self::absorb(cipher, &mut self.digest, b);
            self.computed = true;
        }
        self.pending.extend_from_slice(&data[whole..]);
        Ok(())
    }

    /// The MAC: PKCS#5-pads first for the `*_PKCS5` algorithms; BAD_STATE
    /// when no block went through or a partial block is left (upstream
    /// `crypto_cbc_mac_final`). Starts over with the same key.
    pub fn finalize(&mut self) -> Result<Vec<u8>, TeeError> {
        let bs = self.block_size();
        if self.algo >> 8 & 0xf == 5 {
            let pad = bs - self.pending.len();
            let padding = alloc::vec![pad as u8; pad];
            self.update(&padding)?;
        }
        if !self.computed || !self.pending.is_empty() {
            return Err(TeeError::BadState);
        }
        let mac = core::mem::replace(&mut self.digest, alloc::vec![0; bs]);
        self.computed = false;
        Ok(mac)
    }
}

/// OP-TEE's `TEE_ALG_DES3_CMAC`: CMAC (NIST SP 800-38B) over two- or
/// three-key triple DES (RustCrypto `cmac` over `des`).
#[derive(Clone)]
pub enum Des3Cmac {
    Two(cmac::Cmac<des::TdesEde2>),
    Three(cmac::Cmac<des::TdesEde3>),
}

impl Des3Cmac {
    /// BAD_PARAMETERS unless `key` is 16 or 24 bytes.
    pub fn new(key: &[u8]) -> Result<Des3Cmac, TeeError> {
        let bad = |_| TeeError::BadParameters;
        Ok(match key.len() {
            16 => Des3Cmac::Two(<cmac::Cmac<des::TdesEde2> as KeyInit>::new_from_slice(key).map_err(bad)?),
            24 => Des3Cmac::Three(<cmac::Cmac<des::TdesEde3> as KeyInit>::new_from_slice(key).map_err(bad)?),
            _ => return Err(TeeError::BadParameters),
        })
    }

    pub fn update(&mut self, data: &[u8]) {
        use cmac::Mac as _;
        preempt::chunked(data, |data| match self {
            Des3Cmac::Two(m) => m.update(data),
            Des3Cmac::Three(m) => m.update(data),
        })
    }

    /// The 8-byte MAC; starts over with the same key.
    pub fn finalize_reset(&mut self) -> Vec<u8> {
        use cmac::Mac as _;
        match self {
            Des3Cmac::Two(m) => m.finalize_reset().into_bytes().to_vec(),
            Des3Cmac::Three(m) => m.finalize_reset().into_bytes().to_vec(),
        }
    }
}

impl Drop for CbcMac {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.digest);
        zeroize::Zeroize::zeroize(&mut self.pending);
    }
}

impl Drop for ExtCipher {
    fn drop(&mut self) {
        match &mut self.chain {
            Chain::Ecb => {}
            Chain::Cbc(p) => zeroize::Zeroize::zeroize(p),
            Chain::Ctr { counter, stream, .. } => {
                zeroize::Zeroize::zeroize(counter);
                zeroize::Zeroize::zeroize(stream);
            }
        }
    }
}

#[cfg(test)]
mod tests;
