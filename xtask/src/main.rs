//! `cargo xtask`: the one entry point. Builds the firmware, fetches the guest
//! (Debian arm64 packages), builds the initramfs, runs QEMU and the tests.

mod firmware;
mod guest;
mod initramfs;
mod qemu;
mod test;

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::{Parser, Subcommand};

use firmware::Tee;

#[derive(Parser)]
#[command(about = "Build, run and test the Rust TrustZone stack on QEMU virt")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build the monitor and the kernel and pack the firmware image(s).
    Build {
        /// Trusted OS to pack (upstream needs the Debian packages).
        #[arg(long, value_enum, default_value = "ours")]
        tee: Tee,
    },
    /// Boot the whole system in QEMU with a shell on the console (Ctrl-A X quits).
    Run {
        /// Trusted OS: our kernel, or Debian's upstream OP-TEE 4.5.
        #[arg(long, value_enum, default_value = "ours")]
        tee: Tee,
        /// Number of cores.
        #[arg(long, default_value_t = 4)]
        smp: u32,
    },
    /// Run the host unit tests, then the QEMU boot tests (ours and upstream by default).
    Test {
        /// Boot-test only this trusted OS (default: both).
        #[arg(long, value_enum)]
        tee: Option<Tee>,
        /// Skip the host unit tests.
        #[arg(long)]
        no_host: bool,
    },
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// Everything a QEMU boot needs besides the firmware.
pub struct Guest {
    /// `qemu-system-aarch64`.
    pub qemu: PathBuf,
    /// The Debian packages.
    pub files: guest::GuestFiles,
    /// The initramfs.
    pub initrd: PathBuf,
}

/// Installs QEMU if needed, fetches the Debian packages and builds the initramfs.
pub fn prepare_guest() -> Result<Guest> {
    let qemu = guest::ensure_qemu()?;
    let cache = root().join("target/guest");
    let files = guest::fetch_guest(&cache)?;
    let initrd = root().join("target/tz/initramfs.cpio.gz");
    std::fs::create_dir_all(root().join("target/tz"))?;
    initramfs::build_initramfs(&files, &[], &initrd)?;
    Ok(Guest { qemu, files, initrd })
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Build { tee } => {
            let optee = if tee == Tee::Upstream { Some(guest::fetch_guest(&root().join("target/guest"))?) } else { None };
            let path = firmware::build_firmware(&root(), tee, optee.as_ref().map(|g| g.optee_os_dir.as_path()))?;
            println!("{}", path.display());
            Ok(())
        }
        Cmd::Run { tee, smp } => {
            let guest = prepare_guest()?;
            let firmware = firmware::build_firmware(&root(), tee, Some(&guest.files.optee_os_dir))?;
            let secure_log = root().join(format!("target/tz/secure-{}.log", tee.name()));
            let machine = qemu::Machine {
                qemu: guest.qemu.clone(),
                firmware,
                kernel: guest.files.kernel_image.clone(),
                initrd: guest.initrd.clone(),
                append: format!("tz.mode=shell tz.cpus={smp}"),
                smp,
                secure_log: secure_log.clone(),
            };
            eprintln!("xtask: booting ({}), secure log in {}; Ctrl-A X quits", tee.name(), secure_log.display());
            let status = machine.command(true).status()?;
            anyhow::ensure!(status.success(), "QEMU exited with {status}");
            Ok(())
        }
        Cmd::Test { tee, no_host } => {
            let tees = match tee {
                Some(t) => vec![t],
                None => vec![Tee::Ours, Tee::Upstream],
            };
            test::run(&tees, !no_host)
        }
    }
}
