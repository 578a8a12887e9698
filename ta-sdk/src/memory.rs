//! `TEE_CheckMemoryAccessRights`: asks the kernel whether a range may be
//! accessed as the flags say, e.g. before trusting a buffer that came from
//! another TA or the client.
//!
//! ```ignore
//! use ta_sdk::memory::{self, access};
//! let buf = [0u8; 64];
//! memory::check_slice(access::READ | access::WRITE, &buf)?;          // our own stack: fine
//! memory::check_slice(access::READ, shared_input)?;                  // Err(AccessDenied): shared
//! memory::check_slice(access::READ | access::ANY_OWNER, shared_input)?; // fine
//! ```

use crate::error::TeeResult;

/// `TEE_MEMORY_ACCESS_*` (and OP-TEE's `NONSECURE`/`SECURE`).
pub use tee_abi::gp::memory_access as access;

/// Checks `len` bytes at address `addr` (any address: nothing is accessed).
pub fn check(flags: u32, addr: usize, len: usize) -> TeeResult {
    crate::sys::os::check_access_rights(flags, addr, len)
}

/// Checks the memory of `buf`.
pub fn check_slice(flags: u32, buf: &[u8]) -> TeeResult {
    check(flags, buf.as_ptr() as usize, buf.len())
}
