//! The Rust libutee for trusted applications.
//!
//! This crate is where TA authors' API will live (syscall wrappers, the TA
//! entry glue and `.ta_head`, typed parameters). The boot-chain milestone
//! only establishes the crate; the TA ABI arrives with TA loading.
#![no_std]
#![forbid(unsafe_code)]

/// The GlobalPlatform `TEE_Result` success value, shared with the kernel ABI.
pub const TEE_SUCCESS: u32 = 0;
