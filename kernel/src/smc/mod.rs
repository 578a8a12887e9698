//! The OP-TEE SMC ABI as seen from the trusted OS: fast calls answered on the
//! spot, yielding (standard) calls handed to the message layer.

pub mod fast;
