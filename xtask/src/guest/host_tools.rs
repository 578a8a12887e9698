//! Host tools the build and the tests need (QEMU, make, the cross compiler),
//! installed from the host's own apt when missing, never removing a package
//! without saying so.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail, ensure};

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
    install_package(&format!("{binary} not found on PATH"), package)?;
    find_in_path(binary).ok_or_else(|| anyhow!("{binary} still not on PATH after installing {package}"))
}

/// Makes sure the host has `file`, installing `package` like
/// [`ensure_host_tool`] when it is missing (e.g. a cross libc's headers).
pub fn ensure_host_file(file: &Path, package: &str) -> Result<()> {
    if file.exists() {
        return Ok(());
    }
    install_package(&format!("{} is missing", file.display()), package)?;
    ensure!(file.exists(), "{} still missing after installing {package}", file.display());
    Ok(())
}

/// Installs the host's `package` with apt-get because `why`.
fn install_package(why: &str, package: &str) -> Result<()> {
    if !is_root() {
        bail!("{why}; install it with: sudo apt-get install {package}");
    }
    if find_in_path("apt-get").is_none() {
        bail!("{why} and there is no apt-get to install {package} with");
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
    eprintln!("guest: {why}; installing {package}");
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
    Ok(())
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
pub(super) fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Whether the effective uid is 0 (from /proc/self/status, falling back to `id -u`).
pub(super) fn is_root() -> bool {
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
pub(super) fn stderr_stdio() -> Stdio {
    use std::os::fd::AsFd;
    match std::io::stderr().as_fd().try_clone_to_owned() {
        Ok(fd) => Stdio::from(fd),
        Err(_) => Stdio::inherit(),
    }
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
}
