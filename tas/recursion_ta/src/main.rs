//! A multi-instance TA for the thread tests (suite 1013-1014): TA-to-TA
//! nesting on its own UUID (every session is a new instance) and the EL0
//! thread-pointer register.
//!
//! UUID `9971ef47-63ad-4a67-bd7f-9dde64bda093`.
//! - command 0 `RECURSE` (`[0] VALUE_INOUT`): with `a` > 0, opens a session
//!   to itself and has that instance recurse with `a - 1`. Always succeeds
//!   with `a` = how many instances ran nested (this one included) and `b`
//!   = the error that stopped the recursion (0 when it reached the end);
//! - command 1 `TPIDR_SET_GET` (`[0] VALUE_INOUT`): writes `b:a` (high:low)
//!   to `TPIDR_EL0` and returns what reading it back gives;
//! - command 2 `TPIDR_GET` (`[0] VALUE_OUTPUT`): `TPIDR_EL0` as this entry
//!   found it;
//! - command 3 `TPIDR_NESTED` (`[0] VALUE_INOUT`, `[1] VALUE_OUTPUT`):
//!   writes `b:a` to `TPIDR_EL0`, has a new instance of itself report its
//!   `TPIDR_EL0` (`[0]` out), then reads its own again (`[1]`).

#![no_std]
#![no_main]

use proto::recursion_ta::{CMD_RECURSE, CMD_TPIDR_GET};
use ta_sdk::sys::{set_thread_pointer, thread_pointer};
use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::{ParamType, Params, TeeError, TeeResult, TrustedApp};

const NONE: ParamType = ParamType::None;

struct Recursion;

fn join(a: u32, b: u32) -> u64 {
    u64::from(b) << 32 | u64::from(a)
}

fn split(v: u64) -> (u32, u32) {
    (v as u32, (v >> 32) as u32)
}

/// Recurses `remaining` more levels; (levels that ran, stopping error).
fn recurse(remaining: u32) -> TeeResult<(u32, u32)> {
    if remaining == 0 {
        return Ok((1, 0));
    }
    let next = match TaSession::open(&proto::recursion_ta::UUID) {
        Ok(session) => session,
        Err(e) => return Ok((1, e.code())),
    };
    let mut args =
        [CallParam::ValueInOut { a: remaining - 1, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
    if let Err(e) = next.invoke(CMD_RECURSE, &mut args) {
        return Ok((1, e.code()));
    }
    let CallParam::ValueInOut { a: levels, b: error } = args[0] else { return Err(TeeError::Generic) };
    Ok((levels + 1, error))
}

impl TrustedApp for Recursion {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(Recursion)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        // Read before anything else can touch it.
        let tpidr_on_entry = thread_pointer();
        match cmd {
            CMD_RECURSE => {
                params.expect([ParamType::ValueInout, NONE, NONE, NONE])?;
                let value = params.value_inout(0)?;
                (value.a, value.b) = recurse(value.a)?;
                Ok(())
            }
            1 => {
                params.expect([ParamType::ValueInout, NONE, NONE, NONE])?;
                let value = params.value_inout(0)?;
                set_thread_pointer(join(value.a, value.b));
                (value.a, value.b) = split(thread_pointer());
                Ok(())
            }
            CMD_TPIDR_GET => {
                params.expect([ParamType::ValueOutput, NONE, NONE, NONE])?;
                let out = params.value_output(0)?;
                (out.a, out.b) = split(tpidr_on_entry);
                Ok(())
            }
            3 => {
                params.expect([ParamType::ValueInout, ParamType::ValueOutput, NONE, NONE])?;
                let value = params.value_inout(0)?;
                set_thread_pointer(join(value.a, value.b));
                let callee = TaSession::open(&proto::recursion_ta::UUID)?;
                let mut args = [CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
                callee.invoke(CMD_TPIDR_GET, &mut args)?;
                let CallParam::ValueOut { a, b } = args[0] else { return Err(TeeError::Generic) };
                (value.a, value.b) = (a, b);
                let own = params.value_output(1)?;
                (own.a, own.b) = split(thread_pointer());
                Ok(())
            }
            _ => Err(TeeError::NotSupported),
        }
    }

    fn close_session(&mut self, _session: ()) {}
}

ta_sdk::ta! {
    uuid: proto::recursion_ta::UUID,
    flags: NONE,
    stack: 8192,
    heap: 16384,
    impl: Recursion,
}
