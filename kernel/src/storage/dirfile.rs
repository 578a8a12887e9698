//! The per-TA directory file: which objects a TA has and the SHA-256 of
//! each one's complete file, so that a file swapped for another, put back
//! from an older version, or deleted is noticed (the role of upstream's
//! `dirf.db`, optee_os 4.5.0 `core/tee/fs_dirfile.c` and
//! `core/tee/tee_ree_fs.c`; upstream keeps one for all TAs, we keep one per
//! TA in its directory, under the TA's own key).
//!
//! File format (`VERSION` 1), next to the object files as [`FILE_NAME`]: a
//! 40-byte header — magic `TZSD`, version u32, generation u64, body length
//! u64, 12-byte nonce, 4 reserved bytes — then AES-256-GCM (16-byte tag,
//! the header as AAD, a key of its own: `TaStore`'s directory key) of
//! `count u32 || count × (name tag [32] || file digest [32])`.
//!
//! The generation goes up on every write. Without a trusted monotonic
//! counter nothing stops the normal world from putting back an older
//! directory file together with the object files of that time; a platform
//! that has one (RPMB, a secure-only NV counter) plugs it in through
//! [`RollbackCounter`] (upstream: `nv_counter_get_ree_fs` /
//! `nv_counter_incr_ree_fs_to`), and a directory file older than the
//! counter, or missing while the counter says one was written, is refused
//! with `SECURITY` as upstream's `open_dirh`.
//!
//! Updates of one TA's directory are serialised by [`DirLock`]: a per-TA
//! busy flag taken for a whole read-modify-write (which spans several
//! RPCs, so no spin lock is held); a waiter sleeps in the normal world.

extern crate alloc;

use crate::sync::SpinLock;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::fs::ReeFs;

/// The directory file's name in the TA's directory (not 64 hex digits, so
/// never taken for an object's file).
pub const FILE_NAME: &str = "dirf.db";
const MAGIC: [u8; 4] = *b"TZSD";
const VERSION: u32 = 1;
const HEADER: usize = 40;
const TAG: usize = 16;
const ENTRY: usize = 64;
/// Objects one TA may have (the bound on the file a hostile normal world
/// can make us read).
pub const MAX_ENTRIES: usize = super::object::MAX_DIR_ENTRIES;

/// One object: its name tag and the SHA-256 of its complete file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub tag: [u8; 32],
    pub digest: [u8; 32],
}

/// A TA's directory as read (generation 0 and no entry: none written yet).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    pub generation: u64,
    pub entries: Vec<DirEntry>,
}

impl Directory {
    /// The digest recorded for name tag `tag`.
    pub fn find(&self, tag: &[u8; 32]) -> Option<[u8; 32]> {
        self.entries.iter().find(|e| e.tag == *tag).map(|e| e.digest)
    }

    /// Records `digest` for `tag` (STORAGE_NO_SPACE past [`MAX_ENTRIES`]).
    pub fn set(&mut self, tag: [u8; 32], digest: [u8; 32]) -> Result<(), TeeError> {
        if let Some(e) = self.entries.iter_mut().find(|e| e.tag == tag) {
            e.digest = digest;
            return Ok(());
        }
        if self.entries.len() >= MAX_ENTRIES {
            return Err(TeeError::StorageNoSpace);
        }
        self.entries.try_reserve(1).map_err(|_| TeeError::OutOfMemory)?;
        self.entries.push(DirEntry { tag, digest });
        Ok(())
    }

    /// Drops `tag`'s entry; whether there was one.
    pub fn remove(&mut self, tag: &[u8; 32]) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.tag != *tag);
        before != self.entries.len()
    }

    /// The directory sealed into a complete file under `key`.
    pub fn seal(&self, key: &[u8; 32], nonce: &[u8; 12]) -> Result<Vec<u8>, TeeError> {
        let mut plain = Vec::new();
        plain.try_reserve_exact(4 + ENTRY * self.entries.len()).map_err(|_| TeeError::OutOfMemory)?;
        plain.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for e in &self.entries {
            plain.extend_from_slice(&e.tag);
            plain.extend_from_slice(&e.digest);
        }
        let mut header = [0u8; HEADER];
        header[..4].copy_from_slice(&MAGIC);
        header[4..8].copy_from_slice(&VERSION.to_le_bytes());
        header[8..16].copy_from_slice(&self.generation.to_le_bytes());
        header[16..24].copy_from_slice(&((plain.len() + TAG) as u64).to_le_bytes());
        header[24..36].copy_from_slice(nonce);
        let body = Aes256Gcm::new(key.into())
            .encrypt(Nonce::from_slice(nonce), Payload { msg: &plain, aad: &header })
            .map_err(|_| TeeError::Generic)?;
        let mut file = Vec::new();
        file.try_reserve_exact(HEADER + body.len()).map_err(|_| TeeError::OutOfMemory)?;
        file.extend_from_slice(&header);
        file.extend_from_slice(&body);
        Ok(file)
    }

    /// The body length a directory file's header declares (bounded).
    pub fn body_len(header: &[u8]) -> Result<usize, TeeError> {
        if header.len() != HEADER || header[..4] != MAGIC || header[4..8] != VERSION.to_le_bytes() {
            return Err(TeeError::CorruptObject);
        }
        let len = u64::from_le_bytes(header[16..24].try_into().map_err(|_| TeeError::CorruptObject)?);
        if len < (4 + TAG) as u64 || len > (4 + ENTRY * MAX_ENTRIES + TAG) as u64 {
            return Err(TeeError::CorruptObject);
        }
        Ok(len as usize)
    }

    /// A directory file opened under `key`; `CORRUPT_OBJECT` unless it
    /// authenticates and is well formed.
    pub fn open(key: &[u8; 32], file: &[u8]) -> Result<Directory, TeeError> {
        let header = file.get(..HEADER).ok_or(TeeError::CorruptObject)?;
        if Self::body_len(header)? != file.len() - HEADER {
            return Err(TeeError::CorruptObject);
        }
        let plain = Aes256Gcm::new(key.into())
            .decrypt(Nonce::from_slice(&file[24..36]), Payload { msg: &file[HEADER..], aad: header })
            .map_err(|_| TeeError::CorruptObject)?;
        let count = u32::from_le_bytes(plain[..4].try_into().map_err(|_| TeeError::CorruptObject)?) as usize;
        if count > MAX_ENTRIES || plain.len() != 4 + ENTRY * count {
            return Err(TeeError::CorruptObject);
        }
        let mut entries = Vec::new();
        entries.try_reserve_exact(count).map_err(|_| TeeError::OutOfMemory)?;
        for raw in plain[4..].chunks_exact(ENTRY) {
            let mut e = DirEntry { tag: [0; 32], digest: [0; 32] };
            e.tag.copy_from_slice(&raw[..32]);
            e.digest.copy_from_slice(&raw[32..]);
            entries.push(e);
        }
        let generation = u64::from_le_bytes(file[8..16].try_into().map_err(|_| TeeError::CorruptObject)?);
        Ok(Directory { generation, entries })
    }
}

/// The directory file header's size (read first, for the body length).
pub const HEADER_LEN: usize = HEADER;

/// PLATFORM HOOK: a trusted monotonic counter per TA directory, which the
/// normal world cannot roll back. With one, a directory file older than
/// the counter (and every object file of that time with it) is refused.
pub trait RollbackCounter: Sync {
    /// The least generation a valid directory file of `dir` may have;
    /// `None` without a counter.
    fn minimum(&self, dir: &str) -> Result<Option<u64>, TeeError>;
    /// Records that `dir`'s directory file now has `generation` (called
    /// after the file is in place, as upstream increments its counter after
    /// the commit).
    fn advance(&self, dir: &str, generation: u64) -> Result<(), TeeError>;
}

/// No counter (QEMU `virt` has no RPMB and no secure NV counter): stale
/// directory files go unnoticed.
pub struct NoCounter;

impl RollbackCounter for NoCounter {
    fn minimum(&self, _: &str) -> Result<Option<u64>, TeeError> {
        Ok(None)
    }
    fn advance(&self, _: &str, _: u64) -> Result<(), TeeError> {
        Ok(())
    }
}

/// The platform's counter (QEMU: none).
pub fn platform_counter() -> &'static dyn RollbackCounter {
    &NoCounter
}

/// TA directories whose directory file an update is reading or writing.
static BUSY: SpinLock<BTreeSet<String>> = SpinLock::new(BTreeSet::new());
/// Waits of [`DirLock::take`] (about 1 ms each in the normal world) before
/// it gives up with BUSY: far more than one 1 MiB object's update takes.
const LOCK_TRIES: usize = 20_000;

/// A TA directory held for one read-modify-write of its directory file;
/// released when dropped.
pub struct DirLock {
    dir: String,
}

impl DirLock {
    /// Takes `dir`, pausing through `fs` while another update holds it.
    pub fn take(fs: &mut dyn ReeFs, dir: &str) -> Result<DirLock, TeeError> {
        for _ in 0..LOCK_TRIES {
            {
                let mut busy = BUSY.lock();
                if !busy.contains(dir) {
                    busy.insert(String::from(dir));
                    return Ok(DirLock { dir: String::from(dir) });
                }
            }
            fs.pause()?;
        }
        Err(TeeError::Busy)
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        BUSY.lock().remove(&self.dir);
    }
}
