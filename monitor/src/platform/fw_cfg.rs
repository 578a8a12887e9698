//! QEMU fw_cfg over its DMA interface: how the monitor fetches the `-kernel`,
//! `-initrd` and `-append` that QEMU only exposes there when booting firmware.
//! Register layout: QEMU's docs/specs/fw_cfg.rst ("Memory-mapped interface").

use tock_registers::interfaces::{Readable, Writeable};
use tock_registers::register_structs;
use tock_registers::registers::{ReadOnly, WriteOnly};

use crate::boot_payload::{self, dma_read_descriptor};

register_structs! {
    /// The fw_cfg MMIO registers; the selector and the DMA address are
    /// big-endian.
    FwCfg {
        (0x00 => data: ReadOnly<u8>),
        (0x01 => _reserved0),
        (0x08 => selector: WriteOnly<u16>),
        (0x0a => _reserved1),
        (0x10 => dma_high: WriteOnly<u32>),
        (0x14 => dma_low: WriteOnly<u32>),
        (0x18 => @END),
    }
}

/// fw_cfg failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FwCfgError {
    /// No fw_cfg device, or no DMA interface.
    Absent,
    /// The device reported a DMA error.
    Dma,
}

fn regs() -> &'static FwCfg {
    // SAFETY: QEMU virt's fw_cfg is at FW_CFG_BASE.
    unsafe { super::device(linker::FW_CFG_BASE) }
}

fn select(key: u16) {
    regs().selector.set(key.to_be());
}

/// The next bytes of the selected item (byte reads stream it).
fn read_data<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    for b in &mut bytes {
        *b = regs().data.get();
    }
    bytes
}

fn read_data_u32(key: u16) -> u32 {
    select(key);
    u32::from_le_bytes(read_data())
}

/// Checks for fw_cfg with DMA.
pub fn probe() -> Result<(), FwCfgError> {
    select(boot_payload::KEY_SIGNATURE);
    let sig: [u8; 4] = read_data();
    if &sig != b"QEMU" || read_data_u32(boot_payload::KEY_ID) & boot_payload::FEATURE_DMA == 0 {
        return Err(FwCfgError::Absent);
    }
    Ok(())
}

/// Size of item `key` (a little-endian u32 item).
pub fn item_size(key: u16) -> u32 {
    read_data_u32(key)
}

/// DMA-reads `len` bytes of item `key` into NS physical address `dest`.
///
/// # Safety
///
/// `[dest, dest + len)` must be NS RAM that nothing else uses.
pub unsafe fn dma_read(key: u16, dest: u64, len: u32) -> Result<(), FwCfgError> {
    // fw_cfg DMA only reaches the non-secure address space: the descriptor
    // lives in a scratch page of NS RAM.
    let desc_addr = linker::NS_FW_CFG_SCRATCH;
    let desc = dma_read_descriptor(key, dest, len);
    // SAFETY: the scratch page is reserved for this by the memory map and is
    // not handed to Linux until boot completes.
    unsafe { core::ptr::copy_nonoverlapping(desc.as_ptr(), desc_addr as *mut u8, desc.len()) };
    crate::arch::aarch64::dsb_sy();
    // The high half first: writing the low half starts the transfer.
    regs().dma_high.set(((desc_addr >> 32) as u32).to_be());
    regs().dma_low.set((desc_addr as u32).to_be());
    loop {
        // The device clears the descriptor's control word (big-endian, first
        // word) when done, or sets its error bit.
        // SAFETY: as above; the device writes it, so it is read volatilely.
        let control = u32::from_be(unsafe { core::ptr::read_volatile(desc_addr as *const u32) });
        if control & boot_payload::DMA_ERROR != 0 {
            return Err(FwCfgError::Dma);
        }
        if control == 0 {
            return Ok(());
        }
    }
}
