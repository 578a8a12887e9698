//! Source of the loader test fixtures in this directory: a tiny TA-shaped
//! ELF with a `ta_head`, pointers in data (RELATIVE), an exported variable
//! and function (GLOB_DAT / JUMP_SLOT / ABS64 when linked `-shared`) and bss.
//! Not compiled by cargo. Rebuild (rustc 1.95, rust-lld) from this directory:
//!
//! ```sh
//! B="rustc --edition 2024 --target aarch64-unknown-none-softfloat -C opt-level=s \
//!    -C panic=abort -C link-arg=-e__ta_entry -C link-arg=-zmax-page-size=4096 \
//!    -C link-arg=--strip-all --crate-type bin"
//! $B -C relocation-model=pie -C link-arg=-pie -C link-arg=--export-dynamic \
//!    -o fixture_pie.elf fixture_ta.rs
//! $B -C relocation-model=pic -C link-arg=-shared -o fixture_shared.elf fixture_ta.rs
//! ```
//!
//! No `#[used]`: it marks sections SHF_GNU_RETAIN, which makes rust-lld stamp
//! the file ELFOSABI_GNU, and ldelf (and this loader) accept only
//! ELFOSABI_NONE.
#![no_std]
#![no_main]
#![allow(non_upper_case_globals)]

#[repr(C)]
pub struct TaHead {
    uuid: [u8; 16],
    stack_size: u32,
    flags: u32,
    depr_entry: u64,
}

/// `ta_head`: UUID 8aaaf200-2450-11e4-abe2-0002a5d5c51b (hello world), 0x2800 stack,
/// SINGLE_INSTANCE | MULTI_SESSION.
#[unsafe(no_mangle)]

#[unsafe(link_section = ".ta_head")]
pub static ta_head: TaHead = TaHead {
    uuid: [0x00, 0xf2, 0xaa, 0x8a, 0x50, 0x24, 0xe4, 0x11, 0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b],
    stack_size: 0x2800,
    flags: 0x4 | 0x8,
    depr_entry: u64::MAX,
};

static GREETING: [u8; 6] = *b"hello\0";
/// Exported: a `-shared` link reaches it through the GOT (GLOB_DAT).
#[unsafe(no_mangle)]
pub static mut COUNTER: u64 = 0;
static mut BSS: [u64; 1024] = [0; 1024];

/// Pointers in data: each needs an R_AARCH64_RELATIVE.
#[unsafe(no_mangle)]

pub static POINTERS: [&u8; 2] = [&GREETING[0], &GREETING[5]];

#[unsafe(no_mangle)]

pub static HEAD_PTR: &TaHead = &ta_head;

/// Exported: a `-shared` link calls it through the PLT (JUMP_SLOT).
#[unsafe(no_mangle)]
#[inline(never)]
pub extern "C" fn bump(a: u64) -> u64 {
    // SAFETY: single-threaded test fixture; never executed by the tests.
    unsafe {
        COUNTER += a;
        COUNTER
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn __ta_entry(a: u64, _b: u64, _c: u64, _d: u64) -> ! {
    let v = bump(a);
    // SAFETY: single-threaded test fixture; never executed by the tests.
    unsafe {
        BSS[(a & 1023) as usize] = v;
    }
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}
