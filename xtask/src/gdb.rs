//! `cargo xtask run --gdb [PORT] [--gdb-ta <name|uuid>]`: QEMU starts halted
//! with its gdbstub on 127.0.0.1:PORT, and xtask prints the `gdb-multiarch`
//! command that loads the monitor's and the kernel's symbols (both ELFs are
//! linked at their run addresses, identity-mapped: no offset) and connects.
//! A TA is position-independent and loaded at run time: the kernel logs
//! `ELF (<uuid>) at <base>` on the secure UART when it maps one (upstream's
//! ldelf logs the same line at debug level), and xtask, watching the secure
//! log, prints the `add-symbol-file <elf> -o <base>` to type into gdb.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};

use crate::tas::{self, TA_TARGET};

/// QEMU's arguments: halted at the first instruction, gdbstub on the
/// loopback interface only.
pub fn qemu_args(port: u16) -> Vec<String> {
    vec!["-S".into(), "-gdb".into(), format!("tcp:127.0.0.1:{port}")]
}

fn quote(p: &Path) -> String {
    let s = p.display().to_string();
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) { s } else { format!("'{s}'") }
}

/// The gdb-multiarch command line: the monitor as the main file, the kernel
/// (ours only; upstream's comes without an ELF) added at its link address.
pub fn gdb_command(port: u16, monitor: &Path, kernel: Option<&Path>) -> String {
    let mut cmd =
        format!("gdb-multiarch -q -iex 'set confirm off' -iex 'set pagination off' -ex 'file {}'", quote(monitor));
    if let Some(k) = kernel {
        cmd.push_str(&format!(" -ex 'add-symbol-file {}'", quote(k)));
    }
    cmd.push_str(&format!(" -ex 'target remote 127.0.0.1:{port}'"));
    cmd
}

/// The gdb command that adds a TA's symbols once it is mapped at `base`
/// (the ELF is linked at 0, so every section moves by `base`).
pub fn ta_symbols_command(elf: &Path, base: u64) -> String {
    format!("add-symbol-file {} -o {base:#x}", quote(elf))
}

/// The load address in a secure-log line `... ELF (<uuid>) at 0x...`.
pub fn parse_elf_at(line: &str, uuid: &str) -> Option<u64> {
    let rest = &line[line.find(&format!("ELF ({uuid}) at "))? + uuid.len() + 10..];
    let hex = rest.trim().strip_prefix("0x")?;
    let hex: String = hex.chars().take_while(char::is_ascii_hexdigit).collect();
    u64::from_str_radix(&hex, 16).ok()
}

/// A TA ELF with symbols: its path and UUID.
pub struct TaElf {
    pub elf: PathBuf,
    pub uuid: String,
}

/// Finds the unstripped ELF of the TA `want`: a TA ELF file, or a tas/
/// crate name, a C TA's directory name under tas/c or a UUID among the
/// built TAs.
pub fn find_ta_elf(root: &Path, want: &str) -> Result<TaElf> {
    if Path::new(want).is_file() {
        let bytes = std::fs::read(want).with_context(|| format!("reading {want}"))?;
        let head = tas::check_ta_elf(&bytes).with_context(|| format!("{want} is not a TA ELF"))?;
        // Absolute: gdb may run in another directory.
        let elf = Path::new(want).canonicalize().with_context(|| format!("resolving {want}"))?;
        return Ok(TaElf { elf, uuid: head.uuid.to_string() });
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    for dir in [root.join("target/ta").join(TA_TARGET).join("release")] {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_file() && p.extension().is_none() {
                candidates.push(p);
            }
        }
    }
    for e in std::fs::read_dir(root.join("target/tz/cta")).into_iter().flatten().flatten() {
        for f in std::fs::read_dir(e.path()).into_iter().flatten().flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if name.ends_with(".elf") && !name.ends_with(".stripped.elf") {
                candidates.push(f.path());
            }
        }
    }
    for p in candidates {
        let Ok(bytes) = std::fs::read(&p) else { continue };
        let Ok(head) = tas::check_ta_elf(&bytes) else { continue };
        let uuid = head.uuid.to_string();
        let dir_name = p.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().into_owned());
        let stem = p.file_name().map(|n| n.to_string_lossy().into_owned());
        if uuid.eq_ignore_ascii_case(want) || stem.as_deref() == Some(want) || dir_name.as_deref() == Some(want) {
            return Ok(TaElf { elf: p, uuid });
        }
    }
    bail!(
        "no TA ELF file nor built TA named {want:?} (a tas/ crate, a tas/c directory or a UUID) under target/ta or target/tz/cta"
    )
}

/// Rebuilds the tas/ crate of `ta` with debug info into `target/ta-gdb` (the
/// release profile drops it: the signed image is what secure memory holds)
/// and returns that ELF when its loaded bytes are exactly the signed
/// image's, so that lines and variables match the code that runs; otherwise
/// the symbols-only ELF.
pub fn with_debug_info(root: &Path, ta: TaElf) -> Result<TaElf> {
    let Some(name) = ta.elf.file_name().map(|n| n.to_string_lossy().into_owned()) else { return Ok(ta) };
    if !ta.elf.starts_with(root.join("target/ta")) {
        return Ok(ta); // C TAs: the dev kit keeps -g in <uuid>.elf already.
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root.join("tas"))
        .args(["build", "--release", "-q", "-p", &name, "--target-dir"])
        .arg(root.join("target/ta-gdb"))
        .env("CARGO_PROFILE_RELEASE_DEBUG", "true")
        .status()
        .context("building the TA with debug info")?;
    ensure!(status.success(), "cargo build -p {name} with CARGO_PROFILE_RELEASE_DEBUG=true failed");
    let debug = root.join("target/ta-gdb").join(TA_TARGET).join("release").join(&name);
    let same = crate::sign::strip_elf(&std::fs::read(&debug)?)? == crate::sign::strip_elf(&std::fs::read(&ta.elf)?)?;
    if same {
        Ok(TaElf { elf: debug, uuid: ta.uuid })
    } else {
        eprintln!("xtask: {name} built with debug info differs from the signed image; using symbols only");
        Ok(ta)
    }
}

/// Follows `secure_log` (from its current end) until the kernel logs where
/// it loaded `ta`, then prints the gdb command for it; repeats for every
/// load (a TA instance may be loaded again).
pub fn watch_ta_loads(secure_log: PathBuf, ta: TaElf) {
    std::thread::spawn(move || {
        let mut offset = 0u64;
        let mut pending = String::new();
        let mut last = None;
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let Ok(mut f) = std::fs::File::open(&secure_log) else { continue };
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            if len < offset {
                offset = 0; // a new boot truncated it
            }
            if f.seek(SeekFrom::Start(offset)).is_err() {
                continue;
            }
            let mut buf = Vec::new();
            if f.read_to_end(&mut buf).is_err() {
                continue;
            }
            offset += buf.len() as u64;
            pending.push_str(&String::from_utf8_lossy(&buf));
            while let Some(nl) = pending.find('\n') {
                let line: String = pending.drain(..=nl).collect();
                if let Some(base) = parse_elf_at(&line, &ta.uuid)
                    && last != Some(base)
                {
                    eprintln!(
                        "\r\nxtask: TA {} mapped at {base:#x}; in gdb: {}\r",
                        ta.uuid,
                        ta_symbols_command(&ta.elf, base)
                    );
                    last = Some(base);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_waits_for_gdb_on_loopback() {
        assert_eq!(qemu_args(1234), ["-S", "-gdb", "tcp:127.0.0.1:1234"]);
    }

    #[test]
    fn gdb_loads_monitor_and_kernel_then_connects() {
        let cmd = gdb_command(4321, Path::new("/w/target/m/monitor"), Some(Path::new("/w/target/m/kernel")));
        assert_eq!(
            cmd,
            "gdb-multiarch -q -iex 'set confirm off' -iex 'set pagination off' -ex 'file /w/target/m/monitor' \
             -ex 'add-symbol-file /w/target/m/kernel' -ex 'target remote 127.0.0.1:4321'"
        );
        let upstream = gdb_command(1234, Path::new("/a b/monitor"), None);
        assert!(upstream.contains("-ex 'file '/a b/monitor''") && !upstream.contains("add-symbol-file"));
    }

    #[test]
    fn ta_symbols_move_by_the_logged_base() {
        let line = "[tee INFO] ELF (8aaaf200-2450-11e4-abe2-0002a5d5c51b) at 0x80000000";
        let base = parse_elf_at(line, "8aaaf200-2450-11e4-abe2-0002a5d5c51b").unwrap();
        assert_eq!(base, 0x8000_0000);
        assert_eq!(parse_elf_at(line, "00000000-2450-11e4-abe2-0002a5d5c51b"), None);
        // Upstream's ldelf debug line has the same shape.
        assert_eq!(parse_elf_at("D/LD:  ldelf:176 ELF (ab-cd) at 0x40014000", "ab-cd"), Some(0x4001_4000));
        assert_eq!(
            ta_symbols_command(Path::new("/t/hello_world"), base),
            "add-symbol-file /t/hello_world -o 0x80000000"
        );
    }
}
