//! The socket pseudo-TA (`PTA_SOCKET_UUID`): the transport under the GP
//! socket API (TEE_iSocket, TCP and UDP), which upstream's libutee
//! (`lib/libutee/tee_socket_pta.c`) implements over it. Only TAs may open it
//! (upstream 4.5.0 `core/tee/socket.c`: ACCESS_DENIED otherwise). Each
//! session is one instance for tee-supplicant, which owns the real sockets;
//! closing the session closes whatever the TA left open (`CLOSE_ALL`).
//! Commands check their parameter types exactly as upstream's and forward
//! to tee-supplicant ([`super::socket_rpc`]); its result codes, including
//! the `TEE_ISOCKET_ERROR_*` ones, reach the TA unchanged.

use core::sync::atomic::{AtomicU32, Ordering};

use tee_abi::msg::LOGIN_TRUSTED_APP;
use tee_abi::pta::{SOCKET_CMD_CLOSE, SOCKET_CMD_IOCTL, SOCKET_CMD_OPEN, SOCKET_CMD_RECV, SOCKET_CMD_SEND};
use tee_abi::result::{Origin, TEE_SUCCESS, TeeError};

use super::socket_rpc::{SocketError, Supplicant};
use crate::call_env::CallEnv;
use crate::msg::Dir;
use crate::params::{ParamType, TaParam, TaParams};
use crate::session::{ClientIdentity, Outcome, Target, Uuid};

/// `PTA_SOCKET_UUID`.
pub const UUID: Uuid = tee_abi::pta::SOCKET_UUID.to_octets();

/// Instance ids handed to tee-supplicant, one per session (never 0).
static NEXT_INSTANCE: AtomicU32 = AtomicU32::new(1);

/// `TEE_PARAM_TYPES(t0, t1, t2, t3)`.
const fn types(t: [ParamType; 4]) -> u32 {
    t[0] as u32 | (t[1] as u32) << 4 | (t[2] as u32) << 8 | (t[3] as u32) << 12
}

use ParamType::{MemrefInout, MemrefInput, MemrefOutput, None as NoParam, ValueInput, ValueOutput};

const OPEN_TYPES: u32 = types([ValueInput, MemrefInput, ValueInput, ValueOutput]);
const CLOSE_TYPES: u32 = types([ValueInput, NoParam, NoParam, NoParam]);
const SEND_TYPES: u32 = types([ValueInput, MemrefInput, ValueOutput, NoParam]);
const RECV_TYPES: u32 = types([ValueInput, MemrefOutput, NoParam, NoParam]);
const IOCTL_TYPES: u32 = types([ValueInput, MemrefInout, NoParam, NoParam]);

/// The pseudo-TA.
pub struct SocketPta;

impl Target for SocketPta {
    fn open_session(&self, _: &mut dyn CallEnv, client: &ClientIdentity, _: &mut TaParams) -> Result<u64, Outcome> {
        if client.login != LOGIN_TRUSTED_APP {
            return Err((TeeError::AccessDenied.code(), Origin::TrustedApp.code()));
        }
        Ok(u64::from(next_instance()))
    }

    fn invoke(&self, env: &mut dyn CallEnv, session: u64, cmd: u32, params: &mut TaParams) -> Outcome {
        let mut supplicant = Supplicant::new(env, session as u32);
        let code = match serve(&mut supplicant, cmd, params) {
            Ok(()) => TEE_SUCCESS,
            Err(e) => e.code(),
        };
        (code, Origin::TrustedApp.code())
    }

    fn close_session(&self, env: &mut dyn CallEnv, session: u64) {
        if let Err(e) = Supplicant::new(env, session as u32).close_all() {
            log::debug!("socket PTA: CLOSE_ALL failed: {:#x}", e.code());
        }
    }
}

fn next_instance() -> u32 {
    loop {
        let id = NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed);
        if id != 0 {
            return id;
        }
    }
}

fn value_in(params: &TaParams, i: usize) -> (u32, u32) {
    match params.0[i] {
        TaParam::Value { a, b, .. } => (a, b),
        _ => (0, 0),
    }
}

/// The bytes of memref `i` (its bounce buffer, at most its size).
fn memref(params: &mut TaParams, i: usize) -> Option<(&mut [u8], &mut u64)> {
    match &mut params.0[i] {
        TaParam::Memref { buf, size, .. } => {
            let len = buf.len().min(usize::try_from(*size).unwrap_or(usize::MAX));
            Some((&mut buf[..len], size))
        }
        _ => None,
    }
}

/// Serves command `cmd` for one session's instance.
pub fn serve(supplicant: &mut Supplicant<'_>, cmd: u32, params: &mut TaParams) -> Result<(), SocketError> {
    let expected = match cmd {
        SOCKET_CMD_OPEN => OPEN_TYPES,
        SOCKET_CMD_CLOSE => CLOSE_TYPES,
        SOCKET_CMD_SEND => SEND_TYPES,
        SOCKET_CMD_RECV => RECV_TYPES,
        SOCKET_CMD_IOCTL => IOCTL_TYPES,
        _ => return Err(TeeError::NotImplemented.into()),
    };
    if params.types() != expected {
        return Err(TeeError::BadParameters.into());
    }
    let (handle, arg) = value_in(params, 0);
    let bad = SocketError::Tee(TeeError::BadParameters);
    match cmd {
        SOCKET_CMD_OPEN => {
            let (ip_version, port) = (handle, arg);
            let (protocol, _) = value_in(params, 2);
            let (server, _) = memref(params, 1).ok_or(bad)?;
            // tee-supplicant reads the byte before the end as the NUL: an
            // empty name would have it read outside the buffer.
            if server.is_empty() {
                return Err(bad);
            }
            let handle = supplicant.open(ip_version, port, protocol, server)?;
            params.0[3] = TaParam::Value { dir: Dir::Out, a: handle, b: 0 };
            Ok(())
        }
        SOCKET_CMD_CLOSE => supplicant.close(handle),
        SOCKET_CMD_SEND => {
            let (data, _) = memref(params, 1).ok_or(bad)?;
            let (result, sent) = supplicant.send(handle, data, arg);
            // As upstream: the count is reported whatever the result.
            params.0[2] = TaParam::Value { dir: Dir::Out, a: sent, b: 0 };
            result
        }
        SOCKET_CMD_RECV => {
            let (buf, size) = memref(params, 1).ok_or(bad)?;
            *size = supplicant.recv(handle, buf, arg)?;
            Ok(())
        }
        _ => {
            let (buf, size) = memref(params, 1).ok_or(bad)?;
            let (result, reported) = supplicant.ioctl(handle, arg, buf);
            *size = reported;
            result
        }
    }
}

#[cfg(test)]
#[path = "socket_tests.rs"]
mod tests;
