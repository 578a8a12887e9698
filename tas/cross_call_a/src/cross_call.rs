//! What cross_call_a and cross_call_b both do (each names the other as its
//! peer), for suite 1015: two single-instance TAs calling each other.
//!
//! - command 0 `CALL_PEER` (`[0] VALUE_INPUT`): waits `a` ms (`TEE_Wait`),
//!   opens a session to the peer, invokes the peer's command `b` (no
//!   parameters) and returns the peer's result;
//! - command 1 `PING`: succeeds;
//! - command 3 `OPEN_PEER`: opens a session to the peer and returns the
//!   result (BUSY when the peer is the caller, upstream's answer for a
//!   cycle on one thread).

use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::{ParamType, Params, TeeError, TeeResult, Uuid};

const NONE: ParamType = ParamType::None;

fn no_params() -> [CallParam<'static>; 4] {
    [CallParam::None, CallParam::None, CallParam::None, CallParam::None]
}

/// Serves command `cmd` of a TA whose peer is `peer`.
pub fn invoke(peer: &Uuid, cmd: u32, params: &mut Params<'_>) -> TeeResult {
    match cmd {
        0 => {
            params.expect([ParamType::ValueInput, NONE, NONE, NONE])?;
            let value = params.value_input(0)?;
            if value.a > 0 {
                ta_sdk::time::wait(value.a)?;
            }
            let session = TaSession::open(peer)?;
            session.invoke(value.b, &mut no_params())
        }
        1 => Ok(()),
        3 => TaSession::open(peer).map(drop),
        _ => Err(TeeError::NotSupported),
    }
}
