//! A TA that calls other TAs, for the TA-to-TA tests.
//!
//! UUID `5f1d6c3a-8e27-4b09-a4d1-2c7b9e0f1a36`.
//! - command 0: `[0] VALUE_INOUT`: opens a session to hello_world, has it
//!   increment `a`, closes it;
//! - command 1: `[0] VALUE_OUTPUT`: opens a session to a UUID no TA has and
//!   reports the error code in `a`;
//! - command 2 (VALUE_OUTPUT, NONE, NONE, NONE): memrefs between TAs: has
//!   params_ta reverse a buffer on this TA's stack into a heap buffer, get
//!   SHORT_BUFFER and the size needed for a small output, and has os_test
//!   check that such a memref is shared secure memory; on failure `a` is
//!   the step and `b` the error;
//! - command 3 (MEMREF_INPUT, MEMREF_OUTPUT): has params_ta's REVERSE write
//!   straight into the client's output buffer (passed on as it came; the
//!   input goes as a private copy);
//! - command 4 (VALUE_OUTPUT, NONE, NONE, NONE): has os_test wait 2 s with
//!   a cancellation-request timeout of 200 ms → CANCEL; then 50 ms without
//!   one → success; on failure `a` is the step and `b` the error.

// no_std/no_main on the TA target; a std test binary on the host.
#![cfg_attr(not(test), no_std, no_main)]

extern crate alloc;

use alloc::vec;

use proto::os_test::{
    CASE_TA_SHARED_SECURE as OS_CASE_TA_SHARED_SECURE, CMD_RUN_CASE as OS_CMD_RUN_CASE,
    CMD_WAIT_CANCELLABLE as OS_CMD_WAIT_CANCELLABLE,
};
use proto::params_ta::CMD_REVERSE as PARAMS_CMD_REVERSE;
use proto::ta2ta::NOBODY;
use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::{ParamType, Params, TeeError, TeeResult, TrustedApp};

const NONE: ParamType = ParamType::None;

struct TaToTa;

impl TrustedApp for TaToTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(TaToTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        match cmd {
            0 => {
                params.expect([ParamType::ValueInout, NONE, NONE, NONE])?;
                let value = params.value_inout(0)?;
                let hello = TaSession::open(&proto::hello_world::UUID)?;
                let mut args = [
                    CallParam::ValueInOut { a: value.a, b: value.b },
                    CallParam::None,
                    CallParam::None,
                    CallParam::None,
                ];
                hello.invoke(0, &mut args)?;
                if let CallParam::ValueInOut { a, .. } = args[0] {
                    value.a = a;
                }
                Ok(())
            }
            1 => {
                params.expect([ParamType::ValueOutput, NONE, NONE, NONE])?;
                let code = match TaSession::open(&NOBODY) {
                    Ok(_) => 0,
                    Err(e) => TeeError::to_raw(Err(e)),
                };
                params.value_output(0)?.a = code;
                Ok(())
            }
            2 => {
                params.expect([ParamType::ValueOutput, NONE, NONE, NONE])?;
                memrefs_between_tas().map_err(|(step, e)| {
                    if let Ok(out) = params.value_output(0) {
                        out.a = step;
                        out.b = e.code();
                    }
                    e
                })
            }
            3 => {
                params.expect([ParamType::MemrefInput, ParamType::MemrefOutput, NONE, NONE])?;
                let input = params.memref_input(0)?.to_vec();
                let out = params.memref_output(1)?;
                let callee = TaSession::open(&proto::params_ta::UUID)?;
                let mut args = [
                    CallParam::MemrefIn(&input),
                    CallParam::MemrefOut(out.buffer(), 0),
                    CallParam::None,
                    CallParam::None,
                ];
                let result = callee.invoke(PARAMS_CMD_REVERSE, &mut args);
                let CallParam::MemrefOut(_, size) = args[1] else { return Err(TeeError::Generic) };
                out.set_size(size);
                result
            }
            4 => {
                params.expect([ParamType::ValueOutput, NONE, NONE, NONE])?;
                cancel_timeout().map_err(|(step, e)| {
                    if let Ok(out) = params.value_output(0) {
                        out.a = step;
                        out.b = e.code();
                    }
                    e
                })
            }
            _ => Err(TeeError::NotSupported),
        }
    }

    fn close_session(&mut self, _session: ()) {}
}

/// Step-numbered checks of memrefs passed from this TA to others.
fn memrefs_between_tas() -> Result<(), (u32, TeeError)> {
    let step = |n: u32| move |e: TeeError| (n, e);
    let reverser = TaSession::open(&proto::params_ta::UUID).map_err(step(1))?;
    // 2: a stack buffer in, a heap buffer out.
    let input: [u8; 11] = *b"hello, tees";
    let mut output = vec![0u8; 32];
    let mut args =
        [CallParam::MemrefIn(&input), CallParam::MemrefOut(&mut output, 0), CallParam::None, CallParam::None];
    reverser.invoke(PARAMS_CMD_REVERSE, &mut args).map_err(step(2))?;
    let CallParam::MemrefOut(_, size) = args[1] else { return Err((2, TeeError::Generic)) };
    if size != input.len() || output[..size] != *b"seet ,olleh" {
        return Err((3, TeeError::Generic));
    }
    // 4: an output too small: SHORT_BUFFER, and the size needed comes back.
    let mut small = [0u8; 4];
    let mut args = [CallParam::MemrefIn(&input), CallParam::MemrefOut(&mut small, 0), CallParam::None, CallParam::None];
    match reverser.invoke(PARAMS_CMD_REVERSE, &mut args) {
        Err(TeeError::ShortBuffer) => {}
        Err(e) => return Err((4, e)),
        Ok(()) => return Err((4, TeeError::BadState)),
    }
    if !matches!(args[1], CallParam::MemrefOut(_, 11)) {
        return Err((5, TeeError::Generic));
    }
    // 6: the callee sees our memref as shared, secure memory.
    let checker = TaSession::open(&proto::os_test::UUID).map_err(step(6))?;
    let mut args = [
        CallParam::ValueIn { a: OS_CASE_TA_SHARED_SECURE, b: 0 },
        CallParam::MemrefIn(&input),
        CallParam::ValueOut { a: 0, b: 0 },
        CallParam::None,
    ];
    checker.invoke(OS_CMD_RUN_CASE, &mut args).map_err(|e| match args[2] {
        CallParam::ValueOut { a, .. } => (100 + a, e),
        _ => (6, e),
    })
}

/// A cancellation-request timeout ends the callee's unmasked wait.
fn cancel_timeout() -> Result<(), (u32, TeeError)> {
    let waiter = TaSession::open(&proto::os_test::UUID).map_err(|e| (1, e))?;
    let wait = |ms: u32, timeout: u32| {
        let mut args =
            [CallParam::ValueIn { a: ms, b: 0 }, CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
        waiter.invoke_with_timeout(OS_CMD_WAIT_CANCELLABLE, &mut args, timeout)
    };
    match wait(2000, 200) {
        Err(TeeError::Cancel) => {}
        Err(e) => return Err((2, e)),
        Ok(()) => return Err((2, TeeError::BadState)),
    }
    wait(50, ta_sdk::ta_session::TIMEOUT_INFINITE).map_err(|e| (3, e))
}

ta_sdk::ta! {
    uuid: proto::ta2ta::UUID,
    flags: MULTI_SESSION,
    stack: 8192,
    heap: 32768,
    impl: TaToTa,
}

#[cfg(test)]
mod host_tests;
// The TAs this one calls, linked into the host tests (their own tests come
// along and run here too).
#[cfg(test)]
#[path = "../../hello_world/src/main.rs"]
mod hello_world;
#[cfg(test)]
#[path = "../../os_test/src/main.rs"]
mod os_test;
#[cfg(test)]
#[path = "../../params_ta/src/main.rs"]
mod params_ta;
