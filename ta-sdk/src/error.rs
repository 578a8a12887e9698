//! GlobalPlatform `TEE_Result` codes as a Rust error type: the contract's
//! [`tee_abi::result::TeeError`], re-exported.

pub use tee_abi::result::{TEE_SUCCESS, TeeError, TeeResult};
