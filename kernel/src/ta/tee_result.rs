//! GlobalPlatform `TEE_Result` codes, as the TA loader reports them.
//!
//! Values from the GP TEE Internal Core API (also optee_os 4.5.0
//! `lib/libutee/include/tee_api_defines.h`). This module is meant to move to the shared `tee-abi` crate; the names
//! are the GP names so the move is a rename of the path only.

/// `TEE_SUCCESS`.
pub const TEE_SUCCESS: u32 = 0x0000_0000;
/// `TEE_ERROR_GENERIC`.
pub const TEE_ERROR_GENERIC: u32 = 0xFFFF_0000;
/// `TEE_ERROR_ACCESS_DENIED`.
pub const TEE_ERROR_ACCESS_DENIED: u32 = 0xFFFF_0001;
/// `TEE_ERROR_BAD_FORMAT`.
pub const TEE_ERROR_BAD_FORMAT: u32 = 0xFFFF_0005;
/// `TEE_ERROR_BAD_PARAMETERS`.
pub const TEE_ERROR_BAD_PARAMETERS: u32 = 0xFFFF_0006;
/// `TEE_ERROR_ITEM_NOT_FOUND`.
pub const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
/// `TEE_ERROR_NOT_SUPPORTED`.
pub const TEE_ERROR_NOT_SUPPORTED: u32 = 0xFFFF_000A;
/// `TEE_ERROR_OUT_OF_MEMORY`.
pub const TEE_ERROR_OUT_OF_MEMORY: u32 = 0xFFFF_000C;
/// `TEE_ERROR_SECURITY`.
pub const TEE_ERROR_SECURITY: u32 = 0xFFFF_000F;

/// The GP error codes the TA loader can produce, as a closed set.
///
/// `code()` gives the `TEE_Result` value to put in a return register or an
/// `optee_msg_arg.ret`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeeError {
    /// `TEE_ERROR_GENERIC`.
    Generic = TEE_ERROR_GENERIC,
    /// `TEE_ERROR_ACCESS_DENIED`.
    AccessDenied = TEE_ERROR_ACCESS_DENIED,
    /// `TEE_ERROR_BAD_FORMAT`.
    BadFormat = TEE_ERROR_BAD_FORMAT,
    /// `TEE_ERROR_BAD_PARAMETERS`.
    BadParameters = TEE_ERROR_BAD_PARAMETERS,
    /// `TEE_ERROR_ITEM_NOT_FOUND`.
    ItemNotFound = TEE_ERROR_ITEM_NOT_FOUND,
    /// `TEE_ERROR_NOT_SUPPORTED`.
    NotSupported = TEE_ERROR_NOT_SUPPORTED,
    /// `TEE_ERROR_OUT_OF_MEMORY`.
    OutOfMemory = TEE_ERROR_OUT_OF_MEMORY,
    /// `TEE_ERROR_SECURITY`.
    Security = TEE_ERROR_SECURITY,
}

impl TeeError {
    /// Returns the `TEE_Result` value.
    pub const fn code(self) -> u32 {
        self as u32
    }
}

impl From<TeeError> for u32 {
    fn from(e: TeeError) -> u32 {
        e.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_gp() {
        assert_eq!(TEE_SUCCESS, 0);
        assert_eq!(TeeError::Generic.code(), 0xFFFF0000);
        assert_eq!(TeeError::AccessDenied.code(), 0xFFFF0001);
        assert_eq!(TeeError::BadFormat.code(), 0xFFFF0005);
        assert_eq!(TeeError::BadParameters.code(), 0xFFFF0006);
        assert_eq!(TeeError::ItemNotFound.code(), 0xFFFF0008);
        assert_eq!(TeeError::NotSupported.code(), 0xFFFF000A);
        assert_eq!(TeeError::OutOfMemory.code(), 0xFFFF000C);
        assert_eq!(u32::from(TeeError::Security), 0xFFFF000F);
    }
}
