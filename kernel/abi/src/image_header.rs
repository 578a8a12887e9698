//! The OP-TEE image header, version 2 (`tee-header_v2.bin`, written by
//! OP-TEE's `scripts/gen_tee_bin.py`, read by TF-A's `lib/optee/optee_utils.c`).
//!
//! Our firmware image carries the trusted OS as this header followed by the
//! image payloads in order, so the monitor boots our kernel and upstream
//! OP-TEE the same way.

/// `"OPTE"` read as a little-endian u32.
pub const MAGIC: u32 = 0x4554_504f;
/// The only header version the loader accepts.
pub const VERSION: u8 = 2;
/// `arch` value for an AArch64 OS.
pub const ARCH_AARCH64: u8 = 1;
/// Image ID of the pager (the resident core).
pub const IMAGE_ID_PAGER: u32 = 0;
/// Image ID of the pageable part.
pub const IMAGE_ID_PAGED: u32 = 1;
/// Fixed part of the header.
pub const FIXED_SIZE: usize = 12;
/// One image descriptor.
pub const IMAGE_DESC_SIZE: usize = 16;
/// Load address meaning "the loader decides".
pub const LOADER_DECIDES: u64 = u64::MAX;

/// One image listed in the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageDesc {
    /// Physical load address ([`LOADER_DECIDES`] for "anywhere").
    pub load_addr: u64,
    /// [`IMAGE_ID_PAGER`] or [`IMAGE_ID_PAGED`].
    pub image_id: u32,
    /// Payload size in bytes.
    pub size: u32,
}

/// A parsed header: at most two images (pager, then optionally pageable).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// `arch` byte (1 = AArch64).
    pub arch: u8,
    /// The pager image.
    pub pager: ImageDesc,
    /// The pageable image, when listed.
    pub paged: Option<ImageDesc>,
}

/// Why a header was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// Fewer bytes than the header claims.
    Truncated,
    /// Magic is not `"OPTE"`.
    BadMagic,
    /// Version is not 2.
    BadVersion,
    /// `nb_images` is not 1 or 2.
    BadImageCount,
    /// The first image is not the pager or the second not the paged part.
    BadImageOrder,
    /// The OS is not AArch64.
    NotAarch64,
}

fn u32_at(bytes: &[u8], offset: usize) -> Result<u32, HeaderError> {
    let b = bytes.get(offset..offset + 4).ok_or(HeaderError::Truncated)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl Header {
    /// Parses a header from the start of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Header, HeaderError> {
        if bytes.len() < FIXED_SIZE {
            return Err(HeaderError::Truncated);
        }
        if u32_at(bytes, 0)? != MAGIC {
            return Err(HeaderError::BadMagic);
        }
        if bytes[4] != VERSION {
            return Err(HeaderError::BadVersion);
        }
        let arch = bytes[5];
        if arch != ARCH_AARCH64 {
            return Err(HeaderError::NotAarch64);
        }
        let count = u32_at(bytes, 8)?;
        if !(1..=2).contains(&count) {
            return Err(HeaderError::BadImageCount);
        }
        let desc = |i: usize| -> Result<ImageDesc, HeaderError> {
            let at = FIXED_SIZE + i * IMAGE_DESC_SIZE;
            let hi = u32_at(bytes, at)?;
            let lo = u32_at(bytes, at + 4)?;
            Ok(ImageDesc {
                load_addr: (u64::from(hi) << 32) | u64::from(lo),
                image_id: u32_at(bytes, at + 8)?,
                size: u32_at(bytes, at + 12)?,
            })
        };
        let pager = desc(0)?;
        if pager.image_id != IMAGE_ID_PAGER {
            return Err(HeaderError::BadImageOrder);
        }
        let paged = if count == 2 {
            let paged = desc(1)?;
            if paged.image_id != IMAGE_ID_PAGED {
                return Err(HeaderError::BadImageOrder);
            }
            Some(paged)
        } else {
            None
        };
        Ok(Header { arch, pager, paged })
    }

    /// Size of the encoded header.
    pub const fn encoded_len(&self) -> usize {
        FIXED_SIZE + IMAGE_DESC_SIZE * if self.paged.is_some() { 2 } else { 1 }
    }

    /// Encodes the header into `out`, returning the bytes written, or `None`
    /// when `out` is too small.
    pub fn encode(&self, out: &mut [u8]) -> Option<usize> {
        let len = self.encoded_len();
        let out = out.get_mut(..len)?;
        out[0..4].copy_from_slice(&MAGIC.to_le_bytes());
        out[4] = VERSION;
        out[5] = self.arch;
        out[6..8].copy_from_slice(&0u16.to_le_bytes());
        let count: u32 = if self.paged.is_some() { 2 } else { 1 };
        out[8..12].copy_from_slice(&count.to_le_bytes());
        for (i, d) in core::iter::once(self.pager).chain(self.paged).enumerate() {
            let at = FIXED_SIZE + i * IMAGE_DESC_SIZE;
            out[at..at + 4].copy_from_slice(&((d.load_addr >> 32) as u32).to_le_bytes());
            out[at + 4..at + 8].copy_from_slice(&(d.load_addr as u32).to_le_bytes());
            out[at + 8..at + 12].copy_from_slice(&d.image_id.to_le_bytes());
            out[at + 12..at + 16].copy_from_slice(&d.size.to_le_bytes());
        }
        Some(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 28 bytes of Debian's optee-os 4.5.0-2 `vexpress-qemu_armv8a/tee-header_v2.bin`
    /// (load address 0x0e100000, pager size 0x803a8; see upstream-baseline.md).
    const DEBIAN_HEADER: [u8; 28] = [
        0x4f, 0x50, 0x54, 0x45, 0x02, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x10, 0x0e, 0x00, 0x00, 0x00, 0x00, 0xa8, 0x03, 0x08, 0x00,
    ];

    #[test]
    fn parses_debian_header() {
        let h = Header::parse(&DEBIAN_HEADER).unwrap();
        assert_eq!(h.pager.load_addr, 0x0e10_0000);
        assert_eq!(h.pager.size, 0x803a8);
        assert_eq!(h.paged, None);
        assert_eq!(h.encoded_len(), 28);
    }

    #[test]
    fn round_trips() {
        let h = Header {
            arch: ARCH_AARCH64,
            pager: ImageDesc { load_addr: 0x0e10_0000, image_id: 0, size: 1234 },
            paged: Some(ImageDesc { load_addr: LOADER_DECIDES, image_id: 1, size: 99 }),
        };
        let mut buf = [0u8; 64];
        let n = h.encode(&mut buf).unwrap();
        assert_eq!(n, 44);
        assert_eq!(Header::parse(&buf[..n]).unwrap(), h);
        let mut small = [0u8; 20];
        assert_eq!(h.encode(&mut small), None);
    }

    #[test]
    fn refuses_malformed_headers() {
        assert_eq!(Header::parse(&DEBIAN_HEADER[..10]), Err(HeaderError::Truncated));
        let mut bad = DEBIAN_HEADER;
        bad[0] = b'X';
        assert_eq!(Header::parse(&bad), Err(HeaderError::BadMagic));
        let mut bad = DEBIAN_HEADER;
        bad[4] = 1;
        assert_eq!(Header::parse(&bad), Err(HeaderError::BadVersion));
        let mut bad = DEBIAN_HEADER;
        bad[5] = 0;
        assert_eq!(Header::parse(&bad), Err(HeaderError::NotAarch64));
        let mut bad = DEBIAN_HEADER;
        bad[8] = 3;
        assert_eq!(Header::parse(&bad), Err(HeaderError::BadImageCount));
        let mut bad = DEBIAN_HEADER;
        bad[20] = 1;
        assert_eq!(Header::parse(&bad), Err(HeaderError::BadImageOrder));
    }

    #[test]
    fn never_panics_on_short_input() {
        for len in 0..DEBIAN_HEADER.len() {
            let _ = Header::parse(&DEBIAN_HEADER[..len]);
        }
    }
}
