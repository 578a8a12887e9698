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
#![deny(unsafe_code)]

extern crate alloc;

pub mod bounce;
pub mod call_env;
pub mod crypto;
pub mod dt;
pub mod fatal;
pub mod handles;
#[allow(unsafe_code)] // the global allocator: `GlobalAlloc` and the linker-reserved region.
pub mod heap;
pub mod huk;
pub mod mm;
pub mod msg;
pub mod params;
pub mod pta;
pub mod rng;
pub mod rpc_shm;
pub mod session;
#[allow(unsafe_code)] // `NsMemory`'s raw copies are `unsafe fn`: their caller vouches for the range.
pub mod shm;
pub mod smc;
pub mod std_call;
pub mod storage;
pub mod sync;
pub mod syscall;
pub mod ta;
pub mod ta_manager;
pub mod thread;
pub mod user_ta;

// Host test builds get the arch fake (`arch::fake`) in its place.
#[cfg(any(target_os = "none", test))]
#[allow(unsafe_code)] // inline assembly, vectors, context switch, system registers.
pub mod arch;
#[cfg(target_os = "none")]
#[allow(unsafe_code)] // the entry points the assembly calls (`no_mangle`), MMU enable, the boot DT area.
pub mod boot;
#[cfg(target_os = "none")]
mod console;
#[cfg(target_os = "none")]
#[allow(unsafe_code)] // reads the boot DT area (physical memory) for its secure seeds.
mod entropy;
#[cfg(test)]
use limited_alloc as test_alloc;

/// A kernel panic: log it, stop the secure world (see `fatal`) and give the
/// normal world an error for the call that panicked instead of parking the
/// core with interrupts masked.
#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    // Stay on this core: what follows uses its state.
    let _ = arch::aarch64::irq::mask_all();
    let first = fatal::stop();
    console::emergency_write(format_args!("\n[tee PANIC] {info}\n"));
    if first {
        console::emergency_write(format_args!("[tee PANIC] secure world stopped: every later call fails\n"));
    }
    // A pool thread's call can end with an error: leave its stack for the
    // core's temporary stack and return to the monitor (the thread is never
    // released or reused). Outside a thread (boot, a fast call) there is
    // no call to end: park.
    if thread::runtime::current_thread() != usize::MAX {
        // Never return to the normal world with a TA's tables live, nor
        // with a TA's FP/SIMD registers in place of its own.
        // SAFETY: the kernel's own tables map the whole kernel.
        #[allow(unsafe_code)]
        unsafe {
            arch::aarch64::user::set_ttbr0(mm::kernel_map::kernel_root())
        };
        thread::fpu::before_normal_world();
        arch::aarch64::thread::exit(fatal::STOPPED_RETURN);
    }
    loop {
        arch::aarch64::wfi();
    }
}
