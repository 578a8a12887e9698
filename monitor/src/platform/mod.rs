//! QEMU virt devices the monitor drives: the secure PL011 (log), the secure
//! PL061 (power off / reset), the GICv3 and fw_cfg.
//!
//! Every device is a `tock-registers` register block at a fixed MMIO
//! address from `linker`; those devices exist on every QEMU virt machine with
//! `secure=on`, and the monitor runs with its MMU off, so their physical
//! addresses are what it dereferences.

pub mod fw_cfg;
pub mod gic;
pub mod gpio;
pub mod uart;

pub use gpio::secure_gpio_pulse;

/// The register block of type `T` at physical address `base`.
///
/// # Safety
///
/// `base` must be the address of a device whose register layout is `T`
/// (every field a tock-registers cell, so only volatile accesses reach it),
/// present for the life of the monitor.
unsafe fn device<T>(base: u64) -> &'static T {
    // SAFETY: forwarded from the caller's contract; MMIO cells are never
    // aliased by ordinary Rust memory, so a shared reference is sound.
    unsafe { &*(base as *const T) }
}
