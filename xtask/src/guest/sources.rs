//! The host's apt sources (deb822 and one-line lists): which Debian mirror
//! the guest packages come from.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};

use super::{MIRROR_ENV, SUITE};

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
pub(super) fn debian_mirror() -> Result<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
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
}
