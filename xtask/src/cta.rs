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

/// A built C TA or TA shared library: its directory name, UUID and
/// stripped image.
pub struct CTa {
    pub name: String,
    pub uuid: String,
    pub image: PathBuf,
}

/// The value a dev-kit Makefile gives `name` (`NAME = value`).
fn makefile_var(makefile: &str, name: &str) -> Option<String> {
    makefile.lines().find_map(|l| {
        let (key, value) = l.split_once('=')?;
        (key.trim() == name).then(|| value.trim().to_string())
    })
}

/// The UUID a dev-kit Makefile names in `BINARY = <uuid>`.
pub fn makefile_binary(makefile: &str) -> Option<String> {
    makefile_var(makefile, "BINARY")
}

/// What a dev-kit Makefile builds: a TA (`BINARY`) or a TA shared library
/// (`SHLIBNAME` + `SHLIBUUID`, signed and loaded by UUID like a TA). Returns
/// the UUID and the make target (the stripped image) under `out`.
pub fn makefile_product(makefile: &str, out: &Path) -> Option<(String, PathBuf)> {
    if let Some(uuid) = makefile_binary(makefile) {
        let image = out.join(format!("{uuid}.stripped.elf"));
        return Some((uuid, image));
    }
    let name = makefile_var(makefile, "SHLIBNAME")?;
    let uuid = makefile_var(makefile, "SHLIBUUID")?;
    Some((uuid, out.join(format!("{name}.stripped.so"))))
}

/// Builds every C TA and TA shared library under `tas/c/` against the dev
/// kit at `devkit`, the libraries first (TAs link against them from
/// `target/tz/cta/<library dir>`).
pub fn build_c_tas(root: &Path, devkit: &Path) -> Result<Vec<CTa>> {
    let dir = root.join("tas/c");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .filter(|e| e.path().join("Makefile").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let is_library = |name: &String| {
        std::fs::read_to_string(dir.join(name).join("Makefile")).is_ok_and(|m| makefile_binary(&m).is_none())
    };
    names.sort_by_key(|n| (!is_library(n), n.clone()));
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for name in names {
        out.push(build_c_ta_dir(&dir.join(&name), &root.join("target/tz/cta").join(&name), devkit)?);
    }
    Ok(out)
}

/// Builds the dev-kit TA (or TA library) in `src` into `build` (`O=`):
/// `make CROSS_COMPILE=aarch64-linux-gnu- TA_DEV_KIT_DIR=<devkit> O=<build>
/// <build>/<uuid>.stripped.elf`; the unstripped `<uuid>.elf` stays beside it.
pub fn build_c_ta_dir(src: &Path, build: &Path, devkit: &Path) -> Result<CTa> {
    crate::guest::ensure_host_tool(CROSS_GCC, CROSS_PACKAGE)?;
    crate::guest::ensure_host_tool("make", "make")?;
    let name = src.file_name().context("TA directory name")?.to_string_lossy().into_owned();
    let makefile = std::fs::read_to_string(src.join("Makefile"))
        .with_context(|| format!("reading {}", src.join("Makefile").display()))?;
    let (uuid, image) = makefile_product(&makefile, build)
        .with_context(|| format!("{}: no `BINARY = <uuid>` nor SHLIBNAME + SHLIBUUID", src.display()))?;
    let status = Command::new("make")
        .current_dir(src)
        .arg("-s")
        .arg("CROSS_COMPILE=aarch64-linux-gnu-")
        .arg(format!("TA_DEV_KIT_DIR={}", devkit.display()))
        .arg(format!("O={}", build.display()))
        .arg(&image)
        .status()
        .with_context(|| format!("running make for {}", src.display()))?;
    ensure!(
        status.success(),
        "building the C TA {name} with the TA dev kit failed ({status}); rerun: make -C {} CROSS_COMPILE=aarch64-linux-gnu- TA_DEV_KIT_DIR={} O={}",
        src.display(),
        devkit.display(),
        build.display()
    );
    Ok(CTa { name, uuid, image })
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
    fn reads_shared_libraries_from_the_makefile() {
        let (uuid, image) = makefile_product("SHLIBNAME = libx\nSHLIBUUID = 12-34\n", Path::new("/o")).unwrap();
        assert_eq!((uuid.as_str(), image), ("12-34", PathBuf::from("/o/libx.stripped.so")));
        let (uuid, image) = makefile_product("BINARY = ab\n", Path::new("/o")).unwrap();
        assert_eq!((uuid.as_str(), image), ("ab", PathBuf::from("/o/ab.stripped.elf")));
        assert_eq!(makefile_product("SHLIBNAME = libx\n", Path::new("/o")), None);
    }

    #[test]
    fn every_c_ta_names_its_uuid() {
        let dir = crate::root().join("tas/c");
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read_to_string(e.path().join("Makefile")).unwrap();
            let (uuid, _) = makefile_product(&text, Path::new("/o")).unwrap();
            assert!(tee_abi::uuid::Uuid::parse(&uuid).is_ok(), "{uuid}");
        }
    }
}
