//! GICv3 secure initialisation: everything the normal world cannot do for
//! itself when the GIC has security enabled (group assignment, affinity
//! routing, waking the redistributors), as TF-A's GICv3 driver does.
//! Register layouts: Arm GICv3/v4 architecture specification (IHI 0069),
//! "The GIC Distributor register map" and "Redistributor register map".

use tock_registers::interfaces::{ReadWriteable, Readable, Writeable};
use tock_registers::registers::{ReadOnly, ReadWrite};
use tock_registers::{register_bitfields, register_structs};

register_bitfields! [u32,
    GICD_CTLR [
        ENABLE_G0 OFFSET(0) NUMBITS(1) [],
        ENABLE_G1NS OFFSET(1) NUMBITS(1) [],
        ENABLE_G1S OFFSET(2) NUMBITS(1) [],
        ARE_S OFFSET(4) NUMBITS(1) [],
        ARE_NS OFFSET(5) NUMBITS(1) [],
        /// Register write pending.
        RWP OFFSET(31) NUMBITS(1) []
    ],
    GICD_TYPER [
        /// Supported SPI lines: 32 * (ITLinesNumber + 1).
        IT_LINES_NUMBER OFFSET(0) NUMBITS(5) []
    ],
    GICR_WAKER [
        PROCESSOR_SLEEP OFFSET(1) NUMBITS(1) [],
        CHILDREN_ASLEEP OFFSET(2) NUMBITS(1) []
    ]
];

register_structs! {
    /// The distributor, as far as secure set-up needs it.
    Distributor {
        (0x0000 => ctlr: ReadWrite<u32, GICD_CTLR::Register>),
        (0x0004 => typer: ReadOnly<u32, GICD_TYPER::Register>),
        (0x0008 => _reserved0),
        (0x0080 => igroupr: [ReadWrite<u32>; 32]),
        (0x0100 => _reserved1),
        (0x0d00 => igrpmodr: [ReadWrite<u32>; 32]),
        (0x0d80 => @END),
    },
    /// A redistributor's RD_base frame.
    RdFrame {
        (0x0000 => _reserved0),
        (0x0014 => waker: ReadWrite<u32, GICR_WAKER::Register>),
        (0x0018 => @END),
    },
    /// A redistributor's SGI_base frame (64 KiB after RD_base).
    SgiFrame {
        (0x0000 => _reserved0),
        (0x0080 => igroupr0: ReadWrite<u32>),
        (0x0084 => _reserved1),
        (0x0d00 => igrpmodr0: ReadWrite<u32>),
        (0x0d04 => @END),
    }
}

/// Offset of the SGI_base frame from RD_base.
const SGI_FRAME_OFFSET: u64 = 0x1_0000;

fn distributor() -> &'static Distributor {
    // SAFETY: the GICv3 distributor of QEMU virt is at GICD_BASE.
    unsafe { super::device(linker::GICD_BASE) }
}

fn wait_for_rwp(gicd: &Distributor) {
    while gicd.ctlr.is_set(GICD_CTLR::RWP) {}
}

/// Distributor: affinity routing for both states, every SPI in Group 1
/// Non-secure, all groups enabled. Called once, by the boot core.
pub fn init_distributor() {
    let gicd = distributor();
    gicd.ctlr.set(0);
    wait_for_rwp(gicd);
    gicd.ctlr.write(GICD_CTLR::ARE_S::SET + GICD_CTLR::ARE_NS::SET);
    wait_for_rwp(gicd);
    let lines = gicd.typer.read(GICD_TYPER::IT_LINES_NUMBER) as usize + 1;
    // Word 0 (SGIs and PPIs) is banked per core: the redistributors own it.
    for n in 1..lines {
        gicd.igroupr[n].set(0xffff_ffff);
        gicd.igrpmodr[n].set(0);
    }
    gicd.ctlr.write(
        GICD_CTLR::ARE_S::SET
            + GICD_CTLR::ARE_NS::SET
            + GICD_CTLR::ENABLE_G0::SET
            + GICD_CTLR::ENABLE_G1NS::SET
            + GICD_CTLR::ENABLE_G1S::SET,
    );
    wait_for_rwp(gicd);
}

/// Redistributor of `core`: wake it and put its SGIs and PPIs in Group 1
/// Non-secure (the secure OS claims its own interrupts when it needs them).
pub fn init_redistributor(core: usize) {
    let rd_base = linker::GICR_BASE + core as u64 * linker::GICR_STRIDE;
    // SAFETY: `rd_base` is this core's redistributor (QEMU lays them out in
    // core order, GICR_STRIDE apart), with its SGI frame 64 KiB above.
    let (rd, sgi): (&RdFrame, &SgiFrame) =
        unsafe { (super::device(rd_base), super::device(rd_base + SGI_FRAME_OFFSET)) };
    rd.waker.modify(GICR_WAKER::PROCESSOR_SLEEP::CLEAR);
    while rd.waker.is_set(GICR_WAKER::CHILDREN_ASLEEP) {}
    sgi.igroupr0.set(0xffff_ffff);
    sgi.igrpmodr0.set(0);
}
