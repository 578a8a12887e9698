//! The utee entry and parameter layouts a user TA and the kernel share
//! (optee_os 4.5.0 `lib/libutee/include/utee_types.h`, `tee_api_defines.h`,
//! `lib/libutee/include/user_ta_header.h`): the entry function numbers, the
//! `TEE_PARAM_TYPE_*` codes, `struct utee_params` and `struct utee_attribute`.
//!
//! ta-sdk uses these types directly; the kernel's marshalling reads and
//! writes the same layouts as bytes (`UteeParams::from_bytes` / `to_bytes`).

/// `TEE_NUM_PARAMS`.
pub const NUM_PARAMS: usize = 4;

/// `UTEE_ENTRY_FUNC_*`: what the kernel asks of a TA entry call (`x0`).
pub mod entry_func {
    /// `UTEE_ENTRY_FUNC_OPEN_SESSION`.
    pub const OPEN_SESSION: usize = 0;
    /// `UTEE_ENTRY_FUNC_CLOSE_SESSION`.
    pub const CLOSE_SESSION: usize = 1;
    /// `UTEE_ENTRY_FUNC_INVOKE_COMMAND`.
    pub const INVOKE_COMMAND: usize = 2;
}

/// `USER_TA_PROP_TYPE_*` (`user_ta_header.h`): the type the property
/// syscalls report for a value.
pub mod prop_type {
    pub const BOOL: u32 = 0;
    pub const U32: u32 = 1;
    pub const UUID: u32 = 2;
    pub const IDENTITY: u32 = 3;
    pub const STRING: u32 = 4;
    pub const BINARY_BLOCK: u32 = 5;
    pub const U64: u32 = 6;
}

/// `TEE_PARAM_TYPE_*`: one 4-bit code per parameter.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    None = 0,
    ValueInput = 1,
    ValueOutput = 2,
    ValueInout = 3,
    MemrefInput = 5,
    MemrefOutput = 6,
    MemrefInout = 7,
}

impl ParamType {
    /// The type for a 4-bit code; `None` for the undefined codes 4, 8..15.
    pub const fn from_nibble(n: u8) -> Option<ParamType> {
        Some(match n {
            0 => ParamType::None,
            1 => ParamType::ValueInput,
            2 => ParamType::ValueOutput,
            3 => ParamType::ValueInout,
            5 => ParamType::MemrefInput,
            6 => ParamType::MemrefOutput,
            7 => ParamType::MemrefInout,
            _ => return None,
        })
    }

    /// `TEE_PARAM_TYPES(t0, t1, t2, t3)`.
    pub const fn pack(t: [ParamType; NUM_PARAMS]) -> u32 {
        (t[0] as u32) | (t[1] as u32) << 4 | (t[2] as u32) << 8 | (t[3] as u32) << 12
    }

    /// `TEE_PARAM_TYPE_GET(types, i)` as a raw nibble.
    pub const fn nibble(types: u64, i: usize) -> u8 {
        ((types >> (4 * i)) & 0xf) as u8
    }

    /// A memory reference (input, output or both).
    pub const fn is_memref(self) -> bool {
        matches!(self, ParamType::MemrefInput | ParamType::MemrefOutput | ParamType::MemrefInout)
    }
}

/// `struct utee_params` (72 bytes): `types` (four `TEE_PARAM_TYPE_*`
/// nibbles), then two words per parameter: value `a`/`b`, or memref
/// address/size. The kernel writes it at the top of the TA stack for an entry
/// call; a TA passes one to the session syscalls.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UteeParams {
    pub types: u64,
    pub vals: [u64; 2 * NUM_PARAMS],
}

impl UteeParams {
    /// Size in bytes.
    pub const SIZE: usize = 72;

    /// Decodes the little-endian layout.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> UteeParams {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            u64::from_le_bytes(w)
        };
        let mut vals = [0u64; 2 * NUM_PARAMS];
        for (i, v) in vals.iter_mut().enumerate() {
            *v = word(1 + i);
        }
        UteeParams { types: word(0), vals }
    }

    /// Encodes the little-endian layout.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut b = [0u8; Self::SIZE];
        b[..8].copy_from_slice(&self.types.to_le_bytes());
        for (i, v) in self.vals.iter().enumerate() {
            b[8 + 8 * i..16 + 8 * i].copy_from_slice(&v.to_le_bytes());
        }
        b
    }
}

/// `struct utee_attribute` (24 bytes): a reference attribute's buffer
/// address and size in `a`/`b`, or a value attribute's two values; the
/// attribute ID (`TEE_ATTR_*`, see [`crate::gp::attr`]) after them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UteeAttribute {
    pub a: u64,
    pub b: u64,
    pub attribute_id: u32,
    pub pad: u32,
}

impl UteeAttribute {
    /// Size in bytes.
    pub const SIZE: usize = 24;

    /// Decodes the little-endian layout.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> UteeAttribute {
        let mut a = [0u8; 8];
        let mut bb = [0u8; 8];
        let mut id = [0u8; 4];
        let mut pad = [0u8; 4];
        a.copy_from_slice(&b[0..8]);
        bb.copy_from_slice(&b[8..16]);
        id.copy_from_slice(&b[16..20]);
        pad.copy_from_slice(&b[20..24]);
        UteeAttribute {
            a: u64::from_le_bytes(a),
            b: u64::from_le_bytes(bb),
            attribute_id: u32::from_le_bytes(id),
            pad: u32::from_le_bytes(pad),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_eq!(core::mem::size_of::<UteeParams>(), UteeParams::SIZE);
        assert_eq!(core::mem::offset_of!(UteeParams, vals), 8);
        assert_eq!(core::mem::size_of::<UteeAttribute>(), UteeAttribute::SIZE);
        assert_eq!(core::mem::offset_of!(UteeAttribute, b), 8);
        assert_eq!(core::mem::offset_of!(UteeAttribute, attribute_id), 16);
    }

    #[test]
    fn params_bytes_round_trip() {
        let p = UteeParams { types: 0x7531, vals: [1, 2, 3, 4, 5, 6, 7, u64::MAX] };
        let b = p.to_bytes();
        assert_eq!(b[..8], 0x7531u64.to_le_bytes());
        assert_eq!(b[64..], [0xff; 8]);
        assert_eq!(UteeParams::from_bytes(&b), p);
    }

    #[test]
    fn attribute_bytes() {
        let mut b = [0u8; 24];
        b[16..20].copy_from_slice(&0xD000_0130u32.to_le_bytes());
        b[8] = 3;
        let a = UteeAttribute::from_bytes(&b);
        assert_eq!((a.a, a.b, a.attribute_id, a.pad), (0, 3, 0xD000_0130, 0));
    }

    #[test]
    fn param_types() {
        let t = [ParamType::ValueInput, ParamType::MemrefOutput, ParamType::None, ParamType::MemrefInout];
        let packed = ParamType::pack(t);
        assert_eq!(packed, 0x7061);
        for (i, ty) in t.iter().enumerate() {
            assert_eq!(ParamType::from_nibble(ParamType::nibble(u64::from(packed), i)), Some(*ty));
        }
        assert_eq!(ParamType::from_nibble(4), None);
        assert!(ParamType::MemrefInput.is_memref() && !ParamType::ValueInout.is_memref());
    }
}
