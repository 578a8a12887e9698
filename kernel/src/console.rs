//! The kernel's log: `log` records to the secure PL011 as `[tee LEVEL] ...`
//! lines, told apart from the monitor's `[mon ...]` lines on the same UART;
//! the driver is the one the monitor uses (`pl011-log`).

use core::fmt;

use pl011_log::{Logger, Pl011};

static LOGGER: Logger<Pl011> = Logger::new("tee", Pl011::secure());

/// Installs the logger (first call wins).
pub fn init_logger() {
    LOGGER.install();
}

/// Writes without taking the lock (panic path).
pub fn emergency_write(args: fmt::Arguments<'_>) {
    LOGGER.emergency_write(args);
}
