//! The system pseudo-TA as a user TA reaches it (`PTA_SYSTEM_UUID`,
//! upstream's `core/pta/system.c`): MAP_ZI and UNMAP, which the TA library
//! (libutee's `tee_map_zi`/`tee_unmap`, ta-sdk's `SharedMapping`) uses for
//! the shareable bounce buffers of TA-to-TA memrefs. It is served inside the
//! calling instance, whose address space it changes (`Instance::map_zi`).
//! ADD_RNG_ENTROPY mixes the TA's bytes into the kernel RNG as untrusted
//! material (`rng::Source::Untrusted`). DERIVE_TA_UNIQUE_KEY gives a TA a
//! key of its own derived from the hardware unique key (`crate::huk`).
//! SUPP_PLUGIN_INVOKE calls a tee-supplicant plugin (`super::supp_plugin`).
//! The other commands of upstream's system PTA are not implemented.

use tee_abi::result::TeeError;

use crate::msg::Dir;
use crate::params::{TaParam, TaParams};
use crate::session::Uuid;

/// `PTA_SYSTEM_DLOPEN`.
pub const CMD_DLOPEN: u32 = tee_abi::pta::SYSTEM_CMD_DLOPEN;
/// `PTA_SYSTEM_DLSYM`.
pub const CMD_DLSYM: u32 = tee_abi::pta::SYSTEM_CMD_DLSYM;
/// `PTA_SYSTEM_UUID`.
pub const UUID: Uuid = tee_abi::pta::SYSTEM_UUID.to_octets();
/// `PTA_SYSTEM_ADD_RNG_ENTROPY`: in: memref0, the entropy.
pub const CMD_ADD_RNG_ENTROPY: u32 = 0;
/// `PTA_SYSTEM_DERIVE_TA_UNIQUE_KEY`.
pub const CMD_DERIVE_TA_UNIQUE_KEY: u32 = tee_abi::pta::SYSTEM_CMD_DERIVE_TA_UNIQUE_KEY;
/// `PTA_SYSTEM_SUPP_PLUGIN_INVOKE`.
pub const CMD_SUPP_PLUGIN_INVOKE: u32 = tee_abi::pta::SYSTEM_CMD_SUPP_PLUGIN_INVOKE;
/// `PTA_SYSTEM_MAP_ZI`: in: value0 (bytes, flags), in/out: value1 (VA
/// high, low; 0 = anywhere), in: value2 (padding before, after).
pub const CMD_MAP_ZI: u32 = 2;
/// `PTA_SYSTEM_UNMAP`: in: value0.a bytes, in: value1 (VA high, low).
pub const CMD_UNMAP: u32 = 3;
/// `PTA_SYSTEM_MAP_FLAG_SHAREABLE`: the memory may be passed to other TAs.
const FLAG_SHAREABLE: u32 = 1;
/// Largest single mapping (bounce buffers for memrefs up to this size).
pub const MAX_MAP_BYTES: u64 = 8 << 20;

/// A decoded request.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// Map `len` zeroed bytes (whole pages), shareable or private.
    MapZi { len: u64, shareable: bool },
    /// Unmap what a MAP_ZI of `len` bytes returned at `va`.
    Unmap { va: u64, len: u64 },
}

/// Parameter `i` as a value of direction `want` (upstream compares the
/// parameter types exactly).
fn value(params: &TaParams, i: usize, want: Dir) -> Result<(u32, u32), TeeError> {
    match &params.0[i] {
        TaParam::Value { dir, a, b } if *dir == want => Ok((*a, *b)),
        _ => Err(TeeError::BadParameters),
    }
}

fn none(params: &TaParams, i: usize) -> Result<(), TeeError> {
    if matches!(params.0[i], TaParam::None) { Ok(()) } else { Err(TeeError::BadParameters) }
}

/// Checks the parameter types and values as upstream does.
pub fn decode(cmd: u32, params: &TaParams) -> Result<Request, TeeError> {
    match cmd {
        CMD_MAP_ZI => {
            let (len, flags) = value(params, 0, Dir::In)?;
            // value1 must be INOUT: the address comes back in it.
            let (hint_hi, hint_lo) = value(params, 1, Dir::InOut)?;
            let (pad_begin, pad_end) = value(params, 2, Dir::In)?;
            none(params, 3)?;
            if flags & !FLAG_SHAREABLE != 0 || len == 0 || u64::from(len) > MAX_MAP_BYTES {
                return Err(TeeError::BadParameters);
            }
            // Placement requests are not supported: libutee never makes them.
            if (hint_hi, hint_lo, pad_begin, pad_end) != (0, 0, 0, 0) {
                return Err(TeeError::NotSupported);
            }
            Ok(Request::MapZi { len: u64::from(len), shareable: flags & FLAG_SHAREABLE != 0 })
        }
        CMD_UNMAP => {
            let (len, reserved) = value(params, 0, Dir::In)?;
            let (hi, lo) = value(params, 1, Dir::In)?;
            none(params, 2)?;
            none(params, 3)?;
            // value0.b is reserved: upstream refuses anything but 0
            // (`system_unmap`, core/pta/system.c, 4.5.0).
            if reserved != 0 {
                return Err(TeeError::BadParameters);
            }
            Ok(Request::Unmap { va: u64::from(hi) << 32 | u64::from(lo), len: u64::from(len) })
        }
        _ => Err(TeeError::NotSupported),
    }
}

/// ADD_RNG_ENTROPY's input: exactly (MEMREF_INPUT, NONE, NONE, NONE), not
/// NULL, not empty (upstream 4.5.0 `core/pta/system.c`, `system_rng_reseed`).
pub fn entropy_input(params: &TaParams) -> Result<&[u8], TeeError> {
    (1..4).try_for_each(|i| none(params, i))?;
    match &params.0[0] {
        TaParam::Memref { dir: Dir::In, buf, size, .. } if *size != 0 && !buf.is_empty() => {
            Ok(&buf[..buf.len().min(usize::try_from(*size).unwrap_or(usize::MAX))])
        }
        _ => Err(TeeError::BadParameters),
    }
}

/// Serves ADD_RNG_ENTROPY: mixed in, never trusted on its own.
pub fn add_rng_entropy(params: &TaParams) -> Result<(), TeeError> {
    crate::rng::add_entropy(crate::rng::Source::Untrusted, entropy_input(params)?);
    Ok(())
}

/// Serves DERIVE_TA_UNIQUE_KEY for TA `ta` as upstream 4.5.0 does
/// (`core/pta/system.c`, `system_derive_ta_unique_key`): exactly
/// (MEMREF_INPUT, MEMREF_OUTPUT, NONE, NONE); extra data of at most 1024
/// bytes and a key of 16 to 32 bytes, else BAD_PARAMETERS; a key buffer
/// that is not secure memory (`key_buffer_secure` false: the TA passed on
/// its normal-world client's buffer) is SECURITY. The key is the HUK
/// subkey for `UNIQUE_TA` over the TA's `TEE_UUID` (its in-memory layout,
/// as upstream hashes it) followed by the extra data.
pub fn derive_ta_unique_key(ta: &Uuid, params: &mut TaParams, key_buffer_secure: bool) -> Result<(), TeeError> {
    use tee_abi::pta::{TA_DERIVED_EXTRA_DATA_MAX_SIZE, TA_DERIVED_KEY_MAX_SIZE, TA_DERIVED_KEY_MIN_SIZE};
    (2..4).try_for_each(|i| none(params, i))?;
    let [extra_param, key_param, ..] = &mut params.0;
    let (
        TaParam::Memref { dir: Dir::In, buf: extra, size: extra_size, .. },
        TaParam::Memref { dir: Dir::Out, buf: key, size: key_size, .. },
    ) = (extra_param, key_param)
    else {
        return Err(TeeError::BadParameters);
    };
    let (extra_len, key_len) =
        (usize::try_from(*extra_size).unwrap_or(usize::MAX), usize::try_from(*key_size).unwrap_or(usize::MAX));
    if extra_len > TA_DERIVED_EXTRA_DATA_MAX_SIZE
        || !(TA_DERIVED_KEY_MIN_SIZE..=TA_DERIVED_KEY_MAX_SIZE).contains(&key_len)
    {
        return Err(TeeError::BadParameters);
    }
    if !key_buffer_secure {
        return Err(TeeError::Security);
    }
    let (Some(extra), Some(out)) = (extra.get(..extra_len), key.get_mut(..key_len)) else {
        return Err(TeeError::BadParameters);
    };
    let uuid = tee_abi::uuid::Uuid::from_octets(*ta).to_struct_bytes();
    crate::huk::derive_subkey(crate::huk::SubkeyUsage::UniqueTa, &[&uuid, extra], out)
}

/// DLOPEN's input (`system_dlopen`, core/pta/system.c, 4.5.0): exactly
/// (MEMREF_INPUT of a `TEE_UUID`, VALUE_INPUT flags, NONE, NONE). The flags
/// are not used (upstream passes them on and ignores them too).
pub fn dlopen_args(params: &TaParams) -> Result<tee_abi::uuid::Uuid, TeeError> {
    value(params, 1, Dir::In)?;
    none(params, 2)?;
    none(params, 3)?;
    uuid_memref(params)
}

/// DLSYM's input (`system_dlsym`): (MEMREF_INPUT `TEE_UUID`, MEMREF_INPUT
/// name, VALUE_OUTPUT, NONE). The name ends at its first NUL or its size.
pub fn dlsym_args(params: &TaParams) -> Result<(tee_abi::uuid::Uuid, &[u8]), TeeError> {
    none(params, 3)?;
    if !matches!(params.0[2], TaParam::Value { dir: Dir::Out, .. }) {
        return Err(TeeError::BadParameters);
    }
    let uuid = uuid_memref(params)?;
    let TaParam::Memref { dir: Dir::In, buf, size, .. } = &params.0[1] else {
        return Err(TeeError::BadParameters);
    };
    let name = &buf[..buf.len().min(usize::try_from(*size).unwrap_or(usize::MAX))];
    let name = name.split(|&b| b == 0).next().unwrap_or_default();
    Ok((uuid, name))
}

/// Writes DLSYM's address into value2.
pub fn set_dlsym_value(params: &mut TaParams, va: u64) {
    if let TaParam::Value { a, b, .. } = &mut params.0[2] {
        *a = (va >> 32) as u32;
        *b = va as u32;
    }
}

fn uuid_memref(params: &TaParams) -> Result<tee_abi::uuid::Uuid, TeeError> {
    match &params.0[0] {
        TaParam::Memref { dir: Dir::In, buf, size: 16, .. } => {
            let bytes: [u8; 16] = buf.get(..16).and_then(|b| b.try_into().ok()).ok_or(TeeError::BadParameters)?;
            Ok(tee_abi::uuid::Uuid::from_struct_bytes(bytes))
        }
        _ => Err(TeeError::BadParameters),
    }
}

/// Writes the mapped address into MAP_ZI's value1.
pub fn set_address(params: &mut TaParams, va: u64) {
    if let TaParam::Value { a, b, .. } = &mut params.0[1] {
        *a = (va >> 32) as u32;
        *b = va as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(dir: Dir, a: u32, b: u32) -> TaParam {
        TaParam::Value { dir, a, b }
    }

    fn map_zi(len: u32, flags: u32, second: Dir) -> TaParams {
        TaParams([v(Dir::In, len, flags), v(second, 0, 0), v(Dir::In, 0, 0), TaParam::None])
    }

    #[test]
    fn map_zi_is_checked_like_upstream() {
        assert_eq!(decode(CMD_MAP_ZI, &map_zi(100, 1, Dir::InOut)), Ok(Request::MapZi { len: 100, shareable: true }));
        assert_eq!(decode(CMD_MAP_ZI, &map_zi(100, 0, Dir::InOut)), Ok(Request::MapZi { len: 100, shareable: false }));
        // value1 must carry the address back; unknown flags, empty and huge maps are refused.
        assert_eq!(decode(CMD_MAP_ZI, &map_zi(100, 1, Dir::In)), Err(TeeError::BadParameters));
        assert_eq!(decode(CMD_MAP_ZI, &map_zi(100, 2, Dir::InOut)), Err(TeeError::BadParameters));
        assert_eq!(decode(CMD_MAP_ZI, &map_zi(0, 1, Dir::InOut)), Err(TeeError::BadParameters));
        assert_eq!(decode(CMD_MAP_ZI, &map_zi(u32::MAX, 1, Dir::InOut)), Err(TeeError::BadParameters));
        let mut p = map_zi(100, 1, Dir::InOut);
        set_address(&mut p, 0x1_8000_2000);
        assert_eq!(p.0[1], v(Dir::InOut, 1, 0x8000_2000));
    }

    fn memref(dir: Dir, bytes: &[u8]) -> TaParam {
        TaParam::Memref { dir, buf: bytes.to_vec(), size: bytes.len() as u64, source: crate::params::NsBuffer::Null }
    }

    #[test]
    fn add_rng_entropy_is_checked_like_upstream() {
        let ok = TaParams([memref(Dir::In, b"entropy"), TaParam::None, TaParam::None, TaParam::None]);
        assert_eq!(entropy_input(&ok), Ok(&b"entropy"[..]));
        assert_eq!(add_rng_entropy(&ok), Ok(()));
        let bad = [
            TaParams([memref(Dir::In, b""), TaParam::None, TaParam::None, TaParam::None]),
            TaParams([memref(Dir::InOut, b"x"), TaParam::None, TaParam::None, TaParam::None]),
            TaParams([v(Dir::In, 1, 2), TaParam::None, TaParam::None, TaParam::None]),
            TaParams([memref(Dir::In, b"x"), v(Dir::In, 0, 0), TaParam::None, TaParam::None]),
        ];
        for p in &bad {
            assert_eq!(add_rng_entropy(p), Err(TeeError::BadParameters));
        }
    }

    fn derive(extra: &[u8], key_len: usize) -> TaParams {
        TaParams([memref(Dir::In, extra), memref(Dir::Out, &alloc::vec![0; key_len]), TaParam::None, TaParam::None])
    }

    fn key_of(p: &TaParams) -> alloc::vec::Vec<u8> {
        let TaParam::Memref { buf, .. } = &p.0[1] else { panic!("memref") };
        buf.clone()
    }

    const TA_A: Uuid = [1; 16];
    const TA_B: Uuid = [2; 16];

    #[test]
    fn derived_ta_keys_are_stable_and_separate_tas_and_extra_data() {
        let mut a1 = derive(b"", 32);
        let mut a2 = derive(b"", 32);
        derive_ta_unique_key(&TA_A, &mut a1, true).unwrap();
        derive_ta_unique_key(&TA_A, &mut a2, true).unwrap();
        assert_eq!(key_of(&a1), key_of(&a2));
        assert_ne!(key_of(&a1), [0; 32]);
        let mut b = derive(b"", 32);
        derive_ta_unique_key(&TA_B, &mut b, true).unwrap();
        assert_ne!(key_of(&a1), key_of(&b), "another TA, another key");
        let mut extra = derive(b"My dummy data", 32);
        derive_ta_unique_key(&TA_A, &mut extra, true).unwrap();
        assert_ne!(key_of(&a1), key_of(&extra));
        // The exact construction: HUK subkey UNIQUE_TA over TEE_UUID || extra.
        let mut want = [0u8; 32];
        let uuid = tee_abi::uuid::Uuid::from_octets(TA_A).to_struct_bytes();
        crate::huk::derive_subkey(crate::huk::SubkeyUsage::UniqueTa, &[&uuid, b"My dummy data"], &mut want).unwrap();
        assert_eq!(key_of(&extra), want);
    }

    #[test]
    fn derive_ta_unique_key_limits_are_upstreams() {
        for len in 0..64 {
            let mut p = derive(b"x", len);
            let r = derive_ta_unique_key(&TA_A, &mut p, true);
            assert_eq!(r.is_ok(), (16..=32).contains(&len), "key length {len}");
            if r.is_err() {
                assert_eq!(r, Err(TeeError::BadParameters));
            }
        }
        assert_eq!(derive_ta_unique_key(&TA_A, &mut derive(&[0; 1024], 16), true), Ok(()));
        assert_eq!(derive_ta_unique_key(&TA_A, &mut derive(&[0; 1025], 16), true), Err(TeeError::BadParameters));
        // Sizes are checked before where the key would go.
        assert_eq!(derive_ta_unique_key(&TA_A, &mut derive(b"", 33), false), Err(TeeError::BadParameters));
        let mut ns = derive(&[0; 32], 32);
        assert_eq!(derive_ta_unique_key(&TA_A, &mut ns, false), Err(TeeError::Security));
        assert_eq!(key_of(&ns), [0; 32], "nothing is written for the normal world");
        let mut wrong = derive(b"", 32);
        wrong.0[2] = v(Dir::In, 0, 0);
        assert_eq!(derive_ta_unique_key(&TA_A, &mut wrong, true), Err(TeeError::BadParameters));
        let mut swapped = TaParams([memref(Dir::Out, b""), memref(Dir::In, &[0; 32]), TaParam::None, TaParam::None]);
        assert_eq!(derive_ta_unique_key(&TA_A, &mut swapped, true), Err(TeeError::BadParameters));
    }

    #[test]
    fn dlopen_and_dlsym_are_checked_like_upstream() {
        let u = tee_abi::uuid::Uuid::must("b3091a65-9751-4784-abf7-0298a7cc35ba");
        let open = TaParams([memref(Dir::In, &u.to_struct_bytes()), v(Dir::In, 0, 0), TaParam::None, TaParam::None]);
        assert_eq!(dlopen_args(&open), Ok(u));
        let short = TaParams([memref(Dir::In, &[0; 15]), v(Dir::In, 0, 0), TaParam::None, TaParam::None]);
        assert_eq!(dlopen_args(&short), Err(TeeError::BadParameters));
        let no_flags = TaParams([memref(Dir::In, &u.to_struct_bytes()), TaParam::None, TaParam::None, TaParam::None]);
        assert_eq!(dlopen_args(&no_flags), Err(TeeError::BadParameters));
        let sym = |name: &[u8], out: Dir| {
            TaParams([memref(Dir::In, &u.to_struct_bytes()), memref(Dir::In, name), v(out, 0, 0), TaParam::None])
        };
        assert_eq!(dlsym_args(&sym(b"f\0junk", Dir::Out)), Ok((u, &b"f"[..])));
        assert_eq!(dlsym_args(&sym(b"f\0", Dir::In)), Err(TeeError::BadParameters));
        let mut p = sym(b"f\0", Dir::Out);
        set_dlsym_value(&mut p, 0x7f_0000_1234);
        assert_eq!(p.0[2], v(Dir::Out, 0x7f, 0x1234));
    }

    #[test]
    fn unmap_and_unknown_commands() {
        let p = TaParams([v(Dir::In, 4096, 0), v(Dir::In, 1, 0x8000_0000), TaParam::None, TaParam::None]);
        assert_eq!(decode(CMD_UNMAP, &p), Ok(Request::Unmap { va: 0x1_8000_0000, len: 4096 }));
        let reserved = TaParams([v(Dir::In, 4096, 1), v(Dir::In, 1, 0x8000_0000), TaParam::None, TaParam::None]);
        assert_eq!(decode(CMD_UNMAP, &reserved), Err(TeeError::BadParameters));
        assert_eq!(decode(7, &p), Err(TeeError::NotSupported));
    }
}
