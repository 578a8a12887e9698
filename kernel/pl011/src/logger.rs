//! Text to bytes (`\n` → `\r\n`) and the `log::Log` implementation.

// The kernel's `clippy.toml` refuses raw spin locks; this one is shared
// with the monitor (which runs masked), and the kernel takes it only
// inside a masked section of its own (`kernel/src/console.rs`).
#![allow(clippy::disallowed_types)]

use core::fmt::{self, Write};

use spin::Mutex;

/// Where the bytes of a line go.
pub trait ByteSink {
    /// Sends one byte, waiting for room if needed.
    fn put(&mut self, byte: u8);
}

/// A `fmt::Write` over a [`ByteSink`] that sends `\n` as `\r\n` (a raw
/// serial terminal needs the carriage return).
pub struct CrLf<S>(pub S);

impl<S: ByteSink> Write for CrLf<S> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            if byte == b'\n' {
                self.0.put(b'\r');
            }
            self.0.put(byte);
        }
        Ok(())
    }
}

/// Writes `record` as one line: `[<prefix> <LEVEL>] <message>\n`.
pub fn write_record(out: &mut impl Write, prefix: &str, record: &log::Record<'_>) -> fmt::Result {
    writeln!(out, "[{prefix} {}] {}", record.level(), record.args())
}

/// The `log` backend: every record at `Info` and above, one line each,
/// lines of different cores never interleaved.
pub struct Logger<S> {
    prefix: &'static str,
    sink: S,
    lock: Mutex<()>,
}

impl<S: ByteSink + Copy + Send + Sync> Logger<S> {
    /// A logger that writes `[prefix LEVEL] ...` lines to `sink`.
    pub const fn new(prefix: &'static str, sink: S) -> Logger<S> {
        Logger { prefix, sink, lock: Mutex::new(()) }
    }

    /// Makes this the `log` backend (the first call wins) at level `Info`.
    pub fn install(&'static self) {
        if log::set_logger(self).is_ok() {
            log::set_max_level(log::LevelFilter::Info);
        }
    }

    /// Writes `args` without taking the lock: only for the panic path, where
    /// the lock may be held by the code that panicked.
    pub fn emergency_write(&self, args: fmt::Arguments<'_>) {
        let _ = CrLf(self.sink).write_fmt(args);
    }
}

impl<S: ByteSink + Copy + Send + Sync> log::Log for Logger<S> {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let _guard = self.lock.lock();
        let _ = write_record(&mut CrLf(self.sink), self.prefix, record);
    }

    fn flush(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use log::Log;

    std::thread_local! {
        static OUT: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
    }

    #[derive(Clone, Copy)]
    struct Capture;

    impl ByteSink for Capture {
        fn put(&mut self, byte: u8) {
            OUT.with(|out| out.borrow_mut().push(byte));
        }
    }

    fn take() -> Vec<u8> {
        OUT.with(|out| core::mem::take(&mut *out.borrow_mut()))
    }

    #[test]
    fn a_record_is_one_prefixed_crlf_line() {
        let logger = Logger::new("tee", Capture);
        logger.log(
            &log::Record::builder().level(log::Level::Info).args(format_args!("RNG seeded from: {}", "RNDR")).build(),
        );
        logger.log(&log::Record::builder().level(log::Level::Warn).args(format_args!("a\nb")).build());
        assert_eq!(take(), b"[tee INFO] RNG seeded from: RNDR\r\n[tee WARN] a\r\nb\r\n");
    }

    #[test]
    fn the_prefix_is_the_callers() {
        let logger = Logger::new("mon", Capture);
        logger.log(&log::Record::builder().level(log::Level::Error).args(format_args!("x")).build());
        assert_eq!(take(), b"[mon ERROR] x\r\n");
    }

    #[test]
    fn emergency_writes_translate_newlines_too() {
        let logger = Logger::new("mon", Capture);
        let _held = logger.lock.lock();
        logger.emergency_write(format_args!("\n[mon PANIC] {}\n", "boom"));
        assert_eq!(take(), b"\r\n[mon PANIC] boom\r\n");
    }
}
