//! GlobalPlatform TEE Internal Core API identifiers (GP TEE Internal Core API
//! v1.3.1; values as optee_os 4.5.0 `lib/libutee/include/tee_api_defines.h`
//! and, for OP-TEE's own KDF extensions, `tee_api_defines_extensions.h`):
//! the numbers a TA passes through the utee syscalls and the kernel checks.
//!
//! Each module is one GP name prefix with the prefix dropped:
//! `TEE_ALG_AES_CTR` is [`alg::AES_CTR`], `TEE_ATTR_RSA_MODULUS` is
//! [`attr::RSA_MODULUS`], `TEE_TYPE_AES` is [`object_type::AES`],
//! `TEE_DATA_FLAG_OVERWRITE` is [`data_flag::OVERWRITE`], and so on. Only the
//! identifiers the project uses are here; add more from the same headers.

mod crypto;
mod object;
mod storage;

pub use crypto::{alg, mode, operation_class};
pub use object::{attr, ecc_curve, handle_flag, object_type, usage};
pub use storage::{DATA_MAX_POSITION, OBJECT_ID_MAX_LEN, data_flag, storage_id, whence};

/// `TEE_PROPSET_*`: the pseudo-handles of the three property sets.
pub mod propset {
    /// `TEE_PROPSET_TEE_IMPLEMENTATION`.
    pub const TEE_IMPLEMENTATION: u32 = 0xFFFF_FFFD;
    /// `TEE_PROPSET_CURRENT_CLIENT`.
    pub const CURRENT_CLIENT: u32 = 0xFFFF_FFFE;
    /// `TEE_PROPSET_CURRENT_TA`.
    pub const CURRENT_TA: u32 = 0xFFFF_FFFF;
}

/// `TEE_MEMORY_ACCESS_*` (GP) and OP-TEE's extra bits
/// (`TEE_MEMORY_ACCESS_NONSECURE`/`SECURE`, `tee_api_defines_extensions.h`)
/// for `TEE_CheckMemoryAccessRights`.
pub mod memory_access {
    pub const READ: u32 = 0x1;
    pub const WRITE: u32 = 0x2;
    /// The memory may be shared with others (not only this TA's own).
    pub const ANY_OWNER: u32 = 0x4;
    /// OP-TEE: the memory must be non-secure.
    pub const NONSECURE: u32 = 0x1000_0000;
    /// OP-TEE: the memory must be secure.
    pub const SECURE: u32 = 0x2000_0000;
}

/// `TEE_LOGIN_*`: how a session's client identified itself.
pub mod login {
    pub const PUBLIC: u32 = 0;
    pub const USER: u32 = 1;
    pub const GROUP: u32 = 2;
    pub const APPLICATION: u32 = 4;
    pub const APPLICATION_USER: u32 = 5;
    pub const APPLICATION_GROUP: u32 = 6;
    /// Another TA.
    pub const TRUSTED_APP: u32 = 0xF000_0000;
}

/// `TEE_CORE_API_VERSION`: 1.3.1 as `major << 24 | minor << 16 |
/// maintenance << 8` (the `gpd.tee.internalCore.version` property).
pub const CORE_API_VERSION: u32 = 1 << 24 | 3 << 16 | 1 << 8;

/// `TEE_TIMEOUT_INFINITE`.
pub const TIMEOUT_INFINITE: u32 = 0xFFFF_FFFF;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_and_flags() {
        assert_eq!(propset::CURRENT_TA, u32::MAX);
        assert_eq!(propset::TEE_IMPLEMENTATION, propset::CURRENT_CLIENT - 1);
        assert_eq!(memory_access::ANY_OWNER, 4);
        assert_eq!(login::TRUSTED_APP, 0xF000_0000);
        assert_eq!(CORE_API_VERSION, 0x0103_0100);
    }
}
