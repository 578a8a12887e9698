//! `struct ta_head` (section `.ta_head`, exported symbol `ta_head`) and the
//! TA flags (optee_os 4.5.0 `lib/libutee/include/user_ta_header.h`).

use super::error::TaError;
use tee_abi::uuid::{Uuid, flags};

/// Size of `struct ta_head`.
pub const TA_HEAD_SIZE: usize = 32;
/// `TA_FLAGS_MASK` as of OP-TEE 4.7 (`GENMASK_32(13, 0)`); the flag bits are
/// [`tee_abi::uuid::flags`].
pub const TA_FLAGS_MASK: u32 = flags::MASK;

/// A decoded and checked `struct ta_head`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaHead {
    /// The TA's UUID as the TA claims it (not checked: the signed bootstrap
    /// UUID is what binds file and UUID, as in OP-TEE 4.x).
    pub uuid: Uuid,
    /// Stack size in bytes (`TA_STACK_SIZE` + 2048 framework bytes).
    pub stack_size: u32,
    /// `TA_FLAG_*` bits, all within [`TA_FLAGS_MASK`].
    pub flags: u32,
}

impl TaHead {
    /// Decodes the 32 bytes of a `ta_head`.
    ///
    /// Refuses flags outside [`TA_FLAGS_MASK`] (`BAD_FORMAT`, as ldelf) and
    /// a `depr_entry` other than `u64::MAX`: such a TA predates the ELF entry
    /// point and needs ldelf's legacy mapping scheme (`NOT_SUPPORTED`).
    pub fn parse(b: &[u8]) -> Result<Self, TaError> {
        let b: &[u8; TA_HEAD_SIZE] = b.get(..TA_HEAD_SIZE).and_then(|s| s.try_into().ok()).ok_or(TaError::BadTaHead)?;
        let mut u = [0u8; 16];
        u.copy_from_slice(&b[..16]);
        let uuid = Uuid::from_struct_bytes(u);
        let stack_size = u32::from_le_bytes([b[16], b[17], b[18], b[19]]);
        let flags = u32::from_le_bytes([b[20], b[21], b[22], b[23]]);
        let depr_entry = u64::from_le_bytes([b[24], b[25], b[26], b[27], b[28], b[29], b[30], b[31]]);
        if flags & !TA_FLAGS_MASK != 0 {
            return Err(TaError::BadTaFlags);
        }
        if depr_entry != u64::MAX {
            return Err(TaError::LegacyTa);
        }
        Ok(Self { uuid, stack_size, flags })
    }

    /// Returns whether one instance serves all sessions.
    pub const fn single_instance(&self) -> bool {
        self.flags & flags::SINGLE_INSTANCE != 0
    }

    /// Returns whether a single instance may hold several sessions.
    pub const fn multi_session(&self) -> bool {
        self.flags & flags::MULTI_SESSION != 0
    }

    /// Returns whether the instance outlives its last session.
    pub const fn keep_alive(&self) -> bool {
        self.flags & flags::INSTANCE_KEEP_ALIVE != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(flags: u32, depr_entry: u64) -> [u8; TA_HEAD_SIZE] {
        let mut b = [0u8; TA_HEAD_SIZE];
        b[..16].copy_from_slice(&[
            0x40, 0x0e, 0x9e, 0x5b, 0x36, 0x26, 0xe1, 0x11, 0xad, 0x9e, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b,
        ]);
        b[16..20].copy_from_slice(&0x2800u32.to_le_bytes());
        b[20..24].copy_from_slice(&flags.to_le_bytes());
        b[24..32].copy_from_slice(&depr_entry.to_le_bytes());
        b
    }

    #[test]
    fn decodes_fields() {
        let h = TaHead::parse(&raw(0x1c, u64::MAX)).unwrap();
        assert_eq!(h.uuid.time_low, 0x5b9e_0e40);
        assert_eq!(h.stack_size, 0x2800);
        assert!(h.single_instance() && h.multi_session() && h.keep_alive());
    }

    #[test]
    fn accepts_every_defined_flag() {
        assert!(TaHead::parse(&raw(TA_FLAGS_MASK, u64::MAX)).is_ok());
        assert_eq!(flags::INSTANCE_KEEP_CRASHED | (flags::INSTANCE_KEEP_CRASHED - 1), TA_FLAGS_MASK);
    }

    #[test]
    fn refuses_unknown_flags() {
        assert_eq!(TaHead::parse(&raw(1 << 14, u64::MAX)), Err(TaError::BadTaFlags));
        assert_eq!(TaHead::parse(&raw(0x8000_0000, u64::MAX)), Err(TaError::BadTaFlags));
    }

    #[test]
    fn refuses_legacy_entry() {
        assert_eq!(TaHead::parse(&raw(0, 0x20)), Err(TaError::LegacyTa));
        assert_eq!(TaError::LegacyTa.tee_error(), tee_abi::result::TeeError::NotSupported);
    }

    #[test]
    fn refuses_short_input() {
        assert_eq!(TaHead::parse(&raw(0, u64::MAX)[..31]), Err(TaError::BadTaHead));
    }
}
