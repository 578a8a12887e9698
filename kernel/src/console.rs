//! The kernel's log: `log` records to the secure PL011 as `[tee LEVEL] ...`
//! lines, told apart from the monitor's `[mon ...]` lines on the same UART;
//! the driver is the one the monitor uses (`pl011-log`).

use core::fmt;

use pl011_log::{Logger, Pl011};

static LOGGER: Logger<Pl011> = Logger::new("tee", Pl011::secure());

/// The `log` backend: [`LOGGER`] with this core's interrupts masked, so
/// no thread is preempted holding the UART's lock (see `crate::sync`).
struct Console;

static CONSOLE: Console = Console;

impl log::Log for Console {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        LOGGER.enabled(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        let _masked = crate::sync::mask_interrupts();
        LOGGER.log(record);
    }

    fn flush(&self) {}
}

/// Installs the logger (first call wins) at level `Info`.
pub fn init_logger() {
    if log::set_logger(&CONSOLE).is_ok() {
        log::set_max_level(log::LevelFilter::Info);
    }
}

/// Writes without taking the lock (panic path).
pub fn emergency_write(args: fmt::Arguments<'_>) {
    LOGGER.emergency_write(args);
}
