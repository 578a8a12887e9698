//! `TaImage::parse` and `load` on hand-made ELFs: header, segments,
//! `ta_head`, loading.

use super::elf_builder::*;
use super::support::*;
use crate::ta::{Perms, TaError, TaImage};

/// Overwrites field `at` (byte offset inside the phdr) of program header `i`.
fn patch_phdr(file: &mut [u8], i: usize, at: usize, v: &[u8]) {
    let o = 64 + 56 * i + at;
    file[o..o + v.len()].copy_from_slice(v);
}

#[test]
fn minimal_image_is_described() {
    let file = ElfSpec::minimal().build();
    let img = parse(&file).unwrap();
    let s = img.segments();
    assert_eq!(s.len(), 4);
    let r = Perms { read: true, write: false, exec: false };
    assert_eq!((s[0].vaddr, s[0].filesz, s[0].memsz, s[0].perms), (0, 0x120, 0x120, r));
    assert!(s[1].perms.exec && !s[1].perms.write);
    assert!(s[2].perms.write && !s[2].perms.exec);
    assert_eq!((s[2].filesz, s[2].memsz, s[2].page_range()), (0x20, 0x1800, (0x2000, 0x4000)));
    assert_eq!(img.span(), 0x5000);
    assert_eq!(img.entry(), 0x1000);
    assert_eq!(img.head_offset(), 0x100);
    assert_eq!(img.head().uuid, HELLO_UUID);
    assert_eq!((img.head().stack_size, img.head().flags), (0x2800, 0xc));
    assert_eq!(img.relocation_count(), 2);
}

#[test]
fn load_copies_zero_fills_and_relocates() {
    let mem = loaded(&ElfSpec::minimal());
    assert_eq!(read_u64(&mem, 0x2000), BASE + 0x1000); // RELATIVE
    assert_eq!(read_u64(&mem, 0x2008), BASE + 0x100 + 4); // ABS64 ta_head + 4
    assert!(mem[0x2010..0x2020].iter().all(|&b| b == 0xaa)); // data kept
    assert!(mem[0x2020..0x3800].iter().all(|&b| b == 0)); // bss
    assert!(mem[0x120..0x1000].iter().all(|&b| b == 0)); // gap
    assert_eq!(&mem[0x100..0x120], &ta_head_bytes(0xc, u64::MAX)[..]);
    assert_eq!(&mem[0x1000..0x1004], &[0x1f, 0x20, 0x03, 0xd5]);
}

#[test]
fn load_checks_base_and_buffer() {
    let file = ElfSpec::minimal().build();
    let img = parse(&file).unwrap();
    let mut mem = vec![0; img.span()];
    assert_eq!(img.load(BASE + 8, &mut mem), Err(TaError::BadLoadBase));
    assert_eq!(img.load(!0xfff, &mut mem), Err(TaError::BadLoadBase));
    let mut short = vec![0; img.span() - 1];
    assert_eq!(img.load(BASE, &mut short), Err(TaError::BadBufferSize));
    assert_eq!(TaError::BadBufferSize.tee_error(), crate::ta::TeeError::BadParameters);
}

#[test]
fn bad_elf_headers_are_refused() {
    let good = ElfSpec::minimal().build();
    // (offset, new byte): magic, class 32, big-endian, version, OSABI GNU,
    // ET_EXEC, EM_X86_64, e_version, e_flags, e_ehsize, e_phentsize, e_shentsize.
    for (at, v) in
        [(0, 0u8), (4, 1), (5, 2), (6, 0), (7, 3), (16, 2), (18, 62), (20, 2), (48, 1), (52, 52), (54, 32), (58, 40)]
    {
        let mut f = good.clone();
        f[at] = v;
        assert_eq!(parse(&f).unwrap_err(), TaError::BadElfHeader, "byte {at} = {v}");
    }
    assert_eq!(parse(&good[..63]).unwrap_err(), TaError::BadElfHeader);
    assert_eq!(parse(&[]).unwrap_err(), TaError::BadElfHeader);
    // Program headers past the end of the file.
    let mut f = good.clone();
    f[32..40].copy_from_slice(&(good.len() as u64).to_le_bytes());
    assert_eq!(parse(&f).unwrap_err(), TaError::BadElfHeader);
}

#[test]
fn write_exec_segment_is_refused() {
    let mut spec = ElfSpec::minimal();
    spec.segs[1].flags = PF_R | PF_W | PF_X;
    assert_eq!(err(&spec), TaError::WriteExecSegment);
}

#[test]
fn unreadable_segment_is_not_supported() {
    let mut spec = ElfSpec::minimal();
    spec.segs[1].flags = PF_X;
    assert_eq!(err(&spec), TaError::UnreadableSegment);
    assert_eq!(TaError::UnreadableSegment.tee_error(), crate::ta::TeeError::NotSupported);
}

#[test]
fn overlapping_segments_are_refused() {
    let mut spec = ElfSpec::minimal();
    spec.segs[2].vaddr = 0x1000 - 0x10; // data over text (bytes overlap)
    spec.relas.clear();
    assert_eq!(err(&spec), TaError::OverlappingSegments);
    let mut spec = ElfSpec::minimal();
    spec.segs[2].vaddr = 0x1100; // same page as text, other permissions
    spec.relas.clear();
    assert_eq!(err(&spec), TaError::OverlappingSegments);
}

#[test]
fn segments_sharing_a_page_with_equal_permissions_are_fine() {
    let mut spec = ElfSpec::minimal();
    spec.segs.push(Seg { vaddr: 0x3900, flags: PF_R | PF_W, data: vec![1; 8], memsz: 8 });
    let file = spec.build();
    assert_eq!(parse(&file).unwrap().segments().len(), 5);
}

#[test]
fn inconsistent_segments_are_refused() {
    let good = ElfSpec::minimal().build();
    let mut f = good.clone();
    patch_phdr(&mut f, 2, 32, &0x2000u64.to_le_bytes()); // filesz > memsz
    assert_eq!(parse(&f).unwrap_err(), TaError::BadSegment);
    let mut f = good.clone();
    patch_phdr(&mut f, 2, 8, &(good.len() as u64).to_le_bytes()); // data past EOF
    patch_phdr(&mut f, 2, 16, &(0x2000 + (good.len() as u64 & 0xfff)).to_le_bytes());
    assert_eq!(parse(&f).unwrap_err(), TaError::BadSegment);
    let mut f = good.clone();
    patch_phdr(&mut f, 2, 16, &0x2010u64.to_le_bytes()); // vaddr % 4K != offset % 4K
    assert_eq!(parse(&f).unwrap_err(), TaError::BadSegment);
    let mut f = good.clone();
    patch_phdr(&mut f, 2, 40, &u64::MAX.to_le_bytes()); // vaddr + memsz overflows
    assert_eq!(parse(&f).unwrap_err(), TaError::BadSegment);
    let mut f = good.clone();
    patch_phdr(&mut f, 2, 8, &u64::MAX.to_le_bytes()); // offset + filesz overflows
    assert_eq!(parse(&f).unwrap_err(), TaError::BadSegment);
}

#[test]
fn span_is_bounded() {
    let file = ElfSpec::minimal().build();
    assert_eq!(TaImage::parse(&file, 0x4fff).unwrap_err(), TaError::TooLarge);
    assert!(TaImage::parse(&file, 0x5000).is_ok());
    let mut spec = ElfSpec::minimal();
    spec.segs[2].memsz = 64 << 20;
    spec.meta_vaddr = (64 << 20) + 0x3000;
    assert_eq!(err(&spec), TaError::TooLarge);
    assert_eq!(TaError::TooLarge.tee_error(), crate::ta::TeeError::OutOfMemory);
}

#[test]
fn image_without_load_segments_is_refused() {
    let mut f = ElfSpec::minimal().build();
    for i in 0..4 {
        patch_phdr(&mut f, i, 0, &0u32.to_le_bytes()); // PT_NULL
    }
    assert_eq!(parse(&f).unwrap_err(), TaError::NoSegments);
}

#[test]
fn entry_must_be_in_executable_code() {
    for entry in [0x100, 0x2000, 0x1004, 0x9000] {
        let spec = ElfSpec { entry, ..ElfSpec::minimal() };
        assert_eq!(err(&spec), TaError::BadEntry, "entry {entry:#x}");
    }
}

#[test]
fn ta_head_is_found_and_checked() {
    // No exported symbol: the first segment starts with zeros -> legacy.
    let mut spec = ElfSpec::minimal();
    spec.syms[0].name = "not_ta_head";
    assert_eq!(err(&spec), TaError::LegacyTa);
    // Symbol pointing into bss (no file data).
    let mut spec = ElfSpec::minimal();
    spec.syms[0].value = 0x3000;
    assert_eq!(err(&spec), TaError::BadTaHead);
    // Symbol too close to the end of its segment's file data.
    let mut spec = ElfSpec::minimal();
    spec.syms[0].value = 0x110;
    assert_eq!(err(&spec), TaError::BadTaHead);
    // Unknown flag, legacy entry.
    for (flags, entry, want) in [(1 << 14, u64::MAX, TaError::BadTaFlags), (0, 0x20, TaError::LegacyTa)] {
        let mut spec = ElfSpec::minimal();
        spec.segs[0].data[0x100..].copy_from_slice(&ta_head_bytes(flags, entry));
        assert_eq!(err(&spec), want);
    }
    // Undefined ta_head symbols do not count.
    let mut spec = ElfSpec::minimal();
    spec.syms[0].shndx = 0;
    spec.relas.truncate(1);
    assert_eq!(err(&spec), TaError::LegacyTa);
}
