//! TA-to-TA sessions through tas/ta2ta: `ta-to-ta-hello-inc` (ta2ta has
//! hello_world increment a value), `ta-to-ta-missing-item-not-found` (ta2ta
//! opens a UUID no TA has), `ta-to-ta-memrefs` (ta2ta passes its own stack
//! and heap buffers to params_ta and os_test: data both ways, SHORT_BUFFER
//! with the size needed, the callee sees shared secure memory),
//! `ta-to-ta-client-buffer-forwarded` (ta2ta passes the client's output
//! buffer on to params_ta), `ta-to-ta-cancel-request-timeout` (ta2ta's
//! call into os_test with a 200 ms cancellation-request timeout ends its
//! 2 s wait with CANCEL).

use proto::ta2ta;
use teec::{Context, Login, Param, Session, SharedMemory, TeeError};
use tz_runner::Report;

type R = Result<(), String>;

fn hello_inc(s: &mut Session<'_>) -> R {
    let mut params = [Param::ValueInout { a: 42, b: 7 }, Param::None, Param::None, Param::None];
    s.invoke(0, &mut params).map_err(|e| format!("invoke: {e}"))?;
    match params[0] {
        Param::ValueInout { a: 43, .. } => Ok(()),
        ref other => Err(format!("got {other:?}, want a = 43")),
    }
}

fn missing(s: &mut Session<'_>) -> R {
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(1, &mut params).map_err(|e| format!("invoke: {e}"))?;
    match params[0] {
        Param::ValueOutput { a, .. } if a == TeeError::ItemNotFound.code() => Ok(()),
        ref other => Err(format!("got {other:?}, want ITEM_NOT_FOUND")),
    }
}

/// Runs ta2ta's step-numbered check `cmd` (VALUE_OUTPUT: step, error).
fn stepped(s: &mut Session<'_>, cmd: u32) -> R {
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None, Param::None];
    let result = s.invoke(cmd, &mut params);
    tz_runner::stepped(result, &params[0])
}

fn client_buffer(ctx: &Context, s: &mut Session<'_>) -> R {
    let mut input = SharedMemory::alloc(ctx, 16).map_err(|e| format!("alloc: {e}"))?;
    input.as_mut_slice()[..5].copy_from_slice(b"stack");
    let mut output = SharedMemory::register(ctx, 16).map_err(|e| format!("register: {e}"))?;
    let mut params =
        [Param::MemrefInput { shm: &input, offset: 0, size: 5 }, Param::output(&mut output), Param::None, Param::None];
    s.invoke(3, &mut params).map_err(|e| format!("invoke: {e}"))?;
    let Param::MemrefOutput { size, .. } = params[1] else { unreachable!() };
    if size == 5 && &output.as_slice()[..5] == b"kcats" {
        Ok(())
    } else {
        Err(format!("size {size}, bytes {:?}", String::from_utf8_lossy(&output.as_slice()[..size.min(16)])))
    }
}

pub fn run(report: &mut Report) {
    report.test(1004, "TA-to-TA sessions");
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => {
            report.case("ta-to-ta-hello-inc", Err(format!("context: {e}")));
            return;
        }
    };
    let uuid = ta2ta::UUID;
    match ctx.open_session(&uuid, Login::Public) {
        Ok(mut s) => {
            report.case("ta-to-ta-hello-inc", hello_inc(&mut s));
            report.case("ta-to-ta-missing-item-not-found", missing(&mut s));
            report.case("ta-to-ta-memrefs", stepped(&mut s, 2));
            report.case("ta-to-ta-client-buffer-forwarded", client_buffer(&ctx, &mut s));
            report.case("ta-to-ta-cancel-request-timeout", stepped(&mut s, 4));
        }
        Err(e) => report.case("ta-to-ta-hello-inc", Err(format!("open ta2ta: {e}"))),
    }
}
