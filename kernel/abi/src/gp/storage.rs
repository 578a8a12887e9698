//! Persistent objects: storage IDs, `TEE_DATA_FLAG_*`, `TEE_Whence`.

/// `TEE_DATA_FLAG_*`: access and sharing of an open persistent object.
pub mod data_flag {
    pub const ACCESS_READ: u32 = 0x1;
    pub const ACCESS_WRITE: u32 = 0x2;
    pub const ACCESS_WRITE_META: u32 = 0x4;
    pub const SHARE_READ: u32 = 0x10;
    pub const SHARE_WRITE: u32 = 0x20;
    /// Create: replace an existing object instead of `ACCESS_CONFLICT`.
    pub const OVERWRITE: u32 = 0x400;
}

/// Storage IDs: `TEE_STORAGE_PRIVATE` (GP) and OP-TEE's
/// `TEE_STORAGE_PRIVATE_REE`/`_RPMB` (`tee_api_defines_extensions.h`).
pub mod storage_id {
    pub const PRIVATE: u32 = 0x0000_0001;
    pub const PRIVATE_REE: u32 = 0x8000_0000;
    pub const PRIVATE_RPMB: u32 = 0x8000_0100;
}

/// `TEE_DATA_SEEK_*` (`TEE_Whence`).
pub mod whence {
    pub const SET: u32 = 0;
    pub const CUR: u32 = 1;
    pub const END: u32 = 2;
}

/// `TEE_DATA_MAX_POSITION`: the largest data position of an object.
pub const DATA_MAX_POSITION: u64 = 0xFFFF_FFFF;
/// `TEE_OBJECT_ID_MAX_LEN`.
pub const OBJECT_ID_MAX_LEN: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_values() {
        assert_eq!(data_flag::ACCESS_WRITE_META, 0x4);
        assert_eq!(data_flag::SHARE_WRITE, 0x20);
        assert_eq!(data_flag::OVERWRITE, 0x400);
        assert_eq!(storage_id::PRIVATE, 1);
        assert_eq!(storage_id::PRIVATE_REE, 0x8000_0000);
        assert_eq!(whence::END, 2);
        assert_eq!(DATA_MAX_POSITION, u64::from(u32::MAX));
        assert_eq!(OBJECT_ID_MAX_LEN, 64);
    }
}
