//! A TA's object files, read and written against its directory file
//! ([`super::dirfile`]): an object exists when the directory names it, and
//! its file must have the digest recorded there.
//!
//! As upstream's REE FS (optee_os 4.5.0 `core/tee/tee_ree_fs.c`
//! `ree_fs_open`): an object in the directory whose file is missing, or
//! whose file has another digest (another object's file, an older version,
//! damage), is `CORRUPT_OBJECT`; a file the directory does not name is not
//! an object (`ITEM_NOT_FOUND`), and a missing directory file is an empty
//! store (with no monotonic counter, as upstream's `open_dirh`).
//!
//! Crash safety. An update writes `<object>.new` in full, then the
//! directory file (as `dirf.db.new`, renamed over `dirf.db`: the commit
//! point), then renames `<object>.new` over `<object>`. Before the commit
//! point the directory still names the old file, which is intact; after it
//! a reader that finds `<object>` with the old digest and `<object>.new`
//! with the new one rolls the rename forward. An update first settles such
//! a pending rename, so it never overwrites the only copy of the committed
//! version. Every step runs under the TA's [`DirLock`].

extern crate alloc;

use alloc::vec::Vec;
use sha2::{Digest, Sha256};
use tee_abi::result::TeeError;

use super::dirfile::{DirLock, Directory, HEADER_LEN};
use super::fs::ReeFs;
use super::object::{HEADER, Listed, ObjectView, Stored, TaStore};

fn digest(file: &[u8]) -> [u8; 32] {
    Sha256::digest(file).into()
}

/// The `header` bytes of file `path` and the body length `body_len` finds
/// in them: a complete file (bytes past it are not part of it).
fn read_sized(
    fs: &mut dyn ReeFs,
    path: &str,
    header: usize,
    body_len: fn(&[u8]) -> Result<usize, TeeError>,
) -> Result<Vec<u8>, TeeError> {
    let fd = fs.open(path)?;
    let file = (|| -> Result<Vec<u8>, TeeError> {
        let mut file = fs.read(fd, 0, header)?;
        let n = body_len(&file)?;
        let body = fs.read(fd, header as u64, n)?;
        if body.len() != n {
            return Err(TeeError::CorruptObject);
        }
        file.try_reserve_exact(n).map_err(|_| TeeError::OutOfMemory)?;
        file.extend_from_slice(&body);
        Ok(file)
    })();
    let _ = fs.close(fd);
    file
}

fn object_body_len(header: &[u8]) -> Result<usize, TeeError> {
    TaStore::header(header).map(|(_, _, n)| n as usize)
}

/// An object file at `path`.
fn read_object(fs: &mut dyn ReeFs, path: &str) -> Result<Vec<u8>, TeeError> {
    read_sized(fs, path, HEADER, object_body_len)
}

/// Writes `bytes` as the whole new file `path` (removed again on failure).
fn write_file(fs: &mut dyn ReeFs, path: &str, bytes: &[u8]) -> Result<(), TeeError> {
    let fd = create_retrying(fs, path)?;
    let written = fs.write(fd, 0, bytes);
    let closed = fs.close(fd);
    written.and(closed).map_err(|e| {
        let _ = fs.remove(path);
        storage_error(e)
    })
}

fn new_name(path: &str) -> alloc::string::String {
    alloc::format!("{path}.new")
}

impl TaStore {
    /// The directory as its file says (empty without one).
    fn read_dir(&self, fs: &mut dyn ReeFs) -> Result<Directory, TeeError> {
        let least = self.counter().minimum(self.dir())?;
        let dir = match read_sized(fs, &self.dir_file(), HEADER_LEN, Directory::body_len) {
            Ok(file) => Directory::open(self.dir_key(), &file)?,
            // A directory file a counter vouches for may not vanish.
            Err(TeeError::ItemNotFound) if least.is_some_and(|l| l > 0) => return Err(TeeError::Security),
            Err(TeeError::ItemNotFound) => Directory::default(),
            Err(e) => return Err(e),
        };
        if least.is_some_and(|l| dir.generation < l) {
            return Err(TeeError::Security);
        }
        Ok(dir)
    }

    /// Writes `dir` with the next generation (the commit point of an
    /// update). An empty directory without a counter is no file at all, so
    /// a TA's last object leaves nothing behind.
    fn write_dir(&self, fs: &mut dyn ReeFs, dir: &mut Directory, nonce: &[u8; 12]) -> Result<(), TeeError> {
        dir.generation = dir.generation.checked_add(1).ok_or(TeeError::Overflow)?;
        let path = self.dir_file();
        if dir.entries.is_empty() && self.counter().minimum(self.dir())?.is_none() {
            return match fs.remove(&path) {
                Ok(()) | Err(TeeError::ItemNotFound) => Ok(()),
                Err(e) => Err(storage_error(e)),
            };
        }
        let file = dir.seal(self.dir_key(), nonce)?;
        let tmp = new_name(&path);
        write_file(fs, &tmp, &file)?;
        fs.rename(&tmp, &path, true).map_err(|e| {
            let _ = fs.remove(&tmp);
            storage_error(e)
        })?;
        self.counter().advance(self.dir(), dir.generation)
    }

    /// The file of the object with name tag `tag` if its digest is `want`;
    /// a committed `<file>.new` is renamed into place first.
    fn read_checked(&self, fs: &mut dyn ReeFs, tag: &[u8; 32], want: &[u8; 32]) -> Result<Vec<u8>, TeeError> {
        let path = self.tag_path(tag);
        match read_object(fs, &path) {
            Ok(file) if digest(&file) == *want => return Ok(file),
            Ok(_) | Err(TeeError::ItemNotFound | TeeError::CorruptObject) => {}
            Err(e) => return Err(e),
        }
        let tmp = new_name(&path);
        match read_object(fs, &tmp) {
            Ok(file) if digest(&file) == *want => {
                // If this rename fails the next reader rolls forward again.
                let _ = fs.rename(&tmp, &path, true);
                Ok(file)
            }
            Ok(_) | Err(TeeError::ItemNotFound | TeeError::CorruptObject) => Err(TeeError::CorruptObject),
            Err(e) => Err(e),
        }
    }

    /// Before `<file>.new` is overwritten: a committed one left by a crash
    /// is renamed into place (a damaged object is left to be replaced).
    fn settle(&self, fs: &mut dyn ReeFs, tag: &[u8; 32], want: &[u8; 32]) -> Result<(), TeeError> {
        match fs.open(&new_name(&self.tag_path(tag))) {
            Ok(fd) => {
                let _ = fs.close(fd);
            }
            Err(TeeError::ItemNotFound) => return Ok(()),
            Err(e) => return Err(e),
        }
        match self.read_checked(fs, tag, want) {
            Ok(_) | Err(TeeError::CorruptObject) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Seals `o` into `<file>.new` and records its digest in `dir`.
    fn stage(
        &self,
        fs: &mut dyn ReeFs,
        dir: &mut Directory,
        o: &ObjectView<'_>,
        nonce: &[u8; 12],
    ) -> Result<(), TeeError> {
        let file = self.seal(o, nonce)?;
        let tmp = new_name(&self.path(o.id));
        dir.set(self.tag(o.id), digest(&file))?;
        write_file(fs, &tmp, &file)
    }

    /// Object `id`: `ITEM_NOT_FOUND` if the directory does not name it,
    /// `CORRUPT_OBJECT` if its file is missing or not the one recorded.
    pub fn load(&self, fs: &mut dyn ReeFs, id: &[u8]) -> Result<Stored, TeeError> {
        let _lock = DirLock::take(fs, self.dir())?;
        let dir = self.read_dir(fs)?;
        let tag = self.tag(id);
        let want = dir.find(&tag).ok_or(TeeError::ItemNotFound)?;
        let file = self.read_checked(fs, &tag, &want)?;
        self.open_file(&tag, &file)
    }

    /// [`TaStore::commit_object`] of a data object with every usage bit.
    pub fn commit(
        &self,
        fs: &mut dyn ReeFs,
        id: &[u8],
        generation: u64,
        data: &[u8],
        nonce: &[u8; 12],
        overwrite: bool,
    ) -> Result<(), TeeError> {
        self.commit_object(fs, &ObjectView::data(id, generation, data), nonce, overwrite)
    }

    /// Writes object `o` (refused with `ACCESS_CONFLICT` when the directory
    /// names it and `overwrite` is false); wholly old or wholly new after a
    /// crash.
    pub fn commit_object(
        &self,
        fs: &mut dyn ReeFs,
        o: &ObjectView<'_>,
        nonce: &[u8; 12],
        overwrite: bool,
    ) -> Result<(), TeeError> {
        let _lock = DirLock::take(fs, self.dir())?;
        let mut dir = self.read_dir(fs)?;
        let tag = self.tag(o.id);
        if let Some(want) = dir.find(&tag) {
            if !overwrite {
                return Err(TeeError::AccessConflict);
            }
            self.settle(fs, &tag, &want)?;
        }
        self.stage(fs, &mut dir, o, nonce)?;
        let path = self.path(o.id);
        let tmp = new_name(&path);
        self.write_dir(fs, &mut dir, nonce).inspect_err(|_| {
            let _ = fs.remove(&tmp);
        })?;
        // Committed; a failed rename is rolled forward by the next reader.
        let _ = fs.rename(&tmp, &path, true);
        Ok(())
    }

    /// Deletes object `id` (`ITEM_NOT_FOUND` if the directory does not
    /// name it). `nonce` seals the new directory file.
    pub fn remove(&self, fs: &mut dyn ReeFs, id: &[u8], nonce: &[u8; 12]) -> Result<(), TeeError> {
        let _lock = DirLock::take(fs, self.dir())?;
        let mut dir = self.read_dir(fs)?;
        if !dir.remove(&self.tag(id)) {
            return Err(TeeError::ItemNotFound);
        }
        self.write_dir(fs, &mut dir, nonce)?;
        // Gone once the directory says so; the files are only garbage.
        let path = self.path(id);
        let _ = fs.remove(&path);
        let _ = fs.remove(&new_name(&path));
        Ok(())
    }

    /// Moves object `old` to the free ID `new` (re-encrypted: the ID is
    /// authenticated), in one directory update.
    pub fn rename(
        &self,
        fs: &mut dyn ReeFs,
        old: &[u8],
        new: &[u8],
        obj: &Stored,
        nonce: &[u8; 12],
    ) -> Result<(), TeeError> {
        let _lock = DirLock::take(fs, self.dir())?;
        let mut dir = self.read_dir(fs)?;
        if dir.find(&self.tag(new)).is_some() {
            return Err(TeeError::AccessConflict);
        }
        if !dir.remove(&self.tag(old)) {
            return Err(TeeError::ItemNotFound);
        }
        let moved = ObjectView { id: new, generation: obj.generation.wrapping_add(1), ..obj.view() };
        self.stage(fs, &mut dir, &moved, nonce)?;
        let (path, old_path) = (self.path(new), self.path(old));
        let tmp = new_name(&path);
        self.write_dir(fs, &mut dir, nonce).inspect_err(|_| {
            let _ = fs.remove(&tmp);
        })?;
        let _ = fs.rename(&tmp, &path, true);
        let _ = fs.remove(&old_path);
        let _ = fs.remove(&new_name(&old_path));
        Ok(())
    }

    /// Every object of this TA: (ID, data size); see [`TaStore::list_info`].
    pub fn list(&self, fs: &mut dyn ReeFs) -> Result<Vec<(Vec<u8>, usize)>, TeeError> {
        Ok(self.list_info(fs)?.into_iter().map(|l| (l.id, l.size)).collect())
    }

    /// Every object the directory file names, in its order; objects whose
    /// file is missing or not the one recorded are left out (opening them
    /// says `CORRUPT_OBJECT`). The normal world's directory listing is not
    /// used.
    pub fn list_info(&self, fs: &mut dyn ReeFs) -> Result<Vec<Listed>, TeeError> {
        let _lock = DirLock::take(fs, self.dir())?;
        let dir = self.read_dir(fs)?;
        let mut out = Vec::new();
        out.try_reserve_exact(dir.entries.len()).map_err(|_| TeeError::OutOfMemory)?;
        for e in &dir.entries {
            let Ok(file) = self.read_checked(fs, &e.tag, &e.digest) else { continue };
            if let Ok(s) = self.open_file(&e.tag, &file) {
                out.push(Listed { size: s.data.len(), meta: s.meta, usage: s.usage, id: s.id });
            }
        }
        Ok(out)
    }
}

/// Times [`create_retrying`] asks tee-supplicant.
const CREATE_TRIES: usize = 4;

/// CREATE, asked again when it fails as a lost race would. tee-supplicant
/// (optee_client 4.5.0 `ree_fs_new_create`, `ree_fs_new_remove`) removes a
/// directory its REMOVE emptied, and its CREATE makes missing directories
/// but fails (GENERIC from EEXIST, or ITEM_NOT_FOUND) when another thread
/// makes or removes the same directory meanwhile. One TA's updates are
/// serialised by its [`DirLock`], but the parent `/tz` is shared by every
/// TA. Upstream OP-TEE keeps its files in one directory that never empties.
fn create_retrying(fs: &mut dyn ReeFs, path: &str) -> Result<u64, TeeError> {
    let mut tries = 1;
    loop {
        match fs.create(path) {
            Err(TeeError::Generic | TeeError::ItemNotFound) if tries < CREATE_TRIES => tries += 1,
            r => return r,
        }
    }
}

/// Maps file-system failures of an update to GP storage errors.
fn storage_error(e: TeeError) -> TeeError {
    match e {
        TeeError::StorageNoSpace | TeeError::OutOfMemory => e,
        _ => TeeError::Generic,
    }
}
