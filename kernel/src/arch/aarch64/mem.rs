//! `memcpy` and `memset` for the kernel, replacing `compiler_builtins`'
//! generic ones (weak symbols), which move one 64-bit word per four to
//! five instructions: the copies and zeroing of a null invoke were a third
//! of its secure-world instructions (optee_msg_arg and parameter moves,
//! page tables, bounce buffers). These move 64 bytes per loop with pairs of
//! general registers (the kernel is soft-float: no vector registers), then
//! the tail by its bits. Unaligned accesses are fine: every mapping the
//! kernel copies through is Normal memory and `SCTLR_EL1.A` is clear.
//! `memmove`, `memcmp` and `bcmp` stay `compiler_builtins`'.
//!
//! Both use only x0..x11 and the flags (caller-saved; never x18), and no
//! stack.

core::arch::global_asm!(
    r#"
.section .text.kernel_mem, "ax"

// memcpy(x0 dst, x1 src, x2 n) -> x0 dst. The ranges do not overlap.
.global memcpy
.type memcpy, %function
memcpy:
    mov     x3, x0
    cmp     x2, #64
    b.lo    2f
1:  ldp     x4, x5, [x1]
    ldp     x6, x7, [x1, #16]
    ldp     x8, x9, [x1, #32]
    ldp     x10, x11, [x1, #48]
    add     x1, x1, #64
    sub     x2, x2, #64
    stp     x4, x5, [x3]
    stp     x6, x7, [x3, #16]
    stp     x8, x9, [x3, #32]
    stp     x10, x11, [x3, #48]
    add     x3, x3, #64
    cmp     x2, #64
    b.hs    1b
2:  tbz     x2, #5, 3f
    ldp     x4, x5, [x1]
    ldp     x6, x7, [x1, #16]
    add     x1, x1, #32
    stp     x4, x5, [x3]
    stp     x6, x7, [x3, #16]
    add     x3, x3, #32
3:  tbz     x2, #4, 4f
    ldp     x4, x5, [x1], #16
    stp     x4, x5, [x3], #16
4:  tbz     x2, #3, 5f
    ldr     x4, [x1], #8
    str     x4, [x3], #8
5:  tbz     x2, #2, 6f
    ldr     w4, [x1], #4
    str     w4, [x3], #4
6:  tbz     x2, #1, 7f
    ldrh    w4, [x1], #2
    strh    w4, [x3], #2
7:  tbz     x2, #0, 8f
    ldrb    w4, [x1]
    strb    w4, [x3]
8:  ret
.size memcpy, . - memcpy

// memset(x0 dst, w1 byte, x2 n) -> x0 dst.
.global memset
.type memset, %function
memset:
    mov     x3, x0
    and     x4, x1, #0xff
    mov     x5, #0x0101010101010101
    mul     x4, x4, x5
    cmp     x2, #64
    b.lo    2f
1:  stp     x4, x4, [x3]
    stp     x4, x4, [x3, #16]
    stp     x4, x4, [x3, #32]
    stp     x4, x4, [x3, #48]
    add     x3, x3, #64
    sub     x2, x2, #64
    cmp     x2, #64
    b.hs    1b
2:  tbz     x2, #5, 3f
    stp     x4, x4, [x3]
    stp     x4, x4, [x3, #16]
    add     x3, x3, #32
3:  tbz     x2, #4, 4f
    stp     x4, x4, [x3], #16
4:  tbz     x2, #3, 5f
    str     x4, [x3], #8
5:  tbz     x2, #2, 6f
    str     w4, [x3], #4
6:  tbz     x2, #1, 7f
    strh    w4, [x3], #2
7:  tbz     x2, #0, 8f
    strb    w4, [x3]
8:  ret
.size memset, . - memset
"#
);
