//! Pseudo-TAs: services inside the kernel reached with `OPEN_SESSION` like
//! any TA (the socket PTA by TAs only).

extern crate alloc;

use alloc::sync::Arc;

use crate::session::{Target, Uuid};

pub mod device;
pub mod invoke_tests;
pub mod secstor_ta_mgmt;
pub mod socket;
pub mod socket_rpc;
pub mod stats;

/// The pseudo-TA with this UUID, if there is one.
pub fn find(uuid: &Uuid) -> Option<Arc<dyn Target>> {
    if *uuid == device::UUID {
        Some(Arc::new(device::DevicePta))
    } else if *uuid == socket::UUID {
        Some(Arc::new(socket::SocketPta))
    } else if *uuid == stats::UUID {
        Some(Arc::new(stats::StatsPta))
    } else if *uuid == invoke_tests::UUID {
        Some(Arc::new(invoke_tests::InvokeTestsPta))
    } else if *uuid == secstor_ta_mgmt::UUID {
        Some(Arc::new(secstor_ta_mgmt::SecstorTaMgmtPta))
    } else {
        None
    }
}
