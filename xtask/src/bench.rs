//! `cargo xtask bench`: the same guest benchmark on our kernel and on
//! upstream OP-TEE under the same monitor, QEMU and Linux, with `-icount` so
//! guest time counts instructions and the figures are deterministic.

use std::time::Duration;

use anyhow::{Context, Result, ensure};

use crate::firmware::{self, Tee};
use crate::qemu::{self, Machine};

const DEADLINE: Duration = Duration::from_secs(900);

/// The rows the table had before the newer ones, in the order it printed
/// them: they stay first and in this order, so tables stay comparable.
const FIRST_ROWS: [&str; 9] = [
    "aes128-cbc-1mib",
    "aes128-ctr-1mib",
    "aes128-gcm-1mib",
    "invoke-null",
    "invoke-null-quiet",
    "open-close-cold",
    "open-close-warm",
    "sha256-1mib",
    "storage-64k-write-read",
];

/// The row of the trusted OS image's size in bytes (measured by xtask).
const IMAGE_ROW: &str = "tos-image-bytes";
/// Rows whose figure is bytes, not guest ns (the ratio reads the same way:
/// above 1, ours is smaller).
fn is_bytes_row(name: &str) -> bool {
    name.ends_with("-bytes")
}

/// Rows whose figure is the worst wait of a Linux timer during one TA
/// syscall (tz-bench's `timer-wait-*`), not a time per operation.
pub const TIMER_WAIT_PREFIX: &str = "timer-wait-";
/// Issue 12's bound on that wait, in guest ns.
const TIMER_WAIT_BOUND_NS: f64 = 10e6;

/// One row: guest ns for ours and for upstream (when measured).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub name: String,
    pub ours: Option<f64>,
    pub upstream: Option<f64>,
}

/// Runs the benchmark on each trusted OS and prints the comparison; writes
/// the chart to `target/tz/bench.svg`.
pub fn run(tees: &[Tee]) -> Result<()> {
    let root = crate::root();
    let mut rows: Vec<Row> = Vec::new();
    for &tee in tees {
        let guest = crate::prepare_guest(tee)?;
        let firmware = firmware::build_firmware(&root, tee, Some(&guest.files))?;
        let append = format!("tz.mode=bench tz.cpus=1 tz.tee={}", tee.guest_word());
        let secure_log = root.join(format!("target/tz/secure-bench-{}.log", tee.name()));
        let machine = Machine {
            // shift=0: one guest nanosecond per instruction (1 GHz virtual CPU);
            // sleep=off: guest time does not wait for the host.
            extra: vec!["-icount".into(), "shift=0,sleep=off".into()],
            ..guest.machine(firmware, append, 1, secure_log)
        };
        let image_bytes = firmware::tos_image_bytes(&std::fs::read(&machine.firmware)?)?;
        println!("== bench on {} (QEMU -icount shift=0)", tee.name());
        let out = qemu::run_bounded(&machine, DEADLINE, &mut |line| {
            if line.starts_with("BENCH") {
                println!("  | {line}");
            }
        })?;
        let done = out.lines.iter().any(|(_, l)| l == "BENCH DONE");
        ensure!(done, "{}: the benchmark did not finish (see the console above)", tee.name());
        let image_row = (IMAGE_ROW.to_string(), image_bytes as f64);
        for (name, ns) in parse(out.lines.iter().map(|(_, l)| l.as_str())).into_iter().chain([image_row]) {
            let i = match rows.iter().position(|r| r.name == name) {
                Some(i) => i,
                None => {
                    rows.push(Row { name, ours: None, upstream: None });
                    rows.len() - 1
                }
            };
            if tee.name() == "upstream" {
                rows[i].upstream = Some(ns);
            } else {
                rows[i].ours = Some(ns);
            }
        }
    }
    let rows = ordered(rows);
    println!();
    print!("{}", table(&rows));
    let svg = root.join("target/tz/bench.svg");
    crate::bench_chart::write(&svg, &rows).with_context(|| format!("writing {}", svg.display()))?;
    println!("chart: {}", svg.display());
    Ok(())
}

/// `BENCH <name> <ns> <iterations>` lines: (name, ns).
fn parse<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, f64)> {
    lines
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["BENCH", name, ns, _iterations] => ns.parse::<f64>().ok().map(|ns| (name.to_string(), ns)),
                _ => None,
            }
        })
        .collect()
}

/// [`FIRST_ROWS`] first in their order, then the others as they came.
fn ordered(mut rows: Vec<Row>) -> Vec<Row> {
    let rank = |r: &Row| FIRST_ROWS.iter().position(|n| *n == r.name).unwrap_or(FIRST_ROWS.len());
    rows.sort_by_key(rank); // stable: the others keep their order
    rows
}

const MIB: f64 = 1024.0 * 1024.0;

/// The bytes one operation of a throughput benchmark processes (tz-bench's
/// names), `None` for the others.
fn payload_bytes(name: &str) -> Option<f64> {
    match name {
        "sha256-1mib" | "aes128-cbc-1mib" | "aes128-gcm-1mib" | "aes128-ctr-1mib" => Some(MIB),
        "storage-1mib-write" | "storage-1mib-read" => Some(MIB),
        "storage-64k-write-read" => Some(64.0 * 1024.0),
        _ => None,
    }
}

/// The printed comparison: ns per operation with the ratio, throughput,
/// and the timer waits against their bound.
pub fn table(rows: &[Row]) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    let fmt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
    let ratio = |r: &Row| match (r.ours, r.upstream) {
        (Some(o), Some(u)) if o > 0.0 => format!("{:.2}x", u / o),
        _ => "-".into(),
    };
    let _ = writeln!(t, "{:<36} {:>14} {:>14} {:>8}", "operation (guest ns/op)", "ours", "upstream", "ratio");
    for r in rows.iter().filter(|r| !r.name.starts_with(TIMER_WAIT_PREFIX) && !is_bytes_row(&r.name)) {
        let _ = writeln!(t, "{:<36} {:>14} {:>14} {:>8}", r.name, fmt(r.ours), fmt(r.upstream), ratio(r));
    }
    let _ = writeln!(t, "(ratio = upstream / ours: above 1 means ours is faster)");
    let bytes: Vec<&Row> = rows.iter().filter(|r| is_bytes_row(&r.name)).collect();
    if !bytes.is_empty() {
        let _ = writeln!(t);
        let _ = writeln!(t, "{:<36} {:>14} {:>14} {:>8}", "secure memory (bytes)", "ours", "upstream", "ratio");
        for r in bytes {
            let _ = writeln!(t, "{:<36} {:>14} {:>14} {:>8}", r.name, fmt(r.ours), fmt(r.upstream), ratio(r));
        }
        let _ = writeln!(t, "(tos-image-bytes: the image the monitor loads; ta-instance-bytes: secure memory one more");
        let _ = writeln!(t, " instance of a multi-instance TA takes, from each OS's own allocator statistics)");
    }
    let throughput: Vec<_> = rows.iter().filter_map(|r| Some((r, payload_bytes(&r.name)?))).collect();
    if !throughput.is_empty() {
        let _ = writeln!(t);
        let _ = writeln!(t, "{:<36} {:>14} {:>14}", "throughput (MiB/s of guest time)", "ours", "upstream");
        for (r, bytes) in throughput {
            let mibs = |v: Option<f64>| {
                v.filter(|&ns| ns > 0.0).map_or("-".to_string(), |ns| format!("{:.2}", bytes / MIB * 1e9 / ns))
            };
            let _ = writeln!(t, "{:<36} {:>14} {:>14}", r.name, mibs(r.ours), mibs(r.upstream));
        }
        let _ = writeln!(t, "(storage-64k-write-read: the 64 KiB object per create+write+read+delete round)");
    }
    let waits: Vec<&Row> = rows.iter().filter(|r| r.name.starts_with(TIMER_WAIT_PREFIX)).collect();
    if !waits.is_empty() {
        let _ = writeln!(t);
        let _ = writeln!(t, "{:<36} {:>14} {:>14}", "worst Linux timer wait (guest ms)", "ours", "upstream");
        let ms = |v: Option<f64>| {
            v.map_or("-".to_string(), |ns| {
                format!("{:.2}{}", ns / 1e6, if ns > TIMER_WAIT_BOUND_NS { " (>10)" } else { "" })
            })
        };
        for r in waits {
            let _ = writeln!(t, "{:<36} {:>14} {:>14}", r.name, ms(r.ours), ms(r.upstream));
        }
        let _ =
            writeln!(t, "(one TA syscall each; a 1 ms SCHED_FIFO timer's worst lateness while it ran; bound: 10 ms)");
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_the_old_order_first_and_the_new_ones_as_they_ran() {
        let lines = [
            "BENCH invoke-null 19405 1000",
            "BENCH-INFO timer-wait-x call 5 ns",
            "BENCH open-close-warm 24715 200",
            "BENCH-ERROR x25519 no",
            "BENCH rsa2048-sign 100 10",
            "BENCH aes128-cbc-1mib 3225814 10",
            "BENCH ecdsa-p256-sign 50 20",
            "BENCH DONE",
        ];
        let rows: Vec<Row> = parse(lines.into_iter())
            .into_iter()
            .map(|(name, ns)| Row { name, ours: Some(ns), upstream: Some(2.0 * ns) })
            .collect();
        let names: Vec<String> = ordered(rows).into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["aes128-cbc-1mib", "invoke-null", "open-close-warm", "rsa2048-sign", "ecdsa-p256-sign"]);
    }

    #[test]
    fn byte_rows_print_apart_from_the_times() {
        let rows = [
            Row { name: "invoke-null".into(), ours: Some(10.0), upstream: Some(40.0) },
            Row { name: "tos-image-bytes".into(), ours: Some(1000.0), upstream: Some(2000.0) },
        ];
        let t = table(&rows);
        let (times, bytes) = t.split_once("secure memory").expect("a bytes section");
        assert!(!times.contains("tos-image-bytes") && bytes.contains("tos-image-bytes"), "{t}");
        assert!(bytes.contains("2.00x"), "{t}");
    }

    #[test]
    fn timer_waits_print_in_ms_against_the_bound() {
        let rows = [
            Row { name: "invoke-null".into(), ours: Some(10.0), upstream: Some(40.0) },
            Row { name: "timer-wait-rsa4096-keygen".into(), ours: Some(2.5e6), upstream: Some(12e6) },
        ];
        let t = table(&rows);
        assert!(t.contains("4.00x"), "{t}");
        assert!(t.contains("2.50") && t.contains("12.00 (>10)"), "{t}");
        assert!(!t.lines().next().unwrap_or("").contains("timer-wait"), "{t}");
    }
}
