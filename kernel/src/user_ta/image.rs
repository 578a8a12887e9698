//! From a signed TA file to a memory image: signature check and ELF layout
//! (`crate::ta`), expressed as the page ranges the instance maps.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result;

use crate::mm::pagetable::Perm;
use crate::session::Uuid;

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
    /// Its segments.
    pub segments: Vec<Segment>,
    /// Entry point offset.
    pub entry: u64,
    /// Stack bytes from `ta_head`.
    pub stack_size: u64,
    /// `ta_head.flags`.
    pub flags: u32,
    elf: Vec<u8>,
}

/// Verifies `file` as the signed TA `uuid` and lays out its ELF.
pub fn prepare(file: &[u8], uuid: &Uuid) -> Result<Prepared, u32> {
    let _ = (file, uuid);
    Err(result::ERROR_NOT_SUPPORTED)
}

/// Copies the image into `buf` (mapped at `base`) and relocates it.
pub fn load(p: &Prepared, base: u64, buf: &mut [u8]) -> Result<(), u32> {
    let _ = (p.elf.len(), base, buf);
    Err(result::ERROR_NOT_SUPPORTED)
}
