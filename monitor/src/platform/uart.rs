//! Polled output on the secure PL011 and the `log` backend built on it.

use core::fmt::{self, Write};

use spin::Mutex;

use super::{mmio_read32, mmio_write32};

const UARTDR: u64 = 0x000;
const UARTFR: u64 = 0x018;
const FR_TXFF: u32 = 1 << 5;

/// The secure UART. QEMU's PL011 needs no set-up to transmit.
pub struct SecureUart;

impl Write for SecureUart {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if byte == b'\n' {
                put(b'\r');
            }
            put(byte);
        }
        Ok(())
    }
}

fn put(byte: u8) {
    let base = linker::SECURE_UART_BASE;
    // SAFETY: UARTFR and UARTDR are registers of the secure PL011, which exists
    // on every QEMU virt machine with secure=on.
    unsafe {
        while mmio_read32(base + UARTFR) & FR_TXFF != 0 {}
        mmio_write32(base + UARTDR, u32::from(byte));
    }
}

static UART: Mutex<SecureUart> = Mutex::new(SecureUart);

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let mut uart = UART.lock();
        let _ = writeln!(uart, "[mon {}] {}", record.level(), record.args());
    }

    fn flush(&self) {}
}

static LOGGER: Logger = Logger;

/// Installs the secure-UART logger (first call wins).
pub fn init_logger() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

/// Writes without the lock: only for the panic path, where the lock may be held.
pub fn emergency_write(args: fmt::Arguments<'_>) {
    let _ = SecureUart.write_fmt(args);
}
