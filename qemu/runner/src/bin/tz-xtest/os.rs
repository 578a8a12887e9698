//! Tests 1006-1009 and 1033 through `tas/os_test`: properties, time, memory
//! access rights, cancellation and tee-supplicant plugins, each check run
//! inside the TA (`os_test::CMD_RUN_CASE`, see `tas/os_test/src/cases.rs`),
//! which reports the failing step and the `TEE_Result` it saw there.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use proto::os_test;
use teec::{Context, Login, Param, Session, SharedMemory, TeeError};
use tz_runner::{Report, stepped};

type R = Result<(), String>;

/// A test run through os_test: (test, title, [(case number in the TA, name)]).
type OsTest = (u32, &'static str, &'static [(u32, &'static str)]);

const TESTS: [OsTest; 3] = [
    (
        1006,
        "properties: values, types, errors, enumeration",
        &[
            (0, "prop-ta-app-id"),
            (1, "prop-tee-device-id-uuid"),
            (2, "prop-tee-u32-values"),
            (3, "prop-unknown-item-not-found"),
            (4, "prop-wrong-type-bad-format"),
            (5, "prop-string-short-buffer"),
            (6, "prop-enumerate-tee-set"),
        ],
    ),
    (
        1007,
        "time: system, TEE_Wait, TA persistent, REE",
        &[
            (7, "time-system-monotonic"),
            (8, "time-wait-200ms"),
            (9, "time-ta-persistent-set-get"),
            (10, "time-ree-near-client"),
        ],
    ),
    (
        1008,
        "memory access rights: own, read-only, kernel, wrapping, shared",
        &[
            (11, "mem-stack-heap-read-write"),
            (12, "mem-rodata-code-not-writable"),
            (13, "mem-kernel-null-denied"),
            (14, "mem-wrapping-range-denied"),
            (15, "mem-shared-param-any-owner"),
        ],
    ),
];

fn run_case(ctx: &Context, s: &mut Session<'_>, case: u32) -> R {
    let arg = match case {
        8 => 200,
        10 => SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs() as u32,
        _ => 0,
    };
    let mut shm = SharedMemory::alloc(ctx, 256).map_err(|e| format!("shm: {e}"))?;
    shm.as_mut_slice().fill(0x5a);
    let mut params = [
        Param::ValueInput { a: case, b: arg },
        if case == 15 { Param::input(&shm) } else { Param::None },
        Param::ValueOutput { a: 0, b: 0 },
        Param::None,
    ];
    let result = s.invoke(os_test::CMD_RUN_CASE, &mut params);
    stepped(result, &params[2])
}

/// A 2 s TEE_Wait cancelled after 300 ms from another thread: the invoke
/// ends with TEE_ERROR_CANCEL and the TA saw the flag. (Upstream OP-TEE
/// sleeps out the whole wait in the normal world and reports the
/// cancellation at its end; ours ends the wait early.)
fn wait_cancelled(ctx: &Context) -> R {
    let uuid = os_test::UUID;
    let mut s = ctx.open_session(&uuid, Login::Public).map_err(|e| format!("open: {e}"))?;
    let session = s.id();
    const CANCEL_ID: u32 = 0x1009;
    let t0 = Instant::now();
    let (result, flag) = std::thread::scope(|scope| {
        let canceller = scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            ctx.request_cancellation(session, CANCEL_ID)
        });
        let mut params =
            [Param::ValueInput { a: 2_000, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
        let r = s.invoke_cancellable(os_test::CMD_WAIT_CANCELLABLE, &mut params, CANCEL_ID);
        let flag = match params[1] {
            Param::ValueOutput { a, .. } => a,
            _ => 0,
        };
        (r.map_err(|e| e.code).and(canceller.join().map_err(|_| 0).and_then(|c| c.map_err(|e| e.code))), flag)
    });
    let elapsed = t0.elapsed();
    match result {
        Err(code) if code == TeeError::Cancel.code() && elapsed < Duration::from_secs(7) && flag == 1 => Ok(()),
        other => Err(format!("got {other:x?} after {elapsed:?} (flag {flag}), want CANCEL with the flag set")),
    }
}

/// The same wait, never cancelled, but short: it completes with success.
fn wait_uncancelled(ctx: &Context) -> R {
    let uuid = os_test::UUID;
    let mut s = ctx.open_session(&uuid, Login::Public).map_err(|e| format!("open: {e}"))?;
    let mut params = [Param::ValueInput { a: 50, b: 0 }, Param::ValueOutput { a: 7, b: 0 }, Param::None, Param::None];
    s.invoke(os_test::CMD_WAIT_CANCELLABLE, &mut params).map_err(|e| e.to_string())?;
    match params[1] {
        Param::ValueOutput { a: 0, .. } => Ok(()),
        Param::ValueOutput { a, .. } => Err(format!("cancellation flag {a} without a request")),
        _ => unreachable!(),
    }
}

pub fn run(report: &mut Report) {
    let setup = Context::new().map_err(|e| format!("context: {e}")).map(|ctx| (ctx, os_test::UUID));
    let (ctx, uuid) = match setup {
        Ok(x) => x,
        Err(e) => {
            report.test(1006, "properties");
            report.case("os-test-setup", Err(e));
            return;
        }
    };
    let mut session = ctx.open_session(&uuid, Login::Public).map_err(|e| format!("open session: {e}"));
    for (number, title, cases) in TESTS {
        report.test(number, title);
        for (case, name) in cases {
            let result = match &mut session {
                Ok(s) => run_case(&ctx, s, *case),
                Err(e) => Err(e.clone()),
            };
            report.case(name, result);
        }
    }
    report.test(1033, "tee-supplicant plugins through the system PTA");
    let result = match &mut session {
        Ok(s) => run_case(&ctx, s, os_test::CASE_SUPP_PLUGIN),
        Err(e) => Err(e.clone()),
    };
    report.case("supp-plugin-values-array-unknown", result);
    drop(session);
    report.test(1009, "cancellation: TEE_Wait cancelled by the client");
    report.case("cancel-wait-returns-cancel", wait_cancelled(&ctx));
    report.case("cancel-flag-clear-without-request", wait_uncancelled(&ctx));
}
