//! Test 4014: how long a normal-world interrupt waits while a TA's long
//! crypto syscall runs. A ticker thread sleeps 1 ms at a time
//! (`CLOCK_MONOTONIC`) on the CPU where another thread calls the TA; the
//! largest gap between two of its wakeups while the call runs is how long
//! Linux's timer interrupt (and the scheduler behind it) waited at worst.
//! A kernel that computes with interrupts masked shows the whole syscall
//! as one gap; one with preemption points shows about a time slice.
//!
//! - `crypto-latency-rsa4096-keygen`: `TEE_GenerateKey` of an RSA-4096
//!   key pair (`tas/asym_ta`);
//! - `crypto-latency-pbkdf2-256k`: PBKDF2-HMAC-SHA1, 2^18 rounds, one
//!   20-byte block (`tas/crypt_ta`);
//! - `crypto-latency-sha256-2mib`: SHA-256 of 2 MiB in one syscall (the
//!   largest client memref the kernel's bounce pool takes: 2 x 2 MiB of
//!   its 6 MiB);
//! - `crypto-latency-baseline-ta-busy-loop`: `params_ta` spinning 2 s at
//!   S-EL0, which any normal-world interrupt preempts at once: the noise
//!   floor (a loaded host deschedules QEMU's vCPU threads too).
//!
//! - `crypto-latency-kernel-code-preempted` (ours only): around the PBKDF2
//!   call, the stats PTA's count of preemptions by site. System calls run
//!   with normal-world interrupts open, as upstream's do, so the interrupts
//!   Linux gets during that second of kernel work must have preempted the
//!   kernel code itself (its EL1 FIQ vector), not waited for a preemption
//!   point of a masked kernel.
//!
//! Each prints the call's duration and the largest gap, and fails when the
//! gap reaches [`MAX_GAP`]. Guest time under QEMU TCG is wall-clock time,
//! and on a loaded 2-core host the baseline alone shows gaps of a few
//! hundred ms; the kernel computing with interrupts masked showed the
//! whole call (seconds) as one gap.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use teec::{Context, Login, Param, Session};
use tz_runner::{Report, make_realtime, pin_to_cpu};

use super::{R, shm_with};
use proto::{asym_ta, crypt_ta, params_ta};
use tee_abi::gp::{alg, attr, object_type};
use tee_abi::pta;

/// Cases reported here.
pub const CASES: usize = 4;

/// The largest gap allowed.
const MAX_GAP: Duration = Duration::from_millis(1000);
/// The ticker's sleep.
const TICK: Duration = Duration::from_millis(1);
/// CPU both threads run on.
const CPU: usize = 0;

/// Runs `call` on [`CPU`] while a ticker thread there records its
/// wakeups: (call duration, largest gap between wakeups during it).
fn max_gap_during(call: impl FnOnce() -> R + Send) -> Result<(Duration, Duration, bool), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let stop = stop.clone();
        std::thread::spawn(move || -> Result<(Vec<Instant>, bool), String> {
            pin_to_cpu(CPU)?;
            let realtime = make_realtime();
            let mut wakeups = Vec::with_capacity(1 << 16);
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(TICK);
                wakeups.push(Instant::now());
            }
            Ok((wakeups, realtime))
        })
    };
    std::thread::sleep(TICK * 50);
    let (start, end, result) = std::thread::scope(|s| {
        s.spawn(|| -> (Instant, Instant, R) {
            if let Err(e) = pin_to_cpu(CPU) {
                let now = Instant::now();
                return (now, now, Err(e));
            }
            let start = Instant::now();
            let r = call();
            (start, Instant::now(), r)
        })
        .join()
        .unwrap_or_else(|_| {
            let now = Instant::now();
            (now, now, Err("caller panicked".into()))
        })
    });
    std::thread::sleep(TICK * 50);
    stop.store(true, Ordering::Relaxed);
    let (wakeups, realtime) = ticker.join().map_err(|_| "ticker panicked".to_string())??;
    result?;
    // Gaps between consecutive wakeups that overlap the call.
    let gap = wakeups.windows(2).filter(|w| w[1] > start && w[0] < end).map(|w| w[1] - w[0]).max().unwrap_or_default();
    Ok((end - start, gap, realtime))
}

fn measure(name: &str, call: impl FnOnce() -> R + Send) -> R {
    let (took, gap, realtime) = max_gap_during(call)?;
    println!(
        "tz-latency: {name}: call {} ms, largest timer gap {:.1} ms ({})",
        took.as_millis(),
        gap.as_secs_f64() * 1000.0,
        if realtime { "SCHED_FIFO ticker" } else { "SCHED_OTHER ticker" }
    );
    if gap >= MAX_GAP {
        return Err(format!(
            "a {:.1} ms gap in the ticks during a {} ms call (bound {} ms)",
            gap.as_secs_f64() * 1000.0,
            took.as_millis(),
            MAX_GAP.as_millis()
        ));
    }
    Ok(())
}

fn invoke(s: &mut Session<'_>, cmd: u32, params: &mut [Param<'_>; 4]) -> R {
    s.invoke(cmd, params).map_err(|e| format!("invoke {cmd}: {e}"))
}

fn rsa4096_keygen(ctx: &Context) -> R {
    let mut s = ctx.open_session(&asym_ta::UUID, Login::Public).map_err(|e| format!("open asym_ta: {e}"))?;
    let no_params = shm_with(ctx, &0u32.to_le_bytes())?;
    let ids = shm_with(ctx, &attr::RSA_MODULUS.to_le_bytes())?;
    let mut out = SharedMemoryOut::new(ctx, 1024)?;
    measure("rsa4096-keygen", || {
        let mut p = [
            Param::ValueInput { a: object_type::RSA_KEYPAIR, b: 4096 },
            Param::input(&no_params),
            Param::input(&ids),
            Param::output(&mut out.0),
        ];
        invoke(&mut s, asym_ta::CMD_GENERATE, &mut p)
    })
}

fn pbkdf2(ctx: &Context, s: &mut Session<'_>) -> R {
    let password = shm_with(ctx, b"password")?;
    let extra = shm_with(ctx, &[&4u32.to_le_bytes()[..], &(1u32 << 18).to_le_bytes(), b"salt"].concat())?;
    let mut out = SharedMemoryOut::new(ctx, 20)?;
    measure("pbkdf2-256k", || {
        let mut p = [
            Param::ValueInput { a: alg::PBKDF2_HMAC_SHA1_DERIVE_KEY, b: 20 },
            Param::input(&password),
            Param::input(&extra),
            Param::output(&mut out.0),
        ];
        invoke(s, crypt_ta::CMD_DERIVE, &mut p)
    })
}

fn sha256_2mib(ctx: &Context, s: &mut Session<'_>) -> R {
    let msg = shm_with(ctx, &vec![0x61; 2 << 20])?;
    let mut out = SharedMemoryOut::new(ctx, 32)?;
    measure("sha256-2mib", || {
        let mut p =
            [Param::ValueInput { a: alg::SHA256, b: 0 }, Param::input(&msg), Param::output(&mut out.0), Param::None];
        invoke(s, crypt_ta::CMD_DIGEST, &mut p)
    })
}

fn baseline(ctx: &Context) -> R {
    let mut s = ctx.open_session(&params_ta::UUID, Login::Public).map_err(|e| format!("open params_ta: {e}"))?;
    measure("baseline-ta-busy-loop", || {
        let mut p = [Param::ValueInput { a: 2000, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
        invoke(&mut s, params_ta::CMD_BUSY_LOOP, &mut p)
    })
}

/// An output buffer the measured closure can borrow mutably.
struct SharedMemoryOut(teec::SharedMemory);

impl SharedMemoryOut {
    fn new(ctx: &Context, size: usize) -> Result<SharedMemoryOut, String> {
        teec::SharedMemory::alloc(ctx, size).map(SharedMemoryOut).map_err(|e| format!("shm alloc: {e}"))
    }
}

/// Preemptions so far (in TAs, in kernel code, at preemption points),
/// from our stats PTA.
fn preemptions(stats: &mut Session<'_>) -> Result<[u32; 3], String> {
    let mut p = [Param::ValueOutput { a: 0, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    stats.invoke(pta::STATS_CMD_PREEMPTIONS, &mut p).map_err(|e| format!("stats PTA: {e}"))?;
    match p {
        [Param::ValueOutput { a: ta, b: kernel }, Param::ValueOutput { a: point, .. }, ..] => Ok([ta, kernel, point]),
        _ => unreachable!(),
    }
}

/// The preemptions a call saw, by site; at least one must have hit kernel
/// code.
fn preempted_in_kernel(before: [u32; 3], after: [u32; 3]) -> R {
    let [ta, kernel, point] = [0, 1, 2].map(|i| after[i].wrapping_sub(before[i]));
    println!(
        "tz-latency: preemptions during the PBKDF2 call: {ta} in TA code, {kernel} in kernel code, {point} at preemption points"
    );
    if kernel == 0 {
        return Err(format!(
            "no normal-world interrupt preempted kernel code during a long system call ({point} waited for a preemption point)"
        ));
    }
    Ok(())
}

pub fn cases(ctx: &Context, s: &mut Session<'_>, report: &mut Report) {
    report.test(4014, "normal-world interrupts during long crypto syscalls");
    report.case("crypto-latency-rsa4096-keygen", rsa4096_keygen(ctx));
    let mut stats = if tz_runner::on_upstream() {
        None
    } else {
        Some(ctx.open_session(&pta::STATS_UUID, Login::Public).map_err(|e| format!("stats PTA: open: {e}")))
    };
    let before = stats.as_mut().map(|s| s.as_mut().map_err(|e| e.clone()).and_then(|s| preemptions(s)));
    report.case("crypto-latency-pbkdf2-256k", pbkdf2(ctx, s));
    if let (Some(stats), Some(before)) = (stats.as_mut(), before) {
        let after = stats.as_mut().map_err(|e| e.clone()).and_then(|s| preemptions(s));
        report.case("crypto-latency-kernel-code-preempted", before.and_then(|b| preempted_in_kernel(b, after?)));
    }
    report.case("crypto-latency-sha256-2mib", sha256_2mib(ctx, s));
    report.case("crypto-latency-baseline-ta-busy-loop", baseline(ctx));
}
