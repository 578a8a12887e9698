//! The link map of a TA: objects in ldelf's load order, symbol lookup across
//! them and the relocation of one object.
//!
//! Facts from optee_os 4.5.0 `ldelf/ta_elf_rel.c`:
//! - `ta_elf_resolve_sym`: a lookup scoped to one object searches it first
//!   (global symbols, then weak ones); then every object in load order
//!   (the TA first), global before weak within each. Undefined symbols never
//!   match (they are not in the GNU hash table); `STT_TLS` symbols give their
//!   `st_value` unrelocated; other types than NOTYPE/OBJECT/FUNC/TLS are
//!   `TEE_ERROR_NOT_SUPPORTED`; a value past the object is `BAD_FORMAT`.
//! - `e64_relocate`: RELATIVE is `base + A`; ABS64 of a defined symbol is
//!   `base + st_value + A`, of an undefined one the looked-up value (no A);
//!   GLOB_DAT and JUMP_SLOT always look the name up (the TA's definition
//!   wins over a library's) and ignore A; TLS_TPREL is `S + tls_offset(module
//!   defining S) + A` (symbol 0: this object, S = 0). An undefined weak
//!   symbol that nothing defines is 0; a strong one is
//!   `TEE_ERROR_ITEM_NOT_FOUND`. Other types are `BAD_FORMAT`, among them
//!   TLS_DTPMOD64/DTPREL64, which 64-bit ldelf does not handle either.
//!   TLSDESC fills a two-word descriptor: a resolver function in the TA's
//!   address space (ldelf points it at its own `tlsdesc_resolve`, which
//!   returns the descriptor's second word) and the TLS_TPREL value. The
//!   kernel has no code in the TA's address space, so the caller maps a
//!   resolver page of its own ([`TLSDESC_RESOLVER_CODE`]) and names it
//!   with [`LinkMap::set_tlsdesc_resolver`]; without one TLSDESC is refused.
//! - `set_tls_offset` (`ta_elf.c`): each object with a `PT_TLS` gets the
//!   next offset in the thread control block, from 16 (two reserved words),
//!   in load order; libutee's `__utee_tcb_init` lays the blocks out the same.

use alloc::vec::Vec;

use goblin::elf::section_header::{SHN_UNDEF, SHT_REL, SHT_RELA};
use goblin::elf::sym::{STB_GLOBAL, STB_WEAK, STT_FUNC, STT_NOTYPE, STT_OBJECT, STT_TLS, Symtab};
use tee_abi::uuid::Uuid;

use super::super::elf::{ENTRY_SIZE_24, linked_strtab, range_mut, segment_at, symtab};
use super::super::error::TaError;
use super::super::reloc::{R_AARCH64_ABS64, R_AARCH64_GLOB_DAT, R_AARCH64_JUMP_SLOT, R_AARCH64_NONE};
use super::super::reloc::{R_AARCH64_RELATIVE, rela_table};
use super::MAX_OBJECTS;
use super::object::Object;

/// `R_AARCH64_TLS_TPREL64`.
pub const R_AARCH64_TLS_TPREL: u32 = 1030;
/// `R_AARCH64_TLSDESC`.
pub const R_AARCH64_TLSDESC: u32 = 1031;
/// The TLS descriptor resolver for static TLS, as ldelf's
/// (`ldelf/tlsdesc_rel_a64.S`, 4.5.0): `ldr x0, [x0, #8]; ret`. The
/// descriptor's second word already holds the variable's offset from the
/// thread pointer; the resolver clobbers nothing but x0 (the TLSDESC
/// calling convention allows x0, x1 and the flags).
pub const TLSDESC_RESOLVER_CODE: [u32; 2] = [0xf940_0400, 0xd65f_03c0];
/// Bytes of the TCB head before the first TLS block (AArch64, variant 1).
pub const TCB_HEAD_SIZE: u64 = 16;

/// An object placed at its load address.
pub struct Placed<'a> {
    /// The UUID it was loaded as.
    pub uuid: Uuid,
    /// The object.
    pub obj: Object<'a>,
    /// Its load address.
    pub base: u64,
    /// Offset of its TLS block from the thread pointer (0: no TLS).
    pub tls_offset: u64,
    /// Its dynamic symbols' indices, sorted by name (for lookups).
    by_name: Vec<usize>,
}

/// A symbol found by [`LinkMap::lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// The value (an address, or a TLS offset for `STT_TLS`).
    pub value: u64,
    /// Index of the defining object.
    pub object: usize,
}

/// Objects in load order; the TA is the first.
pub struct LinkMap<'a> {
    objects: Vec<Placed<'a>>,
    next_tls: u64,
    tlsdesc_resolver: Option<u64>,
}

impl Default for LinkMap<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> LinkMap<'a> {
    /// An empty map.
    pub fn new() -> Self {
        LinkMap { objects: Vec::new(), next_tls: TCB_HEAD_SIZE, tlsdesc_resolver: None }
    }

    /// Where [`TLSDESC_RESOLVER_CODE`] is mapped in the TA (executable);
    /// without it TLSDESC relocations are refused.
    pub fn set_tlsdesc_resolver(&mut self, va: u64) {
        self.tlsdesc_resolver = Some(va);
    }

    /// The objects, in load order.
    pub fn objects(&self) -> &[Placed<'a>] {
        &self.objects
    }

    /// Where `uuid` is in the map.
    pub fn position(&self, uuid: &Uuid) -> Option<usize> {
        self.objects.iter().position(|p| p.uuid == *uuid)
    }

    /// Appends `obj`, loaded as `uuid` at `base`; returns its index.
    pub fn push(&mut self, uuid: Uuid, obj: Object<'a>, base: u64) -> Result<usize, TaError> {
        if self.objects.len() >= MAX_OBJECTS {
            return Err(TaError::TooManyObjects);
        }
        if self.position(&uuid).is_some() {
            return Err(TaError::DuplicateObject);
        }
        base.checked_add(obj.span()).ok_or(TaError::BadLoadBase)?;
        let by_name = sorted_names(&obj)?;
        let mut tls_offset = 0;
        // ldelf: an object "has TLS" when its PT_TLS starts past 0.
        if let Some(tls) = obj.tls.filter(|t| t.vaddr != 0) {
            tls_offset = self.next_tls;
            self.next_tls = self.next_tls.checked_add(tls.memsz).ok_or(TaError::BadSegment)?;
        }
        self.objects.try_reserve(1).map_err(|_| TaError::TooLarge)?;
        self.objects.push(Placed { uuid, obj, base, tls_offset, by_name });
        Ok(self.objects.len() - 1)
    }

    /// Looks `name` up as ldelf does: in `first` (if given), then in every
    /// object in load order. `Ok(None)`: defined nowhere.
    pub fn lookup(&self, name: &[u8], first: Option<usize>) -> Result<Option<Found>, TaError> {
        let scoped = first.and_then(|i| self.objects.get(i).map(|p| (i, p)));
        for (i, p) in scoped.into_iter().chain(self.objects.iter().enumerate()) {
            for weak_ok in [false, true] {
                if let Some(value) = lookup_in(p, name, weak_ok)? {
                    return Ok(Some(Found { value, object: i }));
                }
            }
        }
        Ok(None)
    }

    /// Applies the relocations of object `idx` to `mem`, its span as mapped
    /// at its base.
    pub fn relocate(&self, idx: usize, mem: &mut [u8]) -> Result<(), TaError> {
        let p = self.objects.get(idx).ok_or(TaError::BadLoadBase)?;
        if u64::try_from(mem.len()).ok() != Some(p.obj.span()) {
            return Err(TaError::BadBufferSize);
        }
        let shdrs = p.obj.sections();
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
            let (syms, strtab) = match sh.sh_link {
                0 => (Symtab::default(), &[][..]),
                link => {
                    let idx = usize::try_from(link).map_err(|_| TaError::BadSection)?;
                    let symsh = shdrs.get(idx).ok_or(TaError::BadSection)?;
                    (symtab(p.obj.image, symsh, p.obj.ctx())?, linked_strtab(p.obj.image, shdrs, symsh)?)
                }
            };
            let relas = rela_table(p.obj.image, sh.sh_offset, sh.sh_size, p.obj.ctx())?;
            for r in relas.iter() {
                let addend = r.r_addend.unwrap_or(0);
                let mut words = 1;
                let value = match r.r_type {
                    R_AARCH64_NONE => continue,
                    R_AARCH64_RELATIVE => u128::from(p.base.wrapping_add_signed(addend)),
                    R_AARCH64_ABS64 => {
                        let sym = syms.get(r.r_sym).ok_or(TaError::BadSymbol)?;
                        u128::from(if u32::try_from(sym.st_shndx).ok() == Some(SHN_UNDEF) {
                            self.resolve_undefined(&syms, strtab, r.r_sym)?.map_or(0, |f| f.value)
                        } else {
                            p.base.wrapping_add(sym.st_value).wrapping_add_signed(addend)
                        })
                    }
                    R_AARCH64_GLOB_DAT | R_AARCH64_JUMP_SLOT => {
                        u128::from(self.resolve_undefined(&syms, strtab, r.r_sym)?.map_or(0, |f| f.value))
                    }
                    R_AARCH64_TLS_TPREL => u128::from(self.tprel(idx, &syms, strtab, r.r_sym, addend)?),
                    R_AARCH64_TLSDESC => {
                        let resolver = self.tlsdesc_resolver.ok_or(TaError::UnsupportedRelocation)?;
                        words = 2;
                        let tprel = self.tprel(idx, &syms, strtab, r.r_sym, addend)?;
                        u128::from(resolver) | (u128::from(tprel) << 64)
                    }
                    _ => return Err(TaError::UnsupportedRelocation),
                };
                let len = 8 * words;
                if !segment_at(p.obj.segments(), r.r_offset).is_some_and(|s| s.contains(r.r_offset, len)) {
                    return Err(TaError::BadRelocation);
                }
                let dst = range_mut(mem, r.r_offset, len).ok_or(TaError::BadRelocation)?;
                dst.copy_from_slice(&value.to_le_bytes()[..len as usize]);
            }
        }
        Ok(())
    }

    /// The offset from the thread pointer of TLS symbol `sym` (0: object
    /// `idx`'s own block) plus `addend`, as ldelf's TLS_TPREL.
    fn tprel(&self, idx: usize, syms: &Symtab<'_>, strtab: &[u8], sym: usize, addend: i64) -> Result<u64, TaError> {
        let (value, module) = if sym == 0 {
            (0, idx)
        } else {
            let f = self.resolve_undefined(syms, strtab, sym)?.ok_or(TaError::SymbolNotFound)?;
            (f.value, f.object)
        };
        let offs = self.objects.get(module).map_or(0, |m| m.tls_offset);
        Ok(value.wrapping_add(offs).wrapping_add_signed(addend))
    }

    /// Looks symbol `idx` of a relocation table up by name in every object.
    /// `Ok(None)`: an undefined weak symbol nothing defines (its value is 0).
    fn resolve_undefined(&self, syms: &Symtab<'_>, strtab: &[u8], idx: usize) -> Result<Option<Found>, TaError> {
        let sym = syms.get(idx).ok_or(TaError::BadSymbol)?;
        let name = cstr(strtab, sym.st_name).ok_or(TaError::BadSymbol)?;
        let weak_undef = u32::try_from(sym.st_shndx).ok() == Some(SHN_UNDEF) && sym.st_bind() == STB_WEAK;
        match self.lookup(name, None)? {
            Some(f) => Ok(Some(f)),
            None if weak_undef => Ok(None),
            None => Err(TaError::SymbolNotFound),
        }
    }
}

/// The NUL-terminated string at `at` in `strtab`.
pub(super) fn cstr(strtab: &[u8], at: usize) -> Option<&[u8]> {
    let tail = strtab.get(at..)?;
    Some(&tail[..tail.iter().position(|&b| b == 0)?])
}

/// Indices of the defined, named dynamic symbols, sorted by (name, index).
fn sorted_names(obj: &Object<'_>) -> Result<Vec<usize>, TaError> {
    let Some((syms, strtab)) = &obj.dynsym else {
        return Ok(Vec::new());
    };
    let mut v = Vec::new();
    v.try_reserve(syms.len()).map_err(|_| TaError::TooLarge)?;
    for (i, s) in syms.iter().enumerate() {
        if s.st_name == 0 || u32::try_from(s.st_shndx).ok() == Some(SHN_UNDEF) {
            continue;
        }
        cstr(strtab, s.st_name).ok_or(TaError::BadSymbol)?;
        v.push(i);
    }
    let name = |i: &usize| syms.get(*i).and_then(|s| cstr(strtab, s.st_name)).unwrap_or_default();
    v.sort_by(|a, b| name(a).cmp(name(b)).then(a.cmp(b)));
    Ok(v)
}

/// ldelf's `resolve_sym_helper` + `sym_compare` for one object.
fn lookup_in(p: &Placed<'_>, name: &[u8], weak_ok: bool) -> Result<Option<u64>, TaError> {
    let Some((syms, strtab)) = &p.obj.dynsym else {
        return Ok(None);
    };
    let name_of = |i: usize| syms.get(i).and_then(|s| cstr(strtab, s.st_name)).unwrap_or_default();
    let start = p.by_name.partition_point(|&i| name_of(i) < name);
    for &i in p.by_name[start..].iter().take_while(|&&i| name_of(i) == name) {
        let sym = syms.get(i).ok_or(TaError::BadSymbol)?;
        let bind = sym.st_bind();
        if !(bind == STB_GLOBAL || (weak_ok && bind == STB_WEAK)) {
            continue;
        }
        if sym.st_shndx == goblin::elf::section_header::SHN_XINDEX as usize {
            continue;
        }
        return match sym.st_type() {
            STT_NOTYPE | STT_OBJECT | STT_FUNC => {
                if sym.st_value > p.obj.span() {
                    return Err(TaError::BadSymbol);
                }
                Ok(Some(p.base + sym.st_value))
            }
            STT_TLS => Ok(Some(sym.st_value)),
            _ => Err(TaError::UnsupportedSymbolType),
        };
    }
    Ok(None)
}
