//! QEMU fw_cfg over its DMA interface: how the monitor fetches the `-kernel`,
//! `-initrd` and `-append` that QEMU only exposes there when booting firmware.

use crate::boot_payload::{self, dma_read_descriptor};

use super::{mmio_read32, mmio_write32};

const REG_DATA: u64 = 0x00;
const REG_SELECTOR: u64 = 0x08;
const REG_DMA_HIGH: u64 = 0x10;
const REG_DMA_LOW: u64 = 0x14;

/// fw_cfg failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FwCfgError {
    /// No fw_cfg device, or no DMA interface.
    Absent,
    /// The device reported a DMA error.
    Dma,
}

fn select(key: u16) {
    // SAFETY: the fw_cfg selector is a 16-bit big-endian register at +8.
    unsafe { core::ptr::write_volatile((linker::FW_CFG_BASE + REG_SELECTOR) as *mut u16, key.to_be()) };
}

fn read_data_u32(key: u16) -> u32 {
    select(key);
    let mut bytes = [0u8; 4];
    for b in &mut bytes {
        // SAFETY: byte reads of the data register stream the selected item.
        *b = unsafe { core::ptr::read_volatile((linker::FW_CFG_BASE + REG_DATA) as *const u8) };
    }
    u32::from_le_bytes(bytes)
}

/// Checks for fw_cfg with DMA.
pub fn probe() -> Result<(), FwCfgError> {
    select(boot_payload::KEY_SIGNATURE);
    let mut sig = [0u8; 4];
    for b in &mut sig {
        // SAFETY: as in `read_data_u32`.
        *b = unsafe { core::ptr::read_volatile((linker::FW_CFG_BASE + REG_DATA) as *const u8) };
    }
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
    // not handed to Linux until boot completes; the fw_cfg DMA registers are
    // written high half first, the low half starts the transfer.
    unsafe {
        core::ptr::copy_nonoverlapping(desc.as_ptr(), desc_addr as *mut u8, desc.len());
        crate::arch::aarch64::dsb_sy();
        mmio_write32(linker::FW_CFG_BASE + REG_DMA_HIGH, ((desc_addr >> 32) as u32).to_be());
        mmio_write32(linker::FW_CFG_BASE + REG_DMA_LOW, (desc_addr as u32).to_be());
        loop {
            let control = u32::from_be(mmio_read32(desc_addr));
            if control & boot_payload::DMA_ERROR != 0 {
                return Err(FwCfgError::Dma);
            }
            if control == 0 {
                return Ok(());
            }
        }
    }
}
