//! `cargo xtask bench`: the same guest benchmark on our kernel and on
//! upstream OP-TEE under the same monitor, QEMU and Linux, with `-icount` so
//! guest time counts instructions and the figures are deterministic.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, ensure};

use crate::firmware::{self, Tee};
use crate::qemu::{self, Machine};

const DEADLINE: Duration = Duration::from_secs(900);

/// Runs the benchmark on each trusted OS and prints the comparison.
pub fn run(tees: &[Tee]) -> Result<()> {
    let root = crate::root();
    let mut results: BTreeMap<String, BTreeMap<&'static str, f64>> = BTreeMap::new();
    for &tee in tees {
        let guest = crate::prepare_guest(tee)?;
        let firmware = firmware::build_firmware(&root, tee, Some(&guest.files))?;
        let machine = Machine {
            qemu: guest.qemu.clone(),
            firmware,
            kernel: guest.files.kernel_image.clone(),
            initrd: guest.initrd.clone(),
            append: format!("tz.mode=bench tz.cpus=1 tz.tee={}", if tee.is_ours() { "ours" } else { "upstream" }),
            smp: 1,
            secure_log: root.join(format!("target/tz/secure-bench-{}.log", tee.name())),
            // shift=0: one guest nanosecond per instruction (1 GHz virtual CPU);
            // sleep=off: guest time does not wait for the host.
            extra: vec!["-icount".into(), "shift=0,sleep=off".into()],
        };
        println!("== bench on {} (QEMU -icount shift=0)", tee.name());
        let out = qemu::run_bounded(&machine, DEADLINE, &mut |line| {
            if line.starts_with("BENCH") {
                println!("  | {line}");
            }
        })?;
        let done = out.lines.iter().any(|(_, l)| l == "BENCH DONE");
        ensure!(done, "{}: the benchmark did not finish (see the console above)", tee.name());
        for (_, line) in &out.lines {
            // BENCH <name> <ns-per-op> <iterations>
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() == 4
                && words[0] == "BENCH"
                && let Ok(ns) = words[2].parse::<f64>()
            {
                results.entry(words[1].to_string()).or_default().insert(tee.name(), ns);
            }
        }
    }
    println!();
    println!("{:<36} {:>14} {:>14} {:>8}", "operation (guest ns/op)", "ours", "upstream", "ratio");
    for (name, by_tee) in &results {
        let ours = by_tee.get("ours").copied();
        let upstream = by_tee.get("upstream").copied();
        let fmt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
        let ratio = match (ours, upstream) {
            (Some(o), Some(u)) if o > 0.0 => format!("{:.2}x", u / o),
            _ => "-".into(),
        };
        println!("{name:<36} {:>14} {:>14} {ratio:>8}", fmt(ours), fmt(upstream));
    }
    println!("(ratio = upstream / ours: above 1 means ours is faster)");
    let throughput: Vec<_> =
        results.iter().filter_map(|(name, by_tee)| Some((name, payload_bytes(name)?, by_tee))).collect();
    if !throughput.is_empty() {
        println!();
        println!("{:<36} {:>14} {:>14}", "throughput (MiB/s of guest time)", "ours", "upstream");
        for (name, bytes, by_tee) in throughput {
            let fmt = |tee: &str| {
                by_tee
                    .get(tee)
                    .filter(|&&ns| ns > 0.0)
                    .map_or("-".to_string(), |ns| format!("{:.2}", bytes / MIB * 1e9 / ns))
            };
            println!("{name:<36} {:>14} {:>14}", fmt("ours"), fmt("upstream"));
        }
        println!("(storage-64k-write-read: the 64 KiB object per create+write+read+delete round)");
    }
    Ok(())
}

const MIB: f64 = 1024.0 * 1024.0;

/// The bytes one operation of a throughput benchmark processes (tz-bench's
/// names), `None` for the others.
fn payload_bytes(name: &str) -> Option<f64> {
    match name {
        "sha256-1mib" | "aes128-cbc-1mib" | "aes128-gcm-1mib" | "aes128-ctr-1mib" => Some(MIB),
        "storage-64k-write-read" => Some(64.0 * 1024.0),
        _ => None,
    }
}
