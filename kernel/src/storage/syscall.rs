//! utee syscalls 41..=53 (`TEE_SCN_STORAGE_*`) and, for persistent-object
//! handles, 24 (`CRYP_OBJ_GET_INFO`) and 28 (`CRYP_OBJ_CLOSE`). Argument
//! order, checks and error codes follow upstream's
//! `core/tee/tee_svc_storage.c` (OP-TEE 4.x).
//!
//! Each instance keeps its open objects: a handle holds the object ID, its
//! `TEE_DATA_FLAG_*` and its position; the data of an open object lives once
//! per instance (all handles on it see every write). Every change is
//! committed to the REE file before the syscall returns.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use tee_abi::result;

use super::fs::RpcFs;
use super::object::{MAX_DATA, MAX_ID, TaStore, device_key};
use crate::user_ta::syscall::{Outcome, SyscallContext};

pub const STORAGE_OBJ_OPEN: u64 = 41;
pub const STORAGE_OBJ_CREATE: u64 = 42;
pub const STORAGE_OBJ_DEL: u64 = 43;
pub const STORAGE_OBJ_RENAME: u64 = 44;
pub const STORAGE_ENUM_ALLOC: u64 = 45;
pub const STORAGE_ENUM_FREE: u64 = 46;
pub const STORAGE_ENUM_RESET: u64 = 47;
pub const STORAGE_ENUM_START: u64 = 48;
pub const STORAGE_ENUM_NEXT: u64 = 49;
pub const STORAGE_OBJ_READ: u64 = 50;
pub const STORAGE_OBJ_WRITE: u64 = 51;
pub const STORAGE_OBJ_TRUNC: u64 = 52;
pub const STORAGE_OBJ_SEEK: u64 = 53;
/// `TEE_SCN_CRYP_OBJ_GET_INFO` on a persistent handle.
pub const CRYP_OBJ_GET_INFO: u64 = 24;
/// `TEE_SCN_CRYP_OBJ_CLOSE` on a persistent handle.
pub const CRYP_OBJ_CLOSE: u64 = 28;

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

/// Persistent-object and enumerator handles carry this tag in their top
/// nibble, so that 24/28 can tell them from the crypto service's handles.
pub const HANDLE_TAG: u32 = 0x5000_0000;
const HANDLE_MASK: u32 = 0xF000_0000;
/// Handles one instance may hold.
pub const MAX_HANDLES: usize = 256;

/// Whether syscall `nr` with first argument `a0` is this module's.
pub fn owns(nr: u64, a0: u64) -> bool {
    match nr {
        41..=53 => true,
        CRYP_OBJ_GET_INFO | CRYP_OBJ_CLOSE => is_storage_handle(a0),
        _ => false,
    }
}

/// Whether `h` is a persistent-object or enumerator handle.
pub fn is_storage_handle(h: u64) -> bool {
    u32::try_from(h).is_ok_and(|h| h & HANDLE_MASK == HANDLE_TAG)
}

struct Handle {
    id: Vec<u8>,
    flags: u32,
    pos: u64,
}

struct OpenObject {
    data: Vec<u8>,
    generation: u64,
    handles: usize,
}

/// `None` until started; then the snapshot and the next index.
type Enumerator = Option<(Vec<(Vec<u8>, usize)>, usize)>;

/// One instance's persistent objects and enumerators.
#[derive(Default)]
pub struct StorageState {
    handles: BTreeMap<u32, Handle>,
    objects: BTreeMap<Vec<u8>, OpenObject>,
    enums: BTreeMap<u32, Enumerator>,
    last: u32,
}

impl StorageState {
    /// An empty table.
    pub const fn new() -> StorageState {
        StorageState { handles: BTreeMap::new(), objects: BTreeMap::new(), enums: BTreeMap::new(), last: 0 }
    }

    /// Open handles (objects + enumerators).
    pub fn len(&self) -> usize {
        self.handles.len() + self.enums.len()
    }

    /// No open handle.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn new_handle(&mut self) -> Result<u32, u32> {
        if self.len() >= MAX_HANDLES {
            return Err(result::ERROR_OUT_OF_MEMORY);
        }
        loop {
            self.last = (self.last + 1) & !HANDLE_MASK;
            let h = HANDLE_TAG | self.last;
            if self.last != 0 && !self.handles.contains_key(&h) && !self.enums.contains_key(&h) {
                return Ok(h);
            }
        }
    }

    fn handle(&self, h: u64) -> Result<&Handle, u32> {
        u32::try_from(h).ok().and_then(|h| self.handles.get(&h)).ok_or(result::ERROR_BAD_PARAMETERS)
    }

    fn enumerator(&mut self, h: u64) -> Result<&mut Enumerator, u32> {
        u32::try_from(h).ok().and_then(|h| self.enums.get_mut(&h)).ok_or(result::ERROR_BAD_PARAMETERS)
    }

    /// upstream `tee_pobj_check_access`: a second handle on an object needs
    /// compatible sharing with every handle already open on it.
    fn check_share(&self, id: &[u8], flags: u32) -> Result<(), u32> {
        for o in self.handles.values().filter(|o| o.id == id) {
            let (of, nf) = (o.flags, flags);
            if (of | nf) & ACCESS_WRITE_META != 0 {
                return Err(result::ERROR_ACCESS_CONFLICT);
            }
            if (of | nf) & ACCESS_READ != 0 && (of & nf & SHARE_READ) == 0 {
                return Err(result::ERROR_ACCESS_CONFLICT);
            }
            if (of | nf) & ACCESS_WRITE != 0 && (of & nf & SHARE_WRITE) == 0 {
                return Err(result::ERROR_ACCESS_CONFLICT);
            }
        }
        Ok(())
    }

    fn add_handle(&mut self, id: Vec<u8>, flags: u32, data: Vec<u8>, generation: u64) -> Result<u32, u32> {
        let h = self.new_handle()?;
        let o = self.objects.entry(id.clone()).or_insert(OpenObject { data, generation, handles: 0 });
        o.handles += 1;
        self.handles.insert(h, Handle { id, flags, pos: 0 });
        Ok(h)
    }

    fn close(&mut self, h: u32) -> Result<(), u32> {
        let o = self.handles.remove(&h).ok_or(result::ERROR_BAD_PARAMETERS)?;
        if let Some(obj) = self.objects.get_mut(&o.id) {
            obj.handles -= 1;
            if obj.handles == 0 {
                self.objects.remove(&o.id);
            }
        }
        Ok(())
    }

    /// `struct utee_object_info` of handle `h`.
    fn info(&self, h: u64) -> Result<[u8; 28], u32> {
        let o = self.handle(h)?;
        let size = self.objects.get(&o.id).map_or(0, |d| d.data.len());
        Ok(info_bytes(size as u32, o.pos as u32, HANDLE_FLAG_PERSISTENT | HANDLE_FLAG_INITIALIZED | o.flags))
    }
}

fn info_bytes(data_size: u32, data_pos: u32, handle_flags: u32) -> [u8; 28] {
    let mut out = [0u8; 28];
    // type, object size, max object size, usage, data size, position, flags
    for (i, v) in [TYPE_DATA, 0, 0, 0xFFFF_FFFF, data_size, data_pos, handle_flags].iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
    }
    out
}

fn ret(r: Result<(), u32>) -> Outcome {
    Outcome::Return(u64::from(r.err().unwrap_or(result::SUCCESS)))
}

/// Runs storage system call `nr` (see [`owns`]) with arguments `a`.
pub fn dispatch(ctx: &mut dyn SyscallContext, nr: u64, a: [u64; 8]) -> Outcome {
    let Some(slot) = ctx.storage() else {
        return Outcome::Return(u64::from(result::ERROR_NOT_SUPPORTED));
    };
    // Out of the context for the call, so that RPCs and user copies can
    // borrow the context; put back whatever happens.
    let mut st = core::mem::take(slot);
    let r = run(ctx, &mut st, nr, a);
    if let Some(slot) = ctx.storage() {
        *slot = st;
    }
    ret(r)
}

fn store_of(ctx: &dyn SyscallContext) -> TaStore {
    TaStore::new(&device_key(), &ctx.properties().ta)
}

fn storage_ok(id: u64) -> Result<(), u32> {
    match id {
        STORAGE_PRIVATE | STORAGE_PRIVATE_REE => Ok(()),
        _ => Err(result::ERROR_ITEM_NOT_FOUND),
    }
}

fn read_in(ctx: &dyn SyscallContext, va: u64, len: u64) -> Result<Vec<u8>, u32> {
    if len == 0 { Ok(Vec::new()) } else { ctx.regions().read(va, len) }
}

fn read_id(ctx: &dyn SyscallContext, va: u64, len: u64) -> Result<Vec<u8>, u32> {
    if len > MAX_ID as u64 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    read_in(ctx, va, len)
}

fn nonce(ctx: &mut dyn SyscallContext) -> [u8; 12] {
    let mut n = [0u8; 12];
    ctx.random(&mut n);
    n
}

fn run(ctx: &mut dyn SyscallContext, st: &mut StorageState, nr: u64, a: [u64; 8]) -> Result<(), u32> {
    match nr {
        STORAGE_OBJ_OPEN => open(ctx, st, a),
        STORAGE_OBJ_CREATE => create(ctx, st, a),
        STORAGE_OBJ_DEL => delete(ctx, st, a[0]),
        STORAGE_OBJ_RENAME => rename(ctx, st, a),
        STORAGE_ENUM_ALLOC => {
            let h = st.new_handle()?;
            st.enums.insert(h, None);
            ctx.regions().write(a[0], &h.to_le_bytes()).inspect_err(|_| {
                st.enums.remove(&h);
            })
        }
        STORAGE_ENUM_FREE => {
            st.enumerator(a[0])?;
            st.enums.remove(&(a[0] as u32));
            Ok(())
        }
        STORAGE_ENUM_RESET => {
            *st.enumerator(a[0])? = None;
            Ok(())
        }
        STORAGE_ENUM_START => {
            st.enumerator(a[0])?;
            *st.enumerator(a[0])? = None;
            storage_ok(a[1])?;
            let store = store_of(ctx);
            let list = store.list(&mut RpcFs::new(ctx.env()))?;
            if list.is_empty() {
                return Err(result::ERROR_ITEM_NOT_FOUND);
            }
            *st.enumerator(a[0])? = Some((list, 0));
            Ok(())
        }
        STORAGE_ENUM_NEXT => enum_next(ctx, st, a),
        STORAGE_OBJ_READ => read(ctx, st, a),
        STORAGE_OBJ_WRITE => write(ctx, st, a),
        STORAGE_OBJ_TRUNC => truncate(ctx, st, a),
        STORAGE_OBJ_SEEK => seek(st, a),
        CRYP_OBJ_GET_INFO => {
            let info = st.info(a[0])?;
            ctx.regions().write(a[1], &info)
        }
        CRYP_OBJ_CLOSE => st.close(a[0] as u32),
        _ => Err(result::ERROR_NOT_SUPPORTED),
    }
}

const OPEN_FLAGS: u32 = ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META | SHARE_READ | SHARE_WRITE;

/// `(storage_id, obj_id, obj_id_len, flags, u32 *obj)`.
fn open(ctx: &mut dyn SyscallContext, st: &mut StorageState, a: [u64; 8]) -> Result<(), u32> {
    let flags = a[3];
    if flags & !u64::from(OPEN_FLAGS) != 0 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    let flags = flags as u32;
    storage_ok(a[0])?;
    let id = read_id(ctx, a[1], a[2])?;
    st.check_share(&id, flags)?;
    let (data, generation) = if let Some(o) = st.objects.get(&id) {
        (crate::params::try_copy(&o.data)?, o.generation)
    } else {
        let store = store_of(ctx);
        let s = store.load(&mut RpcFs::new(ctx.env()), &id)?;
        (s.data, s.generation)
    };
    let h = st.add_handle(id, flags, data, generation)?;
    ctx.regions().write(a[4], &h.to_le_bytes()).inspect_err(|_| {
        let _ = st.close(h);
    })
}

/// `(storage_id, obj_id, obj_id_len, flags, attr_obj, data, data_len, u32 *obj)`.
fn create(ctx: &mut dyn SyscallContext, st: &mut StorageState, a: [u64; 8]) -> Result<(), u32> {
    let flags = a[3];
    if flags & !u64::from(OPEN_FLAGS | OVERWRITE) != 0 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    let flags = flags as u32;
    storage_ok(a[0])?;
    let id = read_id(ctx, a[1], a[2])?;
    // Upstream: creating an object some handle has open is a conflict,
    // OVERWRITE or not.
    if st.handles.values().any(|o| o.id == id) {
        return Err(result::ERROR_ACCESS_CONFLICT);
    }
    if a[6] != 0 && a[5] == 0 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    let data = read_in(ctx, a[5], a[6])?;
    if data.len() > MAX_DATA {
        return Err(super::ERROR_STORAGE_NO_SPACE);
    }
    if a[4] != 0 {
        // Attributes from a transient object: not yet (TEE_TYPE_DATA only).
        return Err(result::ERROR_NOT_SUPPORTED);
    }
    let n = nonce(ctx);
    let store = store_of(ctx);
    store.commit(&mut RpcFs::new(ctx.env()), &id, 0, &data, &n, flags & OVERWRITE != 0)?;
    if a[7] == 0 {
        return Ok(());
    }
    let h = st.add_handle(id, flags, data, 0)?;
    ctx.regions().write(a[7], &h.to_le_bytes()).inspect_err(|_| {
        let _ = st.close(h);
    })
}

/// `(obj)`: close and delete.
fn delete(ctx: &mut dyn SyscallContext, st: &mut StorageState, h: u64) -> Result<(), u32> {
    let o = st.handle(h)?;
    if o.flags & ACCESS_WRITE_META == 0 {
        return Err(result::ERROR_ACCESS_CONFLICT);
    }
    let id = o.id.clone();
    let store = store_of(ctx);
    let r = store.remove(&mut RpcFs::new(ctx.env()), &id);
    st.close(h as u32)?;
    r
}

/// `(obj, new_id, new_id_len)`.
fn rename(ctx: &mut dyn SyscallContext, st: &mut StorageState, a: [u64; 8]) -> Result<(), u32> {
    if a[2] > MAX_ID as u64 {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    let o = st.handle(a[0])?;
    if o.flags & ACCESS_WRITE_META == 0 {
        return Err(result::ERROR_BAD_STATE);
    }
    let old = o.id.clone();
    let new = read_in(ctx, a[1], a[2])?;
    if st.handles.values().any(|o| o.id == new) {
        return Err(result::ERROR_ACCESS_CONFLICT);
    }
    let obj = st.objects.get(&old).ok_or(result::ERROR_BAD_STATE)?;
    let stored = super::object::Stored {
        id: old.clone(),
        generation: obj.generation,
        data: crate::params::try_copy(&obj.data)?,
    };
    let n = nonce(ctx);
    let store = store_of(ctx);
    store.rename(&mut RpcFs::new(ctx.env()), &old, &new, &stored, &n)?;
    // WRITE_META is exclusive: this handle is the only one on the object.
    if let Some(mut moved) = st.objects.remove(&old) {
        moved.generation = moved.generation.wrapping_add(1);
        st.objects.insert(new.clone(), moved);
    }
    if let Some(o) = u32::try_from(a[0]).ok().and_then(|h| st.handles.get_mut(&h)) {
        o.id = new;
    }
    Ok(())
}

/// `(enum, struct utee_object_info *info, obj_id, u64 *obj_id_len)`.
fn enum_next(ctx: &mut dyn SyscallContext, st: &mut StorageState, a: [u64; 8]) -> Result<(), u32> {
    st.enumerator(a[0])?;
    ctx.regions().resolve(a[1], 28, true)?;
    ctx.regions().resolve(a[2], MAX_ID as u64, true)?;
    let Some((list, next)) = st.enumerator(a[0])? else {
        return Err(result::ERROR_ITEM_NOT_FOUND);
    };
    let Some((id, size)) = list.get(*next).cloned() else {
        return Err(result::ERROR_ITEM_NOT_FOUND);
    };
    *next += 1;
    ctx.regions().write(a[1], &info_bytes(size as u32, 0, HANDLE_FLAG_PERSISTENT | HANDLE_FLAG_INITIALIZED))?;
    if !id.is_empty() {
        ctx.regions().write(a[2], &id)?;
    }
    ctx.regions().write(a[3], &(id.len() as u64).to_le_bytes())
}

/// `(obj, buf, len, u64 *count)`.
fn read(ctx: &mut dyn SyscallContext, st: &mut StorageState, a: [u64; 8]) -> Result<(), u32> {
    let o = st.handle(a[0])?;
    if o.flags & ACCESS_READ == 0 {
        return Err(result::ERROR_ACCESS_CONFLICT);
    }
    o.pos.checked_add(a[2]).ok_or(result::ERROR_OVERFLOW)?;
    if a[2] != 0 {
        ctx.regions().resolve(a[1], a[2], true)?;
    }
    let data = &st.objects.get(&o.id).ok_or(result::ERROR_BAD_STATE)?.data;
    let start = (o.pos as usize).min(data.len());
    let n = (data.len() - start).min(a[2] as usize);
    if n > 0 {
        ctx.regions().write(a[1], &data[start..start + n])?;
    }
    ctx.regions().write(a[3], &(n as u64).to_le_bytes())?;
    if let Some(o) = st.handles.get_mut(&(a[0] as u32)) {
        o.pos += n as u64;
    }
    Ok(())
}

/// Commits new content for handle `h`'s object.
fn commit(ctx: &mut dyn SyscallContext, st: &mut StorageState, h: u64, data: Vec<u8>) -> Result<(), u32> {
    let id = st.handle(h)?.id.clone();
    let generation = st.objects.get(&id).ok_or(result::ERROR_BAD_STATE)?.generation.wrapping_add(1);
    let n = nonce(ctx);
    let store = store_of(ctx);
    store.commit(&mut RpcFs::new(ctx.env()), &id, generation, &data, &n, true)?;
    if let Some(o) = st.objects.get_mut(&id) {
        o.data = data;
        o.generation = generation;
    }
    Ok(())
}

/// `(obj, buf, len)`: at the position; a gap past the end reads as zeros.
fn write(ctx: &mut dyn SyscallContext, st: &mut StorageState, a: [u64; 8]) -> Result<(), u32> {
    let o = st.handle(a[0])?;
    if o.flags & ACCESS_WRITE == 0 {
        return Err(result::ERROR_ACCESS_CONFLICT);
    }
    let pos = o.pos;
    let end = pos.checked_add(a[2]).ok_or(result::ERROR_OVERFLOW)?;
    let chunk = read_in(ctx, a[1], a[2])?;
    if end > DATA_MAX_POSITION {
        return Err(result::ERROR_OVERFLOW);
    }
    if end as usize > MAX_DATA {
        return Err(super::ERROR_STORAGE_NO_SPACE);
    }
    let mut data = crate::params::try_copy(&st.objects.get(&o.id).ok_or(result::ERROR_BAD_STATE)?.data)?;
    if (data.len() as u64) < end {
        crate::params::try_resize(&mut data, end as usize)?;
    }
    data[pos as usize..end as usize].copy_from_slice(&chunk);
    commit(ctx, st, a[0], data)?;
    if let Some(o) = st.handles.get_mut(&(a[0] as u32)) {
        o.pos = end;
    }
    Ok(())
}

/// `(obj, len)`: shrinks or zero-extends; the position stays.
fn truncate(ctx: &mut dyn SyscallContext, st: &mut StorageState, a: [u64; 8]) -> Result<(), u32> {
    let o = st.handle(a[0])?;
    if o.flags & ACCESS_WRITE == 0 {
        return Err(result::ERROR_ACCESS_CONFLICT);
    }
    if a[1] as usize > MAX_DATA {
        return Err(super::ERROR_STORAGE_NO_SPACE);
    }
    let mut data = crate::params::try_copy(&st.objects.get(&o.id).ok_or(result::ERROR_BAD_STATE)?.data)?;
    crate::params::try_resize(&mut data, a[1] as usize)?;
    commit(ctx, st, a[0], data)
}

/// `(obj, offset as i32, whence)`: SET 0, CUR 1, END 2; below 0 clamps to 0.
fn seek(st: &mut StorageState, a: [u64; 8]) -> Result<(), u32> {
    let o = st.handle(a[0])?;
    let offset = i64::from(a[1] as u32 as i32);
    let size = st.objects.get(&o.id).map_or(0, |d| d.data.len()) as i64;
    let base = match a[2] {
        0 => 0,
        1 => o.pos as i64,
        2 => size,
        _ => return Err(result::ERROR_BAD_PARAMETERS),
    };
    let new = (base + offset).max(0) as u64;
    if new > DATA_MAX_POSITION {
        return Err(result::ERROR_BAD_PARAMETERS);
    }
    if let Some(o) = st.handles.get_mut(&(a[0] as u32)) {
        o.pos = new;
    }
    Ok(())
}
