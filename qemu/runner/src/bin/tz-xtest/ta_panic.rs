//! A dying TA takes only itself down:
//!
//! - `ta-panic-target-dead`: `TEE_Panic` in panic_ta → `TEEC_ERROR_TARGET_DEAD`;
//! - `ta-abort-target-dead`: panic_ta reading kernel memory → `TEEC_ERROR_TARGET_DEAD`;
//! - `ta-rust-panic-target-dead`: a Rust `panic!` in a TA → `TEEC_ERROR_TARGET_DEAD`;
//!
//! each on a fresh session that first proves the instance alive (PING), and
//! each followed by a check that the dead session stays dead and that a new
//! session gets a fresh instance.

use proto::panic_ta;
use teec::{Context, Login, Param, TeeError, Uuid};
use tz_runner::Report;

fn none() -> [Param<'static>; 4] {
    [Param::None, Param::None, Param::None, Param::None]
}

fn dies(ctx: &Context, uuid: &Uuid, cmd: u32, mut params: [Param<'_>; 4]) -> Result<(), String> {
    let mut session = ctx.open_session(uuid, Login::Public).map_err(|e| format!("open session: {e}"))?;
    session.invoke(panic_ta::CMD_PING, &mut none()).map_err(|e| format!("ping before: {e}"))?;
    match session.invoke(cmd, &mut params) {
        Err(e) if e.is(TeeError::TargetDead) => {}
        Err(e) => return Err(format!("cmd {cmd}: got {e}, want TEEC_ERROR_TARGET_DEAD")),
        Ok(()) => return Err(format!("cmd {cmd} succeeded")),
    }
    match session.invoke(panic_ta::CMD_PING, &mut none()) {
        Err(e) if e.is(TeeError::TargetDead) => {}
        other => return Err(format!("ping on the dead session: {other:?}, want TEEC_ERROR_TARGET_DEAD")),
    }
    drop(session);
    let mut fresh = ctx.open_session(uuid, Login::Public).map_err(|e| format!("reopen after death: {e}"))?;
    fresh.invoke(panic_ta::CMD_PING, &mut none()).map_err(|e| format!("ping after reopen: {e}"))
}

pub fn run(report: &mut Report) {
    report.test(1003, "TA panics and aborts: TARGET_DEAD, then a fresh instance");
    let cases: [(&str, u32, [Param<'static>; 4]); 3] = [
        (
            "ta-panic-target-dead",
            panic_ta::CMD_PANIC,
            [Param::ValueInput { a: 0x42, b: 0 }, Param::None, Param::None, Param::None],
        ),
        (
            "ta-abort-target-dead",
            panic_ta::CMD_READ_KERNEL,
            [Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None, Param::None],
        ),
        ("ta-rust-panic-target-dead", panic_ta::CMD_RUST_PANIC, none()),
    ];
    let setup = Context::new().map_err(|e| format!("context: {e}")).map(|ctx| (ctx, panic_ta::UUID));
    for (name, cmd, params) in cases {
        let result = match &setup {
            Ok((ctx, uuid)) => dies(ctx, uuid, cmd, params),
            Err(e) => Err(e.clone()),
        };
        report.case(name, result);
    }
}
