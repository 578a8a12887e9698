//! The AE class behind one type: AES-GCM ([`Gcm`]) or AES-CCM ([`Ccm`]),
//! with the error kinds upstream's AE syscalls answer with.

use alloc::vec::Vec;

use super::ccm::Ccm;
use super::gcm::{Gcm, GcmError};
use crate::crypto::{ALG_AES_CCM, ALG_AES_GCM};

/// Why an AE operation was refused (mapped to TEE codes by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AeError {
    /// BAD_PARAMETERS.
    Parameters,
    /// NOT_SUPPORTED (a CCM tag length the mode does not have).
    NotSupported,
    /// BAD_STATE (CCM: lengths other than announced, a nonce too short).
    State,
    /// SHORT_BUFFER (CCM: an empty tag to check).
    ShortBuffer,
    /// MAC_INVALID.
    MacInvalid,
}

impl From<GcmError> for AeError {
    fn from(e: GcmError) -> AeError {
        match e {
            GcmError::Parameters => AeError::Parameters,
            GcmError::MacInvalid => AeError::MacInvalid,
        }
    }
}

/// An AE message in progress.
#[derive(Clone)]
pub enum Ae {
    Gcm(Gcm),
    Ccm(Ccm),
}

impl Ae {
    /// `AUTHENC_INIT` for `algo` (`TEE_ALG_AES_GCM` or `_CCM`): `tag_len`
    /// in bytes; CCM needs the AAD and payload lengths up front, GCM
    /// neither. `None` for another algorithm.
    pub fn new(
        algo: u32,
        encrypt: bool,
        key: &[u8],
        nonce: &[u8],
        tag_len: u64,
        aad_len: u64,
        payload_len: u64,
    ) -> Option<Result<Ae, AeError>> {
        Some(match algo {
            ALG_AES_GCM => match usize::try_from(tag_len) {
                Ok(t) => Gcm::new(encrypt, key, nonce, t).map(Ae::Gcm).map_err(AeError::from),
                Err(_) => Err(AeError::Parameters),
            },
            ALG_AES_CCM => Ccm::new(encrypt, key, nonce, tag_len, aad_len, payload_len).map(Ae::Ccm),
            _ => return None,
        })
    }

    /// The tag length in bytes.
    pub fn tag_len(&self) -> usize {
        match self {
            Ae::Gcm(g) => g.tag_len(),
            Ae::Ccm(c) => c.tag_len(),
        }
    }

    /// More AAD.
    pub fn update_aad(&mut self, aad: &[u8]) -> Result<(), AeError> {
        match self {
            Ae::Gcm(g) => g.update_aad(aad).map_err(AeError::from),
            Ae::Ccm(c) => c.update_aad(aad),
        }
    }

    /// Payload in place.
    pub fn update_payload(&mut self, data: &mut [u8]) -> Result<(), AeError> {
        match self {
            Ae::Gcm(g) => {
                g.update_payload(data);
                Ok(())
            }
            Ae::Ccm(c) => c.update_payload(data),
        }
    }

    /// The last piece in place, then the tag.
    pub fn encrypt_final(&mut self, data: &mut [u8]) -> Result<Vec<u8>, AeError> {
        match self {
            Ae::Gcm(g) => Ok(g.encrypt_final(data)),
            Ae::Ccm(c) => c.encrypt_final(data),
        }
    }

    /// The last piece in place, checked against `tag`.
    pub fn decrypt_final(&mut self, data: &mut [u8], tag: &[u8]) -> Result<(), AeError> {
        match self {
            Ae::Gcm(g) => g.decrypt_final(data, tag).map_err(AeError::from),
            Ae::Ccm(c) => c.decrypt_final(data, tag),
        }
    }

    /// What a tag to check of more than 16 bytes gets before it is read:
    /// GCM can never match it; upstream's CCM glue says BAD_STATE.
    pub fn long_tag_error(&self) -> AeError {
        match self {
            Ae::Gcm(_) => AeError::MacInvalid,
            Ae::Ccm(_) => AeError::State,
        }
    }
}
