//! Parameters end to end through params_ta, with both kinds of shared memory:
//!
//! - `ta-memref-registered`: registered input (at an offset) reversed into a
//!   registered output; the output size comes back;
//! - `ta-memref-short-buffer`: a too-small output → `TEEC_ERROR_SHORT_BUFFER`
//!   from the TA, with the needed size in the parameter;
//! - `ta-memref-inout-alloc`: a driver-allocated in/out buffer changed in
//!   place, its new size and a value output back;
//! - `ta-value-session-state`: value in/out and per-session state (heap) across calls;
//! - `ta-sdk-syscalls`: the TA's own checks of properties, time, random, heap;
//! - 5004 `memref-empty-not-null` (C TA): a 0-byte memref into shared memory
//!   reaches the TA as a non-NULL buffer of size 0 (upstream's xtest 1025
//!   and 1016 rely on it).

use proto::{fp_c_ta, params_ta};
use teec::{Context, Login, Param, Session, SharedMemory, TeeError};
use tz_runner::Report;

type R = Result<(), String>;

fn registered(ctx: &Context, s: &mut Session<'_>) -> R {
    let text = b"..hello, world";
    let mut input = SharedMemory::register(ctx, 4096).map_err(|e| format!("register input: {e}"))?;
    input.as_mut_slice()[..text.len()].copy_from_slice(text);
    let mut output = SharedMemory::register(ctx, 64).map_err(|e| format!("register output: {e}"))?;
    let mut params = [
        Param::MemrefInput { shm: &input, offset: 2, size: text.len() - 2 },
        Param::output(&mut output),
        Param::None,
        Param::None,
    ];
    s.invoke(params_ta::CMD_REVERSE, &mut params).map_err(|e| format!("reverse: {e}"))?;
    let Param::MemrefOutput { size, .. } = params[1] else { unreachable!() };
    let want = b"dlrow ,olleh";
    if size != want.len() || &output.as_slice()[..size] != want {
        return Err(format!("got {size} bytes {:?}", String::from_utf8_lossy(&output.as_slice()[..size.min(64)])));
    }
    Ok(())
}

fn short_buffer(ctx: &Context, s: &mut Session<'_>) -> R {
    let mut input = SharedMemory::register(ctx, 10).map_err(|e| format!("register: {e}"))?;
    input.as_mut_slice().copy_from_slice(b"0123456789");
    let mut output = SharedMemory::register(ctx, 4).map_err(|e| format!("register: {e}"))?;
    let mut params = [Param::input(&input), Param::output(&mut output), Param::None, Param::None];
    match s.invoke(params_ta::CMD_REVERSE, &mut params) {
        Err(e) if e.is_from_ta(TeeError::ShortBuffer) => {}
        other => return Err(format!("got {other:?}, want SHORT_BUFFER from the TA")),
    }
    match params[1] {
        Param::MemrefOutput { size: 10, .. } => Ok(()),
        Param::MemrefOutput { size, .. } => Err(format!("needed size {size}, want 10")),
        _ => unreachable!(),
    }
}

fn inout_alloc(ctx: &Context, s: &mut Session<'_>) -> R {
    let mut shm = SharedMemory::alloc(ctx, 32).map_err(|e| format!("alloc: {e}"))?;
    shm.as_mut_slice().fill(0);
    shm.as_mut_slice()[..9].copy_from_slice(b"abc-Def-g");
    let mut params = [Param::inout(&mut shm), Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    s.invoke(params_ta::CMD_UPPER, &mut params).map_err(|e| format!("upper: {e}"))?;
    let (Param::MemrefInout { size, .. }, Param::ValueOutput { a, b }) = (&params[0], &params[1]) else {
        unreachable!()
    };
    let (size, a, b) = (*size, *a, *b);
    if (size, a, b) != (9, 6, 32) {
        return Err(format!("size {size} changed {a} capacity {b}, want 9 6 32"));
    }
    if &shm.as_slice()[..9] != b"ABC-DEF-G" {
        return Err(format!("buffer {:?}", String::from_utf8_lossy(&shm.as_slice()[..9])));
    }
    Ok(())
}

fn values(s: &mut Session<'_>) -> R {
    for (i, (a, b, want)) in [(1u32, 2u32, 3u32), (u32::MAX, 2, 1)].into_iter().enumerate() {
        let mut params = [Param::ValueInput { a, b }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
        s.invoke(params_ta::CMD_ADD, &mut params).map_err(|e| format!("add: {e}"))?;
        match params[1] {
            Param::ValueOutput { a, b } if a == want && b == i as u32 + 1 => {}
            Param::ValueOutput { a, b } => {
                return Err(format!("add #{}: got ({a}, {b}), want ({want}, {})", i + 1, i + 1));
            }
            _ => unreachable!(),
        }
    }
    Ok(())
}

fn self_test(s: &mut Session<'_>) -> R {
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None, Param::None];
    match s.invoke(params_ta::CMD_SELF_TEST, &mut params) {
        Ok(()) => Ok(()),
        Err(e) => match params[0] {
            Param::ValueOutput { a, b } => Err(format!("{e}: step {a} failed with {b:#010x}")),
            _ => unreachable!(),
        },
    }
}

const CASES: [&str; 5] = [
    "ta-memref-registered",
    "ta-memref-short-buffer",
    "ta-memref-inout-alloc",
    "ta-value-session-state",
    "ta-sdk-syscalls",
];

/// Empty input and output memrefs of a registered buffer: the C TA
/// (libutee's view) must see non-NULL buffers of size 0.
fn empty_memrefs_not_null(ctx: &Context) -> R {
    let mut s = ctx.open_session(&fp_c_ta::UUID, Login::Public).map_err(|e| format!("open: {e}"))?;
    let input = SharedMemory::register(ctx, 64).map_err(|e| format!("register: {e}"))?;
    let mut output = SharedMemory::register(ctx, 64).map_err(|e| format!("register: {e}"))?;
    let mut params = [
        Param::MemrefInput { shm: &input, offset: 0, size: 0 },
        Param::MemrefOutput { shm: &mut output, offset: 0, size: 0 },
        Param::None,
        Param::None,
    ];
    s.invoke(fp_c_ta::CMD_EMPTY_MEMREFS, &mut params).map_err(|e| format!("the TA saw a NULL or sized buffer: {e}"))
}

pub fn run(report: &mut Report) {
    run_5001(report);
    report.test(5004, "parameters: an empty memref is not a NULL one");
    let ctx = Context::new().map_err(|e| format!("context: {e}"));
    report.case("memref-empty-not-null", ctx.and_then(|ctx| empty_memrefs_not_null(&ctx)));
}

fn run_5001(report: &mut Report) {
    report.test(5001, "parameters: registered and temporary memrefs, values");
    let setup = Context::new().map_err(|e| format!("context: {e}")).map(|ctx| (ctx, params_ta::UUID));
    let (ctx, uuid) = match setup {
        Ok(x) => x,
        Err(e) => {
            for name in CASES {
                report.case(name, Err(e.clone()));
            }
            return;
        }
    };
    match ctx.open_session(&uuid, Login::Public) {
        Ok(mut s) => {
            report.case(CASES[0], registered(&ctx, &mut s));
            report.case(CASES[1], short_buffer(&ctx, &mut s));
            report.case(CASES[2], inout_alloc(&ctx, &mut s));
            report.case(CASES[3], values(&mut s));
            report.case(CASES[4], self_test(&mut s));
        }
        Err(e) => {
            for name in CASES {
                report.case(name, Err(format!("open session: {e}")));
            }
        }
    }
}
