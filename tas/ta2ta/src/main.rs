//! A TA that calls other TAs, for the TA-to-TA tests.
//!
//! UUID `5f1d6c3a-8e27-4b09-a4d1-2c7b9e0f1a36`.
//! - command 0: `[0] VALUE_INOUT`: opens a session to hello_world, has it
//!   increment `a`, closes it;
//! - command 1: `[0] VALUE_OUTPUT`: opens a session to a UUID no TA has and
//!   reports the error code in `a`.

#![no_std]
#![no_main]

use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::{ParamType, Params, TeeError, TeeResult, TrustedApp, Uuid};

const HELLO: &str = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
const NOBODY: &str = "00000000-1111-2222-3333-444444444444";

const NONE: ParamType = ParamType::None;

struct TaToTa;

fn uuid(s: &str) -> TeeResult<Uuid> {
    Uuid::parse(s).map_err(|_| TeeError::BadParameters)
}

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
                let hello = TaSession::open(&uuid(HELLO)?)?;
                let mut args = [CallParam::ValueInOut { a: value.a, b: value.b }, CallParam::None, CallParam::None, CallParam::None];
                hello.invoke(0, &mut args)?;
                if let CallParam::ValueInOut { a, .. } = args[0] {
                    value.a = a;
                }
                Ok(())
            }
            1 => {
                params.expect([ParamType::ValueOutput, NONE, NONE, NONE])?;
                let code = match TaSession::open(&uuid(NOBODY)?) {
                    Ok(_) => 0,
                    Err(e) => TeeError::to_raw(Err(e)),
                };
                params.value_output(0)?.a = code;
                Ok(())
            }
            _ => Err(TeeError::NotSupported),
        }
    }

    fn close_session(&mut self, _session: ()) {}
}

ta_sdk::ta! {
    uuid: "5f1d6c3a-8e27-4b09-a4d1-2c7b9e0f1a36",
    flags: MULTI_SESSION,
    stack: 8192,
    heap: 16384,
    impl: TaToTa,
}
