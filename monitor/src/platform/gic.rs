//! GICv3 secure initialisation: everything the normal world cannot do for
//! itself when the GIC has security enabled (group assignment, affinity
//! routing, waking the redistributors), as TF-A's GICv3 driver does.

use super::{mmio_read32, mmio_write32};

const GICD_CTLR: u64 = 0x0000;
const GICD_TYPER: u64 = 0x0004;
const GICD_IGROUPR: u64 = 0x0080;
const GICD_IGRPMODR: u64 = 0x0d00;
const CTLR_RWP: u32 = 1 << 31;
const CTLR_ENABLE_G0: u32 = 1 << 0;
const CTLR_ENABLE_G1NS: u32 = 1 << 1;
const CTLR_ENABLE_G1S: u32 = 1 << 2;
const CTLR_ARE_S: u32 = 1 << 4;
const CTLR_ARE_NS: u32 = 1 << 5;

const GICR_WAKER: u64 = 0x0014;
const WAKER_PROCESSOR_SLEEP: u32 = 1 << 1;
const WAKER_CHILDREN_ASLEEP: u32 = 1 << 2;
const GICR_SGI_BASE: u64 = 0x1_0000;
const GICR_IGROUPR0: u64 = GICR_SGI_BASE + 0x0080;
const GICR_IGRPMODR0: u64 = GICR_SGI_BASE + 0x0d00;

fn wait_for_rwp() {
    // SAFETY: GICD_CTLR is a distributor register; reading it has no effect.
    while unsafe { mmio_read32(linker::GICD_BASE + GICD_CTLR) } & CTLR_RWP != 0 {}
}

/// Distributor: affinity routing for both states, every SPI in Group 1
/// Non-secure, all groups enabled. Called once, by the boot core.
pub fn init_distributor() {
    let base = linker::GICD_BASE;
    // SAFETY: these are GICv3 distributor registers at the platform address;
    // the secure world owns their configuration.
    unsafe {
        mmio_write32(base + GICD_CTLR, 0);
        wait_for_rwp();
        mmio_write32(base + GICD_CTLR, CTLR_ARE_S | CTLR_ARE_NS);
        wait_for_rwp();
        let lines = (mmio_read32(base + GICD_TYPER) & 0x1f) + 1;
        for n in 1..u64::from(lines) {
            mmio_write32(base + GICD_IGROUPR + 4 * n, 0xffff_ffff);
            mmio_write32(base + GICD_IGRPMODR + 4 * n, 0);
        }
        mmio_write32(base + GICD_CTLR, CTLR_ARE_S | CTLR_ARE_NS | CTLR_ENABLE_G0 | CTLR_ENABLE_G1NS | CTLR_ENABLE_G1S);
        wait_for_rwp();
    }
}

/// Redistributor of `core`: wake it and put its SGIs and PPIs in Group 1
/// Non-secure (the secure OS claims its own interrupts when it needs them).
pub fn init_redistributor(core: usize) {
    let rd = linker::GICR_BASE + core as u64 * linker::GICR_STRIDE;
    // SAFETY: `rd` is this core's redistributor frame (QEMU lays them out in
    // core order); GICR_WAKER and the SGI-frame group registers are secure-owned.
    unsafe {
        let waker = mmio_read32(rd + GICR_WAKER);
        mmio_write32(rd + GICR_WAKER, waker & !WAKER_PROCESSOR_SLEEP);
        while mmio_read32(rd + GICR_WAKER) & WAKER_CHILDREN_ASLEEP != 0 {}
        mmio_write32(rd + GICR_IGROUPR0, 0xffff_ffff);
        mmio_write32(rd + GICR_IGRPMODR0, 0);
    }
}
