//! The kernel-wide list of open persistent objects, upstream's `tee_pobjs`
//! (optee_os 4.5.0 `core/tee/tee_pobj.c`): who may open an object is
//! decided against every handle on it in every instance and session of its
//! TA, not per instance. An entry is keyed by the TA's storage directory
//! (one per TA UUID, `object::TaStore::dir`) and the object ID; it lives
//! while handles on the object do (each handle gives its reference back
//! when it is dropped, so an instance's death releases them too).
//!
//! The rules are upstream's `tee_pobj_get`/`tee_pobj_check_access`: a new
//! handle is checked against the flags of the object's first opener; a
//! create of an open object without OVERWRITE is ACCESS_CONFLICT. They
//! hold across instances: two instances that both share write access
//! write one object, whose content the entry keeps once for all its
//! handles (`super::shared`).
//!
//! The lock is a spin lock held only for a map look-up, never across an
//! RPC.

extern crate alloc;

use crate::sync::SpinLock;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use tee_abi::result::TeeError;

use tee_abi::gp::data_flag::{ACCESS_READ, ACCESS_WRITE, ACCESS_WRITE_META, SHARE_READ, SHARE_WRITE};

use super::shared::SharedObject;

/// One open object.
struct Pobj {
    /// The first opener's `TEE_DATA_FLAG_*` (upstream `po->flags`).
    flags: u32,
    /// Handles per instance.
    holders: BTreeMap<u64, usize>,
    /// The content, once a holder has loaded or created it.
    shared: Option<Arc<SharedObject>>,
}

type Key = (String, Vec<u8>);

static OPEN: SpinLock<BTreeMap<Key, Pobj>> = SpinLock::new(BTreeMap::new());
static NEXT_INSTANCE: AtomicU64 = AtomicU64::new(1);

/// A number for one instance's storage state, unique for the kernel's life.
pub fn new_instance() -> u64 {
    NEXT_INSTANCE.fetch_add(1, Ordering::Relaxed)
}

/// Why a handle is wanted (upstream `enum tee_pobj_usage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Usage {
    Open,
    Create { overwrite: bool },
}

/// `tee_pobj_check_access`: `new` against the first opener's `old`.
fn check_access(old: u32, new: u32) -> Result<(), TeeError> {
    let conflict = (old | new) & ACCESS_WRITE_META != 0
        || ((old | new) & ACCESS_READ != 0 && old & new & SHARE_READ == 0)
        || (old & SHARE_READ) != (new & SHARE_READ)
        || ((old | new) & ACCESS_WRITE != 0 && old & new & SHARE_WRITE == 0)
        || (old & SHARE_WRITE) != (new & SHARE_WRITE);
    if conflict { Err(TeeError::AccessConflict) } else { Ok(()) }
}

/// Whether a handle with `flags` may be taken on the object as it stands
/// (nothing changes).
fn admits(p: &Pobj, flags: u32, usage: Usage) -> Result<(), TeeError> {
    if usage == (Usage::Create { overwrite: false }) {
        return Err(TeeError::AccessConflict);
    }
    check_access(p.flags, flags)
}

/// Checks a handle could be taken, taking nothing (upstream makes this
/// check first in `syscall_storage_obj_create`, before the data is read).
pub fn check(dir: &str, id: &[u8], flags: u32, usage: Usage) -> Result<(), TeeError> {
    let open = OPEN.lock();
    match open.get(&(String::from(dir), id.to_vec())) {
        Some(p) => admits(p, flags, usage),
        None => Ok(()),
    }
}

/// `tee_pobj_get`: takes a reference for one handle of `instance`; the
/// object's content if another handle has it in memory already.
pub fn get(
    dir: &str,
    id: &[u8],
    flags: u32,
    usage: Usage,
    instance: u64,
) -> Result<Option<Arc<SharedObject>>, TeeError> {
    let mut open = OPEN.lock();
    let key = (String::from(dir), id.to_vec());
    let p = match open.get_mut(&key) {
        Some(p) => {
            admits(p, flags, usage)?;
            p
        }
        None => open.entry(key).or_insert(Pobj { flags, holders: BTreeMap::new(), shared: None }),
    };
    *p.holders.entry(instance).or_insert(0) += 1;
    Ok(p.shared.clone())
}

/// Makes `content` the object's content unless a holder installed one
/// first (two loads of one object racing); returns the one in force.
/// `None` if no handle holds the object any more.
pub fn share(dir: &str, id: &[u8], content: Arc<SharedObject>) -> Option<Arc<SharedObject>> {
    let mut open = OPEN.lock();
    let p = open.get_mut(&(String::from(dir), id.to_vec()))?;
    Some(p.shared.get_or_insert(content).clone())
}

/// `tee_pobj_release`: gives one handle's reference back.
pub fn put(dir: &str, id: &[u8], instance: u64) {
    let mut open = OPEN.lock();
    let key = (String::from(dir), id.to_vec());
    let Some(p) = open.get_mut(&key) else { return };
    if let Some(n) = p.holders.get_mut(&instance) {
        *n -= 1;
        if *n == 0 {
            p.holders.remove(&instance);
        }
    }
    if p.holders.is_empty() {
        open.remove(&key);
    }
}

/// Whether any handle anywhere has object `id` open.
pub fn is_open(dir: &str, id: &[u8]) -> bool {
    OPEN.lock().contains_key(&(String::from(dir), id.to_vec()))
}

/// `tee_pobj_rename`: the entry follows its object to the free ID `new`
/// (ACCESS_CONFLICT if `new` is open).
pub fn rename(dir: &str, old: &[u8], new: &[u8]) -> Result<(), TeeError> {
    let mut open = OPEN.lock();
    let new_key = (String::from(dir), new.to_vec());
    if open.contains_key(&new_key) {
        return Err(TeeError::AccessConflict);
    }
    if let Some(p) = open.remove(&(String::from(dir), old.to_vec())) {
        open.insert(new_key, p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: u32 = ACCESS_READ | ACCESS_WRITE;

    /// [`get`] without the content.
    fn take(dir: &str, id: &[u8], flags: u32, usage: Usage, instance: u64) -> Result<(), TeeError> {
        get(dir, id, flags, usage, instance).map(|_| ())
    }

    /// upstream's sharing rules: exclusive unless both share, share flags
    /// equal, WRITE_META always exclusive; a create needs OVERWRITE.
    #[test]
    fn upstream_sharing_rules() {
        let (dir, i) = ("/tz/rules", new_instance());
        take(dir, b"o", ACCESS_READ | SHARE_READ, Usage::Open, i).unwrap();
        assert_eq!(take(dir, b"o", ACCESS_READ, Usage::Open, i), Err(TeeError::AccessConflict));
        assert_eq!(
            take(dir, b"o", ACCESS_READ | SHARE_READ | SHARE_WRITE, Usage::Open, i),
            Err(TeeError::AccessConflict),
            "share flags differ"
        );
        take(dir, b"o", ACCESS_READ | SHARE_READ, Usage::Open, i).unwrap();
        assert_eq!(
            take(dir, b"o", ACCESS_READ | SHARE_READ, Usage::Create { overwrite: false }, i).err(),
            Some(TeeError::AccessConflict)
        );
        put(dir, b"o", i);
        put(dir, b"o", i);
        assert!(!is_open(dir, b"o"));
        take(dir, b"m", ACCESS_WRITE_META, Usage::Open, i).unwrap();
        assert_eq!(check(dir, b"m", 0, Usage::Open), Err(TeeError::AccessConflict));
        put(dir, b"m", i);
        let s = SHARE_READ | SHARE_WRITE;
        take(dir, b"s", RW | s, Usage::Open, i).unwrap();
        take(dir, b"s", RW | s, Usage::Create { overwrite: true }, i).unwrap();
        put(dir, b"s", i);
        put(dir, b"s", i);
        assert!(!is_open(dir, b"s"));
    }

    /// The rules hold across instances (two sessions of a multi-instance
    /// TA) exactly as within one: exclusive write stays exclusive, and
    /// instances that both share write access write one object, whose
    /// content the entry keeps for all of them.
    #[test]
    fn instances_share_one_list() {
        let (dir, a, b) = ("/tz/instances", new_instance(), new_instance());
        take(dir, b"x", RW, Usage::Open, a).unwrap();
        assert_eq!(take(dir, b"x", RW, Usage::Open, b), Err(TeeError::AccessConflict), "exclusive write");
        put(dir, b"x", a);
        take(dir, b"x", RW, Usage::Open, b).unwrap();
        put(dir, b"x", b);
        let s = SHARE_READ | SHARE_WRITE;
        take(dir, b"y", ACCESS_READ | s, Usage::Open, a).unwrap();
        take(dir, b"y", RW | s, Usage::Open, b).unwrap();
        take(dir, b"y", RW | s, Usage::Create { overwrite: true }, a).unwrap();
        assert_eq!(take(dir, b"y", RW, Usage::Open, b), Err(TeeError::AccessConflict), "must share write");
        // One content for every holder: the first installed stays.
        let first = super::super::shared::SharedObject::new(super::super::object::Stored::data_for_tests(b"y", b"1"));
        let second = super::super::shared::SharedObject::new(super::super::object::Stored::data_for_tests(b"y", b"2"));
        let in_force = share(dir, b"y", first.clone()).unwrap();
        assert!(Arc::ptr_eq(&in_force, &first));
        assert!(Arc::ptr_eq(&share(dir, b"y", second).unwrap(), &first), "a racing load adopts the first");
        assert!(Arc::ptr_eq(&get(dir, b"y", ACCESS_READ | s, Usage::Open, b).unwrap().unwrap(), &first));
        for i in [a, b, a, b] {
            put(dir, b"y", i);
        }
        assert!(!is_open(dir, b"y"));
        assert!(share(dir, b"y", first).is_none(), "nobody holds it");
        // Another TA's directory is another object.
        take(dir, b"z", RW, Usage::Open, a).unwrap();
        take("/tz/other", b"z", RW, Usage::Open, b).unwrap();
        put(dir, b"z", a);
        put("/tz/other", b"z", b);
    }

    #[test]
    fn rename_moves_the_entry() {
        let (dir, i) = ("/tz/rename", new_instance());
        take(dir, b"a", ACCESS_WRITE_META, Usage::Open, i).unwrap();
        take(dir, b"b", ACCESS_READ, Usage::Open, i).unwrap();
        assert_eq!(rename(dir, b"a", b"b"), Err(TeeError::AccessConflict));
        rename(dir, b"a", b"c").unwrap();
        assert!(is_open(dir, b"c") && !is_open(dir, b"a"));
        put(dir, b"c", i);
        put(dir, b"b", i);
    }
}
