//! The contract between the parts: numbers and layouts fixed by upstream OP-TEE,
//! TF-A, GlobalPlatform and the Linux optee driver, shared by the monitor, the
//! kernel, ta-sdk, teec, the guest runner and xtask.
//!
//! No `unsafe`, no hardware: everything here is plain data and pure parsing, and
//! every number is pinned by a test to the value recorded in
//! the upstream headers it comes from (optee_os 4.5.0 `core/include/optee_msg.h`,
//! `core/arch/arm/include/sm/optee_smc.h`, `core/include/optee_rpc_cmd.h`; TF-A
//! `services/spd/opteed/teesmc_opteed.h`; GP TEE Internal Core API v1.3.1 and
//! optee_os 4.5.0 `lib/libutee/include/tee_api_defines.h`); each
//! module names the header it follows.
#![no_std]
#![forbid(unsafe_code)]

pub mod fdt_header;
pub mod gp;
pub mod image_header;
pub mod msg;
pub mod opteed;
pub mod pta;
pub mod result;
pub mod shdr;
pub mod smc;
pub mod smccc;
pub mod syscall;
pub mod utee;
pub mod uuid;
