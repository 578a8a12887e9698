//! The EL3 secure monitor for QEMU `virt`.
//!
//! It does what TF-A's BL31 with the `opteed` dispatcher does on this machine,
//! and nothing more: bring every core to a known EL3 state, load the trusted
//! OS from the firmware image and enter it exactly as `opteed` would, answer
//! PSCI and the Arm architecture calls, switch worlds for trusted-OS SMCs, fix
//! up the device tree and start Linux.
//!
//! Design: the decisions (`dispatch`, `psci`, `dt`, `seed_scrub`,
//! `boot_payload`, `inject`) are pure
//! and tested on the host; `runtime` carries them out; only `arch` holds
//! assembly and system-register accesses; `platform` holds the MMIO.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod boot_payload;
pub mod dispatch;
pub mod dt;
pub mod inject;
pub mod psci;
pub mod seed_scrub;

#[cfg(target_os = "none")]
#[allow(unsafe_code)] // reset code, vectors, world switch, system registers.
pub mod arch;
#[cfg(target_os = "none")]
#[allow(unsafe_code)] // the global allocator over the linker-reserved region.
mod heap;
#[cfg(target_os = "none")]
#[allow(unsafe_code)] // MMIO register blocks at fixed addresses; the fw_cfg DMA descriptor.
pub mod platform;
#[cfg(target_os = "none")]
#[allow(unsafe_code)] // entry points (`no_mangle`), per-core contexts, loading payloads into RAM.
pub mod runtime;
#[cfg(target_os = "none")]
mod trap;

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    platform::uart::emergency_write(format_args!("\n[mon PANIC] {info}\n"));
    loop {
        arch::aarch64::wfi();
    }
}
