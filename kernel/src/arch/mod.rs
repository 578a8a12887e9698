//! Everything that touches the CPU directly.
//!
//! On the bare-metal target that is `aarch64`. Host test builds get `fake`
//! instead, under the same name (`arch::aarch64`), so the thread runtime and
//! the TA runner compile unchanged against it and are tested on the host.

#[cfg(target_os = "none")]
pub mod aarch64;

#[cfg(not(target_os = "none"))]
pub mod fake;
/// Host test builds: the fake stands in for the CPU layer.
#[cfg(not(target_os = "none"))]
pub use fake as aarch64;
