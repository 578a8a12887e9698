//! The REE TA store: fetching a signed TA file from tee-supplicant with the
//! two-phase `OPTEE_RPC_CMD_LOAD_TA` and an `APPL` shared-memory buffer.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::msg::*;
use tee_abi::result::{TEE_SUCCESS, TeeError};

use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, Param};
use crate::rpc_shm::{rpc_msg, shm_alloc, shm_free};
use crate::session::{Uuid, raw_error};

/// Largest TA file accepted.
pub const MAX_TA_FILE: u64 = 4 << 20;

fn uuid_value(uuid: &Uuid) -> Param {
    let a = u64::from_le_bytes(uuid[..8].try_into().unwrap_or_default());
    let b = u64::from_le_bytes(uuid[8..].try_into().unwrap_or_default());
    Param::Value { dir: Dir::In, v: [a, b, 0] }
}

/// A signed TA file in secure memory and which store it came from.
#[derive(Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The signed file.
    pub file: Vec<u8>,
    /// From tee-supplicant (the REE store), not the TA database: only such
    /// files have their versions checked (`super::verdb`), as upstream's
    /// `ree_fs_ta.c` does and its `secstor_ta.c` does not.
    pub from_ree: bool,
}

/// Fetches the signed TA file for `uuid` into secure memory: from the TA
/// database in secure storage ([`super::tadb`]) if it is installed there,
/// otherwise from tee-supplicant. As upstream's stores are tried
/// (`core/kernel/ldelf_syscalls.c`, `ldelf_syscall_open_bin`, optee_os 4.5.0), only
/// "not found" and "storage not available" move on to the next store.
pub fn fetch(env: &mut dyn CallEnv, uuid: &Uuid) -> Result<Fetched, TeeError> {
    let installed = super::tadb::lookup(&mut crate::storage::fs::RpcFs::new(env), uuid);
    first_store(installed, || fetch_ree(env, uuid))
}

/// The TA database's answer, or the next store's when the database has no
/// such TA or no storage.
fn first_store(
    installed: Result<Option<Vec<u8>>, TeeError>,
    next: impl FnOnce() -> Result<Vec<u8>, TeeError>,
) -> Result<Fetched, TeeError> {
    match installed {
        Ok(Some(file)) => Ok(Fetched { file, from_ree: false }),
        Ok(None) | Err(TeeError::StorageNotAvailable) => next().map(|file| Fetched { file, from_ree: true }),
        Err(e) => Err(e),
    }
}

/// Fetches the signed TA file for `uuid` from tee-supplicant (the REE
/// file system's TA store).
fn fetch_ree(env: &mut dyn CallEnv, uuid: &Uuid) -> Result<Vec<u8>, TeeError> {
    let query = rpc_msg(
        RPC_CMD_LOAD_TA,
        alloc::vec![uuid_value(uuid), Param::Tmem { dir: Dir::Out, buf_ptr: 0, size: 0, shm_ref: 0, noncontig: false }],
    );
    let answer = rpc_cmd(env, &query).map_err(raw_error)?;
    if answer.ret != TEE_SUCCESS {
        return Err(TeeError::ItemNotFound);
    }
    let size = match answer.params.get(1).map(|p| p.param) {
        Some(Param::Tmem { size, .. }) | Some(Param::Rmem { size, .. }) => size,
        _ => return Err(TeeError::ItemNotFound),
    };
    if size == 0 || size > MAX_TA_FILE {
        return Err(TeeError::BadFormat);
    }
    let buffer = shm_alloc(env, RPC_SHM_TYPE_APPL, size).map_err(raw_error)?;
    let load = rpc_msg(
        RPC_CMD_LOAD_TA,
        alloc::vec![uuid_value(uuid), Param::Rmem { dir: Dir::Out, offs: 0, size, shm_ref: buffer.cookie }],
    );
    let fetched = rpc_cmd(env, &load).map_err(raw_error).and_then(|a| {
        if a.ret != TEE_SUCCESS {
            return Err(TeeError::ItemNotFound);
        }
        let mut file = crate::params::try_zeroed(size as usize).map_err(|_| TeeError::OutOfMemory)?;
        buffer.shm.read(env.mem(), 0, &mut file).map_err(|_| TeeError::Communication)?;
        Ok(file)
    });
    shm_free(env, RPC_SHM_TYPE_APPL, buffer.cookie);
    fetched
}

#[cfg(test)]
mod tests;
