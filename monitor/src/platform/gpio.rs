//! The secure PL061 GPIO (Arm PrimeCell GPIO (PL061) Technical Reference
//! Manual, DDI 0190): QEMU's power controller listens on two of its lines.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::ReadWrite;

register_structs! {
    /// PL061 registers. `GPIODATA` is 256 words: address bits 9:2 select
    /// which lines a read or write affects.
    Pl061 {
        (0x000 => data: [ReadWrite<u32>; 256]),
        (0x400 => dir: ReadWrite<u32>),
        (0x404 => @END),
    }
}

/// Drives secure GPIO line `pin` (0..8) high; QEMU's power controller turns
/// that into a shutdown or reset request.
pub fn secure_gpio_pulse(pin: u32) -> ! {
    // SAFETY: the secure PL061 exists on QEMU virt with secure=on at
    // SECURE_GPIO_BASE; raising a line is the requested power action.
    let gpio: &Pl061 = unsafe { super::device(linker::SECURE_GPIO_BASE) };
    gpio.dir.set(gpio.dir.get() | (1 << pin));
    // The masked data word whose address bits select only `pin`.
    gpio.data[1 << pin].set(1 << pin);
    loop {
        crate::arch::aarch64::wfi();
    }
}
