//! Time: `TEE_GetSystemTime`, `TEE_GetREETime`, `TEE_GetTAPersistentTime`,
//! `TEE_SetTAPersistentTime` and `TEE_Wait`.
//!
//! ```ignore
//! use ta_sdk::time::{self, TeeTime};
//! let t0 = time::system_time();           // secure counter, arbitrary origin
//! time::wait(100)?;                       // Err(Cancel) if the client cancels
//! let wall = time::ree_time();            // the normal world's clock
//! match time::ta_persistent_time() {
//!     Err(ta_sdk::TeeError::TimeNotSet) => time::set_ta_persistent_time(&TeeTime { seconds: wall.seconds, millis: 0 })?,
//!     other => { other?; }
//! }
//! ```

use crate::error::{TeeError, TeeResult};
pub use crate::sys::TeeTime;

/// `UTEE_TIME_CAT_*`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    /// The secure system counter (time since an arbitrary origin).
    System = 0,
    /// This TA's persistent time.
    TaPersistent = 1,
    /// The normal world's wall clock (asked through tee-supplicant).
    Ree = 2,
}

/// The time of `category`; `Err` carries the kernel's error (for
/// `TaPersistent`: `TimeNotSet`, `TimeNeedsReset`; on `Overflow` use
/// [`get_time_raw`], which keeps the time).
pub fn get_time(category: Category) -> TeeResult<TeeTime> {
    let (r, t) = crate::sys::get_time(category as u32);
    r.map(|()| t)
}

/// Like [`get_time`], but returns the time the kernel wrote whatever the result.
pub fn get_time_raw(category: Category) -> (TeeResult, TeeTime) {
    crate::sys::get_time(category as u32)
}

/// `TEE_GetSystemTime`: GP says it cannot fail, so a failure panics the TA.
pub fn system_time() -> TeeTime {
    match get_time(Category::System) {
        Ok(t) => t,
        Err(e) => crate::panic(e.code()),
    }
}

/// `TEE_GetREETime`: GP says it cannot fail, so a failure panics the TA.
pub fn ree_time() -> TeeTime {
    match get_time(Category::Ree) {
        Ok(t) => t,
        Err(e) => crate::panic(e.code()),
    }
}

/// `TEE_GetTAPersistentTime`.
pub fn ta_persistent_time() -> TeeResult<TeeTime> {
    match get_time_raw(Category::TaPersistent) {
        (Ok(()), t) => Ok(t),
        (Err(TeeError::Overflow), _) => Err(TeeError::Overflow),
        (Err(e), _) => Err(e),
    }
}

/// `TEE_SetTAPersistentTime`: this TA's persistent time becomes `time`
/// (stored by the kernel, kept across instances and reboots where the
/// trusted OS can).
///
/// ```ignore
/// use ta_sdk::time::{self, TeeTime};
/// time::set_ta_persistent_time(&TeeTime { seconds: 1_000, millis: 0 })?;
/// let now = time::ta_persistent_time()?; // 1000 s and counting
/// ```
pub fn set_ta_persistent_time(time: &TeeTime) -> TeeResult {
    crate::sys::os::set_ta_time(time)
}

/// `TEE_Wait`: sleeps `millis` milliseconds. Returns `Err(Cancel)` early if
/// the client cancels the operation while cancellation is unmasked (see
/// [`crate::cancel`]).
pub fn wait(millis: u32) -> TeeResult {
    crate::sys::os::wait(millis)
}
