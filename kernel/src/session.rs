//! Sessions and the things they are open to (pseudo-TAs, user TAs).

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};
use tee_abi::result::{Origin, TeeError};

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

/// A `(TEE_Result, origin)` pair as a session's target reports it. Raw,
/// not [`tee_abi::result::Outcome`]: a TA may return any `TEE_Result`,
/// including codes of its own, and the client must get exactly that.
pub type Outcome = (u32, u32);

/// The outcome of an error the TEE itself produced.
pub fn tee_refusal(error: TeeError) -> Outcome {
    (error.code(), Origin::Tee.code())
}

/// An error from a layer that may still report raw codes (RPC helpers, the
/// syscall layer's) as a typed error. Migration aid: it takes either form,
/// so callers need no change when that layer moves to [`TeeError`].
pub fn raw_error(error: impl IntoTeeError) -> TeeError {
    error.into_tee_error()
}

/// An error code in either form (see [`raw_error`]).
pub trait IntoTeeError {
    /// The typed error.
    fn into_tee_error(self) -> TeeError;
}

impl IntoTeeError for TeeError {
    fn into_tee_error(self) -> TeeError {
        self
    }
}

impl IntoTeeError for u32 {
    /// A stray 0 (success as an error) would be a bug and reads as `Generic`.
    fn into_tee_error(self) -> TeeError {
        TeeError::from_raw(self).err().unwrap_or(TeeError::Generic)
    }
}

/// Something a session can be open to.
pub trait Target: Send + Sync {
    /// Opens a session; returns the target's own session handle.
    fn open_session(
        &self,
        env: &mut dyn CallEnv,
        client: &ClientIdentity,
        params: &mut TaParams,
    ) -> Result<u64, Outcome>;
    /// Invokes `cmd`.
    fn invoke(&self, env: &mut dyn CallEnv, handle: u64, cmd: u32, params: &mut TaParams) -> Outcome;
    /// Closes the session.
    fn close_session(&self, env: &mut dyn CallEnv, handle: u64);
}

/// Finds the service a UUID names: a pseudo-TA or a user TA (loading it
/// through the normal world if need be).
pub type Resolver = fn(&Uuid, &mut dyn CallEnv) -> Result<Arc<dyn Target>, Outcome>;

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

/// Most sessions the normal world may hold open at once, over all TAs.
/// Upstream has no such constant; its heap bounds it. Ours is checked
/// before a TA is entered, so a flood of OpenSession gets OUT_OF_MEMORY
/// (as upstream's does when its heap or the TA's runs out) and nothing dies.
pub const MAX_SESSIONS: usize = 2048;

/// The session table is full ([`MAX_SESSIONS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableFull;

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

    /// Whether another session may be opened.
    pub fn has_room(&self) -> bool {
        self.map.len() < MAX_SESSIONS
    }

    /// Records a session and returns its ID (never 0); `TableFull` when
    /// [`MAX_SESSIONS`] are open.
    pub fn insert(&mut self, session: Session) -> Result<u32, TableFull> {
        if !self.has_room() {
            return Err(TableFull);
        }
        loop {
            let id = self.next;
            self.next = self.next.wrapping_add(1).max(1);
            if let alloc::collections::btree_map::Entry::Vacant(slot) = self.map.entry(id) {
                slot.insert(session);
                return Ok(id);
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Nothing;

    impl Target for Nothing {
        fn open_session(&self, _: &mut dyn CallEnv, _: &ClientIdentity, _: &mut TaParams) -> Result<u64, Outcome> {
            Ok(0)
        }
        fn invoke(&self, _: &mut dyn CallEnv, _: u64, _: u32, _: &mut TaParams) -> Outcome {
            (0, 0)
        }
        fn close_session(&self, _: &mut dyn CallEnv, _: u64) {}
    }

    fn session() -> Session {
        Session { target: Arc::new(Nothing), handle: 0, cancelled: Arc::new(AtomicBool::new(false)) }
    }

    #[test]
    fn raw_errors_become_typed_and_typed_ones_stay() {
        assert_eq!(raw_error(0xffff_000c_u32), TeeError::OutOfMemory);
        assert_eq!(raw_error(TeeError::Busy), TeeError::Busy);
        assert_eq!(raw_error(0_u32), TeeError::Generic, "success is no error");
        assert_eq!(tee_refusal(TeeError::BadParameters), (0xffff_0006, 3));
    }

    #[test]
    fn the_table_is_bounded_and_frees_its_slots() {
        let mut table = Sessions::new();
        let ids: alloc::vec::Vec<u32> = (0..MAX_SESSIONS).map(|_| table.insert(session()).unwrap()).collect();
        assert!(!table.has_room());
        assert_eq!(table.insert(session()).err(), Some(TableFull));
        assert!(table.remove(ids[7]).is_some());
        let again = table.insert(session()).unwrap();
        assert!(again != 0 && !ids[..7].contains(&again));
        for id in ids.iter().filter(|id| **id != ids[7]) {
            table.remove(*id).unwrap();
        }
        table.remove(again).unwrap();
        assert!(table.is_empty());
    }
}
