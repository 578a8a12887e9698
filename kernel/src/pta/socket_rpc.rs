//! The socket PTA's client of tee-supplicant: `OPTEE_RPC_CMD_SOCKET`
//! (optee_os 4.5.0 `core/include/optee_rpc_cmd.h`, served by optee_client
//! 4.5.0 `tee-supplicant/src/tee_socket.c`). Each request carries exactly the
//! parameter layout the supplicant checks; buffers travel in `APPL` shared
//! memory allocated for the request and freed after it. Everything the
//! supplicant answers is bounded by what we asked for before it reaches the
//! TA.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::msg::{RPC_CMD_SOCKET, RPC_SHM_TYPE_APPL, rpc_socket};
use tee_abi::result::TeeError;

use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, MsgParam, Param};
use crate::rpc_shm::rpc_msg;
use crate::rpc_shm::{RpcShm, shm_alloc, shm_free};
use crate::session::raw_error;

/// Why a socket request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketError {
    /// The kernel's own refusal (parameters, memory, a broken RPC).
    Tee(TeeError),
    /// tee-supplicant's answer, passed to the TA unchanged as upstream does:
    /// it may be a GP socket code (`TEE_ISOCKET_ERROR_*`, `tee_abi::pta::
    /// isocket_error`) that is no `TeeError`.
    Supplicant(u32),
}

impl SocketError {
    /// The `TEE_Result` the TA sees.
    pub fn code(self) -> u32 {
        match self {
            SocketError::Tee(e) => e.code(),
            // 0 would read as success: an answer that is no error is not one.
            SocketError::Supplicant(0) => TeeError::Generic.code(),
            SocketError::Supplicant(code) => code,
        }
    }
}

impl From<TeeError> for SocketError {
    fn from(e: TeeError) -> SocketError {
        SocketError::Tee(e)
    }
}

/// Where one request's sockets live: the TA instance's id as tee-supplicant
/// keys its sockets.
pub struct Supplicant<'a> {
    env: &'a mut dyn CallEnv,
    instance: u32,
}

fn value(dir: Dir, a: u64, b: u64, c: u64) -> Param {
    Param::Value { dir, v: [a, b, c] }
}

fn rmem(dir: Dir, shm: &RpcShm, size: usize) -> Param {
    Param::Rmem { dir, offs: 0, size: size as u64, shm_ref: shm.cookie }
}

/// The size a memref parameter came back with.
fn returned_size(p: Option<&MsgParam>) -> Result<u64, SocketError> {
    match p.map(|p| p.param) {
        Some(Param::Rmem { size, .. }) | Some(Param::Tmem { size, .. }) => Ok(size),
        _ => Err(SocketError::Tee(TeeError::Communication)),
    }
}

fn returned_value(p: Option<&MsgParam>) -> Result<[u64; 3], SocketError> {
    match p.map(|p| p.param) {
        Some(Param::Value { v, .. }) => Ok(v),
        _ => Err(SocketError::Tee(TeeError::Communication)),
    }
}

impl<'a> Supplicant<'a> {
    /// Requests for `instance`'s sockets through `env`'s RPC.
    pub fn new(env: &'a mut dyn CallEnv, instance: u32) -> Supplicant<'a> {
        Supplicant { env, instance }
    }

    /// The first parameter of every request: sub-command, instance, handle.
    fn head(&self, op: u64, handle: u32) -> Param {
        value(Dir::In, op, u64::from(self.instance), u64::from(handle))
    }

    /// One request; the answer's parameters and its result (the parameters
    /// come back on failure too: SEND and IOCTL report sizes either way).
    fn request(&mut self, params: Vec<Param>) -> Result<(Vec<MsgParam>, Result<(), SocketError>), SocketError> {
        let msg = rpc_msg(RPC_CMD_SOCKET, params);
        let answer = rpc_cmd(self.env, &msg).map_err(|e| SocketError::Tee(raw_error(e)))?;
        let result = if answer.ret == 0 { Ok(()) } else { Err(SocketError::Supplicant(answer.ret)) };
        Ok((answer.params, result))
    }

    /// Runs `f` with an APPL buffer holding `data` (at least one byte is
    /// allocated), freed after.
    fn with_shm<T>(
        &mut self,
        data: &[u8],
        f: impl FnOnce(&mut Self, &RpcShm) -> Result<T, SocketError>,
    ) -> Result<T, SocketError> {
        let shm = shm_alloc(self.env, RPC_SHM_TYPE_APPL, data.len().max(1) as u64)
            .map_err(|e| SocketError::Tee(raw_error(e)))?;
        let r = match shm.shm.write(self.env.mem(), 0, data) {
            Ok(()) => f(self, &shm),
            Err(_) => Err(SocketError::Tee(TeeError::Communication)),
        };
        shm_free(self.env, RPC_SHM_TYPE_APPL, shm.cookie);
        r
    }

    /// Reads back `buf.len()` bytes of the buffer.
    fn read_back(&self, shm: &RpcShm, buf: &mut [u8]) -> Result<(), SocketError> {
        shm.shm.read(self.env.mem(), 0, buf).map_err(|_| SocketError::Tee(TeeError::Communication))
    }

    /// OPEN: connects to `server` (NUL terminated, as the TA gave it);
    /// the new socket's handle.
    pub fn open(&mut self, ip_version: u32, port: u32, protocol: u32, server: &[u8]) -> Result<u32, SocketError> {
        let head = self.head(rpc_socket::OPEN, 0);
        self.with_shm(server, |s, shm| {
            let (back, result) = s.request(alloc::vec![
                head,
                value(Dir::In, u64::from(port), u64::from(protocol), u64::from(ip_version)),
                rmem(Dir::In, shm, server.len()),
                value(Dir::Out, 0, 0, 0),
            ])?;
            result?;
            Ok(returned_value(back.get(3))?[0] as u32)
        })
    }

    /// CLOSE one socket.
    pub fn close(&mut self, handle: u32) -> Result<(), SocketError> {
        let head = self.head(rpc_socket::CLOSE, handle);
        self.request(alloc::vec![head])?.1
    }

    /// CLOSE_ALL of this instance's sockets.
    pub fn close_all(&mut self) -> Result<(), SocketError> {
        let head = self.head(rpc_socket::CLOSE_ALL, 0);
        self.request(alloc::vec![head])?.1
    }

    /// SEND: the result and the bytes sent (never more than `data.len()`).
    pub fn send(&mut self, handle: u32, data: &[u8], timeout: u32) -> (Result<(), SocketError>, u32) {
        let head = self.head(rpc_socket::SEND, handle);
        let r = self.with_shm(data, |s, shm| {
            let (back, result) = s.request(alloc::vec![
                head,
                rmem(Dir::In, shm, data.len()),
                value(Dir::InOut, u64::from(timeout), 0, 0),
            ])?;
            let sent = returned_value(back.get(2))?[1].min(data.len() as u64) as u32;
            Ok((result, sent))
        });
        r.unwrap_or_else(|e| (Err(e), 0))
    }

    /// RECV into `buf`: the size tee-supplicant reports, which may exceed
    /// `buf.len()` (a truncated datagram's length, or with an empty `buf`
    /// what is queued); only `min(reported, buf.len())` bytes are copied.
    pub fn recv(&mut self, handle: u32, buf: &mut [u8], timeout: u32) -> Result<u64, SocketError> {
        let head = self.head(rpc_socket::RECV, handle);
        let len = buf.len();
        let shm =
            shm_alloc(self.env, RPC_SHM_TYPE_APPL, len.max(1) as u64).map_err(|e| SocketError::Tee(raw_error(e)))?;
        let r = (|| {
            let (back, result) =
                self.request(alloc::vec![head, rmem(Dir::Out, &shm, len), value(Dir::In, u64::from(timeout), 0, 0),])?;
            result?;
            let reported = returned_size(back.get(1))?;
            let copy = reported.min(len as u64) as usize;
            self.read_back(&shm, &mut buf[..copy])?;
            Ok(reported)
        })();
        shm_free(self.env, RPC_SHM_TYPE_APPL, shm.cookie);
        r
    }

    /// IOCTL with `buf` in and out: the result and the size reported. The
    /// answer is copied into `buf` only when it fits, as upstream does.
    pub fn ioctl(&mut self, handle: u32, command: u32, buf: &mut [u8]) -> (Result<(), SocketError>, u64) {
        let head = self.head(rpc_socket::IOCTL, handle);
        let len = buf.len();
        let shm = match shm_alloc(self.env, RPC_SHM_TYPE_APPL, len.max(1) as u64) {
            Ok(shm) => shm,
            Err(e) => return (Err(SocketError::Tee(raw_error(e))), len as u64),
        };
        let r = (|| {
            shm.shm.write(self.env.mem(), 0, buf).map_err(|_| SocketError::Tee(TeeError::Communication))?;
            let (back, result) =
                self.request(
                    alloc::vec![head, rmem(Dir::InOut, &shm, len), value(Dir::In, u64::from(command), 0, 0),],
                )?;
            let reported = returned_size(back.get(1))?;
            if reported <= len as u64 {
                self.read_back(&shm, &mut buf[..reported as usize])?;
            }
            Ok((result, reported))
        })();
        shm_free(self.env, RPC_SHM_TYPE_APPL, shm.cookie);
        r.unwrap_or_else(|e| (Err(e), len as u64))
    }
}
