//! The one table of opaque handles a TA instance holds: transient objects
//! and operation states (`crypto`), persistent-object handles and
//! enumerators (`storage`). Upstream hands out kernel addresses
//! (`core/tee/tee_svc_cryp.c`, `tee_svc_storage.c`, OP-TEE 4.5.0); ours are
//! small non-zero `u32`s, unique among the live entries (libutee and ta-sdk
//! keep them in a `uint32_t`/`u32` and test them only against 0).
//!
//! Each entry records its [`Kind`], so a call that takes "an object"
//! (`CRYP_OBJ_GET_INFO`, `CRYP_OBJ_CLOSE`) finds out which service owns it
//! from the table, and a handle of the wrong kind is simply not found by the
//! typed accessors. The services put their own types in (see [`Entry`]);
//! this module knows none of them.
//!
//! Bounds: each area (crypto, storage) may hold [`MAX_PER_AREA`] entries,
//! the limits each service had before the table was shared.

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use core::any::Any;

use tee_abi::result::TeeError;

/// What a handle names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A transient object (`crypto::Object`).
    CrypObject,
    /// An operation state (`crypto::OpState`).
    CrypState,
    /// An open persistent object (`storage`).
    PersistentObject,
    /// A persistent-object enumerator (`storage`).
    Enumerator,
}

/// Which bound a kind counts against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Crypto = 0,
    Storage = 1,
}

impl Kind {
    /// The area whose bound this kind counts against.
    pub const fn area(self) -> Area {
        match self {
            Kind::CrypObject | Kind::CrypState => Area::Crypto,
            Kind::PersistentObject | Kind::Enumerator => Area::Storage,
        }
    }
}

/// A type a service keeps in the table; each kind has exactly one type.
pub trait Entry: Any + Send {
    /// The kind entries of this type have.
    const KIND: Kind;
}

/// Entries one area of one instance may hold (a bound on kernel heap use).
pub const MAX_PER_AREA: usize = 256;

struct Slot {
    kind: Kind,
    value: Box<dyn Any + Send>,
}

/// One instance's handles.
#[derive(Default)]
pub struct HandleTable {
    slots: BTreeMap<u32, Slot>,
    last: u32,
    counts: [usize; 2],
}

impl HandleTable {
    /// An empty table.
    pub const fn new() -> HandleTable {
        HandleTable { slots: BTreeMap::new(), last: 0, counts: [0; 2] }
    }

    /// Live handles of every kind.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// No live handle.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Live handles counted against `area`.
    pub fn count(&self, area: Area) -> usize {
        self.counts[area as usize]
    }

    /// The kind of handle `h`; `None` for 0 and handles not (or no longer)
    /// live.
    pub fn kind(&self, h: u32) -> Option<Kind> {
        self.slots.get(&h).map(|s| s.kind)
    }

    /// Adds `value` under a fresh handle; OUT_OF_MEMORY when its area is
    /// full.
    pub fn insert<T: Entry>(&mut self, value: T) -> Result<u32, TeeError> {
        let area = T::KIND.area() as usize;
        if self.counts[area] >= MAX_PER_AREA {
            return Err(TeeError::OutOfMemory);
        }
        // At most 2 * MAX_PER_AREA handles are live: this ends quickly.
        loop {
            self.last = self.last.wrapping_add(1);
            if self.last != 0 && !self.slots.contains_key(&self.last) {
                break;
            }
        }
        self.slots.insert(self.last, Slot { kind: T::KIND, value: Box::new(value) });
        self.counts[area] += 1;
        Ok(self.last)
    }

    /// Entry `h` if it is a `T`.
    pub fn get<T: Entry>(&self, h: u32) -> Option<&T> {
        self.slots.get(&h).filter(|s| s.kind == T::KIND).and_then(|s| s.value.downcast_ref())
    }

    /// Entry `h` if it is a `T`, mutably.
    pub fn get_mut<T: Entry>(&mut self, h: u32) -> Option<&mut T> {
        self.slots.get_mut(&h).filter(|s| s.kind == T::KIND).and_then(|s| s.value.downcast_mut())
    }

    /// Puts `new` in place of entry `h`, a `T`, under the same handle
    /// number, and gives the `T` back: what upstream does when
    /// `TEE_CreatePersistentObject` turns a transient object into a
    /// persistent one (the TA keeps its handle). BAD_STATE if `h` is no
    /// `T`; OUT_OF_MEMORY, changing nothing, when `N`'s area is full.
    pub fn replace<T: Entry, N: Entry>(&mut self, h: u32, new: N) -> Result<T, TeeError> {
        self.get::<T>(h).ok_or(TeeError::BadState)?;
        let (from, to) = (T::KIND.area() as usize, N::KIND.area() as usize);
        if from != to && self.counts[to] >= MAX_PER_AREA {
            return Err(TeeError::OutOfMemory);
        }
        let old = self.slots.insert(h, Slot { kind: N::KIND, value: Box::new(new) }).ok_or(TeeError::BadState)?;
        self.counts[from] -= 1;
        self.counts[to] += 1;
        old.value.downcast::<T>().map(|b| *b).map_err(|_| TeeError::BadState)
    }

    /// Takes entry `h` out if it is a `T`; the handle is free again.
    pub fn remove<T: Entry>(&mut self, h: u32) -> Option<T> {
        self.get::<T>(h)?;
        let slot = self.slots.remove(&h)?;
        self.counts[T::KIND.area() as usize] -= 1;
        slot.value.downcast::<T>().ok().map(|b| *b)
    }

    /// Every live `T` with its handle.
    pub fn iter<T: Entry>(&self) -> impl Iterator<Item = (u32, &T)> {
        self.slots
            .iter()
            .filter(|(_, s)| s.kind == T::KIND)
            .filter_map(|(h, s)| s.value.downcast_ref().map(|v| (*h, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct A(u8);
    impl Entry for A {
        const KIND: Kind = Kind::CrypObject;
    }
    struct B;
    impl Entry for B {
        const KIND: Kind = Kind::PersistentObject;
    }

    /// A transient object becomes a persistent one under the same number;
    /// the areas' counts follow, and a full area refuses without change.
    #[test]
    fn replace_keeps_the_number_and_moves_the_count() {
        let mut t = HandleTable::new();
        let a = t.insert(A(3)).unwrap();
        assert!(t.replace::<B, A>(a, A(4)).is_err(), "not a B");
        assert_eq!(t.replace::<A, B>(a, B).map(|old| old.0).ok(), Some(3));
        assert_eq!(t.kind(a), Some(Kind::PersistentObject));
        assert_eq!((t.count(Area::Crypto), t.count(Area::Storage)), (0, 1));
        while t.count(Area::Storage) < MAX_PER_AREA {
            t.insert(B).unwrap();
        }
        let c = t.insert(A(5)).unwrap();
        assert_eq!(t.replace::<A, B>(c, B).err(), Some(TeeError::OutOfMemory));
        assert_eq!(t.get::<A>(c).map(|v| v.0), Some(5), "unchanged");
    }

    #[test]
    fn handles_are_typed_unique_and_non_zero() {
        let mut t = HandleTable::new();
        let a = t.insert(A(7)).unwrap();
        let b = t.insert(B).unwrap();
        assert!(a != 0 && b != 0 && a != b);
        assert_eq!(t.kind(a), Some(Kind::CrypObject));
        assert_eq!(t.kind(b), Some(Kind::PersistentObject));
        assert_eq!(t.kind(0), None);
        assert_eq!(t.get::<A>(a).map(|v| v.0), Some(7));
        // The wrong kind is not found, and not removed either.
        assert!(t.get::<B>(a).is_none());
        assert!(t.remove::<B>(a).is_none());
        assert_eq!(t.kind(a), Some(Kind::CrypObject));
        assert!(t.remove::<A>(a).is_some());
        // Stale: gone, and not handed out again soon.
        assert_eq!(t.kind(a), None);
        assert!(t.get::<A>(a).is_none());
        let c = t.insert(A(1)).unwrap();
        assert_ne!(c, a);
        assert_eq!(t.iter::<A>().count(), 1);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn each_area_is_bounded_on_its_own() {
        let mut t = HandleTable::new();
        for _ in 0..MAX_PER_AREA {
            t.insert(A(0)).unwrap();
        }
        assert_eq!(t.insert(A(0)).err(), Some(TeeError::OutOfMemory));
        // A full crypto area leaves storage its own room.
        for _ in 0..MAX_PER_AREA {
            t.insert(B).unwrap();
        }
        assert_eq!(t.insert(B).err(), Some(TeeError::OutOfMemory));
        let h = t.iter::<A>().next().map(|(h, _)| h).unwrap();
        t.remove::<A>(h).unwrap();
        assert_eq!(t.count(Area::Crypto), MAX_PER_AREA - 1);
        assert!(t.insert(A(0)).is_ok());
    }

    #[test]
    fn counter_wraps_past_zero_and_live_handles() {
        let mut t = HandleTable::new();
        let first = t.insert(A(0)).unwrap();
        t.last = u32::MAX - 1;
        assert_eq!(t.insert(A(0)).unwrap(), u32::MAX);
        // 0 is skipped and `first` (1) is live: the next is 2.
        assert_eq!(first, 1);
        assert_eq!(t.insert(A(0)).unwrap(), 2);
    }
}
