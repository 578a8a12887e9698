//! The secure-storage crash test of `cargo xtask test`: two boots on one
//! persistent disk.
//!
//! 1. A fresh 32 MiB raw image `target/tz/crash-<tee>.img`, formatted ext4 on
//!    the host (`mkfs.ext4`, e2fsprogs), attached as virtio-blk; the guest
//!    (`tz.disk=1`) mounts it `-o sync` as tee-supplicant's REE FS.
//! 2. Boot `tz.mode=crash-write`: `tz-crash write` rewrites 8 objects of
//!    `tas/storage_ta` generation after generation. Once the console shows
//!    `crash-write: generation 3`, QEMU gets SIGKILL after a pseudo-random
//!    delay of up to two generation times (seed printed; `TZ_CRASH_SEED`
//!    repeats one), so the kill lands anywhere in the write path.
//! 3. Boot `tz.mode=crash-check tz.crash.gen=<last generation seen>` on the
//!    same disk: `tz-crash check` prints the `storage-crash-*` cases.
//!
//! `TZ_CRASH_ROUNDS=N` repeats the whole thing N times (fresh disk each time).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rand::{Rng, SeedableRng};

use crate::firmware::{self, Tee};
use crate::qemu::{self, Machine, Verdict};

/// Bound for boot 1 to reach the write loop's [`MIN_GENERATION`].
const WRITE_DEADLINE: Duration = Duration::from_secs(120);
/// Bound for boot 2 (boot, checks, power-off).
const CHECK_DEADLINE: Duration = Duration::from_secs(120);
/// Generations the loop must complete before the kill can come.
const MIN_GENERATION: u32 = 3;
const DISK_BYTES: u64 = 32 << 20;
const SMP: u32 = 1;

/// One case: (name, passed, detail if failed).
pub type Case = (String, bool, String);

/// `mkfs.ext4` (or `mke2fs`) on the host: PATH, then /sbin and /usr/sbin
/// (not in a normal user's PATH on Debian).
fn mkfs() -> Result<(PathBuf, bool)> {
    let mut dirs: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    dirs.extend([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")]);
    for (name, is_mke2fs) in [("mkfs.ext4", false), ("mke2fs", true)] {
        if let Some(p) = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()) {
            return Ok((p, is_mke2fs));
        }
    }
    bail!("no mkfs.ext4 or mke2fs on the host: install e2fsprogs (apt-get install e2fsprogs)")
}

/// A fresh ext4 image at `path`.
fn make_disk(path: &Path) -> Result<()> {
    let _ = std::fs::remove_file(path);
    let f = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    f.set_len(DISK_BYTES)?;
    drop(f);
    let (mkfs, is_mke2fs) = mkfs()?;
    let mut cmd = Command::new(&mkfs);
    if is_mke2fs {
        cmd.args(["-t", "ext4"]);
    }
    // Everything initialised now: no lazy init racing the guest's writes.
    let out = cmd
        .args(["-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0"])
        .arg(path)
        .output()
        .with_context(|| format!("running {}", mkfs.display()))?;
    if !out.status.success() {
        bail!("{} {} failed: {}", mkfs.display(), path.display(), String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

fn generation_of(line: &str) -> Option<u32> {
    line.strip_prefix("crash-write: generation ")?.trim().parse().ok()
}

/// Runs both boots for `tee` (`TZ_CRASH_ROUNDS` times, default once, each on
/// a fresh disk); the cases, named `crash[<tee>]/<case>`.
pub fn crash_test(root: &Path, guest: &crate::Guest, tee: Tee) -> Result<Vec<Case>> {
    let rounds: u32 = match std::env::var("TZ_CRASH_ROUNDS") {
        Ok(s) => s.parse().context("TZ_CRASH_ROUNDS")?,
        Err(_) => 1,
    };
    let firmware = firmware::build_firmware(root, tee, Some(&guest.files))?;
    let mut cases = Vec::new();
    for round in 1..=rounds {
        println!(
            "== storage crash test: {} (-smp {SMP}, kill QEMU in a write loop, boot again), round {round}/{rounds}",
            tee.name()
        );
        cases.extend(crash_round(root, guest, tee, &firmware)?);
    }
    Ok(cases)
}

fn crash_round(root: &Path, guest: &crate::Guest, tee: Tee, firmware: &Path) -> Result<Vec<Case>> {
    let tag = tee.name();
    let mut cases: Vec<Case> = Vec::new();
    let record = |cases: &mut Vec<Case>, name: &str, ok: bool, detail: String| {
        cases.push((format!("crash[{tag}]/{name}"), ok, detail))
    };
    let start = Instant::now();
    let disk = root.join(format!("target/tz/crash-{tag}.img"));
    make_disk(&disk)?;
    let tee_word = tee.guest_word();
    let machine = |mode: &str, more: &str, step: &str| Machine {
        extra: vec![
            "-drive".into(),
            format!("file={},if=none,format=raw,id=tzdisk", disk.display()),
            "-device".into(),
            "virtio-blk-pci,drive=tzdisk".into(),
        ],
        ..guest.machine(
            firmware.to_path_buf(),
            format!("tz.mode={mode} tz.cpus={SMP} tz.disk=1 tz.tee={tee_word}{more}"),
            SMP,
            root.join(format!("target/tz/secure-crash-{tag}-{step}.log")),
        )
    };
    let verbose = std::env::var_os("TZ_VERBOSE").is_some();

    // Boot 1: the write loop, killed.
    let seed: u64 = match std::env::var("TZ_CRASH_SEED") {
        Ok(s) => s.parse().context("TZ_CRASH_SEED")?,
        Err(_) => rand::thread_rng().r#gen(),
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let m1 = machine("crash-write", "", "write");
    let _ = std::fs::remove_file(&m1.secure_log);
    let mut gen_times: Vec<(u32, Duration)> = Vec::new();
    let mut kill_requested = false;
    let mut failure: Option<String> = None;
    let out = qemu::run_watched(&m1, WRITE_DEADLINE, &mut |t, line| {
        if verbose {
            println!("  | {line}");
        }
        if let Some(g) = generation_of(line) {
            gen_times.push((g, t));
        }
        if line.starts_with("crash-write: error") || line.starts_with("crash-write: stopped") {
            failure.get_or_insert_with(|| line.to_string());
            return Verdict::Stop;
        }
        if !kill_requested && gen_times.last().is_some_and(|&(g, _)| g >= MIN_GENERATION) {
            kill_requested = true;
            // Up to two generation times from now: anywhere in the next
            // generation's writes, or the one after.
            let n = gen_times.len();
            let per_gen =
                if n >= 2 { gen_times[n - 1].1.saturating_sub(gen_times[n - 2].1) } else { Duration::from_secs(1) };
            let delay = per_gen.mul_f64(2.0 * rng.r#gen::<f64>());
            println!(
                "  generation {} at {:.1} s ({:.0} ms per generation); SIGKILL in {:.0} ms (TZ_CRASH_SEED={seed})",
                gen_times[n - 1].0,
                t.as_secs_f64(),
                per_gen.as_secs_f64() * 1e3,
                delay.as_secs_f64() * 1e3
            );
            return Verdict::StopAt(Instant::now() + delay);
        }
        Verdict::Continue
    })?;
    if failure.is_none() && !out.stopped {
        failure = Some(match out.status {
            Some(s) => format!("QEMU exited with {s} during the write loop"),
            None => format!("no 'crash-write: generation {MIN_GENERATION}' within {} s", WRITE_DEADLINE.as_secs()),
        });
    }
    let console: String = out.lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(root.join(format!("target/tz/console-crash-{tag}-write.log")), &console)?;
    let last = gen_times.iter().map(|&(g, _)| g).max().unwrap_or(0);
    println!("  killed at {:.1} s after generation {last}", out.elapsed.as_secs_f64());
    record(&mut cases, "storage-crash-write-loop", failure.is_none(), failure.clone().unwrap_or_default());
    if failure.is_some() {
        return Ok(cases);
    }

    // Boot 2: the check.
    let m2 = machine("crash-check", &format!(" tz.crash.gen={last}"), "check");
    let _ = std::fs::remove_file(&m2.secure_log);
    let out = qemu::run_bounded(&m2, CHECK_DEADLINE, &mut |line| {
        if verbose || line.starts_with("TZTEST") || line.starts_with("crash-check") {
            println!("  | {line}");
        }
    })?;
    let console: String = out.lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    std::fs::write(root.join(format!("target/tz/console-crash-{tag}-check.log")), &console)?;
    let mut done = false;
    for (_, line) in &out.lines {
        let mut words = line.splitn(4, ' ');
        if words.next() != Some("TZTEST") {
            continue;
        }
        match (words.next(), words.next()) {
            (Some("PASS"), Some(name)) => record(&mut cases, name, true, String::new()),
            (Some("FAIL"), Some(name)) => record(&mut cases, name, false, words.next().unwrap_or("").to_string()),
            (Some("DONE"), _) => done = true,
            _ => {}
        }
    }
    let detail = match out.status {
        Some(s) => format!("QEMU exited with {s}"),
        None => format!("QEMU killed after {} s", CHECK_DEADLINE.as_secs()),
    };
    record(&mut cases, "check-completed", done && out.status.is_some_and(|s| s.success()), detail);
    let secure = std::fs::read_to_string(&m2.secure_log).unwrap_or_default();
    let fatal = secure.lines().find(|l| l.contains("PANIC") || l.contains("fatal:") || l.contains(" ERROR]"));
    record(&mut cases, "secure-log-no-fatal", fatal.is_none(), fatal.unwrap_or("").to_string());
    println!("  storage crash test: {:.1} s", start.elapsed().as_secs_f64());
    Ok(cases)
}
