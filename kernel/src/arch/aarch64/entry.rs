//! Entry points the monitor uses: the cold-boot `_start` (opteed protocol:
//! x0 = pageable part, x1 = its size, x2 = device tree) and the nine-slot
//! vector table returned in `ENTRY_DONE`. Plus the kernel's own VBAR_EL1 table.
//!
//! The image runs identity-mapped (VA = PA), so the same vector table works
//! with the MMU off (`cpu_on_entry`) and on (every other entry).

/// Bytes of stack per core.
pub const STACK_SIZE: usize = linker::CORE_STACK_SIZE as usize;
/// Bytes from one core's stack slot to the next: an unmapped guard page,
/// then the stack (`thread::stacks`).
const STACK_STRIDE: u64 = linker::STACK_GUARD_SIZE + linker::CORE_STACK_SIZE;
/// Bytes the EL1 FIQ vector keeps on the thread's stack: `x0..x18`, `x30`,
/// `ELR_EL1`, `SPSR_EL1` (the callee-saved registers the handler keeps).
const EL1_FOREIGN_FRAME: usize = 22 * 8;
const _: () = assert!(EL1_FOREIGN_FRAME.is_multiple_of(16));

core::arch::global_asm!(
    r#"
.section .text.boot, "ax"
.global _start
_start:
    mov     x19, x0
    mov     x20, x1
    mov     x21, x2
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    2f
    stp     xzr, xzr, [x0], #16
    b       1b
2:  bl      kernel_set_core_stack
    mov     x0, x19
    mov     x1, x20
    mov     x2, x21
    bl      kernel_cold_boot
    // x0 = vector table (0 if boot failed): ENTRY_DONE.
    mov     x1, x0
    ldr     x0, ={entry_done}
    smc     #0
    b       .

// Sets TPIDR_EL1 to the calling core's stack top (slot i ends at
// __stacks_start + (i + 1) * stride), clears the core-local words just
// below it (`super::core_local`) and starts SP under them; sets VBAR_EL1
// to the kernel vectors.
// Clobbers x0-x3.
kernel_set_core_stack:
    mrs     x0, mpidr_el1
    and     x1, x0, #0xff
    ubfx    x2, x0, #8, #8
    add     x1, x1, x2, lsl #3
    mov     x2, #{stack_stride}
    madd    x1, x1, x2, x2
    ldr     x3, =__stacks_start
    add     x1, x1, x3
    stp     xzr, xzr, [x1, #-{core_local}]
    sub     sp, x1, #{core_local}
    msr     tpidr_el1, x1
    adr     x0, kernel_el1_vectors
    msr     vbar_el1, x0
    isb
    ret

// The vector table handed to the monitor: one branch per slot.
.balign 8
.global kernel_tee_vectors
kernel_tee_vectors:
    b       tee_yield_smc_entry
    b       tee_fast_smc_entry
    b       tee_cpu_on_entry
    b       tee_cpu_off_entry
    b       tee_cpu_resume_entry
    b       tee_cpu_suspend_entry
    b       tee_fiq_entry
    b       tee_system_off_entry
    b       tee_system_reset_entry

// Calls the Rust handler `\handler(args: &mut [u64; 8])` with x0-x7 on this
// core's stack, then returns its first four words with CALL_DONE.
.macro smc_entry handler
    mrs     x8, tpidr_el1
    sub     sp, x8, #{core_local}
    sub     sp, sp, #64
    stp     x0, x1, [sp, #0]
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    mov     x0, sp
    bl      \handler
    ldp     x1, x2, [sp, #0]
    ldp     x3, x4, [sp, #16]
    ldr     x0, ={call_done}
    smc     #0
    b       .
.endm

tee_fast_smc_entry:
    smc_entry kernel_fast_smc
tee_yield_smc_entry:
    smc_entry kernel_yield_smc

// First entry on a core started by PSCI: MMU off, nothing set up.
tee_cpu_on_entry:
    bl      kernel_set_core_stack
    bl      kernel_cpu_on
    mov     x1, x0
    ldr     x0, ={on_done}
    smc     #0
    b       .

.macro power_entry handler, done
    mrs     x8, tpidr_el1
    sub     sp, x8, #{core_local}
    bl      \handler
    mov     x1, x0
    ldr     x0, =\done
    smc     #0
    b       .
.endm

tee_cpu_off_entry:
    power_entry kernel_cpu_off, {off_done}
tee_cpu_resume_entry:
    power_entry kernel_cpu_resume, {resume_done}
tee_cpu_suspend_entry:
    power_entry kernel_cpu_suspend, {suspend_done}
tee_system_off_entry:
    power_entry kernel_system_off, {system_off_done}
tee_system_reset_entry:
    power_entry kernel_system_reset, {system_reset_done}

// No secure interrupt is claimed yet, so none can arrive here.
tee_fiq_entry:
    ldr     x0, ={fiq_done}
    smc     #0
    b       .

// Other kernel exceptions: report and stop (there is nothing to recover).
.macro el1_vector kind
    .balign 0x80
    mrs     x8, tpidr_el1
    sub     sp, x8, #{core_local}
    mov     x0, #\kind
    mrs     x1, esr_el1
    mrs     x2, elr_el1
    mrs     x3, far_el1
    b       kernel_exception
.endm

// A normal-world interrupt in kernel code (a pool thread runs with FIQ
// open): keep what a call clobbers and the return state on the thread's
// stack, leave for the normal world (`kernel_el1_foreign_interrupt`), and
// return to where it hit, on whatever core the thread is resumed on.
.macro el1_foreign_vector
    .balign 0x80
    sub     sp, sp, #{el1_frame}
    stp     x0, x1, [sp, #0]
    b       kernel_el1_foreign_common
.endm

// From S-EL0: start a UserFrame on the thread's stack (see user.rs).
.macro el0_vector kind
    .balign 0x80
    sub     sp, sp, #{user_frame}
    stp     x0, x1, [sp, #0]
    mov     x0, #\kind
    b       kernel_el0_common
.endm

.balign 2048
kernel_el1_vectors:
    el1_vector 0
    el1_vector 1
    el1_vector 2
    el1_vector 3
    el1_vector 4
    el1_vector 5
    el1_foreign_vector
    el1_vector 7
    el0_vector 0
    el0_vector 1
    el0_vector 2
    el0_vector 3
    el0_vector 4
    el0_vector 4
    el0_vector 4
    el0_vector 4

kernel_el1_foreign_common:
    stp     x2, x3, [sp, #16]
    stp     x4, x5, [sp, #32]
    stp     x6, x7, [sp, #48]
    stp     x8, x9, [sp, #64]
    stp     x10, x11, [sp, #80]
    stp     x12, x13, [sp, #96]
    stp     x14, x15, [sp, #112]
    stp     x16, x17, [sp, #128]
    stp     x18, x30, [sp, #144]
    mrs     x0, elr_el1
    mrs     x1, spsr_el1
    stp     x0, x1, [sp, #160]
    bl      kernel_el1_foreign_interrupt
    // ELR and SPSR are this core's: another thread may have used them.
    ldp     x0, x1, [sp, #160]
    msr     elr_el1, x0
    msr     spsr_el1, x1
    ldp     x2, x3, [sp, #16]
    ldp     x4, x5, [sp, #32]
    ldp     x6, x7, [sp, #48]
    ldp     x8, x9, [sp, #64]
    ldp     x10, x11, [sp, #80]
    ldp     x12, x13, [sp, #96]
    ldp     x14, x15, [sp, #112]
    ldp     x16, x17, [sp, #128]
    ldp     x18, x30, [sp, #144]
    ldp     x0, x1, [sp, #0]
    add     sp, sp, #{el1_frame}
    eret
"#,
    stack_stride = const STACK_STRIDE,
    user_frame = const core::mem::size_of::<super::user::UserFrame>(),
    el1_frame = const EL1_FOREIGN_FRAME,
    core_local = const super::CORE_LOCAL_BYTES,
    entry_done = const tee_abi::opteed::RETURN_ENTRY_DONE,
    on_done = const tee_abi::opteed::RETURN_ON_DONE,
    off_done = const tee_abi::opteed::RETURN_OFF_DONE,
    resume_done = const tee_abi::opteed::RETURN_RESUME_DONE,
    suspend_done = const tee_abi::opteed::RETURN_SUSPEND_DONE,
    call_done = const tee_abi::opteed::RETURN_CALL_DONE,
    fiq_done = const tee_abi::opteed::RETURN_FIQ_DONE,
    system_off_done = const tee_abi::opteed::RETURN_SYSTEM_OFF_DONE,
    system_reset_done = const tee_abi::opteed::RETURN_SYSTEM_RESET_DONE,
);

unsafe extern "C" {
    /// The opteed vector table (start of the nine slots).
    pub fn kernel_tee_vectors();
}
