//! The S-EL1 trusted kernel: a memory-safe, OP-TEE-compatible trusted OS.
//!
//! The monitor enters it exactly as TF-A's `opteed` enters OP-TEE. It turns
//! the MMU on with W^X mappings of its own image, adds `/firmware/optee` to
//! the normal world's device tree and answers the OP-TEE SMC ABI.
//!
//! Design: the logic (`smc`, `mm::pagetable`, `dt`) is pure and tested on
//! the host; `boot` strings it together on the target; only `arch` holds
//! assembly and system-register accesses.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod call_env;
pub mod crypto;
pub mod dt;
pub mod mm;
pub mod msg;
pub mod params;
pub mod pta;
pub mod rng;
pub mod session;
pub mod shm;
pub mod smc;
pub mod std_call;
pub mod storage;
pub mod ta;
pub mod thread;
pub mod user_ta;

#[cfg(target_os = "none")]
pub mod arch;
#[cfg(target_os = "none")]
pub mod boot;
#[cfg(target_os = "none")]
mod console;
#[cfg(target_os = "none")]
mod entropy;
#[cfg(target_os = "none")]
mod heap;

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    console::emergency_write(format_args!("\n[tee PANIC] {info}\n"));
    loop {
        arch::aarch64::wfi();
    }
}
