//! The kernel's threads and their limits, through tas/recursion_ta and the
//! single-instance pair tas/cross_call_a, tas/cross_call_b:
//!
//! - 1013 TA-to-TA nesting: a multi-instance TA opening sessions to its own
//!   UUID runs 4 instances deep (`ta-to-ta-nesting-within-limit`); the
//!   fifth entry is refused with OUT_OF_MEMORY, upstream's
//!   `CFG_CORE_MAX_SYSCALL_RECURSION` answer
//!   (`ta-to-ta-nesting-limit-out-of-memory`), also when 40 levels are
//!   asked for (`ta-to-ta-deep-recursion-refused`); then hello_world and a
//!   new session still work (`kernel-up-after-nesting`).
//! - 1014 `TPIDR_EL0`: a TA's write reads back (`tpidr-el0-write-reads-back`);
//!   another instance (`tpidr-el0-not-leaked-to-other-instance`) and a TA it
//!   calls (`tpidr-el0-not-leaked-to-callee`) see 0, the same instance's
//!   next call finds its own value again (`tpidr-el0-kept-by-its-instance`:
//!   libutee sets its TLS pointer once, at the first entry) and the caller
//!   gets its own value back after the call
//!   (`tpidr-el0-restored-after-ta-call`). The
//!   client is pinned to one CPU so every call enters the same core.
//!   Upstream OP-TEE 4.5.0 leaks here (its `__thread_enter_user_mode` in
//!   `thread_a64.S` never loads `TPIDR_EL0` from the cleared context, so a
//!   TA finds the previous TA's value): with `tz.tee=upstream` only the
//!   first and last case run.
//! - 1015 cross calls between single-instance TAs: A → B → A on one thread
//!   is BUSY (`ta-cycle-one-thread-busy`; not run with `tz.tee=upstream`:
//!   upstream 4.5.0 panics, `tee_ta_set_busy` at `tee_ta_manager.c:168`,
//!   destroying the refused session); A → B on one client thread while
//!   B → A on another both finish, as upstream serialises single-instance
//!   TAs (`ta-cross-calls-two-threads-finish`); then both TAs answer
//!   (`ta-cross-calls-kernel-up-after`).

use std::sync::{Arc, Barrier, mpsc};
use std::time::Duration;

use proto::{cross_call, hello_world, recursion_ta};
use teec::{Context, Login, Param, Session, TeeError, Uuid};
use tz_runner::{Report, on_upstream};

/// Upstream's `CFG_CORE_MAX_SYSCALL_RECURSION` default: entry-point runs
/// nested on one thread, the client's own included.
const MAX_NESTING: u32 = 4;

type R = Result<(), String>;

fn open<'c>(ctx: &'c Context, uuid: &Uuid) -> Result<Session<'c>, String> {
    ctx.open_session(uuid, Login::Public).map_err(|e| format!("open {uuid}: {e}"))
}

/// RECURSE with `depth`: (instances that ran, the error that stopped it).
fn recurse(ctx: &Context, depth: u32) -> Result<(u32, u32), String> {
    let mut s = open(ctx, &recursion_ta::UUID)?;
    let mut params = [Param::ValueInout { a: depth, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(recursion_ta::CMD_RECURSE, &mut params).map_err(|e| format!("invoke: {e}"))?;
    let Param::ValueInout { a, b } = params[0] else { unreachable!() };
    Ok((a, b))
}

fn expect_recursion(ctx: &Context, depth: u32, want: (u32, u32)) -> R {
    let got = recurse(ctx, depth)?;
    if got == want { Ok(()) } else { Err(format!("depth {depth}: (levels, error) {got:x?}, want {want:x?}")) }
}

fn hello_inc(ctx: &Context) -> R {
    let mut s = open(ctx, &hello_world::UUID)?;
    let mut params = [Param::ValueInout { a: 1, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(0, &mut params).map_err(|e| format!("hello invoke: {e}"))?;
    match params[0] {
        Param::ValueInout { a: 2, .. } => Ok(()),
        ref other => Err(format!("hello gave {other:?}")),
    }
}

fn nesting(report: &mut Report, ctx: &Context) {
    report.test(1013, "TA-to-TA nesting limit");
    report.case("ta-to-ta-nesting-within-limit", expect_recursion(ctx, MAX_NESTING - 1, (MAX_NESTING, 0)));
    report.case(
        "ta-to-ta-nesting-limit-out-of-memory",
        expect_recursion(ctx, MAX_NESTING, (MAX_NESTING, TeeError::OutOfMemory.code())),
    );
    report.case(
        "ta-to-ta-deep-recursion-refused",
        expect_recursion(ctx, 40, (MAX_NESTING, TeeError::OutOfMemory.code())),
    );
    report.case("kernel-up-after-nesting", hello_inc(ctx).and_then(|()| expect_recursion(ctx, 0, (1, 0))));
}

fn split(v: u64) -> (u32, u32) {
    (v as u32, (v >> 32) as u32)
}

fn join(a: u32, b: u32) -> u64 {
    u64::from(b) << 32 | u64::from(a)
}

fn tpidr_set_get(s: &mut Session<'_>, value: u64) -> Result<u64, String> {
    let (a, b) = split(value);
    let mut params = [Param::ValueInout { a, b }, Param::None, Param::None, Param::None];
    s.invoke(recursion_ta::CMD_TPIDR_SET_GET, &mut params).map_err(|e| format!("invoke: {e}"))?;
    let Param::ValueInout { a, b } = params[0] else { unreachable!() };
    Ok(join(a, b))
}

fn tpidr_get(s: &mut Session<'_>) -> Result<u64, String> {
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(recursion_ta::CMD_TPIDR_GET, &mut params).map_err(|e| format!("invoke: {e}"))?;
    let Param::ValueOutput { a, b } = params[0] else { unreachable!() };
    Ok(join(a, b))
}

/// TPIDR_NESTED: (what the callee saw, the caller's own value afterwards).
fn tpidr_nested(s: &mut Session<'_>, value: u64) -> Result<(u64, u64), String> {
    let (a, b) = split(value);
    let mut params = [Param::ValueInout { a, b }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    s.invoke(recursion_ta::CMD_TPIDR_NESTED, &mut params).map_err(|e| format!("invoke: {e}"))?;
    let (Param::ValueInout { a, b }, Param::ValueOutput { a: a1, b: b1 }) = (&params[0], &params[1]) else {
        unreachable!()
    };
    Ok((join(*a, *b), join(*a1, *b1)))
}

fn want(what: &str, got: u64, want: u64) -> R {
    if got == want { Ok(()) } else { Err(format!("{what}: {got:#x}, want {want:#x}")) }
}

fn tpidr(report: &mut Report) {
    report.test(1014, "TPIDR_EL0 does not leak between TAs");
    const A_VALUE: u64 = 0x7a7a_0011_dead_beef;
    const NESTED_VALUE: u64 = 0x0bad_cafe_1234_5678;
    // One client thread on one CPU: every call enters the same core, where
    // a register left behind would be found.
    let cases: Vec<(&str, R)> = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let fail = |e: String| vec![("tpidr-el0-write-reads-back", Err(e))];
                if let Err(e) = tz_runner::pin_to_cpu(0) {
                    return fail(e);
                }
                let ctx = match Context::new() {
                    Ok(c) => c,
                    Err(e) => return fail(format!("context: {e}")),
                };
                let (mut one, mut two) = match (open(&ctx, &recursion_ta::UUID), open(&ctx, &recursion_ta::UUID)) {
                    (Ok(a), Ok(b)) => (a, b),
                    (Err(e), _) | (_, Err(e)) => return fail(e),
                };
                let mut cases = vec![(
                    "tpidr-el0-write-reads-back",
                    tpidr_set_get(&mut one, A_VALUE).and_then(|v| want("read back", v, A_VALUE)),
                )];
                let leak_checks = !on_upstream();
                if leak_checks {
                    cases.push((
                        "tpidr-el0-not-leaked-to-other-instance",
                        tpidr_get(&mut two).and_then(|v| want("other instance", v, 0)),
                    ));
                    cases.push((
                        "tpidr-el0-kept-by-its-instance",
                        tpidr_get(&mut one).and_then(|v| want("next entry", v, A_VALUE)),
                    ));
                }
                let nested = tpidr_nested(&mut one, NESTED_VALUE);
                if leak_checks {
                    cases.push((
                        "tpidr-el0-not-leaked-to-callee",
                        nested.clone().and_then(|(callee, _)| want("callee", callee, 0)),
                    ));
                }
                cases.push((
                    "tpidr-el0-restored-after-ta-call",
                    nested.and_then(|(_, own)| want("own after call", own, NESTED_VALUE)),
                ));
                cases
            })
            .join()
            .unwrap_or_else(|_| vec![("tpidr-el0-write-reads-back", Err("client thread panicked".into()))])
    });
    for (name, result) in cases {
        report.case(name, result);
    }
}

/// Opens a session to `uuid` and invokes CALL_PEER (wait `wait_ms`, then the
/// peer's `peer_cmd`); the invoke's result code (0 for success).
fn call_peer(s: &mut Session<'_>, wait_ms: u32, peer_cmd: u32) -> u32 {
    let mut params = [Param::ValueInput { a: wait_ms, b: peer_cmd }, Param::None, Param::None, Param::None];
    match s.invoke(cross_call::CMD_CALL_PEER, &mut params) {
        Ok(()) => 0,
        Err(e) => e.code,
    }
}

fn cycle_one_thread(ctx: &Context) -> R {
    let mut a = open(ctx, &cross_call::A_UUID)?;
    // A opens B, B opens a session to A, which this thread is running.
    let code = call_peer(&mut a, 0, cross_call::CMD_OPEN_PEER);
    if code == TeeError::Busy.code() { Ok(()) } else { Err(format!("A → B → A gave {code:#x}, want BUSY")) }
}

/// Client thread 1 has A call B while client thread 2 has B call A (each
/// TA waits 300 ms first so both are inside before either calls).
fn cross_two_threads() -> R {
    let barrier = Arc::new(Barrier::new(2));
    let (tx, rx) = mpsc::channel();
    for (me, name) in [(cross_call::A_UUID, "A → B"), (cross_call::B_UUID, "B → A")] {
        let (barrier, tx) = (barrier.clone(), tx.clone());
        // Detached: if the kernel deadlocks, the test still reports.
        std::thread::spawn(move || {
            let result = Context::new().map_err(|e| format!("context: {e}")).and_then(|ctx| {
                let mut s = open(&ctx, &me)?;
                barrier.wait();
                Ok(call_peer(&mut s, 300, cross_call::CMD_PING))
            });
            let _ = tx.send((name, result));
        });
    }
    drop(tx);
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok((name, Ok(code))) => outcomes.push(format!("{name}: {code:#x}")),
            Ok((name, Err(e))) => return Err(format!("{name}: {e}")),
            Err(_) => return Err(format!("still running after 30 s (deadlock?); finished: {outcomes:?}")),
        }
    }
    // Upstream runs the two one after the other (its single-instance lock),
    // so both succeed.
    if outcomes.iter().all(|o| o.ends_with(": 0x0")) { Ok(()) } else { Err(format!("{outcomes:?}, want both 0")) }
}

fn kernel_up_after(ctx: &Context) -> R {
    for uuid in [cross_call::A_UUID, cross_call::B_UUID] {
        let mut s = open(ctx, &uuid)?;
        let mut params = [Param::None, Param::None, Param::None, Param::None];
        s.invoke(cross_call::CMD_PING, &mut params).map_err(|e| format!("{uuid} ping: {e}"))?;
    }
    hello_inc(ctx)
}

fn cross_calls(report: &mut Report, ctx: &Context) {
    report.test(1015, "TA-to-TA calls across threads");
    if !on_upstream() {
        report.case("ta-cycle-one-thread-busy", cycle_one_thread(ctx));
    }
    report.case("ta-cross-calls-two-threads-finish", cross_two_threads());
    report.case("ta-cross-calls-kernel-up-after", kernel_up_after(ctx));
}

pub fn run(report: &mut Report) {
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => {
            report.test(1013, "TA-to-TA nesting limit");
            report.case("ta-to-ta-nesting-within-limit", Err(format!("context: {e}")));
            return;
        }
    };
    nesting(report, &ctx);
    tpidr(report);
    cross_calls(report, &ctx);
}
