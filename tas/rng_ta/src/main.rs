//! The TEE's RNG for the guest's two-boot check (`tz-rng`).
//!
//! UUID `cf04a61d-1dc2-44af-ad76-3a6e7ed8097f`:
//! - 0 `GENERATE` (MEMREF_OUTPUT): fills the buffer with `TEE_GenerateRandom`
//!   (at most 256 bytes);
//! - 1 `ADD_ENTROPY` (MEMREF_INPUT): hands the bytes to the system PTA's
//!   `PTA_SYSTEM_ADD_RNG_ENTROPY` and returns its result.
//!
//! Other parameter types → BAD_PARAMETERS; other commands → NOT_SUPPORTED.
#![no_std]
#![no_main]

use proto::rng_ta::{CMD_ADD_ENTROPY, CMD_GENERATE};
use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::{ParamType, Params, TeeError, TeeResult, TrustedApp};

const MAX_SAMPLE: usize = 256;

struct RngTa;

impl TrustedApp for RngTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(RngTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_GENERATE => {
                params.expect([ParamType::MemrefOutput, ParamType::None, ParamType::None, ParamType::None])?;
                let out = params.memref_output(0)?;
                let len = out.capacity().min(MAX_SAMPLE);
                let mut sample = [0u8; MAX_SAMPLE];
                ta_sdk::random_bytes(&mut sample[..len]);
                out.write(&sample[..len])
            }
            CMD_ADD_ENTROPY => {
                params.expect([ParamType::MemrefInput, ParamType::None, ParamType::None, ParamType::None])?;
                let input = params.memref_input(0)?;
                let system = TaSession::open(&ta_sdk::tee_abi::pta::SYSTEM_UUID)?;
                let mut args = [CallParam::MemrefIn(input), CallParam::None, CallParam::None, CallParam::None];
                system.invoke(ta_sdk::tee_abi::pta::SYSTEM_CMD_ADD_RNG_ENTROPY, &mut args)
            }
            _ => Err(TeeError::NotSupported),
        }
    }

    fn close_session(&mut self, _session: ()) {}
}

ta_sdk::ta! {
    uuid: proto::rng_ta::UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 4096,
    heap: 16384,
    impl: RngTa,
}
