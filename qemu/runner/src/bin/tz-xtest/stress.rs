//! Sessions under load, and interrupts while a TA computes:
//!
//! - `ta-open-invoke-close-no-leak` (our kernel only: it needs our
//!   statistics pseudo-TA, which upstream OP-TEE lacks): after one warm-up
//!   open/INC/close cycle on hello_world, 1000 more cycles leave the kernel's
//!   heap bytes in use, open sessions and registered shared-memory objects
//!   exactly as they were. With `tz.tee=ours` a stats PTA that does not open
//!   is a failure; with `tz.tee=upstream` the case is not run (no line);
//!   without `tz.tee`, ITEM_NOT_FOUND from the PTA skips it.
//! - `ta-concurrent-8x100`: 8 threads, each with its own context and session
//!   to hello_world, 100 INCs each; every one succeeds with the right value
//!   (the secure side has fewer threads than callers at times: the driver
//!   waits and retries on ETHREAD_LIMIT).
//! - `ta-busy-loop-linux-alive`: params_ta spins 2 s in the secure world
//!   while a ticker thread pinned to the same CPU (both on CPU 0) counts
//!   10 ms sleeps; at least 50 ticks during the call prove that normal-world
//!   interrupts preempt the TA and Linux schedules meanwhile.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use proto::{hello_world, params_ta};
use tee_abi::pta;
use teec::{Context, Login, Param, TeeError, Uuid};
use tz_runner::{Report, on_threads_with_session, pin_to_cpu, tee_from_cmdline};

const LEAK_CYCLES: u32 = 1000;
const THREADS: u32 = 8;
const INVOKES_PER_THREAD: u32 = 100;
const BUSY_MS: u32 = 2000;
const TICK: Duration = Duration::from_millis(10);
const MIN_TICKS: u32 = 50;

/// INC `a` on `session`, checking the answer.
fn inc(session: &mut teec::Session<'_>, a: u32) -> Result<(), String> {
    let mut params = [Param::ValueInout { a, b: 0 }, Param::None, Param::None, Param::None];
    session.invoke(hello_world::CMD_INC_VALUE, &mut params).map_err(|e| format!("INC {a}: {e}"))?;
    match params[0] {
        Param::ValueInout { a: got, .. } if got == a.wrapping_add(1) => Ok(()),
        ref p => Err(format!("INC {a} gave {p:?}")),
    }
}

/// One open / INC / close cycle on hello_world.
fn cycle(ctx: &Context, hello: &Uuid, i: u32) -> Result<(), String> {
    let mut session = ctx.open_session(hello, Login::Public).map_err(|e| format!("cycle {i}: open: {e}"))?;
    inc(&mut session, i).map_err(|e| format!("cycle {i}: {e}"))
}

/// (heap bytes in use, open sessions, shm objects, heap size).
fn stats(session: &mut teec::Session<'_>) -> Result<[u32; 4], String> {
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    session.invoke(pta::STATS_CMD_KERNEL_STATS, &mut params).map_err(|e| format!("stats: {e}"))?;
    match params {
        [Param::ValueOutput { a: heap, b: sessions }, Param::ValueOutput { a: shm, b: size }, ..] => {
            Ok([heap, sessions, shm, size])
        }
        _ => unreachable!(),
    }
}

/// `None`: not run (upstream, or no stats PTA and no `tz.tee`).
fn no_leak(tee: Option<&str>) -> Option<Result<(), String>> {
    if tee == Some("upstream") {
        return None;
    }
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => return Some(Err(format!("context: {e}"))),
    };
    let mut pta = match ctx.open_session(&pta::STATS_UUID, Login::Public) {
        Ok(s) => s,
        Err(e) if e.is(TeeError::ItemNotFound) && tee.is_none() => return None,
        Err(e) => return Some(Err(format!("stats PTA: open: {e}"))),
    };
    Some((|| {
        let hello = hello_world::UUID;
        cycle(&ctx, &hello, 0)?;
        let before = stats(&mut pta)?;
        for i in 1..=LEAK_CYCLES {
            cycle(&ctx, &hello, i)?;
        }
        let after = stats(&mut pta)?;
        println!(
            "tz-stress: kernel heap {} B in use of {} B, {} sessions, {} shm objects; after {LEAK_CYCLES} cycles {} B, {} sessions, {} shm",
            before[0], before[3], before[1], before[2], after[0], after[1], after[2]
        );
        if before[..3] == after[..3] {
            Ok(())
        } else {
            diagnose(&ctx, &hello, &mut pta)?;
            Err(format!(
                "after {LEAK_CYCLES} cycles: heap {} -> {} B, sessions {} -> {}, shm {} -> {}",
                before[0], after[0], before[1], after[1], before[2], after[2]
            ))
        }
    })())
}

/// After a leak: which half leaks? Heap bytes in use around 100 open/close
/// cycles without an invoke, and around 100 INCs on one session.
fn diagnose(ctx: &Context, hello: &Uuid, pta: &mut teec::Session<'_>) -> Result<(), String> {
    let a = stats(pta)?;
    for i in 0..100 {
        drop(ctx.open_session(hello, Login::Public).map_err(|e| format!("diagnosis: open {i}: {e}"))?);
    }
    let b = stats(pta)?;
    let mut session = ctx.open_session(hello, Login::Public).map_err(|e| format!("diagnosis: open: {e}"))?;
    let c = stats(pta)?;
    for i in 0..100 {
        inc(&mut session, i)?;
    }
    let d = stats(pta)?;
    println!(
        "tz-stress: leak diagnosis: 100 open/close without invoke: heap {} -> {} B; 100 INCs on one session: heap {} -> {} B",
        a[0], b[0], c[0], d[0]
    );
    Ok(())
}

fn concurrent() -> Result<(), String> {
    on_threads_with_session(THREADS as usize, &hello_world::UUID, |t, _ctx, session| {
        let t = t as u32;
        for i in 0..INVOKES_PER_THREAD {
            inc(session, t * 1000 + i).map_err(|e| format!("thread {t}, invoke {i}: {e}"))?;
        }
        Ok(())
    })
}

fn busy_loop_linux_alive() -> Result<(), String> {
    pin_to_cpu(0)?;
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let mut session = ctx.open_session(&params_ta::UUID, Login::Public).map_err(|e| format!("open params_ta: {e}"))?;
    let ticks = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (ticks, stop) = (ticks.clone(), stop.clone());
        std::thread::spawn(move || -> Result<(), String> {
            pin_to_cpu(0)?;
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                ticks.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        })
    };
    // Let the ticker start ticking.
    std::thread::sleep(TICK * 5);
    let t0 = ticks.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut params =
        [Param::ValueInput { a: BUSY_MS, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    let call = session.invoke(params_ta::CMD_BUSY_LOOP, &mut params);
    let took = start.elapsed();
    let during = ticks.load(Ordering::Relaxed) - t0;
    stop.store(true, Ordering::Relaxed);
    let ticker = ticker.join().unwrap_or_else(|_| Err("ticker panicked".into()));
    call.map_err(|e| format!("busy loop: {e}"))?;
    ticker?;
    let (elapsed, reads) = match params[1] {
        Param::ValueOutput { a, b } => (a, b),
        _ => unreachable!(),
    };
    println!(
        "tz-stress: TA spun {elapsed} ms ({reads} time reads), call took {} ms, {during} ticks of 10 ms meanwhile",
        took.as_millis()
    );
    if elapsed < BUSY_MS {
        return Err(format!("the TA spun only {elapsed} ms"));
    }
    if during < MIN_TICKS {
        return Err(format!("{during} ticks on CPU 0 during the {} ms call, want >= {MIN_TICKS}", took.as_millis()));
    }
    Ok(())
}

pub fn run(report: &mut Report) {
    report.test(1005, "many sessions: no leaks, 8 threads, preemption");
    let tee = tee_from_cmdline();
    if let Some(result) = no_leak(tee.as_deref()) {
        report.case("ta-open-invoke-close-no-leak", result);
    }
    report.case("ta-concurrent-8x100", concurrent());
    report.case("ta-busy-loop-linux-alive", busy_loop_linux_alive());
}
