//! Persistent objects as REE files: one file per object, encrypted and
//! authenticated, replaced atomically.
//!
//! Keys. QEMU `virt` has no hardware unique key (no fuse, no OTP, no
//! secure-only key store), so the device key is derived from the platform
//! hook [`crate::huk::hardware_unique_key`], on QEMU a DEVELOPMENT secret
//! built into the kernel source: anyone with the source can decrypt the
//! files. A real platform replaces that hook with its own key. Each TA
//! gets its own keys: `HKDF-SHA256(ikm = device key, info = "tz storage v1"
//! || TA UUID)` → 32 bytes AES-256-GCM key + 32 bytes name key.
//!
//! Names. A TA's files live in `/tz/<hex(HMAC(name key, "dir"))[..32]>/`;
//! an object's file is `<hex(HMAC(name key, 0x01 || object ID))>`. Object IDs
//! never appear in clear, and two TAs never share a file or a key.
//!
//! File format (`VERSION` 2): a 40-byte header — magic `TZSO`, version u32,
//! generation u64, body length u64, 12-byte nonce, 4 reserved bytes — then
//! the body: AES-256-GCM, with a 16-byte tag, of
//! `id_len u32 || id || usage u32 || type u32 || key_bits u32 ||
//! max_bits u32 || attrs_len u32 || attrs || data`. As upstream's
//! `tee_svc_storage_head` and attribute block: the usage is the object's
//! `objectUsage` (which `TEE_RestrictObjectUsage1` narrows for good), type
//! and sizes its `utee_object_info`, `attrs` a key object's attributes
//! (`crate::crypto`'s export; empty for `TEE_TYPE_DATA`). Version 1 files
//! (none of these: a data object with every usage bit) are still read.
//! The AAD is the header (hence the generation, bumped on every update) and
//! the 32-byte name tag `HMAC(name key, 0x01 || id)` (which binds the object
//! ID; the decrypted ID is compared as well). A file moved to another name or
//! another TA's directory, or edited, fails authentication: `CORRUPT_OBJECT`.
//!
//! The store as a whole (`super::dirfile`, `super::files`). A per-TA
//! directory file `dirf.db`, sealed with a key of its own, names every
//! object (its name tag) with the SHA-256 of its complete file, and has a
//! generation of its own. An object the directory does not name does not
//! exist (ITEM_NOT_FOUND, whatever files lie around; enumeration lists the
//! directory file, not READDIR); one it names whose file is missing, or is
//! another version or another object's file, is CORRUPT_OBJECT, as
//! upstream (optee_os 4.5.0 `core/tee/tee_ree_fs.c` `ree_fs_open`).
//!
//! Atomic updates. An update writes the complete new file `<name>.new`,
//! then the directory file (`dirf.db.new` renamed over `dirf.db`:
//! tee-supplicant's rename with overwrite is rename(2); the commit point),
//! then renames `<name>.new` over `<name>`; a reader that finds the new
//! digest only in `<name>.new` completes that rename. After a crash every
//! object is wholly old or wholly new. One TA's updates are serialised
//! (`dirfile::DirLock`).
//!
//! Not covered without a trusted monotonic counter (QEMU has no RPMB and
//! no secure NV counter): the normal world can put back an older
//! directory file together with the object files of its time (the whole
//! store rolls back consistently), or delete the TA's whole directory (the
//! TA then has no objects: a missing directory file is an empty store, as
//! upstream's `open_dirh` without a counter). A platform with a counter
//! implements `dirfile::RollbackCounter` (`dirfile::platform_counter`);
//! then an older or missing directory file is `SECURITY`.

extern crate alloc;

use crate::crypto::ops::gcm::Gcm;
use alloc::string::String;
use alloc::vec::Vec;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tee_abi::result::TeeError;

use super::dirfile::RollbackCounter;
pub use crate::crypto::KeyMeta;
use zeroize::Zeroizing;

/// File magic.
pub const MAGIC: [u8; 4] = *b"TZSO";
/// File format version written.
pub const VERSION: u32 = 2;
/// The version before the usage field.
const VERSION_NO_USAGE: u32 = 1;
/// `TEE_USAGE_DEFAULT`: every usage bit, a new data object's usage.
pub const USAGE_ALL: u32 = 0xFFFF_FFFF;
/// Header size.
pub const HEADER: usize = 40;
/// GCM tag size.
pub const TAG: usize = 16;
/// Largest object ID (`TEE_OBJECT_ID_MAX_LEN`).
pub const MAX_ID: usize = 64;
/// Largest data stream kept (a bound on kernel heap use per open object).
pub const MAX_DATA: usize = 1 << 20;
/// Largest attribute block kept: an RSA-4096 keypair's eight attributes
/// take under 3 KiB.
pub const MAX_ATTRS: usize = 16 << 10;
/// Objects one TA may have (the entries of its directory file,
/// `super::dirfile::MAX_ENTRIES`): 4 times the handles one instance may
/// hold.
pub const MAX_DIR_ENTRIES: usize = 4 * crate::handles::MAX_PER_AREA;
/// The fixed fields of a version 2 body besides the ID: usage, type, two
/// sizes, the attribute block's length, and the ID's length.
const FIXED: usize = 24;

/// The device key: `HKDF-SHA256(salt = "tz device key v1", ikm = HUK)`.
pub fn device_key() -> [u8; 32] {
    let hk = Hkdf::<Sha256>::new(Some(b"tz device key v1"), crate::huk::hardware_unique_key().as_slice());
    let mut k = [0u8; 32];
    // 32 bytes never exceed HKDF's output limit.
    let _ = hk.expand(b"device key", &mut k);
    k
}

fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    bytes.iter().flat_map(|b| [D[(b >> 4) as usize] as char, D[(b & 15) as usize] as char]).collect()
}

/// One object as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub id: Vec<u8>,
    pub generation: u64,
    /// `objectUsage`.
    pub usage: u32,
    /// Type and sizes of a key object ([`KeyMeta::DATA`] for a data one).
    pub meta: KeyMeta,
    /// A key object's attributes, as `crate::crypto` exported them.
    pub attrs: Zeroizing<Vec<u8>>,
    pub data: Vec<u8>,
}

impl Stored {
    /// A data object `id` holding `data`, for tests.
    #[cfg(test)]
    pub fn data_for_tests(id: &[u8], data: &[u8]) -> Stored {
        Stored {
            id: id.to_vec(),
            generation: 0,
            usage: USAGE_ALL,
            meta: KeyMeta::DATA,
            attrs: Zeroizing::new(Vec::new()),
            data: data.to_vec(),
        }
    }

    /// This object as [`TaStore::seal`] takes it.
    pub fn view(&self) -> ObjectView<'_> {
        ObjectView {
            id: &self.id,
            generation: self.generation,
            usage: self.usage,
            meta: self.meta,
            attrs: &self.attrs,
            data: &self.data,
        }
    }
}

/// One object's fields to seal into a file.
#[derive(Clone, Copy)]
pub struct ObjectView<'a> {
    pub id: &'a [u8],
    pub generation: u64,
    pub usage: u32,
    pub meta: KeyMeta,
    pub attrs: &'a [u8],
    pub data: &'a [u8],
}

impl<'a> ObjectView<'a> {
    /// A data object with every usage bit.
    pub fn data(id: &'a [u8], generation: u64, data: &'a [u8]) -> ObjectView<'a> {
        ObjectView { id, generation, usage: USAGE_ALL, meta: KeyMeta::DATA, attrs: &[], data }
    }
}

/// One object as a listing saw it: what `STORAGE_ENUM_NEXT` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub id: Vec<u8>,
    pub size: usize,
    pub meta: KeyMeta,
    pub usage: u32,
}

/// One TA's view of the store: its keys and directory.
pub struct TaStore {
    key: [u8; 32],
    name_key: [u8; 32],
    /// The directory file's key ([`super::dirfile`]).
    dir_key: [u8; 32],
    dir: String,
    counter: &'static dyn RollbackCounter,
}

impl Drop for TaStore {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key);
        zeroize::Zeroize::zeroize(&mut self.name_key);
        zeroize::Zeroize::zeroize(&mut self.dir_key);
    }
}

impl TaStore {
    /// The store of TA `uuid` (octet form) under `device_key`.
    pub fn new(device_key: &[u8; 32], uuid: &[u8; 16]) -> TaStore {
        let hk = Hkdf::<Sha256>::new(None, device_key);
        let mut info = Vec::from(&b"tz storage v1"[..]);
        info.extend_from_slice(uuid);
        let mut okm = [0u8; 64];
        let _ = hk.expand(&info, &mut okm);
        let mut key = [0u8; 32];
        let mut name_key = [0u8; 32];
        key.copy_from_slice(&okm[..32]);
        name_key.copy_from_slice(&okm[32..]);
        okm.iter_mut().for_each(|b| *b = 0);
        let counter = super::dirfile::platform_counter();
        let mut s = TaStore { key, name_key, dir_key: [0; 32], dir: String::new(), counter };
        let d = s.mac(&[b"dir"]);
        s.dir = alloc::format!("/tz/{}", hex(&d[..16]));
        s.dir_key = s.mac(&[b"directory file key"]);
        s
    }

    /// This store with `counter` in place of the platform's.
    pub fn with_counter(mut self, counter: &'static dyn RollbackCounter) -> TaStore {
        self.counter = counter;
        self
    }

    /// The directory file's key.
    pub(super) fn dir_key(&self) -> &[u8; 32] {
        &self.dir_key
    }

    /// The platform's monotonic counter (or none).
    pub(super) fn counter(&self) -> &'static dyn RollbackCounter {
        self.counter
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.name_key).unwrap_or_else(|_| unreachable!());
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }

    /// The name tag of an object ID (also its file name, in hex).
    pub fn tag(&self, id: &[u8]) -> [u8; 32] {
        self.mac(&[&[1], id])
    }

    /// This TA's directory.
    pub fn dir(&self) -> &str {
        &self.dir
    }

    /// The file of object `id`.
    pub fn path(&self, id: &[u8]) -> String {
        self.tag_path(&self.tag(id))
    }

    /// The file of the object with name tag `tag`.
    pub fn tag_path(&self, tag: &[u8; 32]) -> String {
        alloc::format!("{}/{}", self.dir, hex(tag))
    }

    /// This TA's directory file.
    pub fn dir_file(&self) -> String {
        alloc::format!("{}/{}", self.dir, super::dirfile::FILE_NAME)
    }

    /// Encrypts object `o` into a complete file.
    pub fn seal(&self, o: &ObjectView<'_>, nonce: &[u8; 12]) -> Result<Vec<u8>, TeeError> {
        let (id, data, generation) = (o.id, o.data, o.generation);
        if id.len() > MAX_ID || data.len() > MAX_DATA || o.attrs.len() > MAX_ATTRS {
            return Err(TeeError::StorageNoSpace);
        }
        let mut plain = Zeroizing::new(Vec::new());
        plain.try_reserve_exact(FIXED + id.len() + o.attrs.len() + data.len()).map_err(|_| TeeError::OutOfMemory)?;
        plain.extend_from_slice(&(id.len() as u32).to_le_bytes());
        plain.extend_from_slice(id);
        for v in [o.usage, o.meta.obj_type, o.meta.key_bits, o.meta.max_bits, o.attrs.len() as u32] {
            plain.extend_from_slice(&v.to_le_bytes());
        }
        plain.extend_from_slice(o.attrs);
        plain.extend_from_slice(data);
        let body_len = (plain.len() + TAG) as u64;
        let mut header = [0u8; HEADER];
        header[..4].copy_from_slice(&MAGIC);
        header[4..8].copy_from_slice(&VERSION.to_le_bytes());
        header[8..16].copy_from_slice(&generation.to_le_bytes());
        header[16..24].copy_from_slice(&body_len.to_le_bytes());
        header[24..36].copy_from_slice(nonce);
        let mut aad = Vec::from(&header[..]);
        aad.extend_from_slice(&self.tag(id));
        // In place, on the AES and PMULL instructions when the core has
        // them (crypto::ops): the RustCrypto software GCM was most of a
        // 1 MiB object's write.
        let mut gcm = Gcm::new(true, &self.key, nonce, TAG).map_err(|_| TeeError::Generic)?;
        gcm.update_aad(&aad).map_err(|_| TeeError::Generic)?;
        let tag = gcm.encrypt_final(&mut plain);
        let mut file = Vec::new();
        file.try_reserve_exact(HEADER + plain.len() + TAG).map_err(|_| TeeError::OutOfMemory)?;
        file.extend_from_slice(&header);
        file.extend_from_slice(&plain);
        file.extend_from_slice(&tag);
        Ok(file)
    }

    /// Checks a file's header; the version, generation and body length.
    pub(super) fn header(h: &[u8]) -> Result<(u32, u64, u64), TeeError> {
        if h.len() != HEADER || h[..4] != MAGIC {
            return Err(TeeError::CorruptObject);
        }
        let version = u32::from_le_bytes(h[4..8].try_into().unwrap_or_default());
        if version != VERSION && version != VERSION_NO_USAGE {
            return Err(TeeError::CorruptObject);
        }
        let generation = u64::from_le_bytes(h[8..16].try_into().unwrap_or_default());
        let body_len = u64::from_le_bytes(h[16..24].try_into().unwrap_or_default());
        if body_len < (4 + TAG) as u64 || body_len > (FIXED + MAX_ID + MAX_ATTRS + MAX_DATA + TAG) as u64 {
            return Err(TeeError::CorruptObject);
        }
        Ok((version, generation, body_len))
    }

    /// Decrypts a complete file stored under name tag `tag`.
    pub fn open_file(&self, tag: &[u8; 32], file: &[u8]) -> Result<Stored, TeeError> {
        if file.len() < HEADER {
            return Err(TeeError::CorruptObject);
        }
        let (version, generation, body_len) = Self::header(&file[..HEADER])?;
        if (file.len() - HEADER) as u64 != body_len {
            return Err(TeeError::CorruptObject);
        }
        let mut aad = Vec::from(&file[..HEADER]);
        aad.extend_from_slice(tag);
        let (ct, mac) = file[HEADER..].split_at(file.len() - HEADER - TAG);
        let mut plain = Zeroizing::new(crate::params::try_copy(ct).map_err(|_| TeeError::OutOfMemory)?);
        let mut gcm = Gcm::new(false, &self.key, &file[24..36], TAG).map_err(|_| TeeError::CorruptObject)?;
        gcm.update_aad(&aad).map_err(|_| TeeError::CorruptObject)?;
        // Unauthenticated plaintext never leaves here (wiped on drop).
        gcm.decrypt_final(&mut plain, mac).map_err(|_| TeeError::CorruptObject)?;
        let id_len = u32::from_le_bytes(plain[..4].try_into().unwrap_or_default()) as usize;
        if id_len > MAX_ID || 4 + id_len > plain.len() {
            return Err(TeeError::CorruptObject);
        }
        let id = plain[4..4 + id_len].to_vec();
        if self.tag(&id) != *tag {
            return Err(TeeError::CorruptObject);
        }
        let rest = &plain[4 + id_len..];
        let (usage, meta, attrs, data) = if version == VERSION_NO_USAGE {
            (USAGE_ALL, KeyMeta::DATA, &[][..], rest)
        } else {
            let field = |i: usize| -> Result<u32, TeeError> {
                let b = rest.get(4 * i..4 * i + 4).ok_or(TeeError::CorruptObject)?;
                Ok(u32::from_le_bytes(b.try_into().map_err(|_| TeeError::CorruptObject)?))
            };
            let meta = KeyMeta { obj_type: field(1)?, key_bits: field(2)?, max_bits: field(3)? };
            let attrs_len = field(4)? as usize;
            if attrs_len > MAX_ATTRS {
                return Err(TeeError::CorruptObject);
            }
            let attrs = rest.get(20..20 + attrs_len).ok_or(TeeError::CorruptObject)?;
            (field(0)?, meta, attrs, &rest[20 + attrs_len..])
        };
        Ok(Stored {
            id,
            generation,
            usage,
            meta,
            attrs: Zeroizing::new(crate::params::try_copy(attrs).map_err(|_| TeeError::OutOfMemory)?),
            data: crate::params::try_copy(data).map_err(|_| TeeError::OutOfMemory)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};

    /// A version 1 file (no usage field), as the kernel wrote them before
    /// version 2, still opens: with every usage bit, its data intact.
    #[test]
    fn version_1_files_read_with_every_usage_bit() {
        let s = TaStore::new(&device_key(), &[7; 16]);
        let (id, data, nonce) = (b"old", b"v1 data", [5u8; 12]);
        let mut plain = Vec::from(&(id.len() as u32).to_le_bytes()[..]);
        plain.extend_from_slice(id);
        plain.extend_from_slice(data);
        let mut header = [0u8; HEADER];
        header[..4].copy_from_slice(&MAGIC);
        header[4..8].copy_from_slice(&VERSION_NO_USAGE.to_le_bytes());
        header[8..16].copy_from_slice(&3u64.to_le_bytes());
        header[16..24].copy_from_slice(&((plain.len() + TAG) as u64).to_le_bytes());
        header[24..36].copy_from_slice(&nonce);
        let mut aad = Vec::from(&header[..]);
        aad.extend_from_slice(&s.tag(id));
        let body = Aes256Gcm::new((&s.key).into())
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &plain, aad: &aad })
            .unwrap();
        let mut file = Vec::from(&header[..]);
        file.extend_from_slice(&body);
        let got = s.open_file(&s.tag(id), &file).unwrap();
        let want = Stored {
            id: id.to_vec(),
            generation: 3,
            usage: USAGE_ALL,
            meta: KeyMeta::DATA,
            attrs: Zeroizing::new(Vec::new()),
            data: data.to_vec(),
        };
        assert_eq!(got, want);
        // Version 2 keeps usage, type, sizes and attributes.
        let key = Stored {
            usage: 0x30,
            meta: KeyMeta { obj_type: 0xA000_0010, key_bits: 128, max_bits: 256 },
            attrs: Zeroizing::new(alloc::vec![1, 2, 3]),
            ..want
        };
        let v2 = s.seal(&key.view(), &nonce).unwrap();
        assert_eq!(s.open_file(&s.tag(id), &v2).unwrap(), key);
        file[4] = 3;
        assert_eq!(s.open_file(&s.tag(id), &file), Err(TeeError::CorruptObject));
    }
}
