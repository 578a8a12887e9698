//! cross_call_b: a single-instance, multi-session TA whose peer is
//! cross_call_a (`3b2797ee-0460-4b74-a990-3758590a6c8d`); the commands are in `cross_call.rs`.
//!
//! UUID `6f047466-b27e-4d5e-a128-0cb8e7b3b57a`.

// no_std/no_main on the TA target; a module of cross_call_a's host tests.
#![cfg_attr(not(test), no_std, no_main)]

#[path = "../../cross_call_a/src/cross_call.rs"]
mod cross_call;

use ta_sdk::{Params, TeeResult, TrustedApp};

const PEER: ta_sdk::Uuid = proto::cross_call::A_UUID;

struct CrossCall;

impl TrustedApp for CrossCall {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(CrossCall)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        cross_call::invoke(&PEER, cmd, params)
    }

    fn close_session(&mut self, _session: ()) {}
}

ta_sdk::ta! {
    uuid: proto::cross_call::B_UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 8192,
    heap: 16384,
    impl: CrossCall,
}
