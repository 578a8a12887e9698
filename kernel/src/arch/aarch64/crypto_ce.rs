//! AES, GHASH (PMULL), SHA-1 and SHA-256 on the Armv8 Cryptographic
//! Extension, for `crypto::ops` (which keeps the mode logic and chooses
//! between these and its constant-time software).
//!
//! Why not RustCrypto's backends: the `aes` crate's Armv8 code sits behind
//! `--cfg aes_armv8` and, like `sha2`'s, detects the instructions through
//! `cpufeatures`, which on `target_os = "none"` always answers "absent"
//! (it needs an OS's HWCAPs); and their intrinsics need the `neon` target
//! feature, which the soft-float kernel has not. So the few routines needed
//! are written here, each a loop over whole blocks in assembly.
//!
//! Every routine takes a [`KernelSimd`]: it only runs inside a kernel SIMD
//! section, where EL1 may use the unit and nobody's registers are live. The
//! routines are `global_asm!` functions with the C calling convention (the
//! assembler's macros keep the unrolled rounds readable); they use only
//! `v0..v7` and `v16..v31` (never the callee-saved `v8..v15`), x0..x8 and
//! the flags, and no stack. They are constant time: the AES, PMULL and SHA
//! instructions have no data-dependent timing and the only branches are on
//! lengths and the (public) key size.

use zeroize::Zeroize;

use crate::thread::fpu::KernelSimd;

/// Which of the extensions this core has (`ID_AA64ISAR0_EL1`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features {
    /// AESE/AESD/AESMC/AESIMC (`AES` field >= 1).
    pub aes: bool,
    /// PMULL/PMULL2 on 64-bit lanes (`AES` field = 2).
    pub pmull: bool,
    /// SHA1C/SHA1P/SHA1M/SHA1H/SHA1SU0/SHA1SU1 (`SHA1` field = 1).
    pub sha1: bool,
    /// SHA256H/SHA256H2/SHA256SU0/SHA256SU1 (`SHA2` field >= 1).
    pub sha256: bool,
}

/// Reads `ID_AA64ISAR0_EL1` (Arm ARM, D19.2.61: AES bits [7:4], SHA1
/// [11:8], SHA2 [15:12]).
pub fn features() -> Features {
    let isar0: u64;
    // SAFETY: reading an ID register has no side effects.
    unsafe { core::arch::asm!("mrs {0}, id_aa64isar0_el1", out(reg) isar0, options(nomem, nostack, preserves_flags)) };
    let field = |shift: u32| (isar0 >> shift) & 0xf;
    Features { aes: field(4) >= 1, pmull: field(4) == 2, sha1: field(8) == 1, sha256: field(12) >= 1 }
}

core::arch::global_asm!(
    r#"
.section .text.crypto_ce, "ax"
.arch_extension fp
.arch_extension simd
.arch_extension aes
.arch_extension sha2

// Round keys at \rk (advanced), \rounds (10, 12 or 14) in a w register: the
// last 11 always in v21..v31, two more in v19..v20 for 12 rounds, two more
// in v17..v18 for 14, so every round count ends on the same registers.
.macro ce_load_keys rk, rounds
    cmp     \rounds, #12
    b.lo    1f
    b.eq    2f
    ld1     {{v17.16b, v18.16b}}, [\rk], #32
2:  ld1     {{v19.16b, v20.16b}}, [\rk], #32
1:  ld1     {{v21.16b, v22.16b, v23.16b, v24.16b}}, [\rk], #64
    ld1     {{v25.16b, v26.16b, v27.16b, v28.16b}}, [\rk], #64
    ld1     {{v29.16b, v30.16b, v31.16b}}, [\rk]
.endm

// One block in \st through the rounds whose first key is v\first.
.macro ce_enc st, first
    .if \first <= 17
    aese    \st\().16b, v17.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v18.16b
    aesmc   \st\().16b, \st\().16b
    .endif
    .if \first <= 19
    aese    \st\().16b, v19.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v20.16b
    aesmc   \st\().16b, \st\().16b
    .endif
    aese    \st\().16b, v21.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v22.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v23.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v24.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v25.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v26.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v27.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v28.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v29.16b
    aesmc   \st\().16b, \st\().16b
    aese    \st\().16b, v30.16b
    eor     \st\().16b, \st\().16b, v31.16b
.endm

.macro ce_dec st, first
    .if \first <= 17
    aesd    \st\().16b, v17.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v18.16b
    aesimc   \st\().16b, \st\().16b
    .endif
    .if \first <= 19
    aesd    \st\().16b, v19.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v20.16b
    aesimc   \st\().16b, \st\().16b
    .endif
    aesd    \st\().16b, v21.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v22.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v23.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v24.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v25.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v26.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v27.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v28.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v29.16b
    aesimc   \st\().16b, \st\().16b
    aesd    \st\().16b, v30.16b
    eor     \st\().16b, \st\().16b, v31.16b
.endm

// Defines \name(rk x0, rounds w1, ...): loads the keys, then runs the loop
// macro \body with the first key register for the round count.
.macro ce_aes_fn name, body
.global \name
\name:
    ce_load_keys x0, w1
    cmp     w1, #12
    b.lo    10f
    b.eq    12f
    \body   17
    ret
12: \body   19
    ret
10: \body   21
    ret
.endm

// ECB: x2 data (in place), x3 blocks.
.macro ecb_enc_loop first
    cbz     x3, 9f
8:  ld1     {{v0.16b}}, [x2]
    ce_enc  v0, \first
    st1     {{v0.16b}}, [x2], #16
    subs    x3, x3, #1
    b.ne    8b
9:
.endm
ce_aes_fn kernel_ce_aes_ecb_enc, ecb_enc_loop

.macro ecb_dec_loop first
    cbz     x3, 9f
8:  ld1     {{v0.16b}}, [x2]
    ce_dec  v0, \first
    st1     {{v0.16b}}, [x2], #16
    subs    x3, x3, #1
    b.ne    8b
9:
.endm
ce_aes_fn kernel_ce_aes_ecb_dec, ecb_dec_loop

// CBC: x2 chaining block (read and written), x3 data (in place), x4 blocks.
.macro cbc_enc_loop first
    ld1     {{v0.16b}}, [x2]
    cbz     x4, 9f
8:  ld1     {{v1.16b}}, [x3]
    eor     v0.16b, v0.16b, v1.16b
    ce_enc  v0, \first
    st1     {{v0.16b}}, [x3], #16
    subs    x4, x4, #1
    b.ne    8b
9:  st1     {{v0.16b}}, [x2]
.endm
ce_aes_fn kernel_ce_aes_cbc_enc, cbc_enc_loop

// CBC-MAC: as CBC encryption, but only the chaining block is written.
.macro cbc_mac_loop first
    ld1     {{v0.16b}}, [x2]
    cbz     x4, 9f
8:  ld1     {{v1.16b}}, [x3], #16
    eor     v0.16b, v0.16b, v1.16b
    ce_enc  v0, \first
    subs    x4, x4, #1
    b.ne    8b
9:  st1     {{v0.16b}}, [x2]
.endm
ce_aes_fn kernel_ce_aes_cbc_mac, cbc_mac_loop

.macro cbc_dec_loop first
    ld1     {{v0.16b}}, [x2]
    cbz     x4, 9f
8:  ld1     {{v1.16b}}, [x3]
    mov     v2.16b, v1.16b
    ce_dec  v1, \first
    eor     v1.16b, v1.16b, v0.16b
    st1     {{v1.16b}}, [x3], #16
    mov     v0.16b, v2.16b
    subs    x4, x4, #1
    b.ne    8b
9:  st1     {{v0.16b}}, [x2]
.endm
ce_aes_fn kernel_ce_aes_cbc_dec, cbc_dec_loop

// CTR: x2 big-endian 128-bit counter block (read and written, advanced by
// the block count, wrapping), x3 data (XORed in place), x4 blocks.
.macro ctr_loop first
    ldp     x5, x6, [x2]
    rev     x5, x5
    rev     x6, x6
    cbz     x4, 9f
8:  rev     x7, x5
    rev     x8, x6
    fmov    d0, x7
    mov     v0.d[1], x8
    ce_enc  v0, \first
    ld1     {{v1.16b}}, [x3]
    eor     v1.16b, v1.16b, v0.16b
    st1     {{v1.16b}}, [x3], #16
    adds    x6, x6, #1
    adc     x5, x5, xzr
    subs    x4, x4, #1
    b.ne    8b
9:  rev     x5, x5
    rev     x6, x6
    stp     x5, x6, [x2]
.endm
ce_aes_fn kernel_ce_aes_ctr, ctr_loop

// SubWord of w0 (every byte through the S-box): AESE with a zero key is
// SubBytes(ShiftRows(x)), and ShiftRows does nothing when all columns
// are equal.
.global kernel_ce_aes_sub_word
kernel_ce_aes_sub_word:
    dup     v0.4s, w0
    movi    v1.16b, #0
    aese    v0.16b, v1.16b
    umov    w0, v0.s[0]
    ret

// InvMixColumns of the 16 bytes at x0, in place (decryption round keys).
.global kernel_ce_aes_imc
kernel_ce_aes_imc:
    ld1     {{v0.16b}}, [x0]
    aesimc  v0.16b, v0.16b
    st1     {{v0.16b}}, [x0]
    ret

// GHASH: x0 H, x1 Y (read and written), x2 data, x3 blocks. GCM's bit
// order is reflected within each byte; RBIT on every byte makes the block,
// read as a little-endian 128-bit number, the polynomial with bit n the
// coefficient of x^n. Y = (Y ^ X) * H mod x^128 + x^7 + x^2 + x + 1, the
// 256-bit product folded twice by x^128 = 0x87.
.global kernel_ce_ghash
kernel_ce_ghash:
    ld1     {{v20.16b}}, [x0]
    rbit    v20.16b, v20.16b
    ld1     {{v21.16b}}, [x1]
    rbit    v21.16b, v21.16b
    movi    v22.16b, #0
    mov     x4, #0x87
    dup     v23.2d, x4
    ext     v24.16b, v20.16b, v20.16b, #8
    cbz     x3, 9f
8:  ld1     {{v0.16b}}, [x2], #16
    rbit    v0.16b, v0.16b
    eor     v0.16b, v0.16b, v21.16b
    pmull   v1.1q, v0.1d, v20.1d
    pmull2  v2.1q, v0.2d, v20.2d
    pmull   v3.1q, v0.1d, v24.1d
    pmull2  v4.1q, v0.2d, v24.2d
    eor     v3.16b, v3.16b, v4.16b
    ext     v4.16b, v22.16b, v3.16b, #8
    eor     v1.16b, v1.16b, v4.16b
    ext     v4.16b, v3.16b, v22.16b, #8
    eor     v2.16b, v2.16b, v4.16b
    pmull2  v3.1q, v2.2d, v23.2d
    ext     v4.16b, v22.16b, v3.16b, #8
    eor     v1.16b, v1.16b, v4.16b
    ext     v4.16b, v3.16b, v22.16b, #8
    eor     v2.16b, v2.16b, v4.16b
    pmull   v3.1q, v2.1d, v23.1d
    eor     v21.16b, v1.16b, v3.16b
    subs    x3, x3, #1
    b.ne    8b
9:  rbit    v21.16b, v21.16b
    st1     {{v21.16b}}, [x1]
    ret

// Four SHA-256 rounds: message words in \m0 (then the schedule's next four
// replace them when \su), round constants loaded from x4.
.macro sha256_4 m0, m1, m2, m3, su
    ld1     {{v16.4s}}, [x4], #16
    add     v16.4s, v16.4s, \m0\().4s
    .if \su
    sha256su0 \m0\().4s, \m1\().4s
    .endif
    mov     v17.16b, v0.16b
    sha256h  q0, q1, v16.4s
    sha256h2 q1, q17, v16.4s
    .if \su
    sha256su1 \m0\().4s, \m2\().4s, \m3\().4s
    .endif
.endm

// SHA-256 compression: x0 state (8 words), x1 data, x2 blocks, x3 the 64
// round constants.
.global kernel_ce_sha256
kernel_ce_sha256:
    ld1     {{v0.4s, v1.4s}}, [x0]
    cbz     x2, 9f
8:  ld1     {{v4.16b, v5.16b, v6.16b, v7.16b}}, [x1], #64
    rev32   v4.16b, v4.16b
    rev32   v5.16b, v5.16b
    rev32   v6.16b, v6.16b
    rev32   v7.16b, v7.16b
    mov     v2.16b, v0.16b
    mov     v3.16b, v1.16b
    mov     x4, x3
    .rept 3
    sha256_4 v4, v5, v6, v7, 1
    sha256_4 v5, v6, v7, v4, 1
    sha256_4 v6, v7, v4, v5, 1
    sha256_4 v7, v4, v5, v6, 1
    .endr
    sha256_4 v4, v5, v6, v7, 0
    sha256_4 v5, v6, v7, v4, 0
    sha256_4 v6, v7, v4, v5, 0
    sha256_4 v7, v4, v5, v6, 0
    add     v0.4s, v0.4s, v2.4s
    add     v1.4s, v1.4s, v3.4s
    subs    x2, x2, #1
    b.ne    8b
9:  st1     {{v0.4s, v1.4s}}, [x0]
    ret

// Four SHA-1 rounds with \op (sha1c, sha1p or sha1m) and constant \k: e
// comes in \ecur and the next four rounds' e goes to \enext.
.macro sha1_4 op, k, ecur, enext, m0, m1, m2, m3, su
    add     v16.4s, \m0\().4s, \k\().4s
    sha1h   \enext, s0
    \op     q0, \ecur, v16.4s
    .if \su
    sha1su0 \m0\().4s, \m1\().4s, \m2\().4s
    sha1su1 \m0\().4s, \m3\().4s
    .endif
.endm

// SHA-1 compression: x0 state (5 words), x1 data, x2 blocks.
.global kernel_ce_sha1
kernel_ce_sha1:
    ld1     {{v0.4s}}, [x0]
    ldr     s1, [x0, #16]
    movz    w4, #0x7999
    movk    w4, #0x5a82, lsl #16
    dup     v20.4s, w4
    movz    w4, #0xeba1
    movk    w4, #0x6ed9, lsl #16
    dup     v21.4s, w4
    movz    w4, #0xbcdc
    movk    w4, #0x8f1b, lsl #16
    dup     v22.4s, w4
    movz    w4, #0xc1d6
    movk    w4, #0xca62, lsl #16
    dup     v23.4s, w4
    cbz     x2, 9f
8:  ld1     {{v4.16b, v5.16b, v6.16b, v7.16b}}, [x1], #64
    rev32   v4.16b, v4.16b
    rev32   v5.16b, v5.16b
    rev32   v6.16b, v6.16b
    rev32   v7.16b, v7.16b
    mov     v2.16b, v0.16b
    mov     v3.16b, v1.16b
    sha1_4 sha1c, v20, s1, s19, v4, v5, v6, v7, 1
    sha1_4 sha1c, v20, s19, s1, v5, v6, v7, v4, 1
    sha1_4 sha1c, v20, s1, s19, v6, v7, v4, v5, 1
    sha1_4 sha1c, v20, s19, s1, v7, v4, v5, v6, 1
    sha1_4 sha1c, v20, s1, s19, v4, v5, v6, v7, 1
    sha1_4 sha1p, v21, s19, s1, v5, v6, v7, v4, 1
    sha1_4 sha1p, v21, s1, s19, v6, v7, v4, v5, 1
    sha1_4 sha1p, v21, s19, s1, v7, v4, v5, v6, 1
    sha1_4 sha1p, v21, s1, s19, v4, v5, v6, v7, 1
    sha1_4 sha1p, v21, s19, s1, v5, v6, v7, v4, 1
    sha1_4 sha1m, v22, s1, s19, v6, v7, v4, v5, 1
    sha1_4 sha1m, v22, s19, s1, v7, v4, v5, v6, 1
    sha1_4 sha1m, v22, s1, s19, v4, v5, v6, v7, 1
    sha1_4 sha1m, v22, s19, s1, v5, v6, v7, v4, 1
    sha1_4 sha1m, v22, s1, s19, v6, v7, v4, v5, 1
    sha1_4 sha1p, v23, s19, s1, v7, v4, v5, v6, 1
    sha1_4 sha1p, v23, s1, s19, v4, v5, v6, v7, 0
    sha1_4 sha1p, v23, s19, s1, v5, v6, v7, v4, 0
    sha1_4 sha1p, v23, s1, s19, v6, v7, v4, v5, 0
    sha1_4 sha1p, v23, s19, s1, v7, v4, v5, v6, 0
    add     v0.4s, v0.4s, v2.4s
    add     v1.4s, v1.4s, v3.4s
    subs    x2, x2, #1
    b.ne    8b
9:  st1     {{v0.4s}}, [x0]
    str     s1, [x0, #16]
    ret
"#
);

unsafe extern "C" {
    fn kernel_ce_aes_ecb_enc(rk: *const [u8; 16], rounds: u32, data: *mut u8, blocks: usize);
    fn kernel_ce_aes_ecb_dec(rk: *const [u8; 16], rounds: u32, data: *mut u8, blocks: usize);
    fn kernel_ce_aes_cbc_enc(rk: *const [u8; 16], rounds: u32, chain: *mut [u8; 16], data: *mut u8, blocks: usize);
    fn kernel_ce_aes_cbc_dec(rk: *const [u8; 16], rounds: u32, chain: *mut [u8; 16], data: *mut u8, blocks: usize);
    fn kernel_ce_aes_cbc_mac(rk: *const [u8; 16], rounds: u32, chain: *mut [u8; 16], data: *const u8, blocks: usize);
    fn kernel_ce_aes_ctr(rk: *const [u8; 16], rounds: u32, counter: *mut [u8; 16], data: *mut u8, blocks: usize);
    fn kernel_ce_aes_sub_word(w: u32) -> u32;
    fn kernel_ce_aes_imc(block: *mut [u8; 16]);
    fn kernel_ce_ghash(h: *const [u8; 16], y: *mut [u8; 16], data: *const u8, blocks: usize);
    fn kernel_ce_sha256(state: *mut [u32; 8], data: *const u8, blocks: usize, k: *const [u32; 64]);
    fn kernel_ce_sha1(state: *mut [u32; 5], data: *const u8, blocks: usize);
}

/// An expanded AES key for the routines below: encryption round keys and
/// the equivalent inverse cipher's decryption round keys (FIPS 197, 5.3.5).
#[derive(Clone)]
pub struct AesCeKey {
    enc: [[u8; 16]; 15],
    dec: [[u8; 16]; 15],
    rounds: u32,
}

impl Drop for AesCeKey {
    fn drop(&mut self) {
        self.enc.zeroize();
        self.dec.zeroize();
    }
}

impl AesCeKey {
    /// Expands a 16-, 24- or 32-byte key (FIPS 197, 5.2), `None` for other
    /// lengths. Words are kept as little-endian `u32`s of the key bytes, so
    /// RotWord is a rotation right by 8 and Rcon goes into the low byte.
    pub fn new(_simd: &KernelSimd, key: &[u8]) -> Option<AesCeKey> {
        let nk = match key.len() {
            16 | 24 | 32 => key.len() / 4,
            _ => return None,
        };
        let rounds = nk + 6;
        let total = 4 * (rounds + 1);
        let mut w = [0u32; 60];
        for (i, c) in key.chunks_exact(4).enumerate() {
            w[i] = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        }
        let mut rcon = 1u32;
        for i in nk..total {
            let mut t = w[i - 1];
            if i % nk == 0 {
                // SAFETY: EL1 may use the unit (the token); a register-only
                // routine.
                t = unsafe { kernel_ce_aes_sub_word(t.rotate_right(8)) } ^ rcon;
                rcon = (rcon << 1) ^ (0x11b & 0u32.wrapping_sub(rcon >> 7));
            } else if nk == 8 && i % nk == 4 {
                // SAFETY: as above.
                t = unsafe { kernel_ce_aes_sub_word(t) };
            }
            w[i] = w[i - nk] ^ t;
        }
        let mut k = AesCeKey { enc: [[0; 16]; 15], dec: [[0; 16]; 15], rounds: rounds as u32 };
        for (r, rk) in k.enc.iter_mut().take(rounds + 1).enumerate() {
            for j in 0..4 {
                rk[4 * j..4 * j + 4].copy_from_slice(&w[4 * r + j].to_le_bytes());
            }
        }
        w.zeroize();
        k.dec[0] = k.enc[rounds];
        k.dec[rounds] = k.enc[0];
        for r in 1..rounds {
            k.dec[r] = k.enc[rounds - r];
            // SAFETY: as above; the block is a valid 16-byte array.
            unsafe { kernel_ce_aes_imc(&mut k.dec[r]) };
        }
        Some(k)
    }

    /// ECB over the whole blocks of `data`, in place.
    pub fn ecb(&self, _simd: &KernelSimd, encrypt: bool, data: &mut [u8]) {
        let blocks = data.len() / 16;
        // SAFETY: EL1 may use the unit (the token); the routine reads the
        // rounds + 1 round keys of a 15-key array and reads and writes
        // exactly `blocks` 16-byte blocks of `data`.
        unsafe {
            if encrypt {
                kernel_ce_aes_ecb_enc(self.enc.as_ptr(), self.rounds, data.as_mut_ptr(), blocks)
            } else {
                kernel_ce_aes_ecb_dec(self.dec.as_ptr(), self.rounds, data.as_mut_ptr(), blocks)
            }
        }
    }

    /// CBC over the whole blocks of `data`, in place, chaining from and into
    /// `chain` (the IV or the previous ciphertext block).
    pub fn cbc(&self, _simd: &KernelSimd, encrypt: bool, chain: &mut [u8; 16], data: &mut [u8]) {
        let blocks = data.len() / 16;
        // SAFETY: as in `ecb`, plus the 16-byte chaining block.
        unsafe {
            if encrypt {
                kernel_ce_aes_cbc_enc(self.enc.as_ptr(), self.rounds, chain, data.as_mut_ptr(), blocks)
            } else {
                kernel_ce_aes_cbc_dec(self.dec.as_ptr(), self.rounds, chain, data.as_mut_ptr(), blocks)
            }
        }
    }

    /// CBC-MAC over the whole blocks of `data`: `chain` becomes the last
    /// ciphertext block of a CBC encryption from `chain` (nothing else is
    /// written).
    pub fn cbc_mac(&self, _simd: &KernelSimd, chain: &mut [u8; 16], data: &[u8]) {
        let blocks = data.len() / 16;
        // SAFETY: as in `cbc`, `data` only read.
        unsafe { kernel_ce_aes_cbc_mac(self.enc.as_ptr(), self.rounds, chain, data.as_ptr(), blocks) }
    }

    /// CTR keystream XORed into the whole blocks of `data`; `counter` (a
    /// big-endian 128-bit number) advances by one per block, wrapping.
    pub fn ctr(&self, _simd: &KernelSimd, counter: &mut [u8; 16], data: &mut [u8]) {
        let blocks = data.len() / 16;
        // SAFETY: as in `cbc`.
        unsafe { kernel_ce_aes_ctr(self.enc.as_ptr(), self.rounds, counter, data.as_mut_ptr(), blocks) }
    }
}

/// GHASH (NIST SP 800-38D, 6.4) of the whole blocks of `data` into `y`
/// with hash key `h`, both in GCM's byte order.
pub fn ghash(_simd: &KernelSimd, h: &[u8; 16], y: &mut [u8; 16], data: &[u8]) {
    // SAFETY: EL1 may use the unit (the token); the routine reads `h`,
    // `data.len() / 16` whole blocks of `data`, and reads and writes `y`.
    unsafe { kernel_ce_ghash(h, y, data.as_ptr(), data.len() / 16) }
}

/// SHA-256 round constants (FIPS 180-4, 4.2.2).
static SHA256_K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
];

/// The SHA-256 compression function over the whole 64-byte blocks of
/// `data` (FIPS 180-4, 6.2.2).
pub fn sha256_blocks(_simd: &KernelSimd, state: &mut [u32; 8], data: &[u8]) {
    // SAFETY: EL1 may use the unit (the token); the routine reads
    // `data.len() / 64` whole blocks and the constants, and reads and
    // writes the 8 state words.
    unsafe { kernel_ce_sha256(state, data.as_ptr(), data.len() / 64, &SHA256_K) }
}

/// The SHA-1 compression function over the whole 64-byte blocks of `data`
/// (FIPS 180-4, 6.1.2).
pub fn sha1_blocks(_simd: &KernelSimd, state: &mut [u32; 5], data: &[u8]) {
    // SAFETY: as for `sha256_blocks`, with 5 state words.
    unsafe { kernel_ce_sha1(state, data.as_ptr(), data.len() / 64) }
}
