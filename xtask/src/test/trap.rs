//! A normal-world payload that makes EL1 trap to EL3 (security finding 11):
//! a 4 KiB arm64 `Image` the monitor loads in place of Linux. At NS-EL1 it
//! sets `VBAR_EL1`, reads `ICC_IAR0_EL1` (a Group-0 GIC register: with
//! `SCR_EL3.FIQ` set the read traps to EL3), and reports on the UART what
//! came back, then powers off with PSCI `SYSTEM_OFF`:
//!
//! - `TZTRAP K`: an exception at "current EL with SP_EL1, synchronous" with
//!   `ESR_EL1` = EC 0 / IL 1, `ELR_EL1` = the `mrs`, `SPSR_EL1` = EL1h masked
//!   (the monitor injected an undefined instruction);
//! - `TZTRAP E` / `L` / `S`: wrong ESR / ELR / SPSR;
//! - `TZTRAP V`: an exception at another vector; `TZTRAP N`: no exception.
//!
//! A monitor that halts the core prints nothing. The instruction words were
//! assembled with `llvm-mc -triple=aarch64` from the source in the comments.

/// Where the code reports and powers off (`report:` below).
const REPORT: usize = 0x5c;
/// `vectors:` (VBAR_EL1 needs 2 KiB alignment; the monitor loads the image
/// at a 2 MiB boundary).
const VECTORS: usize = 0x800;
/// The vector-table entry checked: current EL with SP_ELx, synchronous.
const SYNC_SPX: usize = VECTORS + 0x200;

/// Header and code from offset 0.
const HEAD: [u32; 38] = [
    0x1400_0010, // b start
    0,           // code1
    0,
    0, // text_offset
    0x1000,
    0, // image_size
    0,
    0, // flags: little-endian
    0,
    0,
    0,
    0,
    0,
    0,           // res2-4
    0x644d_5241, // magic "ARM\x64"
    0,           // res5
    // start:
    0xd2a1_2009, // movz x9, #0x0900, lsl #16      PL011 UART0 (the NS console)
    0x1000_3de0, // adr x0, vectors
    0xd518_c000, // msr vbar_el1, x0
    0xd503_3fdf, // isb
    0x1000_0033, // adr x19, trap_pc
    // trap_pc:
    0xd538_c801, // mrs x1, ICC_IAR0_EL1           traps to EL3
    0x5280_09c3, // mov w3, #'N'                   no exception at all
    // report: prints "TZTRAP <w3>\n", then SYSTEM_OFF
    0x1000_01a0, // adr x0, prefix
    0x3840_1401, // 1: ldrb w1, [x0], #1
    0x3400_0061, // cbz w1, 2f
    0xb900_0121, // str w1, [x9]
    0x17ff_fffd, // b 1b
    0xb900_0123, // 2: str w3, [x9]
    0x5280_0141, // mov w1, #'\n'
    0xb900_0121, // str w1, [x9]
    0x5280_0100, // movz w0, #0x0008
    0x72b0_8000, // movk w0, #0x8400, lsl #16      PSCI SYSTEM_OFF
    0xd400_0003, // smc #0
    0xd503_207f, // 3: wfi
    0x17ff_ffff, // b 3b
    // prefix: "TZTRAP \0"
    0x5254_5a54,
    0x0020_5041,
];

/// The checks at `SYNC_SPX`.
const CHECK: [u32; 16] = [
    0x5280_08a3, // mov w3, #'E'
    0xd538_5202, // mrs x2, esr_el1
    0xd2a0_4005, // movz x5, #0x0200, lsl #16      EC 0 (unknown), IL 1
    0xeb05_005f, // cmp x2, x5
    0x54ff_b261, // b.ne report
    0x5280_0983, // mov w3, #'L'
    0xd538_4022, // mrs x2, elr_el1
    0xeb13_005f, // cmp x2, x19                    the trapping instruction
    0x54ff_b1e1, // b.ne report
    0x5280_0a63, // mov w3, #'S'
    0xd538_4002, // mrs x2, spsr_el1
    0x9240_2442, // and x2, x2, #0x3ff
    0xf10f_145f, // cmp x2, #0x3c5                 EL1h, D/A/I/F masked when it trapped
    0x54ff_b141, // b.ne report
    0x5280_0963, // mov w3, #'K'                   all as expected
    0x17ff_fd88, // b report
];

/// `mov w3, #'V'`: the other 15 vector entries report an unexpected vector.
const MOV_W3_V: u32 = 0x5280_0ac3;

/// `b to` placed at `from`.
fn branch(from: usize, to: usize) -> u32 {
    let words = (to as i64 - from as i64) / 4;
    0x1400_0000 | (words as u32 & 0x03ff_ffff)
}

/// The 4 KiB image.
pub fn image() -> Vec<u8> {
    let mut words = vec![0u32; 0x1000 / 4];
    words[..HEAD.len()].copy_from_slice(&HEAD);
    for entry in 0..16 {
        let at = VECTORS + entry * 0x80;
        if at == SYNC_SPX {
            words[at / 4..at / 4 + CHECK.len()].copy_from_slice(&CHECK);
        } else {
            words[at / 4] = MOV_W3_V;
            words[at / 4 + 1] = branch(at + 4, REPORT);
        }
    }
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_an_arm64_image_with_consistent_branches() {
        let img = image();
        assert_eq!(img.len(), 0x1000);
        assert_eq!(&img[56..60], b"ARM\x64");
        assert_eq!(u64::from_le_bytes(img[16..24].try_into().unwrap()), 0x1000);
        // The assembler's branches to `report` agree with `branch()`.
        assert_eq!(branch(0x6c, 0x60), 0x17ff_fffd);
        assert_eq!(CHECK[15], branch(SYNC_SPX + 15 * 4, REPORT));
        assert_eq!(&img[0x90..0x98], b"TZTRAP \0");
    }
}
