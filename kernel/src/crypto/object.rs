//! Transient objects (`CRYP_OBJ_*`, syscalls 24-31 and 54): the object
//! itself, the secret-value types' size table, and the handlers for
//! secret-value objects (asymmetric ones branch off to `asym`).

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::{
    ATTR_FLAG_PUBLIC, ATTR_SECRET_VALUE, CryptoState, HANDLE_FLAG_INITIALIZED, TYPE_AES, TYPE_DATA, TYPE_DES,
    TYPE_DES3, TYPE_GENERIC_SECRET, TYPE_HMAC_MD5, TYPE_HMAC_SHA1, TYPE_HMAC_SHA224, TYPE_HMAC_SHA256,
    TYPE_HMAC_SHA384, TYPE_HMAC_SHA512, USAGE_DEFAULT, USAGE_EXTRACTABLE, asym, derive,
};

/// Upstream's `tee_cryp_obj_props[]` for the secret-value types:
/// (type, quanta, min bits, max bits, bytes reserved for the value).
const SECRET_TYPES: [(u32, u32, u32, u32, usize); 19] = [
    (TYPE_AES, 64, 128, 256, 32),
    (TYPE_DES, 64, 64, 64, 8),
    (TYPE_DES3, 64, 128, 192, 24),
    (TYPE_HMAC_MD5, 8, 64, 512, 64),
    (TYPE_HMAC_SHA1, 8, 80, 512, 64),
    (TYPE_HMAC_SHA224, 8, 112, 512, 64),
    (TYPE_HMAC_SHA256, 8, 192, 1024, 128),
    (TYPE_HMAC_SHA384, 8, 256, 1024, 128),
    (TYPE_HMAC_SHA512, 8, 256, 1024, 128),
    (tee_abi::gp::object_type::SM4, 128, 128, 128, 16),
    (tee_abi::gp::object_type::HMAC_SHA3_224, 8, 192, 1024, 128),
    (tee_abi::gp::object_type::HMAC_SHA3_256, 8, 256, 1024, 128),
    (tee_abi::gp::object_type::HMAC_SHA3_384, 8, 256, 1024, 128),
    (tee_abi::gp::object_type::HMAC_SHA3_512, 8, 256, 1024, 128),
    (tee_abi::gp::object_type::HMAC_SM3, 8, 80, 1024, 64),
    (TYPE_GENERIC_SECRET, 8, 0, 4096, 512),
    (derive::TYPE_HKDF_IKM, 8, 0, 4096, 512),
    (derive::TYPE_CONCAT_KDF_Z, 8, 0, 4096, 512),
    (derive::TYPE_PBKDF2_PASSWORD, 8, 0, 4096, 512),
];

/// The row of [`SECRET_TYPES`] for `obj_type` (quanta, min, max, bytes);
/// `None` for a type that holds no secret value.
pub(super) fn secret_props(obj_type: u32) -> Option<(u32, u32, u32, usize)> {
    SECRET_TYPES.iter().find(|t| t.0 == obj_type).map(|t| (t.1, t.2, t.3, t.4))
}

/// The attribute holding a secret-value type's value: the KDF input types
/// have their own IDs.
pub(super) fn secret_attr(obj_type: u32) -> u32 {
    derive::secret_attr(obj_type).unwrap_or(ATTR_SECRET_VALUE)
}

/// `is_gp_legacy_des_key_size` (CFG_COMPAT_GP10_DES, on upstream's
/// default): GP 1.0 sized DES keys without their parity bits.
fn legacy_des_size(obj_type: u32, bits: u32) -> bool {
    (obj_type == TYPE_DES && bits == 56) || (obj_type == TYPE_DES3 && (bits == 112 || bits == 168))
}

/// `check_key_size`: a multiple of the quanta, within [min, max]; a
/// legacy DES size gets its parity bits back first.
fn check_key_size(obj_type: u32, bits: u32) -> Result<usize, TeeError> {
    let bits = if legacy_des_size(obj_type, bits) { bits + bits / 7 } else { bits };
    let (quanta, min, max, alloc) = secret_props(obj_type).ok_or(TeeError::NotSupported)?;
    if !bits.is_multiple_of(quanta) || bits < min || bits > max {
        return Err(TeeError::NotSupported);
    }
    Ok(alloc)
}

/// A transient object (`struct tee_obj`): a secret value, or the
/// attributes of an asymmetric key.
pub struct Object {
    pub(super) obj_type: u32,
    pub(super) key_bits: u32,
    pub(super) max_bits: u32,
    pub(super) usage: u32,
    pub(super) flags: u32,
    /// Bytes reserved for the value (upstream `alloc_size`).
    pub(super) capacity: usize,
    pub(super) secret: Vec<u8>,
    /// The attributes of an asymmetric key (asymmetric types only).
    pub(super) asym: Option<Box<asym::AsymKey>>,
    /// Used as a key by an operation state (which owns it from then on).
    pub(super) busy: bool,
}

impl Object {
    /// A fresh, uninitialised object with the default usage.
    pub(super) fn new(obj_type: u32, max_bits: u32, capacity: usize) -> Object {
        Object {
            obj_type,
            key_bits: 0,
            max_bits,
            usage: USAGE_DEFAULT,
            flags: 0,
            capacity,
            secret: Vec::new(),
            asym: None,
            busy: false,
        }
    }

    /// Zeroes the secret bytes and drops an asymmetric key's attributes.
    pub(super) fn wipe(&mut self) {
        // Zeroes the bytes and the spare capacity, then empties the Vec.
        zeroize::Zeroize::zeroize(&mut self.secret);
        self.asym = None;
    }

    pub(super) fn initialized(&self) -> bool {
        self.flags & HANDLE_FLAG_INITIALIZED != 0
    }

    /// `struct utee_object_info` (seven u32: type, size, max size, usage,
    /// data size, data position, handle flags).
    pub fn info(&self) -> [u8; 28] {
        let mut out = [0u8; 28];
        for (i, v) in [self.obj_type, self.key_bits, self.max_bits, self.usage, 0, 0, self.flags].iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        out
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// One attribute passed to populate/generate: id and the bytes of a
/// reference attribute (value attributes carry `a` and `b` as 8 bytes).
/// The bytes may be key material: they are wiped when the attribute goes.
#[cfg_attr(test, derive(Clone))]
pub struct Attr {
    pub id: u32,
    pub data: Vec<u8>,
}

impl Drop for Attr {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.data);
    }
}

impl CryptoState {
    /// `CRYP_OBJ_ALLOC`.
    pub fn obj_alloc(&mut self, obj_type: u32, max_bits: u32) -> Result<u32, TeeError> {
        if asym::is_asym_type(obj_type) {
            return self.asym_obj_alloc(obj_type, max_bits);
        }
        let capacity = if obj_type == TYPE_DATA {
            if max_bits != 0 {
                return Err(TeeError::NotSupported);
            }
            0
        } else {
            check_key_size(obj_type, max_bits)?
        };
        self.insert(Object::new(obj_type, max_bits, capacity))
    }

    /// `CRYP_OBJ_GET_INFO`.
    pub fn obj_info(&self, h: u32) -> Result<[u8; 28], TeeError> {
        Ok(self.obj(h)?.info())
    }

    /// `CRYP_OBJ_RESTRICT_USAGE`.
    pub fn obj_restrict_usage(&mut self, h: u32, usage: u32) -> Result<(), TeeError> {
        self.obj_mut(h)?.usage &= usage;
        Ok(())
    }

    /// `CRYP_OBJ_GET_ATTR` for a buffer attribute: the value, if readable.
    pub fn obj_get_attr(&self, h: u32, attr_id: u32) -> Result<&[u8], TeeError> {
        let o = self.obj(h).map_err(|_| TeeError::ItemNotFound)?;
        if !o.initialized() {
            return Err(TeeError::BadParameters);
        }
        if attr_id & ATTR_FLAG_PUBLIC == 0 && o.usage & USAGE_EXTRACTABLE == 0 {
            return Err(TeeError::BadParameters);
        }
        if secret_props(o.obj_type).is_none() {
            return Err(TeeError::BadState);
        }
        if attr_id != secret_attr(o.obj_type) {
            return Err(TeeError::ItemNotFound);
        }
        Ok(&o.secret)
    }

    /// `CRYP_OBJ_CLOSE`: an object in use by a state is not the TA's to close.
    pub fn obj_close(&mut self, h: u32) -> Result<(), TeeError> {
        if self.obj(h)?.busy {
            return Err(TeeError::ItemNotFound);
        }
        self.remove::<Object>(h);
        Ok(())
    }

    /// `CRYP_OBJ_RESET`: back to uninitialised, value wiped.
    pub fn obj_reset(&mut self, h: u32) -> Result<(), TeeError> {
        let o = self.obj_mut(h)?;
        o.wipe();
        o.key_bits = 0;
        o.usage = USAGE_DEFAULT;
        o.flags &= !HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_OBJ_POPULATE` after the attributes were copied in.
    pub fn obj_populate(&mut self, h: u32, attrs: &[Attr]) -> Result<(), TeeError> {
        let o = self.obj_mut(h)?;
        if o.initialized() {
            return Err(TeeError::BadParameters);
        }
        if asym::is_asym_type(o.obj_type) {
            return self.asym_populate(h, attrs);
        }
        if secret_props(o.obj_type).is_none() {
            return Err(TeeError::NotImplemented);
        }
        // tee_svc_cryp_check_attr: exactly one TEE_ATTR_SECRET_VALUE.
        let mut found = false;
        for a in attrs {
            if a.id != secret_attr(o.obj_type) || found {
                return Err(TeeError::ItemNotFound);
            }
            found = true;
        }
        let Some(value) = attrs.first() else { return Err(TeeError::ItemNotFound) };
        if value.data.len() > o.capacity {
            return Err(TeeError::Security);
        }
        let mut bits = value.data.len() as u64 * 8;
        let legacy = legacy_des_size(o.obj_type, o.max_bits);
        if legacy {
            bits -= bits / 8;
        }
        if bits > u64::from(o.max_bits) {
            return Err(TeeError::BadState);
        }
        // OP-TEE 4.5 also holds the value to the type's sizes.
        if check_key_size(o.obj_type, bits as u32).is_err() {
            return Err(TeeError::BadParameters);
        }
        o.wipe();
        o.secret.extend_from_slice(&value.data);
        // Upstream takes the parity bits off a legacy size once more
        // after the size check (`tee_svc_cryp_obj_populate_type`, 4.5.0).
        o.key_bits = if legacy { bits as u32 - bits as u32 / 8 } else { bits as u32 };
        o.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_OBJ_COPY`: the value of `src` into the uninitialised `dst`.
    pub fn obj_copy(&mut self, dst: u32, src: u32) -> Result<(), TeeError> {
        let d = self.obj(dst)?;
        let s = self.obj(src)?;
        if !s.initialized() || d.initialized() {
            return Err(TeeError::BadParameters);
        }
        if d.obj_type != TYPE_DATA && (asym::is_asym_type(d.obj_type) || asym::is_asym_type(s.obj_type)) {
            return self.asym_copy(dst, src);
        }
        let (secret, bits, usage) = if d.obj_type == TYPE_DATA {
            (Vec::new(), s.key_bits, s.usage)
        } else {
            if d.obj_type != s.obj_type {
                return Err(TeeError::BadParameters);
            }
            if s.secret.len() > d.capacity {
                return Err(TeeError::BadState);
            }
            (s.secret.clone(), s.key_bits, s.usage)
        };
        let d = self.obj_mut(dst)?;
        d.wipe();
        d.secret = secret;
        d.key_bits = bits;
        d.usage = usage;
        d.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_OBJ_GENERATE_KEY` for secret types: `key_bits` random bits.
    pub fn obj_generate_key(
        &mut self,
        h: u32,
        key_bits: u32,
        attrs: &[Attr],
        random: &mut dyn FnMut(&mut [u8]),
    ) -> Result<(), TeeError> {
        let o = self.obj_mut(h)?;
        if o.initialized() {
            return Err(TeeError::BadState);
        }
        if asym::is_asym_type(o.obj_type) {
            return self.asym_generate(h, key_bits, attrs);
        }
        check_key_size(o.obj_type, key_bits)?;
        // Secret types take no generation attributes.
        if !attrs.is_empty() {
            return Err(TeeError::ItemNotFound);
        }
        let bytes = (key_bits / 8) as usize;
        if bytes > o.capacity {
            return Err(TeeError::ExcessData);
        }
        o.wipe();
        o.secret.resize(bytes, 0);
        random(&mut o.secret);
        o.key_bits = key_bits;
        o.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::testing::secret;

    #[test]
    fn object_life_cycle() {
        let mut st = CryptoState::new();
        assert_eq!(st.obj_alloc(TYPE_AES, 100), Err(TeeError::NotSupported));
        assert_eq!(st.obj_alloc(TYPE_AES, 512), Err(TeeError::NotSupported));
        assert_eq!(st.obj_alloc(0x1234, 128), Err(TeeError::NotSupported));
        let o = st.obj_alloc(TYPE_AES, 256).unwrap();
        let info = st.obj_info(o).unwrap();
        assert_eq!(&info[..4], &TYPE_AES.to_le_bytes());
        assert_eq!(&info[8..12], &256u32.to_le_bytes());
        assert_eq!(&info[24..], &[0; 4]);
        assert_eq!(st.obj_populate(o, &[]), Err(TeeError::ItemNotFound));
        assert_eq!(
            st.obj_populate(o, &[Attr { id: 0xD000_0001, data: alloc::vec![0; 16] }]),
            Err(TeeError::ItemNotFound)
        );
        assert_eq!(st.obj_populate(o, &secret(&[0; 33])), Err(TeeError::Security));
        st.obj_populate(o, &secret(&[7; 16])).unwrap();
        assert_eq!(st.obj_populate(o, &secret(&[7; 16])), Err(TeeError::BadParameters), "already initialised");
        let info = st.obj_info(o).unwrap();
        assert_eq!(&info[4..8], &128u32.to_le_bytes());
        assert_eq!(&info[12..16], &USAGE_DEFAULT.to_le_bytes());
        assert_eq!(&info[24..], &HANDLE_FLAG_INITIALIZED.to_le_bytes());
        assert_eq!(st.obj_get_attr(o, ATTR_SECRET_VALUE).unwrap(), &[7; 16]);
        st.obj_restrict_usage(o, !USAGE_EXTRACTABLE).unwrap();
        assert_eq!(st.obj_get_attr(o, ATTR_SECRET_VALUE), Err(TeeError::BadParameters));
        st.obj_reset(o).unwrap();
        assert_eq!(&st.obj_info(o).unwrap()[24..], &[0; 4]);
        assert_eq!(st.obj_get_attr(o, ATTR_SECRET_VALUE), Err(TeeError::BadParameters));
        // max 128 bits but a 192-bit value: BAD_STATE.
        let small = st.obj_alloc(TYPE_AES, 128).unwrap();
        assert_eq!(st.obj_populate(small, &secret(&[0; 24])), Err(TeeError::BadState));
        // Within the maximum but not an AES size: BAD_PARAMETERS.
        assert_eq!(st.obj_populate(small, &secret(&[0; 8])), Err(TeeError::BadParameters));
        let h = st.obj_alloc(TYPE_HMAC_SHA256, 1024).unwrap();
        assert_eq!(st.obj_populate(h, &secret(&[0; 20])), Err(TeeError::BadParameters), "below 192 bits");
        st.obj_close(h).unwrap();
        // Copy and generate.
        let g = st.obj_alloc(TYPE_GENERIC_SECRET, 256).unwrap();
        st.obj_generate_key(g, 256, &[], &mut |b| b.fill(0x5a)).unwrap();
        assert_eq!(st.obj_get_attr(g, ATTR_SECRET_VALUE).unwrap(), &[0x5a; 32]);
        assert_eq!(st.obj_generate_key(g, 256, &[], &mut |_| {}), Err(TeeError::BadState));
        let g2 = st.obj_alloc(TYPE_GENERIC_SECRET, 512).unwrap();
        st.obj_copy(g2, g).unwrap();
        assert_eq!(st.obj_get_attr(g2, ATTR_SECRET_VALUE).unwrap(), &[0x5a; 32]);
        assert_eq!(st.obj_copy(o, g), Err(TeeError::BadParameters), "different types");
        for h in [o, small, g, g2] {
            st.obj_close(h).unwrap();
        }
        assert_eq!(st.obj_close(o), Err(TeeError::BadState));
        assert!(st.is_empty());
    }
}
