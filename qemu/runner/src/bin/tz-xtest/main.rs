//! `tz-xtest`: the project's test suite, run in the guest against whichever
//! trusted OS booted (ours or upstream OP-TEE). Tests are numbered and
//! grouped like upstream's xtest:
//!
//! - 1000: OS and TA basics (the invoke-tests pseudo-TA, TA loading and signatures, panics, TA-to-TA,
//!   properties and time, many sessions and threads, resource exhaustion,
//!   TA-to-TA nesting, registers between TAs, cross-thread TA calls, shared
//!   libraries);
//! - 2000: sockets (the socket PTA through a TA);
//! - 4000: crypto, with known-answer vectors from NIST and the RFCs, and
//!   TA unique keys;
//! - 5000: the client API and shared memory;
//! - 6000: secure storage, and a hostile tee-supplicant.
//!
//! Each case prints one `TZTEST PASS|FAIL <test>.<n> <name> [detail]` line
//! and the run ends with `N passed, N failed`. `tz-xtest 4000 6000` runs
//! only those groups (a group is named by its first number). Exit status 0
//! when every case passed, 1 otherwise.

mod client_api;
mod crypto;
mod crypto_asym;
mod dynlink;
mod exhaustion;
mod fp;
mod hello;
mod hostile;
mod invoke_tests;
mod mm;
mod os;
mod params;
mod pta_services;
mod storage;
mod storage_rollback;
mod stress;
mod ta2ta;
mod ta_loading;
mod ta_panic;
mod threads;

use tz_runner::Report;

/// Runs some numbered tests, reporting each case.
type TestRunner = fn(&mut Report);

/// The suite, in run order: (group, runner of its tests).
const SUITE: &[(u32, TestRunner)] = &[
    (1000, hello::run),
    (1000, invoke_tests::run),
    (1000, ta_loading::run),
    (1000, ta_panic::run),
    (1000, ta2ta::run),
    (1000, os::run),
    (1000, stress::run),
    (1000, exhaustion::run),
    (1000, threads::run),
    (1000, fp::run),
    (1000, dynlink::run),
    (1000, mm::run),
    (2000, pta_services::run_sockets),
    (4000, crypto::run),
    (4000, crypto_asym::run),
    (4000, pta_services::run_keys),
    (5000, params::run),
    (5000, client_api::run),
    (6000, storage::run),
    (6000, hostile::run),
];

const USAGE: &str = "usage: tz-xtest [GROUP...]\n\
    Runs the project's suite against the trusted OS that booted; with GROUPs\n\
    (1000 OS and TA basics, 2000 sockets, 4000 crypto, 5000 client API and\n\
    shared memory, 6000 storage) only those. Prints one TZTEST line per case and ends with\n\
    `tz-xtest: N passed, N failed`; exit status 0 when every case passed.";

/// The groups named on the command line; `Err` carries what to print and the
/// exit status (0 for `--help`, 2 for a bad argument).
fn parse_groups(args: &[String]) -> Result<Vec<u32>, (String, i32)> {
    let known: Vec<u32> = SUITE.iter().map(|(g, _)| *g).collect();
    let mut groups = Vec::new();
    for arg in args {
        if arg == "-h" || arg == "--help" {
            return Err((USAGE.to_string(), 0));
        }
        match arg.parse::<u32>() {
            Ok(g) if known.contains(&g) => groups.push(g),
            _ => return Err((format!("tz-xtest: unknown group `{arg}`\n{USAGE}"), 2)),
        }
    }
    Ok(groups)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, fault_file] = args.as_slice()
        && flag == "--hostile-supp"
    {
        hostile::supp_main(fault_file);
    }
    let groups = match parse_groups(&args) {
        Ok(g) => g,
        Err((text, status)) => {
            if status == 0 {
                println!("{text}");
            } else {
                eprintln!("{text}");
            }
            std::process::exit(status);
        }
    };
    let mut report = Report::default();
    for (group, run) in SUITE {
        if groups.is_empty() || groups.contains(group) {
            run(&mut report);
        }
    }
    let (passed, failed) = report.counts();
    println!("tz-xtest: {passed} passed, {failed} failed");
    std::process::exit(report.exit_code());
}

#[cfg(test)]
mod tests {
    use super::parse_groups;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn help_is_usage_not_an_error() {
        let (text, status) = parse_groups(&args(&["--help"])).unwrap_err();
        assert_eq!(status, 0);
        assert!(text.starts_with("usage: tz-xtest"));
        assert_eq!(parse_groups(&args(&["-h"])).unwrap_err().1, 0);
    }

    #[test]
    fn groups_are_checked() {
        assert_eq!(parse_groups(&args(&["1000", "6000"])).unwrap(), vec![1000, 6000]);
        assert_eq!(parse_groups(&args(&["1234"])).unwrap_err().1, 2);
        assert_eq!(parse_groups(&args(&["abc"])).unwrap_err().1, 2);
        assert!(parse_groups(&[]).unwrap().is_empty());
    }
}
