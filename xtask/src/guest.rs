//! The normal-world guest: QEMU on the host, and the Linux kernel, OP-TEE client
//! userspace and reference OP-TEE binaries taken from Debian trixie arm64 packages.
//!
//! Packages are fetched with the host's own `apt-get` into a private apt state under
//! the cache directory (no root needed for that, no change to the host's apt state),
//! from the Debian mirror the host is already configured with, and unpacked with
//! `dpkg-deb -x`. Every step is stamped, so a second run touches no network.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, anyhow, bail};

/// The Debian release the guest is built from.
const SUITE: &str = "trixie";
/// Signing keys for the Debian archive (package `debian-archive-keyring`).
const KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";
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
    "optee-os",
    "optee-os-dev",
    "optee-test-qemu",
    "tee-supplicant",
    "zlib1g",
];
/// The OP-TEE platform flavour of Debian's optee-os / optee-os-dev for QEMU virt.
const OPTEE_FLAVOUR: &str = "vexpress-qemu_armv8a";
/// Package lists older than this are refreshed (only when something must be downloaded).
const LISTS_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
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

// ---------------------------------------------------------------------------------------
// QEMU

/// Finds `qemu-system-aarch64` on PATH, installing Debian's `qemu-system-arm` with
/// apt-get first when it is missing and we run as root.
pub fn ensure_qemu() -> Result<PathBuf> {
    ensure_host_tool("qemu-system-aarch64", "qemu-system-arm")
}

/// Finds `binary` on PATH, installing the host's Debian/Ubuntu `package`
/// with apt-get first when it is missing and we run as root (saying what apt
/// would remove, see [`announce_apt_removals`]).
pub fn ensure_host_tool(binary: &str, package: &str) -> Result<PathBuf> {
    if let Some(path) = find_in_path(binary) {
        return Ok(path);
    }
    if !is_root() {
        bail!("{binary} not found on PATH; install it with: sudo apt-get install {package}");
    }
    if find_in_path("apt-get").is_none() {
        bail!("{binary} not found on PATH and there is no apt-get to install it with");
    }
    let install = || -> Result<bool> {
        eprintln!("guest: apt-get install -y --no-install-recommends {package}");
        let status = Command::new("apt-get")
            .args(["install", "-y", "-q", "--no-install-recommends", package])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(stderr_stdio())
            .status()
            .context("running apt-get install")?;
        Ok(status.success())
    };
    let update = || -> Result<()> {
        eprintln!("guest: apt-get update");
        let status = Command::new("apt-get")
            .args(["update", "-q"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(stderr_stdio())
            .status()
            .context("running apt-get update")?;
        if !status.success() {
            bail!("apt-get update failed ({status})");
        }
        Ok(())
    };
    eprintln!("guest: {binary} not found; installing {package}");
    if !host_apt_lists_present() {
        update()?;
    }
    announce_apt_removals(package)?;
    if !install()? {
        // Stale lists are the usual reason: refresh once and retry.
        update()?;
        if !install()? {
            bail!("apt-get install {package} failed");
        }
    }
    find_in_path(binary).ok_or_else(|| anyhow!("{binary} still not on PATH after installing {package}"))
}

/// Asks apt (`--simulate`) what installing `package` would remove and says so
/// before anything changes: a user's package is never removed silently. apt
/// removes an installed package only when it conflicts with (or is broken by)
/// what `package` needs from this host's archive, typically a newer build of
/// the same family from another release (e.g. `qemu-utils` from backports next
/// to `qemu-system-arm` from stable). `TZ_APT_NO_REMOVE=1` refuses instead and
/// prints the exact command to run by hand.
fn announce_apt_removals(package: &str) -> Result<()> {
    let out = Command::new("apt-get")
        .args(["install", "--simulate", "-q", "--no-install-recommends", package])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .context("running apt-get install --simulate")?;
    let removals = apt_simulated_removals(&String::from_utf8_lossy(&out.stdout));
    if removals.is_empty() {
        return Ok(());
    }
    eprintln!(
        "guest: WARNING: apt-get will REMOVE these installed packages to install {package} \
         (they conflict with the versions {package} needs from this host's apt sources):"
    );
    for r in &removals {
        eprintln!("guest:   {r}");
    }
    if std::env::var_os("TZ_APT_NO_REMOVE").is_some_and(|v| v == "1") {
        bail!(
            "not removing packages (TZ_APT_NO_REMOVE=1); install QEMU yourself, e.g. \
             `apt-get install --no-install-recommends {package}` (accepting the removal) \
             or a qemu-system-arm from the same release as the removed packages, then run again"
        );
    }
    eprintln!("guest: proceeding (set TZ_APT_NO_REMOVE=1 to refuse instead)");
    Ok(())
}

/// The `Remv <package> [<version>]` lines of `apt-get --simulate` output, as
/// `<package> <version>`.
fn apt_simulated_removals(simulation: &str) -> Vec<String> {
    simulation
        .lines()
        .filter_map(|l| l.strip_prefix("Remv "))
        .map(|rest| rest.replace(['[', ']'], "").trim().to_string())
        .collect()
}

/// The first executable file called `name` in the directories of PATH.
fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Whether the effective uid is 0 (from /proc/self/status, falling back to `id -u`).
fn is_root() -> bool {
    if let Ok(status) = fs::read_to_string("/proc/self/status")
        && let Some(euid) =
            status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|rest| rest.split_whitespace().nth(1))
    {
        return euid == "0";
    }
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Whether the host's apt has downloaded any package list yet.
fn host_apt_lists_present() -> bool {
    fs::read_dir("/var/lib/apt/lists")
        .is_ok_and(|entries| entries.flatten().any(|e| e.file_name().to_string_lossy().contains("_Packages")))
}

/// A child's stdout sent to our stderr (so progress output stays off stdout).
fn stderr_stdio() -> Stdio {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => Stdio::from(fd),
        Err(_) => Stdio::inherit(),
    }
}

// ---------------------------------------------------------------------------------------
// The host's apt sources

/// One entry of the host's apt sources (a deb822 stanza or a one-line entry).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct AptSource {
    types: Vec<String>,
    uris: Vec<String>,
    suites: Vec<String>,
    enabled: bool,
}

/// Parses a deb822 `.sources` file: stanzas separated by blank lines, `#` comment
/// lines, `Field: value` with continuation lines starting with white space.
fn parse_deb822(text: &str) -> Vec<AptSource> {
    fn flush(fields: &mut Vec<(String, String)>, out: &mut Vec<AptSource>) {
        if fields.is_empty() {
            return;
        }
        let mut src = AptSource { enabled: true, ..Default::default() };
        for (name, value) in fields.drain(..) {
            let words = || value.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
            match name.to_ascii_lowercase().as_str() {
                "types" => src.types = words(),
                "uris" => src.uris = words(),
                "suites" => src.suites = words(),
                "enabled" => src.enabled = !value.trim().eq_ignore_ascii_case("no"),
                _ => {}
            }
        }
        out.push(src);
    }
    let mut out = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut fields, &mut out);
        } else if line.starts_with('#') {
            continue;
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    flush(&mut fields, &mut out);
    out
}

/// Parses one-line `sources.list` entries: `deb [opts] URI suite [components...]`.
fn parse_one_line(text: &str) -> Vec<AptSource> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default().trim();
        let mut words = line.split_whitespace();
        let Some(kind) = words.next() else { continue };
        let mut rest: Vec<&str> = words.collect();
        // Options: "[a=b c=d]" or "[ a=b ]", possibly spread over several words.
        if rest.first().is_some_and(|w| w.starts_with('[')) {
            let Some(end) = rest.iter().position(|w| w.ends_with(']')) else {
                continue;
            };
            rest.drain(..=end);
        }
        if rest.len() < 2 {
            continue;
        }
        out.push(AptSource {
            types: vec![kind.to_owned()],
            uris: vec![rest[0].to_owned()],
            suites: vec![rest[1].to_owned()],
            enabled: true,
        });
    }
    out
}

/// Whether `suite` names a Debian release of the main archive (not -updates,
/// -backports, -security or a foreign distribution).
fn is_debian_suite(suite: &str) -> bool {
    const NAMES: &[&str] = &[
        "buster",
        "bullseye",
        "bookworm",
        "trixie",
        "forky",
        "duke",
        "sid",
        "oldoldstable",
        "oldstable",
        "stable",
        "testing",
        "unstable",
    ];
    NAMES.contains(&suite)
}

/// The first enabled `deb` URI that serves Debian's main archive.
fn pick_debian_mirror(sources: &[AptSource]) -> Option<String> {
    sources
        .iter()
        .filter(|s| s.enabled && s.types.iter().any(|t| t == "deb"))
        .filter(|s| s.suites.iter().any(|suite| is_debian_suite(suite)))
        .flat_map(|s| s.uris.iter())
        .map(|uri| uri.trim_end_matches('/'))
        .find(|uri| !uri.ends_with("debian-security") && !uri.starts_with("cdrom:"))
        .map(str::to_owned)
}

/// All sources of the host's apt configuration under `etc_apt` (normally /etc/apt),
/// in apt's order: sources.list, then sources.list.d/*.list and *.sources by name.
fn host_sources(etc_apt: &Path) -> Vec<AptSource> {
    let mut sources = Vec::new();
    if let Ok(text) = fs::read_to_string(etc_apt.join("sources.list")) {
        sources.extend(parse_one_line(&text));
    }
    let mut parts: Vec<PathBuf> = fs::read_dir(etc_apt.join("sources.list.d"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    parts.sort();
    for path in parts {
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        match path.extension().and_then(OsStr::to_str) {
            Some("list") => sources.extend(parse_one_line(&text)),
            Some("sources") => sources.extend(parse_deb822(&text)),
            _ => {}
        }
    }
    sources
}

/// The Debian mirror to fetch from: `$TZ_DEBIAN_MIRROR`, or the host's own.
pub fn debian_mirror() -> Result<String> {
    if let Ok(mirror) = std::env::var(MIRROR_ENV) {
        let mirror = mirror.trim().trim_end_matches('/');
        if !mirror.is_empty() {
            return Ok(mirror.to_owned());
        }
    }
    pick_debian_mirror(&host_sources(Path::new("/etc/apt"))).ok_or_else(|| {
        anyhow!(
            "no Debian mirror found in the host's apt sources (/etc/apt/sources.list, \
             /etc/apt/sources.list.d/); set {MIRROR_ENV} to the URL of a Debian mirror \
             that carries {SUITE} arm64"
        )
    })
}

// ---------------------------------------------------------------------------------------
// Private apt state

/// apt-get / apt-cache confined to `<cache>/apt`, for arm64 and the trixie archive only.
struct Apt {
    dir: PathBuf,
    sources_list: PathBuf,
    opts: Vec<String>,
}

impl Apt {
    fn new(cache: &Path, mirror: &str) -> Result<Apt> {
        if !Path::new(KEYRING).is_file() {
            bail!(
                "{KEYRING} is missing; install the Debian archive keys with: \
                 apt-get install debian-archive-keyring"
            );
        }
        for tool in ["apt-get", "apt-cache", "dpkg-deb"] {
            if find_in_path(tool).is_none() {
                bail!("{tool} not found on PATH: fetching the guest needs apt and dpkg");
            }
        }
        let dir = cache.join("apt");
        let etc = dir.join("etc");
        let parts = dir.join("etc/sources.list.d");
        let prefs = dir.join("etc/preferences.d");
        let state = dir.join("state");
        let apt_cache = dir.join("cache");
        for d in [&parts, &prefs, &state.join("lists/partial"), &apt_cache.join("archives/partial"), &dir.join("empty")]
        {
            fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        let sources_list = etc.join("sources.list");
        write_if_changed(
            &sources_list,
            format!("deb [arch=arm64 signed-by={KEYRING}] {mirror} {SUITE} main\n").as_bytes(),
        )?;
        let status = state.join("status");
        if !status.exists() {
            fs::write(&status, b"").with_context(|| format!("creating {}", status.display()))?;
        }
        let p = |p: &Path| p.display().to_string();
        let mut opts = vec![
            format!("Dir::Etc::SourceList={}", p(&sources_list)),
            format!("Dir::Etc::SourceParts={}", p(&parts)),
            format!("Dir::Etc::Preferences={}", p(&etc.join("preferences"))),
            format!("Dir::Etc::PreferencesParts={}", p(&prefs)),
            format!("Dir::State={}", p(&state)),
            format!("Dir::State::status={}", p(&status)),
            format!("Dir::Cache={}", p(&apt_cache)),
            "APT::Architecture=arm64".to_owned(),
            "APT::Architectures=arm64".to_owned(),
            "Debug::NoLocking=1".to_owned(),
        ];
        if is_root() {
            // Otherwise apt drops to the _apt user, which cannot write into our cache.
            opts.push("APT::Sandbox::User=root".to_owned());
        }
        let opts = opts.into_iter().flat_map(|o| ["-o".to_owned(), o]).collect();
        Ok(Apt { dir, sources_list, opts })
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(&self.opts).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    }

    /// Runs apt-get with its progress on our stderr.
    fn run_get(&self, args: &[&str], dir: &Path) -> Result<()> {
        let status = self
            .command("apt-get")
            .arg("-q")
            .args(args)
            .current_dir(dir)
            .stdout(stderr_stdio())
            .status()
            .context("running apt-get")?;
        if !status.success() {
            bail!("apt-get {} failed ({status})", args.join(" "));
        }
        Ok(())
    }

    /// Runs apt-get / apt-cache and returns its stdout.
    fn output(&self, program: &str, args: &[&str], dir: &Path) -> Result<String> {
        let out = self
            .command(program)
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("running {program}"))?;
        if !out.status.success() {
            bail!(
                "{program} {} failed ({}):\n{}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim_end()
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `apt-get update` unless the lists were fetched for this very sources.list
    /// less than LISTS_MAX_AGE ago.
    fn update_if_stale(&self) -> Result<()> {
        let stamp = self.dir.join("state/update.stamp");
        let sources = fs::read(&self.sources_list)?;
        let fresh = fs::read(&stamp).is_ok_and(|s| s == sources)
            && fs::metadata(&stamp)
                .and_then(|m| m.modified())
                .is_ok_and(|t| SystemTime::now().duration_since(t).unwrap_or_default() < LISTS_MAX_AGE);
        if fresh {
            return Ok(());
        }
        eprintln!("guest: apt-get update ({SUITE} arm64)");
        self.run_get(&["update"], &self.dir)?;
        fs::write(&stamp, sources)?;
        Ok(())
    }
}

/// The package named by the `Depends: linux-image-...` line of `apt-cache depends`.
fn parse_kernel_depends(output: &str) -> Option<String> {
    output.lines().find_map(|line| {
        let dep = line.trim().trim_start_matches('|').strip_prefix("Depends:")?.trim();
        let dep = dep.trim_start_matches('<').trim_end_matches('>');
        dep.starts_with("linux-image-").then(|| dep.to_owned())
    })
}

/// The .deb file names of `apt-get download --print-uris` output
/// (`'URI' file_name size hash` lines).
fn parse_print_uris(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| l.starts_with('\''))
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|f| f.ends_with(".deb") && !f.contains('/'))
        .map(str::to_owned)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Fetching and unpacking

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
    let missing: Vec<&str> =
        files.iter().filter(|f| !debs_dir.join(f).is_file()).filter_map(|f| f.split('_').next()).collect();
    if !missing.is_empty() {
        eprintln!("guest: downloading {} packages", missing.len());
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
fn write_if_changed(path: &Path, data: &[u8]) -> Result<()> {
    if fs::read(path).is_ok_and(|old| old == data) {
        return Ok(());
    }
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, data).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_removals_are_listed_with_versions() {
        let sim = "NOTE: This is only a simulation!\n\
                   Remv qemu-utils [1:10.0.2+ds-2+deb13u1~bpo12+1]\n\
                   Inst libfdt1 (1.6.1-4+b1 Debian:12.15/oldstable [amd64])\n";
        assert_eq!(apt_simulated_removals(sim), vec!["qemu-utils 1:10.0.2+ds-2+deb13u1~bpo12+1".to_string()]);
        assert!(apt_simulated_removals("Inst libfdt1 (1.6.1-4+b1 Debian:12.15/oldstable [amd64])\n").is_empty());
    }

    const DEB822: &str = "\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.debian.org/archive/debian-security/20250520T000000Z
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
";

    #[test]
    fn deb822_debian_and_security() {
        let sources = parse_deb822(DEB822);
        assert_eq!(sources.len(), 2);
        assert_eq!(sources[0].uris, ["http://deb.debian.org/debian"]);
        assert_eq!(sources[0].suites, ["bookworm", "bookworm-updates"]);
        assert_eq!(sources[1].suites, ["bookworm-security"]);
        assert_eq!(pick_debian_mirror(&sources).as_deref(), Some("http://deb.debian.org/debian"));
    }

    #[test]
    fn deb822_security_first_disabled_and_src() {
        let text = "\
Types: deb
URIs: http://security.debian.org/debian-security/
Suites: trixie-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: trixie
Components: main

Types: deb
URIs: http://off.example/debian
Suites: trixie
Enabled: no

Types: deb deb-src
URIs: http://ftp.example.org/debian/
 http://second.example/debian
Suites: trixie trixie-updates
Components: main contrib
";
        let sources = parse_deb822(text);
        assert_eq!(sources.len(), 4);
        assert!(!sources[2].enabled);
        assert_eq!(sources[3].uris.len(), 2);
        assert_eq!(pick_debian_mirror(&sources).as_deref(), Some("http://ftp.example.org/debian"));
    }

    #[test]
    fn one_line_list() {
        let text = "\
# a comment
deb-src http://deb.debian.org/debian bookworm main
deb http://security.debian.org/debian-security bookworm-security main
deb [ arch=amd64,arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg ] http://mirror.example/debian/ bookworm main contrib
deb http://deb.debian.org/debian bookworm-updates main
";
        let sources = parse_one_line(text);
        assert_eq!(sources.len(), 4);
        assert_eq!(sources[2].uris, ["http://mirror.example/debian/"]);
        assert_eq!(pick_debian_mirror(&sources).as_deref(), Some("http://mirror.example/debian"));
        // Only -updates / -backports suites: not used for selection.
        let only_updates = parse_one_line("deb http://x.example/debian bookworm-backports main\n");
        assert_eq!(pick_debian_mirror(&only_updates), None);
    }

    #[test]
    fn ubuntu_is_not_debian() {
        let text = "\
deb http://archive.ubuntu.com/ubuntu/ noble main restricted universe
deb http://archive.ubuntu.com/ubuntu/ noble-updates main restricted universe
deb http://security.ubuntu.com/ubuntu/ noble-security main restricted universe
";
        assert_eq!(pick_debian_mirror(&parse_one_line(text)), None);
        let deb822 = "\
Types: deb
URIs: http://archive.ubuntu.com/ubuntu/
Suites: noble noble-updates noble-backports
Components: main universe restricted multiverse
Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg
";
        assert_eq!(pick_debian_mirror(&parse_deb822(deb822)), None);
    }

    #[test]
    fn host_sources_order() {
        let dir = std::env::temp_dir().join(format!("tz-guest-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("sources.list.d")).unwrap();
        fs::write(dir.join("sources.list.d/a-security.sources"), &DEB822[DEB822.find("\n\n").unwrap()..]).unwrap();
        fs::write(dir.join("sources.list.d/b.list"), "deb http://b.example/debian sid main\n").unwrap();
        fs::write(dir.join("sources.list.d/c.list.disabled"), "deb http://c.example/debian sid main\n").unwrap();
        assert_eq!(pick_debian_mirror(&host_sources(&dir)).as_deref(), Some("http://b.example/debian"));
        fs::write(dir.join("sources.list"), "deb http://first.example/debian/ trixie main\n").unwrap();
        assert_eq!(pick_debian_mirror(&host_sources(&dir)).as_deref(), Some("http://first.example/debian"));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn kernel_depends() {
        let out = "linux-image-cloud-arm64\n  Depends: linux-image-6.12.107+deb13-cloud-arm64\n";
        assert_eq!(parse_kernel_depends(out).as_deref(), Some("linux-image-6.12.107+deb13-cloud-arm64"));
        assert_eq!(parse_kernel_depends("foo\n  Depends: libc6\n"), None);
    }

    #[test]
    fn print_uris() {
        let out = "'http://deb.debian.org/debian/pool/main/b/busybox/busybox-static_1%3a1.37.0-6+b9_arm64.deb' busybox-static_1%3a1.37.0-6+b9_arm64.deb 847552 SHA256:00\n\
                   'http://deb.debian.org/debian/pool/main/l/libteec2_4.5.0-1_arm64.deb' libteec2_4.5.0-1_arm64.deb 8936 SHA256:11\n";
        assert_eq!(parse_print_uris(out), ["busybox-static_1%3a1.37.0-6+b9_arm64.deb", "libteec2_4.5.0-1_arm64.deb"]);
    }
}
