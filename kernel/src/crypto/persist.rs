//! Key objects as the storage service keeps them: a transient object's
//! type, sizes and attributes exported as bytes for a persistent object's
//! file, and an object rebuilt from them for the calls that read a
//! persistent key (`CRYP_OBJ_COPY` from it, as `TEE_SetOperationKey` does,
//! and `CRYP_OBJ_GET_ATTR`). Upstream keeps the same things in its
//! `tee_svc_storage_head` and `tee_obj_attr_to_binary` block (optee_os
//! 4.5.0 `core/tee/tee_svc_storage.c`, `core/tee/tee_svc_cryp.c`).
//!
//! The bytes are `count u32`, then per attribute `id u32, len u32, value`
//! (little endian). They hold key material: always in `Zeroizing`. The
//! storage service authenticates them (AES-GCM) before they come back, so
//! a parse failure means a kernel bug or an old format: CORRUPT_OBJECT.

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::asym::{self, attrs::AsymKey};
use super::object::{secret_attr, secret_props};
use super::{CryptoState, HANDLE_FLAG_INITIALIZED, Object, TYPE_DATA};

/// What `utee_object_info` says of a key object besides its usage and
/// data stream: `objectType`, `objectSize`, `maxObjectSize`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyMeta {
    pub obj_type: u32,
    pub key_bits: u32,
    pub max_bits: u32,
}

impl KeyMeta {
    /// A data object's: `TEE_TYPE_DATA`, no sizes.
    pub const DATA: KeyMeta = KeyMeta { obj_type: TYPE_DATA, key_bits: 0, max_bits: 0 };
}

fn put(out: &mut Vec<u8>, id: u32, value: &[u8]) -> Result<(), TeeError> {
    out.try_reserve(8 + value.len()).map_err(|_| TeeError::OutOfMemory)?;
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value);
    Ok(())
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, TeeError> {
    let bytes = b.get(at..at + 4).ok_or(TeeError::CorruptObject)?;
    Ok(u32::from_le_bytes(bytes.try_into().map_err(|_| TeeError::CorruptObject)?))
}

/// The attributes in `blob`, as (id, value) slices.
fn parse(blob: &[u8]) -> Result<Vec<(u32, &[u8])>, TeeError> {
    let count = u32_at(blob, 0)? as usize;
    // Each attribute takes at least 8 bytes: a count past that is corrupt.
    if count > blob.len() / 8 {
        return Err(TeeError::CorruptObject);
    }
    let mut out = Vec::new();
    out.try_reserve_exact(count).map_err(|_| TeeError::OutOfMemory)?;
    let mut at = 4;
    for _ in 0..count {
        let (id, len) = (u32_at(blob, at)?, u32_at(blob, at + 4)? as usize);
        let value = blob.get(at + 8..at + 8 + len).ok_or(TeeError::CorruptObject)?;
        out.push((id, value));
        at += 8 + len;
    }
    if at != blob.len() {
        return Err(TeeError::CorruptObject);
    }
    Ok(out)
}

impl CryptoState {
    /// Object `h` for a persistent object's file: its type and sizes, its
    /// usage and its attributes. Upstream's `syscall_storage_obj_create`:
    /// the object must be initialised (BAD_PARAMETERS).
    pub fn obj_export(&self, h: u32) -> Result<(KeyMeta, u32, Zeroizing<Vec<u8>>), TeeError> {
        let o = self.obj(h)?;
        if !o.initialized() {
            return Err(TeeError::BadParameters);
        }
        let mut blob = Zeroizing::new(Vec::new());
        let mut count = 0u32;
        blob.extend_from_slice(&[0; 4]);
        if let Some(key) = o.asym.as_deref() {
            for (id, value) in key.values() {
                put(&mut blob, id, value)?;
                count += 1;
            }
        } else if secret_props(o.obj_type).is_some() {
            put(&mut blob, secret_attr(o.obj_type), &o.secret)?;
            count = 1;
        }
        blob[..4].copy_from_slice(&count.to_le_bytes());
        Ok((KeyMeta { obj_type: o.obj_type, key_bits: o.key_bits, max_bits: o.max_bits }, o.usage, blob))
    }

    /// An initialised object rebuilt from what [`CryptoState::obj_export`]
    /// gave, with `usage` (the persistent object's), under a new handle.
    /// The caller closes it when done (its bytes are wiped then).
    pub fn obj_import(&mut self, meta: &KeyMeta, usage: u32, blob: &[u8]) -> Result<u32, TeeError> {
        let attrs = parse(blob)?;
        let capacity = secret_props(meta.obj_type).map_or(0, |p| p.3);
        let mut o = Object::new(meta.obj_type, meta.max_bits, capacity);
        if asym::is_asym_type(meta.obj_type) {
            let mut key = Box::<AsymKey>::default();
            for (id, value) in attrs {
                key.set(id, value.to_vec());
            }
            o.asym = Some(key);
        } else if secret_props(meta.obj_type).is_some() {
            match attrs[..] {
                [(id, value)] if id == secret_attr(meta.obj_type) && value.len() <= capacity => {
                    o.secret.extend_from_slice(value)
                }
                _ => return Err(TeeError::CorruptObject),
            }
        } else if meta.obj_type != TYPE_DATA || !attrs.is_empty() {
            return Err(TeeError::CorruptObject);
        }
        o.key_bits = meta.key_bits;
        o.usage = usage;
        o.flags = HANDLE_FLAG_INITIALIZED;
        self.insert(o)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::testing::secret_key;
    use crate::crypto::{ATTR_SECRET_VALUE, TYPE_AES};
    use tee_abi::gp::object_type::X25519_KEYPAIR;

    /// An AES key goes out and comes back whole: type, sizes, value, the
    /// usage it is given; a copy from it (SetOperationKey) works.
    #[test]
    fn secret_keys_round_trip() {
        let mut st = CryptoState::new();
        let k = secret_key(&mut st, TYPE_AES, 256, &[0x42; 32]);
        let (meta, usage, blob) = st.obj_export(k).unwrap();
        assert_eq!(meta, KeyMeta { obj_type: TYPE_AES, key_bits: 256, max_bits: 256 });
        assert_eq!(usage, crate::crypto::USAGE_DEFAULT);
        assert!(blob.windows(32).any(|w| w == [0x42; 32]));
        let back = st.obj_import(&meta, 0xF0, &blob).unwrap();
        assert_eq!(st.obj_info(back).unwrap(), {
            let mut want = st.obj_info(k).unwrap();
            want[12..16].copy_from_slice(&0xF0u32.to_le_bytes());
            want
        });
        let dst = st.obj_alloc(TYPE_AES, 256).unwrap();
        st.obj_copy(dst, back).unwrap();
        st.obj_restrict_usage(dst, 0xFFFF_FFFF).unwrap();
        assert_eq!(&st.obj_info(dst).unwrap()[12..16], &0xF0u32.to_le_bytes(), "usage copied");
        let full = st.obj_import(&meta, 0xFFFF_FFFF, &blob).unwrap();
        assert_eq!(st.obj_get_attr(full, ATTR_SECRET_VALUE).unwrap(), &[0x42; 32]);
        // Uninitialised: nothing to store.
        let empty = st.obj_alloc(TYPE_AES, 128).unwrap();
        assert_eq!(st.obj_export(empty).err(), Some(TeeError::BadParameters));
        assert_eq!(st.obj_export(0x7777).err(), Some(TeeError::BadState));
    }

    /// An asymmetric keypair keeps every attribute; the rebuilt object can
    /// be copied as the original.
    #[test]
    fn asymmetric_keys_round_trip() {
        let mut st = CryptoState::new();
        let k = st.obj_alloc(X25519_KEYPAIR, 256).unwrap();
        st.obj_generate_key(k, 256, &[], &mut |b| b.fill(1)).unwrap();
        let (meta, usage, blob) = st.obj_export(k).unwrap();
        let back = st.obj_import(&meta, usage, &blob).unwrap();
        for id in [tee_abi::gp::attr::X25519_PUBLIC_VALUE, tee_abi::gp::attr::X25519_PRIVATE_VALUE] {
            assert_eq!(st.obj_get_attr_value(back, id).unwrap(), st.obj_get_attr_value(k, id).unwrap());
        }
        let copy = st.obj_alloc(X25519_KEYPAIR, 256).unwrap();
        st.obj_copy(copy, back).unwrap();
        let id = tee_abi::gp::attr::X25519_PRIVATE_VALUE;
        assert_eq!(st.obj_get_attr_value(copy, id).unwrap(), st.obj_get_attr_value(k, id).unwrap());
    }

    /// Bytes that do not parse are CORRUPT_OBJECT, never a panic or a
    /// huge allocation.
    #[test]
    fn malformed_bytes_are_corrupt() {
        let mut st = CryptoState::new();
        let aes = KeyMeta { obj_type: TYPE_AES, key_bits: 128, max_bits: 128 };
        let mut one = Vec::from(&1u32.to_le_bytes()[..]);
        one.extend_from_slice(&ATTR_SECRET_VALUE.to_le_bytes());
        one.extend_from_slice(&16u32.to_le_bytes());
        one.extend_from_slice(&[9; 16]);
        assert!(st.obj_import(&aes, 0, &one).is_ok());
        for bad in [&one[..one.len() - 1], &one[..3], &[0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0][..]] {
            assert_eq!(st.obj_import(&aes, 0, bad), Err(TeeError::CorruptObject));
        }
        let mut long = one.clone();
        long.push(0);
        assert_eq!(st.obj_import(&aes, 0, &long), Err(TeeError::CorruptObject), "trailing bytes");
        let mut wrong = one.clone();
        wrong[4] ^= 1;
        assert_eq!(st.obj_import(&aes, 0, &wrong), Err(TeeError::CorruptObject), "not the secret attribute");
        assert_eq!(st.obj_import(&KeyMeta::DATA, 0, &one), Err(TeeError::CorruptObject));
        assert!(st.obj_import(&KeyMeta::DATA, 0, &0u32.to_le_bytes()).is_ok());
    }
}
