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
//! Then the call path's decomposition (`invoke-null-quiet` = Linux's share
//! + the secure world's common path + the TA's entry and exit):
//!
//! - `ioctl-version`: `TEE_IOC_VERSION` on the TEE device, answered by the
//!   Linux driver alone: the floor of any ioctl;
//! - `pta-invoke-value`: the invoke-tests pseudo-TA's PARAMS command with
//!   one VALUE_INOUT (`a += b`, upstream's `test_entry_params` case 1a): a
//!   whole std call through driver, monitor, thread, message decode and
//!   session lookup, with no user-mode TA;
//! - `boot-to-probe`: guest time from machine start to the OP-TEE driver's
//!   `initialized driver` line (its printk time plus the counter's value
//!   at printk time zero, found by stamping a `/dev/kmsg` line now); one
//!   iteration, the figure in ns.
//! - `ta-instance-bytes`: secure memory one more instance of the
//!   multi-instance `recursion_ta` takes (its image, stack, heap, tables
//!   and bookkeeping): each OS's own allocator statistics before and after
//!   opening [`INSTANCES`] sessions (each a new instance), over their
//!   number. Ours: the statistics PTA's kernel heap in use (TA memory comes
//!   from it). Upstream: its stats PTA (`STATS_CMD_ALLOC_STATS`), core heap
//!   plus physical TA memory (optee_os 4.5.0 `core/pta/stats.c`).
//!
//! The in-TA ones include the invoke round trip (`invoke-null-quiet`), which
//! is small next to them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use proto::{bench_ta, hello_world, recursion_ta};
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

/// The printk timestamp (µs) of the first `/dev/kmsg` record whose text
/// contains `needle`.
fn kmsg_time_us(records: &str, needle: &str) -> Option<u128> {
    records.lines().find(|l| l.contains(needle)).and_then(|l| {
        // "<prio>,<seq>,<usec>,<flags>;<text>"
        let head = l.split(';').next()?;
        head.split(',').nth(2)?.parse().ok()
    })
}

/// Reads every record `/dev/kmsg` holds (non-blocking).
fn read_kmsg() -> std::io::Result<String> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().read(true).custom_flags(0o4000 /* O_NONBLOCK */).open("/dev/kmsg")?;
    let mut out = String::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            // A record overwritten while reading: skip on.
            Err(e) if e.raw_os_error() == Some(32) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// `boot-to-probe`: when the OP-TEE driver finished probing, in guest ns
/// since the machine started. printk times count from an origin Linux
/// chose; a line written to `/dev/kmsg` now gets a printk time too, and the
/// counter read next to it gives that origin.
fn boot_to_probe() -> Result<u128, String> {
    use std::io::Write;
    const MARK: &str = "tz-bench: counter mark";
    let before = tz_runner::arch::counter_ns().ok_or("no virtual counter")?;
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/kmsg")
        // With its newline: printk keeps a record without one open for a
        // continuation, and readers see it only once it is finalized.
        .and_then(|mut f| f.write_all(format!("{MARK}\n").as_bytes()))
        .map_err(|e| format!("/dev/kmsg: {e}"))?;
    let after = tz_runner::arch::counter_ns().ok_or("no virtual counter")?;
    let records = read_kmsg().map_err(|e| format!("reading /dev/kmsg: {e}"))?;
    let mark = kmsg_time_us(&records, MARK).ok_or("the mark is not in /dev/kmsg")?;
    let probe = kmsg_time_us(&records, "optee: initialized driver").ok_or("no `optee: initialized driver` line")?;
    let origin = (before + after) / 2 - mark * 1000;
    Ok(origin + probe * 1000)
}

/// Instances opened for `ta-instance-bytes`.
const INSTANCES: u32 = 4;
/// Upstream's `STATS_UUID` and `STATS_CMD_ALLOC_STATS` (optee_os 4.5.0
/// `lib/libutee/include/pta_stats.h`), its pools `ALLOC_ID_HEAP` and
/// `ALLOC_ID_TA_RAM`, and `sizeof(struct pta_stats_alloc)` with the
/// offset of `allocated` in it.
const UPSTREAM_STATS_UUID: teec::Uuid = teec::Uuid::must("d96a5b40-e2c7-b1af-8794-1002a5d5c61b");
const UPSTREAM_STATS_CMD_ALLOC_STATS: u32 = 1;
const UPSTREAM_POOLS: [u32; 2] = [1, 3];
const PTA_STATS_ALLOC_SIZE: usize = 56;
const ALLOCATED_AT: usize = 32;

/// Secure memory in use as the trusted OS accounts it (see
/// `ta-instance-bytes`).
fn secure_bytes_in_use(ctx: &Context, upstream: bool) -> Result<u64, String> {
    if !upstream {
        let mut s = ctx.open_session(&tee_abi::pta::STATS_UUID, Login::Public).map_err(|e| format!("stats: {e}"))?;
        let mut p = [Param::ValueOutput { a: 0, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
        s.invoke(tee_abi::pta::STATS_CMD_KERNEL_STATS, &mut p).map_err(|e| format!("stats: {e}"))?;
        let Param::ValueOutput { a: heap, .. } = p[0] else { unreachable!() };
        return Ok(u64::from(heap));
    }
    let mut s = ctx.open_session(&UPSTREAM_STATS_UUID, Login::Public).map_err(|e| format!("stats.pta: {e}"))?;
    let mut total = 0;
    for pool in UPSTREAM_POOLS {
        let mut out = teec::SharedMemory::alloc(ctx, PTA_STATS_ALLOC_SIZE).map_err(|e| format!("alloc: {e}"))?;
        let mut p = [Param::ValueInput { a: pool, b: 0 }, Param::output(&mut out), Param::None, Param::None];
        s.invoke(UPSTREAM_STATS_CMD_ALLOC_STATS, &mut p).map_err(|e| format!("stats.pta pool {pool}: {e}"))?;
        let field = &out.as_slice()[ALLOCATED_AT..ALLOCATED_AT + 4];
        total += u64::from(u32::from_le_bytes(field.try_into().expect("4 bytes")));
    }
    Ok(total)
}

/// `ta-instance-bytes`: see the module documentation.
fn ta_instance_bytes(ctx: &Context, upstream: bool) -> Result<u64, String> {
    let open = || ctx.open_session(&recursion_ta::UUID, Login::Public).map_err(|e| format!("open: {e}"));
    // A first instance loads whatever the OS keeps for later loads.
    drop(open()?);
    let before = secure_bytes_in_use(ctx, upstream)?;
    let held = (0..INSTANCES).map(|_| open()).collect::<Result<Vec<_>, _>>()?;
    let after = secure_bytes_in_use(ctx, upstream)?;
    drop(held);
    Ok(after.saturating_sub(before) / u64::from(INSTANCES))
}

fn main() {
    std::thread::sleep(SETTLE);
    match boot_to_probe() {
        Ok(ns) => println!("BENCH boot-to-probe {ns} 1"),
        Err(e) => println!("BENCH-ERROR boot-to-probe {e}"),
    }
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

    bench("ioctl-version", 1000, |_| ctx.query_version().map(drop).map_err(|e| e.to_string()));
    match ctx.open_session(&tee_abi::pta::INVOKE_TESTS_UUID, Login::Public) {
        Ok(mut s) => bench("pta-invoke-value", 1000, |i| {
            let mut p = [Param::ValueInout { a: i, b: 1 }, Param::None, Param::None, Param::None];
            s.invoke(tee_abi::pta::invoke_tests::CMD_PARAMS, &mut p).map_err(|e| e.to_string())?;
            match p[0] {
                Param::ValueInout { a, .. } if a == i + 1 => Ok(()),
                _ => Err(format!("PARAMS gave {:?}, want a = {}", p[0], i + 1)),
            }
        }),
        Err(e) => println!("BENCH-ERROR pta-invoke-value open: {e}"),
    }
    let upstream = tz_runner::on_upstream();
    match ta_instance_bytes(&ctx, upstream) {
        Ok(bytes) => println!("BENCH ta-instance-bytes {bytes} {INSTANCES}"),
        Err(e) => println!("BENCH-ERROR ta-instance-bytes {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::kmsg_time_us;

    #[test]
    fn finds_a_records_printk_time() {
        let kmsg =
            "6,1,0,-;Booting Linux\n6,812,2345678,-;optee: initialized driver\n12,900,9000000,-;tz-bench: mark\n";
        assert_eq!(kmsg_time_us(kmsg, "optee: initialized driver"), Some(2_345_678));
        assert_eq!(kmsg_time_us(kmsg, "tz-bench: mark"), Some(9_000_000));
        assert_eq!(kmsg_time_us(kmsg, "absent"), None);
    }
}
