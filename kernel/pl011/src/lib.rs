//! Polled output on an Arm PL011 UART, and the `log` backend the monitor and
//! the kernel both print through (one copy of the driver, two prefixes).
//!
//! Every record becomes one line `[<prefix> <LEVEL>] <message>` ended by
//! `\r\n`; every `\n` inside a message also goes out as `\r\n`. The test
//! harness greps the secure log for these lines, so their bytes are part of
//! the interface.
//!
//! The register block is the only `unsafe`: [`Pl011`] turns a base address
//! into a reference to it (see [`Pl011::new`]).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

mod logger;
mod uart;

pub use logger::{ByteSink, CrLf, Logger, write_record};
pub use uart::Pl011;
