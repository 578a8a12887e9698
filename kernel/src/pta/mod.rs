//! Pseudo-TAs: services inside the kernel reached with `OPEN_SESSION` like
//! any TA.

extern crate alloc;

use alloc::sync::Arc;

use crate::session::{Target, Uuid};

pub mod device;
pub mod stats;

/// Parses a canonical UUID string at compile time into its octets.
pub const fn uuid(s: &str) -> Uuid {
    let b = s.as_bytes();
    let mut out = [0u8; 16];
    let mut i = 0;
    let mut n = 0;
    while i < b.len() {
        if b[i] != b'-' {
            let hi = hex(b[i]);
            let lo = hex(b[i + 1]);
            out[n] = (hi << 4) | lo;
            n += 1;
            i += 1;
        }
        i += 1;
    }
    assert!(n == 16);
    out
}

const fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => panic!("not a hex digit"),
    }
}

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
