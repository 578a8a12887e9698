//! The contract between the parts: numbers and layouts fixed by upstream OP-TEE,
//! TF-A and the Linux optee driver, shared by the monitor, the kernel and xtask.
//!
//! No `unsafe`, no hardware: everything here is plain data and pure parsing, and
//! every number is pinned by a test to the value recorded in
//! `shared/reference/optee-abi.md`.
#![no_std]
#![forbid(unsafe_code)]

pub mod fdt_header;
pub mod image_header;
pub mod msg;
pub mod result;
pub mod shdr;
pub mod opteed;
pub mod smc;
pub mod smccc;
