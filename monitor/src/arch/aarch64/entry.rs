//! Reset entry, holding pen, EL3 vector table and the exit path into a lower EL.
//!
//! Every core starts at `_start` in secure flash with the MMU off. The boot
//! core copies the monitor into secure RAM (its link address) and runs from
//! there; the others wait in the pen until PSCI `CPU_ON` writes their entry.

use core::mem::offset_of;

use super::context::CpuContext;

/// Bytes of EL3 stack per core.
pub const STACK_SIZE: usize = 0x4000;

core::arch::global_asm!(
    r#"
.section .text.boot, "ax"
.global _start
_start:
    mrs     x19, mpidr_el1
    ubfx    x21, x19, #16, #8           // Aff2 must be 0 on QEMU virt
    cbnz    x21, 9f
    and     x20, x19, #0xff             // Aff0
    cmp     x20, #8
    b.hs    9f
    ubfx    x21, x19, #8, #8            // Aff1
    add     x20, x20, x21, lsl #3       // linear index
    cmp     x20, #{max_cores}
    b.hs    9f
    cbnz    x20, monitor_pen

    // Boot core: copy the image from flash to its link address in secure RAM.
    adr     x0, _start
    ldr     x1, =__image_start
    ldr     x2, =__image_end
    cmp     x0, x1
    b.eq    2f
1:  ldp     x3, x4, [x0], #16
    stp     x3, x4, [x1], #16
    cmp     x1, x2
    b.lo    1b
2:  ldr     x0, =3f
    br      x0
3:  ldr     x0, =__bss_start
    ldr     x1, =__bss_end
4:  cmp     x0, x1
    b.hs    5f
    stp     xzr, xzr, [x0], #16
    b       4b
5:  mov     x0, x20
    mov     x1, #1
    b       monitor_core_start

    // A core this platform does not support sleeps forever.
9:  wfi
    b       9b

// Holding pen: x20 = core index. Runs from flash after reset and from RAM
// after CPU_OFF; both copies are position independent.
.global monitor_pen
monitor_pen:
    ldr     x1, ={pen}
6:  wfe
    ldr     x2, [x1, x20, lsl #3]
    cbz     x2, 6b
    br      x2

// Where CPU_ON sends a core out of the pen (x20 = core index).
.global monitor_warm_entry
monitor_warm_entry:
    mov     x0, x20
    mov     x1, #0
    b       monitor_core_start

// x0 = core index, x1 = 1 on cold boot. Sets the core's EL3 stack and vectors.
monitor_core_start:
    mov     x3, #{stack_size}
    madd    x2, x0, x3, x3              // (index + 1) * STACK_SIZE
    ldr     x4, =__stacks_start
    add     sp, x4, x2
    adr     x2, el3_vectors
    msr     vbar_el3, x2
    isb
    bl      monitor_core_entry
    b       9b

// ---------------------------------------------------------------------------
// EL3 exception vectors. While a lower EL runs, SP_EL3 points at the context
// of the world that runs, so an exception can save its registers in place.
.macro save_lower_context kind
    stp     x0, x1, [sp, #0]
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
    mrs     x0, sp_el0
    str     x0, [sp, #{ctx_sp_el0}]
    mrs     x0, elr_el3
    str     x0, [sp, #{ctx_elr}]
    mrs     x0, spsr_el3
    str     x0, [sp, #{ctx_spsr}]
    mov     x0, sp
    ldr     x1, [x0, #{ctx_runtime_sp}]
    mov     sp, x1
    mov     x1, #\kind
    mrs     x2, esr_el3
    bl      el3_handle_lower
    b       el3_exit_to
.endm

.macro unexpected kind
    mov     x0, #\kind
    mrs     x1, esr_el3
    mrs     x2, elr_el3
    mrs     x3, far_el3
    b       el3_unexpected
.endm

.balign 2048
el3_vectors:
    .balign 0x80
    unexpected 0        // current EL, SP0: sync
    .balign 0x80
    unexpected 1
    .balign 0x80
    unexpected 2
    .balign 0x80
    unexpected 3
    .balign 0x80
    unexpected 4        // current EL, SPx: sync
    .balign 0x80
    unexpected 5
    .balign 0x80
    unexpected 6
    .balign 0x80
    unexpected 7
    .balign 0x80
    save_lower_context 8    // lower EL, AArch64: sync (SMC)
    .balign 0x80
    save_lower_context 9    // IRQ
    .balign 0x80
    save_lower_context 10   // FIQ
    .balign 0x80
    save_lower_context 11   // SError
    .balign 0x80
    unexpected 12       // lower EL, AArch32
    .balign 0x80
    unexpected 13
    .balign 0x80
    unexpected 14
    .balign 0x80
    unexpected 15

// x0 = context to run. Never returns.
.global el3_exit_to
el3_exit_to:
    mov     sp, x0
    ldr     x1, [sp, #{ctx_elr}]
    msr     elr_el3, x1
    ldr     x1, [sp, #{ctx_spsr}]
    msr     spsr_el3, x1
    ldr     x1, [sp, #{ctx_scr}]
    msr     scr_el3, x1
    ldr     x1, [sp, #{ctx_sp_el0}]
    msr     sp_el0, x1
    isb
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
    eret

// x0 = core index. Returns the calling core to the holding pen.
.global monitor_park_in_pen
monitor_park_in_pen:
    mov     x20, x0
    b       monitor_pen
"#,
    max_cores = const linker::MAX_CORES,
    stack_size = const STACK_SIZE,
    pen = sym crate::runtime::MONITOR_PEN,
    ctx_sp_el0 = const offset_of!(CpuContext, sp_el0),
    ctx_elr = const offset_of!(CpuContext, elr_el3),
    ctx_spsr = const offset_of!(CpuContext, spsr_el3),
    ctx_scr = const offset_of!(CpuContext, scr_el3),
    ctx_runtime_sp = const offset_of!(CpuContext, runtime_sp),
);

// The save/restore sequences above address x0..x30 at fixed offsets.
const _: () = assert!(offset_of!(CpuContext, x) == 0);
const _: () = assert!(offset_of!(CpuContext, sp_el0) == 248);

unsafe extern "C" {
    #[link_name = "el3_exit_to"]
    fn el3_exit_to_asm(ctx: *mut CpuContext) -> !;
    #[link_name = "monitor_park_in_pen"]
    fn park_in_pen_asm(core: usize) -> !;
}

/// Leaves EL3 into the world described by `ctx`.
///
/// # Safety
///
/// `ctx` must be this core's context of the world to run, with the EL1 system
/// registers of that world already loaded, and must stay valid until the next
/// exception (the vectors save into it).
pub unsafe fn el3_exit_to(ctx: *mut CpuContext) -> ! {
    // SAFETY: forwarded from the caller's contract.
    unsafe { el3_exit_to_asm(ctx) }
}

/// Sends the calling core back to the holding pen (PSCI `CPU_OFF`).
///
/// # Safety
///
/// `core` must be the calling core's index and its pen slot must be clear.
pub unsafe fn park_in_pen(core: usize) -> ! {
    // SAFETY: forwarded from the caller's contract.
    unsafe { park_in_pen_asm(core) }
}
