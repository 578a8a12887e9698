//! The AES modes beyond ECB/CBC/CTR/GCM: XTS (two keys), CTS and CCM.
//!
//! - **XTS** ([`Cipher::xts`], IEEE 1619): a data key and a tweak key of
//!   the same length, the 16-byte tweak as the IV. Updates take whole
//!   blocks and continue from the tweak the last one ended on; the final
//!   may end in a partial block (ciphertext stealing), and every call
//!   needs one block at least.
//! - **CTS** ([`CipherAlgorithm::AesCts`] through [`Cipher::new`]): CBC
//!   with ciphertext stealing as OP-TEE does it, the CBC-CS3 variant of
//!   RFC 3962 (the last two blocks always swapped). Updates take whole
//!   blocks; the final steals, so it must get more than one block (the
//!   last two blocks, at least 17 bytes, are the final's).
//! - **CCM** ([`AeCipher::ccm`], NIST SP 800-38C): the AAD and payload
//!   lengths are fixed at init, the nonce is 7 to 13 bytes, the tag 4 to
//!   16 bytes and even. Errors as OP-TEE 4.5: a nonce over 13 bytes is
//!   `BadParameters`, an odd or out-of-range tag `NotSupported`, a short
//!   nonce and more (or less) AAD or payload than announced `BadState`.
//!
//! ```ignore
//! use ta_sdk::crypto::{AeCipher, Cipher, Mode};
//!
//! // IEEE 1619 vector 15: 17 bytes, the last one stolen.
//! let mut x = Cipher::xts(Mode::Encrypt, &key1, &key2, &tweak)?;
//! let n = x.finalize(&plain17, &mut out)?;
//!
//! // NIST SP 800-38C example 1: 4-byte tag, 8 bytes of AAD, 4 of payload.
//! let mut c = AeCipher::ccm(Mode::Encrypt, &key, &nonce7, 4, 8, 4)?;
//! c.update_aad(&aad)?;
//! let (n, t) = c.encrypt_final(&plain, &mut ct, &mut tag)?;
//! ```

use super::{AeCipher, Cipher, CipherAlgorithm, Mode, State, TransientObject, object_type};
use crate::error::TeeResult;
use crate::sys::cryp as sys;

/// `TEE_ALG_AES_CCM`.
pub use tee_abi::gp::alg::AES_CCM as ALG_AES_CCM;

impl Cipher {
    /// AES-XTS with the data key `key1`, the tweak key `key2` (both 16 or
    /// 32 bytes) and the 16-byte `tweak` (for disk sectors, the sector
    /// number little-endian).
    pub fn xts(m: Mode, key1: &[u8], key2: &[u8], tweak: &[u8]) -> TeeResult<Cipher> {
        let k1 = TransientObject::secret(object_type::AES, 256, key1)?;
        let k2 = TransientObject::secret(object_type::AES, 256, key2)?;
        // On success both key objects are the kernel's (freed with the
        // state); on failure they are still ours to drop.
        let h = sys::cryp_state_alloc(CipherAlgorithm::AesXts.id(), m.id(), k1.handle(), k2.handle())?;
        let (_, _) = (k1.into_handle(), k2.into_handle());
        let state = State(h);
        sys::cipher_init(state.0, tweak)?;
        Ok(Cipher { state })
    }
}

impl AeCipher {
    /// AES-CCM with a 16-, 24- or 32-byte `key`, a 7- to 13-byte `nonce`,
    /// tags of `tag_len` bytes, and exactly `aad_len` bytes of AAD and
    /// `payload_len` bytes of payload to come.
    pub fn ccm(
        m: Mode,
        key: &[u8],
        nonce: &[u8],
        tag_len: usize,
        aad_len: usize,
        payload_len: usize,
    ) -> TeeResult<AeCipher> {
        let k = TransientObject::secret(object_type::AES, 256, key)?;
        let state = State::alloc(ALG_AES_CCM, m.id(), Some(k))?;
        sys::authenc_init(state.0, nonce, tag_len, aad_len, payload_len)?;
        Ok(AeCipher { state })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_ids_are_upstreams() {
        assert_eq!(CipherAlgorithm::AesCts.id(), 0x1000_0310);
        assert_eq!(CipherAlgorithm::from_id(0x1000_0410), Some(CipherAlgorithm::AesXts));
        assert_eq!(ALG_AES_CCM, 0x4000_0710);
    }
}
