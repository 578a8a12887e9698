//! `cargo xtask new-ta` as a user runs it: a TA generated into a copy of
//! the repository (the source files git knows, without `target/`), built
//! there exactly as generated (into our target directories, so only the new
//! crates and their path dependencies compile), signed with `sign-ta`, and
//! its client run in a short test-mode boot of ours and of upstream whose
//! initramfs holds only that TA, that client and the `tests.d` wrapper
//! `cargo xtask test` gives every new-ta client.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};

use super::Tally;
use crate::firmware::{self, Tee};
use crate::qemu::Machine;

/// The generated TA's name (and its client's program name).
const NAME: &str = "scaffold_check";

/// The generated TA, built once per run for both boots.
pub(super) struct Scaffold {
    uuid: String,
    image: Vec<u8>,
    client: PathBuf,
}

/// Generates and builds the TA and client (once per `cargo xtask test`).
pub(super) fn prepare(root: &Path) -> Result<Scaffold> {
    println!("== new-ta: generating {NAME} into a copy of the repository and building it");
    let start = std::time::Instant::now();
    let copy = root.join("target/tz/new-ta-check/repo");
    copy_sources(root, &copy)?;
    let uuid = crate::new_ta::generate(&copy, NAME).context("cargo xtask new-ta in the copy")?;
    let ta = crate::tas::build_one_ta_image(&copy, NAME, &root.join("target/ta"))
        .with_context(|| format!("building the generated TA in {}", copy.join("tas").join(NAME).display()))?;
    ensure!(ta.uuid == uuid, "the built TA's ta_head has UUID {}, generated {uuid}", ta.uuid);
    let client_package = format!("{NAME}_client");
    let mut programs =
        crate::tas::build_musl_programs(&copy, std::slice::from_ref(&client_package), Some(&root.join("target")))
            .with_context(|| format!("building {}", copy.join("tas").join(NAME).join("client").display()))?;
    let client = programs.remove(NAME).with_context(|| format!("{client_package} built no program {NAME}"))?;
    println!("  generated and built in {:.1} s", start.elapsed().as_secs_f64());
    Ok(Scaffold { uuid: uuid.to_string(), image: ta.image, client })
}

/// The generated TA's own host tests, as generated: `cargo test --target
/// <host>` for it in the copy's `tas/` (the TA in-process on ta-sdk's host
/// backend). Built in `target/ta` beside the other TAs' host tests, so
/// only the copy's own crates compile.
pub(super) fn host_test(root: &Path, tally: &mut Tally) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let host = super::host_triple()?;
    let tas = root.join("target/tz/new-ta-check/repo/tas");
    let start = std::time::Instant::now();
    let out = Command::new(cargo)
        .current_dir(&tas)
        .env("CARGO_TARGET_DIR", root.join("target/ta"))
        .args(["test", "--quiet", "--target", &host, "-p", NAME])
        .output()
        .context("running cargo test for the generated TA")?;
    let mut detail = String::from_utf8_lossy(&out.stdout).into_owned();
    detail.push_str(&String::from_utf8_lossy(&out.stderr));
    let detail: String = detail.lines().filter(|l| !l.is_empty()).take(40).collect::<Vec<_>>().join("\n");
    println!("  its host tests ran in {:.1} s (build included)", start.elapsed().as_secs_f64());
    let detail = format!("cargo test --target {host} -p {NAME} in {}: {detail}", tas.display());
    // `cargo test --quiet` ends with "test result: ok. N passed; ...".
    let passed: usize = detail
        .lines()
        .filter_map(|l| l.split("test result: ok. ").nth(1)?.split(' ').next()?.parse::<usize>().ok())
        .sum();
    tally.record("new-ta/host-test", out.status.success() && passed > 0, &detail);
    Ok(())
}

/// Copies the files git knows (tracked and untracked, not ignored) of
/// `root` to `dest`, which is emptied first.
fn copy_sources(root: &Path, dest: &Path) -> Result<()> {
    let out = Command::new("git")
        .current_dir(root)
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output()
        .context("running git ls-files")?;
    ensure!(out.status.success(), "git ls-files in {} failed", root.display());
    if dest.exists() {
        std::fs::remove_dir_all(dest).with_context(|| format!("removing {}", dest.display()))?;
    }
    for rel in out.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let rel = Path::new(std::str::from_utf8(rel).context("non-UTF-8 path in git ls-files")?);
        let src = root.join(rel);
        if rel.starts_with("target") || !src.is_file() {
            continue;
        }
        let to = dest.join(rel);
        std::fs::create_dir_all(to.parent().context("file directory")?)?;
        std::fs::copy(&src, &to).with_context(|| format!("copying {}", src.display()))?;
    }
    Ok(())
}

/// One boot of `tee` running the generated client.
pub(super) fn run(root: &Path, guest: &crate::Guest, tee: Tee, scaffold: &Scaffold, tally: &mut Tally) -> Result<()> {
    let tag = format!("new-ta[{}]", tee.name());
    println!("== new-ta: /usr/bin/{NAME} on {}", tee.name());
    let start = std::time::Instant::now();
    let dir = root.join("target/tz/new-ta-check").join(tee.name());
    std::fs::create_dir_all(&dir)?;
    // Signed as a user would: `cargo xtask sign-ta` without --uuid.
    let elf = dir.join(format!("{NAME}.elf"));
    std::fs::write(&elf, &scaffold.image).with_context(|| format!("writing {}", elf.display()))?;
    let signed = dir.join(format!("{}.ta", scaffold.uuid));
    let key = crate::ta_key(&guest.files, tee);
    crate::sign::sign_ta_command(&elf, None, &key, &signed, 0, crate::sign::Algo::Pss)?;
    let initrd = dir.join("initramfs.cpio.gz");
    let mut extra = vec![
        (format!("lib/optee_armtz/{}.ta", scaffold.uuid), signed),
        (format!("usr/bin/{NAME}"), scaffold.client.clone()),
    ];
    extra.extend(crate::tas::client_test_wrappers(&dir, &[NAME])?);
    crate::initramfs::build_initramfs(&guest.files, &extra, &initrd)?;
    let firmware = firmware::build_firmware(root, tee, Some(&guest.files))?;
    let secure_log = dir.join("secure.log");
    let console_log = dir.join("console.log");
    let _ = std::fs::remove_file(&secure_log);
    let append = format!("tz.mode=test tz.cpus=1 tz.tee={}", tee.guest_word());
    let machine = Machine { initrd, ..guest.machine(firmware, append, 1, secure_log.clone()) };
    let out = super::run_guest(&machine, super::BOOT_DEADLINE, &["TZTEST"], &console_log)?;
    let logs = format!("see {} and {}", console_log.display(), secure_log.display());
    let done = super::record_verdicts(&out, &tag, "", tally).done;
    tally.record(&format!("{tag}/completed"), done, &format!("no TZTEST DONE; {logs}"));
    // The client exits 0 only if the TA sent back its value plus one.
    let case = format!("TZTEST PASS client-{NAME}");
    let answered = out.lines.iter().any(|(_, l)| l.trim() == case);
    tally.record(&format!("{tag}/client-round-trip"), answered, &format!("no '{case}' line; {logs}"));
    println!(
        "  (boot {:.1} s; signing, initramfs and boot {:.1} s)",
        out.elapsed.as_secs_f64(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
