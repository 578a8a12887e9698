//! The kernel-side GP property sets (`TEE_SCN_GET_PROPERTY` and
//! `TEE_SCN_GET_PROPERTY_NAME_TO_INDEX`): the current client, the current
//! TA and the TEE implementation, indexed as upstream does.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use crate::session::{ClientIdentity, Uuid};

/// `TEE_PROPSET_TEE_IMPLEMENTATION`.
pub const PROPSET_TEE_IMPLEMENTATION: u32 = 0xffff_fffd;
/// `TEE_PROPSET_CURRENT_CLIENT`.
pub const PROPSET_CURRENT_CLIENT: u32 = 0xffff_fffe;
/// `TEE_PROPSET_CURRENT_TA`.
pub const PROPSET_CURRENT_TA: u32 = 0xffff_ffff;

/// `USER_TA_PROP_TYPE_*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum PropType {
    /// `bool`, one byte.
    Bool = 0,
    /// `u32`.
    U32 = 1,
    /// `TEE_UUID`.
    Uuid = 2,
    /// `TEE_Identity`.
    Identity = 3,
    /// NUL-terminated string.
    String = 4,
}

/// What a property lookup needs to know about the caller.
pub struct PropContext {
    /// The session's client.
    pub client: ClientIdentity,
    /// The TA's own UUID.
    pub ta: Uuid,
}

const IMPLEMENTATION: &[(&str, PropType, &[u8])] = &[
    ("gpd.tee.apiversion", PropType::String, b"1.3.1\0"),
    ("gpd.tee.description", PropType::String, b"tz: memory-safe OP-TEE-compatible TEE\0"),
    (
        "gpd.tee.deviceID",
        PropType::Uuid,
        &[0x7a, 0x5e, 0x11, 0x0b, 0x2c, 0x4d, 0x5f, 0x50, 0x8e, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07],
    ),
    ("gpd.tee.systemTime.protectionLevel", PropType::U32, &1000u32.to_le_bytes()),
    ("gpd.tee.TAPersistentTime.protectionLevel", PropType::U32, &100u32.to_le_bytes()),
    ("gpd.tee.cryptography.ecc", PropType::Bool, &[0]),
    ("gpd.tee.trustedStorage.antiRollback.protectionLevel", PropType::U32, &0u32.to_le_bytes()),
    ("gpd.tee.trustedos.implementation.version", PropType::String, concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()),
    ("gpd.tee.trustedos.implementation.binaryversion", PropType::U32, &1u32.to_le_bytes()),
    ("gpd.tee.trustedos.manufacturer", PropType::String, b"tz project\0"),
    ("gpd.tee.firmware.implementation.version", PropType::String, concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()),
    ("gpd.tee.firmware.implementation.binaryversion", PropType::U32, &1u32.to_le_bytes()),
    ("gpd.tee.firmware.manufacturer", PropType::String, b"tz project\0"),
];

/// Property `index` of `set`: its name, type and value bytes.
pub fn get(ctx: &PropContext, set: u32, index: u32) -> Result<(&'static str, PropType, Vec<u8>), TeeError> {
    let i = index as usize;
    match set {
        PROPSET_CURRENT_CLIENT => match i {
            0 => {
                let mut v = Vec::with_capacity(20);
                v.extend_from_slice(&ctx.client.login.to_le_bytes());
                v.extend_from_slice(&tee_abi::uuid::Uuid::from_octets(ctx.client.uuid).to_struct_bytes());
                Ok(("gpd.client.identity", PropType::Identity, v))
            }
            1 => Ok(("gpd.client.endian", PropType::U32, 0u32.to_le_bytes().to_vec())),
            _ => Err(TeeError::ItemNotFound),
        },
        PROPSET_CURRENT_TA => match i {
            0 => Ok((
                "gpd.ta.appID",
                PropType::Uuid,
                tee_abi::uuid::Uuid::from_octets(ctx.ta).to_struct_bytes().to_vec(),
            )),
            _ => Err(TeeError::ItemNotFound),
        },
        PROPSET_TEE_IMPLEMENTATION => {
            IMPLEMENTATION.get(i).map(|(name, ty, v)| (*name, *ty, v.to_vec())).ok_or(TeeError::ItemNotFound)
        }
        _ => Err(TeeError::BadParameters),
    }
}

/// The index of property `name` in `set`.
pub fn index_of(ctx: &PropContext, set: u32, name: &str) -> Result<u32, TeeError> {
    (0..)
        .map_while(|i| get(ctx, set, i).ok().map(|(n, ..)| (i, n)))
        .find(|(_, n)| *n == name)
        .map(|(i, _)| i)
        .ok_or(TeeError::ItemNotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PropContext {
        PropContext {
            client: ClientIdentity { login: 0, uuid: [0; 16] },
            ta: tee_abi::uuid::Uuid::must("8aaaf200-2450-11e4-abe2-0002a5d5c51b").to_octets(),
        }
    }

    #[test]
    fn app_id_is_a_tee_uuid_struct() {
        let (name, ty, v) = get(&ctx(), PROPSET_CURRENT_TA, 0).unwrap();
        assert_eq!((name, ty), ("gpd.ta.appID", PropType::Uuid));
        assert_eq!(v[..4], 0x8aaa_f200u32.to_le_bytes());
        assert_eq!(v[4..6], 0x2450u16.to_le_bytes());
    }

    #[test]
    fn lookup_by_name_and_end_of_set() {
        let c = ctx();
        assert_eq!(index_of(&c, PROPSET_CURRENT_CLIENT, "gpd.client.endian"), Ok(1));
        assert_eq!(index_of(&c, PROPSET_TEE_IMPLEMENTATION, "gpd.tee.cryptography.ecc"), Ok(5));
        assert_eq!(
            index_of(&c, PROPSET_TEE_IMPLEMENTATION, "org.trustedfirmware.optee.cpu.feat_memtag_implemented"),
            Err(TeeError::ItemNotFound)
        );
        assert_eq!(get(&c, PROPSET_CURRENT_TA, 1).unwrap_err(), TeeError::ItemNotFound);
        assert_eq!(get(&c, 7, 0).unwrap_err(), TeeError::BadParameters);
        let (_, ty, v) = get(&c, PROPSET_CURRENT_CLIENT, 0).unwrap();
        assert_eq!((ty, v.len()), (PropType::Identity, 20));
    }
}
