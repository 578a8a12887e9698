//! `share[<tee>]/…`: the TA developer's loop of `cargo xtask run --share`.
//! The example pairs of `qemu/examples/share/` are built the way the README tells
//! a developer to (a C TA with Debian's TA dev kit and a C client with
//! `aarch64-linux-gnu-gcc` against the guest's libteec; a Rust TA and a
//! static musl client), put into a fresh share folder, and run from it in one
//! boot (`tz.mode=run`): no initramfs rebuild, and the TAs' UUIDs are not in
//! the image's `/lib/optee_armtz` (the guest checks).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, ensure};

use super::Tally;
use crate::firmware::{self, Tee};
use crate::qemu::{self, Machine};
use crate::{share, sign, tas};

/// The example TAs' UUIDs (in their sources too).
pub const C_TA_UUID: &str = "9be22956-18f3-4c34-81fe-ffd0296897b0";
pub const RUST_TA_UUID: &str = "c2e84d7e-c3f9-4406-a9d4-a032a5a1f673";
/// Boot, two clients, power-off.
const DEADLINE: Duration = Duration::from_secs(150);
/// What each client prints when its TA answered.
const EXPECTED: [(&str, &str); 2] =
    [("c", "share_c_client: 20 * 2 + 2 = 42"), ("rust", "share_rust_client: 20 * 2 + 2 = 42")];

/// The guest script (`tz.run=run.sh`): checks that neither TA is in the
/// image, then runs both clients from the share, one `TZTEST` line each.
fn run_script() -> String {
    let mut s = String::from("# Written by cargo xtask test (xtask/src/test/share.rs).\n");
    for (lang, uuid) in [("c", C_TA_UUID), ("rust", RUST_TA_UUID)] {
        s.push_str(&format!(
            "if [ -e /lib/optee_armtz/{uuid}.ta ]; then echo 'TZTEST FAIL {lang}-ta-not-in-image /lib/optee_armtz/{uuid}.ta'; \
             else echo 'TZTEST PASS {lang}-ta-not-in-image'; fi\n"
        ));
    }
    for (lang, expected) in EXPECTED {
        let exe = format!("share_{lang}_client");
        s.push_str(&format!(
            "out=$(./{exe} 2>&1); rc=$?; echo \"$out\"\n\
             if [ $rc = 0 ] && [ \"$out\" = '{expected}' ]; then echo 'TZTEST PASS {lang}-client-from-share'; \
             else echo \"TZTEST FAIL {lang}-client-from-share exit $rc: $out\"; fi\n"
        ));
    }
    s
}

/// Signs the TA ELF `elf` (checked like tas/'s, stripped) for `uuid` with `key` into `out`.
fn sign_into(elf: &Path, uuid: &str, key: &Path, out: &Path) -> Result<()> {
    let raw = std::fs::read(elf).with_context(|| format!("reading {}", elf.display()))?;
    let head = tas::check_ta_elf(&raw).with_context(|| format!("{} would not load", elf.display()))?;
    ensure!(head.uuid.to_string() == uuid, "{}: ta_head UUID {} is not {uuid}", elf.display(), head.uuid);
    let image = sign::strip_elf(&raw)?;
    let signed = sign::sign(&image, &head.uuid.to_octets(), 0, &sign::load_private_key(key)?, sign::Algo::Pss)?;
    std::fs::write(out, signed).with_context(|| format!("writing {}", out.display()))
}

fn run_cmd(cmd: &mut Command, what: &str) -> Result<()> {
    let status = cmd.status().with_context(|| format!("running {what}"))?;
    ensure!(status.success(), "{what} failed ({status}); command: {cmd:?}");
    Ok(())
}

/// Builds both example pairs into `dir`: `optee_armtz/<uuid>.ta` signed with
/// `key`, `share_c_client`, `share_rust_client` and `run.sh`.
pub fn populate(root: &Path, files: &crate::guest::GuestFiles, key: &Path, dir: &Path) -> Result<()> {
    let tas_dir = dir.join("optee_armtz");
    std::fs::create_dir_all(&tas_dir)?;
    let examples = root.join("qemu/examples/share");

    // C: the TA with the dev kit, the client with the cross gcc against the
    // guest's libteec (optee-client-dev's header and link; the cross libc's
    // headers and crt files from libc6-dev-arm64-cross).
    let build = root.join("target/tz/share-example");
    let c_ta = crate::cta::build_c_ta_dir(&examples.join("c/ta"), &build.join("c-ta"), &files.devkit_dir)?;
    ensure!(c_ta.uuid == C_TA_UUID, "qemu/examples/share/c/ta is {}, not {C_TA_UUID}", c_ta.uuid);
    sign_into(&c_ta.image, C_TA_UUID, key, &tas_dir.join(format!("{C_TA_UUID}.ta")))?;
    crate::guest::ensure_host_file(Path::new("/usr/aarch64-linux-gnu/include/stdio.h"), "libc6-dev-arm64-cross")?;
    let sys = &files.sysroot;
    run_cmd(
        Command::new("aarch64-linux-gnu-gcc")
            .args(["-O2", "-Wall", "-Werror"])
            .arg(format!("-I{}", sys.join("usr/include").display()))
            .arg("-o")
            .arg(dir.join("share_c_client"))
            .arg(examples.join("c/host/share_c_client.c"))
            .arg(format!("-L{}", sys.join("usr/lib/aarch64-linux-gnu").display()))
            .arg("-lteec"),
        "aarch64-linux-gnu-gcc (qemu/examples/share/c/host)",
    )?;

    // Rust: the TA is a cargo project of its own (target/ta-examples), the
    // client a static musl binary of the workspace.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let rust_ta = examples.join("rust/ta");
    run_cmd(
        Command::new(&cargo).current_dir(&rust_ta).args(["build", "--release", "-q"]),
        "cargo build (qemu/examples/share/rust/ta)",
    )?;
    let elf = root.join("target/ta-examples").join(tas::TA_TARGET).join("release/share_rust_ta");
    sign_into(&elf, RUST_TA_UUID, key, &tas_dir.join(format!("{RUST_TA_UUID}.ta")))?;
    run_cmd(
        Command::new(&cargo)
            .current_dir(root)
            .args(["build", "--release", "-q", "--target", tas::GUEST_TARGET, "-p", "share-rust-client"])
            .env("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER", "rust-lld")
            .env("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS", "-C target-feature=+crt-static"),
        "cargo build -p share-rust-client",
    )?;
    let client: PathBuf = root.join("target").join(tas::GUEST_TARGET).join("release/share_rust_client");
    std::fs::copy(&client, dir.join("share_rust_client")).with_context(|| format!("copying {}", client.display()))?;
    std::fs::write(dir.join("run.sh"), run_script())?;
    Ok(())
}

/// Populates a fresh share, boots `tee` with it and records the guest's verdicts.
pub fn run(root: &Path, guest: &crate::Guest, tee: Tee, tally: &mut Tally) -> Result<()> {
    let tag = tee.name();
    println!("== share test: {tag}, example C and Rust pairs run from a --share folder");
    let dir = root.join(format!("target/tz/share-test-{tag}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir)?;
    if let Err(e) = populate(root, &guest.files, &crate::ta_key(&guest.files, tee), &dir) {
        tally.record(&format!("share[{tag}]/examples-build"), false, &format!("{e:#}"));
        return Ok(());
    }
    let firmware = firmware::build_firmware(root, tee, Some(&guest.files))?;
    let secure_log = root.join(format!("target/tz/secure-{tag}-share.log"));
    let console_log = root.join(format!("target/tz/console-{tag}-share.log"));
    let _ = std::fs::remove_file(&secure_log);
    let share = share::Share::start(&dir, &root.join("target/tz"), &format!("test-{tag}"))?;
    let memory = qemu::memory_size(std::env::var("TZ_QEMU_MEMORY").ok().as_deref()).to_owned();
    let append = format!("tz.mode=run tz.run=run.sh {} tz.tee={}", share::APPEND, tee.guest_word());
    let machine = Machine {
        extra: share::qemu_args(&share.socket, &memory),
        ..guest.machine(firmware, append, 2, secure_log.clone())
    };
    let out = super::run_guest(&machine, DEADLINE, &["TZTEST", "TZRUN", "share_"], &console_log);
    drop(share);
    let out = out?;
    let see = format!("see {} and {}", console_log.display(), secure_log.display());
    let v = super::record_verdicts(&out, &format!("share[{tag}]"), &format!(" ({see})"), tally);
    let names: Vec<String> = v.passed.into_iter().chain(v.failed).collect();
    for lang in ["c", "rust"] {
        for case in ["ta-not-in-image", "client-from-share"] {
            let name = format!("{lang}-{case}");
            if !names.contains(&name) {
                tally.record(&format!("share[{tag}]/{name}"), false, &format!("no verdict on the console ({see})"));
            }
        }
    }
    // What `cargo xtask run --gdb-ta` waits for (our kernel's line; upstream's ldelf logs the same).
    let secure = std::fs::read_to_string(&secure_log).unwrap_or_default();
    for (lang, uuid) in [("c", C_TA_UUID), ("rust", RUST_TA_UUID)] {
        let base = secure.lines().find_map(|l| crate::gdb::parse_elf_at(l, uuid));
        tally.record(
            &format!("share[{tag}]/{lang}-ta-load-address-logged"),
            base.is_some(),
            &format!("no 'ELF ({uuid}) at 0x…' line in {}", secure_log.display()),
        );
    }
    let exit = out.lines.iter().find_map(|(_, l)| l.strip_prefix("TZRUN EXIT ")).map(str::trim);
    tally.record(
        &format!("share[{tag}]/script-ran-and-qemu-exited-0"),
        exit == Some("0") && out.status.is_some_and(|s| s.success()),
        &format!("TZRUN EXIT {exit:?}, QEMU {:?} ({see})", out.status),
    );
    println!(
        "  console: {}  secure log: {}  ({:.1} s)",
        console_log.display(),
        secure_log.display(),
        out.elapsed.as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_checks_both_pairs() {
        let s = run_script();
        for uuid in [C_TA_UUID, RUST_TA_UUID] {
            assert!(s.contains(&format!("/lib/optee_armtz/{uuid}.ta")));
        }
        assert!(s.contains("./share_c_client") && s.contains("./share_rust_client"));
        assert!(s.contains("TZTEST PASS rust-client-from-share"));
    }

    #[test]
    fn the_examples_carry_the_uuids() {
        let root = crate::root();
        let mk = std::fs::read_to_string(root.join("qemu/examples/share/c/ta/Makefile")).unwrap();
        assert_eq!(crate::cta::makefile_binary(&mk).as_deref(), Some(C_TA_UUID));
        let rs = std::fs::read_to_string(root.join("qemu/examples/share/rust/ta/src/main.rs")).unwrap();
        assert!(rs.contains(&format!("uuid: \"{RUST_TA_UUID}\"")));
        let client = std::fs::read_to_string(root.join("qemu/examples/share/rust/host/src/main.rs")).unwrap();
        assert!(client.contains(RUST_TA_UUID));
    }
}
