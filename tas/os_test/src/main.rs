//! The suite's OS-services TA (UUID `1859c538-cea6-446a-a347-de402cf42252`),
//! the 1000 group's counterpart of upstream's `os_test` TA. Commands:
//!
//! - 0 `CMD_RUN_CASE` (VALUE_INPUT (case, argument), MEMREF_INPUT or NONE,
//!   VALUE_OUTPUT, NONE): runs one check of `cases.rs`; on failure returns
//!   the error with (step, code) in the output value;
//! - 1 `CMD_WAIT_CANCELLABLE` (VALUE_INPUT a = ms, VALUE_OUTPUT): unmasks
//!   cancellation and waits; `TEE_ERROR_CANCEL` when the client cancels,
//!   with `out.a` = the cancellation flag seen afterwards;
//! - 2 `CMD_CLIENT_LOGIN` (VALUE_OUTPUT): `gpd.client.identity`'s login;
//! - 3 `CMD_OPEN_VALUE` (VALUE_OUTPUT): the value this session was opened
//!   with (an open-session VALUE_INOUT `a` is returned as `a + 1`).
// no_std/no_main on the TA target; a module of ta2ta's host tests.
#![cfg_attr(not(test), no_std, no_main)]

extern crate alloc;

mod cases;

use proto::os_test::{CMD_CLIENT_LOGIN, CMD_OPEN_VALUE, CMD_RUN_CASE, CMD_WAIT_CANCELLABLE};
use ta_sdk::property::{self, PropSet};
use ta_sdk::{ParamType as T, Params, TeeError, TeeResult, TrustedApp, cancel, time};

/// Longest wait a client may ask for (ms).
const WAIT_MAX_MS: u32 = 30_000;

struct OsTest;

/// Per session: the value of an open-session VALUE_INOUT, if any.
struct Session {
    open_value: Option<u32>,
}

impl TrustedApp for OsTest {
    type Session = Session;

    fn create() -> TeeResult<Self> {
        Ok(OsTest)
    }

    fn open_session(&mut self, p: &mut Params<'_>) -> TeeResult<Session> {
        if p.types()[0] == T::ValueInout {
            let v = p.value_inout(0)?;
            v.a = v.a.wrapping_add(1);
            return Ok(Session { open_value: Some(v.a) });
        }
        Ok(Session { open_value: None })
    }

    fn invoke(&mut self, session: &mut Session, cmd: u32, p: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_RUN_CASE => {
                let types = p.types();
                if types[0] != T::ValueInput || types[2] != T::ValueOutput {
                    return Err(TeeError::BadParameters);
                }
                let input = p.value_input(0)?;
                let shared = if types[1] == T::MemrefInput { Some(p.memref_input(1)?) } else { None };
                match cases::run(input.a, input.b, shared) {
                    Ok(()) => Ok(()),
                    Err((step, e)) => {
                        let out = p.value_output(2)?;
                        out.a = step;
                        out.b = e.code();
                        Err(e)
                    }
                }
            }
            CMD_WAIT_CANCELLABLE => {
                p.expect([T::ValueInput, T::ValueOutput, T::None, T::None])?;
                let ms = p.value_input(0)?.a.min(WAIT_MAX_MS);
                cancel::unmask()?;
                let waited = time::wait(ms);
                let flag = cancel::is_requested()?;
                p.value_output(1)?.a = u32::from(flag);
                waited
            }
            CMD_CLIENT_LOGIN => {
                p.expect([T::ValueOutput, T::None, T::None, T::None])?;
                let who = property::get_identity(PropSet::CurrentClient, "gpd.client.identity")?;
                p.value_output(0)?.a = who.login;
                Ok(())
            }
            CMD_OPEN_VALUE => {
                p.expect([T::ValueOutput, T::None, T::None, T::None])?;
                p.value_output(0)?.a = session.open_value.ok_or(TeeError::ItemNotFound)?;
                Ok(())
            }
            _ => Err(TeeError::NotSupported),
        }
    }
}

ta_sdk::ta! {
    uuid: proto::os_test::UUID,
    flags: MULTI_SESSION,
    stack: 8192,
    heap: 65536,
    impl: OsTest,
}
