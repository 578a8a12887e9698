//! Pseudo-TAs: services inside the kernel reached with `OPEN_SESSION` like
//! any TA.

extern crate alloc;

use alloc::sync::Arc;
#[cfg(not(target_os = "none"))]
use tee_abi::result;

use crate::call_env::CallEnv;
use crate::session::{Outcome, Target, Uuid};

pub mod device;
pub mod stats;

/// The pseudo-TA with this UUID, if there is one.
pub fn find(uuid: &Uuid) -> Option<Arc<dyn Target>> {
    if *uuid == device::UUID {
        Some(Arc::new(device::DevicePta))
    } else if *uuid == stats::UUID {
        Some(Arc::new(stats::StatsPta))
    } else {
        None
    }
}

/// The resolver used by the kernel: pseudo-TAs first, then user TAs from the
/// normal world's TA store.
pub fn resolve(uuid: &Uuid, env: &mut dyn CallEnv) -> Result<Arc<dyn Target>, Outcome> {
    if let Some(pta) = find(uuid) {
        return Ok(pta);
    }
    #[cfg(target_os = "none")]
    {
        let instance: Arc<dyn Target> = crate::user_ta::instance::instance_for(env, uuid)?;
        Ok(instance)
    }
    #[cfg(not(target_os = "none"))]
    {
        let _ = env;
        Err((result::ERROR_ITEM_NOT_FOUND, result::ORIGIN_TEE))
    }
}
