//! From a signed TA file to a memory image: signature check and ELF layout
//! (`crate::ta`), expressed as the page ranges the instance maps.

extern crate alloc;

use alloc::vec::Vec;

use tee_abi::result::TeeError;

use crate::mm::pagetable::Perm;
use crate::session::Uuid;
use crate::ta::{self, TaError, TaImage, TaPublicKey};

/// Largest image span a TA may have.
pub const MAX_SPAN: usize = 4 << 20;

/// One page-aligned range of the image and how the TA may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Offset from the image base.
    pub offset: u64,
    /// Length (whole pages).
    pub len: u64,
    /// Permissions.
    pub perm: Perm,
}

/// A verified TA, ready to be copied into memory.
pub struct Prepared {
    /// Bytes the image spans (whole pages).
    pub span: u64,
    /// Its segments (page ranges of equal permissions merged).
    pub segments: Vec<Segment>,
    /// Entry point offset.
    pub entry: u64,
    /// Stack bytes from `ta_head`.
    pub stack_size: u64,
    /// `ta_head.flags`.
    pub flags: u32,
    /// The verified ELF (a private copy).
    elf: Vec<u8>,
}

fn code(e: TaError) -> TeeError {
    crate::session::raw_error(u32::from(e.tee_error()))
}

/// Verifies `file` as the signed TA `uuid` with the kernel's built-in key and
/// lays out its ELF.
pub fn prepare(file: &[u8], uuid: &Uuid) -> Result<Prepared, TeeError> {
    let uuid = tee_abi::uuid::Uuid::from_octets(*uuid);
    let (verified, image) = ta::prepare(file, &uuid, &TaPublicKey::BUILTIN, MAX_SPAN)
        .inspect_err(|e| log::warn!("TA {uuid} refused: {e:?}"))
        .map_err(code)?;
    let mut segments: Vec<Segment> = Vec::new();
    for s in image.segments() {
        let (start, end) = s.page_range();
        let perm = if s.perms.exec {
            Perm::ReadExecute
        } else if s.perms.write {
            Perm::ReadWrite
        } else {
            Perm::ReadOnly
        };
        // Segments of equal permissions may share a page: map it once.
        match segments.last_mut() {
            Some(last) if last.perm == perm && start < last.offset + last.len => {
                last.len = end.max(last.offset + last.len) - last.offset;
            }
            _ => segments.push(Segment { offset: start, len: end - start, perm }),
        }
    }
    Ok(Prepared {
        span: image.span() as u64,
        segments,
        entry: image.entry(),
        stack_size: u64::from(image.head().stack_size),
        flags: image.head().flags,
        elf: crate::params::try_copy(verified.image).map_err(|_| TeeError::OutOfMemory)?,
    })
}

/// Copies the image into `buf` (mapped at `base`) and relocates it.
pub fn load(p: &Prepared, base: u64, buf: &mut [u8]) -> Result<(), TeeError> {
    let image = TaImage::parse(&p.elf, MAX_SPAN).map_err(code)?;
    let span = image.span();
    let target = buf.get_mut(..span).ok_or(TeeError::OutOfMemory)?;
    image.load(base, target).map_err(code)
}
