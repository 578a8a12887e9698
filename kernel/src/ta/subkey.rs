//! Subkey chains of a signed TA (`SHDR_SUBKEY`): a public key signed by the
//! root key (or by the previous subkey), which signs the next header and
//! confines the TA's UUID to its namespace.
//!
//! Layout and rules: optee_os 4.5.0 `core/include/signed_hdr.h`
//! (`struct shdr_subkey`), `core/crypto/signed_hdr.c`
//! (`shdr_load_pub_key`, `check_attrs`, `calc_next_uuid`) and
//! `core/kernel/ree_fs_ta.c` (`ree_fs_ta_open`). Every failure is
//! `TEE_ERROR_SECURITY` upstream.
//!
//! After the subkey header come `img_size` bytes of `struct shdr_subkey`
//! (UUID, name size, version, max depth, algorithm, attribute count, then
//! `{id, offs, size}` attributes whose `offs` count from the struct), then
//! `name_size` bytes of name (not covered by the subkey's digest: they only
//! select the namespace). The digest is SHA-256 over the 20-byte header and
//! the struct. A subkey's `max_depth` must be below the previous one's
//! (the root allows any); a subkey after the first must carry the UUID the
//! previous one computed as its namespace. The namespace UUID is the
//! subkey's own UUID when the name is empty, otherwise the first 16 bytes
//! of SHA-512(subkey UUID octets ‖ name up to its first NUL) with the
//! version nibble set to 5 and the RFC 4122 variant bits.

use rsa::{BigUint, RsaPublicKey};
use sha2::{Digest, Sha256, Sha512};

use super::error::TaError;
use super::shdr::{SHA256_SIZE, Shdr};

/// `sizeof(struct shdr_subkey)` without its attributes.
pub const SUBKEY_SIZE: usize = 36;
/// `sizeof(struct shdr_subkey_attr)`.
const ATTR_SIZE: usize = 12;
/// `TEE_ATTR_RSA_MODULUS`.
const ATTR_RSA_MODULUS: u32 = 0xD000_0130;
/// `TEE_ATTR_RSA_PUBLIC_EXPONENT`.
const ATTR_RSA_PUBLIC_EXPONENT: u32 = 0xD000_0230;
/// `TEE_MAIN_ALGO_RSA`.
const MAIN_ALGO_RSA: u32 = 0x30;
/// Longest chain accepted (upstream bounds it by `max_depth` only).
pub const MAX_CHAIN: usize = 8;
/// Largest RSA modulus of a subkey, in bytes.
const MAX_MODULUS: usize = 512;

/// A verified subkey: its key and what it allows next.
#[derive(Debug, Clone)]
pub struct Subkey {
    /// The subkey's public key.
    pub key: RsaPublicKey,
    /// The subkey's own UUID.
    pub uuid: [u8; 16],
    /// The UUID the next subkey must have, or the TA's (RFC 4122 octets).
    pub next_uuid: [u8; 16],
    /// `max_depth`: a following subkey must have a smaller one.
    pub max_depth: u32,
    /// `subkey_version` (checked against `subkey_ver.db` by the loader).
    pub version: u32,
    /// Bytes of header data after the subkey header: struct + name.
    pub consumed: usize,
}

/// Limits from the subkey before this one (`None`: the root key signed it).
#[derive(Debug, Clone, Copy)]
pub struct Chain {
    /// The UUID this subkey must have.
    pub next_uuid: [u8; 16],
    /// This subkey's `max_depth` must be below it.
    pub max_depth: u32,
}

fn le32(b: &[u8], at: usize) -> Result<u32, TaError> {
    let s = b.get(at..at + 4).ok_or(TaError::BadSubkey)?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Loads the subkey whose (already signature-checked) header is `shdr`;
/// `rest` is the file after that header.
pub fn load(shdr: &Shdr, hash: &[u8], rest: &[u8], chain: Option<Chain>) -> Result<Subkey, TaError> {
    let img_size = usize::try_from(shdr.img_size).map_err(|_| TaError::BadSubkey)?;
    if img_size < SUBKEY_SIZE || usize::from(shdr.hash_size) != SHA256_SIZE {
        return Err(TaError::BadSubkey);
    }
    let body = rest.get(..img_size).ok_or(TaError::BadSubkey)?;
    let mut h = Sha256::new();
    h.update(shdr.to_bytes());
    h.update(body);
    if h.finalize().as_slice() != hash {
        return Err(TaError::BadSubkey);
    }
    // check_attrs: the table and every attribute lie inside the struct.
    let attr_count = usize::try_from(le32(body, 32)?).map_err(|_| TaError::BadSubkey)?;
    let table_end = attr_count.checked_mul(ATTR_SIZE).and_then(|n| n.checked_add(SUBKEY_SIZE));
    if table_end.is_none_or(|e| e > img_size) {
        return Err(TaError::BadSubkey);
    }
    let attr = |id: u32| -> Result<Option<&[u8]>, TaError> {
        for n in 0..attr_count {
            let at = SUBKEY_SIZE + n * ATTR_SIZE;
            let (aid, offs, size) = (le32(body, at)?, le32(body, at + 4)?, le32(body, at + 8)?);
            let (offs, size) = (offs as usize, size as usize);
            let data = offs.checked_add(size).and_then(|end| body.get(offs..end)).ok_or(TaError::BadSubkey)?;
            if aid == id {
                return Ok(Some(data));
            }
        }
        Ok(None)
    };
    // Every attribute is range-checked, as check_attrs does, before use.
    attr(0)?;
    let mut uuid = [0u8; 16];
    uuid.copy_from_slice(&body[..16]);
    let name_size = usize::try_from(le32(body, 16)?).map_err(|_| TaError::BadSubkey)?;
    let version = le32(body, 20)?;
    let max_depth = le32(body, 24)?;
    let algo = le32(body, 28)?;
    if let Some(c) = chain
        && (max_depth >= c.max_depth || uuid != c.next_uuid)
    {
        return Err(TaError::BadSubkey);
    }
    let consumed = img_size.checked_add(name_size).ok_or(TaError::BadSubkey)?;
    let name = rest.get(img_size..consumed).ok_or(TaError::BadSubkey)?;
    let next_uuid = namespace_uuid(&uuid, name);
    if algo & 0xff != MAIN_ALGO_RSA {
        return Err(TaError::BadSubkey);
    }
    let e = attr(ATTR_RSA_PUBLIC_EXPONENT)?.ok_or(TaError::BadSubkey)?;
    let n = attr(ATTR_RSA_MODULUS)?.ok_or(TaError::BadSubkey)?;
    if n.len() > MAX_MODULUS {
        return Err(TaError::BadSubkey);
    }
    let key =
        RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e)).map_err(|_| TaError::BadSubkey)?;
    Ok(Subkey { key, uuid, next_uuid, max_depth, version, consumed })
}

/// `calc_next_uuid`: the namespace a subkey named `name` defines.
pub fn namespace_uuid(uuid: &[u8; 16], name: &[u8]) -> [u8; 16] {
    if name.is_empty() {
        return *uuid;
    }
    let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
    let mut h = Sha512::new();
    h.update(uuid);
    h.update(name);
    let digest = h.finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out[6] = (out[6] & 0x0f) | 0x50;
    out[8] = (out[8] & !0x40) | 0x80;
    out
}
