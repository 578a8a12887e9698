//! `tz-xtest`: the project's test suite, run in the guest against whichever
//! trusted OS booted (ours or upstream OP-TEE). Tests are numbered and
//! grouped like upstream's xtest:
//!
//! - 1000: OS and TA basics (TA loading and signatures, panics, TA-to-TA,
//!   properties and time, many sessions and threads, resource exhaustion);
//! - 4000: crypto, with known-answer vectors from NIST and the RFCs;
//! - 5000: the client API and shared memory;
//! - 6000: secure storage.
//!
//! Each case prints one `TZTEST PASS|FAIL <test>.<n> <name> [detail]` line
//! and the run ends with `N passed, N failed`. `tz-xtest 4000 6000` runs
//! only those groups (a group is named by its first number). Exit status 0
//! when every case passed, 1 otherwise.

mod client_api;
mod crypto;
mod crypto_asym;
mod exhaustion;
mod hello;
mod os;
mod params;
mod storage;
mod stress;
mod ta2ta;
mod ta_loading;
mod ta_panic;

use tz_runner::Report;

/// Runs some numbered tests, reporting each case.
type TestRunner = fn(&mut Report);

/// The suite, in run order: (group, runner of its tests).
const SUITE: &[(u32, TestRunner)] = &[
    (1000, hello::run),
    (1000, ta_loading::run),
    (1000, ta_panic::run),
    (1000, ta2ta::run),
    (1000, os::run),
    (1000, stress::run),
    (1000, exhaustion::run),
    (4000, crypto::run),
    (4000, crypto_asym::run),
    (5000, params::run),
    (5000, client_api::run),
    (6000, storage::run),
];

fn main() {
    let groups: Vec<u32> = match std::env::args().skip(1).map(|a| a.parse::<u32>()).collect() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("usage: tz-xtest [GROUP...]  (GROUP: 1000, 4000, 5000, 6000): {e}");
            std::process::exit(2);
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
