//! AES in the cipher class: ECB, CBC and CTR (no padding), CTS and XTS,
//! chained here by hand over `Aes` (`block.rs`) so that every update
//! carries the chaining state on to the next one as upstream's streaming
//! does.

use super::block::{self, Aes};
use super::{cts, xts};
use crate::crypto::{ALG_AES_CBC_NOPAD, ALG_AES_CTR, ALG_AES_CTS, ALG_AES_ECB_NOPAD, ALG_AES_XTS};

#[derive(Clone)]
enum Chain {
    Ecb,
    /// The previous ciphertext block (the IV at first).
    Cbc([u8; 16]),
    /// Big-endian 128-bit counter block, the current keystream block and
    /// how much of it is used (16: none left).
    Ctr {
        counter: [u8; 16],
        stream: [u8; 16],
        used: usize,
    },
    /// CBC with ciphertext stealing in the final: the CBC chaining block.
    Cts([u8; 16]),
    /// XTS: the encrypted tweak of the next block.
    Xts([u8; 16]),
}

/// An AES cipher in one of the cipher-class modes. Each update takes what
/// upstream's `tee_do_cipher_update` takes (see [`Cipher::update`]) and
/// carries the chaining state on: CTR keeps its place in the keystream,
/// XTS its tweak, CBC and CTS the last ciphertext block.
#[derive(Clone)]
pub struct Cipher {
    aes: Aes,
    chain: Chain,
    encrypt: bool,
}

/// Why a cipher could not be set up or refused an update (mapped to TEE
/// codes by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CipherError {
    /// Not a mode implemented here (NOT_IMPLEMENTED).
    Algorithm,
    /// Key not 16, 24 or 32 bytes, XTS keys of different lengths, IV not
    /// 16 bytes where one is needed, or a length the mode cannot take
    /// (BAD_PARAMETERS).
    Parameters,
    /// Too little data for XTS (one block) or for the CTS final (more
    /// than one block): upstream's BAD_STATE.
    State,
}

impl Cipher {
    /// `algo` is a `TEE_ALG_AES_*` value; `key2` is XTS's tweak key (empty
    /// otherwise); `iv` is ignored by ECB and is XTS's tweak.
    pub fn new(algo: u32, encrypt: bool, key: &[u8], key2: &[u8], iv: &[u8]) -> Result<Cipher, CipherError> {
        let aes = Aes::new(key).ok_or(CipherError::Parameters)?;
        let block = |iv: &[u8]| <[u8; 16]>::try_from(iv).map_err(|_| CipherError::Parameters);
        let chain = match algo {
            ALG_AES_ECB_NOPAD => Chain::Ecb,
            ALG_AES_CBC_NOPAD => Chain::Cbc(block(iv)?),
            ALG_AES_CTR => Chain::Ctr { counter: block(iv)?, stream: [0; 16], used: 16 },
            ALG_AES_CTS => Chain::Cts(block(iv)?),
            ALG_AES_XTS => {
                // ltc_xts_init: both keys of one length, a 16-byte tweak.
                if key2.len() != key.len() {
                    return Err(CipherError::Parameters);
                }
                let tweak_key = Aes::new(key2).ok_or(CipherError::Parameters)?;
                Chain::Xts(xts::start(&tweak_key, &block(iv)?))
            }
            _ => return Err(CipherError::Algorithm),
        };
        Ok(Cipher { aes, chain, encrypt })
    }

    /// Encrypts or decrypts `data` in place; `last` for the final call.
    /// As upstream's `tee_do_cipher_update`: a length that is not a whole
    /// number of blocks is refused except by CTR, and by XTS and CTS in
    /// the final. XTS needs a block at least per call; the CTS final
    /// steals from the last full block, so it needs more than one block.
    pub fn update(&mut self, data: &mut [u8], last: bool) -> Result<(), CipherError> {
        let partial = !data.len().is_multiple_of(16);
        let stream_mode = matches!(self.chain, Chain::Ctr { .. });
        let steals = matches!(self.chain, Chain::Cts(_) | Chain::Xts(_));
        if partial && !stream_mode && !(last && steals) {
            return Err(CipherError::Parameters);
        }
        let (aes, encrypt) = (&self.aes, self.encrypt);
        match &mut self.chain {
            Chain::Ecb => ecb(aes, encrypt, data),
            Chain::Cbc(prev) => cbc(aes, encrypt, prev, data),
            Chain::Ctr { counter, stream, used } => {
                // The rest of the current keystream block, whole blocks in
                // bulk, then a new keystream block for a partial tail.
                let head = (16 - *used).min(data.len());
                let (first, rest) = data.split_at_mut(head);
                for b in first {
                    *b ^= stream[*used];
                    *used += 1;
                }
                let whole = rest.len() / 16 * 16;
                let (bulk, tail) = rest.split_at_mut(whole);
                aes.ctr128(counter, bulk);
                if !tail.is_empty() {
                    *stream = *counter;
                    aes.encrypt(stream);
                    block::inc128(counter);
                    *used = 0;
                    for b in tail {
                        *b ^= stream[*used];
                        *used += 1;
                    }
                }
            }
            Chain::Cts(prev) if last => {
                return cts::last(aes, encrypt, prev, data).ok_or(CipherError::State);
            }
            Chain::Cts(prev) => cbc(aes, encrypt, prev, data),
            Chain::Xts(tweak) => {
                return xts::update(aes, encrypt, tweak, data).ok_or(CipherError::State);
            }
        }
        Ok(())
    }
}

fn ecb(aes: &Aes, encrypt: bool, data: &mut [u8]) {
    aes.ecb(encrypt, data);
}

/// CBC over the whole blocks of `data`, chaining from and into `prev`.
pub(super) fn cbc(aes: &Aes, encrypt: bool, prev: &mut [u8; 16], data: &mut [u8]) {
    aes.cbc(encrypt, prev, data);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::{IV_CTR, KEY128, PLAIN, hex, sp800_38a};

    #[test]
    fn aes_sp800_38a() {
        for (algo, key, iv, want) in sp800_38a() {
            let (key, iv, plain, want) = (hex(key), hex(iv), hex(PLAIN), hex(want));
            let mut enc = Cipher::new(algo, true, &key, &[], &iv).unwrap();
            let mut buf = plain.clone();
            // One block, then the rest: the chaining state carries over.
            let (a, b) = buf.split_at_mut(16);
            enc.update(a, false).unwrap();
            enc.update(b, true).unwrap();
            assert_eq!(buf, want, "encrypt {algo:#x}");
            let mut dec = Cipher::new(algo, false, &key, &[], &iv).unwrap();
            dec.update(&mut buf, true).unwrap();
            assert_eq!(buf, plain, "decrypt {algo:#x}");
        }
    }

    #[test]
    fn ctr_keeps_its_place_across_odd_lengths() {
        let (key, iv, plain) = (hex(KEY128), hex(IV_CTR), hex(PLAIN));
        let mut c = Cipher::new(ALG_AES_CTR, true, &key, &[], &iv).unwrap();
        let mut buf = plain.clone();
        for chunk in buf.chunks_mut(7) {
            c.update(chunk, false).unwrap();
        }
        assert_eq!(buf, hex(sp800_38a()[4].3));
    }

    #[test]
    fn bad_keys_and_ivs() {
        assert_eq!(Cipher::new(ALG_AES_ECB_NOPAD, true, &[0; 15], &[], &[]).err(), Some(CipherError::Parameters));
        assert_eq!(Cipher::new(ALG_AES_CBC_NOPAD, true, &[0; 16], &[], &[0; 8]).err(), Some(CipherError::Parameters));
        assert_eq!(Cipher::new(0x1000_0510, true, &[0; 16], &[], &[0; 16]).err(), Some(CipherError::Algorithm));
        assert_eq!(Cipher::new(ALG_AES_XTS, true, &[0; 16], &[0; 32], &[0; 16]).err(), Some(CipherError::Parameters));
        assert_eq!(Cipher::new(ALG_AES_XTS, true, &[0; 16], &[0; 16], &[]).err(), Some(CipherError::Parameters));
        // Whole blocks only for ECB and CBC, even in the final; any length for CTR.
        let mut ecb = Cipher::new(ALG_AES_ECB_NOPAD, true, &[0; 24], &[], &[]).unwrap();
        assert_eq!(ecb.update(&mut [0; 15], true), Err(CipherError::Parameters));
        assert_eq!(ecb.update(&mut [0; 17], false), Err(CipherError::Parameters));
        let mut cts = Cipher::new(ALG_AES_CTS, true, &[0; 16], &[], &[0; 16]).unwrap();
        assert_eq!(cts.update(&mut [0; 17], false), Err(CipherError::Parameters));
        assert_eq!(cts.update(&mut [0; 16], true), Err(CipherError::State), "one block cannot be stolen from");
    }
}
