//! A TA whose commands kill it, for the "a TA fault kills only that TA"
//! tests: UUID `6e8f3bb2-3406-40f7-a3b9-368262e2884e`.
//!
//! - command 0 (`CMD_PANIC`): `TEE_Panic(0xdead0000 | value.a & 0xffff)` with
//!   an optional VALUE_INPUT in param 0 (the client expects TARGET_DEAD);
//! - command 1 (`CMD_READ_KERNEL`): reads a word at 0x0e100000 (the start of
//!   the trusted OS in secure RAM), which is not mapped at EL0: the abort
//!   kills the instance (TARGET_DEAD). If the read ever succeeded, the value
//!   would go back in param 0 (VALUE_OUTPUT) and the command would report
//!   TEE_ERROR_SECURITY;
//! - command 2 (`CMD_RUST_PANIC`): a Rust `panic!`, which ta-sdk turns into
//!   `TEE_Panic`;
//! - command 3 (`CMD_PING`): returns success, proving the instance is alive.
#![no_std]
#![no_main]

use proto::panic_ta::{CMD_PANIC, CMD_PING, CMD_READ_KERNEL, CMD_RUST_PANIC};
use ta_sdk::{Param, Params, TeeError, TeeResult, TrustedApp};

/// The trusted OS's load address on QEMU virt (both ours and upstream).
const KERNEL_ADDR: usize = 0x0e10_0000;

struct PanicTa;

impl TrustedApp for PanicTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(PanicTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_PANIC => {
                let low = params.value_input(0).map_or(0, |v| v.a & 0xffff);
                ta_sdk::panic(0xdead_0000 | low)
            }
            CMD_READ_KERNEL => {
                let word = read_kernel_word();
                if let Param::ValueOutput(v) = params.get_mut(0) {
                    v.a = word;
                }
                Err(TeeError::Security)
            }
            CMD_RUST_PANIC => panic!("panic_ta: deliberate Rust panic"),
            CMD_PING => Ok(()),
            _ => Err(TeeError::NotSupported),
        }
    }
}

#[allow(unsafe_code)]
fn read_kernel_word() -> u32 {
    // SAFETY: none, deliberately: this address belongs to the kernel and is
    // not mapped for the TA, so the access faults and the kernel kills this
    // instance. A volatile read keeps the compiler from eliding it.
    unsafe { core::ptr::read_volatile(KERNEL_ADDR as *const u32) }
}

ta_sdk::ta! {
    uuid: proto::panic_ta::UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 4096,
    heap: 8192,
    impl: PanicTa,
}
