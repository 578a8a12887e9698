//! The content of an open persistent object: one copy in the kernel for
//! every handle on it, in every instance and session of its TA (upstream
//! keeps one `tee_pobj` per object behind a sleeping lock, optee_os 4.5.0
//! `core/tee/tee_pobj.c`), so two instances that both open an object with
//! `TEE_DATA_FLAG_SHARE_WRITE` see each other's writes.
//!
//! An update (write, truncate, usage restriction, rename, create over an
//! open object) reads the content, commits the new file through
//! tee-supplicant and only then installs the new content. The commit
//! spans RPCs, so no spin lock may be held across it: updates of one
//! object are serialised by a writer flag ([`SharedObject::begin_update`]),
//! whose waiters sleep in the normal world; the spin lock guards only the
//! in-memory content, for reads and installs. An update that fails leaves
//! the content (and the file) as they were.

extern crate alloc;

use crate::sync::{SpinLock, SpinLockGuard};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::fs::ReeFs;
use super::object::{KeyMeta, Stored};

/// Pauses (about 1 ms each in the normal world) an update waits for the
/// one before it on the same object, then BUSY: far more than one 1 MiB
/// object's commit takes.
const UPDATE_TRIES: usize = 20_000;

/// What an open object holds.
pub struct Content {
    pub data: Vec<u8>,
    /// Bumped on every commit (the file header's generation).
    pub generation: u64,
    /// `objectUsage`, one value for every handle on the object (upstream's
    /// `tee_pobj.obj_info_usage`).
    pub usage: u32,
    /// A key object's type and sizes; its attributes (crypto's export).
    pub meta: KeyMeta,
    pub attrs: Zeroizing<Vec<u8>>,
}

impl Content {
    /// The content of a loaded or newly created object.
    pub fn from_stored(s: Stored) -> Content {
        Content { data: s.data, generation: s.generation, usage: s.usage, meta: s.meta, attrs: s.attrs }
    }
}

/// One open object's content, shared by every handle on it.
pub struct SharedObject {
    content: SpinLock<Content>,
    updating: AtomicBool,
}

/// The right to update one object, given up when dropped.
pub struct Update<'a> {
    of: &'a SharedObject,
}

impl Drop for Update<'_> {
    fn drop(&mut self) {
        self.of.updating.store(false, Ordering::Release);
    }
}

impl SharedObject {
    /// A new open object holding `s`.
    pub fn new(s: Stored) -> Arc<SharedObject> {
        Arc::new(SharedObject { content: SpinLock::new(Content::from_stored(s)), updating: AtomicBool::new(false) })
    }

    /// The content of an object no handle shares any more.
    pub fn into_content(self) -> Content {
        self.content.into_inner()
    }

    /// The content, for a read or an install: never held across an RPC.
    pub fn lock(&self) -> SpinLockGuard<'_, Content> {
        self.content.lock()
    }

    /// Waits (pausing through `fs`) until no other update of this object
    /// runs, and holds off the next one until the result is dropped.
    pub fn begin_update(&self, fs: &mut dyn ReeFs) -> Result<Update<'_>, TeeError> {
        for _ in 0..UPDATE_TRIES {
            if self.updating.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                return Ok(Update { of: self });
            }
            fs.pause()?;
        }
        Err(TeeError::Busy)
    }
}
