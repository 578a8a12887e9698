//! The storage service's calls: open, create, delete, rename, read, write,
//! truncate, seek and enumerate persistent objects, with the checks and
//! error codes of upstream's `core/tee/tee_svc_storage.c` (OP-TEE 4.5.0).
//! No user memory here: `crate::syscall::storage` decodes the arguments.
//!
//! Handles ([`ObjectHandle`], [`Enumerator`]) live in the instance's handle
//! table; each holds the object ID, its `TEE_DATA_FLAG_*` and its
//! position. The content of an open object lives once in the kernel
//! (`super::shared`, found through the `registry`): every handle on it, in
//! any instance, sees every write. Every change is committed to the REE
//! file before the call returns.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use tee_abi::result::TeeError;

pub use super::enumerate::{Enumerator, enum_alloc, enum_check, enum_free, enum_next, enum_reset, enum_start};
use super::fs::ReeFs;
use super::object::{KeyMeta, MAX_DATA, ObjectView, Stored, TaStore, USAGE_ALL};
use super::registry::{self, Usage};
use super::shared::{Content, SharedObject};
use crate::handles::{Entry, HandleTable, Kind};
use zeroize::Zeroizing;

/// `TEE_STORAGE_PRIVATE`.
pub const STORAGE_PRIVATE: u64 = 1;
/// `TEE_STORAGE_PRIVATE_REE`.
pub const STORAGE_PRIVATE_REE: u64 = 0x8000_0000;

/// `TEE_DATA_MAX_POSITION`.
pub use tee_abi::gp::DATA_MAX_POSITION;
pub use tee_abi::gp::data_flag::ACCESS_READ;
pub use tee_abi::gp::data_flag::ACCESS_WRITE;
pub use tee_abi::gp::data_flag::ACCESS_WRITE_META;
pub use tee_abi::gp::data_flag::OVERWRITE;
pub use tee_abi::gp::data_flag::SHARE_READ;
pub use tee_abi::gp::data_flag::SHARE_WRITE;
/// `TEE_HANDLE_FLAG_INITIALIZED`.
pub use tee_abi::gp::handle_flag::INITIALIZED as HANDLE_FLAG_INITIALIZED;
/// `TEE_HANDLE_FLAG_PERSISTENT`.
pub use tee_abi::gp::handle_flag::PERSISTENT as HANDLE_FLAG_PERSISTENT;
/// `TEE_TYPE_DATA`.
pub use tee_abi::gp::object_type::DATA as TYPE_DATA;
/// Persistent handles plus enumerators one instance may hold.
pub const MAX_HANDLES: usize = crate::handles::MAX_PER_AREA;

/// The flags `STORAGE_OBJ_OPEN` accepts.
pub const OPEN_FLAGS: u32 = ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META | SHARE_READ | SHARE_WRITE;

/// A handle on an open persistent object. It holds one reference in the
/// kernel-wide list of open objects (`registry`), given back when the
/// handle is dropped: closed, deleted, or gone with its instance.
pub struct ObjectHandle {
    id: Vec<u8>,
    flags: u32,
    pos: u64,
    /// The TA's storage directory and the instance, for the list.
    dir: alloc::string::String,
    instance: u64,
}

impl ObjectHandle {
    /// Takes a reference in the list for a handle of `instance` on `id`;
    /// the object's content if it is in memory already.
    fn acquire(
        store: &TaStore,
        id: &[u8],
        flags: u32,
        usage: Usage,
        instance: u64,
    ) -> Result<(Self, Option<Arc<SharedObject>>), TeeError> {
        let known = registry::get(store.dir(), id, flags, usage, instance)?;
        Ok((ObjectHandle { id: id.to_vec(), flags, pos: 0, dir: store.dir().into(), instance }, known))
    }
}

impl Drop for ObjectHandle {
    fn drop(&mut self) {
        registry::put(&self.dir, &self.id, self.instance);
    }
}

impl Entry for ObjectHandle {
    const KIND: Kind = Kind::PersistentObject;
}

/// An object this instance has handles on.
struct OpenObject {
    content: Arc<SharedObject>,
    handles: usize,
}

/// Where `STORAGE_OBJ_CREATE` puts its handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewHandle {
    /// None: the TA passed no handle pointer.
    None,
    /// A fresh handle.
    Fresh,
    /// In place of this transient object (`crate::crypto::Object`), which
    /// becomes the persistent object (upstream: `TEE_CreatePersistentObject`
    /// with a NULL handle pointer and a transient attribute object).
    Replace(u32),
}

/// A key object's type, sizes, usage and attributes for a new persistent
/// object (`crate::crypto`'s `obj_export`).
pub type KeyParts = (KeyMeta, u32, Zeroizing<Vec<u8>>);

/// One instance's open persistent objects (their content is kernel-wide,
/// `super::shared`). Who may open what is the kernel-wide `registry`'s.
#[derive(Default)]
pub struct StorageState {
    objects: BTreeMap<Vec<u8>, OpenObject>,
    /// This instance in the `registry`.
    instance: u64,
}

/// A storage ID this kernel serves.
pub fn storage_ok(id: u64) -> Result<(), TeeError> {
    match id {
        STORAGE_PRIVATE | STORAGE_PRIVATE_REE => Ok(()),
        _ => Err(TeeError::ItemNotFound),
    }
}

/// `struct utee_object_info` of a persistent object.
pub fn info_bytes(meta: &KeyMeta, usage: u32, data_size: u32, data_pos: u32, handle_flags: u32) -> [u8; 28] {
    let mut out = [0u8; 28];
    // type, object size, max object size, usage, data size, position, flags
    let fields = [meta.obj_type, meta.key_bits, meta.max_bits, usage, data_size, data_pos, handle_flags];
    for (i, v) in fields.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    out
}

fn object_handle(handles: &HandleTable, h: u32) -> Result<&ObjectHandle, TeeError> {
    handles.get::<ObjectHandle>(h).ok_or(TeeError::BadParameters)
}

/// Commits new data and usage, `change(content)`, for object `id` and
/// installs them once the file is written: under the object's update
/// right, so concurrent updates from other instances apply one after the
/// other to the latest content; a failed commit changes nothing.
fn update(
    shared: &SharedObject,
    fs: &mut dyn ReeFs,
    store: &TaStore,
    id: &[u8],
    nonce: &[u8; 12],
    change: impl FnOnce(&Content) -> Result<(Vec<u8>, u32), TeeError>,
) -> Result<(), TeeError> {
    let _update = shared.begin_update(fs)?;
    let (data, usage, generation, meta, attrs) = {
        let c = shared.lock();
        let (data, usage) = change(&c)?;
        (data, usage, c.generation.wrapping_add(1), c.meta, Zeroizing::new(try_copy(&c.attrs)?))
    };
    store.commit_object(fs, &ObjectView { id, generation, usage, meta, attrs: &attrs, data: &data }, nonce, true)?;
    let mut c = shared.lock();
    c.data = data;
    c.usage = usage;
    c.generation = generation;
    Ok(())
}

/// A copy sized by a TA: OUT_OF_MEMORY rather than an abort.
fn try_copy(bytes: &[u8]) -> Result<Vec<u8>, TeeError> {
    crate::params::try_copy(bytes).map_err(|_| TeeError::OutOfMemory)
}

impl StorageState {
    /// No open object; a new instance in the kernel-wide list.
    pub fn new() -> StorageState {
        StorageState { objects: BTreeMap::new(), instance: registry::new_instance() }
    }

    /// Objects open (not handles).
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// No open object.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// A handle (`entry`, already in the list) on `content` put `Fresh`
    /// or `Replace`.
    fn add_handle(
        &mut self,
        handles: &mut HandleTable,
        entry: ObjectHandle,
        content: Arc<SharedObject>,
        at: NewHandle,
    ) -> Result<u32, TeeError> {
        let id = entry.id.clone();
        let h = match at {
            NewHandle::Replace(t) => {
                handles.replace::<crate::crypto::Object, ObjectHandle>(t, entry)?;
                t
            }
            _ => handles.insert(entry)?,
        };
        self.objects.entry(id).or_insert(OpenObject { content, handles: 0 }).handles += 1;
        Ok(h)
    }

    /// The content of handle `h`'s object.
    fn content(&self, handles: &HandleTable, h: u32) -> Result<&Arc<SharedObject>, TeeError> {
        let o = object_handle(handles, h)?;
        Ok(&self.objects.get(&o.id).ok_or(TeeError::BadState)?.content)
    }

    /// Content this instance or another has in memory for `id`.
    fn known(&self, id: &[u8], elsewhere: Option<Arc<SharedObject>>) -> Option<Arc<SharedObject>> {
        self.objects.get(id).map(|o| o.content.clone()).or(elsewhere)
    }

    /// The key object behind persistent handle `h`: type and sizes, usage
    /// and attributes, for the crypto calls that read it.
    pub fn key(&self, handles: &HandleTable, h: u32) -> Result<KeyParts, TeeError> {
        let c = self.content(handles, h)?.lock();
        Ok((c.meta, c.usage, Zeroizing::new(try_copy(&c.attrs)?)))
    }

    /// `CRYP_OBJ_CLOSE` on a persistent object.
    pub fn close(&mut self, handles: &mut HandleTable, h: u32) -> Result<(), TeeError> {
        let o = handles.remove::<ObjectHandle>(h).ok_or(TeeError::BadParameters)?;
        if let Some(obj) = self.objects.get_mut(&o.id) {
            obj.handles -= 1;
            if obj.handles == 0 {
                self.objects.remove(&o.id);
            }
        }
        Ok(())
    }

    /// `CRYP_OBJ_GET_INFO` on a persistent object.
    pub fn info(&self, handles: &HandleTable, h: u32) -> Result<[u8; 28], TeeError> {
        let o = object_handle(handles, h)?;
        let c = self.content(handles, h)?.lock();
        let flags = HANDLE_FLAG_PERSISTENT | HANDLE_FLAG_INITIALIZED | o.flags;
        Ok(info_bytes(&c.meta, c.usage, c.data.len() as u32, o.pos as u32, flags))
    }

    /// `CRYP_OBJ_RESTRICT_USAGE` on a persistent object (upstream's
    /// `syscall_cryp_obj_restrict_usage` with `tee_svc_storage_write_usage`):
    /// the object's usage narrows for every handle on it and in its file,
    /// with no access right required; if the file cannot be written the
    /// usage stays as it was.
    pub fn restrict_usage(
        &mut self,
        handles: &HandleTable,
        fs: &mut dyn ReeFs,
        store: &TaStore,
        h: u32,
        usage: u32,
        nonce: &[u8; 12],
    ) -> Result<(), TeeError> {
        let id = &object_handle(handles, h)?.id;
        update(self.content(handles, h)?, fs, store, id, nonce, |c| Ok((try_copy(&c.data)?, c.usage & usage)))
    }

    /// `STORAGE_OBJ_OPEN` of object `id` (flags already checked). An
    /// object found corrupt (its file missing, damaged, or not the version
    /// the directory file records) is deleted, as upstream's
    /// `syscall_storage_obj_open` (`remove_corrupt_obj`, optee_os 4.5.0);
    /// `nonce` seals the directory file then.
    pub fn open(
        &mut self,
        handles: &mut HandleTable,
        fs: &mut dyn ReeFs,
        store: &TaStore,
        id: Vec<u8>,
        flags: u32,
        nonce: &[u8; 12],
    ) -> Result<u32, TeeError> {
        let (entry, elsewhere) = ObjectHandle::acquire(store, &id, flags, Usage::Open, self.instance)?;
        let content = match self.known(&id, elsewhere) {
            Some(c) => c,
            None => {
                let stored = match store.load(fs, &id) {
                    Err(TeeError::CorruptObject) => {
                        let _ = store.remove(fs, &id, nonce);
                        return Err(TeeError::CorruptObject);
                    }
                    loaded => loaded?,
                };
                // Another instance may have loaded it meanwhile: one copy.
                registry::share(store.dir(), &id, SharedObject::new(stored)).ok_or(TeeError::BadState)?
            }
        };
        self.add_handle(handles, entry, content, NewHandle::Fresh)
    }

    /// Upstream's first check of a create (`tee_pobj_get`, before the
    /// initial data is read): an open object needs OVERWRITE and flags
    /// compatible with its first opener's, in any instance.
    pub fn create_check(&self, store: &TaStore, id: &[u8], flags: u32) -> Result<(), TeeError> {
        let usage = Usage::Create { overwrite: flags & OVERWRITE != 0 };
        registry::check(store.dir(), id, flags, usage)
    }

    /// `STORAGE_OBJ_CREATE` of object `id` with `data` and, from an
    /// attribute object, `key` (type, sizes, usage, attributes; a data
    /// object with every usage bit without one); its handle goes where `at`
    /// says. The handle is reserved before the file is written, so a full
    /// table (OUT_OF_MEMORY) leaves no file behind.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        &mut self,
        handles: &mut HandleTable,
        fs: &mut dyn ReeFs,
        store: &TaStore,
        id: Vec<u8>,
        flags: u32,
        data: Vec<u8>,
        key: Option<KeyParts>,
        nonce: &[u8; 12],
        at: NewHandle,
    ) -> Result<Option<u32>, TeeError> {
        if data.len() > MAX_DATA {
            return Err(TeeError::StorageNoSpace);
        }
        if at != NewHandle::None && handles.count(crate::handles::Area::Storage) >= MAX_HANDLES {
            return Err(TeeError::OutOfMemory);
        }
        let usage_of_list = Usage::Create { overwrite: flags & OVERWRITE != 0 };
        let (entry, elsewhere) = ObjectHandle::acquire(store, &id, flags, usage_of_list, self.instance)?;
        let (meta, usage, attrs) = key.unwrap_or((KeyMeta::DATA, USAGE_ALL, Zeroizing::new(Vec::new())));
        let stored = Stored { id, generation: 0, usage, meta, attrs, data };
        let overwrite = flags & OVERWRITE != 0;
        let content = match self.known(&stored.id, elsewhere) {
            // Open elsewhere (with OVERWRITE, or the list refused): every
            // handle on it sees the new content.
            Some(open) => {
                let _update = open.begin_update(fs)?;
                store.commit_object(fs, &stored.view(), nonce, overwrite)?;
                *open.lock() = Content::from_stored(stored);
                drop(_update);
                open
            }
            None => {
                store.commit_object(fs, &stored.view(), nonce, overwrite)?;
                let (dir, id) = (store.dir(), entry.id.clone());
                let new = SharedObject::new(stored);
                let in_force = registry::share(dir, &id, new.clone()).ok_or(TeeError::BadState)?;
                if !Arc::ptr_eq(&in_force, &new) {
                    // An open elsewhere loaded the old file meanwhile.
                    let _update = in_force.begin_update(fs)?;
                    let ours = Arc::try_unwrap(new).map_err(|_| TeeError::BadState)?;
                    *in_force.lock() = ours.into_content();
                }
                in_force
            }
        };
        if at == NewHandle::None {
            return Ok(None);
        }
        self.add_handle(handles, entry, content, at).map(Some)
    }

    /// `STORAGE_OBJ_DEL`: close and delete.
    pub fn delete(
        &mut self,
        handles: &mut HandleTable,
        fs: &mut dyn ReeFs,
        store: &TaStore,
        h: u32,
        nonce: &[u8; 12],
    ) -> Result<(), TeeError> {
        let o = object_handle(handles, h)?;
        if o.flags & ACCESS_WRITE_META == 0 {
            return Err(TeeError::AccessConflict);
        }
        let id = o.id.clone();
        let r = store.remove(fs, &id, nonce);
        self.close(handles, h)?;
        r
    }

    /// Checks a rename of handle `h` may go ahead (before the new ID is
    /// read, as upstream).
    pub fn rename_check(handles: &HandleTable, h: u32) -> Result<(), TeeError> {
        if object_handle(handles, h)?.flags & ACCESS_WRITE_META == 0 {
            return Err(TeeError::BadState);
        }
        Ok(())
    }

    /// `STORAGE_OBJ_RENAME` of handle `h`'s object to `new`.
    pub fn rename(
        &mut self,
        handles: &mut HandleTable,
        fs: &mut dyn ReeFs,
        store: &TaStore,
        h: u32,
        new: Vec<u8>,
        nonce: &[u8; 12],
    ) -> Result<(), TeeError> {
        Self::rename_check(handles, h)?;
        let old = object_handle(handles, h)?.id.clone();
        if registry::is_open(store.dir(), &new) {
            return Err(TeeError::AccessConflict);
        }
        let content = self.content(handles, h)?.clone();
        let _update = content.begin_update(fs)?;
        let stored = {
            let c = content.lock();
            Stored {
                id: old.clone(),
                generation: c.generation,
                usage: c.usage,
                meta: c.meta,
                attrs: Zeroizing::new(try_copy(&c.attrs)?),
                data: try_copy(&c.data)?,
            }
        };
        store.rename(fs, &old, &new, &stored, nonce)?;
        // WRITE_META is exclusive: this handle is the only one on the object,
        // in this instance and in the list.
        registry::rename(store.dir(), &old, &new)?;
        if let Some(moved) = self.objects.remove(&old) {
            let mut c = moved.content.lock();
            c.generation = c.generation.wrapping_add(1);
            drop(c);
            self.objects.insert(new.clone(), moved);
        }
        if let Some(o) = handles.get_mut::<ObjectHandle>(h) {
            o.id = new;
        }
        Ok(())
    }

    /// Checks handle `h` may be read: its position after reading `len`.
    pub fn read_check(handles: &HandleTable, h: u32, len: u64) -> Result<(), TeeError> {
        let o = object_handle(handles, h)?;
        if o.flags & ACCESS_READ == 0 {
            return Err(TeeError::AccessConflict);
        }
        o.pos.checked_add(len).ok_or(TeeError::Overflow)?;
        Ok(())
    }

    /// `STORAGE_OBJ_READ`: up to `len` bytes at the position, handed to
    /// `out` (which copies them to the TA); the position moves on only
    /// when `out` succeeds.
    pub fn read(
        &self,
        handles: &mut HandleTable,
        h: u32,
        len: u64,
        out: &mut dyn FnMut(&[u8]) -> Result<(), TeeError>,
    ) -> Result<(), TeeError> {
        Self::read_check(handles, h, len)?;
        let o = object_handle(handles, h)?;
        let c = self.content(handles, h)?.lock();
        let start = (o.pos as usize).min(c.data.len());
        let n = (c.data.len() - start).min(len as usize);
        out(&c.data[start..start + n])?;
        drop(c);
        if let Some(o) = handles.get_mut::<ObjectHandle>(h) {
            o.pos += n as u64;
        }
        Ok(())
    }

    /// Checks handle `h` may be written with `len` bytes at its position
    /// (before the bytes are read in); the end position.
    pub fn write_check(handles: &HandleTable, h: u32, len: u64) -> Result<u64, TeeError> {
        let o = object_handle(handles, h)?;
        if o.flags & ACCESS_WRITE == 0 {
            return Err(TeeError::AccessConflict);
        }
        o.pos.checked_add(len).ok_or(TeeError::Overflow)
    }

    /// `STORAGE_OBJ_WRITE`: `chunk` at the position; a gap past the end
    /// reads as zeros.
    pub fn write(
        &mut self,
        handles: &mut HandleTable,
        fs: &mut dyn ReeFs,
        store: &TaStore,
        h: u32,
        chunk: &[u8],
        nonce: &[u8; 12],
    ) -> Result<(), TeeError> {
        let end = Self::write_check(handles, h, chunk.len() as u64)?;
        if end > DATA_MAX_POSITION {
            return Err(TeeError::Overflow);
        }
        if end as usize > MAX_DATA {
            return Err(TeeError::StorageNoSpace);
        }
        let o = object_handle(handles, h)?;
        let pos = o.pos;
        update(self.content(handles, h)?, fs, store, &o.id, nonce, |c| {
            let mut data = try_copy(&c.data)?;
            if (data.len() as u64) < end {
                crate::params::try_resize(&mut data, end as usize).map_err(|_| TeeError::OutOfMemory)?;
            }
            data[pos as usize..end as usize].copy_from_slice(chunk);
            Ok((data, c.usage))
        })?;
        if let Some(o) = handles.get_mut::<ObjectHandle>(h) {
            o.pos = end;
        }
        Ok(())
    }

    /// `STORAGE_OBJ_TRUNC`: shrinks or zero-extends; the position stays.
    pub fn truncate(
        &mut self,
        handles: &mut HandleTable,
        fs: &mut dyn ReeFs,
        store: &TaStore,
        h: u32,
        len: u64,
        nonce: &[u8; 12],
    ) -> Result<(), TeeError> {
        let o = object_handle(handles, h)?;
        if o.flags & ACCESS_WRITE == 0 {
            return Err(TeeError::AccessConflict);
        }
        if len as usize > MAX_DATA {
            return Err(TeeError::StorageNoSpace);
        }
        update(self.content(handles, h)?, fs, store, &o.id, nonce, |c| {
            let mut data = try_copy(&c.data)?;
            crate::params::try_resize(&mut data, len as usize).map_err(|_| TeeError::OutOfMemory)?;
            Ok((data, c.usage))
        })
    }

    /// `STORAGE_OBJ_SEEK` `(offset, whence)`: SET 0, CUR 1, END 2; below 0
    /// clamps to 0.
    pub fn seek(&self, handles: &mut HandleTable, h: u32, offset: i32, whence: u64) -> Result<(), TeeError> {
        let o = object_handle(handles, h)?;
        let size = self.objects.get(&o.id).map_or(0, |d| d.content.lock().data.len()) as i64;
        let base = match whence {
            0 => 0,
            1 => o.pos as i64,
            2 => size,
            _ => return Err(TeeError::BadParameters),
        };
        let new = (base + i64::from(offset)).max(0) as u64;
        if new > DATA_MAX_POSITION {
            return Err(TeeError::BadParameters);
        }
        if let Some(o) = handles.get_mut::<ObjectHandle>(h) {
            o.pos = new;
        }
        Ok(())
    }
}
