//! The suite's crypto group (4000) once more on our kernel with the Armv8
//! crypto extension switched off (`tz.crypto=soft` in the bootargs, read by
//! the kernel at boot), so the constant-time software fallback runs end to
//! end; the main boot runs the same cases on the extension.

use std::path::Path;

use anyhow::Result;

use super::Tally;
use crate::firmware::{self, Tee};

/// The groups run (`tz-xtest` group numbers, comma-separated for `tz.groups`).
const GROUPS: &str = "4000";
const LOG_LINE: &str = "crypto: constant-time software (tz.crypto=soft";

pub(super) fn run(root: &Path, guest: &crate::Guest, tally: &mut Tally) -> Result<()> {
    let tee = Tee::Ours;
    let tag = "soft-crypto[ours]";
    println!("== software-crypto boot: {} with tz.crypto=soft, groups {GROUPS}", tee.name());
    let firmware = firmware::build_firmware(root, tee, Some(&guest.files))?;
    let secure_log = root.join("target/tz/secure-ours-soft-crypto.log");
    let _ = std::fs::remove_file(&secure_log);
    let append = format!("tz.mode=groups tz.groups={GROUPS} tz.cpus=1 tz.tee=ours tz.crypto=soft");
    let machine = guest.machine(firmware, append, 1, secure_log.clone());
    let console_log = root.join("target/tz/console-ours-soft-crypto.log");
    let out = super::run_guest(&machine, super::BOOT_DEADLINE, &["TZTEST", "tz-xtest:"], &console_log)?;
    let v = super::record_verdicts(&out, tag, "", tally);
    let cases = v.passed.len() + v.failed.len();
    tally.record(&format!("{tag}/completed"), v.done && cases > 0, "no TZTEST DONE (or no case) on the console");
    let secure = std::fs::read_to_string(&secure_log).unwrap_or_default();
    let line = secure.lines().find(|l| l.contains("crypto: "));
    tally.record(
        &format!("{tag}/secure-log-software-backend"),
        line.is_some_and(|l| l.contains(LOG_LINE)),
        line.unwrap_or("no 'crypto:' line in the secure log"),
    );
    println!("  ({:.1} s)", out.elapsed.as_secs_f64());
    Ok(())
}
