//! Real linker output (`testdata/fixture_*.elf`, built by rustc + rust-lld),
//! and the whole chain: sign, verify, parse, load.

use super::support::*;
use crate::ta::elf::DEFAULT_MAX_SPAN;
use crate::ta::shdr::SHDR_TA;
use crate::ta::{Perms, TaError, TaImage, prepare};

const BASE: u64 = 0x0010_0000;
const R: Perms = Perms { read: true, write: false, exec: false };
const RX: Perms = Perms { read: true, write: false, exec: true };
const RW: Perms = Perms { read: true, write: true, exec: false };

fn load(img: &TaImage<'_>) -> Vec<u8> {
    let mut mem = vec![0xee; img.span()];
    img.load(BASE, &mut mem).unwrap();
    mem
}

/// Every byte of `mem` outside the segments' file data is zero.
fn only_file_data(img: &TaImage<'_>, mem: &[u8]) -> bool {
    mem.iter().enumerate().all(|(i, &b)| {
        let i = i as u64;
        b == 0 || img.segments().iter().any(|s| i >= s.vaddr && i < s.vaddr + s.filesz)
    })
}

#[test]
fn pie_fixture_layout() {
    let img = TaImage::parse(FIXTURE_PIE, DEFAULT_MAX_SPAN).unwrap();
    let s: Vec<_> = img.segments().iter().map(|s| (s.vaddr, s.filesz, s.memsz, s.perms)).collect();
    assert_eq!(s, [(0, 0x480, 0x480, R), (0x1480, 0x28, 0x28, RX), (0x24a8, 0xf0, 0xb58, RW), (0x3598, 0, 8, RW),]);
    assert_eq!(img.span(), 0x4000);
    assert_eq!(img.entry(), 0x1480);
    assert_eq!(img.head_offset(), 0x3f8);
    let h = img.head();
    assert_eq!((h.uuid, h.stack_size, h.flags), (HELLO_UUID, 0x2800, 0xc));
    assert_eq!(img.relocation_count(), 4);
}

#[test]
fn pie_fixture_relative_relocations() {
    let img = TaImage::parse(FIXTURE_PIE, DEFAULT_MAX_SPAN).unwrap();
    let mem = load(&img);
    assert_eq!(read_u64(&mem, 0x24a8), BASE + 0x3f8); // HEAD_PTR = &ta_head
    assert_eq!(read_u64(&mem, 0x24b0), BASE + 0x3f0); // POINTERS[0] = "hello"
    assert_eq!(read_u64(&mem, 0x24b8), BASE + 0x3f5); // POINTERS[1] = "\0"
    assert_eq!(read_u64(&mem, 0x2590), BASE + 0x3598); // GOT: &COUNTER
    assert_eq!(&mem[0x3f0..0x3f6], b"hello\0");
    assert_eq!(&mem[0x1480..0x14a8], &FIXTURE_PIE[0x480..0x4a8]); // text
    assert!(mem[0x3598..0x35a0].iter().all(|&b| b == 0)); // bss
}

#[test]
fn shared_fixture_symbol_relocations() {
    let img = TaImage::parse(FIXTURE_SHARED, DEFAULT_MAX_SPAN).unwrap();
    assert_eq!(img.relocation_count(), 5);
    assert_eq!(img.head_offset(), 0x410);
    let mem = load(&img);
    assert_eq!(read_u64(&mem, 0x24f8), BASE + 0x408); // RELATIVE
    assert_eq!(read_u64(&mem, 0x2500), BASE + 0x40d); // RELATIVE
    assert_eq!(read_u64(&mem, 0x24f0), BASE + 0x410); // ABS64 ta_head
    assert_eq!(read_u64(&mem, 0x25f8), BASE + 0x3620); // GLOB_DAT COUNTER
    assert_eq!(read_u64(&mem, 0x3618), BASE + 0x14a8); // JUMP_SLOT bump
}

#[test]
fn load_is_independent_of_previous_buffer_contents() {
    for fixture in [FIXTURE_PIE, FIXTURE_SHARED] {
        let img = TaImage::parse(fixture, DEFAULT_MAX_SPAN).unwrap();
        let mut a = vec![0x00; img.span()];
        let mut b = vec![0xff; img.span()];
        img.load(BASE, &mut a).unwrap();
        img.load(BASE, &mut b).unwrap();
        assert_eq!(a, b);
        // Relocations only write inside segments; the rest is file data or 0.
        let mut unrelocated = vec![0; img.span()];
        img.load(0, &mut unrelocated).unwrap();
        assert!(only_file_data(&img, &unrelocated));
    }
}

#[test]
fn prepare_verifies_and_parses() {
    let (v, img) = prepare(signed_fixture(), &HELLO_UUID, &key_a().public(), DEFAULT_MAX_SPAN).unwrap();
    assert_eq!(v.bootstrap.unwrap().ta_version, 7);
    assert_eq!(img.head().uuid, HELLO_UUID);
    let r = prepare(signed_fixture(), &OTHER_UUID, &key_a().public(), DEFAULT_MAX_SPAN);
    assert_eq!(r.unwrap_err(), TaError::UuidMismatch);
    let r = prepare(signed_fixture(), &HELLO_UUID, &key_b().public(), DEFAULT_MAX_SPAN);
    assert_eq!(r.unwrap_err(), TaError::BadSignature);
    let r = prepare(signed_fixture(), &HELLO_UUID, &key_a().public(), 0x1000);
    assert_eq!(r.unwrap_err(), TaError::TooLarge);
}

#[test]
fn prepare_binds_legacy_images_through_ta_head() {
    let s = Signing { img_type: SHDR_TA, ..Signing::default() };
    let file = sign(FIXTURE_PIE, key_a(), s);
    assert!(prepare(&file, &HELLO_UUID, &key_a().public(), DEFAULT_MAX_SPAN).is_ok());
    let r = prepare(&file, &OTHER_UUID, &key_a().public(), DEFAULT_MAX_SPAN);
    assert_eq!(r.unwrap_err(), TaError::UuidMismatch);
}

#[test]
fn signed_garbage_is_a_bad_format() {
    let file = sign(b"not an elf", key_a(), Signing::default());
    let r = prepare(&file, &HELLO_UUID, &key_a().public(), DEFAULT_MAX_SPAN);
    assert_eq!(r.unwrap_err().tee_error(), crate::ta::TeeError::BadFormat);
}
