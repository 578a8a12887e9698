//! Pure parts of loading the normal-world payload: the fw_cfg DMA descriptor
//! (QEMU `docs/specs/fw_cfg.rst`) and the arm64 `Image` header
//! (Linux `Documentation/arch/arm64/booting.rst`).

/// fw_cfg item: signature (`"QEMU"`).
pub const KEY_SIGNATURE: u16 = 0x00;
/// fw_cfg item: feature bitmap (bit 1 = DMA interface).
pub const KEY_ID: u16 = 0x01;
/// fw_cfg item: size of `-kernel` (u32, little-endian).
pub const KEY_KERNEL_SIZE: u16 = 0x08;
/// fw_cfg item: size of `-initrd`.
pub const KEY_INITRD_SIZE: u16 = 0x0b;
/// fw_cfg item: `-kernel` contents.
pub const KEY_KERNEL_DATA: u16 = 0x11;
/// fw_cfg item: `-initrd` contents.
pub const KEY_INITRD_DATA: u16 = 0x12;
/// fw_cfg item: size of `-append` including the NUL.
pub const KEY_CMDLINE_SIZE: u16 = 0x14;
/// fw_cfg item: `-append` contents.
pub const KEY_CMDLINE_DATA: u16 = 0x15;
/// Feature bit: the DMA interface exists.
pub const FEATURE_DMA: u32 = 1 << 1;

/// DMA control: error.
pub const DMA_ERROR: u32 = 0x01;
/// DMA control: read.
pub const DMA_READ: u32 = 0x02;
/// DMA control: select the item in the upper 16 bits first.
pub const DMA_SELECT: u32 = 0x08;

/// Encodes the 16-byte `FWCfgDmaAccess` descriptor (big-endian fields) that
/// reads `len` bytes of item `key` into physical address `dest`.
pub fn dma_read_descriptor(key: u16, dest: u64, len: u32) -> [u8; 16] {
    let control = (u32::from(key) << 16) | DMA_SELECT | DMA_READ;
    let mut out = [0u8; 16];
    out[0..4].copy_from_slice(&control.to_be_bytes());
    out[4..8].copy_from_slice(&len.to_be_bytes());
    out[8..16].copy_from_slice(&dest.to_be_bytes());
    out
}

/// What the arm64 `Image` header says about placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageLayout {
    /// Offset from a 2 MiB-aligned base where the image must be placed.
    pub text_offset: u64,
    /// Bytes the kernel occupies once running (including BSS).
    pub image_size: u64,
}

/// Why a kernel image was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageError {
    /// Shorter than the 64-byte header.
    Truncated,
    /// No `ARM\x64` magic at offset 56.
    BadMagic,
    /// Big-endian kernel (bit 0 of the flags).
    BigEndian,
}

/// Parses the first 64 bytes of an arm64 `Image`.
pub fn parse_image_header(header: &[u8]) -> Result<ImageLayout, ImageError> {
    let h = header.get(..64).ok_or(ImageError::Truncated)?;
    let le64 = |at: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&h[at..at + 8]);
        u64::from_le_bytes(b)
    };
    if &h[56..60] != b"ARM\x64" {
        return Err(ImageError::BadMagic);
    }
    if le64(24) & 1 != 0 {
        return Err(ImageError::BigEndian);
    }
    let image_size = le64(16);
    // Kernels before 3.17 leave image_size 0 and expect 0x80000.
    let text_offset = if image_size == 0 { 0x8_0000 } else { le64(8) };
    Ok(ImageLayout { text_offset, image_size })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_is_big_endian() {
        let d = dma_read_descriptor(KEY_KERNEL_DATA, 0x4400_0000, 0x0100_0000);
        assert_eq!(d, [0x00, 0x11, 0x00, 0x0a, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x44, 0, 0, 0]);
    }

    fn header(text_offset: u64, size: u64, flags: u64) -> [u8; 64] {
        let mut h = [0u8; 64];
        h[8..16].copy_from_slice(&text_offset.to_le_bytes());
        h[16..24].copy_from_slice(&size.to_le_bytes());
        h[24..32].copy_from_slice(&flags.to_le_bytes());
        h[56..60].copy_from_slice(b"ARM\x64");
        h
    }

    #[test]
    fn parses_image_header() {
        let layout = parse_image_header(&header(0, 0x220_0000, 0xa)).unwrap();
        assert_eq!(layout, ImageLayout { text_offset: 0, image_size: 0x220_0000 });
        assert_eq!(parse_image_header(&header(0, 0, 0)).unwrap().text_offset, 0x8_0000);
        assert_eq!(parse_image_header(&header(0, 1, 1)), Err(ImageError::BigEndian));
        assert_eq!(parse_image_header(&[0u8; 10]), Err(ImageError::Truncated));
        assert_eq!(parse_image_header(&[0u8; 64]), Err(ImageError::BadMagic));
    }
}
