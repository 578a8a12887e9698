//! Building the trusted applications (`tas/`, a workspace of its own built
//! for `aarch64-unknown-none-softfloat` as PIE, see `tas/README.md`),
//! checking each ELF against what upstream's loader (ldelf) accepts, and
//! signing them into `<uuid>.ta` files; and building the guest test programs
//! (`qemu/runner`, static `aarch64-unknown-linux-musl`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail, ensure};
use goblin::elf::Elf;
use goblin::elf::header::{ELFOSABI_NONE, EM_AARCH64, ET_DYN};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_TLS};
use goblin::elf::section_header::{SHF_ALLOC, SHT_DYNSYM, SHT_GNU_HASH, SHT_HASH, SHT_REL, SHT_RELA};

use proto::loading;
use tee_abi::uuid::Uuid;

use crate::sign;

/// The TAs' target: soft-float by choice (S-EL0 may use FP/SIMD; `tas/README.md` says why not).
pub const TA_TARGET: &str = "aarch64-unknown-none-softfloat";
/// The guest programs' target (static, no C toolchain needed).
pub const GUEST_TARGET: &str = "aarch64-unknown-linux-musl";
/// Signed TAs go to `target/tz/ta/<key name>/<uuid>.ta`.
const TA_OUT: &str = "target/tz/ta";
// The loading tests' files (suite test 1002) are hello_world's image under
// the UUIDs of `proto::loading`: BAD_SIGNATURE signed with a key the trusted
// OS does not trust; RESIGNED validly signed (it loads: the signed UUID is
// what counts); FLIPPED_BYTE with one image byte flipped after signing;
// TRUNCATED cut short by `TRUNCATE_BY` bytes; INSTALLED validly signed but
// kept out of the TA directory (the suite installs it into secure storage).
/// The TA whose image the loading tests' files carry.
const DAMAGED_IMAGE_OF: Uuid = proto::hello_world::UUID;
/// How many bytes the truncated file lacks.
const TRUNCATE_BY: usize = 100;

/// `TA_FLAGS_MASK` of OP-TEE 4.4-4.6 (Debian's 4.5): flag bits a TA may set.
const TA_FLAGS_MASK_4_5: u32 = 0x1FFF;
const R_AARCH64_NONE: u32 = 0;
const R_AARCH64_ABS64: u32 = 257;
const R_AARCH64_GLOB_DAT: u32 = 1025;
const R_AARCH64_JUMP_SLOT: u32 = 1026;
const R_AARCH64_RELATIVE: u32 = 1027;
const DT_NEEDED: u64 = 1;
const DT_RELR: u64 = 36;

/// What [`check_ta_elf`] read from a TA's `ta_head`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaHead {
    /// `ta_head.uuid`.
    pub uuid: Uuid,
    pub stack_size: u32,
    pub flags: u32,
}

/// Checks a TA ELF the way upstream ldelf (OP-TEE 4.x, `ldelf/ta_elf.c`,
/// `ta_elf_rel.c`) will, plus what ta-sdk promises (no TLS, no libraries),
/// and returns its `ta_head`.
pub fn check_ta_elf(bytes: &[u8]) -> Result<TaHead> {
    let elf = Elf::parse(bytes).context("parsing ELF")?;
    let h = &elf.header;
    ensure!(elf.is_64 && elf.little_endian, "not a 64-bit little-endian ELF");
    ensure!(h.e_ident[7] == ELFOSABI_NONE, "EI_OSABI is {} (ldelf wants ELFOSABI_NONE)", h.e_ident[7]);
    ensure!(h.e_type == ET_DYN, "e_type {} is not ET_DYN (link with -pie)", h.e_type);
    ensure!(h.e_machine == EM_AARCH64, "e_machine {} is not EM_AARCH64", h.e_machine);
    ensure!(h.e_flags == 0, "e_flags {:#x} (ldelf wants 0)", h.e_flags);
    ensure!(h.e_phentsize == 56 && h.e_shentsize == 64, "unexpected header entry sizes");
    ensure!(h.e_phoff + u64::from(h.e_phnum) * 56 <= 4096, "program headers beyond the first page");

    let loads: Vec<_> = elf.program_headers.iter().filter(|p| p.p_type == PT_LOAD).collect();
    ensure!(!loads.is_empty(), "no PT_LOAD");
    ensure!(loads[0].p_vaddr == 0, "first PT_LOAD at {:#x}, not 0", loads[0].p_vaddr);
    ensure!(loads[0].p_offset >= 4096, "the ELF header is inside the first PT_LOAD (main TAs map it separately)");
    let align = loads[0].p_align;
    ensure!(align >= 4096, "PT_LOAD alignment {align:#x} < 4 KiB");
    let mut prev_end = 0;
    for p in &loads {
        ensure!(p.p_align == align, "PT_LOADs with different alignments");
        ensure!(
            p.p_vaddr % 4096 == p.p_offset % 4096,
            "PT_LOAD at {:#x}: vaddr and offset disagree modulo 4 KiB",
            p.p_vaddr
        );
        ensure!(p.p_vaddr >= prev_end, "PT_LOADs overlap or are out of order");
        ensure!(p.p_flags & PF_R != 0, "PT_LOAD at {:#x} is not readable", p.p_vaddr);
        ensure!(p.p_flags & (PF_W | PF_X) != (PF_W | PF_X), "PT_LOAD at {:#x} is writable and executable", p.p_vaddr);
        ensure!(p.p_filesz <= p.p_memsz, "PT_LOAD filesz > memsz");
        ensure!(p.p_flags & PF_W != 0 || p.p_filesz == p.p_memsz, "read-only PT_LOAD with .bss");
        prev_end = p.p_vaddr + p.p_memsz;
    }
    for p in &elf.program_headers {
        ensure!(p.p_type != PT_INTERP, "PT_INTERP present (link with --no-dynamic-linker)");
        ensure!(p.p_type != PT_TLS, "PT_TLS present: ta-sdk sets up no thread-local storage");
    }
    let entry_ok =
        loads.iter().any(|p| p.p_flags & PF_X != 0 && (p.p_vaddr..p.p_vaddr + p.p_memsz).contains(&h.e_entry));
    ensure!(entry_ok, "e_entry {:#x} is not in an executable segment", h.e_entry);

    let types: Vec<u32> = elf.section_headers.iter().map(|s| s.sh_type).collect();
    ensure!(types.contains(&SHT_DYNSYM), "no .dynsym section");
    ensure!(types.contains(&SHT_HASH) || types.contains(&SHT_GNU_HASH), "no .hash or .gnu.hash section");
    for s in &elf.section_headers {
        ensure!(s.sh_type != SHT_REL, "SHT_REL section (AArch64 TAs use RELA)");
        if s.sh_type == SHT_RELA {
            ensure!(
                s.sh_flags & u64::from(SHF_ALLOC) != 0,
                "non-allocated relocation section (built with --emit-relocs?)"
            );
        }
    }
    if let Some(dynamic) = &elf.dynamic {
        for d in &dynamic.dyns {
            ensure!(d.d_tag != DT_NEEDED, "DT_NEEDED: TA libraries are not supported");
            ensure!(d.d_tag != DT_RELR, "DT_RELR: ldelf has no packed relocations");
        }
    }
    for rel in elf.dynrelas.iter().chain(elf.pltrelocs.iter()) {
        match rel.r_type {
            R_AARCH64_NONE | R_AARCH64_RELATIVE => {}
            R_AARCH64_ABS64 | R_AARCH64_GLOB_DAT | R_AARCH64_JUMP_SLOT => {
                let sym = elf.dynsyms.get(rel.r_sym).context("relocation against a missing symbol")?;
                ensure!(
                    sym.st_shndx != 0,
                    "relocation against undefined symbol {:?}",
                    elf.dynstrtab.get_at(sym.st_name)
                );
            }
            t => bail!("relocation type {t} that ldelf does not apply"),
        }
    }

    let ta_head = elf
        .dynsyms
        .iter()
        .find(|s| elf.dynstrtab.get_at(s.st_name) == Some("ta_head") && s.st_shndx != 0)
        .context("no defined dynamic symbol ta_head (export it: --export-dynamic-symbol=ta_head)")?;
    ensure!(ta_head.st_size == 32, "ta_head is {} bytes, not 32", ta_head.st_size);
    let seg = loads
        .iter()
        .find(|p| p.p_vaddr <= ta_head.st_value && ta_head.st_value + 32 <= p.p_vaddr + p.p_filesz)
        .context("ta_head is not in a loaded segment's file bytes")?;
    let at = usize::try_from(seg.p_offset + ta_head.st_value - seg.p_vaddr)?;
    let raw = bytes.get(at..at + 32).context("ta_head past the end of the file")?;
    let le32 = |o: usize| u32::from_le_bytes(raw[o..o + 4].try_into().unwrap());
    let uuid = Uuid::from_struct_bytes(raw[..16].try_into().unwrap());
    let head = TaHead { uuid, stack_size: le32(16), flags: le32(20) };
    let depr_entry = u64::from_le_bytes(raw[24..32].try_into().unwrap());
    ensure!(depr_entry == u64::MAX, "ta_head.depr_entry {depr_entry:#x}: legacy TA layout");
    ensure!(head.flags & !TA_FLAGS_MASK_4_5 == 0, "ta_head.flags {:#x} outside OP-TEE 4.5's mask", head.flags);
    ensure!(head.stack_size > 0, "ta_head.stack_size is 0");
    Ok(head)
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `cargo build --release` in `dir` with JSON messages; returns the paths of
/// the executables it produced, by target name.
fn cargo_build_executables(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Result<BTreeMap<String, PathBuf>> {
    let mut cmd = Command::new(cargo());
    cmd.current_dir(dir)
        .args(["build", "--release", "--message-format=json-render-diagnostics"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().with_context(|| format!("running cargo build in {}", dir.display()))?;
    ensure!(out.status.success(), "cargo build {} in {} failed", args.join(" "), dir.display());
    let mut exes = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        if let (Some(exe), Some(name)) = (msg["executable"].as_str(), msg["target"]["name"].as_str()) {
            exes.insert(name.to_owned(), PathBuf::from(exe));
        }
    }
    Ok(exes)
}

/// A built TA: its name, UUID (from `ta_head`) and stripped image.
pub struct TaImage {
    pub name: String,
    pub uuid: Uuid,
    pub image: Vec<u8>,
}

/// Builds every TA in `tas/` (release), checks each against ldelf's rules
/// and strips it.
pub fn build_ta_images(root: &Path) -> Result<Vec<TaImage>> {
    let exes = cargo_build_executables(&root.join("tas"), &["--target", TA_TARGET], &[])?;
    ensure!(!exes.is_empty(), "building tas/ produced no executables");
    ta_images(exes)
}

/// Builds only TA `package` of `root`'s `tas/`, into `target_dir` (cargo's
/// `--target-dir`): the `cargo xtask test` case for `new-ta` builds the TA
/// it made in a copy of the repository next to ours.
pub fn build_one_ta_image(root: &Path, package: &str, target_dir: &Path) -> Result<TaImage> {
    let target_dir = target_dir.to_str().context("target directory path")?;
    let exes = cargo_build_executables(
        &root.join("tas"),
        &["--target", TA_TARGET, "-p", package, "--target-dir", target_dir],
        &[],
    )?;
    ta_images(exes)?.pop().with_context(|| format!("building TA {package} produced no executable"))
}

/// Checks and strips built TAs, by name.
fn ta_images(exes: BTreeMap<String, PathBuf>) -> Result<Vec<TaImage>> {
    let mut out: Vec<TaImage> = Vec::new();
    for (name, path) in exes {
        let raw = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let head = check_ta_elf(&raw).with_context(|| format!("TA {name} ({}) would not load", path.display()))?;
        let image = sign::strip_elf(&raw).with_context(|| format!("stripping {name}"))?;
        check_ta_elf(&image).with_context(|| format!("TA {name} after stripping"))?;
        if let Some(other) = out.iter().find(|t| t.uuid == head.uuid) {
            bail!("TAs {} and {name} share UUID {}", other.name, head.uuid);
        }
        out.push(TaImage { name, uuid: head.uuid, image });
    }
    Ok(out)
}

/// Writes `image` signed for `uuid` with `key` to `path`, unless `path`
/// already holds exactly that (verified against the key's public half).
fn sign_to(path: &Path, image: &[u8], uuid: &[u8; 16], key: &rsa::RsaPrivateKey) -> Result<()> {
    sign_version_to(path, image, uuid, 0, key)
}

/// [`sign_to`] with `ta_version` in the bootstrap header.
fn sign_version_to(
    path: &Path,
    image: &[u8],
    uuid: &[u8; 16],
    ta_version: u32,
    key: &rsa::RsaPrivateKey,
) -> Result<()> {
    let public = key.to_public_key();
    let current = std::fs::read(path).ok().is_some_and(|old| {
        sign::verify(&old, &public).is_ok_and(|v| v.uuid == *uuid && v.ta_version == ta_version && v.image == image)
    });
    if !current {
        let signed = sign::sign(image, uuid, ta_version, key, sign::Algo::Pss)?;
        std::fs::create_dir_all(path.parent().context("output directory")?)?;
        std::fs::write(path, signed).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn key_name(key: &Path) -> Result<&str> {
    key.file_stem().and_then(|s| s.to_str()).context("key file name")
}

/// Builds every TA in `tas/` and signs it with `key` (PEM, RSA) into
/// `target/tz/ta/<key file stem>/<uuid>.ta`. Returns (UUID, signed file)
/// pairs sorted by UUID.
pub fn build_tas(root: &Path, key: &Path) -> Result<Vec<(String, PathBuf)>> {
    let private = sign::load_private_key(key)?;
    let out_dir = root.join(TA_OUT).join(key_name(key)?);
    let mut out = BTreeMap::new();
    for ta in build_ta_images(root)? {
        let path = out_dir.join(format!("{}.ta", ta.uuid));
        sign_to(&path, &ta.image, &ta.uuid.to_octets(), &private)?;
        out.insert(ta.uuid.to_string(), path);
    }
    Ok(out.into_iter().collect())
}

/// The `proto::loading::BAD_SIGNATURE` file: the image of `signed` (a `.ta` signed
/// with `key`) signed again, for that UUID, with `untrusted`.
fn bad_signature_ta(root: &Path, signed: &Path, key: &Path, untrusted: &Path) -> Result<PathBuf> {
    let bytes = std::fs::read(signed).with_context(|| format!("reading {}", signed.display()))?;
    let ta = sign::verify(&bytes, &sign::load_private_key(key)?.to_public_key())?;
    let uuid = loading::BAD_SIGNATURE;
    let path = root.join(TA_OUT).join(format!("untrusted-{}", key_name(untrusted)?)).join(format!("{uuid}.ta"));
    sign_to(&path, ta.image, &uuid.to_octets(), &sign::load_private_key(untrusted)?)?;
    Ok(path)
}

/// The damaged copies of hello_world's image (`signed`, a `.ta` signed with
/// `key`), each signed with `key` for its own UUID: `loading::RESIGNED`
/// intact, `loading::FLIPPED_BYTE` with one image byte flipped (after
/// signing), `loading::TRUNCATED` cut short, `loading::INSTALLED` intact.
/// Returns (UUID, file) pairs.
fn damaged_tas(root: &Path, signed: &Path, key: &Path) -> Result<Vec<(Uuid, PathBuf)>> {
    let private = sign::load_private_key(key)?;
    let bytes = std::fs::read(signed).with_context(|| format!("reading {}", signed.display()))?;
    let ta = sign::verify(&bytes, &private.to_public_key())?;
    let image = ta.image.to_vec();
    let dir = root.join(TA_OUT).join(format!("damaged-{}", key_name(key)?));
    let mut out = Vec::new();
    for uuid in [loading::RESIGNED, loading::FLIPPED_BYTE, loading::TRUNCATED, loading::INSTALLED] {
        let path = dir.join(format!("{uuid}.ta"));
        let octets = uuid.to_octets();
        if uuid == loading::RESIGNED || uuid == loading::INSTALLED {
            sign_to(&path, &image, &octets, &private)?;
        } else {
            // Signed intact once (cached, like every signed TA), then damaged
            // deterministically, so that the initramfs does not change from
            // run to run.
            let intact = dir.join(format!("{uuid}.intact"));
            sign_to(&intact, &image, &octets, &private)?;
            let mut file = std::fs::read(&intact).with_context(|| format!("reading {}", intact.display()))?;
            // The image is the tail of the file: flip a byte in its middle,
            // or cut the tail off.
            if uuid == loading::FLIPPED_BYTE {
                let at = file.len() - image.len() / 2;
                file[at] ^= 0x01;
            } else {
                file.truncate(file.len() - TRUNCATE_BY);
            }
            if std::fs::read(&path).ok().as_deref() != Some(&file[..]) {
                std::fs::write(&path, file).with_context(|| format!("writing {}", path.display()))?;
            }
        }
        out.push((uuid, path));
    }
    Ok(out)
}

/// hello_world's image (`signed`, a `.ta` signed with `key`) signed for
/// `loading::ROLLBACK` with its newer and older `ta_version`. Returns
/// (file name, file) pairs, the names `<uuid>.v<version>.ta`.
fn rollback_tas(root: &Path, signed: &Path, key: &Path) -> Result<Vec<(String, PathBuf)>> {
    let private = sign::load_private_key(key)?;
    let bytes = std::fs::read(signed).with_context(|| format!("reading {}", signed.display()))?;
    let ta = sign::verify(&bytes, &private.to_public_key())?;
    let dir = root.join(TA_OUT).join(format!("rollback-{}", key_name(key)?));
    let uuid = loading::ROLLBACK;
    let mut out = Vec::new();
    for version in [loading::ROLLBACK_NEW, loading::ROLLBACK_OLD] {
        let name = format!("{uuid}.v{version}.ta");
        let path = dir.join(&name);
        sign_version_to(&path, ta.image, &uuid.to_octets(), version, &private)?;
        out.push((name, path));
    }
    Ok(out)
}

/// Builds the guest test programs of `qemu/runner` as static musl binaries
/// and returns (name, path) of each. Linked by rust-lld (shipped with
/// rustc) against Rust's self-contained musl: no cross C toolchain.
/// With them, the clients of the TAs made by `cargo xtask new-ta`
/// (`tas/*/client/`, found by [`crate::new_ta::client_packages`]).
pub fn build_guest_programs(root: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut packages = vec!["tz-runner".to_owned()];
    packages.extend(crate::new_ta::client_packages(root)?);
    let exes = build_musl_programs(root, &packages, None)?;
    ensure!(!exes.is_empty(), "building qemu/runner produced no executables");
    Ok(exes.into_iter().collect())
}

/// Builds `packages` of `root`'s workspace as static musl programs (into
/// `target_dir` if given); returns their executables by name.
pub fn build_musl_programs(
    root: &Path,
    packages: &[String],
    target_dir: Option<&Path>,
) -> Result<BTreeMap<String, PathBuf>> {
    let mut args = vec!["--target", GUEST_TARGET];
    for p in packages {
        args.extend(["-p", p.as_str()]);
    }
    let dir = target_dir.map(|d| d.to_str().context("target directory path")).transpose()?;
    if let Some(dir) = dir {
        args.extend(["--target-dir", dir]);
    }
    cargo_build_executables(
        root,
        &args,
        &[
            ("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER", "rust-lld"),
            ("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_RUSTFLAGS", "-C target-feature=+crt-static"),
        ],
    )
}

/// The C TAs of `tas/c/` (built with the dev kit at `devkit`), signed with
/// `key` like the Rust ones. Returns (UUID, signed file) pairs.
fn sign_c_tas(root: &Path, devkit: &Path, key: &Path) -> Result<Vec<(String, PathBuf)>> {
    let private = sign::load_private_key(key)?;
    let out_dir = root.join(TA_OUT).join(key_name(key)?);
    let mut out = Vec::new();
    for ta in crate::cta::build_c_tas(root, devkit)? {
        let image = std::fs::read(&ta.image).with_context(|| format!("reading {}", ta.image.display()))?;
        let path = out_dir.join(format!("{}.ta", ta.uuid));
        let uuid = Uuid::parse(&ta.uuid).with_context(|| format!("C TA {}: UUID {:?}", ta.name, ta.uuid))?;
        sign_to(&path, &image, &uuid.to_octets(), &private).with_context(|| format!("signing C TA {}", ta.name))?;
        out.push((ta.uuid, path));
    }
    Ok(out)
}

/// The initramfs entries for TAs signed with `key` (the key the trusted OS
/// trusts), the C TAs of `tas/c/`, and the guest test programs:
/// `/lib/optee_armtz/<uuid>.ta`, one
/// more `.ta` signed with `untrusted` (`loading::BAD_SIGNATURE`), the damaged
/// copies of [`damaged_tas`] (`loading::INSTALLED` in `loading::INSTALL_DIR`),
/// the two versions of [`rollback_tas`] (in `loading::INSTALL_DIR`),
/// `/usr/bin/<program>` and the `/etc/tz/tests.d` wrappers of
/// `qemu/runner/tests.d`.
pub fn initramfs_extra(root: &Path, devkit: &Path, key: &Path, untrusted: &Path) -> Result<Vec<(String, PathBuf)>> {
    let mut extra = Vec::new();
    let mut tas = build_tas(root, key)?;
    tas.extend(sign_c_tas(root, devkit, key)?);
    let hello_uuid = DAMAGED_IMAGE_OF.to_string();
    let (_, hello) = tas.iter().find(|(uuid, _)| *uuid == hello_uuid).context("no hello_world TA")?;
    let bad = bad_signature_ta(root, hello, key, untrusted)?;
    for (uuid, path) in damaged_tas(root, hello, key)? {
        let dir =
            if uuid == loading::INSTALLED { loading::INSTALL_DIR.trim_start_matches('/') } else { "lib/optee_armtz" };
        extra.push((format!("{dir}/{uuid}.ta"), path));
    }
    for (name, path) in rollback_tas(root, hello, key)? {
        extra.push((format!("{}/{name}", loading::INSTALL_DIR.trim_start_matches('/')), path));
    }
    for (uuid, path) in tas {
        extra.push((format!("lib/optee_armtz/{uuid}.ta"), path));
    }
    extra.push((format!("lib/optee_armtz/{}.ta", loading::BAD_SIGNATURE), bad));
    let clients = crate::new_ta::client_packages(root)?;
    for (name, path) in build_guest_programs(root)? {
        extra.push((format!("usr/bin/{name}"), path));
    }
    let programs: Vec<&str> = clients.iter().map(|p| p.strip_suffix("_client").unwrap_or(p)).collect();
    extra.extend(client_test_wrappers(&root.join("target/tz/clients.d"), &programs)?);
    let tests = root.join("qemu/runner/tests.d");
    let mut entries: Vec<_> =
        std::fs::read_dir(&tests).with_context(|| format!("reading {}", tests.display()))?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        extra.push((format!("etc/tz/tests.d/{name}"), e.path()));
    }
    Ok(extra)
}

/// The `/etc/tz/tests.d` entries that run each new-ta client `programs`
/// in `cargo xtask test` (case `client-<program>`), written into `dir`.
pub fn client_test_wrappers(dir: &Path, programs: &[&str]) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for program in programs {
        let name = format!("70-client-{program}");
        let path = dir.join(&name);
        write_executable(&path, &crate::new_ta::client_test_wrapper(program))?;
        out.push((format!("etc/tz/tests.d/{name}"), path));
    }
    Ok(out)
}

/// Writes `text` to `path` (mode 0755) unless it holds exactly that.
fn write_executable(path: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::create_dir_all(path.parent().context("file directory")?)?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_ta_elves() {
        assert!(check_ta_elf(b"not an elf").is_err());
        // The test binary itself: an x86-64 (or other host) ELF, not a TA.
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let err = check_ta_elf(&me).unwrap_err().to_string();
        assert!(!err.is_empty());
    }
}
