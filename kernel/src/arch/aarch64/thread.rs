//! Thread context switching: starting a thread on its own stack, leaving it
//! for the normal world (RPC or preemption) and coming back on any core.
//!
//! A thread leaves only through a function call (`thread_rpc_exit`), so only
//! the callee-saved registers and the stack pointer need saving; preemption by
//! an interrupt saves the full frame on the thread's stack first and then
//! leaves through the same call. Only once the registers are stored and the
//! core is on its temporary stack does `thread_rpc_exit` call
//! `kernel_thread_left`, which makes the thread resumable (see
//! `thread::pool`'s leave / resume protocol).

use core::mem::offset_of;

use aarch64_cpu::asm::barrier;
use aarch64_cpu::registers::{PAR_EL1, Readable};

/// Callee-saved state of a thread that left for the normal world.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadRegs {
    /// x19..x30.
    pub x19_x30: [u64; 12],
    /// Stack pointer.
    pub sp: u64,
    /// Where `thread_resume` stores the four values the thread resumes with.
    pub out: u64,
}

core::arch::global_asm!(
    r#"
.section .text.thread, "ax"
.global thread_rpc_exit
thread_rpc_exit:
    stp     x19, x20, [x0, #0]
    stp     x21, x22, [x0, #16]
    stp     x23, x24, [x0, #32]
    stp     x25, x26, [x0, #48]
    stp     x27, x28, [x0, #64]
    stp     x29, x30, [x0, #80]
    mov     x9, sp
    stp     x9, x1, [x0, #{sp_off}]
    mrs     x9, tpidr_el1
    sub     sp, x9, #{core_local}
    // Off the thread's stack, its state saved: now it may be resumed.
    // x19..x22 are saved above, so they carry a0..a3 across the call.
    mov     x19, x2
    mov     x20, x3
    mov     x21, x4
    mov     x22, x5
    mov     x0, x5
    bl      kernel_thread_left
    mov     x1, x19
    mov     x2, x20
    mov     x3, x21
    mov     x4, x22
    ldr     x0, ={call_done}
    smc     #0
    b       .

.global thread_resume
thread_resume:
    ldp     x2, x3, [x1]
    ldp     x4, x5, [x1, #16]
    ldp     x9, x10, [x0, #{sp_off}]
    mov     sp, x9
    stp     x2, x3, [x10]
    stp     x4, x5, [x10, #16]
    ldp     x19, x20, [x0, #0]
    ldp     x21, x22, [x0, #16]
    ldp     x23, x24, [x0, #32]
    ldp     x25, x26, [x0, #48]
    ldp     x27, x28, [x0, #64]
    ldp     x29, x30, [x0, #80]
    ret

.global thread_start
thread_start:
    mov     sp, x0
    mov     x0, x2
    mov     x29, #0
    mov     x30, #0
    br      x1

.global thread_exit
thread_exit:
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    mov     x22, x3
    mrs     x9, tpidr_el1
    sub     sp, x9, #{core_local}
    bl      kernel_thread_release
    mov     x1, x19
    mov     x2, x20
    mov     x3, x21
    mov     x4, x22
    ldr     x0, ={call_done}
    smc     #0
    b       .
"#,
    sp_off = const offset_of!(ThreadRegs, sp),
    core_local = const super::CORE_LOCAL_BYTES,
    call_done = const tee_abi::opteed::RETURN_CALL_DONE,
);

impl ThreadRegs {
    /// Nothing saved yet.
    pub const EMPTY: ThreadRegs = ThreadRegs { x19_x30: [0; 12], sp: 0, out: 0 };
}

const _: () = assert!(offset_of!(ThreadRegs, out) == offset_of!(ThreadRegs, sp) + 8);

unsafe extern "C" {
    fn thread_rpc_exit(regs: *mut ThreadRegs, out: *mut [u64; 4], a0: u64, a1: u64, a2: u64, a3: u64);
    fn thread_resume(regs: *const ThreadRegs, values: *const [u64; 4]) -> !;
    fn thread_start(stack_top: u64, entry: extern "C" fn(u64) -> !, arg: u64) -> !;
    fn thread_exit(a0: u64, a1: u64, a2: u64, a3: u64) -> !;
}

/// Saves the calling thread into `regs`, moves to the core's temporary
/// stack, calls `kernel_thread_left(a[3])` there (`a[3]` is the thread's
/// index) and returns `a0..a3` to the normal world with `CALL_DONE`.
/// Returns, possibly on another core, with the four values given to
/// [`resume`].
///
/// # Safety
///
/// Must run on a pool thread's stack with exceptions masked; `regs` must be
/// that thread's save area and stay untouched until [`resume`] uses it; the
/// thread must not be resumable before `kernel_thread_left` runs.
pub unsafe fn leave(regs: *mut ThreadRegs, a: [u64; 4]) -> [u64; 4] {
    let mut out = [0u64; 4];
    // SAFETY: forwarded contract; `out` lives on this thread's stack, which is
    // preserved while the thread is away.
    unsafe { thread_rpc_exit(regs, &mut out, a[0], a[1], a[2], a[3]) };
    out
}

/// Continues a thread saved by [`leave`], making it return `values`.
///
/// # Safety
///
/// `regs` must hold the state of a thread that left through [`leave`] and has
/// not been resumed since; the caller runs on this core's temporary stack.
pub unsafe fn resume(regs: *const ThreadRegs, values: &[u64; 4]) -> ! {
    // SAFETY: forwarded contract.
    unsafe { thread_resume(regs, values) }
}

/// Starts `entry(arg)` on a fresh stack.
///
/// # Safety
///
/// `stack_top` must be the 16-byte aligned top of a stack no one else uses.
pub unsafe fn start(stack_top: u64, entry: extern "C" fn(u64) -> !, arg: u64) -> ! {
    // SAFETY: forwarded contract.
    unsafe { thread_start(stack_top, entry, arg) }
}

/// Finishes the current thread: moves to the core's temporary stack, calls
/// `kernel_thread_release`, and returns `a` to the normal world.
pub fn exit(a: [u64; 4]) -> ! {
    // SAFETY: thread_exit leaves the thread's stack before releasing it.
    unsafe { thread_exit(a[0], a[1], a[2], a[3]) }
}

/// True when an EL1 read of `va` translates through the current stage-1
/// tables (`AT S1E1R`; `PAR_EL1.F` clear). Used at boot to prove the stack
/// guard pages are really unmapped.
pub fn el1_read_translates(va: u64) -> bool {
    // SAFETY: an address translation instruction (aarch64-cpu has none)
    // only writes PAR_EL1; it does not access memory or fault.
    unsafe { core::arch::asm!("at s1e1r, {va}", va = in(reg) va, options(nostack, preserves_flags)) };
    barrier::isb(barrier::SY);
    !PAR_EL1.is_set(PAR_EL1::F)
}
