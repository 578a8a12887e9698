//! The storage crash test (`cargo xtask test`, two boots on one disk).
//!
//! `tz-crash write` (`tz.mode=crash-write`): rewrites the 8 objects
//! `crash-0..7` of `tas/storage_ta` (16 KiB each, commands 4/5) with
//! generation 1, 2, 3, … in an endless loop, one object per call, and prints
//! `crash-write: generation <g>` after each complete generation. xtask kills
//! QEMU (SIGKILL) somewhere in that loop.
//!
//! `tz-crash check` (`tz.mode=crash-check`, the next boot on the same disk):
//! reads every object back and prints the cases
//!
//! - `storage-crash-no-corruption`: every object opens and reads in full
//!   (no `TEE_ERROR_CORRUPT_OBJECT`, no MAC failure, no short object);
//! - `storage-crash-objects-consistent`: every object holds one generation in
//!   every word (wholly old or wholly new), and across the objects, which are
//!   written in order, the generations are `g+1` for a prefix and `g` for the
//!   rest;
//! - `storage-crash-durable`: no object is older than the last generation the
//!   console reported complete before the kill (`tz.crash.gen=<g>`, from xtask);
//! - `storage-crash-writable-after`: all objects can be rewritten with a new
//!   generation and read back.

use proto::storage_ta;
use teec::{Context, Login, Param, Session};
use tz_runner::Report;

const OBJECTS: u32 = 8;
/// tee-supplicant's REE FS directory (the crash test's disk is mounted there).
const REE_FS_DIR: &str = "/var/lib/optee-client/data/tee";

fn call(s: &mut Session<'_>, cmd: u32, a: u32, b: u32) -> Result<(u32, u32), String> {
    let mut params = [Param::ValueInput { a, b }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    s.invoke(cmd, &mut params).map_err(|e| format!("invoke {cmd}({a}, {b}): {e}"))?;
    match params[1] {
        Param::ValueOutput { a, b } => Ok((a, b)),
        _ => unreachable!(),
    }
}

fn open(ctx: &Context) -> Result<Session<'_>, String> {
    ctx.open_session(&storage_ta::UUID, Login::Public).map_err(|e| format!("open session: {e}"))
}

fn write_generation(s: &mut Session<'_>, generation: u32) -> Result<(), String> {
    for i in 0..OBJECTS {
        match call(s, storage_ta::CMD_CRASH_WRITE, generation, i)? {
            (0, _) => {}
            (step, code) => return Err(format!("object {i} generation {generation}: step {step} {code:#010x}")),
        }
    }
    Ok(())
}

fn write_loop() -> Result<(), String> {
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let mut s = open(&ctx)?;
    let mut generation = 1u32;
    loop {
        write_generation(&mut s, generation)?;
        println!("crash-write: generation {generation}");
        generation += 1;
    }
}

/// `tz.crash.gen=<g>` from the kernel command line.
fn reported_generation() -> Option<u32> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").ok()?;
    cmdline.split_whitespace().find_map(|w| w.strip_prefix("tz.crash.gen=")?.parse().ok())
}

/// One object's verdict from the TA: Ok(generation) or Err((step, value)).
type Verdict = Result<u32, (u32, u32)>;

/// Each object's verdict.
fn verify_all(s: &mut Session<'_>) -> Result<Vec<Verdict>, String> {
    (0..OBJECTS)
        .map(|i| {
            call(s, storage_ta::CMD_CRASH_VERIFY, i, 0).map(|(step, v)| if step == 0 { Ok(v) } else { Err((step, v)) })
        })
        .collect()
}

/// Files under `dir`, recursively.
fn files(dir: &std::path::Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p.to_string_lossy().into_owned());
        }
    }
}

fn check(report: &mut Report) -> Result<(), String> {
    // What the kill left on disk, before any TA call: our kernel leaves a
    // `<name>.new` when it was killed inside an update.
    let mut on_disk = Vec::new();
    files(std::path::Path::new(REE_FS_DIR), &mut on_disk);
    let new = on_disk.iter().filter(|f| f.ends_with(".new")).count();
    println!("crash-check: {} files in the REE FS, {new} *.new", on_disk.len());
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let mut s = open(&ctx)?;
    let found = verify_all(&mut s)?;
    let shown: Vec<String> = found
        .iter()
        .map(|r| match r {
            Ok(g) => g.to_string(),
            Err((step, v)) => format!("step{step}:{v:#x}"),
        })
        .collect();
    println!("crash-check: generations {}", shown.join(" "));

    // Steps 1-3: open, read, length.
    let corrupt: Vec<String> = found
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r {
            Err((step @ 1..=3, v)) => Some(format!("object {i}: step {step} {v:#010x}")),
            _ => None,
        })
        .collect();
    report.case("storage-crash-no-corruption", if corrupt.is_empty() { Ok(()) } else { Err(corrupt.join("; ")) });

    let gens: Vec<u32> = found.iter().filter_map(|r| r.ok()).collect();
    let consistent = if gens.len() != found.len() {
        Err(format!("not every object is one generation: {}", shown.join(" ")))
    } else {
        let (min, max) = (*gens.iter().min().unwrap_or(&0), *gens.iter().max().unwrap_or(&0));
        let ordered = gens.windows(2).all(|w| w[0] >= w[1]);
        if max - min <= 1 && ordered && min >= 1 {
            Ok(())
        } else {
            Err(format!("generations out of order: {}", shown.join(" ")))
        }
    };
    report.case("storage-crash-objects-consistent", consistent);

    let min = gens.iter().min().copied();
    let durable = match (reported_generation(), min) {
        (None, _) => Err("no tz.crash.gen on the kernel command line".to_string()),
        (Some(_), None) => Err("no readable object".to_string()),
        (Some(g), Some(m)) if m >= g => Ok(()),
        (Some(g), Some(m)) => Err(format!("generation {g} was reported complete, an object holds {m}")),
    };
    report.case("storage-crash-durable", durable);

    let next = gens.iter().max().copied().unwrap_or(0) + 1;
    let writable = write_generation(&mut s, next).and_then(|()| {
        let back = verify_all(&mut s)?;
        if back.iter().all(|r| *r == Ok(next)) {
            Ok(())
        } else {
            Err(format!("wrote generation {next}, read back {back:?}"))
        }
    });
    report.case("storage-crash-writable-after", writable);
    Ok(())
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("write") => {
            if let Err(e) = write_loop() {
                println!("crash-write: error {e}");
            }
            std::process::exit(1);
        }
        Some("check") => {
            let mut report = Report::default();
            if let Err(e) = check(&mut report) {
                report.case("storage-crash-check", Err(e));
            }
            std::process::exit(report.exit_code());
        }
        _ => {
            eprintln!("usage: tz-crash write|check");
            std::process::exit(2);
        }
    }
}
