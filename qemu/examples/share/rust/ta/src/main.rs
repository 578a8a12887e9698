//! The share example's Rust TA (UUID `c2e84d7e-c3f9-4406-a9d4-a032a5a1f673`):
//! command 0 wants (VALUE_INOUT, NONE, NONE, NONE) and sets `a = a * 2 + b`;
//! other commands are NOT_SUPPORTED.
#![no_std]
#![no_main]

use ta_sdk::{ParamType, Params, TeeError, TeeResult, TrustedApp};

const CMD_DOUBLE_ADD: u32 = 0;
const TYPES: [ParamType; 4] = [ParamType::ValueInout, ParamType::None, ParamType::None, ParamType::None];

struct ShareRustTa;

impl TrustedApp for ShareRustTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(ShareRustTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        ta_sdk::info!("share_rust_ta: session opened");
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        if cmd != CMD_DOUBLE_ADD {
            return Err(TeeError::NotSupported);
        }
        params.expect(TYPES)?;
        let value = params.value_inout(0)?;
        value.a = value.a.wrapping_mul(2).wrapping_add(value.b);
        Ok(())
    }

    fn close_session(&mut self, _session: ()) {}
}

ta_sdk::ta! {
    uuid: "c2e84d7e-c3f9-4406-a9d4-a032a5a1f673",
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 4096,
    heap: 16384,
    impl: ShareRustTa,
}
