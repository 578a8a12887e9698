//! `TZTEST hello-world-inc-dec`: open a session to hello_world, INC 42 → 43,
//! DEC 43 → 42, and check that a wrong parameter type and an unknown command
//! are refused as upstream's TA refuses them.

use proto::hello_world;
use teec::{Context, Login, Param, TeeError};
use tz_runner::Report;

fn step(session: &mut teec::Session<'_>, cmd: u32, input: u32, want: u32) -> Result<(), String> {
    let mut params = [Param::ValueInout { a: input, b: 0 }, Param::None, Param::None, Param::None];
    session.invoke(cmd, &mut params).map_err(|e| format!("invoke cmd {cmd} with {input}: {e}"))?;
    match params[0] {
        Param::ValueInout { a, .. } if a == want => Ok(()),
        Param::ValueInout { a, .. } => Err(format!("cmd {cmd} with {input} gave {a}, want {want}")),
        _ => unreachable!(),
    }
}

fn expect_refusal(
    session: &mut teec::Session<'_>,
    cmd: u32,
    mut params: [Param<'_>; 4],
    want: TeeError,
) -> Result<(), String> {
    match session.invoke(cmd, &mut params) {
        Err(e) if e.is_from_ta(want) => Ok(()),
        Err(e) => Err(format!("cmd {cmd}: got {e}, want {want} from the TA")),
        Ok(()) => Err(format!("cmd {cmd}: succeeded, want {want}")),
    }
}

fn inc_dec() -> Result<(), String> {
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let uuid = hello_world::UUID;
    let mut session = ctx.open_session(&uuid, Login::Public).map_err(|e| format!("open session: {e}"))?;
    step(&mut session, hello_world::CMD_INC_VALUE, 42, 43)?;
    step(&mut session, hello_world::CMD_DEC_VALUE, 43, 42)?;
    let value_input = [Param::ValueInput { a: 1, b: 0 }, Param::None, Param::None, Param::None];
    expect_refusal(&mut session, hello_world::CMD_INC_VALUE, value_input, TeeError::BadParameters)?;
    let inout = [Param::ValueInout { a: 1, b: 0 }, Param::None, Param::None, Param::None];
    expect_refusal(&mut session, 7, inout, TeeError::NotSupported)?;
    Ok(())
}

pub fn run(report: &mut Report) {
    report.test(1001, "hello_world: values in and out, refusals");
    report.case("hello-world-inc-dec", inc_dec());
}
