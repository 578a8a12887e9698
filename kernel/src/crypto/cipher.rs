//! The cipher class of operation states (`CIPHER_*`, syscalls 21-23):
//! AES ECB, CBC, CTR, CTS and XTS through [`super::ops::Cipher`].

extern crate alloc;

use alloc::boxed::Box;
use tee_abi::result::TeeError;

use super::ops::block_ext::ExtCipher;
use super::ops::{Cipher, CipherError};
use super::state::Engine;
use super::{CLASS_CIPHER, CryptoState, MODE_DECRYPT, MODE_ENCRYPT, class};

impl CryptoState {
    /// `CIPHER_INIT` (after the IV was copied in).
    pub fn cipher_init(&mut self, h: u32, iv: &[u8]) -> Result<(), TeeError> {
        let s = self.state(h)?;
        if class(s.algo) != CLASS_CIPHER {
            return Err(TeeError::BadState);
        }
        let key = self.key_of(s.key1)?;
        // XTS's tweak key (upstream: only when the state has a second key).
        let key2 = if s.key2 != 0 { self.key_of(s.key2)? } else { &[] };
        // crypto_cipher_init
        let encrypt = match s.mode {
            MODE_ENCRYPT => true,
            MODE_DECRYPT => false,
            _ => return Err(TeeError::BadParameters),
        };
        let engine = if matches!(s.engine, Engine::ExtCipher(_)) {
            Engine::ExtCipher(Some(Box::new(ExtCipher::new(s.algo, encrypt, key, iv)?)))
        } else {
            Engine::Cipher(Some(Box::new(Cipher::new(s.algo, encrypt, key, key2, iv).map_err(cipher_code)?)))
        };
        let s = self.state_mut(h)?;
        s.engine = engine;
        s.initialized = true;
        Ok(())
    }

    /// The checks `CIPHER_INIT` makes before it reads the IV: a state, of
    /// the cipher class, with an initialised key.
    pub fn cipher_init_ready(&self, h: u32) -> Result<(), TeeError> {
        let s = self.state(h)?;
        if class(s.algo) != CLASS_CIPHER {
            return Err(TeeError::BadState);
        }
        self.key_of(s.key1).map(|_| ())
    }

    /// The state checks `CIPHER_UPDATE`/`_FINAL` make before anything else.
    pub fn cipher_ready(&self, h: u32) -> Result<(), TeeError> {
        if !self.state(h)?.initialized {
            return Err(TeeError::BadState);
        }
        Ok(())
    }

    /// `tee_do_cipher_update`: `data` in place. ECB and CBC take whole
    /// blocks only; CTR any length; XTS and CTS a partial block in the
    /// final (see [`Cipher::update`]).
    pub fn cipher_update(&mut self, h: u32, last: bool, data: &mut [u8]) -> Result<(), TeeError> {
        self.cipher_ready(h)?;
        let s = self.state_mut(h)?;
        if s.mode != MODE_ENCRYPT && s.mode != MODE_DECRYPT {
            return Err(TeeError::BadParameters);
        }
        match &mut s.engine {
            Engine::Cipher(Some(c)) => c.update(data, last).map_err(cipher_code),
            Engine::ExtCipher(Some(c)) => c.update(data),
            _ => Err(TeeError::BadParameters),
        }
    }
}

fn cipher_code(e: CipherError) -> TeeError {
    match e {
        CipherError::Algorithm => TeeError::NotImplemented,
        CipherError::Parameters => TeeError::BadParameters,
        CipherError::State => TeeError::BadState,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::{KEY128, PLAIN, hex, sp800_38a};
    use crate::crypto::testing::secret_key;
    use crate::crypto::{ALG_AES_CBC_NOPAD, ALG_AES_ECB_NOPAD, ALG_AES_XTS, TYPE_AES};

    #[test]
    fn ciphers_through_states() {
        for (algo, k, iv, want) in sp800_38a() {
            let mut st = CryptoState::new();
            let kh = secret_key(&mut st, TYPE_AES, 256, &hex(k));
            let s = st.state_alloc(algo, MODE_ENCRYPT, kh, 0).unwrap();
            let mut buf = hex(PLAIN);
            assert_eq!(st.cipher_update(s, false, &mut buf), Err(TeeError::BadState));
            st.cipher_init(s, &hex(iv)).unwrap();
            let (a, b) = buf.split_at_mut(32);
            st.cipher_update(s, false, a).unwrap();
            st.cipher_update(s, true, b).unwrap();
            assert_eq!(buf, hex(want));
            st.state_free(s).unwrap();
            assert!(st.is_empty());
        }
        let mut st = CryptoState::new();
        let kh = secret_key(&mut st, TYPE_AES, 256, &hex(KEY128));
        let s = st.state_alloc(ALG_AES_ECB_NOPAD, MODE_DECRYPT, kh, 0).unwrap();
        st.cipher_init(s, &[]).unwrap();
        assert_eq!(st.cipher_update(s, false, &mut [0; 15]), Err(TeeError::BadParameters));
        assert_eq!(st.cipher_update(s, true, &mut [0; 17]), Err(TeeError::BadParameters));
        let kh2 = secret_key(&mut st, TYPE_AES, 256, &hex(KEY128));
        let s2 = st.state_alloc(ALG_AES_CBC_NOPAD, MODE_ENCRYPT, kh2, 0).unwrap();
        assert_eq!(st.cipher_init(s2, &[0; 8]), Err(TeeError::BadParameters));
        assert_eq!(st.hash_init(s2), Err(TeeError::BadParameters));
        let k3 = secret_key(&mut st, TYPE_AES, 256, &hex(KEY128));
        assert_eq!(
            st.state_alloc(0x1000_0510, MODE_ENCRYPT, k3, 0),
            Err(TeeError::NotImplemented),
            "no such chaining mode"
        );
    }

    /// IEEE 1619 vector 15 (17 bytes) through a two-key state.
    #[test]
    fn xts_through_states() {
        let mut st = CryptoState::new();
        let k1 = secret_key(&mut st, TYPE_AES, 256, &hex("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0"));
        let k2 = secret_key(&mut st, TYPE_AES, 256, &hex("bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0"));
        assert_eq!(st.state_alloc(ALG_AES_XTS, MODE_ENCRYPT, k1, 0), Err(TeeError::BadParameters), "one key");
        let s = st.state_alloc(ALG_AES_XTS, MODE_ENCRYPT, k1, k2).unwrap();
        st.cipher_init(s, &hex("9a785634120000000000000000000000")).unwrap();
        let mut buf = hex("000102030405060708090a0b0c0d0e0f10");
        assert_eq!(st.cipher_update(s, false, &mut buf.clone()), Err(TeeError::BadParameters));
        st.cipher_update(s, true, &mut buf).unwrap();
        assert_eq!(buf, hex("6c1625db4671522d3d7599601de7ca09ed"));
    }
}
