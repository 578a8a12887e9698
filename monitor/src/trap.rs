//! Unexpected synchronous traps from a lower EL, on the target: the world
//! that trapped gets an undefined-instruction exception ([`crate::inject`]
//! computes it) instead of the core stopping.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::arch::aarch64::{CpuContext, sysreg};
use crate::inject;
use crate::runtime::halt;

/// Traps reported in the secure log before the monitor goes quiet (a lower
/// EL can trap in a loop).
const TRAPS_LOGGED: u32 = 16;
static TRAPS_SEEN: AtomicU32 = AtomicU32::new(0);

/// A synchronous trap other than SMC (e.g. a normal-world EL1 access to a
/// Group-0 GIC register while `SCR_EL3.FIQ` is set): the world gets an
/// undefined-instruction exception at its EL1 vectors, as if the
/// instruction did not exist. Only a world with no vectors stops the core.
///
/// `c` is this core's saved context of the world that trapped, whose EL1
/// registers are live: the exception goes to those registers and `c`
/// resumes at its vector.
pub fn inject_undef(c: &mut CpuContext, esr: u64, secure: bool) {
    let world = if secure { "secure" } else { "normal" };
    let (vbar_el1, sctlr_el1, has_pan, has_ssbs) = sysreg::read_el1_for_injection();
    let trap = inject::Trap { pc: c.elr_el3, pstate: c.spsr_el3, vbar_el1, sctlr_el1, has_pan, has_ssbs };
    match inject::undef(&trap) {
        Ok(inj) => {
            if TRAPS_SEEN.fetch_add(1, Ordering::Relaxed) < TRAPS_LOGGED {
                log::warn!(
                    "{world} world trapped to EL3 (ESR {esr:#x}) at {:#x}: injected an undefined instruction",
                    trap.pc
                );
            }
            sysreg::write_el1_exception(inj.esr_el1, inj.elr_el1, inj.spsr_el1);
            c.elr_el3 = inj.pc;
            c.spsr_el3 = inj.pstate;
        }
        Err(e) => {
            halt(format_args!("{world} world trapped to EL3 (ESR {esr:#x}) at {:#x}, cannot inject: {e:?}", trap.pc))
        }
    }
}
