//! `cargo xtask xtest`: upstream OP-TEE's own test suite (Debian's
//! `optee-test-qemu` xtest and its TAs, signed with OP-TEE's key) run in
//! the guest against a trusted OS, as a compatibility oracle: on upstream
//! OP-TEE it passes whole. `cargo xtask test` runs its regression set on
//! our kernel as a gate ([`crate::test`]); this command runs any selection
//! on either trusted OS and prints both counts.

use std::time::Duration;

use anyhow::{Result, ensure};

use crate::firmware::{self, Tee};
use crate::qemu;

const SMP: u32 = 4;
/// Upstream's full regression run takes several minutes under TCG.
const DEADLINE: Duration = Duration::from_secs(1800);

/// What one xtest run reported (its summary lines; the init script passes
/// on every case that did not end `OK`).
#[derive(Debug, Default, PartialEq)]
pub struct Summary {
    /// Cases xtest reported FAILED, e.g. `regression_4006`.
    pub failed_cases: Vec<String>,
    /// `N test cases of which M failed`.
    pub cases: Option<(u32, u32)>,
    /// `N subtests of which M failed`.
    pub subtests: Option<(u32, u32)>,
    /// `N test cases were skipped`.
    pub skipped: u32,
    /// The init script's `XTEST DONE`: xtest ran to its end.
    pub done: bool,
    /// Guest seconds the run took, from QEMU start.
    pub seconds: f64,
}

impl Summary {
    /// Whether the run is clean: finished, every case and subtest passed.
    pub fn clean(&self) -> bool {
        self.done
            && self.failed_cases.is_empty()
            && self.cases.is_some_and(|(n, f)| n > 0 && f == 0)
            && self.subtests.is_some_and(|(_, f)| f == 0)
    }
}

/// `"N <what> of which M failed"` as (N, M).
fn counts(line: &str, what: &str) -> Option<(u32, u32)> {
    let rest = line.trim();
    let (n, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix(what)?.trim_start().strip_prefix("of which")?.trim();
    let (m, tail) = rest.split_once(' ')?;
    (tail.trim() == "failed").then_some(())?;
    Some((n.parse().ok()?, m.parse().ok()?))
}

/// Reads the `XTEST ...` console lines the guest's init script prints.
pub fn parse(lines: &[String]) -> Summary {
    let mut s = Summary::default();
    for line in lines {
        let Some(rest) = line.strip_prefix("XTEST ") else { continue };
        if rest == "DONE" {
            s.done = true;
        } else if let Some(c) = counts(rest, "test cases") {
            s.cases = Some(c);
        } else if let Some(c) = counts(rest, "subtests") {
            s.subtests = Some(c);
        } else if let Some(n) = rest.strip_suffix(" test cases were skipped") {
            s.skipped = n.trim().parse().unwrap_or(0);
        } else if let Some(case) = rest.strip_suffix(" FAILED") {
            s.failed_cases.push(case.trim().to_string());
        }
    }
    s
}

/// Runs `xtest <args>` (default `-t regression`) on `tee` in the guest.
pub fn run_on(root: &std::path::Path, guest: &crate::Guest, tee: Tee, args: &[String]) -> Result<Summary> {
    ensure!(tee != Tee::Ours, "xtest's TAs are signed with OP-TEE's key: use --tee ours-optee-key or upstream");
    ensure!(
        args.iter().all(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))),
        "xtest arguments may hold letters, digits, '-', '_' and '.' only (they travel on the kernel command line)"
    );
    let firmware = firmware::build_firmware(root, tee, Some(&guest.files))?;
    let args = if args.is_empty() { vec!["-t".to_string(), "regression".to_string()] } else { args.to_vec() };
    let machine = guest.machine(
        firmware,
        format!("tz.mode=xtest tz.cpus={SMP} tz.xtest={}", args.join(",")),
        SMP,
        root.join(format!("target/tz/secure-xtest-{}.log", tee.name())),
    );
    println!("== upstream xtest {} on {}", args.join(" "), tee.name());
    let out = qemu::run_bounded(&machine, DEADLINE, &mut |line| {
        if line.starts_with("XTEST") {
            println!("  | {line}");
        }
    })?;
    let console: String = out.lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    let log = root.join(format!("target/tz/console-xtest-{}.log", tee.name()));
    std::fs::write(&log, console)?;
    println!("  console: {}  ({:.0} s)", log.display(), out.elapsed.as_secs_f64());
    let lines: Vec<String> = out.lines.into_iter().map(|(_, l)| l).collect();
    Ok(Summary { seconds: out.elapsed.as_secs_f64(), ..parse(&lines) })
}

/// `cargo xtask xtest`: runs xtest and fails unless it finished.
pub fn run(tee: Tee, args: &[String]) -> Result<()> {
    let root = crate::root();
    let guest = crate::prepare_guest(tee)?;
    let summary = run_on(&root, &guest, tee, args)?;
    ensure!(summary.done, "xtest did not finish within {} s", DEADLINE.as_secs());
    if summary.cases.is_some_and(|(n, _)| n == 0) {
        println!(
            "  no case matched: xtest selects by substring of the case ID, e.g. `-- -t regression _10` for the 1000 group"
        );
    }
    let (cases, failed) = summary.cases.unwrap_or_default();
    let (subtests, sub_failed) = summary.subtests.unwrap_or_default();
    println!(
        "xtest on {}: {cases} cases, {failed} failed; {subtests} subtests, {sub_failed} failed; {} skipped; {:.0} s{}",
        tee.name(),
        summary.skipped,
        summary.seconds,
        if summary.clean() { " (clean)" } else { "" }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_clean_run() {
        let s = parse(&lines(
            "XTEST exit status 0\nXTEST 33660 subtests of which 0 failed\n\
             XTEST 108 test cases of which 0 failed\nXTEST 0 test cases were skipped\nXTEST DONE",
        ));
        assert_eq!(s.cases, Some((108, 0)));
        assert_eq!(s.subtests, Some((33660, 0)));
        assert!(s.failed_cases.is_empty() && s.done && s.clean());
    }

    #[test]
    fn failures_and_unfinished_runs_are_not_clean() {
        let s = parse(&lines(
            "XTEST regression_4006 FAILED\nXTEST regression_6016 FAILED\n\
             XTEST 30000 subtests of which 7 failed\nXTEST 108 test cases of which 2 failed\n\
             XTEST 1 test cases were skipped\nXTEST DONE",
        ));
        assert_eq!(s.failed_cases, ["regression_4006", "regression_6016"]);
        assert_eq!((s.cases, s.subtests, s.skipped), (Some((108, 2)), Some((30000, 7)), 1));
        assert!(!s.clean());
        let unfinished = parse(&lines("XTEST 10 subtests of which 0 failed\nXTEST 1 test cases of which 0 failed"));
        assert!(!unfinished.clean(), "no XTEST DONE");
        assert!(!parse(&lines("XTEST DONE")).clean(), "no counts");
        assert_eq!(counts("5 subtests of which 1 failed", "test cases"), None);
        assert_eq!(counts("x subtests of which 1 failed", "subtests"), None);
    }
}
