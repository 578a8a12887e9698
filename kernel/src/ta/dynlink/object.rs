//! One ELF object of a TA's link map (the TA or a TA shared library): its
//! validated layout, the libraries it names and its dynamic symbols.
//!
//! Facts from optee_os 4.5.0 `ldelf/ta_elf.c`: a `DT_NEEDED` string is the
//! library's UUID in text form (`add_deps_from_segment` runs
//! `tee_uuid_from_str` on it, which refuses anything else with
//! `TEE_ERROR_BAD_FORMAT`); `PT_TLS` gives the object's TLS block; symbols
//! are looked up in the first `SHT_DYNSYM` section (`save_symtab`).

use alloc::vec::Vec;

use goblin::container::Ctx;
use goblin::elf::dynamic::{DT_NEEDED, DT_SONAME, DT_STRSZ, DT_STRTAB, Dynamic};
use goblin::elf::program_header::PT_TLS;
use goblin::elf::section_header::SHT_DYNSYM;
use goblin::elf::sym::Symtab;
use goblin::elf::{ProgramHeader, SectionHeader};
use tee_abi::uuid::Uuid;

use super::super::elf::{Headers, Segment, file_offset, linked_strtab, range, symtab};
use super::super::error::TaError;
use super::MAX_NEEDED;

/// An object's `PT_TLS` segment (offsets from its load base).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsSegment {
    /// `p_vaddr` (`.tdata` starts here).
    pub vaddr: u64,
    /// `p_filesz` (`.tdata`).
    pub filesz: u64,
    /// `p_memsz` (`.tdata` + `.tbss`).
    pub memsz: u64,
}

/// A validated ELF object, not yet placed.
pub struct Object<'a> {
    pub(super) image: &'a [u8],
    pub(super) headers: Headers,
    /// UUIDs of `DT_NEEDED`, in order.
    pub needed: Vec<Uuid>,
    /// `DT_SONAME` (without its NUL), if any.
    pub soname: Option<&'a [u8]>,
    /// The `PT_TLS` segment, if any.
    pub tls: Option<TlsSegment>,
    pub(super) dynsym: Option<(Symtab<'a>, &'a [u8])>,
}

impl<'a> Object<'a> {
    /// Validates `image` (a verified ELF) as a loadable object.
    pub fn parse(image: &'a [u8], max_span: usize) -> Result<Object<'a>, TaError> {
        let headers = Headers::parse(image, max_span)?;
        let tls = tls_segment(&headers.phdrs, headers.span)?;
        let (needed, soname) = dynamic_names(image, &headers)?;
        let dynsym = match headers.shdrs.iter().find(|s| s.sh_type == SHT_DYNSYM) {
            Some(sh) => Some((symtab(image, sh, headers.ctx)?, linked_strtab(image, &headers.shdrs, sh)?)),
            None => None,
        };
        Ok(Object { image, headers, needed, soname, tls, dynsym })
    }

    /// The validated `PT_LOAD` segments, sorted by address.
    pub fn segments(&self) -> &[Segment] {
        &self.headers.segments
    }

    /// Bytes the object spans (whole pages).
    pub fn span(&self) -> u64 {
        self.headers.span
    }

    /// `e_entry` (meaningful for the TA itself).
    pub fn entry(&self) -> u64 {
        self.headers.entry
    }

    /// The program headers, as `dl_iterate_phdr` reports them.
    pub fn program_headers(&self) -> &[ProgramHeader] {
        &self.headers.phdrs
    }

    pub(in crate::ta) fn sections(&self) -> &[SectionHeader] {
        &self.headers.shdrs
    }

    pub(in crate::ta) fn ctx(&self) -> Ctx {
        self.headers.ctx
    }
}

fn tls_segment(phdrs: &[ProgramHeader], span: u64) -> Result<Option<TlsSegment>, TaError> {
    let Some(ph) = phdrs.iter().find(|p| p.p_type == PT_TLS) else {
        return Ok(None);
    };
    let end = ph.p_vaddr.checked_add(ph.p_filesz).ok_or(TaError::BadSegment)?;
    if ph.p_filesz > ph.p_memsz || end > span {
        return Err(TaError::BadSegment);
    }
    Ok(Some(TlsSegment { vaddr: ph.p_vaddr, filesz: ph.p_filesz, memsz: ph.p_memsz }))
}

/// Reads `DT_NEEDED` (as UUIDs) and `DT_SONAME` through `DT_STRTAB`.
fn dynamic_names<'a>(image: &'a [u8], h: &Headers) -> Result<(Vec<Uuid>, Option<&'a [u8]>), TaError> {
    let dynamic = Dynamic::parse(image, &h.phdrs, h.ctx).map_err(|_| TaError::BadSection)?;
    let dyns = dynamic.as_ref().map(|d| d.dyns.as_slice()).unwrap_or_default();
    let tag = |t: u64| dyns.iter().find(|d| d.d_tag == t).map(|d| d.d_val);
    let wants_names = dyns.iter().any(|d| d.d_tag == DT_NEEDED || d.d_tag == DT_SONAME);
    if !wants_names {
        return Ok((Vec::new(), None));
    }
    let (Some(addr), Some(size)) = (tag(DT_STRTAB), tag(DT_STRSZ)) else {
        return Err(TaError::BadSection);
    };
    let strtab = file_offset(&h.segments, addr, size).and_then(|o| range(image, o, size)).ok_or(TaError::BadSection)?;
    let string = |off: u64| -> Result<&'a [u8], TaError> {
        let tail = usize::try_from(off).ok().and_then(|o| strtab.get(o..)).ok_or(TaError::BadSection)?;
        let len = tail.iter().position(|&b| b == 0).ok_or(TaError::BadSection)?;
        Ok(&tail[..len])
    };
    let mut needed = Vec::new();
    for d in dyns.iter().filter(|d| d.d_tag == DT_NEEDED) {
        if needed.len() >= MAX_NEEDED {
            return Err(TaError::TooManyObjects);
        }
        let name = string(d.d_val)?;
        let uuid = core::str::from_utf8(name).ok().and_then(|s| Uuid::parse(s).ok()).ok_or(TaError::BadNeeded)?;
        needed.try_reserve(1).map_err(|_| TaError::TooLarge)?;
        needed.push(uuid);
    }
    let soname = tag(DT_SONAME).map(string).transpose()?;
    Ok((needed, soname))
}
