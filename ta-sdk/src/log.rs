//! Logging through `_utee_log`: one line per call, prefixed like libutee's
//! trace (`E/TA:`, `I/TA:`, `D/TA:`), cut into chunks of at most 128 bytes
//! without any allocation.
//!
//! ```ignore
//! ta_sdk::info!("opened session {} for {:?}", id, who);
//! ta_sdk::error!("bad command {cmd}");
//! ```

use core::fmt::{self, Write};

/// Severity, shown as the line prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Info,
    Debug,
}

impl Level {
    fn prefix(self) -> &'static str {
        match self {
            Level::Error => "E/TA: ",
            Level::Info => "I/TA: ",
            Level::Debug => "D/TA: ",
        }
    }
}

/// A fixed buffer that calls `flush` whenever it fills up.
pub(crate) struct Chunker<F: FnMut(&[u8]), const N: usize> {
    buf: [u8; N],
    len: usize,
    flush: F,
}

impl<F: FnMut(&[u8]), const N: usize> Chunker<F, N> {
    pub(crate) fn new(flush: F) -> Self {
        Chunker { buf: [0; N], len: 0, flush }
    }

    pub(crate) fn finish(mut self) {
        if self.len > 0 {
            (self.flush)(&self.buf[..self.len]);
        }
    }
}

impl<F: FnMut(&[u8]), const N: usize> Write for Chunker<F, N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == N {
                (self.flush)(&self.buf);
                self.len = 0;
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

/// Formats one log line and hands it to the kernel.
pub fn write_fmt(level: Level, args: fmt::Arguments<'_>) {
    let mut out = Chunker::<_, 128>::new(crate::sys::log);
    let _ = out.write_str(level.prefix());
    let _ = out.write_fmt(args);
    let _ = out.write_str("\n");
    out.finish();
}

/// Logs an error line: `ta_sdk::error!("bad input {}", n)`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::write_fmt($crate::log::Level::Error, format_args!($($arg)*)) };
}

/// Logs an informational line: `ta_sdk::info!("opened")`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::write_fmt($crate::log::Level::Info, format_args!($($arg)*)) };
}

/// Logs a debug line: `ta_sdk::debug!("x = {}", x)`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::log::write_fmt($crate::log::Level::Debug, format_args!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn chunks() {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        let mut c = Chunker::<_, 4>::new(|b: &[u8]| chunks.push(b.to_vec()));
        write!(c, "abcdefghij{}", 42).unwrap();
        c.finish();
        assert_eq!(chunks, [b"abcd".to_vec(), b"efgh".to_vec(), b"ij42".to_vec()]);
    }
}
