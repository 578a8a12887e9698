//! Shared memory the normal world allocates for the kernel's RPC requests
//! (`OPTEE_RPC_CMD_SHM_ALLOC` / `SHM_FREE`, optee_os 4.5.0
//! `core/include/optee_rpc_cmd.h`): the TA store, the REE file system, the
//! socket PTA and supplicant plugins carry their data in it. Below all of
//! them, beside `call_env`.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::msg::*;
use tee_abi::result::{TEE_SUCCESS, TeeError};

use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, MsgArg, MsgParam, Param};
use crate::shm::SharedMem;

/// An RPC request `cmd` with `params` (no meta parameters).
pub fn rpc_msg(cmd: u32, params: Vec<Param>) -> MsgArg {
    MsgArg {
        cmd,
        func: 0,
        session: 0,
        cancel_id: 0,
        ret: 0,
        ret_origin: 0,
        params: params.into_iter().map(|param| MsgParam { meta: false, param }).collect(),
    }
}

/// Shared memory the normal world allocated for us.
pub struct RpcShm {
    /// Normal-world cookie.
    pub cookie: u64,
    /// Its pages.
    pub shm: SharedMem,
}

/// `OPTEE_RPC_CMD_SHM_ALLOC` of `size` bytes of `kind` memory.
pub fn shm_alloc(env: &mut dyn CallEnv, kind: u64, size: u64) -> Result<RpcShm, u32> {
    let msg = rpc_msg(RPC_CMD_SHM_ALLOC, alloc::vec![Param::Value { dir: Dir::In, v: [kind, size, 8] }]);
    let answer = rpc_cmd(env, &msg)?;
    if answer.ret != TEE_SUCCESS {
        return Err(TeeError::OutOfMemory.code());
    }
    let Some(MsgParam { param: Param::Tmem { dir: Dir::Out, buf_ptr, size: got, shm_ref, noncontig }, .. }) =
        answer.params.first()
    else {
        return Err(TeeError::OutOfMemory.code());
    };
    if *got < size {
        // Allocated for us all the same: give it back, or the normal world
        // keeps it for nothing (optee_os 4.5.0 `get_rpc_alloc_res` drops
        // it without a free).
        shm_free(env, kind, *shm_ref);
        return Err(TeeError::OutOfMemory.code());
    }
    let shm = if *noncontig {
        SharedMem::from_page_list(env.mem(), *buf_ptr, size)
    } else {
        SharedMem::contiguous(env.mem(), *buf_ptr, size)
    };
    match shm {
        Ok(shm) => Ok(RpcShm { cookie: *shm_ref, shm }),
        Err(_) => {
            shm_free(env, kind, *shm_ref);
            Err(TeeError::OutOfMemory.code())
        }
    }
}

/// `OPTEE_RPC_CMD_SHM_FREE`.
pub fn shm_free(env: &mut dyn CallEnv, kind: u64, cookie: u64) {
    let msg = rpc_msg(RPC_CMD_SHM_FREE, alloc::vec![Param::Value { dir: Dir::In, v: [kind, cookie, 0] }]);
    // Linux reports success even for unknown cookies; nothing to do on failure.
    let _ = rpc_cmd(env, &msg);
}
