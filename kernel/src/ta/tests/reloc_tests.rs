//! Relocations on hand-made ELFs: types, symbols, targets, sources.

use super::elf_builder::*;
use super::support::*;
use crate::ta::TaError;

#[test]
fn unsupported_relocation_types_are_refused() {
    // COPY, TLS_TPREL, TLSDESC, IRELATIVE, a static-link type.
    for rtype in [1024, 1030, 1031, 1032, 275] {
        let mut spec = ElfSpec::minimal();
        spec.relas.push(Rela::new(0x2010, rtype, 1, 0));
        assert_eq!(err(&spec), TaError::UnsupportedRelocation, "type {rtype}");
    }
}

#[test]
fn rel_sections_are_refused() {
    let mut f = ElfSpec::minimal().build();
    let shoff = u64::from_le_bytes(f[40..48].try_into().unwrap()) as usize;
    let rela_sh = shoff + 3 * 64;
    f[rela_sh + 4..rela_sh + 8].copy_from_slice(&9u32.to_le_bytes()); // SHT_REL
    assert_eq!(parse(&f).unwrap_err(), TaError::UnsupportedRelocation);
    let mut f = ElfSpec::minimal().build();
    f[rela_sh + 56..rela_sh + 64].copy_from_slice(&16u64.to_le_bytes()); // sh_entsize
    assert_eq!(parse(&f).unwrap_err(), TaError::BadSection);
    let mut f = ElfSpec::minimal().build();
    f[rela_sh + 40..rela_sh + 44].copy_from_slice(&99u32.to_le_bytes()); // sh_link
    assert_eq!(parse(&f).unwrap_err(), TaError::BadSection);
}

#[test]
fn symbol_relocations_use_base_value_and_addend() {
    let mut spec = ElfSpec::minimal();
    spec.syms.push(Sym::new("f", 0x1000, 2, 0x12));
    spec.relas.push(Rela::new(0x2010, R_GLOB_DAT, 2, 0));
    spec.relas.push(Rela::new(0x2018, R_JUMP_SLOT, 2, 8));
    spec.relas.push(Rela::new(0x2018, R_NONE, 0, 0));
    let mem = loaded(&spec);
    assert_eq!(read_u64(&mem, 0x2010), BASE + 0x1000);
    assert_eq!(read_u64(&mem, 0x2018), BASE + 0x1008);
}

#[test]
fn undefined_symbols_are_refused_unless_weak() {
    let mut spec = ElfSpec::minimal();
    spec.syms.push(Sym::new("ext", 0, 0, 0x12));
    spec.relas.push(Rela::new(0x2010, R_GLOB_DAT, 2, 0));
    assert_eq!(err(&spec), TaError::UndefinedSymbol);
    // The null symbol is undefined too.
    let mut spec = ElfSpec::minimal();
    spec.relas.push(Rela::new(0x2010, R_ABS64, 0, 0));
    assert_eq!(err(&spec), TaError::UndefinedSymbol);
    // Weak undefined resolves to 0, as in ldelf.
    let mut spec = ElfSpec::minimal();
    spec.syms.push(Sym::new("weak", 0, 0, 0x22));
    spec.relas.push(Rela::new(0x2010, R_ABS64, 2, 5));
    assert_eq!(read_u64(&loaded(&spec), 0x2010), 0);
}

#[test]
fn bad_symbols_are_refused() {
    let mut spec = ElfSpec::minimal();
    spec.relas.push(Rela::new(0x2010, R_ABS64, 9, 0));
    assert_eq!(err(&spec), TaError::BadSymbol);
    let mut spec = ElfSpec::minimal();
    spec.syms.push(Sym::new("far", 0x10_0000, 2, 0x11));
    spec.relas.push(Rela::new(0x2010, R_ABS64, 2, 0));
    assert_eq!(err(&spec), TaError::BadSymbol);
    let mut spec = ElfSpec::minimal();
    spec.syms.push(Sym::new("tls", 0, 2, 0x16)); // STT_TLS
    spec.relas.push(Rela::new(0x2010, R_ABS64, 2, 0));
    assert_eq!(err(&spec), TaError::UnsupportedRelocation);
}

#[test]
fn absolute_symbols_are_not_rebased() {
    let mut spec = ElfSpec::minimal();
    spec.syms.push(Sym::new("abs", 0x1234, 0xfff1, 0x10));
    spec.relas.push(Rela::new(0x2010, R_ABS64, 2, 1));
    assert_eq!(read_u64(&loaded(&spec), 0x2010), 0x1235);
}

#[test]
fn relocation_targets_must_be_inside_a_segment() {
    // In the gap between text and data, straddling the data end, past the span.
    for offset in [0x1800, 0x37fc, 0x9000, u64::MAX - 3] {
        let mut spec = ElfSpec::minimal();
        spec.relas.push(Rela::new(offset, R_RELATIVE, 0, 0));
        assert_eq!(err(&spec), TaError::BadRelocation, "offset {offset:#x}");
    }
}

#[test]
fn relocated_values_must_fit() {
    let mut spec = ElfSpec::minimal();
    spec.relas.push(Rela::new(0x2010, R_RELATIVE, 0, -1));
    let file = spec.build();
    let img = parse(&file).unwrap();
    let mut mem = vec![0; img.span()];
    assert_eq!(img.load(0, &mut mem), Err(TaError::BadRelocation));
    assert_eq!(img.load(BASE, &mut mem), Ok(()));
    assert_eq!(read_u64(&mem, 0x2010), BASE - 1);
}

#[test]
fn shared_library_dependencies_are_not_supported() {
    let spec = ElfSpec { needed: true, ..ElfSpec::minimal() };
    assert_eq!(err(&spec), TaError::SharedLibrariesUnsupported);
}

#[test]
fn dynamic_tables_are_used_without_section_headers() {
    let mut spec = ElfSpec { tables: Tables::DynamicOnly, ..ElfSpec::minimal() };
    // Without .dynsym the loader falls back to the start of the first segment.
    spec.segs[0].data[..32].copy_from_slice(&ta_head_bytes(0x4, u64::MAX));
    let file = spec.build();
    let img = parse(&file).unwrap();
    assert_eq!((img.head_offset(), img.head().flags), (0, 0x4));
    let mem = loaded(&spec);
    assert_eq!(read_u64(&mem, 0x2000), BASE + 0x1000);
    assert_eq!(read_u64(&mem, 0x2008), BASE + 0x104);
}
