//! The xtest gate: upstream OP-TEE's own regression suite (Debian's xtest
//! and its TAs) on our kernel (`ours-optee-key`), every case and subtest.
//! A case listed in [`KNOWN_FAILING`] may fail (each with its reason); any
//! other failure fails the gate, and so does a listed case that passes, so
//! the list only ever shrinks.

use std::path::Path;

use anyhow::Result;

use super::Tally;
use crate::firmware::Tee;

/// Regression cases that still fail on our kernel, with why.
const KNOWN_FAILING: &[(&str, &str)] = &[];

/// Runs `xtest -t regression` on ours-optee-key and records the verdicts.
pub fn run(root: &Path, guest: &crate::Guest, tally: &mut Tally) -> Result<()> {
    let tag = "xtest[ours-optee-key]";
    let summary = crate::xtest::run_on(root, guest, Tee::OursOpteeKey, &[])?;
    tally.record(&format!("{tag}/finished"), summary.done, "no XTEST DONE (deadline or crash)");
    for case in &summary.failed_cases {
        let known = KNOWN_FAILING.iter().find(|(name, _)| name == case);
        match known {
            Some((_, why)) => println!("  known failure {case}: {why}"),
            None => tally.record(&format!("{tag}/{case}"), false, "FAILED"),
        }
    }
    for (name, _) in KNOWN_FAILING {
        if summary.done && !summary.failed_cases.iter().any(|c| c == name) {
            tally.record(&format!("{tag}/{name}"), false, "listed as failing but passed: take it off KNOWN_FAILING");
        }
    }
    let (cases, failed) = summary.cases.unwrap_or((0, 0));
    let (subtests, sub_failed) = summary.subtests.unwrap_or((0, 0));
    println!(
        "  xtest regression on ours-optee-key: {cases} cases, {failed} failed ({} known); \
         {subtests} subtests, {sub_failed} failed; {} skipped; {:.0} s",
        KNOWN_FAILING.len(),
        summary.skipped,
        summary.seconds
    );
    // The counts agree with the cases named, and no subtest fails outside
    // a failing case.
    let consistent = summary.cases.is_some()
        && summary.subtests.is_some()
        && failed as usize == summary.failed_cases.len()
        && (failed > 0 || sub_failed == 0);
    tally.record(&format!("{tag}/counts"), consistent, &format!("{failed} of {cases} cases failed"));
    Ok(())
}
