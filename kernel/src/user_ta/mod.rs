//! User TAs: fetching them from the normal world, verifying and loading them
//! into their own S-EL0 address space, running their entry points and serving
//! their system calls.

pub mod memory;
pub mod property;
pub mod store;
pub mod syscall;
pub mod system_pta;
pub mod utee_params;

#[cfg(target_os = "none")]
pub mod image;
#[cfg(target_os = "none")]
pub mod instance;
#[cfg(target_os = "none")]
pub mod run;
