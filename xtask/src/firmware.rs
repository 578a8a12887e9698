//! Building and packing the firmware image QEMU loads with `-bios`:
//! the monitor at offset 0, then at `linker::TOS_PACKAGE_OFFSET` the trusted
//! OS as an OP-TEE v2 header followed by its image(s).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use goblin::elf::Elf;
use goblin::elf::program_header::PT_LOAD;
use tee_abi::image_header::{self, Header, ImageDesc};

/// The bare-metal target of the monitor and the kernel (no FP/SIMD).
pub const FIRMWARE_TARGET: &str = "aarch64-unknown-none-softfloat";

/// Which trusted OS goes into the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Tee {
    /// Our Rust kernel.
    Ours,
    /// Debian's upstream OP-TEE 4.5 (`optee-os`, vexpress-qemu_armv8a).
    Upstream,
    /// Our kernel built to trust OP-TEE's default TA key (the Debian TA
    /// devkit's), so TAs signed for upstream load on it.
    OursOpteeKey,
}

impl Tee {
    /// Short name used in file names and reports.
    pub fn name(self) -> &'static str {
        match self {
            Tee::Ours => "ours",
            Tee::Upstream => "upstream",
            Tee::OursOpteeKey => "ours-optee-key",
        }
    }

    /// Which trusted OS runs: ours (either key) or upstream.
    pub fn is_ours(self) -> bool {
        self != Tee::Upstream
    }

    /// The guest's `tz.tee=` word: which OS the suite expects.
    pub fn guest_word(self) -> &'static str {
        if self.is_ours() { "ours" } else { "upstream" }
    }
}

/// Builds the monitor and the kernel ELF files (release profile). With
/// `ta_pubkey`, the kernel trusts that PEM public key for TAs instead of the
/// project's development key.
pub fn build_elves(root: &Path, ta_pubkey: Option<&Path>) -> Result<(PathBuf, PathBuf)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    match ta_pubkey {
        Some(key) => cmd.env("TZ_TA_PUBKEY", key),
        None => cmd.env_remove("TZ_TA_PUBKEY"),
    };
    let status = cmd
        .current_dir(root)
        .args(["build", "--release", "--target", FIRMWARE_TARGET, "-p", "monitor", "-p", "kernel"])
        .status()
        .context("running cargo build for the firmware")?;
    ensure!(status.success(), "building monitor and kernel failed");
    let dir = root.join("target").join(FIRMWARE_TARGET).join("release");
    Ok((dir.join("monitor"), dir.join("kernel")))
}

/// Flattens the loadable segments of an ELF into one image: returns the load
/// address of its first byte and the bytes (gaps zero-filled).
pub fn elf_to_flat(bytes: &[u8]) -> Result<(u64, Vec<u8>)> {
    let elf = Elf::parse(bytes).context("parsing ELF")?;
    let loads: Vec<_> = elf.program_headers.iter().filter(|p| p.p_type == PT_LOAD && p.p_filesz > 0).collect();
    ensure!(!loads.is_empty(), "ELF has no loadable segment");
    let base = loads.iter().map(|p| p.p_paddr).min().unwrap();
    let end = loads.iter().map(|p| p.p_paddr + p.p_filesz).max().unwrap();
    let mut flat = vec![0u8; usize::try_from(end - base)?];
    for p in loads {
        let src =
            bytes.get(p.p_offset as usize..(p.p_offset + p.p_filesz) as usize).context("segment outside the file")?;
        let at = (p.p_paddr - base) as usize;
        flat[at..at + src.len()].copy_from_slice(src);
    }
    Ok((base, flat))
}

/// Packs `monitor` (a flat image for flash offset 0) and a trusted-OS package.
pub fn pack(monitor: &[u8], tos_package: &[u8]) -> Result<Vec<u8>> {
    let offset = linker::TOS_PACKAGE_OFFSET as usize;
    ensure!(monitor.len() <= offset, "monitor image ({} bytes) overlaps the trusted-OS package", monitor.len());
    ensure!(tos_package.len() as u64 <= linker::TOS_PACKAGE_MAX, "trusted-OS package too large");
    let mut image = vec![0u8; offset];
    image[..monitor.len()].copy_from_slice(monitor);
    image.extend_from_slice(tos_package);
    Ok(image)
}

/// Wraps a flat kernel image loaded at `load_addr` in an OP-TEE v2 header.
pub fn tos_package_for(load_addr: u64, image: &[u8]) -> Result<Vec<u8>> {
    let header = Header {
        arch: image_header::ARCH_AARCH64,
        pager: ImageDesc { load_addr, image_id: image_header::IMAGE_ID_PAGER, size: u32::try_from(image.len())? },
        paged: None,
    };
    let mut out = vec![0u8; header.encoded_len()];
    header.encode(&mut out).context("encoding the image header")?;
    out.extend_from_slice(image);
    Ok(out)
}

/// Upstream OP-TEE's three files as one package (header, pager, pageable).
pub fn upstream_package(optee_os_dir: &Path) -> Result<Vec<u8>> {
    let read = |name: &str| std::fs::read(optee_os_dir.join(name)).with_context(|| format!("reading {name}"));
    let mut out = read("tee-header_v2.bin")?;
    let header = Header::parse(&out).map_err(|e| anyhow::anyhow!("bad tee-header_v2.bin: {e:?}"))?;
    let pager = read("tee-pager_v2.bin")?;
    let pageable = read("tee-pageable_v2.bin")?;
    if pager.len() != header.pager.size as usize {
        bail!("tee-pager_v2.bin size does not match its header");
    }
    out.truncate(header.encoded_len());
    out.extend_from_slice(&pager);
    out.extend_from_slice(&pageable);
    Ok(out)
}

/// Builds `target/tz/firmware-<tee>.bin` and returns its path. `guest` gives
/// upstream OP-TEE's files and the TA devkit (needed for all but `Ours`).
pub fn build_firmware(root: &Path, tee: Tee, guest: Option<&crate::guest::GuestFiles>) -> Result<PathBuf> {
    let ta_pubkey = match tee {
        Tee::OursOpteeKey => Some(crate::sign::public_key_pem(
            &guest.context("the OP-TEE key needs the TA devkit")?.devkit_dir.join("keys/default.pem"),
            &root.join("target/tz/optee-default-ta-key.pub.pem"),
        )?),
        // `--ta-key`: the kernel trusts that key instead of the development key.
        Tee::Ours => match crate::keys::ours_ta_key() {
            Some(key) => Some(crate::sign::public_key_pem(&key, &crate::keys::ours_pubkey_path(root))?),
            None => None,
        },
        Tee::Upstream => None,
    };
    let (monitor_elf, kernel_elf) = build_elves(root, ta_pubkey.as_deref())?;
    let (monitor_base, monitor) = elf_to_flat(&std::fs::read(&monitor_elf)?)?;
    ensure!(monitor_base == linker::MONITOR_BASE, "monitor linked at {monitor_base:#x}");
    let package = match tee {
        Tee::Ours | Tee::OursOpteeKey => {
            let (base, kernel) = elf_to_flat(&std::fs::read(&kernel_elf)?)?;
            ensure!(base == linker::TOS_BASE, "kernel linked at {base:#x}");
            tos_package_for(base, &kernel)?
        }
        Tee::Upstream => upstream_package(&guest.context("upstream OP-TEE needs the guest packages")?.optee_os_dir)?,
    };
    let image = pack(&monitor, &package)?;
    let out_dir = root.join("target/tz");
    std::fs::create_dir_all(&out_dir)?;
    let own_key = if ta_pubkey.is_some() && tee == Tee::Ours { "-own-key" } else { "" };
    let path = out_dir.join(format!("firmware-{}{own_key}.bin", tee.name()));
    std::fs::write(&path, image)?;
    Ok(path)
}

/// Bytes of the trusted OS image in a packed firmware (`image`, as
/// [`build_firmware`] writes it): the pager plus any pageable part, what
/// the monitor copies into secure memory.
pub fn tos_image_bytes(image: &[u8]) -> Result<u64> {
    let package = image.get(linker::TOS_PACKAGE_OFFSET as usize..).context("firmware shorter than its layout")?;
    let header = Header::parse(package).map_err(|e| anyhow::anyhow!("bad trusted OS header: {e:?}"))?;
    Ok(u64::from(header.pager.size) + header.paged.map_or(0, |p| u64::from(p.size)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_layout() {
        let pkg = tos_package_for(0x0e10_0000, &[1, 2, 3, 4]).unwrap();
        assert_eq!(&pkg[..4], b"OPTE");
        let header = Header::parse(&pkg).unwrap();
        assert_eq!(header.pager.size, 4);
        assert_eq!(&pkg[28..], &[1, 2, 3, 4]);
        let image = pack(&[0xaa; 16], &pkg).unwrap();
        assert_eq!(image.len(), linker::TOS_PACKAGE_OFFSET as usize + pkg.len());
        assert_eq!(&image[linker::TOS_PACKAGE_OFFSET as usize..][..4], b"OPTE");
        assert!(pack(&vec![0; linker::TOS_PACKAGE_OFFSET as usize + 1], &pkg).is_err());
        assert_eq!(tos_image_bytes(&image).unwrap(), 4);
    }
}
