//! The storage syscalls 41..=53 (`TEE_SCN_STORAGE_*`) and, on persistent
//! handles, `CRYP_OBJ_GET_INFO`, `CRYP_OBJ_RESTRICT_USAGE` and
//! `CRYP_OBJ_CLOSE`: argument
//! order, checks and error codes as upstream's `core/tee/tee_svc_storage.c`
//! (OP-TEE 4.5.0). The work is the storage service's
//! (`crate::storage::state`).

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::{SyscallContext, handle, write_u32, write_u64};
use crate::handles::{HandleTable, Kind};
use crate::storage::fs::RpcFs;
use crate::storage::object::{MAX_ID, TaStore, device_key};
use crate::storage::state::{
    self, HANDLE_FLAG_INITIALIZED, HANDLE_FLAG_PERSISTENT, NewHandle, OPEN_FLAGS, OVERWRITE, StorageState, info_bytes,
    storage_ok,
};

/// Whether handle `h` is one of the storage service's (24/28 go there).
pub(super) fn is_storage_kind(ctx: &mut dyn SyscallContext, h: u64) -> bool {
    matches!(ctx.handles().kind(handle(h)), Some(Kind::PersistentObject | Kind::Enumerator))
}

/// Runs `f` with the instance's open objects and handles out of the
/// context, so that RPCs and user copies can borrow the context; both are
/// put back whatever happens. NOT_SUPPORTED without secure storage.
fn with_storage(
    ctx: &mut dyn SyscallContext,
    f: impl FnOnce(&mut dyn SyscallContext, &mut StorageState, &mut HandleTable) -> Result<(), TeeError>,
) -> Result<(), TeeError> {
    let Some(slot) = ctx.storage() else {
        return Err(TeeError::NotSupported);
    };
    let mut st = core::mem::take(slot);
    let mut handles = core::mem::take(ctx.handles());
    let r = f(ctx, &mut st, &mut handles);
    *ctx.handles() = handles;
    if let Some(slot) = ctx.storage() {
        *slot = st;
    }
    r
}

fn store_of(ctx: &dyn SyscallContext) -> TaStore {
    TaStore::new(&device_key(), &ctx.properties().ta)
}

fn read_in(ctx: &dyn SyscallContext, va: u64, len: u64) -> Result<Vec<u8>, TeeError> {
    if len == 0 { Ok(Vec::new()) } else { ctx.regions().read(va, len) }
}

/// An object ID: at most `MAX_ID` bytes (BAD_PARAMETERS), from the TA's
/// own memory (upstream's `bb_memdup_user_private`: an ID in a client's
/// shared memory is ACCESS_DENIED, on which libutee panics; xtest 6020).
fn read_id(ctx: &dyn SyscallContext, va: u64, len: u64) -> Result<Vec<u8>, TeeError> {
    if len > MAX_ID as u64 {
        return Err(TeeError::BadParameters);
    }
    if len == 0 { Ok(Vec::new()) } else { ctx.regions().read_private(va, len) }
}

fn nonce(ctx: &mut dyn SyscallContext) -> [u8; 12] {
    let mut n = [0u8; 12];
    ctx.random(&mut n);
    n
}

/// `(obj, struct utee_object_info *)` on a persistent handle.
pub(super) fn obj_get_info(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        let info = st.info(handles, handle(a[0]))?;
        ctx.regions().write(a[1], &info)
    })
}

/// `(obj, usage)` on a persistent handle: the narrowed usage is written to
/// the object's file.
pub(super) fn obj_restrict_usage(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        let n = nonce(ctx);
        let store = store_of(ctx);
        st.restrict_usage(handles, &mut RpcFs::new(ctx.env()), &store, handle(a[0]), a[1] as u32, &n)
    })
}

/// Whether handle `h` is an open persistent object.
pub(super) fn is_persistent_object(ctx: &mut dyn SyscallContext, h: u64) -> bool {
    ctx.handles().kind(handle(h)) == Some(Kind::PersistentObject)
}

/// Runs `f` on a transient copy of persistent key object `h` (its stored
/// attributes, usage and sizes), made for the call and closed after it:
/// `CRYP_OBJ_COPY` from it (`TEE_SetOperationKey`) and `CRYP_OBJ_GET_ATTR`
/// run the crypto service's own code on it. The copy takes a crypto handle
/// for the call (OUT_OF_MEMORY when the TA holds the most it may).
pub(super) fn on_persistent_key<R>(
    ctx: &mut dyn SyscallContext,
    h: u64,
    f: impl FnOnce(&mut HandleTable, u32) -> Result<R, TeeError>,
) -> Result<R, TeeError> {
    let mut out = None;
    with_storage(ctx, |_, st, handles| {
        let (meta, usage, attrs) = st.key(handles, handle(h))?;
        let tmp = handles.obj_import(&meta, usage, &attrs)?;
        let r = f(handles, tmp);
        let _ = handles.obj_close(tmp);
        out = Some(r?);
        Ok(())
    })?;
    out.ok_or(TeeError::Generic)
}

/// `(obj)` on a persistent handle.
pub(super) fn obj_close(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |_, st, handles| st.close(handles, handle(a[0])))
}

/// `(storage_id, obj_id, obj_id_len, flags, u32 *obj)`.
pub(super) fn open(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        if a[3] & !u64::from(OPEN_FLAGS) != 0 {
            return Err(TeeError::BadParameters);
        }
        storage_ok(a[0])?;
        let id = read_id(ctx, a[1], a[2])?;
        let n = nonce(ctx);
        let store = store_of(ctx);
        let h = st.open(handles, &mut RpcFs::new(ctx.env()), &store, id, a[3] as u32, &n)?;
        write_u32(ctx, a[4], h).inspect_err(|_| {
            let _ = st.close(handles, h);
        })
    })
}

/// `(storage_id, obj_id, obj_id_len, flags, attr_obj, data, data_len, u32 *obj)`.
pub(super) fn create(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        if a[3] & !u64::from(OPEN_FLAGS | OVERWRITE) != 0 {
            return Err(TeeError::BadParameters);
        }
        storage_ok(a[0])?;
        let id = read_id(ctx, a[1], a[2])?;
        st.create_check(&store_of(ctx), &id, a[3] as u32)?;
        if a[6] != 0 && a[5] == 0 {
            return Err(TeeError::BadParameters);
        }
        // The attribute object: a transient key (exported; BAD_PARAMETERS
        // if uninitialised) or a persistent one (its stored key). With no
        // handle pointer a transient one becomes the new object in place.
        let attr = handle(a[4]);
        let persistent_attr = handles.kind(attr) == Some(Kind::PersistentObject);
        let key = match a[4] {
            0 => None,
            _ if persistent_attr => Some(st.key(handles, attr)?),
            _ => Some(handles.obj_export(attr)?),
        };
        let at = match (a[7], a[4]) {
            (0, 0) => NewHandle::None,
            (0, _) if !persistent_attr => NewHandle::Replace(attr),
            (0, _) => NewHandle::None,
            _ => NewHandle::Fresh,
        };
        let data = read_in(ctx, a[5], a[6])?;
        let n = nonce(ctx);
        let store = store_of(ctx);
        let fs = &mut RpcFs::new(ctx.env());
        let Some(h) = st.create(handles, fs, &store, id, a[3] as u32, data, key, &n, at)? else {
            return Ok(());
        };
        if at != NewHandle::Fresh {
            return Ok(());
        }
        write_u32(ctx, a[7], h).inspect_err(|_| {
            let _ = st.close(handles, h);
        })
    })
}

/// `(obj)`: close and delete.
pub(super) fn delete(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        let n = nonce(ctx);
        let store = store_of(ctx);
        st.delete(handles, &mut RpcFs::new(ctx.env()), &store, handle(a[0]), &n)
    })
}

/// `(obj, new_id, new_id_len)`.
pub(super) fn rename(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        if a[2] > MAX_ID as u64 {
            return Err(TeeError::BadParameters);
        }
        let h = handle(a[0]);
        StorageState::rename_check(handles, h)?;
        let new = read_id(ctx, a[1], a[2])?;
        let n = nonce(ctx);
        let store = store_of(ctx);
        st.rename(handles, &mut RpcFs::new(ctx.env()), &store, h, new, &n)
    })
}

/// `(u32 *enum)`.
pub(super) fn enum_alloc(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, _, handles| {
        let h = state::enum_alloc(handles)?;
        write_u32(ctx, a[0], h).inspect_err(|_| {
            let _ = state::enum_free(handles, h);
        })
    })
}

/// `(enum)`.
pub(super) fn enum_free(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |_, _, handles| state::enum_free(handles, handle(a[0])))
}

/// `(enum)`.
pub(super) fn enum_reset(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |_, _, handles| state::enum_reset(handles, handle(a[0])))
}

/// `(enum, storage_id)`.
pub(super) fn enum_start(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, _, handles| {
        let store = store_of(ctx);
        state::enum_start(handles, &mut RpcFs::new(ctx.env()), &store, handle(a[0]), a[1])
    })
}

/// `(enum, struct utee_object_info *info, obj_id, u64 *obj_id_len)`.
pub(super) fn enum_next(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, _, handles| {
        let h = handle(a[0]);
        state::enum_check(handles, h)?;
        ctx.regions().resolve(a[1], 28, true)?;
        ctx.regions().resolve(a[2], MAX_ID as u64, true)?;
        // Upstream's `syscall_storage_next_enum`: the object's type, sizes
        // and usage as stored, position 0.
        let l = state::enum_next(handles, h)?;
        let flags = HANDLE_FLAG_PERSISTENT | HANDLE_FLAG_INITIALIZED;
        ctx.regions().write(a[1], &info_bytes(&l.meta, l.usage, l.size as u32, 0, flags))?;
        if !l.id.is_empty() {
            ctx.regions().write(a[2], &l.id)?;
        }
        write_u64(ctx, a[3], l.id.len() as u64)
    })
}

/// `(obj, buf, len, u64 *count)`.
pub(super) fn read(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        let h = handle(a[0]);
        StorageState::read_check(handles, h, a[2])?;
        if a[2] != 0 {
            ctx.regions().resolve(a[1], a[2], true)?;
        }
        st.read(handles, h, a[2], &mut |bytes| {
            if !bytes.is_empty() {
                ctx.regions().write(a[1], bytes)?;
            }
            write_u64(ctx, a[3], bytes.len() as u64)
        })
    })
}

/// `(obj, buf, len)`: at the position; a gap past the end reads as zeros.
pub(super) fn write(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        let h = handle(a[0]);
        StorageState::write_check(handles, h, a[2])?;
        let chunk = read_in(ctx, a[1], a[2])?;
        let n = nonce(ctx);
        let store = store_of(ctx);
        st.write(handles, &mut RpcFs::new(ctx.env()), &store, h, &chunk, &n)
    })
}

/// `(obj, len)`: shrinks or zero-extends; the position stays.
pub(super) fn truncate(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |ctx, st, handles| {
        let n = nonce(ctx);
        let store = store_of(ctx);
        st.truncate(handles, &mut RpcFs::new(ctx.env()), &store, handle(a[0]), a[1], &n)
    })
}

/// `(obj, offset as i32, whence)`.
pub(super) fn seek(ctx: &mut dyn SyscallContext, a: &[u64; 8]) -> Result<(), TeeError> {
    with_storage(ctx, |_, st, handles| st.seek(handles, handle(a[0]), a[1] as u32 as i32, a[2]))
}
