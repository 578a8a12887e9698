//! Sessions and the things they are open to (pseudo-TAs, user TAs).

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::call_env::CallEnv;
use crate::params::TaParams;

/// `TEE_UUID` as its 16 RFC 4122 octets.
pub type Uuid = [u8; 16];

/// Formats UUID octets canonically (for logs).
pub fn fmt_uuid(u: &Uuid) -> impl core::fmt::Display + '_ {
    struct Canonical<'a>(&'a Uuid);
    impl core::fmt::Display for Canonical<'_> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            for (i, b) in self.0.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    f.write_str("-")?;
                }
                write!(f, "{b:02x}")?;
            }
            Ok(())
        }
    }
    Canonical(u)
}

/// Who opened a session (`gpd.client.identity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIdentity {
    /// `TEE_LOGIN_*`.
    pub login: u32,
    /// Client UUID octets.
    pub uuid: Uuid,
}

/// A `(TEE_Result, origin)` pair.
pub type Outcome = (u32, u32);

/// Something a session can be open to.
pub trait Target: Send + Sync {
    /// Opens a session; returns the target's own session handle.
    fn open_session(&self, env: &mut dyn CallEnv, client: &ClientIdentity, params: &mut TaParams) -> Result<u64, Outcome>;
    /// Invokes `cmd`.
    fn invoke(&self, env: &mut dyn CallEnv, handle: u64, cmd: u32, params: &mut TaParams) -> Outcome;
    /// Closes the session.
    fn close_session(&self, env: &mut dyn CallEnv, handle: u64);
}

/// An open session.
#[derive(Clone)]
pub struct Session {
    /// What it is open to.
    pub target: Arc<dyn Target>,
    /// The target's handle for it.
    pub handle: u64,
    /// Set by `OPTEE_MSG_CMD_CANCEL`, cleared when a new command starts.
    pub cancelled: Arc<AtomicBool>,
}

/// All open sessions, by the ID given to the normal world.
pub struct Sessions {
    next: u32,
    map: BTreeMap<u32, Session>,
}

impl Sessions {
    /// No sessions.
    pub const fn new() -> Sessions {
        Sessions { next: 1, map: BTreeMap::new() }
    }

    /// Records a session and returns its ID (never 0).
    pub fn insert(&mut self, session: Session) -> u32 {
        loop {
            let id = self.next;
            self.next = self.next.wrapping_add(1).max(1);
            if let alloc::collections::btree_map::Entry::Vacant(slot) = self.map.entry(id) {
                slot.insert(session);
                return id;
            }
        }
    }

    /// The session `id`.
    pub fn get(&self, id: u32) -> Option<Session> {
        self.map.get(&id).cloned()
    }

    /// Removes session `id`.
    pub fn remove(&mut self, id: u32) -> Option<Session> {
        self.map.remove(&id)
    }

    /// Marks session `id` cancelled.
    pub fn cancel(&mut self, id: u32) -> bool {
        self.map.get(&id).map(|s| s.cancelled.store(true, Ordering::Release)).is_some()
    }

    /// Number of open sessions.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when none is open.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::new()
    }
}
