//! Our kernel built with `--ta-key` of a freshly generated key: every TA
//! (Rust and C) signed with it loads, and a TA signed with the project's
//! development key is refused. One boot running the suite's groups 1001
//! (hello_world round trips) and 1002 (loading: its `BAD_SIGNATURE` file is
//! signed with the untrusted key, here the development key, and must fail
//! with SECURITY), plus the C TA of group 1016.

use std::path::Path;

use anyhow::{Context, Result};

use super::Tally;
use crate::firmware::{self, Tee};
use crate::keys;

/// The groups run (`tz-xtest` group numbers, comma-separated for `tz.groups`).
const GROUPS: &str = "1000";
/// The case of group 1002 that loads the development-key-signed TA.
const BAD_SIGNATURE_CASE: &str = "ta-bad-signature-refused";

/// Runs the case (unless `--ta-key` already made the whole run use one).
pub(super) fn run(root: &Path, tally: &mut Tally) -> Result<()> {
    let tag = "own-key[ours]";
    println!("== own TA key: ours built with --ta-key of a generated key, groups {GROUPS}");
    let start = std::time::Instant::now();
    let key = keys::cached_test_key(&root.join("target/tz/test-ta-key"))?;
    let previous = keys::set_ours_ta_key(Some(key.clone()));
    let result = boot(root, tag, tally);
    keys::set_ours_ta_key(previous);
    result?;
    sign_ta_cases(root, &key, tally)?;
    println!(
        "  own-key case in all (kernel rebuild, TAs signed, boot, sign-ta): {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `cargo xtask sign-ta` without `--uuid` on the ELF files the boot used:
/// each dev-kit C TA (`target/tz/cta/<dir>/<uuid>.elf`) and our
/// hello_world. The signed file must verify with the key's public half,
/// for the UUID the TA was built with.
fn sign_ta_cases(root: &Path, key: &Path, tally: &mut Tally) -> Result<()> {
    let public = crate::sign::load_private_key(key)?.to_public_key();
    let out_dir = root.join("target/tz/sign-ta-check");
    std::fs::create_dir_all(&out_dir)?;
    let mut elves: Vec<(String, std::path::PathBuf, String)> = Vec::new();
    let hello = proto::hello_world::UUID.to_string();
    let rust_elf = root.join("target/ta").join(crate::tas::TA_TARGET).join("release/hello_world");
    elves.push(("hello_world".into(), rust_elf, hello));
    let cta = root.join("target/tz/cta");
    for dir in std::fs::read_dir(&cta).with_context(|| format!("reading {}", cta.display()))?.flatten() {
        // TAs only: a shared library has no ta_head (sign-ta needs --uuid).
        let makefile = root.join("tas/c").join(dir.file_name()).join("Makefile");
        if std::fs::read_to_string(&makefile).ok().and_then(|m| crate::cta::makefile_binary(&m)).is_none() {
            continue;
        }
        for file in std::fs::read_dir(dir.path())?.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if let Some(uuid) = name.strip_suffix(".elf").filter(|n| !n.ends_with(".stripped")) {
                elves.push((dir.file_name().to_string_lossy().into_owned(), file.path(), uuid.to_owned()));
            }
        }
    }
    elves.sort();
    for (name, elf, uuid) in elves {
        let out = out_dir.join(format!("{uuid}.ta"));
        let _ = std::fs::remove_file(&out);
        let signed = crate::sign::sign_ta_command(&elf, None, key, &out, 0, crate::sign::Algo::Pss)
            .and_then(|()| Ok(std::fs::read(&out)?));
        let verdict = signed.and_then(|bytes| {
            let v = crate::sign::verify(&bytes, &public)?;
            Ok(tee_abi::uuid::Uuid::from_octets(v.uuid).to_string())
        });
        tally.record(
            &format!("sign-ta/{name}-uuid-from-ta-head"),
            verdict.as_deref().is_ok_and(|u| *u == uuid),
            &format!("{}: {verdict:?}, built as {uuid}", elf.display()),
        );
    }
    Ok(())
}

fn boot(root: &Path, tag: &str, tally: &mut Tally) -> Result<()> {
    let guest = crate::prepare_guest(Tee::Ours)?;
    let firmware = firmware::build_firmware(root, Tee::Ours, Some(&guest.files))?;
    let trusted = crate::ta_key(&guest.files, Tee::Ours);
    let untrusted = crate::untrusted_ta_key(&guest.files, Tee::Ours);
    tally.record(
        &format!("{tag}/bad-signature-file-signed-with-dev-key"),
        untrusted == keys::dev_key(root) && trusted != untrusted,
        &format!("trusted {}, untrusted {}", trusted.display(), untrusted.display()),
    );
    let secure_log = root.join("target/tz/secure-ours-own-key.log");
    let console_log = root.join("target/tz/console-ours-own-key.log");
    let _ = std::fs::remove_file(&secure_log);
    let append = format!("tz.mode=groups tz.groups={GROUPS} tz.cpus=2 tz.tee=ours");
    let machine = guest.machine(firmware, append, 2, secure_log.clone());
    let out = super::run_guest(&machine, super::BOOT_DEADLINE, &["TZTEST", "tz-xtest:"], &console_log)?;
    let logs = format!("see {} and {}", console_log.display(), secure_log.display());
    let v = super::record_verdicts(&out, tag, "", tally);
    let cases = v.passed.len() + v.failed.len();
    let bad_signature_refused = v.passed.iter().any(|name| name.contains(BAD_SIGNATURE_CASE));
    tally.record(&format!("{tag}/completed"), v.done && cases > 0, &format!("no TZTEST DONE (or no case); {logs}"));
    tally.record(
        &format!("{tag}/dev-key-signed-ta-refused"),
        bad_signature_refused,
        &format!("no passing 1002 {BAD_SIGNATURE_CASE} case; {logs}"),
    );
    println!("  ({:.1} s)", out.elapsed.as_secs_f64());
    Ok(())
}
