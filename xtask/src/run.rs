//! `cargo xtask run`: one interactive boot, optionally with a shared host
//! folder (`--share`, see `share.rs`) and halted for gdb (`--gdb`, see
//! `gdb.rs`).

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::firmware::{self, Tee};
use crate::{gdb, qemu, root, share};

/// The kernel command line and the extra QEMU arguments of a run: the
/// shell, the share's virtio-fs device (`share_socket`, guest RAM `memory`)
/// and the gdbstub.
pub fn boot_options(
    smp: u32,
    share_socket: Option<&Path>,
    memory: &str,
    gdb_port: Option<u16>,
) -> (String, Vec<String>) {
    let mut append = format!("tz.mode=shell tz.cpus={smp}");
    let mut extra = Vec::new();
    if let Some(socket) = share_socket {
        append = format!("{append} {}", share::APPEND);
        extra.extend(share::qemu_args(socket, memory));
    }
    if let Some(port) = gdb_port {
        extra.extend(gdb::qemu_args(port));
    }
    (append, extra)
}

/// Boots `tee` with a shell on the console until the guest powers off (or Ctrl-A X).
pub fn run(tee: Tee, smp: u32, share_dir: Option<&Path>, gdb_port: Option<u16>, gdb_ta: Option<&str>) -> Result<()> {
    let guest = crate::prepare_guest(tee)?;
    let firmware = firmware::build_firmware(&root(), tee, Some(&guest.files))?;
    let secure_log = root().join(format!("target/tz/secure-{}.log", tee.name()));
    let share = match share_dir {
        Some(dir) => Some(share::Share::start(dir, &root().join("target/tz"), tee.name())?),
        None => None,
    };
    let memory = qemu::memory_size(std::env::var("TZ_QEMU_MEMORY").ok().as_deref()).to_owned();
    let (append, extra) = boot_options(smp, share.as_ref().map(|s| s.socket.as_path()), &memory, gdb_port);
    if let Some(port) = gdb_port {
        // The TA watcher must not read the last run's lines.
        let _ = std::fs::remove_file(&secure_log);
        let elves: PathBuf = root().join("target").join(firmware::FIRMWARE_TARGET).join("release");
        let kernel = tee.is_ours().then(|| elves.join("kernel"));
        eprintln!(
            "xtask: QEMU starts halted, gdbstub on 127.0.0.1:{port}; in another terminal:\n  {}",
            gdb::gdb_command(port, &elves.join("monitor"), kernel.as_deref())
        );
        if let Some(want) = gdb_ta {
            let ta = gdb::with_debug_info(&root(), gdb::find_ta_elf(&root(), want)?)?;
            eprintln!("xtask: watching {} for TA {} ({})", secure_log.display(), ta.uuid, ta.elf.display());
            gdb::watch_ta_loads(secure_log.clone(), ta);
        }
    }
    let machine = qemu::Machine { extra, ..guest.machine(firmware, append, smp, secure_log.clone()) };
    eprintln!("xtask: booting ({}), secure log in {}; Ctrl-A X quits", tee.name(), secure_log.display());
    let status = machine.command(true).status()?;
    drop(share);
    anyhow::ensure!(status.success(), "QEMU exited with {status}; the secure side's log is {}", secure_log.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_run_is_a_shell() {
        assert_eq!(boot_options(4, None, "1G", None), ("tz.mode=shell tz.cpus=4".to_owned(), vec![]));
    }

    #[test]
    fn share_and_gdb_add_their_arguments() {
        let (append, extra) = boot_options(2, Some(Path::new("/t/s.sock")), "2G", Some(1234));
        assert_eq!(append, "tz.mode=shell tz.cpus=2 tz.share=1");
        let extra = extra.join(" ");
        assert!(extra.contains("memory-backend-memfd,id=tzmem,size=2G,share=on"));
        assert!(extra.contains("vhost-user-fs-pci"));
        assert!(extra.ends_with("-S -gdb tcp:127.0.0.1:1234"));
    }
}
