//! SELF_TESTS of the invoke-tests PTA: run-time checks of what the kernel
//! leans on everywhere, in the spirit of upstream's `core_self_tests`
//! (optee_os 4.5.0 `core/pta/tests/misc.c`: overflow-checked arithmetic,
//! division, the allocator). Each failure is logged; any one makes the
//! command GENERIC.

extern crate alloc;

use alloc::vec::Vec;
use core::hint::black_box;

use tee_abi::result::TeeError;

/// A named check.
type Check = (&'static str, fn() -> bool);

/// Runs every check.
pub fn run() -> Result<(), TeeError> {
    let checks: [Check; 4] = [
        ("overflow-checked arithmetic", checked_arithmetic),
        ("division", division),
        ("heap: allocate, grow, free", heap_round_trip),
        ("heap: an impossible allocation fails cleanly", heap_refuses_the_impossible),
    ];
    let mut ok = true;
    for (name, check) in checks {
        if !check() {
            log::error!("invoke-tests PTA: self test failed: {name}");
            ok = false;
        }
    }
    if ok { Ok(()) } else { Err(TeeError::Generic) }
}

/// Overflow is detected at the edges, not before them (values through
/// `black_box` so that the checks run, not the compiler).
fn checked_arithmetic() -> bool {
    let (max, min) = (black_box(i32::MAX), black_box(i32::MIN));
    max.checked_add(1).is_none()
        && max.checked_add(0) == Some(i32::MAX)
        && min.checked_sub(1).is_none()
        && min.checked_mul(-1).is_none()
        && black_box(46_341i32).checked_mul(46_341).is_none()
        && black_box(46_340i32).checked_mul(46_340) == Some(2_147_395_600)
        && black_box(u64::MAX).checked_mul(2).is_none()
        && black_box(u32::MAX).checked_add(1).is_none()
        && black_box(0u32).checked_sub(1).is_none()
        && black_box(usize::MAX / 2 + 1).checked_mul(2).is_none()
}

/// Signed and unsigned division and remainder, including the one signed
/// case that overflows and division by zero.
fn division() -> bool {
    let (a, b) = (black_box(-7i32), black_box(2i32));
    a / b == -3
        && a % b == -1
        && a.div_euclid(b) == -4
        && a.rem_euclid(b) == 1
        && black_box(u64::MAX) / black_box(3) == 6_148_914_691_236_517_205
        && black_box(i32::MIN).checked_div(-1).is_none()
        && black_box(1u32).checked_div(black_box(0)).is_none()
}

/// Allocations are usable, aligned for their type, survive growth and are
/// freed (the heap's use returns to where it was).
fn heap_round_trip() -> bool {
    let mut v: Vec<u64> = Vec::new();
    if v.try_reserve_exact(1024).is_err() {
        return false;
    }
    v.extend((0..1024u64).map(|i| i * 3));
    let aligned = (v.as_ptr() as usize).is_multiple_of(core::mem::align_of::<u64>());
    if v.try_reserve(4096).is_err() {
        return false;
    }
    v.extend(0..4096u64);
    let intact = (0..1024).all(|i| v[i] == i as u64 * 3) && v[1024 + 4095] == 4095;
    drop(black_box(v));
    aligned && intact
}

/// Sizes no heap can give are refused, not fatal.
fn heap_refuses_the_impossible() -> bool {
    let mut v: Vec<u8> = Vec::new();
    let huge = black_box(usize::MAX / 2);
    v.try_reserve_exact(huge).is_err() && v.try_reserve(isize::MAX as usize).is_err() && v.capacity() == 0
}
