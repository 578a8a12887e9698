//! The AE class of operation states (`AUTHENC_*`, syscalls 34-38): AES-GCM
//! and AES-CCM through [`Ae`], with upstream's state checks and codes.

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::ops::{Ae, AeError};
use super::state::Engine;
use super::{CLASS_AE, CryptoState, MODE_DECRYPT, MODE_ENCRYPT, class};

fn ae_code(e: AeError) -> TeeError {
    match e {
        AeError::Parameters => TeeError::BadParameters,
        AeError::NotSupported => TeeError::NotSupported,
        AeError::State => TeeError::BadState,
        AeError::ShortBuffer => TeeError::ShortBuffer,
        AeError::MacInvalid => TeeError::MacInvalid,
    }
}

impl CryptoState {
    /// The checks `AUTHENC_INIT` makes before it reads the nonce: a state
    /// of the AE class with an initialised key.
    pub fn authenc_init_ready(&self, h: u32) -> Result<(), TeeError> {
        let s = self.state(h)?;
        if class(s.algo) != CLASS_AE {
            return Err(TeeError::BadState);
        }
        self.key_of(s.key1).map(|_| ())
    }

    /// `AUTHENC_INIT`: `tag_len` in bytes; the AAD and payload lengths are
    /// CCM's (GCM needs neither).
    pub fn authenc_init(
        &mut self,
        h: u32,
        nonce: &[u8],
        tag_len: u64,
        aad_len: u64,
        payload_len: u64,
    ) -> Result<(), TeeError> {
        self.authenc_init_ready(h)?;
        let s = self.state(h)?;
        let encrypt = match s.mode {
            MODE_ENCRYPT => true,
            MODE_DECRYPT => false,
            _ => return Err(TeeError::BadParameters),
        };
        let ae = Ae::new(s.algo, encrypt, self.key_of(s.key1)?, nonce, tag_len, aad_len, payload_len)
            .ok_or(TeeError::NotImplemented)?
            .map_err(ae_code)?;
        let s = self.state_mut(h)?;
        s.engine = Engine::Ae(Some(Box::new(ae)));
        s.initialized = true;
        Ok(())
    }

    fn ae_mut(&mut self, h: u32) -> Result<&mut Ae, TeeError> {
        let s = self.state_mut(h)?;
        if !s.initialized || class(s.algo) != CLASS_AE {
            return Err(TeeError::BadState);
        }
        match &mut s.engine {
            Engine::Ae(Some(g)) => Ok(g),
            _ => Err(TeeError::BadState),
        }
    }

    /// The state checks of `AUTHENC_UPDATE_*` and the finals; for a final,
    /// `mode` is the one it needs (BAD_PARAMETERS otherwise). The tag
    /// length set at init.
    pub fn authenc_ready(&mut self, h: u32, mode: Option<u32>) -> Result<usize, TeeError> {
        let s = self.state(h)?;
        if !s.initialized {
            return Err(TeeError::BadState);
        }
        if let Some(want) = mode
            && s.mode != want
        {
            return Err(TeeError::BadParameters);
        }
        Ok(self.ae_mut(h)?.tag_len())
    }

    /// What `AUTHENC_DEC_FINAL` answers for a tag of more than 16 bytes,
    /// before reading it.
    pub fn authenc_long_tag(&mut self, h: u32) -> TeeError {
        match self.ae_mut(h) {
            Ok(ae) => ae_code(ae.long_tag_error()),
            Err(code) => code,
        }
    }

    /// `AUTHENC_UPDATE_AAD`.
    pub fn authenc_update_aad(&mut self, h: u32, aad: &[u8]) -> Result<(), TeeError> {
        self.ae_mut(h)?.update_aad(aad).map_err(ae_code)
    }

    /// `AUTHENC_UPDATE_PAYLOAD`: `data` in place, all of it.
    pub fn authenc_update_payload(&mut self, h: u32, data: &mut [u8]) -> Result<(), TeeError> {
        self.ae_mut(h)?.update_payload(data).map_err(ae_code)
    }

    /// `AUTHENC_ENC_FINAL`: `data` in place, then the tag. The state needs
    /// a new init afterwards.
    pub fn authenc_enc_final(&mut self, h: u32, data: &mut [u8]) -> Result<Vec<u8>, TeeError> {
        self.authenc_ready(h, Some(MODE_ENCRYPT))?;
        let tag = self.ae_mut(h)?.encrypt_final(data).map_err(ae_code);
        self.authenc_done(h)?;
        tag
    }

    /// `AUTHENC_DEC_FINAL`: `data` in place if `tag` matches (MAC_INVALID
    /// otherwise, `data` then unusable). An empty CCM tag is SHORT_BUFFER
    /// before anything is consumed, so the state stays as it was.
    pub fn authenc_dec_final(&mut self, h: u32, data: &mut [u8], tag: &[u8]) -> Result<(), TeeError> {
        self.authenc_ready(h, Some(MODE_DECRYPT))?;
        let r = self.ae_mut(h)?.decrypt_final(data, tag);
        if r != Err(AeError::ShortBuffer) {
            self.authenc_done(h)?;
        }
        r.map_err(ae_code)
    }

    fn authenc_done(&mut self, h: u32) -> Result<(), TeeError> {
        let s = self.state_mut(h)?;
        s.engine = Engine::Ae(None);
        s.initialized = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use tee_abi::result::TeeError;

    use crate::crypto::ops::tests::{gcm_cases, hex};
    use crate::crypto::testing::secret_key;
    use crate::crypto::{ALG_AES_CCM, ALG_AES_GCM, CryptoState, MODE_DECRYPT, MODE_ENCRYPT, TYPE_AES};

    /// An AES key object holding `k`.
    fn key(st: &mut CryptoState, k: &[u8]) -> u32 {
        secret_key(st, TYPE_AES, 256, k)
    }

    /// NIST SP 800-38C example 2 (6-byte tag) through a state, with
    /// upstream's init errors.
    #[test]
    fn ccm_through_states() {
        let mut st = CryptoState::new();
        let k = key(&mut st, &hex("404142434445464748494a4b4c4d4e4f"));
        let s = st.state_alloc(ALG_AES_CCM, MODE_ENCRYPT, k, 0).unwrap();
        let (n, a, p) =
            (hex("1011121314151617"), hex("000102030405060708090a0b0c0d0e0f"), hex("202122232425262728292a2b2c2d2e2f"));
        assert_eq!(st.authenc_init(s, &[0; 14], 6, 16, 16), Err(TeeError::BadParameters));
        assert_eq!(st.authenc_init(s, &n, 7, 16, 16), Err(TeeError::NotSupported));
        assert_eq!(st.authenc_init(s, &[0; 6], 6, 16, 16), Err(TeeError::BadState));
        st.authenc_init(s, &n, 6, 16, 16).unwrap();
        assert_eq!(st.authenc_ready(s, None), Ok(6));
        st.authenc_update_aad(s, &a).unwrap();
        let mut buf = p.clone();
        let (x, y) = buf.split_at_mut(5);
        st.authenc_update_payload(s, x).unwrap();
        assert_eq!(st.authenc_enc_final(s, y).unwrap(), hex("1fc64fbfaccd"));
        assert_eq!(buf, hex("d2a1f0e051ea5f62081a7792073d593d"));
        let k = key(&mut st, &hex("404142434445464748494a4b4c4d4e4f"));
        let d = st.state_alloc(ALG_AES_CCM, MODE_DECRYPT, k, 0).unwrap();
        st.authenc_init(d, &n, 6, 16, 16).unwrap();
        st.authenc_update_aad(d, &a).unwrap();
        assert_eq!(st.authenc_dec_final(d, &mut buf.clone(), &[]), Err(TeeError::ShortBuffer), "state kept");
        assert_eq!(st.authenc_dec_final(d, &mut buf.clone(), &hex("1fc64fbfacce")), Err(TeeError::MacInvalid));
        assert_eq!(st.authenc_long_tag(d), TeeError::BadState, "after a final");
    }

    #[test]
    fn gcm_through_states() {
        let mut st = CryptoState::new();
        for (k, iv, p, a, c, t) in gcm_cases() {
            let kh = key(&mut st, &hex(k));
            let s = st.state_alloc(ALG_AES_GCM, MODE_ENCRYPT, kh, 0).unwrap();
            assert_eq!(st.authenc_update_aad(s, &hex(a)), Err(TeeError::BadState));
            st.authenc_init(s, &hex(iv), 16, 0, 0).unwrap();
            st.authenc_update_aad(s, &hex(a)).unwrap();
            let mut buf = hex(p);
            let (x, y) = buf.split_at_mut(16);
            st.authenc_update_payload(s, x).unwrap();
            assert_eq!(st.authenc_dec_final(s, y, &hex(t)), Err(TeeError::BadParameters), "wrong mode");
            assert_eq!(st.authenc_enc_final(s, y).unwrap(), hex(t));
            assert_eq!(buf, hex(c));
            assert_eq!(st.authenc_update_payload(s, &mut [0; 4]), Err(TeeError::BadState), "after final");
            st.state_free(s).unwrap();
            let kh = key(&mut st, &hex(k));
            let s = st.state_alloc(ALG_AES_GCM, MODE_DECRYPT, kh, 0).unwrap();
            st.authenc_init(s, &hex(iv), 16, 0, 0).unwrap();
            st.authenc_update_aad(s, &hex(a)).unwrap();
            let mut buf = hex(c);
            st.authenc_dec_final(s, &mut buf, &hex(t)).unwrap();
            assert_eq!(buf, hex(p));
            st.authenc_init(s, &hex(iv), 16, 0, 0).unwrap();
            st.authenc_update_aad(s, &hex(a)).unwrap();
            let mut bad = hex(t);
            bad[15] ^= 0x80;
            assert_eq!(st.authenc_dec_final(s, &mut hex(c), &bad), Err(TeeError::MacInvalid));
            st.state_free(s).unwrap();
        }
        assert!(st.is_empty());
    }

    /// `AUTHENC_INIT`'s tag lengths, 0..=17 bytes: GCM takes 12..=16
    /// (BAD_PARAMETERS otherwise: libutee never passes another, upstream's
    /// kernel refuses over 16 so), CCM 4..=16 even (NOT_SUPPORTED).
    #[test]
    fn tag_lengths_as_upstream() {
        let mut st = CryptoState::new();
        for len in 0..=17u64 {
            let k = key(&mut st, &[7; 16]);
            let s = st.state_alloc(ALG_AES_GCM, MODE_DECRYPT, k, 0).unwrap();
            let want = if (12..=16).contains(&len) { Ok(()) } else { Err(TeeError::BadParameters) };
            assert_eq!(st.authenc_init(s, &[0; 12], len, 0, 0), want, "GCM, {len}-byte tag");
            st.state_free(s).unwrap();
            let k = key(&mut st, &[7; 16]);
            let s = st.state_alloc(ALG_AES_CCM, MODE_DECRYPT, k, 0).unwrap();
            let want = if (4..=16).contains(&len) && len % 2 == 0 { Ok(()) } else { Err(TeeError::NotSupported) };
            assert_eq!(st.authenc_init(s, &[0; 12], len, 0, 0), want, "CCM, {len}-byte tag");
            st.state_free(s).unwrap();
        }
    }
}
