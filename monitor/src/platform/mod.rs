//! QEMU virt devices the monitor drives: the secure PL011 (log), the secure
//! PL061 (power off / reset), the GICv3 and fw_cfg.
//!
//! Every function here touches a fixed MMIO address from `linker`; those
//! devices exist on every QEMU virt machine with `secure=on`.

pub mod fw_cfg;
pub mod gic;
pub mod uart;

use core::ptr::{read_volatile, write_volatile};

/// Reads a 32-bit device register.
///
/// # Safety
///
/// `addr` must be a readable 32-bit register of a device on this platform.
pub(crate) unsafe fn mmio_read32(addr: u64) -> u32 {
    // SAFETY: forwarded from the caller's contract; device registers need
    // volatile accesses.
    unsafe { read_volatile(addr as *const u32) }
}

/// Writes a 32-bit device register.
///
/// # Safety
///
/// `addr` must be a writable 32-bit register of a device on this platform
/// whose side effects the caller intends.
pub(crate) unsafe fn mmio_write32(addr: u64, value: u32) {
    // SAFETY: forwarded from the caller's contract.
    unsafe { write_volatile(addr as *mut u32, value) }
}

const GPIODIR: u64 = 0x400;

/// Drives secure GPIO line `pin` high; QEMU's power controller turns that into
/// a shutdown or reset request.
pub fn secure_gpio_pulse(pin: u32) -> ! {
    let base = linker::SECURE_GPIO_BASE;
    // SAFETY: the secure PL061 exists on QEMU virt with secure=on; GPIODIR and
    // the masked data register (address bits 9:2 select the line) are its
    // registers, and raising the line is the requested power action.
    unsafe {
        let dir = mmio_read32(base + GPIODIR);
        mmio_write32(base + GPIODIR, dir | (1 << pin));
        mmio_write32(base + ((1u64 << pin) << 2), 1 << pin);
    }
    loop {
        crate::arch::aarch64::wfi();
    }
}
