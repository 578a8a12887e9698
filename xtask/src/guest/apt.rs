//! apt-get and apt-cache confined to a private state under the cache
//! directory: arm64, the guest's Debian suite, the host's mirror.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result, bail};

use super::host_tools::{find_in_path, is_root, stderr_stdio};
use super::{SUITE, write_if_changed};

/// Signing keys for the Debian archive (package `debian-archive-keyring`).
const KEYRING: &str = "/usr/share/keyrings/debian-archive-keyring.gpg";
/// Package lists older than this are refreshed (only when something must be downloaded).
const LISTS_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// apt-get / apt-cache confined to `<cache>/apt`, for arm64 and the trixie archive only.
pub(super) struct Apt {
    pub(super) dir: PathBuf,
    sources_list: PathBuf,
    opts: Vec<String>,
}

impl Apt {
    pub(super) fn new(cache: &Path, mirror: &str) -> Result<Apt> {
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

    pub(super) fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(&self.opts).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    }

    /// Runs apt-get with its progress on our stderr.
    pub(super) fn run_get(&self, args: &[&str], dir: &Path) -> Result<()> {
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
    pub(super) fn output(&self, program: &str, args: &[&str], dir: &Path) -> Result<String> {
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
    pub(super) fn update_if_stale(&self) -> Result<()> {
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
pub(super) fn parse_kernel_depends(output: &str) -> Option<String> {
    output.lines().find_map(|line| {
        let dep = line.trim().trim_start_matches('|').strip_prefix("Depends:")?.trim();
        let dep = dep.trim_start_matches('<').trim_end_matches('>');
        dep.starts_with("linux-image-").then(|| dep.to_owned())
    })
}

/// The .deb file names of `apt-get download --print-uris` output
/// (`'URI' file_name size hash` lines).
pub(super) fn parse_print_uris(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| l.starts_with('\''))
        .filter_map(|l| l.split_whitespace().nth(1))
        .filter(|f| f.ends_with(".deb") && !f.contains('/'))
        .map(str::to_owned)
        .collect()
}

/// The size in bytes `apt-get download --print-uris` gives `file` (the
/// third word of its line), 0 when not listed.
pub(super) fn print_uris_size(output: &str, file: &str) -> u64 {
    output
        .lines()
        .filter(|l| l.starts_with('\''))
        .find_map(|l| {
            let mut w = l.split_whitespace().skip(1);
            (w.next() == Some(file)).then(|| w.next()?.parse().ok()).flatten()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(print_uris_size(out, "libteec2_4.5.0-1_arm64.deb"), 8936);
        assert_eq!(print_uris_size(out, "libteec2"), 0);
    }
}
