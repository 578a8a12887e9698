//! The socket PTA and the system PTA's key derivation as a TA uses them
//! (`tz-xtest` 2001 and 4011), on ours and on upstream OP-TEE alike.
//!
//! UUID `6a1c2e4f-9b3d-4e57-8f10-2d4c6b8a0e93`:
//! - 0 `TCP_ECHO` (VALUE_INPUT a = port, MEMREF_INPUT data, MEMREF_OUTPUT):
//!   connects to 127.0.0.1:port through the socket PTA (`PTA_SOCKET_OPEN`,
//!   TCP), sends the data, receives as many bytes back, closes;
//! - 1 `DERIVE_KEY` (MEMREF_INPUT extra data, MEMREF_OUTPUT key): the system
//!   PTA's `DERIVE_TA_UNIQUE_KEY` into the TA's own memory, copied out;
//! - 2 `DERIVE_KEY_INTO_CLIENT`: the same with the client's (non-secure)
//!   output buffer handed to the PTA, which must refuse it;
//! - 3 `HOLD_OBJECT` (VALUE_INPUT a = `TEE_DATA_FLAG_*`): opens the
//!   private object `held` with those flags (creating it when there is
//!   none) and keeps the handle for the rest of the session; a second hold
//!   in one session is BAD_STATE. Being multi-instance, each session is an
//!   instance of its own (`tz-xtest` 6003);
//! - 4 `DELETE_HELD`: closes the held handle, deletes `held`.
//! - 5 `WRITE_HELD` (VALUE_INPUT a = position, MEMREF_INPUT data): writes
//!   through the held handle; 6 `READ_HELD` (VALUE_INPUT a = position,
//!   MEMREF_OUTPUT): reads through it, the output's size set to the bytes
//!   read (`tz-xtest` 6003: two instances sharing write access).
//!
//! Errors of the PTAs come back as they are; other parameter types →
//! BAD_PARAMETERS; other commands → NOT_SUPPORTED.
#![no_std]
#![no_main]

use proto::pta_client::{
    CMD_DELETE_HELD, CMD_DERIVE_KEY, CMD_DERIVE_KEY_INTO_CLIENT, CMD_HOLD_OBJECT, CMD_READ_HELD, CMD_TCP_ECHO,
    CMD_WRITE_HELD, HELD_OBJECT_ID, MAX_ECHO, MAX_EXTRA,
};
use ta_sdk::storage::{PersistentObject, Storage, Whence, flags};
use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::tee_abi::pta;
use ta_sdk::{ParamType, Params, TeeError, TeeResult, TrustedApp};

/// Milliseconds each socket operation may take.
const TIMEOUT_MS: u32 = 5000;

struct PtaClient;

/// A TCP connection through the socket PTA; closed on drop.
struct TcpSocket<'s> {
    pta: &'s TaSession,
    handle: u32,
}

impl<'s> TcpSocket<'s> {
    fn connect(pta: &'s TaSession, port: u32) -> TeeResult<TcpSocket<'s>> {
        let mut p = [
            CallParam::ValueIn { a: pta::ip_version::V4, b: port },
            CallParam::MemrefIn(b"127.0.0.1\0"),
            CallParam::ValueIn { a: pta::ISOCKET_PROTOCOLID_TCP, b: 0 },
            CallParam::ValueOut { a: 0, b: 0 },
        ];
        pta.invoke(pta::SOCKET_CMD_OPEN, &mut p)?;
        let CallParam::ValueOut { a: handle, .. } = p[3] else { return Err(TeeError::Generic) };
        Ok(TcpSocket { pta, handle })
    }

    fn send(&self, data: &[u8]) -> TeeResult<usize> {
        let mut p = [
            CallParam::ValueIn { a: self.handle, b: TIMEOUT_MS },
            CallParam::MemrefIn(data),
            CallParam::ValueOut { a: 0, b: 0 },
            CallParam::None,
        ];
        self.pta.invoke(pta::SOCKET_CMD_SEND, &mut p)?;
        let CallParam::ValueOut { a: sent, .. } = p[2] else { return Err(TeeError::Generic) };
        Ok(sent as usize)
    }

    fn recv(&self, buf: &mut [u8]) -> TeeResult<usize> {
        let mut p = [
            CallParam::ValueIn { a: self.handle, b: TIMEOUT_MS },
            CallParam::MemrefOut(buf, 0),
            CallParam::None,
            CallParam::None,
        ];
        self.pta.invoke(pta::SOCKET_CMD_RECV, &mut p)?;
        let CallParam::MemrefOut(_, got) = p[1] else { return Err(TeeError::Generic) };
        Ok(got)
    }
}

impl Drop for TcpSocket<'_> {
    fn drop(&mut self) {
        let mut p = [CallParam::ValueIn { a: self.handle, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
        let _ = self.pta.invoke(pta::SOCKET_CMD_CLOSE, &mut p);
    }
}

fn tcp_echo(params: &mut Params<'_>) -> TeeResult {
    params.expect([ParamType::ValueInput, ParamType::MemrefInput, ParamType::MemrefOutput, ParamType::None])?;
    let port = params.value_input(0)?.a;
    let mut data = [0u8; MAX_ECHO];
    let input = params.memref_input(1)?;
    let len = input.len();
    if len > MAX_ECHO {
        return Err(TeeError::BadParameters);
    }
    data[..len].copy_from_slice(input);
    let pta = TaSession::open(&pta::SOCKET_UUID)?;
    let socket = TcpSocket::connect(&pta, port)?;
    let mut sent = 0;
    while sent < len {
        sent += socket.send(&data[sent..len])?;
    }
    let mut echo = [0u8; MAX_ECHO];
    let mut got = 0;
    while got < len {
        let n = socket.recv(&mut echo[got..len])?;
        if n == 0 {
            break;
        }
        got += n.min(len - got);
    }
    drop(socket);
    params.memref_output(2)?.write(&echo[..got])
}

fn derive_key(params: &mut Params<'_>, into_client: bool) -> TeeResult {
    params.expect([ParamType::MemrefInput, ParamType::MemrefOutput, ParamType::None, ParamType::None])?;
    let mut extra = [0u8; MAX_EXTRA];
    let input = params.memref_input(0)?;
    let extra_len = input.len();
    extra.get_mut(..extra_len).ok_or(TeeError::BadParameters)?.copy_from_slice(input);
    let system = TaSession::open(&pta::SYSTEM_UUID)?;
    let out = params.memref_output(1)?;
    if into_client {
        let mut p = [
            CallParam::MemrefIn(&extra[..extra_len]),
            CallParam::MemrefOut(out.buffer(), 0),
            CallParam::None,
            CallParam::None,
        ];
        return system.invoke(pta::SYSTEM_CMD_DERIVE_TA_UNIQUE_KEY, &mut p);
    }
    // The key is asked for with the client's size (limits included).
    let mut key = [0u8; 64];
    let key_len = out.capacity().min(key.len());
    let mut p = [
        CallParam::MemrefIn(&extra[..extra_len]),
        CallParam::MemrefOut(&mut key[..key_len], 0),
        CallParam::None,
        CallParam::None,
    ];
    system.invoke(pta::SYSTEM_CMD_DERIVE_TA_UNIQUE_KEY, &mut p)?;
    out.write(&key[..key_len])
}

/// HOLD_OBJECT: the object opened, or created, with `flags`, kept in
/// `held`.
fn hold(held: &mut Option<PersistentObject>, params: &mut Params<'_>) -> TeeResult {
    params.expect([ParamType::ValueInput, ParamType::None, ParamType::None, ParamType::None])?;
    if held.is_some() {
        return Err(TeeError::BadState);
    }
    let f = params.value_input(0)?.a;
    let o = match PersistentObject::open(Storage::Private, HELD_OBJECT_ID, f) {
        Err(TeeError::ItemNotFound) => PersistentObject::create(Storage::Private, HELD_OBJECT_ID, f, &[])?,
        other => other?,
    };
    *held = Some(o);
    Ok(())
}

/// DELETE_HELD: the held handle closed, the object deleted.
fn delete_held(held: &mut Option<PersistentObject>) -> TeeResult {
    drop(held.take());
    let o = PersistentObject::open(Storage::Private, HELD_OBJECT_ID, flags::ACCESS_WRITE_META)?;
    o.delete().map_err(|(e, _)| e)
}

/// The held object, positioned at VALUE_INPUT a.
fn held_at<'h>(held: &'h mut Option<PersistentObject>, params: &Params<'_>) -> TeeResult<&'h mut PersistentObject> {
    let at = i32::try_from(params.value_input(0)?.a).map_err(|_| TeeError::BadParameters)?;
    let o = held.as_mut().ok_or(TeeError::BadState)?;
    o.seek(at, Whence::Set)?;
    Ok(o)
}

/// WRITE_HELD: MEMREF_INPUT written at VALUE_INPUT a.
fn write_held(held: &mut Option<PersistentObject>, params: &mut Params<'_>) -> TeeResult {
    params.expect([ParamType::ValueInput, ParamType::MemrefInput, ParamType::None, ParamType::None])?;
    let o = held_at(held, params)?;
    o.write(params.memref_input(1)?)
}

/// READ_HELD: MEMREF_OUTPUT read from VALUE_INPUT a.
fn read_held(held: &mut Option<PersistentObject>, params: &mut Params<'_>) -> TeeResult {
    params.expect([ParamType::ValueInput, ParamType::MemrefOutput, ParamType::None, ParamType::None])?;
    let o = held_at(held, params)?;
    let mut buf = [0u8; 256];
    let want = params.memref_output(1)?.capacity().min(buf.len());
    let n = o.read(&mut buf[..want])?;
    params.memref_output(1)?.write(&buf[..n])
}

impl TrustedApp for PtaClient {
    type Session = Option<PersistentObject>;

    fn create() -> TeeResult<Self> {
        Ok(PtaClient)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<Option<PersistentObject>> {
        Ok(None)
    }

    fn invoke(&mut self, held: &mut Option<PersistentObject>, cmd: u32, params: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_TCP_ECHO => tcp_echo(params),
            CMD_DERIVE_KEY => derive_key(params, false),
            CMD_DERIVE_KEY_INTO_CLIENT => derive_key(params, true),
            CMD_HOLD_OBJECT => hold(held, params),
            CMD_DELETE_HELD => delete_held(held),
            CMD_WRITE_HELD => write_held(held, params),
            CMD_READ_HELD => read_held(held, params),
            _ => Err(TeeError::NotSupported),
        }
    }

    fn close_session(&mut self, _held: Option<PersistentObject>) {}
}

ta_sdk::ta! {
    uuid: proto::pta_client::UUID,
    flags: MULTI_SESSION,
    stack: 16384,
    heap: 16384,
    impl: PtaClient,
}
