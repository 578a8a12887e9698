//! `cargo xtask`: the one entry point. Builds the firmware, fetches the guest
//! (Debian arm64 packages), builds the initramfs, runs QEMU and the tests.

mod bench;
mod bench_chart;
mod crash;
mod cta;
mod firmware;
mod gdb;
mod guest;
mod initramfs;
mod keys;
mod lint;
mod modgraph;
mod new_ta;
mod qemu;
mod run;
mod share;
mod sign;
mod tas;
mod test;
mod toolchain;
mod xtest;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
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
        /// Our kernel trusts this RSA private key's public half instead of
        /// the project's DEVELOPMENT key (xtask/keys/dev_ta_key.pem, public,
        /// for development only), and every TA is signed with it (see
        /// `cargo xtask keygen`). Our kernel only.
        #[arg(long, value_name = "PEM")]
        ta_key: Option<PathBuf>,
    },
    /// Boot the whole system in QEMU with a shell on the console (Ctrl-A X quits).
    Run {
        /// Trusted OS: our kernel, or Debian's upstream OP-TEE 4.5.
        #[arg(long, value_enum, default_value = "ours")]
        tee: Tee,
        /// Number of cores.
        #[arg(long, default_value_t = 4)]
        smp: u32,
        /// Share this host folder with the guest at /mnt/host (virtio-fs,
        /// live); tee-supplicant also loads TAs from <dir>/optee_armtz and
        /// <dir> (needs root for virtiofsd).
        #[arg(long, value_name = "DIR")]
        share: Option<PathBuf>,
        /// Start QEMU halted with its gdbstub on 127.0.0.1:PORT (default
        /// 1234) and print the gdb-multiarch command that loads the
        /// monitor's and kernel's symbols (see tas/README.md).
        #[arg(long, value_name = "PORT", num_args = 0..=1, default_missing_value = "1234")]
        gdb: Option<u16>,
        /// With --gdb: the TA (its unstripped ELF file, a tas/ crate or tas/c
        /// directory name, or its UUID) whose symbols gdb needs; xtask prints
        /// its add-symbol-file command when the trusted OS logs where it
        /// loaded it.
        #[arg(long, value_name = "TA", requires = "gdb")]
        gdb_ta: Option<String>,
        /// Our kernel trusts this RSA private key's public half instead of
        /// the project's DEVELOPMENT key (xtask/keys/dev_ta_key.pem, public,
        /// for development only), and every TA is signed with it (see
        /// `cargo xtask keygen`). Our kernel only.
        #[arg(long, value_name = "PEM")]
        ta_key: Option<PathBuf>,
    },
    /// Run the lint gates (fmt, clippy) and host unit tests, then the QEMU boot tests.
    Test {
        /// Boot-test only this trusted OS (default: both).
        #[arg(long, value_enum)]
        tee: Option<Tee>,
        /// Skip the lint gates and the host unit tests.
        #[arg(long)]
        no_host: bool,
        /// Run only these boot cases (no gates, no host tests).
        #[arg(long, value_enum)]
        only: Option<test::Only>,
        /// Our kernel trusts this RSA private key's public half instead of
        /// the project's DEVELOPMENT key (xtask/keys/dev_ta_key.pem, public,
        /// for development only), and every TA is signed with it (see
        /// `cargo xtask keygen`). Our kernel only (the
        /// default `--tee` becomes ours).
        #[arg(long, value_name = "PEM")]
        ta_key: Option<PathBuf>,
    },
    /// Benchmark TEE calls in the guest (-smp 1, -icount) and compare the trusted OSes.
    Bench {
        /// Benchmark only this trusted OS (default: both).
        #[arg(long, value_enum)]
        tee: Option<Tee>,
    },
    /// Run upstream OP-TEE's xtest (Debian's, with its TAs) in the guest: a
    /// compatibility oracle, not part of `test`.
    Xtest {
        /// Trusted OS (xtest's TAs are signed with OP-TEE's key).
        #[arg(long, value_enum, default_value = "ours-optee-key")]
        tee: Tee,
        /// Arguments for xtest (default: -t regression). xtest runs every case
        /// whose ID contains one of the arguments (IDs are `regression_1001`,
        /// ...): `-- -t regression 1001` runs one case, `-- -t regression _10`
        /// the 1000 group (`regression_10xx`; `_40` the 4000 group), and
        /// `-x <part>` excludes. A bare `1000` matches no regression case.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Print the kernel's module import graph's cross-folder cycles and who
    /// imports `boot`; fails while either exists.
    Modgraph {
        /// Also print every module's imports.
        #[arg(long)]
        verbose: bool,
    },
    /// Sign a TA ELF (ours or a dev-kit C TA) into OP-TEE's signed format (`<uuid>.ta`).
    SignTa {
        /// The TA ELF (stripped before signing).
        #[arg(long)]
        elf: PathBuf,
        /// The TA's UUID (must match its ta_head; default: read from it).
        #[arg(long)]
        uuid: Option<String>,
        /// RSA private key, PEM (PKCS#1 or PKCS#8): your own (`cargo xtask
        /// keygen`), the DEVELOPMENT key xtask/keys/dev_ta_key.pem, or the
        /// OP-TEE dev kit's keys/default.pem.
        #[arg(long)]
        key: PathBuf,
        /// The signed file to write.
        #[arg(long)]
        out: PathBuf,
        /// `shdr_bootstrap_ta.ta_version` (anti-rollback).
        #[arg(long, default_value_t = 0)]
        ta_version: u32,
        /// Signature scheme.
        #[arg(long, value_enum, default_value = "pss")]
        algo: sign::Algo,
    },
    /// Generate your own TA signing key (instead of the public DEVELOPMENT key).
    ///
    /// Writes <dir>/ta_key.pem (private, PKCS#8, mode 0600) and
    /// <dir>/ta_key.pub.pem. Use it with `--ta-key` (build, run, test) and
    /// `sign-ta --key`.
    Keygen {
        /// Directory for the two files (created; existing keys are not overwritten).
        dir: PathBuf,
        /// RSA modulus size in bits.
        #[arg(long, value_enum, default_value = "3072")]
        bits: keys::KeyBits,
    },
    /// Create a new TA `tas/<name>/` and its client program.
    ///
    /// The TA: ta-sdk, a fresh random UUID, one command. The client
    /// `tas/<name>/client/` (ta-sdk/teec) becomes the guest's
    /// `/usr/bin/<name>`. `run` and `test` pick both up; see ta-sdk/README.md.
    NewTa {
        /// Crate name: lowercase letters, digits and `_`, starting with a letter.
        name: String,
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
    /// The initramfs (for one trusted OS: the TAs in it are signed for that OS).
    pub initrd: PathBuf,
}

impl Guest {
    /// A machine booting this guest (its Linux and initramfs) on
    /// `firmware`, with no extra QEMU arguments.
    pub fn machine(&self, firmware: PathBuf, append: String, smp: u32, secure_log: PathBuf) -> qemu::Machine {
        qemu::Machine {
            qemu: self.qemu.clone(),
            firmware,
            kernel: self.files.kernel_image.clone(),
            initrd: self.initrd.clone(),
            append,
            smp,
            secure_log,
            extra: vec![],
        }
    }
}

/// The key TAs are signed with for `tee`: upstream OP-TEE trusts the TA dev
/// kit's default key, our kernel the key given with `--ta-key` or else the
/// project's development key.
pub fn ta_key(files: &guest::GuestFiles, tee: Tee) -> PathBuf {
    match tee {
        Tee::Upstream | Tee::OursOpteeKey => files.devkit_dir.join("keys/default.pem"),
        Tee::Ours => keys::ours_ta_key().unwrap_or_else(|| keys::dev_key(&root())),
    }
}

/// A key `tee` must not trust, for the bad-signature test: the development
/// key when our kernel trusts a `--ta-key`, else the other OS's key.
pub fn untrusted_ta_key(files: &guest::GuestFiles, tee: Tee) -> PathBuf {
    match tee {
        Tee::Ours if keys::ours_ta_key().is_some() => keys::dev_key(&root()),
        Tee::Ours => ta_key(files, Tee::Upstream),
        Tee::Upstream | Tee::OursOpteeKey => keys::dev_key(&root()),
    }
}

/// `--ta-key` applies to our kernel only: upstream's key is built into Debian's image.
fn choose_ta_key(key: Option<PathBuf>, tees: &[Tee]) -> Result<()> {
    let Some(key) = key else { return Ok(()) };
    anyhow::ensure!(
        tees.iter().all(|&t| t == Tee::Ours),
        "--ta-key works with --tee ours only (upstream OP-TEE and ours-optee-key trust the dev kit's key)"
    );
    let key = std::path::absolute(&key)?;
    sign::load_private_key(&key).with_context(|| format!("--ta-key {}", key.display()))?;
    keys::set_ours_ta_key(Some(key));
    Ok(())
}

/// Installs QEMU if needed, fetches the Debian packages and builds the
/// initramfs for `tee` (`target/tz/initramfs-<tee>.cpio.gz`), with the TAs
/// signed for that OS and the guest test programs.
pub fn prepare_guest(tee: Tee) -> Result<Guest> {
    let qemu = guest::ensure_qemu()?;
    let cache = root().join("target/guest");
    let files = guest::fetch_guest(&cache)?;
    std::fs::create_dir_all(root().join("target/tz"))?;
    let own_key = if tee == Tee::Ours && keys::ours_ta_key().is_some() { "-own-key" } else { "" };
    let initrd = root().join(format!("target/tz/initramfs-{}{own_key}.cpio.gz", tee.name()));
    let extra = tas::initramfs_extra(&root(), &files.devkit_dir, &ta_key(&files, tee), &untrusted_ta_key(&files, tee))?;
    initramfs::build_initramfs(&files, &extra, &initrd)?;
    Ok(Guest { qemu, files, initrd })
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    toolchain::ensure(&root())?;
    match cli.command {
        Cmd::Build { tee, ta_key } => {
            choose_ta_key(ta_key, &[tee])?;
            let guest = if tee == Tee::Ours { None } else { Some(guest::fetch_guest(&root().join("target/guest"))?) };
            let path = firmware::build_firmware(&root(), tee, guest.as_ref())?;
            println!("{}", path.display());
            Ok(())
        }
        Cmd::Run { tee, smp, share, gdb, gdb_ta, ta_key } => {
            choose_ta_key(ta_key, &[tee])?;
            run::run(tee, smp, share.as_deref(), gdb, gdb_ta.as_deref())
        }
        Cmd::Test { tee, no_host, only, ta_key } => {
            let tees = match (tee, &ta_key) {
                (Some(t), _) => vec![t],
                (None, Some(_)) => vec![Tee::Ours],
                (None, None) => vec![Tee::Ours, Tee::Upstream, Tee::OursOpteeKey],
            };
            choose_ta_key(ta_key, &tees)?;
            test::run(&tees, !no_host && only.is_none(), only)
        }
        Cmd::Bench { tee } => {
            let tees = match tee {
                Some(t) => vec![t],
                None => vec![Tee::Ours, Tee::Upstream],
            };
            bench::run(&tees)
        }
        Cmd::Xtest { tee, args } => xtest::run(tee, &args),
        Cmd::Modgraph { verbose } => modgraph::run(&root(), verbose),
        Cmd::SignTa { elf, uuid, key, out, ta_version, algo } => {
            sign::sign_ta_command(&elf, uuid.as_deref(), &key, &out, ta_version, algo)
        }
        Cmd::Keygen { dir, bits } => keys::keygen(&dir, bits.bits()).map(|_| ()),
        Cmd::NewTa { name } => new_ta::new_ta_command(&root(), &name),
    }
}
