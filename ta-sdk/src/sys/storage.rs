//! The storage syscalls (`TEE_SCN_STORAGE_*`, 41..=53; upstream
//! `utee_syscalls.h`) as safe wrappers: every pointer passed comes from a
//! Rust reference that lives for the call, with its true length. Handles are
//! the kernel's `u32`s; [`crate::storage`] wraps them in owning types.
//! Persistent handles are closed and described by the crypto service's
//! `CRYP_OBJ_CLOSE` / `CRYP_OBJ_GET_INFO` ([`super::cryp`]), as in libutee.

use super::arch::svc;
use super::cryp::ObjectInfo;
use crate::error::{TeeError, TeeResult};
use tee_abi::syscall::Syscall;

fn call(nr: Syscall, a: [usize; 8]) -> TeeResult {
    // SAFETY: only reached from the wrappers below, each of which passes
    // integers or pointers into borrows that outlive the call, with their
    // lengths, as syscall `nr` expects.
    TeeError::from_raw(unsafe { svc(nr, a) })
}

/// `_utee_storage_obj_open(storage_id, id, id_len, flags, &obj)`.
pub fn obj_open(storage_id: u32, id: &[u8], flags: u32) -> TeeResult<u32> {
    let mut h: u32 = 0;
    call(
        Syscall::StorageObjOpen,
        [storage_id as usize, id.as_ptr() as usize, id.len(), flags as usize, &raw mut h as usize, 0, 0, 0],
    )
    .map(|()| h)
}

/// `_utee_storage_obj_create(storage_id, id, id_len, flags, attr, data, len, &obj)`
/// with no attribute object (a pure data object).
pub fn obj_create(storage_id: u32, id: &[u8], flags: u32, data: &[u8]) -> TeeResult<u32> {
    let mut h: u32 = 0;
    call(
        Syscall::StorageObjCreate,
        [
            storage_id as usize,
            id.as_ptr() as usize,
            id.len(),
            flags as usize,
            0,
            data.as_ptr() as usize,
            data.len(),
            &raw mut h as usize,
        ],
    )
    .map(|()| h)
}

/// `_utee_storage_obj_del(obj)`: closes and deletes.
pub fn obj_del(obj: u32) -> TeeResult {
    call(Syscall::StorageObjDel, [obj as usize, 0, 0, 0, 0, 0, 0, 0])
}

/// `_utee_storage_obj_rename(obj, new_id, new_id_len)`.
pub fn obj_rename(obj: u32, new_id: &[u8]) -> TeeResult {
    call(Syscall::StorageObjRename, [obj as usize, new_id.as_ptr() as usize, new_id.len(), 0, 0, 0, 0, 0])
}

/// `_utee_storage_alloc_enum(&enum)`.
pub fn enum_alloc() -> TeeResult<u32> {
    let mut h: u32 = 0;
    call(Syscall::StorageEnumAlloc, [&raw mut h as usize, 0, 0, 0, 0, 0, 0, 0]).map(|()| h)
}

/// `_utee_storage_free_enum(enum)`.
pub fn enum_free(e: u32) -> TeeResult {
    call(Syscall::StorageEnumFree, [e as usize, 0, 0, 0, 0, 0, 0, 0])
}

/// `_utee_storage_reset_enum(enum)`.
pub fn enum_reset(e: u32) -> TeeResult {
    call(Syscall::StorageEnumReset, [e as usize, 0, 0, 0, 0, 0, 0, 0])
}

/// `_utee_storage_start_enum(enum, storage_id)`.
pub fn enum_start(e: u32, storage_id: u32) -> TeeResult {
    call(Syscall::StorageEnumStart, [e as usize, storage_id as usize, 0, 0, 0, 0, 0, 0])
}

/// `_utee_storage_next_enum(enum, &info, id, &id_len)`: `id` must hold 64
/// bytes (`TEE_OBJECT_ID_MAX_LEN`); the ID's length comes back.
pub fn enum_next(e: u32, id: &mut [u8; 64]) -> TeeResult<(ObjectInfo, usize)> {
    let mut info = ObjectInfo::default();
    let mut len: u64 = id.len() as u64;
    call(
        Syscall::StorageEnumNext,
        [e as usize, &raw mut info as usize, id.as_mut_ptr() as usize, &raw mut len as usize, 0, 0, 0, 0],
    )
    .map(|()| (info, len.min(64) as usize))
}

/// `_utee_storage_obj_read(obj, buf, len, &count)`.
pub fn obj_read(obj: u32, buf: &mut [u8]) -> TeeResult<usize> {
    let mut count: u64 = 0;
    call(
        Syscall::StorageObjRead,
        [obj as usize, buf.as_mut_ptr() as usize, buf.len(), &raw mut count as usize, 0, 0, 0, 0],
    )
    .map(|()| (count as usize).min(buf.len()))
}

/// `_utee_storage_obj_write(obj, buf, len)`.
pub fn obj_write(obj: u32, data: &[u8]) -> TeeResult {
    call(Syscall::StorageObjWrite, [obj as usize, data.as_ptr() as usize, data.len(), 0, 0, 0, 0, 0])
}

/// `_utee_storage_obj_trunc(obj, len)`.
pub fn obj_trunc(obj: u32, len: usize) -> TeeResult {
    call(Syscall::StorageObjTrunc, [obj as usize, len, 0, 0, 0, 0, 0, 0])
}

/// `_utee_storage_obj_seek(obj, offset, whence)`.
pub fn obj_seek(obj: u32, offset: i32, whence: u32) -> TeeResult {
    call(Syscall::StorageObjSeek, [obj as usize, offset as isize as usize, whence as usize, 0, 0, 0, 0, 0])
}
