//! The digest and MAC classes of operation states (`HASH_*`, syscalls
//! 18-20): SHA-1/SHA-2 digests, HMAC and AES-CMAC through [`super::ops`].

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::ops::block_ext::Des3Cmac;
use super::ops::digest_ext::{ExtHash, ExtHmac};
use super::ops::{AesCmac, HashKind, Mac};
use super::state::Engine;
use super::{CryptoState, main_alg};

impl CryptoState {
    /// `HASH_INIT`: (re)starts a digest or MAC.
    pub fn hash_init(&mut self, h: u32) -> Result<(), TeeError> {
        let s = self.state(h)?;
        let engine = match &s.engine {
            Engine::Digest(d) => {
                let mut d = d.clone();
                d.finalize_reset();
                Engine::Digest(d)
            }
            Engine::Mac(kind, _) => Engine::Mac(*kind, Some(Mac::new(*kind, self.key_of(s.key1)?))),
            Engine::Cmac(_) => {
                Engine::Cmac(Some(Box::new(AesCmac::new(self.key_of(s.key1)?).ok_or(TeeError::BadParameters)?)))
            }
            Engine::ExtDigest(kind, _) => Engine::ExtDigest(*kind, ExtHash::new(*kind)),
            Engine::ExtMac(kind, _) => {
                Engine::ExtMac(*kind, Some(ExtHmac::new(*kind, self.key_of(s.key1)?).ok_or(TeeError::BadParameters)?))
            }
            Engine::Des3Cmac(_) => Engine::Des3Cmac(Some(Box::new(Des3Cmac::new(self.key_of(s.key1)?)?))),
            Engine::CbcMac(m) => Engine::CbcMac(Box::new(m.restarted(self.key_of(s.key1)?)?)),
            Engine::Cipher(_) | Engine::ExtCipher(_) | Engine::Ae(_) | Engine::Derive | Engine::Asym => {
                return Err(TeeError::BadParameters);
            }
        };
        let s = self.state_mut(h)?;
        s.engine = engine;
        s.initialized = true;
        Ok(())
    }

    /// `HASH_UPDATE` (after the chunk was copied in).
    pub fn hash_update(&mut self, h: u32, chunk: &[u8]) -> Result<(), TeeError> {
        let s = self.state_mut(h)?;
        if !s.initialized {
            return Err(TeeError::BadState);
        }
        match &mut s.engine {
            Engine::Digest(d) => d.update(chunk),
            Engine::Mac(_, Some(m)) => m.update(chunk),
            Engine::Cmac(Some(m)) => m.update(chunk),
            Engine::ExtDigest(_, d) => d.update(chunk),
            Engine::ExtMac(_, Some(m)) => m.update(chunk),
            Engine::CbcMac(m) => m.update(chunk)?,
            Engine::Des3Cmac(Some(m)) => m.update(chunk),
            _ => return Err(TeeError::BadParameters),
        }
        Ok(())
    }

    /// The output size `HASH_FINAL` will produce, after its state checks.
    pub fn hash_final_size(&self, h: u32) -> Result<usize, TeeError> {
        let s = self.state(h)?;
        if !s.initialized {
            return Err(TeeError::BadState);
        }
        match &s.engine {
            Engine::Digest(_) | Engine::Mac(..) => {
                HashKind::from_main(main_alg(s.algo)).map(HashKind::size).ok_or(TeeError::BadParameters)
            }
            Engine::Cmac(_) => Ok(16),
            // SHAKE: as long as the caller's buffer (`is_xof_algo`).
            Engine::ExtDigest(kind, _) | Engine::ExtMac(kind, _) => Ok(kind.size().unwrap_or(0)),
            Engine::CbcMac(m) => Ok(m.block_size()),
            Engine::Des3Cmac(_) => Ok(8),
            Engine::Cipher(_) | Engine::ExtCipher(_) | Engine::Ae(_) | Engine::Derive | Engine::Asym => {
                Err(TeeError::BadParameters)
            }
        }
    }

    /// `HASH_FINAL`: the last chunk, then the digest or MAC (the context
    /// starts over, as after an init).
    /// `capacity` is the caller's buffer: the length of a SHAKE output.
    pub fn hash_final(&mut self, h: u32, chunk: &[u8], capacity: usize) -> Result<Vec<u8>, TeeError> {
        self.hash_final_size(h)?;
        let s = self.state_mut(h)?;
        match &mut s.engine {
            Engine::Digest(d) => {
                d.update(chunk);
                Ok(d.finalize_reset())
            }
            Engine::Mac(_, Some(m)) => {
                m.update(chunk);
                Ok(m.finalize_reset())
            }
            Engine::Cmac(Some(m)) => {
                m.update(chunk);
                Ok(m.finalize_reset())
            }
            Engine::ExtDigest(_, d) => {
                d.update(chunk);
                d.finalize_reset(capacity)
            }
            Engine::ExtMac(_, Some(m)) => {
                m.update(chunk);
                Ok(m.finalize_reset())
            }
            Engine::CbcMac(m) => {
                m.update(chunk)?;
                m.finalize()
            }
            Engine::Des3Cmac(Some(m)) => {
                m.update(chunk);
                Ok(m.finalize_reset())
            }
            _ => Err(TeeError::BadParameters),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::{KEY128, PLAIN, hex, rfc4493};
    use crate::crypto::testing::secret_key;
    use crate::crypto::{ALG_AES_CMAC, MODE_MAC, TYPE_AES, TYPE_HMAC_SHA256};

    #[test]
    fn cmac_through_states() {
        let mut st = CryptoState::new();
        let plain = hex(PLAIN);
        for (len, want) in rfc4493() {
            let k = secret_key(&mut st, TYPE_AES, 256, &hex(KEY128));
            let s = st.state_alloc(ALG_AES_CMAC, MODE_MAC, k, 0).unwrap();
            st.hash_init(s).unwrap();
            st.hash_update(s, &plain[..len / 2]).unwrap();
            assert_eq!(st.hash_final_size(s), Ok(16));
            assert_eq!(st.hash_final(s, &plain[len / 2..len], 0).unwrap(), hex(want));
            st.state_free(s).unwrap();
        }
        let hk = secret_key(&mut st, TYPE_HMAC_SHA256, 1024, &[0; 24]);
        assert_eq!(st.state_alloc(ALG_AES_CMAC, MODE_MAC, hk, 0), Err(TeeError::BadParameters));
        st.obj_close(hk).unwrap();
        assert!(st.is_empty());
    }
}
