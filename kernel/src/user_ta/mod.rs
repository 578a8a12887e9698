//! User TAs: fetching them from the normal world, verifying and loading them
//! into their own S-EL0 address space, running their entry points and serving
//! their system calls.

#[allow(unsafe_code)]
// page-aligned TA page buffers (also viewed as translation tables) and copies to/from their kernel mapping.
pub mod memory;
pub mod property;
pub mod store;
pub mod supp_plugin;
pub mod syscall;
pub mod system_pta;
pub mod tables;
pub mod tadb;
pub mod utee_params;
pub mod verdb;

#[cfg(target_os = "none")]
pub mod dlopen;
#[cfg(target_os = "none")]
pub mod image;
#[cfg(target_os = "none")]
#[allow(unsafe_code)] // enters S-EL0 on its own tables (`run_user`).
pub mod instance;
#[cfg(target_os = "none")]
pub mod run;
