//! 1016: FP/SIMD state isolation between TAs and the normal world.
//!
//! fp_ta holds a register pattern across system calls, an RPC (`TEE_Wait`),
//! preemption by normal-world interrupts and a nested TA-to-TA run that uses
//! FP/SIMD itself, and crypto system calls (which our kernel runs on the
//! Armv8 crypto instructions in kernel SIMD sections, also before the TA
//! first touches FP/SIMD), and reports what changed. The normal world's side: on
//! every CPU one thread invokes fp_ta with all of its own vector registers,
//! `FPCR` and `FPSR` loaded (the `ioctl` issued from assembly), and one
//! thread loads a pattern and yields the CPU in a loop; none may find a
//! register changed. On ours every TA entry also starts with zeroed
//! registers (nothing of the normal world or another run leaks in).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use proto::{fp_c_ta, fp_ta};
use teec::{Context, Login, Param};
use tz_runner::simd::{SYS_IOCTL, SYS_SCHED_YIELD, SimdState, syscall_holding};
use tz_runner::{Report, on_upstream, online_cpus, pin_to_cpu};

/// How long the isolation run hammers.
const HAMMER: Duration = Duration::from_secs(3);
/// Bound on opening the hammer threads' sessions.
const SETUP_LIMIT: Duration = Duration::from_secs(60);

/// What one HOLD reported.
struct Held {
    /// Registers found changed, over all checks.
    changed: u32,
    checks: u32,
    /// Registers not zero when the run first read them.
    inherited: u32,
}

/// HOLD(seed, rounds, wait_ms, nested).
fn hold(session: &mut teec::Session<'_>, seed: u32, rounds: u32, wait_ms: u32, nested: bool) -> Result<Held, String> {
    let mut params = hold_params(seed, rounds, wait_ms, nested);
    session.invoke(fp_ta::CMD_HOLD, &mut params).map_err(|e| format!("HOLD: {e}"))?;
    Ok(held(&params))
}

fn hold_params<'a>(seed: u32, rounds: u32, wait_ms: u32, nested: bool) -> [Param<'a>; 4] {
    [
        Param::ValueInput { a: seed, b: rounds },
        Param::ValueInput { a: wait_ms, b: u32::from(nested) },
        Param::ValueOutput { a: 0, b: 0 },
        Param::ValueOutput { a: 0, b: 0 },
    ]
}

fn held(params: &[Param<'_>; 4]) -> Held {
    match (&params[2], &params[3]) {
        (Param::ValueOutput { a, b }, Param::ValueOutput { a: inherited, .. }) => {
            Held { changed: *a, checks: *b, inherited: *inherited }
        }
        _ => unreachable!(),
    }
}

/// Upstream OP-TEE 4.5 does not clear the FP/SIMD registers for a run that
/// has not used them before: measured here, a second TA instance called
/// from a TA that holds a pattern starts with 33 of the 34 registers as the
/// caller left them (a leak between TAs), and an instance sees its own
/// values from an earlier entry. Ours gives every entry zeroed registers;
/// only ours is held to "nothing inherited".
fn inheritance_checked() -> bool {
    !on_upstream()
}

fn ta_keeps_its_registers() -> Result<(), String> {
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let mut session = ctx.open_session(&fp_ta::UUID, Login::Public).map_err(|e| format!("open: {e}"))?;
    let Held { changed, checks, inherited } = hold(&mut session, 1, 20, 20, true)?;
    if inherited != 0 && inheritance_checked() {
        return Err(format!("the run started with {inherited} non-zero register(s)"));
    }
    if changed != 0 {
        return Err(format!("{changed} register(s) changed over {checks} checks"));
    }
    // 3 per round, 1 after the wait, 2 around the nested call and its 6.
    if checks < 20 * 3 + 1 + 2 + 6 {
        return Err(format!("only {checks} checks"));
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    calls: AtomicU64,
    ns_changed: AtomicU64,
    ta_changed: AtomicU64,
    yields: AtomicU64,
    yield_changed: AtomicU64,
    errors: AtomicU64,
}

/// When the timed part of the run starts and ends.
struct Phase {
    /// Hammer threads done opening their session (successfully or not).
    ready: AtomicUsize,
    go: AtomicBool,
    stop: AtomicBool,
}

impl Phase {
    fn wait_for_go(&self) {
        while !self.go.load(Ordering::Acquire) && !self.stop.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Invokes fp_ta with the calling thread's registers loaded, until `stop`.
/// Opening the session (a TA load through tee-supplicant on upstream) is
/// not part of the timed run.
fn hammer(cpu: usize, tally: &Tally, phase: &Phase) -> Result<(), String> {
    let ctx = pin_to_cpu(cpu).and_then(|()| Context::new().map_err(|e| format!("context: {e}")));
    let session = match &ctx {
        Ok(ctx) => ctx.open_session(&fp_ta::UUID, Login::Public).map_err(|e| format!("open: {e}")),
        Err(e) => Err(e.clone()),
    };
    phase.ready.fetch_add(1, Ordering::AcqRel);
    let mut session = session?;
    phase.wait_for_go();
    let stop = &phase.stop;
    let mut i = 0u32;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let seed = (cpu as u32) << 24 | i;
        let before = SimdState::pattern(u64::from(seed) | 0x5a00_0000_0000);
        let mut after = SimdState::ZERO;
        // Every fourth call waits (an RPC), every eighth nests a TA run.
        let mut params = hold_params(seed, 1, u32::from(i.is_multiple_of(4)), i.is_multiple_of(8));
        let result = session.invoke_with_raw_ioctl(fp_ta::CMD_HOLD, &mut params, |fd, request, arg| {
            // SAFETY: `arg` is the tee_ioctl_buf_data teec built for
            // TEE_IOC_INVOKE on this session's descriptor.
            unsafe { syscall_holding(SYS_IOCTL, [fd as u64, request, arg as u64], &before, &mut after) }
        });
        tally.calls.fetch_add(1, Ordering::Relaxed);
        if result.is_err() {
            tally.errors.fetch_add(1, Ordering::Relaxed);
        }
        tally.ns_changed.fetch_add(u64::from(after.differences(&before)), Ordering::Relaxed);
        let held = held(&params);
        tally.ta_changed.fetch_add(u64::from(held.changed), Ordering::Relaxed);
        if inheritance_checked() {
            tally.ta_changed.fetch_add(u64::from(held.inherited), Ordering::Relaxed);
        }
    }
    Ok(())
}

/// Keeps a pattern in the registers and yields the CPU, until `stop`.
fn yielder(cpu: usize, tally: &Tally, phase: &Phase) -> Result<(), String> {
    pin_to_cpu(cpu)?;
    phase.wait_for_go();
    let mut i = 0u64;
    while !phase.stop.load(Ordering::Relaxed) {
        i += 1;
        let before = SimdState::pattern((cpu as u64) << 40 | i);
        let mut after = SimdState::ZERO;
        // SAFETY: sched_yield takes no arguments.
        unsafe { syscall_holding(SYS_SCHED_YIELD, [0; 3], &before, &mut after) };
        tally.yields.fetch_add(1, Ordering::Relaxed);
        tally.yield_changed.fetch_add(u64::from(after.differences(&before)), Ordering::Relaxed);
    }
    Ok(())
}

fn isolation_under_load() -> Result<(), String> {
    let cpus = online_cpus();
    let tally = Tally::default();
    let phase = Phase { ready: AtomicUsize::new(0), go: AtomicBool::new(false), stop: AtomicBool::new(false) };
    let results: Vec<Result<(), String>> = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for cpu in 0..cpus {
            let (tally, phase) = (&tally, &phase);
            handles.push(s.spawn(move || hammer(cpu, tally, phase)));
            handles.push(s.spawn(move || yielder(cpu, tally, phase)));
        }
        let setup = Instant::now();
        while phase.ready.load(Ordering::Acquire) < cpus && setup.elapsed() < SETUP_LIMIT {
            std::thread::sleep(Duration::from_millis(10));
        }
        phase.go.store(true, Ordering::Release);
        let started = Instant::now();
        while started.elapsed() < HAMMER {
            std::thread::sleep(Duration::from_millis(50));
        }
        phase.stop.store(true, Ordering::Release);
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into()))).collect()
    });
    results.into_iter().collect::<Result<Vec<()>, String>>()?;
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    let (calls, errors) = (get(&tally.calls), get(&tally.errors));
    let summary = format!(
        "{calls} calls on {cpus} CPUs ({errors} failed), normal world changed {}, TA changed {}; {} yields changed {}",
        get(&tally.ns_changed),
        get(&tally.ta_changed),
        get(&tally.yields),
        get(&tally.yield_changed)
    );
    println!("  fp isolation: {summary}");
    if calls < cpus as u64
        || errors != 0
        || get(&tally.ns_changed) != 0
        || get(&tally.ta_changed) != 0
        || get(&tally.yield_changed) != 0
    {
        return Err(summary);
    }
    Ok(())
}

/// fp_c_ta's command `cmd` on (a, 0); returns (a, b).
fn c_ta_step(session: &mut teec::Session<'_>, cmd: u32, a: u32) -> Result<(u32, u32), String> {
    let mut params = [Param::ValueInout { a, b: 0 }, Param::None, Param::None, Param::None];
    session.invoke(cmd, &mut params).map_err(|e| format!("command {cmd} on {a}: {e}"))?;
    match params[0] {
        Param::ValueInout { a, b } => Ok((a, b)),
        _ => unreachable!(),
    }
}

/// A dev-kit C TA: its session open logs a double through libutee's
/// variadic trace functions, command 0 calls snprintf with a double and
/// computes in double, command 1 sums in a NEON loop.
fn devkit_c_ta() -> Result<(), String> {
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let mut session = ctx.open_session(&fp_c_ta::UUID, Login::Public).map_err(|e| format!("open: {e}"))?;
    // 10 * 1.5 + 0.25 = 15.25; 10 / 3 * 1000 = 3333.33.
    let (a, b) = c_ta_step(&mut session, fp_c_ta::CMD_DOUBLE, 10)?;
    if (a, b) != (15, 3333) {
        return Err(format!("double: got ({a}, {b}), want (15, 3333)"));
    }
    for n in [4, 64, 4096] {
        let (neon, scalar) = c_ta_step(&mut session, fp_c_ta::CMD_NEON_SUM, n)?;
        let want = n * (n - 1) / 2;
        if neon != want || scalar != want {
            return Err(format!("NEON sum of 0..{n}: NEON {neon}, scalar {scalar}, want {want}"));
        }
    }
    Ok(())
}

pub fn run(report: &mut Report) {
    report.test(1016, "FP/SIMD: TAs keep their registers; the normal world keeps its own");
    report.case("ta-keeps-registers-across-syscall-rpc-preemption-nesting", ta_keeps_its_registers());
    report.case("isolation-under-load-every-cpu", isolation_under_load());
    report.case("devkit-c-ta-double-printf-neon", devkit_c_ta());
}
