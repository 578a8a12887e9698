//! The TA manager: the kernel-wide call state (sessions, registered shared
//! memory, the bounce pool) and what a UUID names — a pseudo-TA, or a user
//! TA instance, shared while it is a single-instance TA.
//!
//! Layering: `std_call` serves calls on this state; the manager resolves
//! UUIDs to `pta` and `user_ta`, which reach back only through the
//! [`Resolver`] and `user_ta::instance::InstanceOwner` it hands them.

extern crate alloc;

use alloc::sync::Arc;
use spin::Mutex;

use crate::bounce;
use crate::call_env::CallEnv;
use crate::session::{Outcome, Resolver, Sessions, Target, Uuid};
use crate::shm::ShmRegistry;

/// Kernel-wide state shared by all calls.
pub struct TeeState {
    /// Registered shared memory.
    pub shm: Mutex<ShmRegistry>,
    /// Open sessions.
    pub sessions: Mutex<Sessions>,
    /// Finds what a UUID names (pseudo-TAs, then user TAs).
    pub resolver: Resolver,
    /// Heap the bounce copies of memrefs may use at once.
    pub bounce: bounce::Pool,
}

impl TeeState {
    /// No sessions, no shared memory, an empty bounce pool.
    pub const fn new(resolver: Resolver) -> TeeState {
        TeeState {
            shm: Mutex::new(ShmRegistry::new()),
            sessions: Mutex::new(Sessions::new()),
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

#[cfg(target_os = "none")]
mod user_tas {
    use alloc::collections::BTreeMap;
    use alloc::sync::Arc;
    use spin::Mutex;

    use crate::call_env::CallEnv;
    use crate::session::{Outcome, Resolver, Uuid};
    use crate::user_ta::instance::{Instance, InstanceOwner};

    /// Single-instance TAs currently loaded.
    static SINGLE: Mutex<BTreeMap<Uuid, Arc<Instance>>> = Mutex::new(BTreeMap::new());

    /// The manager as the instances it loads see it.
    struct Owner;

    static OWNER: Owner = Owner;

    impl InstanceOwner for Owner {
        fn resolver(&self) -> Resolver {
            super::resolve
        }

        fn forget(&self, uuid: &Uuid) {
            SINGLE.lock().remove(uuid);
        }
    }

    /// The instance a session to `uuid` should use: the shared one for a
    /// single-instance TA, else a freshly loaded one.
    pub(super) fn instance_for(env: &mut dyn CallEnv, uuid: &Uuid) -> Result<Arc<Instance>, Outcome> {
        if let Some(existing) = SINGLE.lock().get(uuid)
            && !existing.is_dead()
        {
            return Ok(existing.clone());
        }
        let instance = Arc::new(Instance::fetch_and_load(env, uuid, &OWNER)?);
        if instance.is_single_instance() {
            SINGLE.lock().insert(*uuid, instance.clone());
        }
        Ok(instance)
    }
}
