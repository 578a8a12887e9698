//! Everything that touches the CPU directly: entry code, EL3 vectors, the world
//! switch, system registers and barriers. Only built for the bare-metal target.

pub mod aarch64;
