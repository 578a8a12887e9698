//! A TA for `cargo xtask bench`: UUID `e3b7c2d4-5f16-4a8e-9c07-b1d2f3a4c5e6`.
//!
//! SINGLE_INSTANCE | MULTI_SESSION | INSTANCE_KEEP_ALIVE: once loaded, the
//! instance stays, so opening and closing a session measures the session
//! path without loading the TA ("warm"). Command 0 does nothing (any
//! parameters); other commands are NOT_SUPPORTED.
#![no_std]
#![no_main]

use ta_sdk::{Params, TeeError, TeeResult, TrustedApp};

/// Does nothing.
const CMD_NULL: u32 = 0;

struct BenchTa;

impl TrustedApp for BenchTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(BenchTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, _params: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_NULL => Ok(()),
            _ => Err(TeeError::NotSupported),
        }
    }
}

ta_sdk::ta! {
    uuid: "e3b7c2d4-5f16-4a8e-9c07-b1d2f3a4c5e6",
    flags: SINGLE_INSTANCE | MULTI_SESSION | INSTANCE_KEEP_ALIVE,
    stack: 4096,
    heap: 16384,
    impl: BenchTa,
}
