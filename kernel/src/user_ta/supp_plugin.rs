//! The system PTA's SUPP_PLUGIN_INVOKE: a TA's request to a tee-supplicant
//! plugin (a shared library the supplicant loads, named by UUID), carried by
//! `OPTEE_RPC_CMD_SUPP_PLUGIN` (optee_os 4.5.0 `core/pta/system.c`
//! `system_supp_plugin_invoke`, `core/tee/tee_supp_plugin_rpc.c`; served by
//! optee_client 4.5.0 `tee-supplicant/src/plugin.c`). The TA's data travels
//! in an `APPL` buffer allocated for the request; the length the plugin
//! reports is bounded by the buffer's.

extern crate alloc;

use tee_abi::msg::{RPC_CMD_SUPP_PLUGIN, RPC_SHM_TYPE_APPL, RPC_SUPP_PLUGIN_INVOKE};
use tee_abi::result::TeeError;

use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, Param};
use crate::params::{TaParam, TaParams};
use crate::rpc_shm::rpc_msg;
use crate::rpc_shm::{shm_alloc, shm_free};
use crate::session::raw_error;

/// A decoded SUPP_PLUGIN_INVOKE.
#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    /// The plugin's UUID in octets (from the TA's `TEE_UUID`).
    pub plugin: [u8; 16],
    /// The plugin's command and sub-command.
    pub cmd: u32,
    pub sub_cmd: u32,
}

/// Checks the parameters as upstream does: exactly (MEMREF_INPUT,
/// VALUE_INPUT, MEMREF_INOUT, VALUE_OUTPUT), memref0 a 16-byte `TEE_UUID`.
pub fn decode(params: &TaParams) -> Result<Request, TeeError> {
    let [uuid, value, data, out] = &params.0;
    let (TaParam::Memref { dir: Dir::In, buf, size: 16, .. }, TaParam::Value { dir: Dir::In, a, b }) = (uuid, value)
    else {
        return Err(TeeError::BadParameters);
    };
    if !matches!(data, TaParam::Memref { dir: Dir::InOut, .. }) || !matches!(out, TaParam::Value { dir: Dir::Out, .. })
    {
        return Err(TeeError::BadParameters);
    }
    let raw: [u8; 16] = buf.get(..16).and_then(|b| b.try_into().ok()).ok_or(TeeError::BadParameters)?;
    Ok(Request { plugin: tee_abi::uuid::Uuid::from_struct_bytes(raw).to_octets(), cmd: *a, sub_cmd: *b })
}

/// The UUID as the four little-endian words of its octets, as the RPC
/// carries it.
fn words(octets: &[u8; 16]) -> [u64; 4] {
    core::array::from_fn(|i| {
        u64::from(u32::from_le_bytes([octets[4 * i], octets[4 * i + 1], octets[4 * i + 2], octets[4 * i + 3]]))
    })
}

/// Serves SUPP_PLUGIN_INVOKE: the plugin's data comes back in memref2
/// (whole, as upstream copies it), its output length in value3.a.
pub fn invoke(env: &mut dyn CallEnv, params: &mut TaParams) -> Result<(), TeeError> {
    let req = decode(params)?;
    let TaParam::Memref { buf, size, .. } = &mut params.0[2] else {
        return Err(TeeError::BadParameters);
    };
    let len = buf.len().min(usize::try_from(*size).unwrap_or(usize::MAX));
    let data = &mut buf[..len];
    let w = words(&req.plugin);
    let head = [
        Param::Value { dir: Dir::In, v: [RPC_SUPP_PLUGIN_INVOKE, w[0], w[1]] },
        Param::Value { dir: Dir::In, v: [w[2], w[3], u64::from(req.cmd)] },
        Param::Value { dir: Dir::InOut, v: [u64::from(req.sub_cmd), 0, 0] },
    ];
    let (result, outlen) = if len == 0 {
        // No data: a NULL memref, as upstream sends.
        let null = Param::Tmem { dir: Dir::InOut, buf_ptr: 0, size: 0, shm_ref: 0, noncontig: false };
        request(env, head, null)?
    } else {
        let shm = shm_alloc(env, RPC_SHM_TYPE_APPL, len as u64).map_err(raw_error)?;
        let r = (|| -> Result<_, TeeError> {
            shm.shm.write(env.mem(), 0, data).map_err(|_| TeeError::Communication)?;
            let mem = Param::Rmem { dir: Dir::InOut, offs: 0, size: len as u64, shm_ref: shm.cookie };
            let (result, outlen) = request(env, head, mem)?;
            if outlen != 0 {
                shm.shm.read(env.mem(), 0, data).map_err(|_| TeeError::Communication)?;
            }
            Ok((result, outlen))
        })();
        shm_free(env, RPC_SHM_TYPE_APPL, shm.cookie);
        r?
    };
    params.0[3] = TaParam::Value { dir: Dir::Out, a: outlen.min(len as u64) as u32, b: 0 };
    result
}

/// One request; its result and the plugin's output length.
fn request(env: &mut dyn CallEnv, head: [Param; 3], data: Param) -> Result<(Result<(), TeeError>, u64), TeeError> {
    let msg = rpc_msg(RPC_CMD_SUPP_PLUGIN, head.into_iter().chain([data]).collect());
    let answer = rpc_cmd(env, &msg).map_err(raw_error)?;
    let outlen = match answer.params.get(2).map(|p| p.param) {
        Some(Param::Value { v, .. }) => v[1],
        _ => return Err(TeeError::Communication),
    };
    // A plugin's code is passed on when the TEE knows it; 0 is success.
    Ok((TeeError::from_raw(answer.ret), outlen))
}

#[cfg(test)]
#[path = "supp_plugin_tests.rs"]
mod tests;
