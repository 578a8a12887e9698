//! GP trusted storage: persistent objects (`TEE_CreatePersistentObject`,
//! `TEE_OpenPersistentObject`, read/write/seek/truncate, rename, delete) and
//! enumerators, over utee syscalls 41..=53. Handles close on drop.
//!
//! ```ignore
//! use ta_sdk::storage::{PersistentObject, Storage, Whence, flags};
//!
//! let mut o = PersistentObject::create(Storage::Private, b"counter",
//!     flags::ACCESS_READ | flags::ACCESS_WRITE | flags::OVERWRITE, &[0; 4])?;
//! o.seek(0, Whence::Set)?;
//! o.write(&1u32.to_le_bytes())?;
//! drop(o);                                    // TEE_CloseObject
//! let mut o = PersistentObject::open(Storage::Private, b"counter", flags::ACCESS_READ)?;
//! let mut buf = [0u8; 4];
//! assert_eq!(o.read(&mut buf)?, 4);
//! ```
//!
//! On our kernel objects are AES-256-GCM-encrypted files under a per-TA
//! directory of tee-supplicant's storage, replaced atomically on every
//! change; on upstream OP-TEE they are its REE FS objects.

use crate::error::{TeeError, TeeResult};
use crate::sys;
pub use crate::sys::cryp::ObjectInfo;

/// `TEE_DATA_MAX_POSITION`: the largest data position of an object.
pub use tee_abi::gp::DATA_MAX_POSITION;
/// `TEE_OBJECT_ID_MAX_LEN`.
pub use tee_abi::gp::OBJECT_ID_MAX_LEN as MAX_ID_LEN;
/// `TEE_DATA_FLAG_*`.
pub use tee_abi::gp::data_flag as flags;
use tee_abi::gp::{storage_id, whence};

/// Storage IDs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `TEE_STORAGE_PRIVATE` (1): the default private storage.
    Private,
    /// `TEE_STORAGE_PRIVATE_REE` (0x80000000): the REE file system.
    PrivateRee,
    /// Any other number (e.g. RPMB `0x80000100`).
    Other(u32),
}

impl Storage {
    /// The storage ID number.
    pub const fn id(self) -> u32 {
        match self {
            Storage::Private => storage_id::PRIVATE,
            Storage::PrivateRee => storage_id::PRIVATE_REE,
            Storage::Other(n) => n,
        }
    }
}

/// `TEE_Whence`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whence {
    Set = whence::SET,
    Cur = whence::CUR,
    End = whence::END,
}

/// An open persistent object; closed on drop.
#[derive(Debug)]
pub struct PersistentObject {
    handle: u32,
}

impl PersistentObject {
    /// `TEE_CreatePersistentObject` of a data object with initial `data`.
    /// Without [`flags::OVERWRITE`] an existing object is `AccessConflict`.
    pub fn create(storage: Storage, id: &[u8], flags: u32, data: &[u8]) -> TeeResult<PersistentObject> {
        if id.len() > MAX_ID_LEN {
            return Err(TeeError::BadParameters);
        }
        sys::storage::obj_create(storage.id(), id, flags, data).map(|handle| PersistentObject { handle })
    }

    /// `TEE_OpenPersistentObject`; `ItemNotFound` if there is none.
    pub fn open(storage: Storage, id: &[u8], flags: u32) -> TeeResult<PersistentObject> {
        if id.len() > MAX_ID_LEN {
            return Err(TeeError::BadParameters);
        }
        sys::storage::obj_open(storage.id(), id, flags).map(|handle| PersistentObject { handle })
    }

    /// `TEE_ReadObjectData`: bytes read at the position (0 at the end).
    pub fn read(&mut self, buf: &mut [u8]) -> TeeResult<usize> {
        sys::storage::obj_read(self.handle, buf)
    }

    /// Reads from the position to the end of the data stream.
    pub fn read_to_end(&mut self) -> TeeResult<alloc::vec::Vec<u8>> {
        let info = self.info()?;
        let left = info.data_size.saturating_sub(info.data_position) as usize;
        let mut v = alloc::vec![0u8; left];
        let n = self.read(&mut v)?;
        v.truncate(n);
        Ok(v)
    }

    /// `TEE_WriteObjectData` at the position.
    pub fn write(&mut self, data: &[u8]) -> TeeResult {
        sys::storage::obj_write(self.handle, data)
    }

    /// `TEE_SeekObjectData`. A position past `TEE_DATA_MAX_POSITION` is
    /// `Err(Overflow)`, as GP (and libutee, which checks before asking the
    /// kernel, whose own answer is BAD_PARAMETERS) says; a negative one
    /// becomes 0.
    pub fn seek(&mut self, offset: i32, whence: Whence) -> TeeResult {
        if offset > 0 {
            let info = self.info()?;
            let base = match whence {
                Whence::Set => 0,
                Whence::Cur => info.data_position,
                Whence::End => info.data_size,
            };
            if u64::from(base) + offset as u64 > DATA_MAX_POSITION {
                return Err(TeeError::Overflow);
            }
        }
        sys::storage::obj_seek(self.handle, offset, whence as u32)
    }

    /// `TEE_TruncateObjectData`.
    pub fn truncate(&mut self, len: usize) -> TeeResult {
        sys::storage::obj_trunc(self.handle, len)
    }

    /// `TEE_RenamePersistentObject` (needs [`flags::ACCESS_WRITE_META`]).
    pub fn rename(&mut self, new_id: &[u8]) -> TeeResult {
        if new_id.len() > MAX_ID_LEN {
            return Err(TeeError::BadParameters);
        }
        sys::storage::obj_rename(self.handle, new_id)
    }

    /// `TEE_CloseAndDeletePersistentObject1` (needs
    /// [`flags::ACCESS_WRITE_META`]); on failure the object stays open.
    pub fn delete(self) -> Result<(), (TeeError, PersistentObject)> {
        match sys::storage::obj_del(self.handle) {
            Ok(()) => {
                core::mem::forget(self);
                Ok(())
            }
            Err(e) => Err((e, self)),
        }
    }

    /// `TEE_GetObjectInfo1`: data size, position, handle flags.
    pub fn info(&self) -> TeeResult<ObjectInfo> {
        sys::cryp::cryp_obj_get_info(self.handle)
    }

    /// The kernel's handle.
    pub fn raw(&self) -> u32 {
        self.handle
    }
}

impl Drop for PersistentObject {
    fn drop(&mut self) {
        let _ = sys::cryp::cryp_obj_close(self.handle);
    }
}

/// A persistent-object enumerator; freed on drop.
#[derive(Debug)]
pub struct Enumerator {
    handle: u32,
}

impl Enumerator {
    /// `TEE_AllocatePersistentObjectEnumerator`.
    pub fn new() -> TeeResult<Enumerator> {
        sys::storage::enum_alloc().map(|handle| Enumerator { handle })
    }

    /// `TEE_StartPersistentObjectEnumerator` (`ItemNotFound` when the TA
    /// has no object there).
    pub fn start(&mut self, storage: Storage) -> TeeResult {
        sys::storage::enum_start(self.handle, storage.id())
    }

    /// `TEE_ResetPersistentObjectEnumerator`.
    pub fn reset(&mut self) -> TeeResult {
        sys::storage::enum_reset(self.handle)
    }

    /// `TEE_GetNextPersistentObject`: the object's info and its ID in `id`
    /// (`ItemNotFound` at the end).
    pub fn next_object(&mut self, id: &mut [u8; MAX_ID_LEN]) -> TeeResult<(ObjectInfo, usize)> {
        sys::storage::enum_next(self.handle, id)
    }
}

impl Drop for Enumerator {
    fn drop(&mut self) {
        let _ = sys::storage::enum_free(self.handle);
    }
}
