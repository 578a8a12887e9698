//! The kernel's log: `log` records to the secure PL011, prefixed so they are
//! told apart from the monitor's lines on the same UART.

use core::fmt::{self, Write};
use core::ptr::{read_volatile, write_volatile};

use spin::Mutex;

const UARTDR: u64 = 0x000;
const UARTFR: u64 = 0x018;
const FR_TXFF: u32 = 1 << 5;

struct SecureUart;

fn put(byte: u8) {
    let base = linker::SECURE_UART_BASE;
    // SAFETY: UARTFR/UARTDR are registers of the secure PL011, mapped as
    // device memory by the kernel's tables (and reachable with the MMU off).
    unsafe {
        while read_volatile((base + UARTFR) as *const u32) & FR_TXFF != 0 {}
        write_volatile((base + UARTDR) as *mut u32, u32::from(byte));
    }
}

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

static UART: Mutex<SecureUart> = Mutex::new(SecureUart);

struct Logger;

impl log::Log for Logger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let _ = writeln!(UART.lock(), "[tee {}] {}", record.level(), record.args());
    }

    fn flush(&self) {}
}

static LOGGER: Logger = Logger;

/// Installs the logger (first call wins).
pub fn init_logger() {
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

/// Writes without taking the lock (panic path).
pub fn emergency_write(args: fmt::Arguments<'_>) {
    let _ = SecureUart.write_fmt(args);
}
