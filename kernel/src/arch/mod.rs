//! Everything that touches the CPU directly. Only built for the bare-metal target.

pub mod aarch64;
