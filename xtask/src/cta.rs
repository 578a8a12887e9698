//! C TAs built with upstream OP-TEE's TA dev kit (Debian's `optee-os-dev`)
//! and GCC for aarch64, as anyone outside this project builds TAs: each
//! directory `tas/c/<name>/` holds a dev-kit `Makefile` (`BINARY = <uuid>`),
//! `sub.mk` and sources. xtask installs the cross compiler from the host's
//! apt sources (`gcc-aarch64-linux-gnu`) like QEMU, builds the stripped ELF
//! with the dev kit's own make rules, and signs it itself (so the host needs
//! no Python crypto module for the dev kit's `sign_encrypt.py`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};

/// The cross compiler the dev kit's `CROSS_COMPILE=aarch64-linux-gnu-` names.
const CROSS_GCC: &str = "aarch64-linux-gnu-gcc";
const CROSS_PACKAGE: &str = "gcc-aarch64-linux-gnu";

/// A built C TA: its directory name, UUID and stripped image.
pub struct CTa {
    pub name: String,
    pub uuid: String,
    pub image: PathBuf,
}

/// The UUID a dev-kit Makefile names in `BINARY = <uuid>`.
pub fn makefile_binary(makefile: &str) -> Option<String> {
    makefile.lines().find_map(|l| {
        let (key, value) = l.split_once('=')?;
        (key.trim() == "BINARY").then(|| value.trim().to_string())
    })
}

/// Builds every C TA under `tas/c/` against the dev kit at `devkit`.
pub fn build_c_tas(root: &Path, devkit: &Path) -> Result<Vec<CTa>> {
    let dir = root.join("tas/c");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .filter(|e| e.path().join("Makefile").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    crate::guest::ensure_host_tool(CROSS_GCC, CROSS_PACKAGE)?;
    crate::guest::ensure_host_tool("make", "make")?;
    let mut out = Vec::new();
    for name in names {
        let src = dir.join(&name);
        let makefile = std::fs::read_to_string(src.join("Makefile"))?;
        let uuid = makefile_binary(&makefile).with_context(|| format!("{}: no `BINARY = <uuid>`", src.display()))?;
        let build = root.join("target/tz/cta").join(&name);
        let image = build.join(format!("{uuid}.stripped.elf"));
        let status = Command::new("make")
            .current_dir(&src)
            .arg("-s")
            .arg("CROSS_COMPILE=aarch64-linux-gnu-")
            .arg(format!("TA_DEV_KIT_DIR={}", devkit.display()))
            .arg(format!("O={}", build.display()))
            .arg(&image)
            .status()
            .with_context(|| format!("running make for {}", src.display()))?;
        ensure!(status.success(), "building the C TA {name} with the TA dev kit failed ({status})");
        out.push(CTa { name, uuid, image });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_binary_from_the_makefile() {
        assert_eq!(makefile_binary("# x\nBINARY = 1234-ab\ninclude a.mk\n").as_deref(), Some("1234-ab"));
        assert_eq!(makefile_binary("BINARY=x").as_deref(), Some("x"));
        assert_eq!(makefile_binary("include a.mk\n"), None);
    }

    #[test]
    fn every_c_ta_names_its_uuid() {
        let dir = crate::root().join("tas/c");
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read_to_string(e.path().join("Makefile")).unwrap();
            let uuid = makefile_binary(&text).unwrap();
            assert!(tee_abi::uuid::Uuid::parse(&uuid).is_ok(), "{uuid}");
        }
    }
}
