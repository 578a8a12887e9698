//! GlobalPlatform `TEE_Result` codes (shared by the TEE Client and Internal
//! Core APIs) and the `ret_origin` values.

/// `TEE_SUCCESS`.
pub const SUCCESS: u32 = 0x0000_0000;
/// `TEE_ERROR_CORRUPT_OBJECT`.
pub const ERROR_CORRUPT_OBJECT: u32 = 0xf010_0001;
/// `TEE_ERROR_STORAGE_NOT_AVAILABLE`.
pub const ERROR_STORAGE_NOT_AVAILABLE: u32 = 0xf010_0003;
/// `TEE_ERROR_GENERIC`.
pub const ERROR_GENERIC: u32 = 0xffff_0000;
/// `TEE_ERROR_ACCESS_DENIED`.
pub const ERROR_ACCESS_DENIED: u32 = 0xffff_0001;
/// `TEE_ERROR_CANCEL`.
pub const ERROR_CANCEL: u32 = 0xffff_0002;
/// `TEE_ERROR_ACCESS_CONFLICT`.
pub const ERROR_ACCESS_CONFLICT: u32 = 0xffff_0003;
/// `TEE_ERROR_EXCESS_DATA`.
pub const ERROR_EXCESS_DATA: u32 = 0xffff_0004;
/// `TEE_ERROR_BAD_FORMAT`.
pub const ERROR_BAD_FORMAT: u32 = 0xffff_0005;
/// `TEE_ERROR_BAD_PARAMETERS`.
pub const ERROR_BAD_PARAMETERS: u32 = 0xffff_0006;
/// `TEE_ERROR_BAD_STATE`.
pub const ERROR_BAD_STATE: u32 = 0xffff_0007;
/// `TEE_ERROR_ITEM_NOT_FOUND`.
pub const ERROR_ITEM_NOT_FOUND: u32 = 0xffff_0008;
/// `TEE_ERROR_NOT_IMPLEMENTED`.
pub const ERROR_NOT_IMPLEMENTED: u32 = 0xffff_0009;
/// `TEE_ERROR_NOT_SUPPORTED`.
pub const ERROR_NOT_SUPPORTED: u32 = 0xffff_000a;
/// `TEE_ERROR_NO_DATA`.
pub const ERROR_NO_DATA: u32 = 0xffff_000b;
/// `TEE_ERROR_OUT_OF_MEMORY`.
pub const ERROR_OUT_OF_MEMORY: u32 = 0xffff_000c;
/// `TEE_ERROR_BUSY`.
pub const ERROR_BUSY: u32 = 0xffff_000d;
/// `TEE_ERROR_COMMUNICATION`.
pub const ERROR_COMMUNICATION: u32 = 0xffff_000e;
/// `TEE_ERROR_SECURITY`.
pub const ERROR_SECURITY: u32 = 0xffff_000f;
/// `TEE_ERROR_SHORT_BUFFER`.
pub const ERROR_SHORT_BUFFER: u32 = 0xffff_0010;
/// `TEE_ERROR_TIMEOUT`.
pub const ERROR_TIMEOUT: u32 = 0xffff_3001;
/// `TEE_ERROR_OVERFLOW`.
pub const ERROR_OVERFLOW: u32 = 0xffff_300f;
/// `TEE_ERROR_MAC_INVALID`.
pub const ERROR_MAC_INVALID: u32 = 0xffff_3071;
/// `TEE_ERROR_SIGNATURE_INVALID`.
pub const ERROR_SIGNATURE_INVALID: u32 = 0xffff_3072;
/// `TEE_ERROR_TARGET_DEAD`.
pub const ERROR_TARGET_DEAD: u32 = 0xffff_3024;
/// `TEE_ERROR_TIME_NOT_SET`.
pub const ERROR_TIME_NOT_SET: u32 = 0xffff_5000;
/// `TEE_ERROR_TIME_NEEDS_RESET`.
pub const ERROR_TIME_NEEDS_RESET: u32 = 0xffff_5001;

/// `TEE_ORIGIN_API`.
pub const ORIGIN_API: u32 = 1;
/// `TEE_ORIGIN_COMMS`.
pub const ORIGIN_COMMS: u32 = 2;
/// `TEE_ORIGIN_TEE`.
pub const ORIGIN_TEE: u32 = 3;
/// `TEE_ORIGIN_TRUSTED_APP`.
pub const ORIGIN_TRUSTED_APP: u32 = 4;

#[cfg(test)]
mod tests {
    #[test]
    fn values_match_gp() {
        assert_eq!(super::ERROR_TARGET_DEAD, 0xFFFF3024);
        assert_eq!(super::ERROR_SECURITY, 0xFFFF000F);
        assert_eq!(super::ERROR_ITEM_NOT_FOUND, 0xFFFF0008);
    }
}
