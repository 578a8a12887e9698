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
//! create of an open object without OVERWRITE is ACCESS_CONFLICT. One rule
//! is ours: the data of an open object is kept per instance (its reads
//! and writes involve RPCs, so no lock is held across them), so two
//! instances may not hold the same object when either asks for
//! ACCESS_WRITE or creates it over (ACCESS_CONFLICT): no instance ever
//! reads data another one changed under it. (A usage restriction, which
//! needs no access right, is still written by a reader; another reader
//! instance keeps the usage it loaded until it reopens the object.) Upstream, with one copy behind a sleeping lock,
//! allows that sharing when both ask SHARE_WRITE.
//!
//! The lock is a spin lock held only for a map look-up, never across an
//! RPC.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use spin::Mutex;
use tee_abi::result::TeeError;

use tee_abi::gp::data_flag::{ACCESS_READ, ACCESS_WRITE, ACCESS_WRITE_META, SHARE_READ, SHARE_WRITE};

/// One open object.
struct Pobj {
    /// The first opener's `TEE_DATA_FLAG_*` (upstream `po->flags`).
    flags: u32,
    /// Handles per instance.
    holders: BTreeMap<u64, usize>,
    /// Some handle asked for ACCESS_WRITE.
    written: bool,
}

type Key = (String, Vec<u8>);

static OPEN: Mutex<BTreeMap<Key, Pobj>> = Mutex::new(BTreeMap::new());
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

/// Whether `instance` may take a handle with `flags` on the object as it
/// stands (nothing changes).
fn admits(p: &Pobj, instance: u64, flags: u32, usage: Usage) -> Result<(), TeeError> {
    if usage == (Usage::Create { overwrite: false }) {
        return Err(TeeError::AccessConflict);
    }
    check_access(p.flags, flags)?;
    // A create (with OVERWRITE) replaces the data: a write too.
    let writes = flags & ACCESS_WRITE != 0 || usage != Usage::Open;
    let others = p.holders.keys().any(|i| *i != instance);
    if others && (p.written || writes) {
        return Err(TeeError::AccessConflict);
    }
    Ok(())
}

/// Checks a handle could be taken, taking nothing (upstream makes this
/// check first in `syscall_storage_obj_create`, before the data is read).
pub fn check(dir: &str, id: &[u8], flags: u32, usage: Usage, instance: u64) -> Result<(), TeeError> {
    let open = OPEN.lock();
    match open.get(&(String::from(dir), id.to_vec())) {
        Some(p) => admits(p, instance, flags, usage),
        None => Ok(()),
    }
}

/// `tee_pobj_get`: takes a reference for one handle of `instance`.
pub fn get(dir: &str, id: &[u8], flags: u32, usage: Usage, instance: u64) -> Result<(), TeeError> {
    let mut open = OPEN.lock();
    let key = (String::from(dir), id.to_vec());
    let p = match open.get_mut(&key) {
        Some(p) => {
            admits(p, instance, flags, usage)?;
            p
        }
        None => open.entry(key).or_insert(Pobj { flags, holders: BTreeMap::new(), written: false }),
    };
    *p.holders.entry(instance).or_insert(0) += 1;
    p.written |= flags & ACCESS_WRITE != 0;
    Ok(())
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

    /// upstream's sharing rules: exclusive unless both share, share flags
    /// equal, WRITE_META always exclusive; a create needs OVERWRITE.
    #[test]
    fn upstream_sharing_rules() {
        let (dir, i) = ("/tz/rules", new_instance());
        get(dir, b"o", ACCESS_READ | SHARE_READ, Usage::Open, i).unwrap();
        assert_eq!(get(dir, b"o", ACCESS_READ, Usage::Open, i), Err(TeeError::AccessConflict));
        assert_eq!(
            get(dir, b"o", ACCESS_READ | SHARE_READ | SHARE_WRITE, Usage::Open, i),
            Err(TeeError::AccessConflict),
            "share flags differ"
        );
        get(dir, b"o", ACCESS_READ | SHARE_READ, Usage::Open, i).unwrap();
        assert_eq!(
            get(dir, b"o", ACCESS_READ | SHARE_READ, Usage::Create { overwrite: false }, i).err(),
            Some(TeeError::AccessConflict)
        );
        put(dir, b"o", i);
        put(dir, b"o", i);
        assert!(!is_open(dir, b"o"));
        get(dir, b"m", ACCESS_WRITE_META, Usage::Open, i).unwrap();
        assert_eq!(check(dir, b"m", 0, Usage::Open, i), Err(TeeError::AccessConflict));
        put(dir, b"m", i);
        let s = SHARE_READ | SHARE_WRITE;
        get(dir, b"s", RW | s, Usage::Open, i).unwrap();
        get(dir, b"s", RW | s, Usage::Create { overwrite: true }, i).unwrap();
        put(dir, b"s", i);
        put(dir, b"s", i);
        assert!(!is_open(dir, b"s"));
    }

    /// Exclusive write holds across instances (two sessions of a
    /// multi-instance TA), and data changed by one instance is never
    /// shared with another; readers may share across instances.
    #[test]
    fn instances_share_one_list() {
        let (dir, a, b) = ("/tz/instances", new_instance(), new_instance());
        get(dir, b"x", RW, Usage::Open, a).unwrap();
        assert_eq!(get(dir, b"x", RW, Usage::Open, b), Err(TeeError::AccessConflict), "exclusive write");
        put(dir, b"x", a);
        get(dir, b"x", RW, Usage::Open, b).unwrap();
        put(dir, b"x", b);
        let s = SHARE_READ | SHARE_WRITE;
        get(dir, b"y", ACCESS_READ | s, Usage::Open, a).unwrap();
        get(dir, b"y", ACCESS_READ | s, Usage::Open, b).unwrap();
        assert_eq!(get(dir, b"y", RW | s, Usage::Open, b), Err(TeeError::AccessConflict), "a reader elsewhere");
        get(dir, b"y", RW | s, Usage::Open, a).unwrap_err();
        let over = Usage::Create { overwrite: true };
        assert_eq!(get(dir, b"y", ACCESS_READ | s, over, a), Err(TeeError::AccessConflict), "create over a reader");
        get(dir, b"y", ACCESS_READ | s, over, b).unwrap_err();
        put(dir, b"y", b);
        get(dir, b"y", RW | s, Usage::Open, a).unwrap();
        put(dir, b"y", a);
        put(dir, b"y", a);
        assert!(!is_open(dir, b"y"));
        // Another TA's directory is another object.
        get(dir, b"z", RW, Usage::Open, a).unwrap();
        get("/tz/other", b"z", RW, Usage::Open, b).unwrap();
        put(dir, b"z", a);
        put("/tz/other", b"z", b);
    }

    #[test]
    fn rename_moves_the_entry() {
        let (dir, i) = ("/tz/rename", new_instance());
        get(dir, b"a", ACCESS_WRITE_META, Usage::Open, i).unwrap();
        get(dir, b"b", ACCESS_READ, Usage::Open, i).unwrap();
        assert_eq!(rename(dir, b"a", b"b"), Err(TeeError::AccessConflict));
        rename(dir, b"a", b"c").unwrap();
        assert!(is_open(dir, b"c") && !is_open(dir, b"a"));
        put(dir, b"c", i);
        put(dir, b"b", i);
    }
}
