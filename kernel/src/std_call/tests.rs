//! Yielding calls end to end on the host: an `optee_msg_arg` in fake
//! normal-world RAM, `handle` as a pool thread runs it, the answer read back.

extern crate alloc;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use tee_abi::msg::*;
use tee_abi::result::{Origin, TEE_SUCCESS, TeeError};
use tee_abi::smc;

use super::handle;
use crate::call_env::{ArgLocation, CallEnv, CallEnvMut};
use crate::msg::{Dir, MsgArg, MsgParam, Param};
use crate::session::Uuid;
use crate::shm::NsMemory;
use crate::shm::tests::FakeRam;
use crate::ta_manager::{TeeState, resolve};

const RAM: u64 = 0x4000_0000;
/// `ret_origin` values.
const TA: u32 = Origin::TrustedApp.code();
const TEE: u32 = Origin::Tee.code();
/// Where the tests put the argument struct (page 0) and a buffer (page 1).
const ARG_PA: u64 = RAM;
const BUF_PA: u64 = RAM + 0x1000;

/// A pool thread's environment without the thread: no RPC ever happens in
/// these calls (pseudo-TAs only), so leaving for the normal world is a bug.
struct Env {
    ram: FakeRam,
    rpc_arg: Option<ArgLocation>,
    cancel: Option<Arc<AtomicBool>>,
}

impl CallEnv for Env {
    fn mem(&self) -> &dyn NsMemory {
        &self.ram
    }
    fn rpc_arg(&self) -> Option<&ArgLocation> {
        self.rpc_arg.as_ref()
    }
    fn switch_to_normal_world(&mut self, a: [u64; 3]) -> [u64; 4] {
        panic!("unexpected RPC {a:x?}");
    }
    fn set_cancel_flag(&mut self, flag: Option<Arc<AtomicBool>>) {
        self.cancel = flag;
    }
    fn cancel_requested(&self) -> bool {
        self.cancel.as_ref().is_some_and(|f| f.load(Ordering::Acquire))
    }
}

impl CallEnvMut for Env {
    fn set_rpc_arg(&mut self, loc: Option<ArgLocation>) {
        self.rpc_arg = loc;
    }
    fn as_env(&self) -> &dyn CallEnv {
        self
    }
    fn as_env_mut(&mut self) -> &mut dyn CallEnv {
        self
    }
}

fn env() -> Env {
    Env { ram: FakeRam::new(4 * 4096), rpc_arg: None, cancel: None }
}

fn msg(cmd: u32, func: u32, session: u32, params: &[MsgParam]) -> MsgArg {
    MsgArg { cmd, func, session, cancel_id: 0, ret: 0, ret_origin: 0, params: params.to_vec() }
}

fn plain(param: Param) -> MsgParam {
    MsgParam { meta: false, param }
}

/// `OPEN_SESSION`'s two meta parameters: the TA's UUID and a public login.
fn open_meta(uuid: &Uuid) -> [MsgParam; 2] {
    let half = |at: usize| u64::from_le_bytes(uuid[at..at + 8].try_into().unwrap());
    [
        MsgParam { meta: true, param: Param::Value { dir: Dir::In, v: [half(0), half(8), 0] } },
        MsgParam { meta: true, param: Param::Value { dir: Dir::In, v: [0, 0, u64::from(LOGIN_PUBLIC)] } },
    ]
}

/// Writes `arg` at `ARG_PA`, issues `CALL_WITH_ARG` and returns the SMC
/// result with the struct as the normal world reads it afterwards.
fn call(state: &TeeState, env: &mut Env, arg: &MsgArg) -> (u64, MsgArg) {
    let mut bytes = alloc::vec![0u8; arg.encoded_len()];
    arg.encode(&mut bytes).unwrap();
    env.ram.write(ARG_PA, &bytes).unwrap();
    let out = handle(state, env, &[u64::from(smc::CALL_WITH_ARG), ARG_PA >> 32, ARG_PA & 0xffff_ffff, 0, 0, 0, 0, 0]);
    assert_eq!(out[1..], [0, 0, 0]);
    env.ram.read(ARG_PA, &mut bytes).unwrap();
    (out[0], MsgArg::parse(&bytes).unwrap())
}

#[test]
fn open_invoke_close_a_pseudo_ta() {
    let state = TeeState::new(resolve);
    let mut env = env();

    let (code, opened) = call(&state, &mut env, &msg(CMD_OPEN_SESSION, 0, 0, &open_meta(&crate::pta::device::UUID)));
    assert_eq!(code, smc::RETURN_OK);
    assert_eq!((opened.ret, opened.ret_origin), (TEE_SUCCESS, TA));
    let session = opened.session;
    assert_ne!(session, 0);
    assert_eq!(state.sessions.lock().len(), 1);

    // GET_DEVICES into a temporary memref: the (empty) list's size comes back.
    let out_buf = plain(Param::Tmem { dir: Dir::Out, buf_ptr: BUF_PA, size: 64, shm_ref: 7, noncontig: false });
    let (code, invoked) =
        call(&state, &mut env, &msg(CMD_INVOKE_COMMAND, crate::pta::device::CMD_GET_DEVICES, session, &[out_buf]));
    assert_eq!(code, smc::RETURN_OK);
    assert_eq!((invoked.ret, invoked.ret_origin), (TEE_SUCCESS, TA));
    assert!(matches!(invoked.params[0].param, Param::Tmem { dir: Dir::Out, size: 0, buf_ptr: BUF_PA, .. }));
    assert_eq!(state.bounce.used(), 0, "the bounce copy is given back when the call ends");

    // The pseudo-TA's own refusal keeps its origin.
    let (_, unknown) = call(&state, &mut env, &msg(CMD_INVOKE_COMMAND, 99, session, &[out_buf]));
    assert_eq!((unknown.ret, unknown.ret_origin), (TeeError::NotImplemented.code(), TA));

    let (code, closed) = call(&state, &mut env, &msg(CMD_CLOSE_SESSION, 0, session, &[]));
    assert_eq!(code, smc::RETURN_OK);
    assert_eq!((closed.ret, closed.ret_origin), (TEE_SUCCESS, TEE));
    assert!(state.sessions.lock().is_empty());

    // The session is gone: neither invoke nor a second close finds it.
    let (_, again) = call(&state, &mut env, &msg(CMD_INVOKE_COMMAND, 0, session, &[]));
    assert_eq!((again.ret, again.ret_origin), (TeeError::BadParameters.code(), TEE));
    let (_, again) = call(&state, &mut env, &msg(CMD_CLOSE_SESSION, 0, session, &[]));
    assert_eq!((again.ret, again.ret_origin), (TeeError::BadParameters.code(), TEE));
}

#[test]
fn open_refusals_come_from_the_tee() {
    let state = TeeState::new(resolve);
    let mut env = env();
    // No such TA (the host resolver knows only pseudo-TAs).
    let (code, missing) = call(&state, &mut env, &msg(CMD_OPEN_SESSION, 0, 0, &open_meta(&[0x42; 16])));
    assert_eq!(code, smc::RETURN_OK);
    assert_eq!((missing.ret, missing.ret_origin), (TeeError::ItemNotFound.code(), TEE));
    assert_eq!(missing.session, 0);
    // Without its meta parameters.
    let (_, bare) = call(&state, &mut env, &msg(CMD_OPEN_SESSION, 0, 0, &[]));
    assert_eq!((bare.ret, bare.ret_origin), (TeeError::BadParameters.code(), TEE));
    // The device pseudo-TA takes no open parameters.
    let mut with_param = open_meta(&crate::pta::device::UUID).to_vec();
    with_param.push(plain(Param::Value { dir: Dir::In, v: [1, 2, 3] }));
    let (_, refused) = call(&state, &mut env, &msg(CMD_OPEN_SESSION, 0, 0, &with_param));
    assert_eq!((refused.ret, refused.ret_origin), (TeeError::BadParameters.code(), TEE));
    assert!(state.sessions.lock().is_empty());
}

#[test]
fn malformed_calls_are_refused_in_the_smc_registers() {
    let state = TeeState::new(resolve);
    let mut env = env();
    let smc_call = |env: &mut Env, args: [u64; 8]| handle(&state, env, &args)[0];
    let with_arg = u64::from(smc::CALL_WITH_ARG);
    assert_eq!(smc_call(&mut env, [with_arg, 0, ARG_PA + 4, 0, 0, 0, 0, 0]), smc::RETURN_EBADADDR);
    assert_eq!(smc_call(&mut env, [with_arg, 0, 0x1000, 0, 0, 0, 0, 0]), smc::RETURN_EBADADDR, "outside NS RAM");
    assert_eq!(smc_call(&mut env, [0x3200_00ff, 0, ARG_PA, 0, 0, 0, 0, 0]), smc::RETURN_UNKNOWN_FUNCTION);
    let regd = u64::from(smc::CALL_WITH_REGD_ARG);
    assert_eq!(smc_call(&mut env, [regd, 0, 5, 0, 0, 0, 0, 0]), smc::RETURN_EBADADDR, "unregistered cookie");
    // An unknown command is refused as a whole.
    let (code, _) = call(&state, &mut env, &msg(0x55, 0, 0, &[]));
    assert_eq!(code, smc::RETURN_EBADCMD);
}
