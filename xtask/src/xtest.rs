//! `cargo xtask xtest`: upstream OP-TEE's own test suite (Debian's
//! `optee-test-qemu` xtest and its TAs, signed with OP-TEE's key) run in
//! the guest against a trusted OS, as a compatibility oracle: on upstream
//! OP-TEE it passes whole; on our kernel (`ours-optee-key`, which trusts
//! that key) it shows how far binary compatibility with upstream's TAs
//! goes. Not part of `cargo xtask test`: it is slow and, on our kernel, not
//! expected to pass whole yet.

use std::time::Duration;

use anyhow::{Result, ensure};

use crate::firmware::{self, Tee};
use crate::qemu::{self, Machine};

const SMP: u32 = 4;
/// Upstream's full regression run takes several minutes under TCG.
const DEADLINE: Duration = Duration::from_secs(1800);

/// Runs `xtest <args>` (default `-t regression`) on `tee`.
pub fn run(tee: Tee, args: &[String]) -> Result<()> {
    ensure!(tee != Tee::Ours, "xtest's TAs are signed with OP-TEE's key: use --tee ours-optee-key or upstream");
    ensure!(
        args.iter().all(|a| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))),
        "xtest arguments may hold letters, digits, '-', '_' and '.' only (they travel on the kernel command line)"
    );
    let root = crate::root();
    let guest = crate::prepare_guest(tee)?;
    let firmware = firmware::build_firmware(&root, tee, Some(&guest.files))?;
    let args = if args.is_empty() { vec!["-t".to_string(), "regression".to_string()] } else { args.to_vec() };
    let machine = Machine {
        qemu: guest.qemu.clone(),
        firmware,
        kernel: guest.files.kernel_image.clone(),
        initrd: guest.initrd.clone(),
        append: format!("tz.mode=xtest tz.cpus={SMP} tz.xtest={}", args.join(",")),
        smp: SMP,
        secure_log: root.join(format!("target/tz/secure-xtest-{}.log", tee.name())),
        extra: vec![],
    };
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
    if out.lines.iter().any(|(_, l)| l.starts_with("XTEST 0 test cases of which")) {
        println!(
            "  no case matched: xtest selects by substring of the case ID, e.g. `-- -t regression _10` for the 1000 group"
        );
    }
    let done = out.lines.iter().any(|(_, l)| l == "XTEST DONE");
    ensure!(done, "xtest did not finish within {} s", DEADLINE.as_secs());
    Ok(())
}
