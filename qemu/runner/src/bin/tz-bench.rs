//! `cargo xtask bench`'s guest side (run by `qemu/init` in `tz.mode=bench`):
//! times TEE calls with `CLOCK_MONOTONIC` and prints one line per operation,
//! `BENCH <name> <ns-per-op> <iterations>` (`BENCH-ERROR <name> <why>` if it
//! could not run):
//!
//! - `invoke-null`: hello_world INC on an open session (the TA logs two
//!   lines per INC, as upstream's example does);
//! - `invoke-null-quiet`: bench_ta's null command (no logging);
//! - `open-close-warm`: open + close of a session to bench_ta (single
//!   instance, kept alive, with one more session held open all along: no
//!   TA load);
//! - `open-close-cold`: open + close of a session to hello_world (not kept
//!   alive: every open loads, relocates and starts the TA);
//! - `sha256-1mib`: one bench_ta invoke that hashes 1 MiB of TA memory with
//!   SHA-256 (16 `TEE_DigestUpdate`s of 64 KiB and the final): ns per MiB;
//! - `aes128-cbc-1mib`: the same with AES-128-CBC encryption (key, IV,
//!   16 updates of 64 KiB): ns per MiB;
//! - `aes128-gcm-1mib`: the same with AES-128-GCM encryption (key, 12-byte
//!   nonce, 16 payload updates of 64 KiB, the final with a 16-byte tag);
//! - `aes128-ctr-1mib`: the same with AES-128-CTR (16 updates of 64 KiB);
//! - `storage-64k-write-read`: one bench_ta invoke that creates a 64 KiB
//!   private persistent object (write of 64 KiB), closes it, opens it, reads
//!   it back, and deletes it (so each run starts from nothing).
//!
//! After those, in this order (newer rows run last, so the older ones run
//! as they always did):
//!
//! - `rsa2048-sign`, `ecdsa-p256-sign`: one signature of a 32-byte digest
//!   (RSASSA-PKCS1-v1_5-SHA256; ECDSA-SHA256) with a key the TA generated
//!   in the warm-up call;
//! - `x25519`: one X25519 shared secret;
//! - `storage-1mib-write`: a 1 MiB private persistent object created
//!   (OVERWRITE) with its data; `storage-1mib-read`: opened and read back;
//! - `timer-wait-sha256-4mib`, `timer-wait-pbkdf2-256k`,
//!   `timer-wait-rsa4096-keygen`: one long TA syscall each (SHA-256 of
//!   4 MiB in one update, PBKDF2-HMAC-SHA1 with 2^18 iterations, RSA-4096
//!   key generation) while a SCHED_FIFO thread sleeps 1 ms at a time; the
//!   figure is the worst lateness of its timer (guest ns from the expiry
//!   it asked for to running again), which is how long a Linux timer
//!   interrupt waited at worst while the syscall ran (`BENCH` with one
//!   iteration; the call's own duration follows as `BENCH-INFO`).
//!
//! The in-TA ones include the invoke round trip (`invoke-null-quiet`), which
//! is small next to them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use proto::{bench_ta, hello_world};
use teec::{Context, Login, Param, Session};
use tz_runner::make_realtime;

/// Runs `op` once as a warm-up, then `n` times; ns per operation.
fn time(n: u32, mut op: impl FnMut(u32) -> Result<(), String>) -> Result<f64, String> {
    op(0)?;
    let start = Instant::now();
    for i in 0..n {
        op(i)?;
    }
    Ok(start.elapsed().as_nanos() as f64 / f64::from(n))
}

fn bench(name: &str, n: u32, op: impl FnMut(u32) -> Result<(), String>) {
    match time(n, op) {
        Ok(ns) => println!("BENCH {name} {ns:.0} {n}"),
        Err(e) => println!("BENCH-ERROR {name} {e}"),
    }
}

/// Guest time to let boot settle before timing: the guest has one CPU, and
/// whatever Linux or the init script still does in its first seconds runs
/// inside the timed calls (a row measured there came out up to 2x slower).
/// Under `-icount ... sleep=off` an idle guest skips ahead, so this costs
/// little host time.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

/// The timer-wait ticker's sleep.
const TICK: Duration = Duration::from_millis(1);

/// Runs `call` while a real-time thread sleeps [`TICK`] at a time (one
/// CPU: both run on it); returns (call duration, the worst lateness of a
/// wakeup whose expiry fell inside the call).
fn worst_timer_wait(call: impl FnOnce() -> Result<(), String>) -> Result<(Duration, Duration), String> {
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let realtime = make_realtime();
            let mut late = Vec::with_capacity(1 << 16);
            while !stop.load(Ordering::Relaxed) {
                let due = Instant::now() + TICK;
                std::thread::sleep(TICK);
                late.push((due, Instant::now()));
            }
            (late, realtime)
        })
    };
    std::thread::sleep(TICK * 20);
    let start = Instant::now();
    let result = call();
    let end = Instant::now();
    std::thread::sleep(TICK * 20);
    stop.store(true, Ordering::Relaxed);
    let (late, realtime) = ticker.join().map_err(|_| "ticker panicked".to_string())?;
    result?;
    if !realtime {
        return Err("the ticker could not be made SCHED_FIFO".into());
    }
    let worst = late.iter().filter(|(due, _)| *due >= start && *due <= end).map(|(due, woke)| *woke - *due).max();
    Ok((end - start, worst.unwrap_or_default()))
}

fn bench_timer_wait(name: &str, s: &mut Session<'_>, cmd: u32) {
    let r = worst_timer_wait(|| {
        let mut p = [Param::None, Param::None, Param::None, Param::None];
        s.invoke(cmd, &mut p).map_err(|e| e.to_string())
    });
    match r {
        Ok((took, worst)) => {
            println!("BENCH {name} {} 1", worst.as_nanos());
            println!("BENCH-INFO {name} call {} ns", took.as_nanos());
        }
        Err(e) => println!("BENCH-ERROR {name} {e}"),
    }
}

fn main() {
    std::thread::sleep(SETTLE);
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => {
            println!("BENCH-ERROR context {e}");
            return;
        }
    };
    let hello = hello_world::UUID;
    let bench_ta = bench_ta::UUID;

    match ctx.open_session(&hello, Login::Public) {
        Ok(mut s) => bench("invoke-null", 1000, |i| {
            let mut p = [Param::ValueInout { a: i, b: 0 }, Param::None, Param::None, Param::None];
            s.invoke(hello_world::CMD_INC_VALUE, &mut p).map_err(|e| e.to_string())
        }),
        Err(e) => println!("BENCH-ERROR invoke-null open: {e}"),
    }

    match ctx.open_session(&bench_ta, Login::Public) {
        Ok(mut keep) => {
            bench("invoke-null-quiet", 1000, |_| {
                let mut p = [Param::None, Param::None, Param::None, Param::None];
                keep.invoke(bench_ta::CMD_NULL, &mut p).map_err(|e| e.to_string())
            });
            bench("open-close-warm", 200, |_| {
                ctx.open_session(&bench_ta, Login::Public).map(drop).map_err(|e| e.to_string())
            });
            for (name, cmd, n) in [
                ("sha256-1mib", bench_ta::CMD_SHA256_1MIB, 10),
                ("aes128-cbc-1mib", bench_ta::CMD_AES128_CBC_1MIB, 10),
                ("storage-64k-write-read", bench_ta::CMD_STORAGE_64K, 10),
                // After the older rows, so those run as they always did.
                ("aes128-gcm-1mib", bench_ta::CMD_AES128_GCM_1MIB, 10),
                ("aes128-ctr-1mib", bench_ta::CMD_AES128_CTR_1MIB, 10),
            ] {
                bench(name, n, |_| {
                    let mut p = [Param::None, Param::None, Param::None, Param::None];
                    keep.invoke(cmd, &mut p).map_err(|e| e.to_string())
                });
            }
        }
        Err(e) => println!("BENCH-ERROR open-close-warm open: {e}"),
    }

    bench("open-close-cold", 20, |_| ctx.open_session(&hello, Login::Public).map(drop).map_err(|e| e.to_string()));

    match ctx.open_session(&bench_ta, Login::Public) {
        Ok(mut s) => {
            for (name, cmd, n) in [
                ("rsa2048-sign", bench_ta::CMD_RSA2048_SIGN, 10),
                ("ecdsa-p256-sign", bench_ta::CMD_ECDSA_P256_SIGN, 20),
                ("x25519", bench_ta::CMD_X25519, 20),
                ("storage-1mib-write", bench_ta::CMD_STORAGE_1MIB_WRITE, 5),
                ("storage-1mib-read", bench_ta::CMD_STORAGE_1MIB_READ, 5),
            ] {
                bench(name, n, |_| {
                    let mut p = [Param::None, Param::None, Param::None, Param::None];
                    s.invoke(cmd, &mut p).map_err(|e| e.to_string())
                });
            }
            bench_timer_wait("timer-wait-sha256-4mib", &mut s, bench_ta::CMD_SHA256_4MIB_ONE_CALL);
            bench_timer_wait("timer-wait-pbkdf2-256k", &mut s, bench_ta::CMD_PBKDF2_256K);
            bench_timer_wait("timer-wait-rsa4096-keygen", &mut s, bench_ta::CMD_RSA4096_KEYGEN);
        }
        Err(e) => println!("BENCH-ERROR rsa2048-sign open: {e}"),
    }
}
