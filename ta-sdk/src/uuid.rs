//! `TEE_UUID` and `struct ta_head`: the contract's [`tee_abi::uuid`], re-exported.

pub use tee_abi::uuid::{DEPR_ENTRY_NONE, FRAMEWORK_STACK_SIZE, TaHead, Uuid, UuidError, flags};
