//! The TA ELF: validate a verified image and describe how to map it.
//!
//! Requirements are ldelf's (optee_os 4.5.0 `ldelf/ta_elf.c`), with a few
//! deliberate tightenings because this kernel, not a user-mode ldelf, loads
//! the TA: no W+X segment, no byte overlap, no page shared by segments of
//! different permissions, every relocation validated before anything is
//! written. Nothing here touches hardware: [`TaImage::load`] fills a byte
//! buffer the caller then maps.
//!
//! Crate choice: `goblin` (no_std + alloc) decodes the fixed-size records
//! (ELF header, program/section headers, symbols, `Elf64_Rela`, `Elf64_Dyn`)
//! with bounds-checked reads and count sanity checks. Its all-in-one
//! `Elf::parse` is deliberately not used: it also walks hash tables, version
//! sections and `.symtab`, and silently maps unresolvable dynamic addresses to
//! file offset 0. We read only the tables ldelf reads, and check each one.

use alloc::vec::Vec;

use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{EI_CLASS, EI_DATA, EI_OSABI, EI_VERSION, ELFCLASS64, ELFDATA2LSB};
use goblin::elf::header::{EM_AARCH64, ET_DYN, EV_CURRENT};
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_LOAD};
use goblin::elf::section_header::{SHT_DYNSYM, SHT_STRTAB, SHT_SYMTAB};
use goblin::elf::sym::{STB_GLOBAL, STB_WEAK, Symtab};
use goblin::elf::{Elf, ProgramHeader, SectionHeader};

use super::error::TaError;
use super::head::{TA_HEAD_SIZE, TaHead};
use super::reloc::{self, Reloc};

/// Translation granule: segments are mapped in 4 KiB pages.
pub const PAGE_SIZE: u64 = 4096;
/// A reasonable bound on a TA's mapped span, for [`TaImage::parse`].
pub const DEFAULT_MAX_SPAN: usize = 4 << 20;
/// `sizeof(Elf64_Sym)`, also `sizeof(Elf64_Rela)`.
pub(super) const ENTRY_SIZE_24: u64 = 24;
const EHDR_SIZE: u16 = 64;
const PHDR_SIZE: u16 = 56;
const SHDR_SIZE: u16 = 64;
const ELFOSABI_NONE: u8 = 0;

/// Access permissions of a segment, from `p_flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Perms {
    /// `PF_R`.
    pub read: bool,
    /// `PF_W`.
    pub write: bool,
    /// `PF_X`.
    pub exec: bool,
}

/// One validated `PT_LOAD` segment. Addresses are offsets from the load base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// `p_vaddr`.
    pub vaddr: u64,
    /// `p_memsz` (bytes past `filesz` are zero).
    pub memsz: u64,
    /// `p_filesz`.
    pub filesz: u64,
    /// `p_offset`: where the file data starts in the image.
    pub offset: u64,
    /// Permissions; never both `write` and `exec`.
    pub perms: Perms,
}

impl Segment {
    /// Returns the end of the segment in memory (`vaddr + memsz`).
    pub const fn end(&self) -> u64 {
        // Checked at parse time; saturating for hand-built values.
        self.vaddr.saturating_add(self.memsz)
    }

    /// Returns the page-aligned range `[start, end)` to map for this segment.
    pub const fn page_range(&self) -> (u64, u64) {
        // end <= span <= max_span, so rounding up cannot overflow.
        (page_down(self.vaddr), page_up(self.end()))
    }

    /// Returns whether `[at, at + len)` lies inside the segment's memory.
    pub(super) fn contains(&self, at: u64, len: u64) -> bool {
        at >= self.vaddr && at.checked_add(len).is_some_and(|e| e <= self.end())
    }
}

/// A validated TA image, ready to be loaded at any page-aligned base.
#[derive(Debug, Clone)]
pub struct TaImage<'a> {
    image: &'a [u8],
    segments: Vec<Segment>,
    relocs: Vec<Reloc>,
    span: u64,
    entry: u64,
    head: TaHead,
    head_vaddr: u64,
}

impl<'a> TaImage<'a> {
    /// Validates `image` (the payload of a verified `.ta`) and plans its load.
    ///
    /// `max_span` bounds the mapped size (`TaError::TooLarge` beyond it).
    pub fn parse(image: &'a [u8], max_span: usize) -> Result<Self, TaError> {
        let Headers { phdrs, segments, span, entry, shdrs, ctx, .. } = Headers::parse(image, max_span)?;
        check_entry(&segments, entry)?;
        let relocs = reloc::collect(image, &phdrs, &shdrs, &segments, span, ctx)?;

        let head_vaddr = match find_ta_head(image, &shdrs, ctx)? {
            Some(v) => v,
            // Older TAs: ta_head is the first bytes of the first segment.
            None => segments.first().map(|s| s.vaddr).ok_or(TaError::NoSegments)?,
        };
        let head_bytes = file_bytes(image, &segments, head_vaddr, TA_HEAD_SIZE as u64).ok_or(TaError::BadTaHead)?;
        let head = TaHead::parse(head_bytes)?;

        Ok(Self { image, segments, relocs, span, entry, head, head_vaddr })
    }

    /// Returns the validated `PT_LOAD` segments, sorted by address.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Returns the bytes to reserve: highest segment end, rounded up to a page.
    pub fn span(&self) -> usize {
        // span <= max_span, which came from a usize.
        usize::try_from(self.span).unwrap_or(usize::MAX)
    }

    /// Returns the entry point (`e_entry`) as an offset from the load base.
    pub fn entry(&self) -> u64 {
        self.entry
    }

    /// Returns the decoded `ta_head`.
    pub fn head(&self) -> &TaHead {
        &self.head
    }

    /// Returns where `ta_head` lives, as an offset from the load base.
    pub fn head_offset(&self) -> u64 {
        self.head_vaddr
    }

    /// Returns the number of relocations [`load`](Self::load) will apply.
    pub fn relocation_count(&self) -> usize {
        self.relocs.len()
    }

    /// Fills `mem` (the whole span, to be mapped at virtual address `base`):
    /// copies each segment's file data, zeroes everything else (bss, gaps),
    /// then applies the relocations for `base`.
    ///
    /// `base` must be page-aligned and `mem.len()` must equal
    /// [`span`](Self::span).
    pub fn load(&self, base: u64, mem: &mut [u8]) -> Result<(), TaError> {
        if !base.is_multiple_of(PAGE_SIZE) || base.checked_add(self.span).is_none() {
            return Err(TaError::BadLoadBase);
        }
        if u64::try_from(mem.len()).ok() != Some(self.span) {
            return Err(TaError::BadBufferSize);
        }
        mem.fill(0);
        for s in &self.segments {
            let src = range(self.image, s.offset, s.filesz).ok_or(TaError::BadSegment)?;
            let dst = range_mut(mem, s.vaddr, s.filesz).ok_or(TaError::BadSegment)?;
            dst.copy_from_slice(src);
        }
        reloc::apply(&self.relocs, base, mem)
    }
}

/// The validated headers of an ELF image (any `ET_DYN` object: a TA or a
/// TA shared library).
pub(super) struct Headers {
    pub phoff: u64,
    pub phdrs: Vec<ProgramHeader>,
    pub segments: Vec<Segment>,
    pub span: u64,
    pub entry: u64,
    pub shdrs: Vec<SectionHeader>,
    pub ctx: Ctx,
}

impl Headers {
    /// Checks the ELF header as ldelf does and validates the program and
    /// section headers; `max_span` bounds the mapped size.
    pub(super) fn parse(image: &[u8], max_span: usize) -> Result<Headers, TaError> {
        let max_span = u64::try_from(max_span).map_err(|_| TaError::TooLarge)?;
        let hdr = Elf::parse_header(image).map_err(|_| TaError::BadElfHeader)?;
        let id = hdr.e_ident;
        if id[EI_CLASS] != ELFCLASS64
            || id[EI_DATA] != ELFDATA2LSB
            || id[EI_VERSION] != EV_CURRENT
            || id[EI_OSABI] != ELFOSABI_NONE
            || hdr.e_type != ET_DYN
            || hdr.e_machine != EM_AARCH64
            || hdr.e_version != u32::from(EV_CURRENT)
            || hdr.e_flags != 0
            || hdr.e_ehsize != EHDR_SIZE
            || hdr.e_phentsize != PHDR_SIZE
            || hdr.e_shentsize != SHDR_SIZE
        {
            return Err(TaError::BadElfHeader);
        }
        let ctx = Ctx::new(Container::Big, Endian::Little);
        let phoff = usize::try_from(hdr.e_phoff).map_err(|_| TaError::BadElfHeader)?;
        let phdrs =
            ProgramHeader::parse(image, phoff, usize::from(hdr.e_phnum), ctx).map_err(|_| TaError::BadElfHeader)?;
        let segments = load_segments(&phdrs, image.len(), max_span)?;
        let span = segments.iter().map(Segment::end).max().map(page_up).ok_or(TaError::NoSegments)?;
        if span > max_span {
            return Err(TaError::TooLarge);
        }
        let shdrs = if hdr.e_shnum == 0 {
            Vec::new()
        } else {
            let shoff = usize::try_from(hdr.e_shoff).map_err(|_| TaError::BadElfHeader)?;
            SectionHeader::parse(image, shoff, usize::from(hdr.e_shnum), ctx).map_err(|_| TaError::BadElfHeader)?
        };
        Ok(Headers { phoff: hdr.e_phoff, phdrs, segments, span, entry: hdr.e_entry, shdrs, ctx })
    }
}

/// The entry point must be inside an executable segment's file data.
pub(super) fn check_entry(segments: &[Segment], entry: u64) -> Result<(), TaError> {
    if !segments.iter().any(|s| s.perms.exec && s.vaddr <= entry && entry - s.vaddr < s.filesz) {
        return Err(TaError::BadEntry);
    }
    Ok(())
}

/// Validates the `PT_LOAD` headers and returns them sorted by address.
fn load_segments(phdrs: &[ProgramHeader], file_len: usize, max_span: u64) -> Result<Vec<Segment>, TaError> {
    let file_len = u64::try_from(file_len).map_err(|_| TaError::BadSegment)?;
    let mut segs = Vec::new();
    for ph in phdrs.iter().filter(|p| p.p_type == PT_LOAD && (p.p_memsz != 0 || p.p_filesz != 0)) {
        let file_end = ph.p_offset.checked_add(ph.p_filesz).ok_or(TaError::BadSegment)?;
        let mem_end = ph.p_vaddr.checked_add(ph.p_memsz).ok_or(TaError::BadSegment)?;
        if ph.p_filesz > ph.p_memsz || file_end > file_len || ph.p_vaddr % PAGE_SIZE != ph.p_offset % PAGE_SIZE {
            return Err(TaError::BadSegment);
        }
        if mem_end > max_span {
            return Err(TaError::TooLarge);
        }
        let perms = Perms { read: ph.p_flags & PF_R != 0, write: ph.p_flags & PF_W != 0, exec: ph.p_flags & PF_X != 0 };
        if perms.write && perms.exec {
            return Err(TaError::WriteExecSegment);
        }
        if !perms.read {
            return Err(TaError::UnreadableSegment);
        }
        segs.push(Segment { vaddr: ph.p_vaddr, memsz: ph.p_memsz, filesz: ph.p_filesz, offset: ph.p_offset, perms });
    }
    segs.sort_unstable_by_key(|s| s.vaddr);
    for pair in segs.windows(2) {
        let [a, b] = pair else { continue };
        let shares_page = page_down(b.vaddr) < page_up(a.end());
        if b.vaddr < a.end() || (shares_page && a.perms != b.perms) {
            return Err(TaError::OverlappingSegments);
        }
    }
    Ok(segs)
}

/// Looks `ta_head` up in `.dynsym` (the first `SHT_DYNSYM` section), as
/// ldelf does since "ta: relax location of ta_head". `None` when the image
/// has no `.dynsym` or does not export the symbol.
pub(super) fn find_ta_head(image: &[u8], shdrs: &[SectionHeader], ctx: Ctx) -> Result<Option<u64>, TaError> {
    let Some(dynsym) = shdrs.iter().find(|s| s.sh_type == SHT_DYNSYM) else {
        return Ok(None);
    };
    let syms = symtab(image, dynsym, ctx)?;
    let strtab = linked_strtab(image, shdrs, dynsym)?;
    for sym in syms.iter() {
        let bind = sym.st_bind();
        if sym.st_shndx != 0 && (bind == STB_GLOBAL || bind == STB_WEAK) && name_is(strtab, sym.st_name, b"ta_head") {
            return Ok(Some(sym.st_value));
        }
    }
    Ok(None)
}

/// Parses the symbol table described by section header `sh`.
pub(super) fn symtab<'a>(image: &'a [u8], sh: &SectionHeader, ctx: Ctx) -> Result<Symtab<'a>, TaError> {
    if (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB)
        || sh.sh_entsize != ENTRY_SIZE_24
        || !sh.sh_size.is_multiple_of(ENTRY_SIZE_24)
        || range(image, sh.sh_offset, sh.sh_size).is_none()
    {
        return Err(TaError::BadSection);
    }
    let count = usize::try_from(sh.sh_size / ENTRY_SIZE_24).map_err(|_| TaError::BadSection)?;
    if count == 0 {
        return Ok(Symtab::default());
    }
    let offset = usize::try_from(sh.sh_offset).map_err(|_| TaError::BadSection)?;
    Symtab::parse(image, offset, count, ctx).map_err(|_| TaError::BadSection)
}

/// Returns the bytes of the string table a symbol table links to.
pub(super) fn linked_strtab<'a>(
    image: &'a [u8],
    shdrs: &[SectionHeader],
    symtab: &SectionHeader,
) -> Result<&'a [u8], TaError> {
    let idx = usize::try_from(symtab.sh_link).map_err(|_| TaError::BadSection)?;
    let sh = shdrs.get(idx).ok_or(TaError::BadSection)?;
    if sh.sh_type != SHT_STRTAB {
        return Err(TaError::BadSection);
    }
    range(image, sh.sh_offset, sh.sh_size).ok_or(TaError::BadSection)
}

/// Returns whether the NUL-terminated string at `at` in `strtab` is `name`.
pub(super) fn name_is(strtab: &[u8], at: usize, name: &[u8]) -> bool {
    let end = at.saturating_add(name.len());
    strtab.get(at..end) == Some(name) && strtab.get(end) == Some(&0)
}

/// Returns the segment whose memory contains `vaddr` (`segs` sorted and
/// disjoint, as [`load_segments`] returns them).
pub(super) fn segment_at(segs: &[Segment], vaddr: u64) -> Option<&Segment> {
    let idx = segs.partition_point(|s| s.vaddr <= vaddr);
    segs.get(idx.checked_sub(1)?).filter(|s| vaddr < s.end())
}

/// Maps `[vaddr, vaddr + len)` to a file offset, if one segment's file data
/// covers all of it.
pub(super) fn file_offset(segs: &[Segment], vaddr: u64, len: u64) -> Option<u64> {
    let s = segment_at(segs, vaddr)?;
    let rel = vaddr - s.vaddr;
    (rel.checked_add(len)? <= s.filesz).then_some(s.offset.checked_add(rel)?)
}

/// Returns the file bytes backing `[vaddr, vaddr + len)`.
pub(super) fn file_bytes<'a>(image: &'a [u8], segs: &[Segment], vaddr: u64, len: u64) -> Option<&'a [u8]> {
    range(image, file_offset(segs, vaddr, len)?, len)
}

/// Returns `buf[start..start + len]`, or `None` if out of bounds.
pub(super) fn range(buf: &[u8], start: u64, len: u64) -> Option<&[u8]> {
    let start = usize::try_from(start).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    buf.get(start..end)
}

/// Returns `buf[start..start + len]` mutably, or `None` if out of bounds.
pub(super) fn range_mut(buf: &mut [u8], start: u64, len: u64) -> Option<&mut [u8]> {
    let start = usize::try_from(start).ok()?;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    buf.get_mut(start..end)
}

const fn page_down(a: u64) -> u64 {
    a & !(PAGE_SIZE - 1)
}

pub(super) const fn page_up(a: u64) -> u64 {
    // Callers pass values bounded by max_span (a usize), far below u64::MAX.
    page_down(a.saturating_add(PAGE_SIZE - 1))
}
