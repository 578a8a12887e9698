//! GP secure storage on the REE file system (tee-supplicant).
//!
//! - [`fs`]: the `OPTEE_RPC_CMD_FS` client ([`fs::RpcFs`]) behind the
//!   [`fs::ReeFs`] trait.
//! - [`object`]: persistent objects as encrypted, authenticated files under a
//!   per-TA directory, keys derived from a device key (a labelled development
//!   secret: QEMU has no hardware unique key), atomic replacement.
//! - `files`: loading, committing, removing, renaming and listing
//!   objects against the TA's directory file (crash-safe order).
//! - [`dirfile`]: the per-TA directory file (each object's file digest),
//!   its lock and the monotonic-counter platform hook.
//! - [`registry`]: the kernel-wide list of open objects (who may open
//!   what, across every instance and session of a TA).
//! - `shared`: an open object's content, one copy for every handle on it,
//!   and the right to update it (updates span RPCs).
//! - [`state`]: the service's calls (open, create, read, write, enumerate,
//!   ...) on the instance's handle table; `crate::syscall::storage` decodes
//!   the TA's arguments for them.
//!
//! All of it is pure and tested on the host (an in-memory file system and a
//! fake tee-supplicant behind a fake `CallEnv`).

pub mod dirfile;
mod enumerate;
mod files;
pub mod fs;
pub mod object;
pub mod registry;
mod shared;
pub mod state;

pub use state::StorageState;

#[cfg(test)]
mod tests;
