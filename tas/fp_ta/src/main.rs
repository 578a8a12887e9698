//! A TA that keeps the FP/SIMD registers in a known pattern while the
//! trusted OS does what might disturb them, for the FP/SIMD isolation tests.
//!
//! UUID `8c234927-7e34-45a6-ba09-d08bd7e7d9bd` (multi-instance, so it can call itself).
//! - command 0 `HOLD` (VALUE_INPUT, VALUE_INPUT, VALUE_OUTPUT, NONE):
//!   `[0].a` seed, `[0].b` rounds; `[1].a` milliseconds to `TEE_Wait` in
//!   the first round (an RPC to the normal world), `[1].b` non-zero to call
//!   a second instance of this TA in the first round (a nested run that uses
//!   FP/SIMD itself). Loads the pattern for the seed, then each round makes
//!   system calls and spins long enough to be preempted by normal-world
//!   interrupts, and reads the registers back. `[2].a` is the number of
//!   registers found changed (summed over all checks, the nested call's
//!   included), `[2].b` the number of checks; `[3].a` how many registers
//!   were not zero when the TA first read them, plus the same count from the
//!   nested run (what a new run inherits: another TA's or the normal
//!   world's values if the kernel leaked them).

#![no_std]
#![no_main]

use proto::fp_ta::CMD_HOLD;
use ta_sdk::simd::{self, SimdRegs};
use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::{ParamType, Params, TeeResult, TrustedApp};

/// Iterations of the spin between checks (a few ms of guest time).
const SPIN: u32 = 200_000;

const TYPES: [ParamType; 4] =
    [ParamType::ValueInput, ParamType::ValueInput, ParamType::ValueOutput, ParamType::ValueOutput];

struct FpTa;

/// Registers changed since `expected` was loaded.
fn check(expected: &SimdRegs, changed: &mut u32, checks: &mut u32) {
    let mut now = SimdRegs::ZERO;
    simd::store(&mut now);
    *changed += now.differences(expected);
    *checks += 1;
}

/// Busy work the compiler cannot drop; touches no FP/SIMD register (the TA
/// is soft-float).
fn spin(n: u32) -> u32 {
    let mut x = 1u32;
    for i in 0..n {
        x = core::hint::black_box(x.wrapping_mul(1_664_525).wrapping_add(i));
    }
    x
}

/// Registers that are not zero right now.
fn nonzero_now() -> u32 {
    let mut now = SimdRegs::ZERO;
    simd::store(&mut now);
    now.differences(&SimdRegs::ZERO)
}

/// Returns (registers changed, checks, registers the nested run inherited).
fn hold(seed: u32, rounds: u32, wait_ms: u32, nested: bool) -> TeeResult<(u32, u32, u32)> {
    let mine = SimdRegs::pattern(u64::from(seed));
    simd::load(&mine);
    let (mut changed, mut checks, mut nested_inherited) = (0, 0, 0);
    for round in 0..rounds {
        let _ = ta_sdk::time::system_time();
        check(&mine, &mut changed, &mut checks);
        spin(SPIN);
        check(&mine, &mut changed, &mut checks);
        if round == 0 && wait_ms > 0 {
            ta_sdk::time::wait(wait_ms)?;
            check(&mine, &mut changed, &mut checks);
        }
        if round == 0 && nested {
            let other = TaSession::open(&proto::fp_ta::UUID)?;
            check(&mine, &mut changed, &mut checks);
            let mut params = [
                CallParam::ValueIn { a: seed.wrapping_add(1000), b: 2 },
                CallParam::ValueIn { a: 0, b: 0 },
                CallParam::ValueOut { a: 0, b: 0 },
                CallParam::ValueOut { a: 0, b: 0 },
            ];
            other.invoke(CMD_HOLD, &mut params)?;
            if let CallParam::ValueOut { a, b } = params[2] {
                changed += a;
                checks += b;
            }
            // What the nested run found in the registers when it started
            // (this run's values, unless the kernel gave it fresh ones).
            if let CallParam::ValueOut { a, .. } = params[3] {
                nested_inherited += a;
            }
            check(&mine, &mut changed, &mut checks);
        }
    }
    Ok((changed, checks, nested_inherited))
}

impl TrustedApp for FpTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(FpTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        if cmd != CMD_HOLD {
            return Err(ta_sdk::TeeError::NotSupported);
        }
        params.expect(TYPES)?;
        let inherited = nonzero_now();
        let p0 = params.value_input(0)?;
        let p1 = params.value_input(1)?;
        let (changed, checks, nested_inherited) = hold(p0.a, p0.b, p1.a, p1.b != 0)?;
        let out = params.value_output(2)?;
        out.a = changed;
        out.b = checks;
        params.value_output(3)?.a = inherited + nested_inherited;
        Ok(())
    }
}

ta_sdk::ta! {
    uuid: proto::fp_ta::UUID,
    flags: MULTI_SESSION,
    stack: 8192,
    heap: 16384,
    impl: FpTa,
}
