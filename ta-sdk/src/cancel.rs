//! Cancellation (`TEE_GetCancellationFlag`, `TEE_MaskCancellation`,
//! `TEE_UnmaskCancellation`): a client may ask to cancel an operation in
//! progress (`TEEC_RequestCancellation`); the TA sees it through the flag and
//! through [`crate::time::wait`] returning `Err(Cancel)`, but only while
//! cancellation is unmasked.
//!
//! ```ignore
//! use ta_sdk::{cancel, time, TeeError};
//! cancel::unmask()?;
//! match time::wait(10_000) {
//!     Err(TeeError::Cancel) => { /* the client gave up: stop early */ }
//!     other => other?,
//! }
//! ```

use crate::error::TeeResult;

/// Has the client requested cancellation (and is it unmasked)?
pub fn is_requested() -> TeeResult<bool> {
    crate::sys::os::get_cancellation_flag()
}

/// Unmasks cancellation; returns whether it was masked before.
pub fn unmask() -> TeeResult<bool> {
    crate::sys::os::unmask_cancellation()
}

/// Masks cancellation; returns whether it was masked before.
pub fn mask() -> TeeResult<bool> {
    crate::sys::os::mask_cancellation()
}
