//! GP secure storage on the REE file system (tee-supplicant).
//!
//! - [`fs`]: the `OPTEE_RPC_CMD_FS` client ([`fs::RpcFs`]) behind the
//!   [`fs::ReeFs`] trait.
//! - [`object`]: persistent objects as encrypted, authenticated files under a
//!   per-TA directory, keys derived from a device key (a labelled development
//!   secret: QEMU has no hardware unique key), atomic replacement.
//! - [`syscall`]: utee syscalls 41..=53 and 24/28 on persistent handles.
//!
//! All of it is pure and tested on the host (an in-memory file system and a
//! fake tee-supplicant behind a fake `CallEnv`).

pub mod fs;
pub mod object;
pub mod syscall;

pub use syscall::StorageState;

/// `TEE_ERROR_STORAGE_NO_SPACE`.
pub const ERROR_STORAGE_NO_SPACE: u32 = tee_abi::result::TeeError::StorageNoSpace.code();

#[cfg(test)]
mod tests;
