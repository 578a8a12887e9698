//! The pinned toolchain's targets and components, brought in before anything
//! is built. rustup installs what `rust-toolchain.toml` lists only when it
//! installs the toolchain itself; a machine that already has the toolchain (or
//! runs with `RUSTUP_AUTO_INSTALL=0`) fails later with "can't find crate for
//! `core`". So xtask reads the file and asks rustup for what is missing.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// What `rust-toolchain.toml` asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pinned {
    pub channel: String,
    pub targets: Vec<String>,
    pub components: Vec<String>,
}

/// Reads the `[toolchain]` table's `channel`, `targets` and `components`
/// (single-line string arrays, the form this repository uses).
pub fn parse_toolchain_file(text: &str) -> Result<Pinned> {
    let mut pinned = Pinned::default();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some((key, value)) = line.split_once('=') else { continue };
        let value = value.trim();
        match key.trim() {
            "channel" => pinned.channel = value.trim_matches('"').to_string(),
            "targets" => pinned.targets = string_array(value)?,
            "components" => pinned.components = string_array(value)?,
            _ => {}
        }
    }
    if pinned.channel.is_empty() {
        bail!("rust-toolchain.toml names no channel");
    }
    Ok(pinned)
}

fn string_array(value: &str) -> Result<Vec<String>> {
    let inner = value
        .strip_prefix('[')
        .and_then(|v| v.strip_suffix(']'))
        .with_context(|| format!("expected a one-line array, got `{value}`"))?;
    Ok(inner.split(',').map(|s| s.trim().trim_matches('"').to_string()).filter(|s| !s.is_empty()).collect())
}

/// The names in `installed` (rustup's `--installed` listing) missing from it,
/// in the order `wanted` gives them. A component is listed with its host
/// triple (`clippy-x86_64-unknown-linux-gnu`), a target bare.
pub fn missing<'a>(wanted: &'a [String], installed: &str, component: bool) -> Vec<&'a str> {
    wanted
        .iter()
        .filter(|w| {
            !installed.lines().map(str::trim).any(|have| {
                have == w.as_str()
                    || (component && have.strip_prefix(w.as_str()).is_some_and(|rest| rest.starts_with('-')))
            })
        })
        .map(String::as_str)
        .collect()
}

/// Adds the pinned toolchain's missing targets and components with rustup,
/// saying what it does. Without rustup it checks nothing (a toolchain
/// installed another way must bring its own targets).
pub fn ensure(root: &Path) -> Result<()> {
    let file = root.join("rust-toolchain.toml");
    let pinned =
        parse_toolchain_file(&std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?)?;
    let list = |what: &str| -> Result<Option<String>> {
        let out =
            match Command::new("rustup").args([what, "list", "--installed", "--toolchain", &pinned.channel]).output() {
                Ok(out) => out,
                Err(_) => return Ok(None), // no rustup on PATH
            };
        if !out.status.success() {
            bail!(
                "rustup {what} list --toolchain {} failed: {}",
                pinned.channel,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
    };
    for (what, wanted, component) in [("target", &pinned.targets, false), ("component", &pinned.components, true)] {
        let Some(installed) = list(what)? else { return Ok(()) };
        let absent = missing(wanted, &installed, component);
        if absent.is_empty() {
            continue;
        }
        eprintln!(
            "xtask: rust-toolchain.toml needs {what}(s) {} for toolchain {}; installing: rustup {what} add --toolchain {} {}",
            absent.join(" "),
            pinned.channel,
            pinned.channel,
            absent.join(" ")
        );
        let status = Command::new("rustup")
            .args([what, "add", "--toolchain", &pinned.channel])
            .args(&absent)
            .status()
            .context("running rustup")?;
        if !status.success() {
            bail!(
                "`rustup {what} add --toolchain {} {}` failed ({status}); run it by hand and try again",
                pinned.channel,
                absent.join(" ")
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_repositorys_toolchain_file() {
        let text = std::fs::read_to_string(crate::root().join("rust-toolchain.toml")).unwrap();
        let pinned = parse_toolchain_file(&text).unwrap();
        assert!(!pinned.channel.is_empty());
        assert!(pinned.targets.iter().any(|t| t == "aarch64-unknown-none-softfloat"));
        assert!(pinned.targets.iter().any(|t| t == "aarch64-unknown-linux-musl"));
        assert!(pinned.components.iter().any(|c| c == "clippy"));
    }

    #[test]
    fn finds_missing_targets_and_components() {
        let wanted = vec!["aarch64-unknown-none-softfloat".to_string(), "aarch64-unknown-linux-musl".to_string()];
        assert_eq!(
            missing(&wanted, "x86_64-unknown-linux-gnu\naarch64-unknown-linux-musl\n", false),
            vec!["aarch64-unknown-none-softfloat"]
        );
        let comps = vec!["rustfmt".to_string(), "clippy".to_string()];
        assert_eq!(
            missing(&comps, "cargo-x86_64-unknown-linux-gnu\nrustfmt-x86_64-unknown-linux-gnu\n", true),
            vec!["clippy"]
        );
        assert!(
            missing(&comps, "clippy-x86_64-unknown-linux-gnu\nrustfmt-x86_64-unknown-linux-gnu\n", true).is_empty()
        );
    }
}
