//! Signing TAs in upstream OP-TEE's format (optee_os 4.5.0 `core/include/signed_hdr.h`), as
//! `scripts/sign_encrypt.py sign-enc` does for a plain (not encrypted) TA:
//!
//! ```text
//! struct shdr (20)  magic "HSTO", img_type 1 (BOOTSTRAP_TA), img_size, algo, hash_size, sig_size
//! hash              SHA-256(shdr ‖ uuid octets ‖ ta_version LE ‖ image)
//! signature         RSA over the hash (PSS/MGF1-SHA256 with a 32-byte salt, or PKCS#1 v1.5)
//! shdr_bootstrap_ta uuid octets (16) ‖ ta_version u32 LE
//! image             the stripped TA ELF
//! ```
//!
//! Also here: the ELF stripper (`objcopy --strip-unneeded` for what a TA
//! needs: every allocated section stays, with its header; symbols, strings
//! and comments go) and `cargo xtask sign-ta`.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail, ensure};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use tee_abi::uuid::Uuid;

pub use tee_abi::shdr::{
    SHDR_BOOTSTRAP_TA, SHDR_MAGIC, SHDR_SIZE, Shdr, TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 as ALG_RSA_PSS_SHA256,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA256 as ALG_RSA_PKCS1V15_SHA256,
};
/// `sizeof(struct shdr_bootstrap_ta)`.
pub const BOOTSTRAP_SIZE: usize = 20;
const HASH_SIZE: usize = 32;

/// The signature scheme of a signed TA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Algo {
    /// RSASSA-PSS, MGF1-SHA256, salt length 32 (upstream's default).
    Pss,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Pkcs1v15,
}

impl Algo {
    fn value(self) -> u32 {
        match self {
            Algo::Pss => ALG_RSA_PSS_SHA256,
            Algo::Pkcs1v15 => ALG_RSA_PKCS1V15_SHA256,
        }
    }

    fn from_value(v: u32) -> Option<Algo> {
        match v {
            ALG_RSA_PSS_SHA256 => Some(Algo::Pss),
            ALG_RSA_PKCS1V15_SHA256 => Some(Algo::Pkcs1v15),
            _ => None,
        }
    }
}

/// Reads an RSA private key from PEM: PKCS#1 (`RSA PRIVATE KEY`, like
/// OP-TEE's `keys/default.pem`) or PKCS#8 (`PRIVATE KEY`).
pub fn load_private_key(path: &Path) -> Result<RsaPrivateKey> {
    let pem = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let key = if pem.contains("-----BEGIN RSA PRIVATE KEY-----") {
        RsaPrivateKey::from_pkcs1_pem(&pem).map_err(|e| anyhow!("{}: bad PKCS#1 key: {e}", path.display()))?
    } else if pem.contains("-----BEGIN PRIVATE KEY-----") {
        RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| anyhow!("{}: bad PKCS#8 key: {e}", path.display()))?
    } else {
        bail!("{}: no RSA PRIVATE KEY or PRIVATE KEY PEM block", path.display());
    };
    ensure!(key.size() * 8 >= 2048, "{}: OP-TEE refuses RSA keys under 2048 bits", path.display());
    Ok(key)
}

fn digest(shdr: &[u8; SHDR_SIZE], uuid: &[u8; 16], ta_version: u32, image: &[u8]) -> [u8; HASH_SIZE] {
    let mut h = Sha256::new();
    h.update(shdr);
    h.update(uuid);
    h.update(ta_version.to_le_bytes());
    h.update(image);
    h.finalize().into()
}

/// Builds a signed `.ta` file from a (stripped) ELF image.
pub fn sign(image: &[u8], uuid: &[u8; 16], ta_version: u32, key: &RsaPrivateKey, algo: Algo) -> Result<Vec<u8>> {
    let sig_size = key.size();
    let shdr = Shdr {
        magic: SHDR_MAGIC,
        img_type: SHDR_BOOTSTRAP_TA,
        img_size: u32::try_from(image.len()).context("TA image over 4 GiB")?,
        algo: algo.value(),
        hash_size: HASH_SIZE as u16,
        sig_size: u16::try_from(sig_size).context("RSA key too large")?,
    };
    let shdr_bytes = shdr.to_bytes();
    let hash = digest(&shdr_bytes, uuid, ta_version, image);
    let mut rng = rand::rngs::OsRng;
    let sig = match algo {
        Algo::Pss => key.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha256>(HASH_SIZE), &hash),
        Algo::Pkcs1v15 => key.sign(Pkcs1v15Sign::new::<Sha256>(), &hash),
    }
    .map_err(|e| anyhow!("RSA signing failed: {e}"))?;
    ensure!(sig.len() == sig_size, "signature is {} bytes, modulus {sig_size}", sig.len());
    let mut out = Vec::with_capacity(SHDR_SIZE + HASH_SIZE + sig_size + BOOTSTRAP_SIZE + image.len());
    out.extend_from_slice(&shdr_bytes);
    out.extend_from_slice(&hash);
    out.extend_from_slice(&sig);
    out.extend_from_slice(uuid);
    out.extend_from_slice(&ta_version.to_le_bytes());
    out.extend_from_slice(image);
    Ok(out)
}

/// A signed TA, taken apart and checked.
#[derive(Debug)]
pub struct Verified<'a> {
    pub uuid: [u8; 16],
    pub ta_version: u32,
    pub algo: Algo,
    pub image: &'a [u8],
}

/// Checks a `.ta` file the way OP-TEE's REE-FS TA store does: header, exact
/// size, hash, signature against `key`.
pub fn verify<'a>(ta: &'a [u8], key: &RsaPublicKey) -> Result<Verified<'a>> {
    let shdr = Shdr::parse(ta).context("shorter than struct shdr")?;
    ensure!(shdr.magic == SHDR_MAGIC, "bad magic {:#x}", shdr.magic);
    ensure!(shdr.img_type == SHDR_BOOTSTRAP_TA, "img_type {} is not BOOTSTRAP_TA", shdr.img_type);
    let algo = Algo::from_value(shdr.algo).ok_or_else(|| anyhow!("unsupported algo {:#x}", shdr.algo))?;
    ensure!(shdr.hash_size as usize == HASH_SIZE, "hash_size {}", shdr.hash_size);
    ensure!(shdr.sig_size as usize == key.size(), "sig_size {} for a {}-byte modulus", shdr.sig_size, key.size());
    let hash_at = SHDR_SIZE;
    let sig_at = hash_at + HASH_SIZE;
    let boot_at = sig_at + shdr.sig_size as usize;
    let image_at = boot_at + BOOTSTRAP_SIZE;
    ensure!(
        ta.len() == image_at + shdr.img_size as usize,
        "file is {} bytes, header says {}",
        ta.len(),
        image_at + shdr.img_size as usize
    );
    let uuid: [u8; 16] = ta[boot_at..boot_at + 16].try_into().unwrap();
    let ta_version = u32::from_le_bytes(ta[boot_at + 16..image_at].try_into().unwrap());
    let image = &ta[image_at..];
    let hash = digest(ta[..SHDR_SIZE].try_into().unwrap(), &uuid, ta_version, image);
    ensure!(hash[..] == ta[hash_at..sig_at], "hash mismatch");
    let sig = &ta[sig_at..boot_at];
    match algo {
        Algo::Pss => key.verify(Pss::new_with_salt::<Sha256>(HASH_SIZE), &hash, sig),
        Algo::Pkcs1v15 => key.verify(Pkcs1v15Sign::new::<Sha256>(), &hash, sig),
    }
    .map_err(|e| anyhow!("bad signature: {e}"))?;
    Ok(Verified { uuid, ta_version, algo, image })
}

// ---------------------------------------------------------------------------------------
// Stripping

const SHF_ALLOC: u64 = 0x2;
const SHF_INFO_LINK: u64 = 0x40;
const SHT_STRTAB: u32 = 3;
const SHT_RELA: u32 = 4;
const SHT_NOBITS: u32 = 8;
const SHT_REL: u32 = 9;
const EHDR_SIZE: usize = 64;
const SHDR64_SIZE: usize = 64;

#[derive(Clone, Copy, Debug)]
struct Sh {
    name: u32,
    ty: u32,
    flags: u64,
    addr: u64,
    offset: u64,
    size: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

impl Sh {
    fn parse(b: &[u8]) -> Sh {
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        Sh {
            name: u32_at(0),
            ty: u32_at(4),
            flags: u64_at(8),
            addr: u64_at(16),
            offset: u64_at(24),
            size: u64_at(32),
            link: u32_at(40),
            info: u32_at(44),
            align: u64_at(48),
            entsize: u64_at(56),
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.name.to_le_bytes());
        out.extend_from_slice(&self.ty.to_le_bytes());
        out.extend_from_slice(&self.flags.to_le_bytes());
        out.extend_from_slice(&self.addr.to_le_bytes());
        out.extend_from_slice(&self.offset.to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
        out.extend_from_slice(&self.link.to_le_bytes());
        out.extend_from_slice(&self.info.to_le_bytes());
        out.extend_from_slice(&self.align.to_le_bytes());
        out.extend_from_slice(&self.entsize.to_le_bytes());
    }
}

/// Strips a 64-bit little-endian ELF for signing: keeps the bytes every
/// program header and allocated section covers, drops the non-allocated
/// sections (`.symtab`, `.strtab`, `.comment`, debug info), and writes a
/// fresh `.shstrtab` and section header table at the end. Section indices
/// in `sh_link` (and in `sh_info` of relocation sections) are renumbered.
/// Stripping a stripped file changes nothing.
pub fn strip_elf(elf: &[u8]) -> Result<Vec<u8>> {
    ensure!(elf.len() >= EHDR_SIZE && elf.starts_with(b"\x7fELF"), "not an ELF file");
    ensure!(elf[4] == 2 && elf[5] == 1, "not a 64-bit little-endian ELF");
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap());
    let phoff = u64_at(32) as usize;
    let shoff = u64_at(40) as usize;
    let phentsize = u16_at(54) as usize;
    let phnum = u16_at(56) as usize;
    let shentsize = u16_at(58) as usize;
    let shnum = u16_at(60) as usize;
    let shstrndx = u16_at(62) as usize;
    ensure!(shentsize == SHDR64_SIZE && phentsize == 56, "unexpected header entry sizes");
    ensure!(shnum > 0 && shstrndx < shnum, "no section headers (or extended numbering)");
    let shdrs_end = shoff.checked_add(shnum * SHDR64_SIZE).context("section headers overflow")?;
    ensure!(shdrs_end <= elf.len(), "section headers past the end of the file");
    ensure!(phoff + phnum * phentsize <= elf.len(), "program headers past the end of the file");

    let sections: Vec<Sh> = (0..shnum).map(|i| Sh::parse(&elf[shoff + i * SHDR64_SIZE..])).collect();
    let strtab = sections[shstrndx];
    let names = elf
        .get(strtab.offset as usize..(strtab.offset + strtab.size) as usize)
        .context(".shstrtab past the end of the file")?;
    let name_of = |sh: &Sh| -> Result<&[u8]> {
        let rest = names.get(sh.name as usize..).context("section name out of range")?;
        Ok(&rest[..rest.iter().position(|&b| b == 0).unwrap_or(rest.len())])
    };

    // Bytes that must stay: every segment's file bytes and every kept section's.
    let mut keep_end = EHDR_SIZE.max(phoff + phnum * phentsize);
    for i in 0..phnum {
        let p = &elf[phoff + i * phentsize..];
        let offset = u64::from_le_bytes(p[8..16].try_into().unwrap());
        let filesz = u64::from_le_bytes(p[32..40].try_into().unwrap());
        keep_end = keep_end.max(usize::try_from(offset + filesz)?);
    }
    let mut old_to_new = vec![0u32; shnum];
    let mut kept: Vec<(usize, Sh)> = vec![(0, sections[0])];
    for (i, sh) in sections.iter().enumerate().skip(1) {
        if sh.flags & SHF_ALLOC != 0 {
            old_to_new[i] = kept.len() as u32;
            kept.push((i, *sh));
            if sh.ty != SHT_NOBITS {
                keep_end = keep_end.max(usize::try_from(sh.offset + sh.size)?);
            }
        }
    }
    ensure!(keep_end <= elf.len(), "sections or segments past the end of the file");

    let mut out = elf[..keep_end].to_vec();
    let mut shstrtab = vec![0u8];
    let mut new_headers = Vec::with_capacity(kept.len() + 1);
    for (old, sh) in &kept {
        let mut sh = *sh;
        if *old != 0 {
            let name = name_of(&sections[*old])?;
            sh.name = shstrtab.len() as u32;
            shstrtab.extend_from_slice(name);
            shstrtab.push(0);
            let remap = |idx: u32| old_to_new.get(idx as usize).copied().unwrap_or(0);
            sh.link = remap(sh.link);
            if sh.ty == SHT_REL || sh.ty == SHT_RELA || sh.flags & SHF_INFO_LINK != 0 {
                sh.info = remap(sh.info);
            }
        }
        new_headers.push(sh);
    }
    let shstrtab_name = shstrtab.len() as u32;
    shstrtab.extend_from_slice(b".shstrtab\0");
    let shstrtab_off = out.len();
    out.extend_from_slice(&shstrtab);
    new_headers.push(Sh {
        name: shstrtab_name,
        ty: SHT_STRTAB,
        flags: 0,
        addr: 0,
        offset: shstrtab_off as u64,
        size: shstrtab.len() as u64,
        link: 0,
        info: 0,
        align: 1,
        entsize: 0,
    });
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    let new_shoff = out.len();
    for sh in &new_headers {
        sh.write(&mut out);
    }
    out[40..48].copy_from_slice(&(new_shoff as u64).to_le_bytes());
    out[60..62].copy_from_slice(&(new_headers.len() as u16).to_le_bytes());
    out[62..64].copy_from_slice(&((new_headers.len() - 1) as u16).to_le_bytes());
    Ok(out)
}

/// `cargo xtask sign-ta`: strip `elf`, sign it for `uuid` with `key`, write `out`.
pub fn sign_ta_command(
    elf: &Path,
    uuid: Option<&str>,
    key: &Path,
    out: &Path,
    ta_version: u32,
    algo: Algo,
) -> Result<()> {
    let key = load_private_key(key)?;
    let raw = std::fs::read(elf).with_context(|| format!("reading {}", elf.display()))?;
    let image = strip_elf(&raw).with_context(|| format!("stripping {}", elf.display()))?;
    let uuid = signing_uuid(&raw, uuid).with_context(|| format!("{}: the TA's UUID", elf.display()))?.to_octets();
    let signed = sign(&image, &uuid, ta_version, &key, algo)?;
    let v = verify(&signed, &key.to_public_key()).context("verifying what was just signed")?;
    std::fs::write(out, &signed).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "sign-ta: {} ({} bytes, {} stripped) -> {} ({} bytes; uuid {}, ta_version {}, {:?}, {}-bit key)",
        elf.display(),
        raw.len(),
        image.len(),
        out.display(),
        signed.len(),
        Uuid::from_octets(v.uuid),
        v.ta_version,
        v.algo,
        key.size() * 8
    );
    Ok(())
}

/// The `ta_head.uuid` of a TA ELF (ours or a dev-kit C TA): the start of
/// its `.ta_head` section. `None` if it has no section of that name.
pub fn ta_head_uuid(elf: &[u8]) -> Result<Option<Uuid>> {
    let parsed = goblin::elf::Elf::parse(elf).context("parsing the ELF")?;
    let Some(section) =
        parsed.section_headers.iter().find(|s| parsed.shdr_strtab.get_at(s.sh_name) == Some(".ta_head"))
    else {
        return Ok(None);
    };
    ensure!(section.sh_size >= 32, ".ta_head is {} bytes, not 32", section.sh_size);
    let at = usize::try_from(section.sh_offset)?;
    let raw: [u8; 16] = elf.get(at..at + 16).context(".ta_head past the end of the file")?.try_into()?;
    Ok(Some(Uuid::from_struct_bytes(raw)))
}

/// The UUID `sign-ta` signs for: `--uuid` if given (it must equal the
/// ELF's `ta_head` UUID when the ELF has one), else the ELF's.
pub fn signing_uuid(elf: &[u8], given: Option<&str>) -> Result<Uuid> {
    let found = ta_head_uuid(elf)?;
    match (given, found) {
        (None, Some(uuid)) => Ok(uuid),
        (None, None) => bail!("no .ta_head section to read the UUID from: pass --uuid"),
        (Some(given), found) => {
            let given = Uuid::parse(given).with_context(|| format!("--uuid {given:?}"))?;
            if let Some(found) = found {
                ensure!(given == found, "--uuid {given} differs from the ELF's ta_head UUID {found}");
            }
            Ok(given)
        }
    }
}

/// Writes the public half of the RSA private key `private_pem` to `out` (SPKI
/// PEM) and returns `out`: how the kernel is built to trust a signing key.
pub fn public_key_pem(private_pem: &Path, out: &Path) -> Result<std::path::PathBuf> {
    use rsa::pkcs8::{EncodePublicKey, LineEnding};
    let key = load_private_key(private_pem)?;
    let pem = rsa::RsaPublicKey::from(&key).to_public_key_pem(LineEnding::LF).context("encoding the public key")?;
    if std::fs::read_to_string(out).ok().as_deref() != Some(pem.as_str()) {
        if let Some(dir) = out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(out, pem)?;
    }
    Ok(out.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    /// The project's development key (generating a key takes seconds in a debug build).
    fn test_key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| {
            load_private_key(&Path::new(env!("CARGO_MANIFEST_DIR")).join("keys/dev_ta_key.pem")).unwrap()
        })
    }

    const HELLO: &str = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";

    #[test]
    fn shdr_layout() {
        let shdr = Shdr {
            magic: SHDR_MAGIC,
            img_type: 1,
            img_size: 0x1234,
            algo: ALG_RSA_PSS_SHA256,
            hash_size: 32,
            sig_size: 256,
        };
        let b = shdr.to_bytes();
        assert_eq!(&b[..4], b"HSTO");
        assert_eq!(b, [0x48, 0x53, 0x54, 0x4f, 1, 0, 0, 0, 0x34, 0x12, 0, 0, 0x30, 0x49, 0x41, 0x70, 32, 0, 0, 1,]);
        assert_eq!(Shdr::parse(&b).unwrap(), shdr);
    }

    #[test]
    fn signed_layout_and_verification() {
        let key = test_key();
        let image = b"\x7fELF not really an elf".to_vec();
        let uuid = Uuid::must(HELLO).to_octets();
        for algo in [Algo::Pss, Algo::Pkcs1v15] {
            let ta = sign(&image, &uuid, 7, key, algo).unwrap();
            assert_eq!(ta.len(), 20 + 32 + 256 + 20 + image.len());
            let shdr = Shdr::parse(&ta).unwrap();
            assert_eq!(
                (shdr.img_type, shdr.img_size as usize, shdr.hash_size, shdr.sig_size),
                (1, image.len(), 32, 256)
            );
            assert_eq!(&ta[308..324], &uuid);
            assert_eq!(&ta[324..328], &7u32.to_le_bytes());
            assert_eq!(&ta[328..], &image[..]);
            // The hash covers shdr, bootstrap header and image (not hash or signature).
            let mut h = Sha256::new();
            h.update(&ta[..20]);
            h.update(&ta[308..]);
            assert_eq!(&ta[20..52], &h.finalize()[..]);
            let v = verify(&ta, &key.to_public_key()).unwrap();
            assert_eq!((v.uuid, v.ta_version, v.algo, v.image), (uuid, 7, algo, &image[..]));

            // Any flipped bit is caught.
            for at in [0, 9, 20, 60, 300, 310, 326, ta.len() - 1] {
                let mut bad = ta.clone();
                bad[at] ^= 1;
                assert!(verify(&bad, &key.to_public_key()).is_err(), "flip at {at} ({algo:?})");
            }
            let mut short = ta.clone();
            short.pop();
            assert!(verify(&short, &key.to_public_key()).is_err());
        }
        // The wrong key is caught (same modulus, another exponent).
        let other = RsaPublicKey::new(key.n().clone(), rsa::BigUint::from(3u32)).unwrap();
        let ta = sign(&image, &uuid, 0, key, Algo::Pss).unwrap();
        assert!(verify(&ta, &other).is_err());
    }

    #[test]
    fn pem_formats() {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        use rsa::pkcs8::{EncodePrivateKey, LineEnding};
        let key = test_key();
        let dir = std::env::temp_dir().join(format!("tz-sign-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p1 = dir.join("k1.pem");
        let p8 = dir.join("k8.pem");
        std::fs::write(&p1, key.to_pkcs1_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
        std::fs::write(&p8, key.to_pkcs8_pem(LineEnding::LF).unwrap().as_bytes()).unwrap();
        assert_eq!(&load_private_key(&p1).unwrap(), key);
        assert_eq!(&load_private_key(&p8).unwrap(), key);
        std::fs::write(&p1, "not a key").unwrap();
        assert!(load_private_key(&p1).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The project's development key is a 2048-bit key whose public half is
    /// the .pub.pem next to it.
    #[test]
    fn dev_key_pair_matches() {
        use rsa::pkcs8::DecodePublicKey;
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("keys");
        let key = load_private_key(&dir.join("dev_ta_key.pem")).unwrap();
        let public = std::fs::read_to_string(dir.join("dev_ta_key.pub.pem")).unwrap();
        let public = RsaPublicKey::from_public_key_pem(&public).unwrap();
        assert_eq!(key.to_public_key(), public);
        assert_eq!(key.size(), 256);
    }

    /// A minimal ELF: header, one PT_LOAD over an allocated section, a
    /// non-allocated one, .shstrtab; section 1 links to section 3.
    fn tiny_elf() -> Vec<u8> {
        let mut e = vec![0u8; 0x200];
        e[..4].copy_from_slice(b"\x7fELF");
        e[4] = 2;
        e[5] = 1;
        e[6] = 1;
        e[16..18].copy_from_slice(&3u16.to_le_bytes());
        e[32..40].copy_from_slice(&64u64.to_le_bytes()); // phoff
        e[54..56].copy_from_slice(&56u16.to_le_bytes());
        e[56..58].copy_from_slice(&1u16.to_le_bytes());
        e[58..60].copy_from_slice(&64u16.to_le_bytes());
        // PT_LOAD at 0x100, 0x40 bytes.
        e[64..68].copy_from_slice(&1u32.to_le_bytes());
        e[72..80].copy_from_slice(&0x100u64.to_le_bytes());
        e[96..104].copy_from_slice(&0x40u64.to_le_bytes());
        e[0x100..0x140].fill(0xaa);
        e[0x140..0x150].fill(0xbb); // .comment-like data
        let names = b"\0.text\0.comment\0.shstrtab\0.dynstr\0";
        e[0x150..0x150 + names.len()].copy_from_slice(names);
        let shoff = e.len();
        let mut sh = Vec::new();
        let hdr = |name, ty, flags, offset, size, link, info| Sh {
            name,
            ty,
            flags,
            addr: 0,
            offset,
            size,
            link,
            info,
            align: 1,
            entsize: 0,
        };
        hdr(0, 0, 0, 0, 0, 0, 0).write(&mut sh);
        hdr(1, 1, SHF_ALLOC | 4, 0x100, 0x20, 4, 0).write(&mut sh); // .text, link -> .dynstr (4)
        hdr(7, 1, 0, 0x140, 0x10, 0, 0).write(&mut sh); // .comment
        hdr(16, SHT_STRTAB, 0, 0x150, names.len() as u64, 0, 0).write(&mut sh); // .shstrtab
        hdr(26, SHT_STRTAB, SHF_ALLOC, 0x120, 0x20, 0, 0).write(&mut sh); // .dynstr
        e.extend_from_slice(&sh);
        e[40..48].copy_from_slice(&(shoff as u64).to_le_bytes());
        e[60..62].copy_from_slice(&5u16.to_le_bytes());
        e[62..64].copy_from_slice(&3u16.to_le_bytes());
        e
    }

    /// [`tiny_elf`] with its first section renamed `.ta_head` and holding
    /// `uuid` as `ta_head` does.
    fn tiny_ta_elf(uuid: Uuid) -> Vec<u8> {
        let mut e = tiny_elf();
        let shoff = u64::from_le_bytes(e[40..48].try_into().unwrap()) as usize;
        let (strtab, name_at) = (0x150usize, 0x173usize);
        e[name_at..name_at + 9].copy_from_slice(b".ta_head\0");
        e[shoff + 64..shoff + 68].copy_from_slice(&((name_at - strtab) as u32).to_le_bytes());
        e[shoff + 3 * 64 + 32..shoff + 3 * 64 + 40].copy_from_slice(&((name_at + 9 - strtab) as u64).to_le_bytes());
        e[0x100..0x110].copy_from_slice(&uuid.to_struct_bytes());
        e
    }

    #[test]
    fn signing_uuid_comes_from_ta_head() {
        let uuid = Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51b").unwrap();
        let other = "5b0c64f1-8e2d-4c7a-b3f9-0a6d1e7c2b58";
        let ta = tiny_ta_elf(uuid);
        assert_eq!(ta_head_uuid(&ta).unwrap(), Some(uuid));
        assert_eq!(signing_uuid(&ta, None).unwrap(), uuid);
        assert_eq!(signing_uuid(&ta, Some("8aaaf200-2450-11e4-abe2-0002a5d5c51b")).unwrap(), uuid);
        assert!(signing_uuid(&ta, Some(other)).unwrap_err().to_string().contains("differs"));
        // No .ta_head: only with --uuid.
        let plain = tiny_elf();
        assert_eq!(ta_head_uuid(&plain).unwrap(), None);
        assert!(signing_uuid(&plain, None).is_err());
        assert_eq!(signing_uuid(&plain, Some(other)).unwrap().to_string(), other);
        assert!(signing_uuid(b"not an elf", None).is_err());
    }

    #[test]
    fn strip_keeps_alloc_sections_only() {
        let e = tiny_elf();
        let s = strip_elf(&e).unwrap();
        // Unchanged but for e_shoff, e_shnum, e_shstrndx.
        assert_eq!(&s[..40], &e[..40]);
        assert_eq!(&s[48..60], &e[48..60]);
        assert_eq!(&s[64..0x140], &e[64..0x140]);
        let shoff = u64::from_le_bytes(s[40..48].try_into().unwrap()) as usize;
        let shnum = u16::from_le_bytes(s[60..62].try_into().unwrap()) as usize;
        let shstrndx = u16::from_le_bytes(s[62..64].try_into().unwrap()) as usize;
        assert_eq!((shnum, shstrndx), (4, 3));
        let secs: Vec<Sh> = (0..shnum).map(|i| Sh::parse(&s[shoff + i * 64..])).collect();
        let names = &s[secs[3].offset as usize..][..secs[3].size as usize];
        let name = |sh: &Sh| {
            let r = &names[sh.name as usize..];
            String::from_utf8(r[..r.iter().position(|&b| b == 0).unwrap()].to_vec()).unwrap()
        };
        assert_eq!(secs.iter().skip(1).map(name).collect::<Vec<_>>(), [".text", ".dynstr", ".shstrtab"]);
        assert_eq!(secs[1].link, 2, ".text's link follows .dynstr to its new index");
        assert_eq!((secs[1].offset, secs[1].size), (0x100, 0x20));
        assert_eq!(shoff % 8, 0);
        assert_eq!(s.len(), shoff + 4 * 64);
        // Idempotent.
        assert_eq!(strip_elf(&s).unwrap(), s);
        assert!(strip_elf(b"not an elf at all, long enough to have a header........................").is_err());
    }
}
