//! TA-to-TA sessions through tas/ta2ta: `ta-to-ta-hello-inc` (ta2ta has
//! hello_world increment a value), `ta-to-ta-missing-item-not-found` (ta2ta
//! opens a UUID no TA has). Memory references between TAs are not covered
//! yet: a stack buffer passed on is refused by upstream OP-TEE 4.5 (to be
//! understood before our kernel's more permissive behaviour is relied on).

use teec::{Context, Login, Param, Session, Uuid};
use tz_runner::Report;

const TA2TA_UUID: &str = "5f1d6c3a-8e27-4b09-a4d1-2c7b9e0f1a36";
const TEE_ERROR_ITEM_NOT_FOUND: u32 = 0xffff_0008;

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
        Param::ValueOutput { a: TEE_ERROR_ITEM_NOT_FOUND, .. } => Ok(()),
        ref other => Err(format!("got {other:?}, want ITEM_NOT_FOUND")),
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
    let uuid: Uuid = TA2TA_UUID.parse().expect("valid UUID");
    match ctx.open_session(&uuid, Login::Public) {
        Ok(mut s) => {
            report.case("ta-to-ta-hello-inc", hello_inc(&mut s));
            report.case("ta-to-ta-missing-item-not-found", missing(&mut s));
        }
        Err(e) => report.case("ta-to-ta-hello-inc", Err(format!("open ta2ta: {e}"))),
    }
}
