//! AArch64 dynamic relocations of a TA: collected and checked at parse time,
//! applied at load time.
//!
//! Sources, in ldelf's order of preference: every `SHT_RELA` section (ldelf
//! `ta_elf_relocate`, symbols from the section's `sh_link`); if the image has
//! no section headers at all, the `DT_RELA` and `DT_JMPREL` tables of
//! `PT_DYNAMIC` with symbols from `DT_SYMTAB`.
//!
//! Types and values (ldelf `e64_relocate`): NONE is skipped; RELATIVE is
//! `base + A`; ABS64, GLOB_DAT and JUMP_SLOT are `S + A` with `S = base +
//! st_value` for a symbol defined in this ELF. There are no shared libraries
//! yet, so an undefined symbol is `BAD_FORMAT`, except an undefined *weak* one,
//! which resolves to 0 as in ldelf. TLS relocations are not supported.

use alloc::vec::Vec;

use goblin::container::Ctx;
use goblin::elf::dynamic::{DT_JMPREL, DT_NEEDED, DT_PLTREL, DT_PLTRELSZ, DT_REL, DT_RELA};
use goblin::elf::dynamic::{DT_RELAENT, DT_RELASZ, DT_RELSZ, DT_SYMENT, DT_SYMTAB, Dynamic};
use goblin::elf::reloc::RelocSection;
use goblin::elf::section_header::{SHN_ABS, SHN_UNDEF, SHT_REL, SHT_RELA};
use goblin::elf::sym::{STB_WEAK, STT_FUNC, STT_NOTYPE, STT_OBJECT, STT_SECTION, Symtab};
use goblin::elf::{ProgramHeader, SectionHeader};

use super::elf::{ENTRY_SIZE_24, Segment, file_offset, range, range_mut, segment_at, symtab};
use super::error::TaError;

/// `R_AARCH64_NONE`.
pub const R_AARCH64_NONE: u32 = 0;
/// `R_AARCH64_ABS64`.
pub const R_AARCH64_ABS64: u32 = 257;
/// `R_AARCH64_GLOB_DAT`.
pub const R_AARCH64_GLOB_DAT: u32 = 1025;
/// `R_AARCH64_JUMP_SLOT`.
pub const R_AARCH64_JUMP_SLOT: u32 = 1026;
/// `R_AARCH64_RELATIVE`.
pub const R_AARCH64_RELATIVE: u32 = 1027;

/// Bytes a 64-bit relocation writes.
const WORD: u64 = 8;

/// One checked relocation: write [`Value`] for `base` at `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Reloc {
    offset: u64,
    value: Value,
}

/// What a relocation writes, before the load base is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    /// `base + addend` (RELATIVE, and symbols defined in this ELF).
    BasePlus(i128),
    /// A constant (undefined weak symbols, `SHN_ABS` symbols).
    Absolute(i128),
}

/// Collects and checks every relocation of the image.
pub(super) fn collect(
    image: &[u8],
    phdrs: &[ProgramHeader],
    shdrs: &[SectionHeader],
    segs: &[Segment],
    span: u64,
    ctx: Ctx,
) -> Result<Vec<Reloc>, TaError> {
    let dynamic = Dynamic::parse(image, phdrs, ctx).map_err(|_| TaError::BadSection)?;
    let dyns = dynamic.as_ref().map(|d| d.dyns.as_slice()).unwrap_or_default();
    if dyns.iter().any(|d| d.d_tag == DT_NEEDED) {
        return Err(TaError::SharedLibrariesUnsupported);
    }
    let mut out = Vec::new();
    if shdrs.is_empty() {
        from_dynamic(image, dyns, segs, span, ctx, &mut out)?;
        return Ok(out);
    }
    for sh in shdrs {
        if sh.sh_type == SHT_REL {
            return Err(TaError::UnsupportedRelocation);
        }
        if sh.sh_type != SHT_RELA {
            continue;
        }
        if sh.sh_entsize != ENTRY_SIZE_24 || !sh.sh_size.is_multiple_of(ENTRY_SIZE_24) {
            return Err(TaError::BadSection);
        }
        let syms = match sh.sh_link {
            0 => Symtab::default(),
            link => {
                let idx = usize::try_from(link).map_err(|_| TaError::BadSection)?;
                symtab(image, shdrs.get(idx).ok_or(TaError::BadSection)?, ctx)?
            }
        };
        let relas = rela_table(image, sh.sh_offset, sh.sh_size, ctx)?;
        push_all(&relas, &syms, segs, span, &mut out)?;
    }
    Ok(out)
}

/// Collects `DT_RELA` and `DT_JMPREL` relocations (images without sections).
fn from_dynamic(
    image: &[u8],
    dyns: &[goblin::elf::dynamic::Dyn],
    segs: &[Segment],
    span: u64,
    ctx: Ctx,
    out: &mut Vec<Reloc>,
) -> Result<(), TaError> {
    let tag = |t: u64| dyns.iter().find(|d| d.d_tag == t).map(|d| d.d_val);
    if tag(DT_RELSZ).is_some_and(|n| n != 0) || tag(DT_REL).is_some() {
        return Err(TaError::UnsupportedRelocation);
    }
    if tag(DT_RELAENT).is_some_and(|n| n != ENTRY_SIZE_24)
        || tag(DT_SYMENT).is_some_and(|n| n != ENTRY_SIZE_24)
        || tag(DT_PLTREL).is_some_and(|n| n != DT_RELA)
    {
        return Err(TaError::BadSection);
    }
    let mut tables = Vec::new();
    for (addr_tag, size_tag) in [(DT_RELA, DT_RELASZ), (DT_JMPREL, DT_PLTRELSZ)] {
        let (Some(addr), Some(size)) = (tag(addr_tag), tag(size_tag)) else {
            continue;
        };
        if !size.is_multiple_of(ENTRY_SIZE_24) {
            return Err(TaError::BadSection);
        }
        let offset = file_offset(segs, addr, size).ok_or(TaError::BadSection)?;
        tables.push(rela_table(image, offset, size, ctx)?);
    }
    // DT_SYMTAB has no size: cover the highest index any relocation uses.
    let count = tables.iter().flat_map(|t| t.iter()).map(|r| r.r_sym).max().unwrap_or(0);
    let syms = match (tag(DT_SYMTAB), count) {
        (Some(addr), n) if n > 0 => {
            let n = n.checked_add(1).ok_or(TaError::BadSymbol)?;
            let len = u64::try_from(n).ok().and_then(|n| n.checked_mul(ENTRY_SIZE_24));
            let off = len.and_then(|len| file_offset(segs, addr, len)).ok_or(TaError::BadSymbol)?;
            let off = usize::try_from(off).map_err(|_| TaError::BadSymbol)?;
            Symtab::parse(image, off, n, ctx).map_err(|_| TaError::BadSymbol)?
        }
        _ => Symtab::default(),
    };
    for t in &tables {
        push_all(t, &syms, segs, span, out)?;
    }
    Ok(())
}

pub(super) fn rela_table<'a>(image: &'a [u8], off: u64, size: u64, ctx: Ctx) -> Result<RelocSection<'a>, TaError> {
    range(image, off, size).ok_or(TaError::BadSection)?;
    let off = usize::try_from(off).map_err(|_| TaError::BadSection)?;
    let size = usize::try_from(size).map_err(|_| TaError::BadSection)?;
    RelocSection::parse(image, off, size, true, ctx).map_err(|_| TaError::BadSection)
}

/// Checks every entry of one RELA table against `syms` and the segments.
fn push_all(
    relas: &RelocSection<'_>,
    syms: &Symtab<'_>,
    segs: &[Segment],
    span: u64,
    out: &mut Vec<Reloc>,
) -> Result<(), TaError> {
    out.try_reserve(relas.len()).map_err(|_| TaError::TooLarge)?;
    for r in relas.iter() {
        let addend = i128::from(r.r_addend.unwrap_or(0));
        let value = match r.r_type {
            R_AARCH64_NONE => continue,
            R_AARCH64_RELATIVE => Value::BasePlus(addend),
            R_AARCH64_ABS64 | R_AARCH64_GLOB_DAT | R_AARCH64_JUMP_SLOT => symbol_value(syms, r.r_sym, addend, span)?,
            _ => return Err(TaError::UnsupportedRelocation),
        };
        if !segment_at(segs, r.r_offset).is_some_and(|s| s.contains(r.r_offset, WORD)) {
            return Err(TaError::BadRelocation);
        }
        out.push(Reloc { offset: r.r_offset, value });
    }
    Ok(())
}

/// Resolves `S + A` for symbol `idx` of this ELF.
fn symbol_value(syms: &Symtab<'_>, idx: usize, addend: i128, span: u64) -> Result<Value, TaError> {
    let sym = syms.get(idx).ok_or(TaError::BadSymbol)?;
    let shndx = u32::try_from(sym.st_shndx).map_err(|_| TaError::BadSymbol)?;
    if shndx == SHN_UNDEF {
        // ldelf: an unresolved weak reference is 0 (and ignores A).
        return match sym.st_bind() {
            STB_WEAK => Ok(Value::Absolute(0)),
            _ => Err(TaError::UndefinedSymbol),
        };
    }
    if !matches!(sym.st_type(), STT_NOTYPE | STT_OBJECT | STT_FUNC | STT_SECTION) {
        // STT_TLS needs the TLS layout; STT_GNU_IFUNC a resolver call.
        return Err(TaError::UnsupportedRelocation);
    }
    let value = i128::from(sym.st_value);
    if shndx == SHN_ABS {
        return Ok(Value::Absolute(value + addend));
    }
    if sym.st_value > span {
        return Err(TaError::BadSymbol);
    }
    Ok(Value::BasePlus(value + addend))
}

/// Writes every relocation into `mem`, the span mapped at `base`.
pub(super) fn apply(relocs: &[Reloc], base: u64, mem: &mut [u8]) -> Result<(), TaError> {
    for r in relocs {
        let v = match r.value {
            Value::BasePlus(a) => i128::from(base) + a,
            Value::Absolute(a) => a,
        };
        let v = u64::try_from(v).map_err(|_| TaError::BadRelocation)?;
        let dst = range_mut(mem, r.offset, WORD).ok_or(TaError::BadRelocation)?;
        dst.copy_from_slice(&v.to_le_bytes());
    }
    Ok(())
}
