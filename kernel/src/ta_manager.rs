//! The TA manager: the kernel-wide call state (sessions, registered shared
//! memory, the bounce pool) and what a UUID names — a pseudo-TA, or a user
//! TA instance, shared while it is a single-instance TA.
//!
//! Layering: `std_call` serves calls on this state; the manager resolves
//! UUIDs to `pta` and `user_ta`, which reach back only through the
//! [`Resolver`] and `user_ta::instance::InstanceOwner` it hands them.

extern crate alloc;

use crate::sync::SpinLock;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use crate::bounce;
use crate::call_env::CallEnv;
use crate::session::{Outcome, Resolver, Sessions, Target, Uuid};
use crate::shm::ShmRegistry;

/// Kernel-wide state shared by all calls.
pub struct TeeState {
    /// Registered shared memory.
    pub shm: SpinLock<ShmRegistry>,
    /// Open sessions.
    pub sessions: SpinLock<Sessions>,
    /// Finds what a UUID names (pseudo-TAs, then user TAs).
    pub resolver: Resolver,
    /// Heap the bounce copies of memrefs may use at once.
    pub bounce: bounce::Pool,
}

impl TeeState {
    /// No sessions, no shared memory, an empty bounce pool.
    pub const fn new(resolver: Resolver) -> TeeState {
        TeeState {
            shm: SpinLock::new(ShmRegistry::new()),
            sessions: SpinLock::new(Sessions::new()),
            resolver,
            bounce: bounce::Pool::new(bounce::CAPACITY),
        }
    }
}

static STATE: TeeState = TeeState::new(resolve);

/// The kernel-wide call state.
pub fn state() -> &'static TeeState {
    &STATE
}

/// Sets up what the manager offers others; called once at cold boot.
pub fn init() {
    crate::pta::stats::SNAPSHOT.call_once(|| kernel_stats);
}

/// What the statistics pseudo-TA reports: heap bytes in use, open sessions,
/// registered shared-memory objects, heap size.
fn kernel_stats() -> [u64; 4] {
    #[cfg(target_os = "none")]
    let (used, size) = crate::heap::usage();
    #[cfg(not(target_os = "none"))]
    let (used, size) = (0, 0);
    [used as u64, state().sessions.lock().len() as u64, state().shm.lock().len() as u64, size as u64]
}

/// The resolver used by the kernel: pseudo-TAs first, then user TAs from the
/// normal world's TA store.
pub fn resolve(uuid: &Uuid, env: &mut dyn CallEnv) -> Result<Arc<dyn Target>, Outcome> {
    if let Some(pta) = crate::pta::find(uuid) {
        return Ok(pta);
    }
    #[cfg(target_os = "none")]
    {
        let instance: Arc<dyn Target> = user_tas::instance_for(env, uuid)?;
        Ok(instance)
    }
    #[cfg(not(target_os = "none"))]
    {
        let _ = env;
        Err(crate::session::tee_refusal(tee_abi::result::TeeError::ItemNotFound))
    }
}

/// What the single-instance cache needs to know of an instance.
pub trait Cached {
    /// The TA died: its instance must not serve new sessions.
    fn is_dead(&self) -> bool;
    /// Sessions share one instance (`TA_FLAG_SINGLE_INSTANCE`).
    fn is_single_instance(&self) -> bool;
}

/// The loaded instances of single-instance TAs, by UUID.
pub struct SingleInstances<T> {
    map: SpinLock<BTreeMap<Uuid, Arc<T>>>,
}

impl<T: Cached> SingleInstances<T> {
    /// Nothing loaded.
    pub const fn new() -> SingleInstances<T> {
        SingleInstances { map: SpinLock::new(BTreeMap::new()) }
    }

    /// The instance a session to `uuid` uses: the cached one while it lives,
    /// else a fresh one from `load` (kept when it is a single-instance TA).
    /// No lock is held while `load` runs (it asks the normal world).
    pub fn get_or_load<E>(&self, uuid: &Uuid, load: impl FnOnce() -> Result<T, E>) -> Result<Arc<T>, E> {
        if let Some(existing) = self.map.lock().get(uuid)
            && !existing.is_dead()
        {
            return Ok(existing.clone());
        }
        let instance = Arc::new(load()?);
        if instance.is_single_instance() {
            self.map.lock().insert(*uuid, instance.clone());
        }
        Ok(instance)
    }

    /// Drops the cache's hold on `uuid`'s instance (dead, or retired).
    pub fn forget(&self, uuid: &Uuid) {
        self.map.lock().remove(uuid);
    }
}

impl<T: Cached> Default for SingleInstances<T> {
    fn default() -> Self {
        SingleInstances::new()
    }
}

#[cfg(target_os = "none")]
mod user_tas {
    use alloc::sync::Arc;

    use super::{Cached, SingleInstances};
    use crate::call_env::CallEnv;
    use crate::session::{Outcome, Resolver, Uuid};
    use crate::user_ta::instance::{Instance, InstanceOwner};

    /// Single-instance TAs currently loaded.
    static SINGLE: SingleInstances<Instance> = SingleInstances::new();

    impl Cached for Instance {
        fn is_dead(&self) -> bool {
            Instance::is_dead(self)
        }
        fn is_single_instance(&self) -> bool {
            Instance::is_single_instance(self)
        }
    }

    /// The manager as the instances it loads see it.
    struct Owner;

    static OWNER: Owner = Owner;

    impl InstanceOwner for Owner {
        fn resolver(&self) -> Resolver {
            super::resolve
        }

        fn forget(&self, uuid: &Uuid) {
            SINGLE.forget(uuid);
        }
    }

    /// The instance a session to `uuid` should use: the shared one for a
    /// single-instance TA, else a freshly loaded one.
    pub(super) fn instance_for(env: &mut dyn CallEnv, uuid: &Uuid) -> Result<Arc<Instance>, Outcome> {
        SINGLE.get_or_load(uuid, || Instance::fetch_and_load(env, uuid, &OWNER))
    }
}

#[cfg(test)]
mod tests {
    use core::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    struct Fake {
        single: bool,
        dead: AtomicBool,
    }

    impl Cached for Fake {
        fn is_dead(&self) -> bool {
            self.dead.load(Ordering::Relaxed)
        }
        fn is_single_instance(&self) -> bool {
            self.single
        }
    }

    fn fake(single: bool) -> Result<Fake, ()> {
        Ok(Fake { single, dead: AtomicBool::new(false) })
    }

    const A: Uuid = [0xa; 16];

    #[test]
    fn a_single_instance_ta_is_shared_until_it_dies_or_is_forgotten() {
        let cache = SingleInstances::new();
        let first = cache.get_or_load(&A, || fake(true)).unwrap();
        let again = cache.get_or_load(&A, || -> Result<Fake, ()> { panic!("loaded twice") }).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        first.dead.store(true, Ordering::Relaxed);
        let fresh = cache.get_or_load(&A, || fake(true)).unwrap();
        assert!(!Arc::ptr_eq(&first, &fresh), "a dead instance is never handed out");
        cache.forget(&A);
        assert_eq!(Arc::strong_count(&fresh), 1, "forgetting drops the cache's hold");
        assert!(!Arc::ptr_eq(&fresh, &cache.get_or_load(&A, || fake(true)).unwrap()));
    }

    #[test]
    fn multi_instance_tas_and_failed_loads_are_not_cached() {
        let cache = SingleInstances::new();
        let one = cache.get_or_load(&A, || fake(false)).unwrap();
        let two = cache.get_or_load(&A, || fake(false)).unwrap();
        assert!(!Arc::ptr_eq(&one, &two));
        assert_eq!(Arc::strong_count(&one), 1);
        assert!(cache.get_or_load(&A, || Err::<Fake, ()>(())).is_err());
        let three = cache.get_or_load(&A, || fake(true)).unwrap();
        assert_eq!(Arc::strong_count(&three), 2, "cached after a failed load");
    }
}
