//! The system PTA's `SUPP_PLUGIN_INVOKE`: a TA calls a tee-supplicant
//! plugin (libutee's `tee_invoke_supp_plugin`) through
//! `OPTEE_RPC_CMD_SUPP_PLUGIN`. Facts from optee_os 4.5.0
//! `core/pta/system.c` (`system_supp_plugin_invoke`: exact parameter types,
//! a 16-byte UUID), `core/tee/tee_supp_plugin_rpc.c` and
//! `core/include/optee_rpc_cmd.h` (the request's layout), optee_client 4.5.0
//! `tee-supplicant/src/plugin.c` (what the supplicant checks).
//!
//! The data travels in an `APPL` buffer from `OPTEE_RPC_CMD_SHM_ALLOC`,
//! freed after the call; the plugin's answer is its `TEE_Result` and the
//! length it wrote.

extern crate alloc;

use tee_abi::msg::{RPC_CMD_SUPP_PLUGIN, RPC_SHM_TYPE_APPL, RPC_SUPP_PLUGIN_INVOKE};
use tee_abi::result::TeeError;

use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, MsgArg, MsgParam, Param};
use crate::params::{MAX_MEMREF, TaParam, TaParams};
use crate::storage::fs::error_of;
use crate::user_ta::store::{shm_alloc, shm_free};

/// A decoded request.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    /// The plugin's UUID as octets (big-endian fields).
    pub uuid: [u8; 16],
    pub cmd: u32,
    pub sub_cmd: u32,
}

/// Checks the parameters as upstream: (MEMREF_INPUT uuid, VALUE_INPUT
/// (cmd, sub_cmd), MEMREF_INOUT data, VALUE_OUTPUT), the UUID exactly a
/// `TEE_UUID`.
pub fn decode(params: &TaParams) -> Result<Request, TeeError> {
    let (uuid, cmd, sub_cmd) = match &params.0 {
        [
            TaParam::Memref { dir: Dir::In, buf, size: 16, .. },
            TaParam::Value { dir: Dir::In, a, b },
            TaParam::Memref { dir: Dir::InOut, .. },
            TaParam::Value { dir: Dir::Out, .. },
        ] if buf.len() == 16 => (buf, *a, *b),
        _ => return Err(TeeError::BadParameters),
    };
    let mut s = [0u8; 16];
    s.copy_from_slice(uuid);
    Ok(Request { uuid: tee_abi::uuid::Uuid::from_struct_bytes(s).to_octets(), cmd, sub_cmd })
}

/// The octets as the four little-endian words the request carries.
fn words(uuid: &[u8; 16]) -> [u64; 4] {
    core::array::from_fn(|i| {
        u64::from(u32::from_le_bytes([uuid[4 * i], uuid[4 * i + 1], uuid[4 * i + 2], uuid[4 * i + 3]]))
    })
}

fn request(req: &Request, data: Param) -> MsgArg {
    let w = words(&req.uuid);
    let value = |dir, v| MsgParam { meta: false, param: Param::Value { dir, v } };
    MsgArg {
        cmd: RPC_CMD_SUPP_PLUGIN,
        func: 0,
        session: 0,
        cancel_id: 0,
        ret: 0,
        ret_origin: 0,
        params: alloc::vec![
            value(Dir::In, [RPC_SUPP_PLUGIN_INVOKE, w[0], w[1]]),
            value(Dir::In, [w[2], w[3], u64::from(req.cmd)]),
            value(Dir::InOut, [u64::from(req.sub_cmd), 0, 0]),
            MsgParam { meta: false, param: data },
        ],
    }
}

/// Serves `SUPP_PLUGIN_INVOKE`: the data buffer (parameter 2) goes to the
/// plugin and comes back whole; value3.a gets the length the plugin wrote
/// (set even when the plugin fails, as upstream).
pub fn invoke(env: &mut dyn CallEnv, params: &mut TaParams) -> Result<(), TeeError> {
    let req = decode(params)?;
    let TaParam::Memref { buf, .. } = &mut params.0[2] else {
        return Err(TeeError::BadParameters);
    };
    if buf.len() as u64 > MAX_MEMREF {
        return Err(TeeError::BadParameters);
    }
    let (ret, outlen) = if buf.is_empty() {
        // No data: a null RMEM, as upstream sends for a NULL mobj.
        call(env, &req, Param::Rmem { dir: Dir::InOut, offs: 0, size: 0, shm_ref: 0 })?
    } else {
        let len = buf.len() as u64;
        let shm = shm_alloc(env, RPC_SHM_TYPE_APPL, len).map_err(error_of)?;
        let r = shm.shm.write(env.mem(), 0, buf).map_err(|_| TeeError::Communication).and_then(|()| {
            let data = Param::Rmem { dir: Dir::InOut, offs: 0, size: len, shm_ref: shm.cookie };
            let (ret, outlen) = call(env, &req, data)?;
            if outlen != 0 {
                shm.shm.read(env.mem(), 0, buf).map_err(|_| TeeError::Communication)?;
            }
            Ok((ret, outlen))
        });
        shm_free(env, RPC_SHM_TYPE_APPL, shm.cookie);
        r?
    };
    if let TaParam::Value { a, b, .. } = &mut params.0[3] {
        *a = outlen;
        *b = 0;
    }
    match ret {
        0 => Ok(()),
        code => Err(error_of(code)),
    }
}

/// One SUPP_PLUGIN request: the supplicant's `TEE_Result` and out length.
fn call(env: &mut dyn CallEnv, req: &Request, data: Param) -> Result<(u32, u32), TeeError> {
    let answer = rpc_cmd(env, &request(req, data)).map_err(error_of)?;
    let outlen = match answer.params.get(2).map(|p| p.param) {
        Some(Param::Value { v, .. }) => v[1] as u32,
        _ => return Err(TeeError::Communication),
    };
    Ok((answer.ret, outlen))
}

#[cfg(test)]
mod tests;
