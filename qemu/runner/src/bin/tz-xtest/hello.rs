//! `TZTEST hello-world-inc-dec`: open a session to hello_world, INC 42 → 43,
//! DEC 43 → 42, and check that a wrong parameter type and an unknown command
//! are refused as upstream's TA refuses them.

use teec::{Context, Login, Param, TEEC_ERROR_BAD_PARAMETERS, TEEC_ERROR_NOT_SUPPORTED, TEEC_ORIGIN_TRUSTED_APP};
use tz_runner::{HELLO_CMD_DEC_VALUE, HELLO_CMD_INC_VALUE, HELLO_WORLD_UUID, Report, uuid};

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
    code: u32,
) -> Result<(), String> {
    match session.invoke(cmd, &mut params) {
        Err(e) if e.code == code && e.origin == TEEC_ORIGIN_TRUSTED_APP => Ok(()),
        Err(e) => Err(format!("cmd {cmd}: got {e}, want {code:#010x} from the TA")),
        Ok(()) => Err(format!("cmd {cmd}: succeeded, want {code:#010x}")),
    }
}

fn inc_dec() -> Result<(), String> {
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let uuid = uuid(HELLO_WORLD_UUID)?;
    let mut session = ctx.open_session(&uuid, Login::Public).map_err(|e| format!("open session: {e}"))?;
    step(&mut session, HELLO_CMD_INC_VALUE, 42, 43)?;
    step(&mut session, HELLO_CMD_DEC_VALUE, 43, 42)?;
    let value_input = [Param::ValueInput { a: 1, b: 0 }, Param::None, Param::None, Param::None];
    expect_refusal(&mut session, HELLO_CMD_INC_VALUE, value_input, TEEC_ERROR_BAD_PARAMETERS)?;
    let inout = [Param::ValueInout { a: 1, b: 0 }, Param::None, Param::None, Param::None];
    expect_refusal(&mut session, 7, inout, TEEC_ERROR_NOT_SUPPORTED)?;
    Ok(())
}

pub fn run(report: &mut Report) {
    report.test(1001, "hello_world: values in and out, refusals");
    report.case("hello-world-inc-dec", inc_dec());
}
