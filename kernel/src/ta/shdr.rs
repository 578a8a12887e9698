//! The signed TA container (`<uuid>.ta`): parse `struct shdr`, check the RSA
//! signature with the built-in key, bind the UUID, check the digest.
//!
//! Layout and rules: `shared/reference/optee-abi.md` §7.1, upstream
//! `core/include/signed_hdr.h`, `core/crypto/signed_hdr.c`
//! (`shdr_verify_signature`) and `core/kernel/ree_fs_ta.c` (`ree_fs_ta_open`).
//! The checks run in upstream's order, so a corrupted file fails with the same
//! code it would on OP-TEE (xtest 1008 flips one byte of each `shdr` field,
//! the hash, the signature and the payload, and expects `TEE_ERROR_SECURITY`
//! every time).
//!
//! The caller must pass a *secure* copy of the file: the normal world can
//! rewrite shared memory between this check and the load.
//!
//! Crypto: RustCrypto `rsa` 0.9 and `sha2` 0.10, no_std + alloc. `rsa` 0.9
//! carries RUSTSEC-2023-0071 (Marvin: timing of *private-key* operations);
//! only public-key verification happens here, which it does not affect.

use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign, Pss, RsaPublicKey};
use sha2::{Digest, Sha256};

use super::error::TaError;
use super::uuid::TeeUuid;

/// `SHDR_MAGIC`: "HSTO" in memory.
pub const SHDR_MAGIC: u32 = 0x4f54_5348;
/// `SHDR_TA`: legacy, no subheader, image bound to no UUID.
pub const SHDR_TA: u32 = 0;
/// `SHDR_BOOTSTRAP_TA`: what `sign_encrypt.py` produces.
pub const SHDR_BOOTSTRAP_TA: u32 = 1;
/// `SHDR_ENCRYPTED_TA`.
pub const SHDR_ENCRYPTED_TA: u32 = 2;
/// `SHDR_SUBKEY`.
pub const SHDR_SUBKEY: u32 = 3;
/// Size of `struct shdr`.
pub const SHDR_SIZE: usize = 20;
/// Size of `struct shdr_bootstrap_ta`.
pub const BOOTSTRAP_SIZE: usize = 20;
/// `TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256` (the signing script's default).
pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256: u32 = 0x7041_4930;
/// `TEE_ALG_RSASSA_PKCS1_V1_5_SHA256`.
pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA256: u32 = 0x7000_4830;
/// SHA-256 digest size, the only `hash_size` accepted.
pub const SHA256_SIZE: usize = 32;
/// Smallest accepted modulus, in bytes (upstream refuses keys under 2048 bits).
pub const MIN_MODULUS_SIZE: usize = 256;

/// `TEE_MAIN_ALGO_RSA`: bits 7..0 of an algorithm identifier.
const MAIN_ALGO_RSA: u32 = 0x30;
/// RSA signature algorithms upstream accepts but we do not implement.
const RSA_SHA384_SHA512: [u32; 4] = [0x7000_5830, 0x7000_6830, 0x7051_5930, 0x7061_6930];

/// `struct shdr`, decoded (all fields little-endian in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shdr {
    /// `magic`.
    pub magic: u32,
    /// `img_type`.
    pub img_type: u32,
    /// `img_size`: length of the payload after the (sub)headers.
    pub img_size: u32,
    /// `algo`: a `TEE_ALG_*` signature algorithm.
    pub algo: u32,
    /// `hash_size`.
    pub hash_size: u16,
    /// `sig_size`.
    pub sig_size: u16,
}

impl Shdr {
    /// Decodes the first [`SHDR_SIZE`] bytes of `file`.
    pub fn parse(file: &[u8]) -> Result<Self, TaError> {
        let b = file.get(..SHDR_SIZE).ok_or(TaError::Truncated)?;
        Ok(Self {
            magic: le32(b, 0)?,
            img_type: le32(b, 4)?,
            img_size: le32(b, 8)?,
            algo: le32(b, 12)?,
            hash_size: le16(b, 16)?,
            sig_size: le16(b, 18)?,
        })
    }

    /// Encodes the header as it appears in the file.
    pub fn to_bytes(&self) -> [u8; SHDR_SIZE] {
        let mut b = [0u8; SHDR_SIZE];
        b[0..4].copy_from_slice(&self.magic.to_le_bytes());
        b[4..8].copy_from_slice(&self.img_type.to_le_bytes());
        b[8..12].copy_from_slice(&self.img_size.to_le_bytes());
        b[12..16].copy_from_slice(&self.algo.to_le_bytes());
        b[16..18].copy_from_slice(&self.hash_size.to_le_bytes());
        b[18..20].copy_from_slice(&self.sig_size.to_le_bytes());
        b
    }

    /// Returns the size of `shdr` + hash + signature (`SHDR_GET_SIZE`).
    pub fn size(&self) -> usize {
        // Two u16 plus 20 cannot overflow a usize.
        SHDR_SIZE + usize::from(self.hash_size) + usize::from(self.sig_size)
    }
}

/// The signature scheme named by `shdr.algo`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// RSASSA-PSS, MGF1-SHA256, salt length 32.
    PssSha256,
    /// RSASSA-PKCS1-v1_5 with the SHA-256 `DigestInfo`.
    Pkcs1v15Sha256,
}

impl SignatureScheme {
    /// Classifies `algo` the way upstream does: not RSA, or a hash upstream
    /// refuses, is a security error; an RSA signature over SHA-384/512 is
    /// valid but not implemented here.
    pub fn from_algo(algo: u32) -> Result<Self, TaError> {
        match algo {
            TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256 => Ok(Self::PssSha256),
            TEE_ALG_RSASSA_PKCS1_V1_5_SHA256 => Ok(Self::Pkcs1v15Sha256),
            a if a & 0xff != MAIN_ALGO_RSA => Err(TaError::BadAlgorithm),
            a if RSA_SHA384_SHA512.contains(&a) => Err(TaError::UnsupportedAlgorithm),
            _ => Err(TaError::BadAlgorithm),
        }
    }
}

/// An RSA public key as big-endian byte strings (`ta_pub_key_modulus` /
/// `ta_pub_key_exponent` in upstream).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaPublicKey<'a> {
    /// Modulus `n`, big-endian.
    pub modulus: &'a [u8],
    /// Public exponent `e`, big-endian.
    pub exponent: &'a [u8],
}

mod builtin {
    // Generated by kernel/build.rs from the PEM named by `TZ_TA_PUBKEY`.
    include!(concat!(env!("OUT_DIR"), "/ta_pubkey.rs"));
}

impl TaPublicKey<'static> {
    /// The key compiled into the kernel (`TZ_TA_PUBKEY` at build time).
    pub const BUILTIN: TaPublicKey<'static> = TaPublicKey {
        modulus: &builtin::TA_PUBKEY_MODULUS,
        exponent: &builtin::TA_PUBKEY_EXPONENT,
    };
}

impl TaPublicKey<'_> {
    fn to_rsa(self) -> Result<RsaPublicKey, TaError> {
        let n = BigUint::from_bytes_be(self.modulus);
        let e = BigUint::from_bytes_be(self.exponent);
        let key = RsaPublicKey::new(n, e).map_err(|_| TaError::BadKey)?;
        if key.size() < MIN_MODULUS_SIZE {
            return Err(TaError::BadKey);
        }
        Ok(key)
    }
}

/// `struct shdr_bootstrap_ta`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapTa {
    /// The UUID the image is signed for.
    pub uuid: TeeUuid,
    /// `ta_version` (anti-rollback counter; not enforced here).
    pub ta_version: u32,
}

/// A TA file whose signature, UUID binding, size and digest all checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedTa<'a> {
    /// The signed header.
    pub shdr: Shdr,
    /// The bootstrap subheader; `None` for a legacy `SHDR_TA` image, which is
    /// bound to no UUID (the caller should compare `ta_head.uuid` instead).
    pub bootstrap: Option<BootstrapTa>,
    /// The ELF image (`img_size` bytes), inside the caller's buffer.
    pub image: &'a [u8],
}

/// Verifies a signed TA `file` loaded for `uuid` against `key`.
///
/// Encrypted TAs and subkey chains are refused with `NOT_SUPPORTED`: neither
/// is produced by our signing path yet, and both need more than this module
/// (AES-GCM with a device key; a chain walk with `subkey_ver.db`).
/// Anti-rollback (`ta_ver.db`) is the caller's business: see
/// [`BootstrapTa::ta_version`].
pub fn verify<'a>(
    file: &'a [u8],
    uuid: &TeeUuid,
    key: &TaPublicKey<'_>,
) -> Result<VerifiedTa<'a>, TaError> {
    // shdr_alloc_and_copy + shdr_verify_signature.
    let shdr = Shdr::parse(file)?;
    let hdr_end = shdr.size();
    let hdr_bytes = file.get(..hdr_end).ok_or(TaError::Truncated)?;
    if shdr.magic != SHDR_MAGIC {
        return Err(TaError::BadMagic);
    }
    let scheme = SignatureScheme::from_algo(shdr.algo)?;
    if usize::from(shdr.hash_size) != SHA256_SIZE {
        return Err(TaError::BadHashSize);
    }
    let rsa_key = key.to_rsa()?;
    if usize::from(shdr.sig_size) != rsa_key.size() {
        return Err(TaError::BadSignatureSize);
    }
    let hash = hdr_bytes
        .get(SHDR_SIZE..SHDR_SIZE + SHA256_SIZE)
        .ok_or(TaError::Truncated)?;
    let sig = hdr_bytes
        .get(SHDR_SIZE + SHA256_SIZE..)
        .ok_or(TaError::Truncated)?;
    let checked = match scheme {
        SignatureScheme::PssSha256 => {
            rsa_key.verify(Pss::new_with_salt::<Sha256>(SHA256_SIZE), hash, sig)
        }
        SignatureScheme::Pkcs1v15Sha256 => rsa_key.verify(Pkcs1v15Sign::new::<Sha256>(), hash, sig),
    };
    checked.map_err(|_| TaError::BadSignature)?;

    // ree_fs_ta_open: image type, bootstrap UUID, exact size, digest.
    let mut hasher = Sha256::new();
    hasher.update(shdr.to_bytes());
    let mut offs = hdr_end;
    let bootstrap = match shdr.img_type {
        SHDR_TA => None,
        SHDR_BOOTSTRAP_TA => {
            let end = offs.checked_add(BOOTSTRAP_SIZE).ok_or(TaError::Truncated)?;
            let bs = file.get(offs..end).ok_or(TaError::Truncated)?;
            let mut octets = [0u8; 16];
            octets.copy_from_slice(bs.get(..16).ok_or(TaError::Truncated)?);
            let bs_uuid = TeeUuid::from_octets(octets);
            if bs_uuid != *uuid {
                return Err(TaError::UuidMismatch);
            }
            hasher.update(bs);
            offs = end;
            Some(BootstrapTa {
                uuid: bs_uuid,
                ta_version: le32(bs, 16)?,
            })
        }
        SHDR_ENCRYPTED_TA => return Err(TaError::EncryptedUnsupported),
        // Subkey chains (optee-abi.md §7.2) are not implemented yet.
        SHDR_SUBKEY => return Err(TaError::SubkeyUnsupported),
        _ => return Err(TaError::UnknownImageType),
    };
    let img_size = usize::try_from(shdr.img_size).map_err(|_| TaError::SizeMismatch)?;
    let total = offs.checked_add(img_size).ok_or(TaError::SizeMismatch)?;
    if file.len() != total {
        return Err(TaError::SizeMismatch);
    }
    let image = file.get(offs..).ok_or(TaError::SizeMismatch)?;
    hasher.update(image);
    let digest = hasher.finalize();
    if digest.as_slice() != hash {
        return Err(TaError::DigestMismatch);
    }
    Ok(VerifiedTa {
        shdr,
        bootstrap,
        image,
    })
}

fn le32(b: &[u8], at: usize) -> Result<u32, TaError> {
    let s = b.get(at..at + 4).ok_or(TaError::Truncated)?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn le16(b: &[u8], at: usize) -> Result<u16, TaError> {
    let s = b.get(at..at + 2).ok_or(TaError::Truncated)?;
    Ok(u16::from_le_bytes([s[0], s[1]]))
}
