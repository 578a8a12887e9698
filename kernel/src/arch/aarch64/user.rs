//! Running TA code at S-EL0: entering it, and every exception that comes back
//! from it (system calls, aborts, normal-world interrupts).
//!
//! `enter_user` saves the kernel's callee-saved registers on the thread's
//! stack and `eret`s; an exception from EL0 pushes a [`UserFrame`] right below
//! them and calls `kernel_user_exception`, which either resumes the TA or
//! ends the user-mode run, making `enter_user` return.
//!
//! No EL0-visible register carries anything from another TA or from the
//! kernel: a run starts with `x4..x30`, `TPIDRRO_EL0` and NZCV zero (as
//! upstream's `set_ctx_regs` in `core/arch/arm/kernel/thread.c`, 4.5.0,
//! clears the whole user context) and `TPIDR_EL0` at the value the same
//! instance left at the end of its previous run (`UserEntry::tpidr`, 0 at
//! first: libutee's `__utee_tcb_init` points it at the TA's TLS block once,
//! at the first entry, and expects it kept; upstream keeps it only by never
//! loading the register, which leaks it to other TAs). `TPIDR_EL0` is part
//! of the frame every exception saves and restores, so a TA that is
//! preempted, or calls another TA, gets its own value back (upstream keeps
//! it in `thread_ctx_regs` for the same reason). FP/SIMD
//! stays trapped at EL0 (`CPACR_EL1.FPEN` is never opened).

use core::mem::{offset_of, size_of};

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{TTBR0_EL1, Writeable};

/// The TA's registers while the kernel handles an exception from it.
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
    /// `TPIDR_EL0` (the TA's thread pointer).
    pub tpidr: u64,
    /// Keeps the frame a multiple of 16 bytes.
    pub _pad: u64,
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
    /// PSTATE (EL0t).
    pub spsr: u64,
    /// `TPIDR_EL0`: the instance's own thread pointer (libutee's TCB,
    /// set by the TA itself), 0 before the TA ever set one.
    pub tpidr: u64,
}

/// EL0t, AArch64, with IRQ masked (no secure interrupt is owned by TAs) and
/// FIQ open: a normal-world interrupt preempts the TA.
pub const SPSR_EL0: u64 = 1 << 7;

/// Exception kinds passed to `kernel_user_exception` (vector offset / 0x80 - 8).
pub const KIND_SYNC: u64 = 0;
/// IRQ from EL0.
pub const KIND_IRQ: u64 = 1;
/// FIQ from EL0 (a normal-world interrupt on GICv3).
pub const KIND_FIQ: u64 = 2;
/// SError from EL0.
pub const KIND_SERROR: u64 = 3;
/// Anything from AArch32 EL0.
pub const KIND_AARCH32: u64 = 4;

/// `ESR_EL1.EC` of a trapped FP/SIMD access (`CPACR_EL1.FPEN`).
pub const EC_FP_ACCESS: u64 = 0x07;

core::arch::global_asm!(
    r#"
.section .text.user, "ax"
.global kernel_enter_user
kernel_enter_user:
    sub     sp, sp, #96
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    ldp     x9, x10, [x0, #{entry_pc}]
    msr     elr_el1, x9
    msr     sp_el0, x10
    ldr     x9, [x0, #{entry_spsr}]
    msr     spsr_el1, x9
    ldr     x9, [x0, #{entry_tpidr}]
    msr     tpidr_el0, x9
    msr     tpidrro_el0, xzr
    ldp     x2, x3, [x0, #16]
    ldp     x0, x1, [x0, #0]
    mov     x4, xzr
    mov     x5, xzr
    mov     x6, xzr
    mov     x7, xzr
    mov     x8, xzr
    mov     x9, xzr
    mov     x10, xzr
    mov     x11, xzr
    mov     x12, xzr
    mov     x13, xzr
    mov     x14, xzr
    mov     x15, xzr
    mov     x16, xzr
    mov     x17, xzr
    mov     x18, xzr
    mov     x19, xzr
    mov     x20, xzr
    mov     x21, xzr
    mov     x22, xzr
    mov     x23, xzr
    mov     x24, xzr
    mov     x25, xzr
    mov     x26, xzr
    mov     x27, xzr
    mov     x28, xzr
    mov     x29, xzr
    mov     x30, xzr
    eret

.global kernel_el0_common
kernel_el0_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x19, [sp, #144]
    stp     x20, x21, [sp, #160]
    stp     x22, x23, [sp, #176]
    stp     x24, x25, [sp, #192]
    stp     x26, x27, [sp, #208]
    stp     x28, x29, [sp, #224]
    str     x30, [sp, #240]
    mrs     x1, sp_el0
    mrs     x2, elr_el1
    stp     x1, x2, [sp, #{frame_sp}]
    mrs     x1, spsr_el1
    mrs     x2, tpidr_el0
    stp     x1, x2, [sp, #{frame_spsr}]
    mov     x1, x0
    mov     x0, sp
    mrs     x2, esr_el1
    mrs     x3, far_el1
    bl      kernel_user_exception
    cbnz    x0, 1f
    ldp     x1, x2, [sp, #{frame_sp}]
    msr     sp_el0, x1
    msr     elr_el1, x2
    ldp     x1, x2, [sp, #{frame_spsr}]
    msr     spsr_el1, x1
    msr     tpidr_el0, x2
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x19, [sp, #144]
    ldp     x20, x21, [sp, #160]
    ldp     x22, x23, [sp, #176]
    ldp     x24, x25, [sp, #192]
    ldp     x26, x27, [sp, #208]
    ldp     x28, x29, [sp, #224]
    ldr     x30, [sp, #240]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #{frame_size}
    eret
    // The run is over: x0 of the frame is what enter_user returns.
1:  ldr     x0, [sp, #0]
    add     sp, sp, #{frame_size}
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    add     sp, sp, #96
    ret
"#,
    entry_pc = const offset_of!(UserEntry, pc),
    entry_spsr = const offset_of!(UserEntry, spsr),
    entry_tpidr = const offset_of!(UserEntry, tpidr),
    frame_sp = const offset_of!(UserFrame, sp),
    frame_spsr = const offset_of!(UserFrame, spsr),
    frame_size = const size_of::<UserFrame>(),
);

const _: () = assert!(size_of::<UserFrame>().is_multiple_of(16));
const _: () = assert!(offset_of!(UserFrame, elr) == offset_of!(UserFrame, sp) + 8);
const _: () = assert!(offset_of!(UserFrame, tpidr) == offset_of!(UserFrame, spsr) + 8);
const _: () = assert!(offset_of!(UserEntry, sp) == offset_of!(UserEntry, pc) + 8);

unsafe extern "C" {
    fn kernel_enter_user(entry: *const UserEntry) -> u64;
}

/// Runs TA code from `entry` until `kernel_user_exception` ends the run;
/// returns the value it left in the frame's `x0`.
///
/// # Safety
///
/// The TA's translation tables must be live in `TTBR0_EL1`, `entry` must
/// point into them, and this must run on a pool thread's stack.
pub unsafe fn run(entry: &UserEntry) -> u64 {
    // SAFETY: forwarded contract.
    unsafe { kernel_enter_user(entry) }
}

/// Switches `TTBR0_EL1` to `root` and drops every stale translation.
///
/// # Safety
/// `root` is a level-1 table that maps the whole kernel as the kernel's own
/// tables do (every TA's root shares the kernel's level-1 entries), so the
/// code, stacks and data in use stay mapped across the switch.
pub unsafe fn set_ttbr0(root: u64) {
    TTBR0_EL1.set(root);
    barrier::isb(barrier::SY);
    super::tlbi_vmalle1();
    barrier::dsb(barrier::NSH);
    barrier::isb(barrier::SY);
}

/// Cleans new TA code to the point of unification and drops stale
/// instructions, so EL0 fetches what the loader just wrote.
pub fn sync_icache() {
    barrier::dsb(barrier::ISH);
    // SAFETY: instruction-cache invalidation (aarch64-cpu has none); no
    // memory is changed.
    unsafe { core::arch::asm!("ic iallu", options(nostack, preserves_flags)) };
    barrier::dsb(barrier::ISH);
    barrier::isb(barrier::SY);
}
