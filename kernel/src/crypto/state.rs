//! Operation states (`CRYP_STATE_*`, syscalls 15-17): what a state holds
//! for each operation class, and allocation (with the key type checks),
//! copy and free. The classes' own calls are in `hash`, `cipher`,
//! `authenc`, `derive` and `asym`.

extern crate alloc;

use alloc::boxed::Box;
use tee_abi::result::TeeError;

use super::Object;
use super::ops::block_ext::{self, CbcMac, Des3Cmac, ExtCipher};
use super::ops::digest_ext::{ExtHash, ExtHmac, ExtKind};
use super::ops::{Ae, AesCmac, Cipher, Hash, HashKind, Mac};
use super::{
    ALG_AES_CBC_NOPAD, ALG_AES_CCM, ALG_AES_CMAC, ALG_AES_CTR, ALG_AES_CTS, ALG_AES_ECB_NOPAD, ALG_AES_GCM,
    ALG_AES_XTS, CLASS_AE, CLASS_CIPHER, CLASS_DIGEST, CLASS_MAC, CryptoState, TYPE_AES, TYPE_DES, TYPE_DES3,
    TYPE_HMAC_MD5, TYPE_HMAC_SHA1, TYPE_HMAC_SHA224, TYPE_HMAC_SHA256, TYPE_HMAC_SHA384, TYPE_HMAC_SHA512, asym, class,
    derive, main_alg,
};

/// What a state keeps between calls, by operation class.
#[derive(Clone)]
pub(super) enum Engine {
    Digest(Hash),
    Mac(HashKind, Option<Mac>),
    /// MD5, SM3, SHA-3 and SHAKE (`ops::digest_ext`).
    ExtDigest(ExtKind, ExtHash),
    /// HMAC over MD5, SM3 or SHA-3; `None` until HASH_INIT.
    ExtMac(ExtKind, Option<ExtHmac>),
    Cipher(Option<Box<Cipher>>),
    /// DES, 3DES and SM4 (`ops::block_ext`); `None` until CIPHER_INIT.
    ExtCipher(Option<Box<ExtCipher>>),
    /// CBC-MAC over AES, DES or 3DES (`ops::block_ext`).
    CbcMac(Box<CbcMac>),
    /// OP-TEE's 3DES-CMAC; `None` until HASH_INIT.
    Des3Cmac(Option<Box<Des3Cmac>>),
    Cmac(Option<Box<AesCmac>>),
    /// AES-GCM or AES-CCM; `None` until AUTHENC_INIT and again after a
    /// final.
    Ae(Option<Box<Ae>>),
    /// Key derivation (`derive`): nothing to keep between calls.
    Derive,
    /// One-shot asymmetric encrypt/decrypt/sign/verify (`asym`).
    Asym,
}

/// An operation state (`struct tee_cryp_state`).
pub struct OpState {
    pub(super) algo: u32,
    pub(super) mode: u32,
    pub(super) key1: u32,
    pub(super) key2: u32,
    pub(super) initialized: bool,
    pub(super) engine: Engine,
}

impl CryptoState {
    /// `tee_svc_cryp_check_key_type`.
    fn check_key_type(&self, key: u32, algo: u32) -> Result<(), TeeError> {
        let o = self.obj(key)?;
        if o.busy {
            return Err(TeeError::BadParameters);
        }
        let wanted = match main_alg(algo) {
            _ if derive::key_type(algo).is_some() => derive::key_type(algo).unwrap_or_default(),
            0x01 => TYPE_HMAC_MD5,
            0x02 => TYPE_HMAC_SHA1,
            0x03 => TYPE_HMAC_SHA224,
            0x04 => TYPE_HMAC_SHA256,
            0x05 => TYPE_HMAC_SHA384,
            0x06 => TYPE_HMAC_SHA512,
            0x07 => tee_abi::gp::object_type::HMAC_SM3,
            0x08 => tee_abi::gp::object_type::HMAC_SHA3_224,
            0x09 => tee_abi::gp::object_type::HMAC_SHA3_256,
            0x0A => tee_abi::gp::object_type::HMAC_SHA3_384,
            0x0B => tee_abi::gp::object_type::HMAC_SHA3_512,
            0x10 => TYPE_AES,
            0x11 => TYPE_DES,
            0x13 => TYPE_DES3,
            0x14 => tee_abi::gp::object_type::SM4,
            _ => return Err(TeeError::BadParameters),
        };
        if o.obj_type != wanted {
            return Err(TeeError::BadParameters);
        }
        Ok(())
    }

    /// `CRYP_STATE_ALLOC`: the key objects become the state's (busy, freed
    /// with it). Call [`CryptoState::state_abandon`] if the handle cannot be
    /// handed to the TA.
    pub fn state_alloc(&mut self, algo: u32, mode: u32, key1: u32, key2: u32) -> Result<u32, TeeError> {
        let algo = asym::translate_compat(algo);
        if asym::is_asym_algo(algo) {
            return self.asym_state_alloc(algo, mode, key1, key2);
        }
        if key1 != 0 {
            self.check_key_type(key1, algo)?;
        }
        if key2 != 0 {
            self.check_key_type(key2, algo)?;
        }
        let hash = HashKind::from_main(main_alg(algo));
        // `__tee_alg_get_class`: DES3_CMAC is a MAC despite its top nibble.
        let cls = if algo == tee_abi::gp::alg::DES3_CMAC { CLASS_MAC } else { class(algo) };
        let engine = match cls {
            CLASS_CIPHER => {
                // XTS takes two keys (data, tweak), the others one.
                if key1 == 0 || (key2 != 0) != (algo == ALG_AES_XTS) {
                    return Err(TeeError::BadParameters);
                }
                if block_ext::is_ext_cipher(algo) {
                    Engine::ExtCipher(None)
                } else if matches!(
                    algo,
                    ALG_AES_ECB_NOPAD | ALG_AES_CBC_NOPAD | ALG_AES_CTR | ALG_AES_CTS | ALG_AES_XTS
                ) {
                    Engine::Cipher(None)
                } else {
                    return Err(TeeError::NotImplemented);
                }
            }
            CLASS_MAC => {
                if key1 == 0 || key2 != 0 {
                    return Err(TeeError::BadParameters);
                }
                match (algo >> 8 & 0xff_ffff, hash) {
                    (0x30_0000, Some(kind)) => Engine::Mac(kind, None),
                    _ if algo == ALG_AES_CMAC => Engine::Cmac(None),
                    _ if block_ext::is_cbc_mac(algo) => Engine::CbcMac(Box::new(CbcMac::unkeyed(algo))),
                    _ if algo == tee_abi::gp::alg::DES3_CMAC => Engine::Des3Cmac(None),
                    (0x30_0000, None) if ExtKind::from_algo(algo).is_some() => {
                        Engine::ExtMac(ExtKind::from_algo(algo).ok_or(TeeError::NotImplemented)?, None)
                    }
                    _ => return Err(TeeError::NotImplemented),
                }
            }
            CLASS_DIGEST => {
                if key1 != 0 || key2 != 0 {
                    return Err(TeeError::BadParameters);
                }
                match (algo >> 8 & 0xff_ffff, hash, ExtKind::from_algo(algo)) {
                    (0x50_0000, Some(kind), _) => Engine::Digest(Hash::new(kind)),
                    (_, _, Some(kind)) => Engine::ExtDigest(kind, ExtHash::new(kind)),
                    _ => return Err(TeeError::NotImplemented),
                }
            }
            CLASS_AE => {
                if key1 == 0 || key2 != 0 {
                    return Err(TeeError::BadParameters);
                }
                if algo != ALG_AES_GCM && algo != ALG_AES_CCM {
                    return Err(TeeError::NotImplemented);
                }
                Engine::Ae(None)
            }
            derive::CLASS_KEY_DERIVATION => {
                if key1 == 0 || key2 != 0 {
                    return Err(TeeError::BadParameters);
                }
                Engine::Derive
            }
            _ => return Err(TeeError::NotSupported),
        };
        let h = self.insert(OpState { algo, mode, key1, key2, initialized: false, engine })?;
        for k in [key1, key2] {
            if let Some(o) = self.get_mut::<Object>(k) {
                o.busy = true;
            }
        }
        Ok(h)
    }

    /// Undoes a [`CryptoState::state_alloc`] whose handle never reached the
    /// TA: the keys are the TA's again.
    pub fn state_abandon(&mut self, h: u32) {
        if let Some(s) = self.remove::<OpState>(h) {
            for k in [s.key1, s.key2] {
                if let Some(o) = self.get_mut::<Object>(k) {
                    o.busy = false;
                }
            }
        }
    }

    /// `CRYP_STATE_COPY`: same algorithm and mode; context and stage copied.
    pub fn state_copy(&mut self, dst: u32, src: u32) -> Result<(), TeeError> {
        self.state(dst)?;
        let s = self.state(src)?;
        let d = self.state(dst)?;
        if d.algo != s.algo || d.mode != s.mode {
            return Err(TeeError::BadParameters);
        }
        let (engine, initialized) = (s.engine.clone(), s.initialized);
        let d = self.state_mut(dst)?;
        d.engine = engine;
        d.initialized = initialized;
        Ok(())
    }

    /// `CRYP_STATE_FREE`: the state and its key objects.
    pub fn state_free(&mut self, h: u32) -> Result<(), TeeError> {
        let s = self.remove::<OpState>(h).ok_or(TeeError::BadParameters)?;
        self.remove::<Object>(s.key1);
        self.remove::<Object>(s.key2);
        Ok(())
    }

    /// The initialised key object of a state.
    pub(super) fn key_of(&self, key: u32) -> Result<&[u8], TeeError> {
        let o = self.obj(key)?;
        if !o.initialized() {
            return Err(TeeError::BadParameters);
        }
        Ok(&o.secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;
    use crate::crypto::testing::secret_key;
    use crate::crypto::{ALG_HMAC_SHA256, ALG_SHA1, ALG_SHA256, MODE_DIGEST, MODE_ENCRYPT, MODE_MAC};

    #[test]
    fn state_keys_are_busy_and_freed_with_the_state() {
        let mut st = CryptoState::new();
        let k = secret_key(&mut st, TYPE_HMAC_SHA256, 1024, &[0xaa; 24]);
        let wrong = secret_key(&mut st, TYPE_HMAC_SHA1, 512, &[0xaa; 24]);
        assert_eq!(st.state_alloc(ALG_HMAC_SHA256, MODE_MAC, wrong, 0), Err(TeeError::BadParameters));
        assert_eq!(st.state_alloc(ALG_HMAC_SHA256, MODE_MAC, 0, 0), Err(TeeError::BadParameters));
        assert_eq!(st.state_alloc(ALG_SHA256, MODE_DIGEST, k, 0), Err(TeeError::BadParameters));
        let s = st.state_alloc(ALG_HMAC_SHA256, MODE_MAC, k, 0).unwrap();
        assert_eq!(st.obj_close(k), Err(TeeError::ItemNotFound), "busy");
        assert_eq!(st.state_alloc(ALG_HMAC_SHA256, MODE_MAC, k, 0), Err(TeeError::BadParameters), "busy");
        assert_eq!(st.hash_update(s, b"x"), Err(TeeError::BadState), "not initialised");
        st.hash_init(s).unwrap();
        st.hash_update(s, b"what do ya want ").unwrap();
        assert_eq!(st.hash_final_size(s), Ok(32));
        let mac = st.hash_final(s, b"for nothing?", 0).unwrap();
        let mut direct = Mac::new(HashKind::Sha256, &[0xaa; 24]);
        direct.update(b"what do ya want for nothing?");
        assert_eq!(mac, direct.finalize_reset());
        st.state_free(s).unwrap();
        assert_eq!(st.obj_info(k), Err(TeeError::BadState), "freed with the state");
        st.obj_close(wrong).unwrap();
        assert!(st.is_empty());
        // Abandoning gives the key back.
        let k = secret_key(&mut st, TYPE_AES, 256, &[0; 16]);
        let s = st.state_alloc(ALG_AES_CBC_NOPAD, MODE_ENCRYPT, k, 0).unwrap();
        st.state_abandon(s);
        st.obj_close(k).unwrap();
    }

    #[test]
    fn digest_copy_and_errors() {
        let mut st = CryptoState::new();
        assert_eq!(
            st.state_alloc(0x5000_0007 | 0x10, MODE_DIGEST, 0, 0),
            Err(TeeError::NotImplemented),
            "no digest 0x17"
        );
        let a = st.state_alloc(ALG_SHA256, MODE_DIGEST, 0, 0).unwrap();
        let b = st.state_alloc(ALG_SHA256, MODE_DIGEST, 0, 0).unwrap();
        let c = st.state_alloc(ALG_SHA1, MODE_DIGEST, 0, 0).unwrap();
        assert_eq!(st.hash_final_size(a), Err(TeeError::BadState));
        assert_eq!(st.cipher_init(a, &[]), Err(TeeError::BadState));
        st.hash_init(a).unwrap();
        st.hash_update(a, b"ab").unwrap();
        st.state_copy(b, a).unwrap();
        assert_eq!(st.state_copy(c, a), Err(TeeError::BadParameters));
        let want = hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(st.hash_final(a, b"c", 0).unwrap(), want);
        assert_eq!(st.hash_final(b, b"c", 0).unwrap(), want);
        // After a final the digest starts over.
        assert_eq!(st.hash_final(a, b"abc", 0).unwrap(), want);
        for h in [a, b, c] {
            st.state_free(h).unwrap();
        }
        assert_eq!(st.state_free(a), Err(TeeError::BadParameters));
        assert!(st.is_empty());
    }
}
