//! An adversarial TA for the memory-management tests (`tz-xtest` 1017,
//! 1018): UUID `b5311d21-55ce-45a1-98b0-7dcb8bd62fc6`.
//!
//! - command 0 (`CMD_PING`): success, proving the instance is alive;
//! - command 1 (`CMD_TOUCH_AFTER_UNMAP`): VALUE_INPUT a = bytes. Maps that
//!   many zeroed bytes through the system PTA (MAP_ZI, as ta-sdk's
//!   `SharedMapping` does for TA-to-TA memrefs), checks they are zero,
//!   fills them with a pattern and reads it back, UNMAPs them, then reads
//!   the first word of the old range. That read must fault and kill the
//!   instance (`TARGET_DEAD`). Should it succeed, the word goes back in
//!   VALUE_OUTPUT (param 1) a and the command reports `TEE_ERROR_SECURITY`;
//!   a failed step before it reports its error with the step in b;
//! - command 2 (`CMD_MAP_ZI_CYCLES`): VALUE_INPUT a = rounds. Each round
//!   maps, touches and unmaps 4 KiB to 8 MiB (2 MiB-aligned sizes among
//!   them), on even rounds around a small mapping kept meanwhile so the
//!   big ones move. On failure VALUE_OUTPUT (param 1) holds the round and
//!   the size, and the error comes back;
//! - command 3 (`CMD_MEMREF_INVERT`): MEMREF_INOUT (param 0), VALUE_INPUT
//!   (param 1) a = seed: checks every byte `i` is [`pattern`]`(i, seed)`
//!   (`TEE_ERROR_CORRUPT_OBJECT` if not) and inverts every byte in place;
//! - command 4 (`CMD_SPACER`): VALUE_INPUT a = bytes: unmaps this session's
//!   previous spacer and, unless a is 0, maps a new MAP_ZI spacer of that
//!   size, kept until the next command 4 or the session's end. It moves
//!   where the kernel's next allocations land, so that a memref's copy
//!   eventually sits on a 2 MiB boundary;
//! - command 5 (`CMD_MEMREF_ENDS`): as command 3 but for the first and
//!   last byte only (cheap enough to repeat hundreds of times).
#![no_std]
#![no_main]

use proto::mm_attack_ta::{
    CMD_MAP_ZI_CYCLES, CMD_MEMREF_ENDS, CMD_MEMREF_INVERT, CMD_PING, CMD_SPACER, CMD_TOUCH_AFTER_UNMAP, pattern,
};
use ta_sdk::sys::shared_mem::SharedMapping;
use ta_sdk::{Params, TeeError, TeeResult, TrustedApp};

/// Sizes one MAP_ZI cycle goes through.
const CYCLE_SIZES: [usize; 6] = [2 << 20, 4096, 4 << 20, 3 * 4096, 8 << 20, (2 << 20) + 4096];

struct MmAttackTa;

impl TrustedApp for MmAttackTa {
    /// The spacer of command 4.
    type Session = Option<SharedMapping>;

    fn create() -> TeeResult<Self> {
        Ok(MmAttackTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<Option<SharedMapping>> {
        Ok(None)
    }

    fn invoke(&mut self, spacer: &mut Option<SharedMapping>, cmd: u32, params: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_PING => Ok(()),
            CMD_TOUCH_AFTER_UNMAP => {
                let len = params.value_input(0)?.a as usize;
                let outcome = touch_after_unmap(len);
                let out = params.value_output(1)?;
                match outcome {
                    Ok(word) => {
                        out.a = word;
                        Err(TeeError::Security)
                    }
                    Err((step, e)) => {
                        out.b = step;
                        Err(e)
                    }
                }
            }
            CMD_MAP_ZI_CYCLES => {
                let rounds = params.value_input(0)?.a;
                let outcome = map_zi_cycles(rounds);
                let out = params.value_output(1)?;
                outcome.map_err(|(round, size, e)| {
                    out.a = round;
                    out.b = size as u32;
                    e
                })
            }
            CMD_MEMREF_INVERT => {
                let seed = params.value_input(1)?.a;
                let buf = params.memref_inout(0)?.buffer();
                if buf.iter().enumerate().any(|(i, b)| *b != pattern(i, seed)) {
                    return Err(TeeError::CorruptObject);
                }
                buf.iter_mut().for_each(|b| *b = !*b);
                Ok(())
            }
            CMD_SPACER => {
                let len = params.value_input(0)?.a as usize;
                if let Some(old) = spacer.take() {
                    old.unmap()?;
                }
                if len > 0 {
                    *spacer = Some(SharedMapping::new(len)?);
                }
                Ok(())
            }
            CMD_MEMREF_ENDS => {
                let seed = params.value_input(1)?.a;
                let buf = params.memref_inout(0)?.buffer();
                let last = buf.len().checked_sub(1).ok_or(TeeError::BadParameters)?;
                if buf[0] != pattern(0, seed) || buf[last] != pattern(last, seed) {
                    return Err(TeeError::CorruptObject);
                }
                buf[0] = !buf[0];
                buf[last] = !buf[last];
                Ok(())
            }
            _ => Err(TeeError::NotSupported),
        }
    }
}

/// Command 1 up to the forbidden read; its value if the read returned.
fn touch_after_unmap(len: usize) -> Result<u32, (u32, TeeError)> {
    let mut map = SharedMapping::new(len).map_err(|e| (1, e))?;
    let addr = map.addr();
    let bytes = map.as_mut_slice();
    if bytes.iter().any(|b| *b != 0) {
        return Err((2, TeeError::Generic));
    }
    bytes.iter_mut().enumerate().for_each(|(i, b)| *b = pattern(i, 0x5a));
    if bytes.iter().enumerate().any(|(i, b)| *b != pattern(i, 0x5a)) {
        return Err((3, TeeError::Generic));
    }
    map.unmap().map_err(|e| (4, e))?;
    Ok(read_unmapped_word(addr))
}

/// Command 2: `rounds` rounds of MAP_ZI / touch / UNMAP.
fn map_zi_cycles(rounds: u32) -> Result<(), (u32, usize, TeeError)> {
    for round in 0..rounds {
        for &size in &CYCLE_SIZES {
            let fail = |e| (round, size, e);
            let keeper = if round % 2 == 0 { Some(SharedMapping::new(4096).map_err(fail)?) } else { None };
            let mut map = SharedMapping::new(size).map_err(fail)?;
            let bytes = map.as_mut_slice();
            if bytes[0] != 0 || bytes[size - 1] != 0 {
                return Err(fail(TeeError::Generic));
            }
            bytes[0] = 0xa5;
            bytes[size - 1] = 0x5a;
            if (bytes[0], bytes[size - 1]) != (0xa5, 0x5a) {
                return Err(fail(TeeError::Generic));
            }
            map.unmap().map_err(fail)?;
            if let Some(keeper) = keeper {
                keeper.unmap().map_err(fail)?;
            }
        }
    }
    Ok(())
}

#[allow(unsafe_code)]
fn read_unmapped_word(addr: usize) -> u32 {
    // SAFETY: none, deliberately: the system PTA has just unmapped this
    // address, so the access must fault and the kernel kill this instance.
    // A volatile read keeps the compiler from eliding it.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

ta_sdk::ta! {
    uuid: proto::mm_attack_ta::UUID,
    flags: MULTI_SESSION,
    stack: 8192,
    heap: 8192,
    impl: MmAttackTa,
}
