//! The normal-world guest: QEMU on the host, and the Linux kernel, OP-TEE client
//! userspace and reference OP-TEE binaries taken from Debian trixie arm64 packages.
//!
//! Packages are fetched with the host's own `apt-get` into a private apt state under
//! the cache directory (no root needed for that, no change to the host's apt state),
//! from the Debian mirror the host is already configured with, and unpacked with
//! `dpkg-deb -x`. Every step is stamped, so a second run touches no network.
//!
//! `host_tools` installs what the host lacks (QEMU, make, the cross
//! compiler), `sources` finds the Debian mirror in the host's apt
//! configuration, `apt` drives apt-get in the private state.

mod apt;
mod host_tools;
mod sources;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, anyhow, bail};

use apt::{Apt, parse_kernel_depends, parse_print_uris, print_uris_size};
pub use host_tools::{ensure_host_file, ensure_host_tool, ensure_qemu};
use sources::debian_mirror;

/// The Debian release the guest is built from.
const SUITE: &str = "trixie";
/// Meta package whose `Depends: linux-image-<release>` names the kernel package.
const KERNEL_META: &str = "linux-image-cloud-arm64";
/// Everything else the guest needs, with the runtime libraries of tee-supplicant,
/// libteec, libckteec and xtest (`apt-cache depends` closure, minus packages whose
/// files the guest never uses such as gcc-14-base).
const PACKAGES: &[&str] = &[
    "busybox-static",
    "libc6",
    "libckteec0t64",
    "libgcc-s1",
    "libssl3t64",
    "libteec2",
    "libzstd1",
    "openssl-provider-legacy",
    // tee_client_api.h and libteec.so for C clients built against the guest.
    "optee-client-dev",
    "optee-os",
    "optee-os-dev",
    "optee-test-qemu",
    "tee-supplicant",
    "zlib1g",
];
/// The OP-TEE platform flavour of Debian's optee-os / optee-os-dev for QEMU virt.
const OPTEE_FLAVOUR: &str = "vexpress-qemu_armv8a";
/// Environment variable that overrides the mirror found in the host's apt sources.
pub const MIRROR_ENV: &str = "TZ_DEBIAN_MIRROR";

/// What the guest build needs, all inside the cache directory.
#[derive(Debug, Clone)]
pub struct GuestFiles {
    /// Merged extraction root of all packages.
    pub sysroot: PathBuf,
    /// `sysroot/boot/vmlinuz-<release>`: an uncompressed arm64 Image despite the name.
    pub kernel_image: PathBuf,
    /// Kernel release, e.g. `6.12.107+deb13-cloud-arm64`.
    pub kernel_release: String,
    /// Decompressed `tee.ko` (`<cache>/modules/tee.ko`).
    pub tee_ko: PathBuf,
    /// Decompressed `optee.ko` (`<cache>/modules/optee.ko`).
    pub optee_ko: PathBuf,
    /// Decompressed `virtio_blk.ko` (`<cache>/modules/virtio_blk.ko`; no
    /// dependencies: virtio and virtio-pci are built in), for the crash test's disk.
    pub virtio_blk_ko: PathBuf,
    /// `sysroot/usr/lib/optee/vexpress-qemu_armv8a`: tee-header_v2.bin, tee-pager_v2.bin,
    /// tee-pageable_v2.bin of the reference OP-TEE OS.
    pub optee_os_dir: PathBuf,
    /// `sysroot/usr/lib/optee-os-dev/vexpress-qemu_armv8a`: the TA dev kit (keys/, lib/,
    /// include/, mk/, scripts/, and Debian's prebuilt early TAs in ta/).
    pub devkit_dir: PathBuf,
}

/// Downloads (when needed) and unpacks the guest packages under `cache`.
pub fn fetch_guest(cache: &Path) -> Result<GuestFiles> {
    fs::create_dir_all(cache).with_context(|| format!("creating {}", cache.display()))?;
    let debs = download_debs(cache)?;
    let sysroot = extract_debs(cache, &debs)?;
    locate(cache, sysroot)
}

/// Makes sure `<cache>/debs` holds the .deb of every wanted package; returns their paths.
fn download_debs(cache: &Path) -> Result<Vec<PathBuf>> {
    let debs_dir = cache.join("debs");
    fs::create_dir_all(&debs_dir)?;
    let stamp = debs_dir.join("packages.stamp");
    let mut wanted: Vec<&str> = PACKAGES.to_vec();
    wanted.push(KERNEL_META);
    wanted.sort_unstable();
    let key = format!("{SUITE} arm64: {}", wanted.join(" "));

    // Fast path: the stamp lists the files resolved for this very package set.
    if let Ok(text) = fs::read_to_string(&stamp) {
        let mut lines = text.lines();
        if lines.next() == Some(key.as_str()) {
            let files: Vec<PathBuf> = lines.map(|f| debs_dir.join(f)).collect();
            if !files.is_empty() && files.iter().all(|f| f.is_file()) {
                return Ok(files);
            }
        }
    }

    let mirror = debian_mirror()?;
    eprintln!("guest: resolving {SUITE} arm64 packages from {mirror}");
    let apt = Apt::new(cache, &mirror)?;
    apt.update_if_stale()?;
    let depends = apt.output("apt-cache", &["depends", KERNEL_META], &apt.dir)?;
    let kernel = parse_kernel_depends(&depends)
        .ok_or_else(|| anyhow!("no `Depends: linux-image-...` in apt-cache depends {KERNEL_META}:\n{depends}"))?;
    let mut packages: Vec<&str> = PACKAGES.to_vec();
    packages.push(&kernel);

    // Exact file names of the candidate versions (printed for files not in the
    // current directory, so ask from an empty one).
    let mut args = vec!["download", "--print-uris"];
    args.extend(&packages);
    let uris = apt.output("apt-get", &args, &apt.dir.join("empty"))?;
    let files = parse_print_uris(&uris);
    if files.len() != packages.len() {
        bail!("apt-get download --print-uris gave {} files for {} packages:\n{uris}", files.len(), packages.len());
    }
    // Package names never contain '_', the separator of `name_version_arch.deb`.
    let missing_files: Vec<&String> = files.iter().filter(|f| !debs_dir.join(f).is_file()).collect();
    let missing: Vec<&str> = missing_files.iter().filter_map(|f| f.split('_').next()).collect();
    if !missing.is_empty() {
        let bytes: u64 = missing_files.iter().map(|f| print_uris_size(&uris, f)).sum();
        eprintln!(
            "xtask: downloading {} of {} packages ({:.1} MiB) into {} (apt-get prints one `Get:` line each)",
            missing.len(),
            files.len(),
            bytes as f64 / 1048576.0,
            debs_dir.display()
        );
        let mut args = vec!["download"];
        args.extend(&missing);
        apt.run_get(&args, &debs_dir)?;
    }
    for f in &files {
        if !debs_dir.join(f).is_file() {
            bail!("apt-get download did not produce {}", debs_dir.join(f).display());
        }
    }
    // Drop superseded versions so the directory only holds the current set.
    let keep: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    for entry in fs::read_dir(&debs_dir)?.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".deb") && !keep.contains(name.as_ref()) {
            fs::remove_file(entry.path())?;
        }
    }
    let mut text = key;
    for f in &files {
        text.push('\n');
        text.push_str(f);
    }
    text.push('\n');
    fs::write(&stamp, text)?;
    Ok(files.iter().map(|f| debs_dir.join(f)).collect())
}

/// Unpacks every .deb into `<cache>/sysroot` (from scratch when the set changed).
fn extract_debs(cache: &Path, debs: &[PathBuf]) -> Result<PathBuf> {
    let sysroot = cache.join("sysroot");
    let stamp = cache.join("sysroot.stamp");
    let mut names: Vec<String> =
        debs.iter().map(|d| d.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect();
    names.sort();
    let key = names.join("\n") + "\n";
    if sysroot.is_dir() && fs::read_to_string(&stamp).is_ok_and(|s| s == key) {
        return Ok(sysroot);
    }
    eprintln!("guest: unpacking {} packages into {}", debs.len(), sysroot.display());
    let _ = fs::remove_file(&stamp);
    if sysroot.exists() {
        fs::remove_dir_all(&sysroot).with_context(|| format!("removing {}", sysroot.display()))?;
    }
    fs::create_dir_all(&sysroot)?;
    for deb in debs {
        let out = Command::new("dpkg-deb").arg("-x").arg(deb).arg(&sysroot).output().context("running dpkg-deb")?;
        if !out.status.success() {
            bail!(
                "dpkg-deb -x {} failed ({}):\n{}",
                deb.display(),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end()
            );
        }
    }
    fs::write(&stamp, key)?;
    Ok(sysroot)
}

/// Finds the kernel, modules and OP-TEE files in the sysroot.
fn locate(cache: &Path, sysroot: PathBuf) -> Result<GuestFiles> {
    let boot = sysroot.join("boot");
    let mut releases: Vec<String> = fs::read_dir(&boot)
        .with_context(|| format!("reading {}", boot.display()))?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("vmlinuz-").map(str::to_owned))
        .collect();
    releases.sort();
    let kernel_release = releases.pop().ok_or_else(|| anyhow!("no vmlinuz-* in {}", boot.display()))?;
    let kernel_image = boot.join(format!("vmlinuz-{kernel_release}"));
    let modules = sysroot.join("usr/lib/modules").join(&kernel_release);
    if !modules.is_dir() {
        bail!("no modules for kernel {kernel_release} in {}", modules.display());
    }

    let out_dir = cache.join("modules");
    fs::create_dir_all(&out_dir)?;
    let tee_ko = out_dir.join("tee.ko");
    let optee_ko = out_dir.join("optee.ko");
    decompress_module(&find_module(&modules, "tee")?, &tee_ko)?;
    decompress_module(&find_module(&modules, "optee")?, &optee_ko)?;
    let virtio_blk_ko = out_dir.join("virtio_blk.ko");
    decompress_module(&find_module(&modules, "virtio_blk")?, &virtio_blk_ko)?;

    let optee_os_dir = sysroot.join("usr/lib/optee").join(OPTEE_FLAVOUR);
    for f in ["tee-header_v2.bin", "tee-pager_v2.bin", "tee-pageable_v2.bin"] {
        if !optee_os_dir.join(f).is_file() {
            bail!("{} is missing from optee-os", optee_os_dir.join(f).display());
        }
    }
    let devkit_dir = sysroot.join("usr/lib/optee-os-dev").join(OPTEE_FLAVOUR);
    if !devkit_dir.join("keys/default.pem").is_file() {
        bail!("{} is missing from optee-os-dev", devkit_dir.join("keys/default.pem").display());
    }
    Ok(GuestFiles { sysroot, kernel_image, kernel_release, tee_ko, optee_ko, virtio_blk_ko, optee_os_dir, devkit_dir })
}

/// `kernel/drivers/tee/[optee/]<name>.ko[.xz]` under `modules`, or anywhere in it.
fn find_module(modules: &Path, name: &str) -> Result<PathBuf> {
    let wanted = [format!("{name}.ko.xz"), format!("{name}.ko")];
    for dir in ["kernel/drivers/tee", "kernel/drivers/tee/optee"] {
        for w in &wanted {
            let p = modules.join(dir).join(w);
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    let mut stack = vec![modules.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)?.flatten() {
            let path = entry.path();
            let ft = entry.file_type()?;
            if ft.is_dir() {
                stack.push(path);
            } else if wanted.iter().any(|w| entry.file_name() == OsStr::new(w)) {
                return Ok(path);
            }
        }
    }
    bail!("{name}.ko not found under {}", modules.display())
}

/// Writes the (xz-decompressed) module to `out`, leaving it untouched when unchanged.
fn decompress_module(src: &Path, out: &Path) -> Result<()> {
    let mut raw = Vec::new();
    fs::File::open(src)
        .and_then(|mut f| f.read_to_end(&mut raw))
        .with_context(|| format!("reading {}", src.display()))?;
    let data = if src.extension() == Some(OsStr::new("xz")) {
        let mut data = Vec::new();
        lzma_rs::xz_decompress(&mut raw.as_slice(), &mut data)
            .map_err(|e| anyhow!("decompressing {}: {e:?}", src.display()))?;
        data
    } else {
        raw
    };
    if !data.starts_with(b"\x7fELF") {
        bail!("{} is not an ELF module", src.display());
    }
    write_if_changed(out, &data)
}

/// Writes `data` to `path` unless the file already holds exactly that (keeps mtimes).
pub(super) fn write_if_changed(path: &Path, data: &[u8]) -> Result<()> {
    if fs::read(path).is_ok_and(|old| old == data) {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, data).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
