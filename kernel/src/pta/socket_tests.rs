//! The socket PTA against a fake tee-supplicant that checks each request's
//! layout as optee_client's `tee_socket.c` does and serves echo sockets.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use tee_abi::msg::{RPC_CMD_SHM_ALLOC, RPC_CMD_SHM_FREE, RPC_CMD_SOCKET, RPC_SHM_TYPE_APPL, rpc_socket};
use tee_abi::pta::{
    SOCKET_CMD_CLOSE, SOCKET_CMD_IOCTL, SOCKET_CMD_OPEN, SOCKET_CMD_RECV, SOCKET_CMD_SEND, isocket_error,
};
use tee_abi::result::{Origin, TeeError};

use super::SocketPta;
use crate::call_env::{ArgLocation, CallEnv};
use crate::msg::{Dir, MsgArg, Param};
use crate::params::{NsBuffer, TaParam, TaParams};
use crate::session::{ClientIdentity, Target};
use crate::shm::NsMemory;
use crate::shm::tests::FakeRam;

const ARG_PA: u64 = 0x4000_0000;
const SHM_BASE: u64 = 0x4001_0000;

/// tee-supplicant with echo sockets: what is sent comes back on RECV.
struct Supplicant {
    ram: FakeRam,
    arg: ArgLocation,
    shms: BTreeMap<u64, (u64, u64)>,
    next_cookie: u64,
    /// (instance, handle) → queued bytes.
    sockets: BTreeMap<(u64, u64), Vec<u8>>,
    next_handle: u64,
    /// Sizes the supplicant lies about, for the bounds.
    claim_recv: Option<u64>,
    claim_sent: Option<u64>,
    claim_ioctl: Option<u64>,
    /// A code every socket request fails with.
    fail: Option<u32>,
}

impl Supplicant {
    fn new() -> Supplicant {
        Supplicant {
            ram: FakeRam::new(4 << 20),
            arg: ArgLocation::Physical(ARG_PA),
            shms: BTreeMap::new(),
            next_cookie: 0,
            sockets: BTreeMap::new(),
            next_handle: 0,
            claim_recv: None,
            claim_sent: None,
            claim_ioctl: None,
            fail: None,
        }
    }

    fn buf(&self, p: &Param) -> (u64, u64) {
        let Param::Rmem { offs: 0, size, shm_ref, .. } = *p else { panic!("rmem expected, got {p:?}") };
        let (pa, len) = self.shms[&shm_ref];
        assert!(size <= len);
        (pa, size)
    }

    fn socket(&mut self, msg: &mut MsgArg) {
        let dirs: Vec<_> = msg.params.iter().map(|p| p.param).collect();
        let Param::Value { dir: Dir::In, v: head } = dirs[0] else { panic!("value0 in") };
        if let Some(code) = self.fail {
            msg.ret = code;
            return;
        }
        let key = (head[1], head[2]);
        msg.ret = 0;
        match head[0] {
            rpc_socket::OPEN => {
                assert_eq!(msg.params.len(), 4);
                assert!(matches!(dirs[1], Param::Value { dir: Dir::In, .. }));
                assert!(matches!(dirs[2], Param::Rmem { dir: Dir::In, .. }));
                assert!(matches!(dirs[3], Param::Value { dir: Dir::Out, .. }));
                let (pa, size) = self.buf(&dirs[2]);
                let mut name = alloc::vec![0u8; size as usize];
                self.ram.read(pa, &mut name).unwrap();
                if name.last() != Some(&0) {
                    msg.ret = isocket_error::HOSTNAME;
                    return;
                }
                self.next_handle += 1;
                self.sockets.insert((head[1], self.next_handle), Vec::new());
                msg.params[3].param = Param::Value { dir: Dir::Out, v: [self.next_handle, 0, 0] };
            }
            rpc_socket::CLOSE => {
                assert_eq!(msg.params.len(), 1);
                if self.sockets.remove(&key).is_none() {
                    msg.ret = TeeError::BadParameters.code();
                }
            }
            rpc_socket::CLOSE_ALL => {
                assert_eq!(msg.params.len(), 1);
                self.sockets.retain(|k, _| k.0 != head[1]);
            }
            rpc_socket::SEND => {
                assert_eq!(msg.params.len(), 3);
                assert!(matches!(dirs[1], Param::Rmem { dir: Dir::In, .. }));
                let Param::Value { dir: Dir::InOut, v } = dirs[2] else { panic!("value2 inout") };
                let (pa, size) = self.buf(&dirs[1]);
                let mut data = alloc::vec![0u8; size as usize];
                self.ram.read(pa, &mut data).unwrap();
                let Some(q) = self.sockets.get_mut(&key) else {
                    msg.ret = TeeError::BadParameters.code();
                    return;
                };
                q.extend_from_slice(&data);
                let sent = self.claim_sent.unwrap_or(size);
                msg.params[2].param = Param::Value { dir: Dir::InOut, v: [v[0], sent, 0] };
            }
            rpc_socket::RECV => {
                assert_eq!(msg.params.len(), 3);
                assert!(matches!(dirs[1], Param::Rmem { dir: Dir::Out, .. }));
                assert!(matches!(dirs[2], Param::Value { dir: Dir::In, .. }));
                let (pa, size) = self.buf(&dirs[1]);
                let Some(q) = self.sockets.get_mut(&key) else {
                    msg.ret = TeeError::BadParameters.code();
                    return;
                };
                if q.is_empty() {
                    msg.ret = isocket_error::TIMEOUT;
                    return;
                }
                let n = q.len().min(size as usize);
                let data: Vec<u8> = q.drain(..n).collect();
                self.ram.write(pa, &data).unwrap();
                let Param::Rmem { dir, offs, shm_ref, .. } = dirs[1] else { unreachable!() };
                let reported = self.claim_recv.unwrap_or(n as u64);
                msg.params[1].param = Param::Rmem { dir, offs, size: reported, shm_ref };
            }
            rpc_socket::IOCTL => {
                assert_eq!(msg.params.len(), 3);
                assert!(matches!(dirs[1], Param::Rmem { dir: Dir::InOut, .. }));
                let (pa, size) = self.buf(&dirs[1]);
                // The fake's ioctl reverses the buffer.
                let mut data = alloc::vec![0u8; size as usize];
                self.ram.read(pa, &mut data).unwrap();
                data.reverse();
                self.ram.write(pa, &data).unwrap();
                let Param::Rmem { dir, offs, shm_ref, .. } = dirs[1] else { unreachable!() };
                msg.params[1].param = Param::Rmem { dir, offs, size: self.claim_ioctl.unwrap_or(size), shm_ref };
            }
            other => panic!("unknown socket op {other}"),
        }
    }

    fn serve(&mut self, msg: &mut MsgArg) {
        match msg.cmd {
            RPC_CMD_SHM_ALLOC => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!("value") };
                assert_eq!(v[0], RPC_SHM_TYPE_APPL);
                assert!(v[1] > 0);
                self.next_cookie += 1;
                let pa = SHM_BASE + 0x10_0000 * (self.next_cookie % 3);
                self.shms.insert(self.next_cookie, (pa, v[1]));
                msg.params[0].param =
                    Param::Tmem { dir: Dir::Out, buf_ptr: pa, size: v[1], shm_ref: self.next_cookie, noncontig: false };
                msg.ret = 0;
            }
            RPC_CMD_SHM_FREE => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!("value") };
                self.shms.remove(&v[1]).expect("a live cookie");
                msg.ret = 0;
            }
            RPC_CMD_SOCKET => self.socket(msg),
            other => panic!("unexpected RPC {other}"),
        }
    }
}

impl CallEnv for Supplicant {
    fn mem(&self) -> &dyn NsMemory {
        &self.ram
    }
    fn rpc_arg(&self) -> Option<&ArgLocation> {
        Some(&self.arg)
    }
    fn switch_to_normal_world(&mut self, _: [u64; 3]) -> [u64; 4] {
        let mut msg = self.ram.take_rpc(ARG_PA);
        self.serve(&mut msg);
        self.ram.answer_rpc(ARG_PA, &msg);
        [0; 4]
    }
}

const TA: ClientIdentity = ClientIdentity { login: tee_abi::msg::LOGIN_TRUSTED_APP, uuid: [7; 16] };

fn val(dir: Dir, a: u32, b: u32) -> TaParam {
    TaParam::Value { dir, a, b }
}

fn mem(dir: Dir, bytes: &[u8]) -> TaParam {
    TaParam::Memref { dir, buf: bytes.to_vec(), size: bytes.len() as u64, source: NsBuffer::Null }
}

fn p(a: TaParam, b: TaParam, c: TaParam, d: TaParam) -> TaParams {
    TaParams([a, b, c, d])
}

const ORIGIN_TA: u32 = Origin::TrustedApp.code();

/// Opens a session and a socket to "127.0.0.1"; (session, handle).
fn open_socket(env: &mut Supplicant) -> (u64, u32) {
    let session = SocketPta.open_session(env, &TA, &mut TaParams::none()).expect("a TA may open it");
    let mut params = p(val(Dir::In, 4, 1234), mem(Dir::In, b"127.0.0.1\0"), val(Dir::In, 6, 0), val(Dir::Out, 0, 0));
    assert_eq!(SocketPta.invoke(env, session, SOCKET_CMD_OPEN, &mut params), (0, ORIGIN_TA));
    let TaParam::Value { a: handle, .. } = params.0[3] else { panic!("handle") };
    (session, handle)
}

#[test]
fn only_tas_may_open_it() {
    let mut env = Supplicant::new();
    let client = ClientIdentity { login: tee_abi::msg::LOGIN_PUBLIC, uuid: [0; 16] };
    let r = SocketPta.open_session(&mut env, &client, &mut TaParams::none());
    assert_eq!(r, Err((TeeError::AccessDenied.code(), ORIGIN_TA)));
    let a = SocketPta.open_session(&mut env, &TA, &mut TaParams::none()).unwrap();
    let b = SocketPta.open_session(&mut env, &TA, &mut TaParams::none()).unwrap();
    assert_ne!(a, b, "each session is its own instance for the supplicant");
}

#[test]
fn send_then_recv_round_trips_and_buffers_are_freed() {
    let mut env = Supplicant::new();
    let (session, handle) = open_socket(&mut env);
    let mut send = p(val(Dir::In, handle, 1000), mem(Dir::In, b"hello socket"), val(Dir::Out, 0, 0), TaParam::None);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_SEND, &mut send), (0, ORIGIN_TA));
    assert_eq!(send.0[2], val(Dir::Out, 12, 0));
    let mut recv = p(val(Dir::In, handle, 1000), mem(Dir::Out, &[0; 5]), TaParam::None, TaParam::None);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_RECV, &mut recv), (0, ORIGIN_TA));
    assert_eq!(recv.0[1], mem(Dir::Out, b"hello"));
    let mut recv = p(val(Dir::In, handle, 1000), mem(Dir::Out, &[0; 32]), TaParam::None, TaParam::None);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_RECV, &mut recv), (0, ORIGIN_TA));
    let TaParam::Memref { buf, size, .. } = &recv.0[1] else { panic!() };
    assert_eq!((&buf[..*size as usize], *size), (&b" socket"[..], 7));
    assert!(env.shms.is_empty(), "every APPL buffer is freed");
}

#[test]
fn supplicant_codes_reach_the_ta_unchanged() {
    let mut env = Supplicant::new();
    let (session, handle) = open_socket(&mut env);
    // Nothing queued: the fake times out with the GP socket code.
    let mut recv = p(val(Dir::In, handle, 10), mem(Dir::Out, &[0; 4]), TaParam::None, TaParam::None);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_RECV, &mut recv), (isocket_error::TIMEOUT, ORIGIN_TA));
    let mut open = p(val(Dir::In, 4, 1), mem(Dir::In, b"no-nul"), val(Dir::In, 6, 0), val(Dir::Out, 0, 0));
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_OPEN, &mut open), (isocket_error::HOSTNAME, ORIGIN_TA));
    // A 0 "error" from a broken supplicant is no success.
    env.fail = Some(isocket_error::REMOTE_CLOSED);
    let mut close = p(val(Dir::In, handle, 0), TaParam::None, TaParam::None, TaParam::None);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_CLOSE, &mut close).0, isocket_error::REMOTE_CLOSED);
    assert!(env.shms.is_empty());
}

#[test]
fn parameter_types_are_checked_exactly_before_any_rpc() {
    let mut env = Supplicant::new();
    let session = SocketPta.open_session(&mut env, &TA, &mut TaParams::none()).unwrap();
    let cases = [
        (SOCKET_CMD_OPEN, p(val(Dir::In, 4, 1), mem(Dir::In, b"x\0"), val(Dir::In, 6, 0), TaParam::None)),
        (SOCKET_CMD_CLOSE, p(val(Dir::InOut, 1, 0), TaParam::None, TaParam::None, TaParam::None)),
        (SOCKET_CMD_SEND, p(val(Dir::In, 1, 0), mem(Dir::InOut, b"x"), val(Dir::Out, 0, 0), TaParam::None)),
        (SOCKET_CMD_RECV, p(val(Dir::In, 1, 0), mem(Dir::In, b"x"), TaParam::None, TaParam::None)),
        (SOCKET_CMD_IOCTL, p(val(Dir::In, 1, 0), mem(Dir::Out, b"x"), TaParam::None, TaParam::None)),
        // An empty server name would make the supplicant read before its buffer.
        (SOCKET_CMD_OPEN, p(val(Dir::In, 4, 1), mem(Dir::In, b""), val(Dir::In, 6, 0), val(Dir::Out, 0, 0))),
    ];
    for (cmd, mut params) in cases {
        assert_eq!(SocketPta.invoke(&mut env, session, cmd, &mut params), (TeeError::BadParameters.code(), ORIGIN_TA));
    }
    let mut none = TaParams::none();
    assert_eq!(SocketPta.invoke(&mut env, session, 9, &mut none), (TeeError::NotImplemented.code(), ORIGIN_TA));
    assert_eq!(env.next_cookie, 0, "no RPC was made");
}

#[test]
fn sizes_the_supplicant_reports_are_bounded() {
    let mut env = Supplicant::new();
    let (session, handle) = open_socket(&mut env);
    let mut send = p(val(Dir::In, handle, 0), mem(Dir::In, b"abcdef"), val(Dir::Out, 0, 0), TaParam::None);
    env.claim_sent = Some(1 << 40);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_SEND, &mut send).0, 0);
    assert_eq!(send.0[2], val(Dir::Out, 6, 0), "never more than was given");
    // A truncated datagram: the real length is reported, only the buffer filled.
    env.claim_recv = Some(1 << 40);
    let mut recv = p(val(Dir::In, handle, 0), mem(Dir::Out, &[0; 4]), TaParam::None, TaParam::None);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_RECV, &mut recv).0, 0);
    let TaParam::Memref { buf, size, .. } = &recv.0[1] else { panic!() };
    assert_eq!((buf.as_slice(), *size), (&b"abcd"[..], 1 << 40));
    // IOCTL: the answer is copied only when it fits.
    let mut ioctl = p(val(Dir::In, handle, 7), mem(Dir::InOut, b"123"), TaParam::None, TaParam::None);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_IOCTL, &mut ioctl).0, 0);
    assert_eq!(ioctl.0[1], mem(Dir::InOut, b"321"));
    env.claim_ioctl = Some(4);
    let mut ioctl = p(val(Dir::In, handle, 7), mem(Dir::InOut, b"123"), TaParam::None, TaParam::None);
    assert_eq!(SocketPta.invoke(&mut env, session, SOCKET_CMD_IOCTL, &mut ioctl).0, 0);
    let TaParam::Memref { buf, size, .. } = &ioctl.0[1] else { panic!() };
    assert_eq!((buf.as_slice(), *size), (&b"123"[..], 4));
    assert!(env.shms.is_empty());
}

#[test]
fn closing_the_session_closes_the_instances_sockets() {
    let mut env = Supplicant::new();
    let (a, _) = open_socket(&mut env);
    let (b, _) = open_socket(&mut env);
    assert_eq!(env.sockets.len(), 2);
    SocketPta.close_session(&mut env, a);
    assert_eq!(env.sockets.keys().map(|k| k.0).collect::<Vec<_>>(), [b]);
}
