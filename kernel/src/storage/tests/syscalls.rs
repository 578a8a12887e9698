//! The storage syscalls end to end through a fake `SyscallContext`.

use tee_abi::result::TeeError;

use super::UUID_A;
use super::rpc::FakeSupplicant;
use crate::call_env::CallEnv;
use crate::handles::{HandleTable, Kind};
use crate::storage::state::*;
use crate::syscall::{Outcome, SyscallContext};
use crate::user_ta::memory::{Region, Sharing, UserRegions};
use crate::user_ta::property::PropContext;
use tee_abi::syscall::Syscall;

pub(super) struct Ctx {
    pub(super) regions: UserRegions,
    env: FakeSupplicant,
    pub(super) ta: [u8; 16],
    pub(super) storage: StorageState,
    pub(super) handles: HandleTable,
}

impl SyscallContext for Ctx {
    fn regions(&self) -> &UserRegions {
        &self.regions
    }
    fn env(&mut self) -> &mut dyn CallEnv {
        &mut self.env
    }
    fn log(&self, _: &str) {}
    fn cancelled(&self) -> bool {
        false
    }
    fn set_cancel_mask(&mut self, m: bool) -> bool {
        m
    }
    fn system_time(&self) -> (u32, u32) {
        (0, 0)
    }
    fn random(&mut self, buf: &mut [u8]) {
        buf.fill(0x5a);
    }
    fn properties(&self) -> PropContext {
        PropContext { client: crate::session::ClientIdentity { login: 0, uuid: [0; 16] }, ta: self.ta }
    }
    fn ta_time_offset(&self) -> Option<i64> {
        None
    }
    fn set_ta_time_offset(&mut self, _: i64) {}
    fn handles(&mut self) -> &mut HandleTable {
        &mut self.handles
    }
    fn storage(&mut self) -> Option<&mut StorageState> {
        Some(&mut self.storage)
    }
}

const STORAGE_OBJ_OPEN: u64 = Syscall::StorageObjOpen as u64;
const STORAGE_OBJ_CREATE: u64 = Syscall::StorageObjCreate as u64;
const STORAGE_OBJ_DEL: u64 = Syscall::StorageObjDel as u64;
const STORAGE_OBJ_RENAME: u64 = Syscall::StorageObjRename as u64;
const STORAGE_ENUM_ALLOC: u64 = Syscall::StorageEnumAlloc as u64;
const STORAGE_ENUM_FREE: u64 = Syscall::StorageEnumFree as u64;
const STORAGE_ENUM_START: u64 = Syscall::StorageEnumStart as u64;
const STORAGE_ENUM_NEXT: u64 = Syscall::StorageEnumNext as u64;
const STORAGE_OBJ_READ: u64 = Syscall::StorageObjRead as u64;
const STORAGE_OBJ_WRITE: u64 = Syscall::StorageObjWrite as u64;
const STORAGE_OBJ_TRUNC: u64 = Syscall::StorageObjTrunc as u64;
const STORAGE_OBJ_SEEK: u64 = Syscall::StorageObjSeek as u64;
const CRYP_OBJ_GET_INFO: u64 = Syscall::CrypObjGetInfo as u64;
const CRYP_OBJ_CLOSE: u64 = Syscall::CrypObjClose as u64;
const CRYP_OBJ_RESTRICT_USAGE: u64 = Syscall::CrypObjRestrictUsage as u64;
const CRYP_OBJ_ALLOC: u64 = Syscall::CrypObjAlloc as u64;
const CRYP_STATE_ALLOC: u64 = Syscall::CrypStateAlloc as u64;

pub(super) const VA: u64 = 0x10_0000;

/// A TA UUID of its own for each context: open objects are listed
/// kernel-wide (`registry`), and the host tests run in parallel.
fn next_ta() -> [u8; 16] {
    static NEXT: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);
    let mut ta = UUID_A;
    // Never UUID_A itself, which the store tests use.
    ta[14] = 0xc3;
    ta[15] = NEXT.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    ta
}

pub(super) fn ctx(backing: &mut [u8]) -> Ctx {
    Ctx {
        regions: UserRegions(alloc::vec![Region {
            va: VA,
            len: backing.len() as u64,
            kva: backing.as_mut_ptr() as u64,
            writable: true,
            sharing: Sharing::Private
        }]),
        env: FakeSupplicant::new(),
        ta: next_ta(),
        storage: StorageState::new(),
        handles: HandleTable::new(),
    }
}

pub(super) fn sys(c: &mut Ctx, nr: u64, args: &[u64]) -> Result<(), TeeError> {
    let mut a = [0u64; 8];
    a[..args.len()].copy_from_slice(args);
    match crate::syscall::dispatch(c, nr, a) {
        Outcome::Return(r) => TeeError::from_raw(r as u32),
        other => panic!("{other:?}"),
    }
}

pub(super) fn u32_at(c: &Ctx, va: u64) -> u32 {
    u32::from_le_bytes(c.regions.read(va, 4).unwrap().try_into().unwrap())
}

#[test]
fn syscalls_end_to_end() {
    let mut mem = alloc::vec![0u8; 0x4000];
    let mut c = ctx(&mut mem);
    let (id, data, out, h) = (VA, VA + 0x100, VA + 0x1000, VA + 0x80);
    c.regions.write(id, b"key-1").unwrap();
    c.regions.write(data, b"0123456789").unwrap();
    let rw = u64::from(ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), Err(TeeError::ItemNotFound));
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw, 0, data, 10, h]), Ok(()));
    let obj = u64::from(u32_at(&c, h));
    assert_eq!(c.handles.kind(obj as u32), Some(Kind::PersistentObject));
    assert_eq!(
        sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw | 0x400, 0, data, 10, h]),
        Err(TeeError::AccessConflict),
        "open"
    );
    // seek 4, write "ab", read all back
    assert_eq!(sys(&mut c, STORAGE_OBJ_SEEK, &[obj, 4, 0]), Ok(()));
    c.regions.write(data, b"ab").unwrap();
    assert_eq!(sys(&mut c, STORAGE_OBJ_WRITE, &[obj, data, 2]), Ok(()));
    assert_eq!(sys(&mut c, STORAGE_OBJ_SEEK, &[obj, 0, 0]), Ok(()));
    assert_eq!(sys(&mut c, STORAGE_OBJ_READ, &[obj, out, 64, VA + 0x90]), Ok(()));
    assert_eq!(c.regions.read(out, 10).unwrap(), b"0123ab6789");
    assert_eq!(u32_at(&c, VA + 0x90), 10);
    assert_eq!(sys(&mut c, STORAGE_OBJ_TRUNC, &[obj, 3]), Ok(()));
    assert_eq!(sys(&mut c, CRYP_OBJ_GET_INFO, &[obj, out]), Ok(()));
    assert_eq!(u32_at(&c, out + 16), 3, "data size");
    assert_eq!(u32_at(&c, out + 20), 10, "position stays");
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[obj]), Ok(()));
    // Closed: no entry of any kind, so the crypto side answers, BAD_STATE
    // as upstream's `tee_obj_get` (one object list for both kinds,
    // `core/tee/tee_obj.c`, OP-TEE 4.5.0). The tag-sniffing dispatch this
    // replaced said BAD_PARAMETERS.
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[obj]), Err(TeeError::BadState));
    // Without OVERWRITE: conflict; with: replaced.
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw, 0, data, 2, 0]), Err(TeeError::AccessConflict));
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw | 0x400, 0, data, 2, 0]), Ok(()));
    // Unknown storage.
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[0x8000_0100, id, 5, rw, h]), Err(TeeError::ItemNotFound));
    // Read-only handle: write refused; two readers share.
    let ro = u64::from(ACCESS_READ | SHARE_READ);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[0x8000_0000, id, 5, ro, h]), Ok(()));
    let r1 = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, STORAGE_OBJ_WRITE, &[r1, data, 1]), Err(TeeError::AccessConflict));
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, ro, h]), Ok(()));
    let r2 = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), Err(TeeError::AccessConflict));
    assert_eq!(sys(&mut c, STORAGE_OBJ_DEL, &[r1]), Err(TeeError::AccessConflict));
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[r1]), Ok(()));
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[r2]), Ok(()));
    // Rename, enumerate, delete.
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), Ok(()));
    let o = u64::from(u32_at(&c, h));
    c.regions.write(id + 0x40, b"key-2").unwrap();
    assert_eq!(sys(&mut c, STORAGE_OBJ_RENAME, &[o, id + 0x40, 5]), Ok(()));
    assert_eq!(sys(&mut c, STORAGE_ENUM_ALLOC, &[h]), Ok(()));
    let e = u64::from(u32_at(&c, h));
    assert_eq!(
        sys(&mut c, STORAGE_ENUM_NEXT, &[e, out, out + 0x40, out + 0x100]),
        Err(TeeError::ItemNotFound),
        "not started"
    );
    assert_eq!(sys(&mut c, STORAGE_ENUM_START, &[e, 1]), Ok(()));
    assert_eq!(sys(&mut c, STORAGE_ENUM_NEXT, &[e, out, out + 0x40, out + 0x100]), Ok(()));
    assert_eq!(c.regions.read(out + 0x40, 5).unwrap(), b"key-2");
    assert_eq!(u32_at(&c, out + 0x100), 5);
    assert_eq!(u32_at(&c, out + 16), 2, "data size");
    assert_eq!(sys(&mut c, STORAGE_ENUM_NEXT, &[e, out, out + 0x40, out + 0x100]), Err(TeeError::ItemNotFound));
    assert_eq!(sys(&mut c, STORAGE_OBJ_DEL, &[o]), Ok(()));
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id + 0x40, 5, rw, h]), Err(TeeError::ItemNotFound));
    assert_eq!(sys(&mut c, STORAGE_ENUM_START, &[e, 1]), Err(TeeError::ItemNotFound), "none left");
    assert_eq!(sys(&mut c, STORAGE_ENUM_FREE, &[e]), Ok(()));
    assert!(c.storage.is_empty());
    // Bad arguments.
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 65, rw, h]), Err(TeeError::BadParameters));
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, 0x400, h]), Err(TeeError::BadParameters));
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, 0x0e10_0000, 5, rw, h]), Err(TeeError::AccessDenied));
    assert!(c.env.shms.is_empty());
}

/// CRYP_OBJ_GET_INFO (24) and CRYP_OBJ_CLOSE (28) go to the service that
/// owns the handle's entry, whatever the handle's value: the handles of
/// both services are small numbers from one table, so a dispatch on bits
/// of the value (the old tag) would send the persistent ones to the
/// crypto service.
#[test]
fn object_calls_dispatch_on_the_handle_kind() {
    let mut mem = alloc::vec![0u8; 0x4000];
    let mut c = ctx(&mut mem);
    let (id, data, out, h) = (VA, VA + 0x100, VA + 0x1000, VA + 0x80);
    c.regions.write(id, b"key-1").unwrap();
    let rw = u64::from(ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META);
    let new = |c: &mut Ctx, nr: u64, args: &[u64]| {
        assert_eq!(sys(c, nr, args), Ok(()), "syscall {nr}");
        u64::from(u32_at(c, h))
    };
    let transient = new(&mut c, CRYP_OBJ_ALLOC, &[u64::from(crate::crypto::TYPE_AES), 128, h]);
    let persistent = new(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw, 0, data, 0, h]);
    let enumerator = new(&mut c, STORAGE_ENUM_ALLOC, &[h]);
    let state = new(&mut c, CRYP_STATE_ALLOC, &[u64::from(crate::crypto::ALG_SHA256), 5, 0, 0, h]);
    let all = [transient, persistent, enumerator, state];
    for (i, x) in all.iter().enumerate() {
        assert_ne!(*x, 0);
        assert!(!all[..i].contains(x), "handles are unique across kinds");
    }
    let kinds = all.map(|x| c.handles.kind(x as u32));
    assert_eq!(
        kinds,
        [Some(Kind::CrypObject), Some(Kind::PersistentObject), Some(Kind::Enumerator), Some(Kind::CrypState)]
    );
    // GET_INFO: each object answers with its own type and flags.
    assert_eq!(sys(&mut c, CRYP_OBJ_GET_INFO, &[transient, out]), Ok(()));
    assert_eq!(u32_at(&c, out), crate::crypto::TYPE_AES);
    assert_eq!(u32_at(&c, out + 24) & HANDLE_FLAG_PERSISTENT, 0);
    assert_eq!(sys(&mut c, CRYP_OBJ_GET_INFO, &[persistent, out]), Ok(()));
    assert_eq!(u32_at(&c, out), TYPE_DATA);
    assert_ne!(u32_at(&c, out + 24) & HANDLE_FLAG_PERSISTENT, 0);
    // An enumerator is the storage service's but no object; a state is no
    // object at all (crypto: BAD_STATE, as upstream's `tee_obj_get`).
    assert_eq!(sys(&mut c, CRYP_OBJ_GET_INFO, &[enumerator, out]), Err(TeeError::BadParameters));
    assert_eq!(sys(&mut c, CRYP_OBJ_GET_INFO, &[state, out]), Err(TeeError::BadState));
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[enumerator]), Err(TeeError::BadParameters));
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[state]), Err(TeeError::BadState));
    assert_eq!(c.handles.len(), 4, "nothing closed by a call on the wrong kind");
    // CLOSE frees each object in its own service; then the handles are stale.
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[transient]), Ok(()));
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[persistent]), Ok(()));
    assert!(c.storage.is_empty(), "the open object went with its last handle");
    for stale in [transient, persistent] {
        assert_eq!(c.handles.kind(stale as u32), None);
        assert_eq!(sys(&mut c, CRYP_OBJ_GET_INFO, &[stale, out]), Err(TeeError::BadState));
        assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[stale]), Err(TeeError::BadState));
    }
    // Wider than 32 bits is no handle, even if the low half is one.
    assert_eq!(sys(&mut c, STORAGE_ENUM_FREE, &[enumerator | 1 << 32]), Err(TeeError::BadParameters));
    assert_eq!(sys(&mut c, STORAGE_ENUM_FREE, &[enumerator]), Ok(()));
}

/// TEE_RestrictObjectUsage1 on a persistent object (xtest 6021): the usage
/// narrows for every handle on the object and survives closing and
/// reopening it (it is in the file); it never widens again, and a
/// read-only handle may restrict it too, as upstream.
#[test]
fn restricted_usage_is_persistent() {
    let mut mem = alloc::vec![0u8; 0x4000];
    let mut c = ctx(&mut mem);
    let (id, data, out, h) = (VA, VA + 0x100, VA + 0x1000, VA + 0x80);
    c.regions.write(id, b"usage").unwrap();
    c.regions.write(data, b"payload").unwrap();
    let rw = u64::from(ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META);
    let usage = |c: &mut Ctx, obj: u64| {
        assert_eq!(sys(c, CRYP_OBJ_GET_INFO, &[obj, out]), Ok(()));
        u32_at(c, out + 12)
    };
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw, 0, data, 7, h]), Ok(()));
    let obj = u64::from(u32_at(&c, h));
    assert_eq!(usage(&mut c, obj), 0xFFFF_FFFF);
    assert_eq!(sys(&mut c, CRYP_OBJ_RESTRICT_USAGE, &[obj, 0xFFFF_FFFE]), Ok(()));
    assert_eq!(usage(&mut c, obj), 0xFFFF_FFFE);
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[obj]), Ok(()));
    let ro = u64::from(ACCESS_READ | SHARE_READ);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, ro, h]), Ok(()));
    let a = u64::from(u32_at(&c, h));
    assert_eq!(usage(&mut c, a), 0xFFFF_FFFE, "read back from the file");
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, ro, h]), Ok(()));
    let b = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, CRYP_OBJ_RESTRICT_USAGE, &[a, 0x0000_00F0]), Ok(()));
    assert_eq!(usage(&mut c, b), 0xF0, "one usage for every handle");
    assert_eq!(sys(&mut c, CRYP_OBJ_RESTRICT_USAGE, &[b, 0xFFFF_FFFF]), Ok(()));
    assert_eq!(usage(&mut c, a), 0xF0, "never widens");
    assert_eq!(sys(&mut c, STORAGE_OBJ_READ, &[a, out + 0x100, 64, VA + 0x90]), Ok(()));
    assert_eq!(c.regions.read(out + 0x100, 7).unwrap(), b"payload", "data untouched");
    for x in [a, b] {
        assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[x]), Ok(()));
    }
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), Ok(()));
    let o = u64::from(u32_at(&c, h));
    assert_eq!(usage(&mut c, o), 0xF0);
    assert_eq!(sys(&mut c, STORAGE_OBJ_DEL, &[o]), Ok(()));
}

/// Object IDs come from the TA's own memory only (xtest 6020): an ID in a
/// client's memref is ACCESS_DENIED, as upstream's
/// `bb_memdup_user_private`.
#[test]
fn object_ids_in_shared_memory_are_refused() {
    let mut mem = alloc::vec![0u8; 0x4000];
    let mut shm = alloc::vec![0u8; 0x100];
    let mut c = ctx(&mut mem);
    let shared = 0x20_0000;
    c.regions.0.push(Region {
        va: shared,
        len: shm.len() as u64,
        kva: shm.as_mut_ptr() as u64,
        writable: true,
        sharing: Sharing::SharedNonSecure,
    });
    let h = VA + 0x80;
    c.regions.write(shared, b"id").unwrap();
    c.regions.write(VA, b"id").unwrap();
    let rw = u64::from(ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META);
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, shared, 2, rw, 0, 0, 0, h]), Err(TeeError::AccessDenied));
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, VA, 2, rw, 0, 0, 0, h]), Ok(()));
    let o = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, shared, 2, rw, h]), Err(TeeError::AccessDenied));
    assert_eq!(sys(&mut c, STORAGE_OBJ_RENAME, &[o, shared, 2]), Err(TeeError::AccessDenied));
    assert_eq!(sys(&mut c, STORAGE_OBJ_DEL, &[o]), Ok(()));
}

/// Each service keeps its own bound in the shared table: a TA that fills
/// the crypto side can still open storage handles, and the other way round.
#[test]
fn handle_bounds_are_per_service() {
    let mut mem = alloc::vec![0u8; 0x4000];
    let mut c = ctx(&mut mem);
    let h = VA + 0x80;
    let aes = u64::from(crate::crypto::TYPE_AES);
    for _ in 0..MAX_HANDLES {
        assert_eq!(sys(&mut c, CRYP_OBJ_ALLOC, &[aes, 128, h]), Ok(()));
    }
    assert_eq!(sys(&mut c, CRYP_OBJ_ALLOC, &[aes, 128, h]), Err(TeeError::OutOfMemory));
    for _ in 0..MAX_HANDLES {
        assert_eq!(sys(&mut c, STORAGE_ENUM_ALLOC, &[h]), Ok(()));
    }
    assert_eq!(sys(&mut c, STORAGE_ENUM_ALLOC, &[h]), Err(TeeError::OutOfMemory));
    // Freeing one makes room for one, of that service only.
    let e = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, STORAGE_ENUM_FREE, &[e]), Ok(()));
    assert_eq!(sys(&mut c, CRYP_OBJ_ALLOC, &[aes, 128, h]), Err(TeeError::OutOfMemory));
    assert_eq!(sys(&mut c, STORAGE_ENUM_ALLOC, &[h]), Ok(()));
}

/// An object whose file the normal world put back from before an update
/// is CORRUPT_OBJECT when opened and then, as upstream
/// (`remove_corrupt_obj`), deleted: the next open finds nothing.
#[test]
fn a_rolled_back_object_is_corrupt_then_deleted() {
    use crate::storage::object::{TaStore, device_key};
    let mut mem = alloc::vec![0u8; 0x4000];
    let mut c = ctx(&mut mem);
    let (id, data, h) = (VA, VA + 0x100, VA + 0x80);
    c.regions.write(id, b"key-1").unwrap();
    c.regions.write(data, b"0123456789").unwrap();
    let rw = u64::from(ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META);
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw, 0, data, 10, h]), Ok(()));
    let obj = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[obj]), Ok(()));
    let path = TaStore::new(&device_key(), &c.ta).path(b"key-1");
    let old = c.env.fs.files[&path].clone();
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), Ok(()));
    let obj = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, STORAGE_OBJ_WRITE, &[obj, data, 2]), Ok(()));
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[obj]), Ok(()));
    c.env.fs.files.insert(path, old);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), Err(TeeError::CorruptObject));
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), Err(TeeError::ItemNotFound));
}
