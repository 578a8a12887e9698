//! The monitor's log: `log` records to the secure PL011 as `[mon LEVEL] ...`
//! lines, through the PL011 driver the kernel shares (`pl011-log`).

use core::fmt;

use pl011_log::{Logger, Pl011};

static LOGGER: Logger<Pl011> = Logger::new("mon", Pl011::secure());

/// Installs the secure-UART logger (first call wins).
pub fn init_logger() {
    LOGGER.install();
}

/// Writes without the lock: only for the panic path, where the lock may be held.
pub fn emergency_write(args: fmt::Arguments<'_>) {
    LOGGER.emergency_write(args);
}
