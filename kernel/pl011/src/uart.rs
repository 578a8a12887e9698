//! The PL011's registers (Arm PrimeCell UART (PL011) Technical Reference
//! Manual, DDI 0183, "Summary of registers") and polled transmission. QEMU's
//! PL011 transmits without any set-up, so only `UARTDR` and `UARTFR` are
//! used.

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::registers::{ReadOnly, ReadWrite};
use tock_registers::{register_bitfields, register_structs};

use crate::logger::ByteSink;

register_bitfields! [u32,
    /// `UARTDR`: a write queues one character.
    DR [
        DATA OFFSET(0) NUMBITS(8) []
    ],
    /// `UARTFR`.
    FR [
        /// Transmit FIFO full.
        TXFF OFFSET(5) NUMBITS(1) [],
        /// Busy transmitting.
        BUSY OFFSET(3) NUMBITS(1) []
    ]
];

register_structs! {
    /// The PL011 register block, as far as this driver uses it.
    Registers {
        (0x000 => dr: ReadWrite<u32, DR::Register>),
        (0x004 => _reserved0),
        (0x018 => fr: ReadOnly<u32, FR::Register>),
        (0x01c => @END),
    }
}

/// One PL011, by the address of its register block.
#[derive(Clone, Copy, Debug)]
pub struct Pl011 {
    base: usize,
}

impl Pl011 {
    /// The UART whose registers are at `base`.
    ///
    /// # Safety
    ///
    /// `base` must be the address, in the translation regime of every core
    /// that uses the value, of a PL011's registers mapped as device memory,
    /// for as long as the value is used.
    #[allow(unsafe_code)]
    pub const unsafe fn new(base: usize) -> Pl011 {
        Pl011 { base }
    }

    /// The secure PL011 of QEMU `virt` (`linker::SECURE_UART_BASE`). The
    /// monitor runs with its MMU off and the kernel maps it at the same
    /// address as device memory, so the physical address is valid in both.
    pub const fn secure() -> Pl011 {
        // SAFETY: the secure UART exists on every QEMU virt machine with
        // secure=on, and both users reach it at its physical address (see
        // above).
        #[allow(unsafe_code)]
        unsafe {
            Pl011::new(linker::SECURE_UART_BASE as usize)
        }
    }

    fn regs(&self) -> &Registers {
        // SAFETY: `new`'s contract: `base` addresses a live PL011 register
        // block, whose registers are only ever accessed volatilely through
        // tock-registers' cells.
        #[allow(unsafe_code)]
        unsafe {
            &*(self.base as *const Registers)
        }
    }
}

impl ByteSink for Pl011 {
    fn put(&mut self, byte: u8) {
        let regs = self.regs();
        while regs.fr.is_set(FR::TXFF) {}
        regs.dr.set(u32::from(byte));
    }
}
