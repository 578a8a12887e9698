//! TA code on the host: [`run`] runs the next test-installed script, which
//! plays the TA by raising exceptions into the runtime's EL0 exception entry
//! (`kernel_user_exception`) with frames, as the target's vectors do.

use std::boxed::Box;
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::core_index;

/// The TA's registers while the kernel handles an exception from it (the
/// target's layout).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct UserFrame {
    /// `x0..x30`.
    pub x: [u64; 31],
    /// `SP_EL0`.
    pub sp: u64,
    /// Where the TA resumes.
    pub elr: u64,
    /// Its PSTATE.
    pub spsr: u64,
    /// `TPIDR_EL0`.
    pub tpidr: u64,
    /// Padding, as on the target.
    pub _pad: u64,
}

impl UserFrame {
    /// A frame with every register zero.
    pub const ZERO: UserFrame = UserFrame { x: [0; 31], sp: 0, elr: 0, spsr: 0, tpidr: 0, _pad: 0 };
}

/// How a TA starts.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct UserEntry {
    /// `x0..x3`.
    pub args: [u64; 4],
    /// Entry point.
    pub pc: u64,
    /// Initial `SP_EL0`.
    pub sp: u64,
    /// PSTATE.
    pub spsr: u64,
    /// `TPIDR_EL0` the run starts with (mirrors the field the target's
    /// `UserEntry` is getting for libutee's TLS pointer).
    pub tpidr: u64,
}

/// As on the target.
pub const SPSR_EL0: u64 = 1 << 7;
/// Exception kinds, as on the target.
pub const KIND_SYNC: u64 = 0;
/// IRQ from EL0.
pub const KIND_IRQ: u64 = 1;
/// FIQ from EL0.
pub const KIND_FIQ: u64 = 2;
/// SError from EL0.
pub const KIND_SERROR: u64 = 3;
/// Anything from AArch32 EL0.
pub const KIND_AARCH32: u64 = 4;
/// `ESR_EL1.EC` of a trapped FP/SIMD access.
pub const EC_FP_ACCESS: u64 = 0x07;
/// `ESR_EL1.EC` of an `SVC` from AArch64.
pub const EC_SVC64: u64 = 0x15;

/// A scripted TA: raises exceptions with [`exception`] (propagating its
/// `Err`, the end of the run) until the kernel ends the run.
pub type Script = Box<dyn FnOnce(&UserEntry) -> Result<(), u64> + Send>;

static SCRIPTS: Mutex<VecDeque<Script>> = Mutex::new(VecDeque::new());

/// Queues the TA the next [`run`] (on any thread) executes.
pub fn install_ta(script: Script) {
    SCRIPTS.lock().unwrap_or_else(|e| e.into_inner()).push_back(script);
}

unsafe extern "C" {
    fn kernel_user_exception(frame: *mut UserFrame, kind: u64, esr: u64, far: u64) -> u64;
}

/// The TA takes an exception: the runtime handles it. `Ok` resumes the TA
/// (with `frame` as the kernel left it); `Err` carries the exit value when
/// the kernel ended the run.
pub fn exception(frame: &mut UserFrame, kind: u64, esr: u64, far: u64) -> Result<(), u64> {
    // Taking an exception masks interrupts, as on the target.
    let _ = super::irq::mask_all();
    // SAFETY: the runtime's EL0 exception entry, called as the target's
    // vectors call it: with a valid frame, on the pool thread running the TA.
    match unsafe { kernel_user_exception(frame, kind, esr, far) } {
        0 => {
            // Back to the TA, whose PSTATE has FIQ open.
            super::irq::unmask_foreign();
            Ok(())
        }
        _ => Err(frame.x[0]),
    }
}

/// The TA issues `svc #0` with `frame.x[8] = number`.
pub fn svc(frame: &mut UserFrame, number: u64) -> Result<(), u64> {
    frame.x[8] = number;
    exception(frame, KIND_SYNC, EC_SVC64 << 26, 0)
}

/// Runs the next installed TA script until the kernel ends the run; returns
/// the exit value.
///
/// # Safety
///
/// None on the host (the target's table contract has no counterpart).
pub unsafe fn run(entry: &UserEntry) -> u64 {
    let script = SCRIPTS.lock().unwrap_or_else(|e| e.into_inner()).pop_front().expect("no TA script installed");
    // The TA runs with FIQ open (`SPSR_EL0`); the exception that ends the
    // run leaves them masked.
    super::irq::unmask_foreign();
    match script(entry) {
        Err(exit) => exit,
        Ok(()) => panic!("the TA script ended without the kernel ending its run"),
    }
}

/// `TTBR0_EL1` per core.
static TTBR0: [AtomicU64; linker::MAX_CORES] = [const { AtomicU64::new(0) }; linker::MAX_CORES];

/// Records `root` as this core's `TTBR0_EL1`.
///
/// # Safety
///
/// None on the host.
pub unsafe fn set_ttbr0(root: u64) {
    TTBR0[core_index()].store(root, Ordering::Release);
}

/// `core`'s `TTBR0_EL1` as last set.
pub fn ttbr0(core: usize) -> u64 {
    TTBR0[core].load(Ordering::Acquire)
}

/// No instruction cache on the host.
pub fn sync_icache() {}
