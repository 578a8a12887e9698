//! Open objects are listed kernel-wide: the sharing rules hold across
//! instances of one TA (two sessions of a multi-instance TA), not only
//! within one, and an instance's death gives its handles back.

use tee_abi::gp::data_flag::{ACCESS_READ, ACCESS_WRITE, ACCESS_WRITE_META, OVERWRITE, SHARE_READ, SHARE_WRITE};
use tee_abi::result::TeeError;
use tee_abi::syscall::Syscall;

use super::syscalls::{Ctx, VA, ctx, sys, u32_at};

const CREATE: u64 = Syscall::StorageObjCreate as u64;
const OPEN: u64 = Syscall::StorageObjOpen as u64;
const CLOSE: u64 = Syscall::CrypObjClose as u64;
const DEL: u64 = Syscall::StorageObjDel as u64;
const H: u64 = VA + 0x80;

/// Two instances of one TA, with memory `m1` and `m2`, each with the
/// object ID "shared" at `VA`.
fn two_instances(m1: &mut [u8], m2: &mut [u8]) -> (Ctx, Ctx) {
    let (mut a, mut b) = (ctx(m1), ctx(m2));
    b.ta = a.ta;
    for c in [&mut a, &mut b] {
        c.regions.write(VA, b"shared").unwrap();
    }
    (a, b)
}

#[test]
fn exclusive_access_holds_across_instances() {
    let (mut m1, mut m2) = (alloc::vec![0u8; 0x2000], alloc::vec![0u8; 0x2000]);
    let (mut a, mut b) = two_instances(&mut m1, &mut m2);
    let w = u64::from(ACCESS_WRITE);
    // Each context has its own fake file system: the object is made in
    // both (here closed at once), the list is the kernel's.
    assert_eq!(sys(&mut b, CREATE, &[1, VA, 6, w, 0, 0, 0, 0]), Ok(()));
    assert_eq!(sys(&mut a, CREATE, &[1, VA, 6, w, 0, 0, 0, H]), Ok(()));
    let ha = u64::from(u32_at(&a, H));
    // The other instance's handle is checked against this one's.
    assert_eq!(sys(&mut b, OPEN, &[1, VA, 6, w, H]), Err(TeeError::AccessConflict), "exclusive write");
    let r = u64::from(ACCESS_READ | SHARE_READ);
    assert_eq!(sys(&mut b, OPEN, &[1, VA, 6, r, H]), Err(TeeError::AccessConflict));
    assert_eq!(sys(&mut b, CREATE, &[1, VA, 6, w, 0, 0, 0, H]), Err(TeeError::AccessConflict), "no OVERWRITE");
    assert_eq!(sys(&mut b, CREATE, &[1, VA, 6, w | u64::from(OVERWRITE), 0, 0, 0, H]), Err(TeeError::AccessConflict));
    // Closed there: free here.
    assert_eq!(sys(&mut a, CLOSE, &[ha]), Ok(()));
    assert_eq!(sys(&mut b, OPEN, &[1, VA, 6, w, H]), Ok(()));
    assert_eq!(sys(&mut a, OPEN, &[1, VA, 6, w, H]), Err(TeeError::AccessConflict));
    // An instance that dies gives its handles back.
    drop(b);
    let meta = u64::from(ACCESS_WRITE_META);
    assert_eq!(sys(&mut a, OPEN, &[1, VA, 6, meta, H]), Ok(()));
    let ha = u64::from(u32_at(&a, H));
    assert_eq!(sys(&mut a, DEL, &[ha]), Ok(()));
}

/// Two instances that both open one object with SHARE_WRITE write the same
/// object: each reads what the other wrote (one content kernel-wide, as
/// upstream's `tee_pobj`), and a write of one starts from the other's.
#[test]
fn shared_write_across_instances_sees_one_content() {
    const READ: u64 = Syscall::StorageObjRead as u64;
    const WRITE: u64 = Syscall::StorageObjWrite as u64;
    const SEEK: u64 = Syscall::StorageObjSeek as u64;
    let (mut m1, mut m2) = (alloc::vec![0u8; 0x2000], alloc::vec![0u8; 0x2000]);
    let (mut a, mut b) = two_instances(&mut m1, &mut m2);
    for c in [&mut a, &mut b] {
        c.regions.write(VA + 0x100, b"0123456789").unwrap();
    }
    let share = u64::from(ACCESS_READ | ACCESS_WRITE | SHARE_READ | SHARE_WRITE);
    // Each context has its own fake file system: the object is made in
    // both (b's closed at once); a keeps its handle.
    assert_eq!(sys(&mut b, CREATE, &[1, VA, 6, share, 0, VA + 0x100, 10, 0]), Ok(()));
    assert_eq!(sys(&mut a, CREATE, &[1, VA, 6, share, 0, VA + 0x100, 10, H]), Ok(()));
    let ha = u64::from(u32_at(&a, H));
    assert_eq!(sys(&mut b, OPEN, &[1, VA, 6, share, H]), Ok(()));
    let hb = u64::from(u32_at(&b, H));
    // a overwrites bytes 2..5; b reads the whole object.
    a.regions.write(VA + 0x200, b"abc").unwrap();
    assert_eq!(sys(&mut a, SEEK, &[ha, 2, 0]), Ok(()));
    assert_eq!(sys(&mut a, WRITE, &[ha, VA + 0x200, 3]), Ok(()));
    assert_eq!(sys(&mut b, READ, &[hb, VA + 0x300, 10, VA + 0x90]), Ok(()));
    assert_eq!(b.regions.read(VA + 0x300, 10).unwrap(), b"01abc56789");
    // b appends at the end; a writes its next byte ("a", at 5) and keeps b's.
    b.regions.write(VA + 0x200, b"XY").unwrap();
    assert_eq!(sys(&mut b, SEEK, &[hb, 0, 2]), Ok(()));
    assert_eq!(sys(&mut b, WRITE, &[hb, VA + 0x200, 2]), Ok(()));
    assert_eq!(sys(&mut a, WRITE, &[ha, VA + 0x200, 1]), Ok(()));
    assert_eq!(sys(&mut a, SEEK, &[ha, 0, 0]), Ok(()));
    assert_eq!(sys(&mut a, READ, &[ha, VA + 0x300, 16, VA + 0x90]), Ok(()));
    assert_eq!(u32_at(&a, VA + 0x90), 12);
    assert_eq!(a.regions.read(VA + 0x300, 12).unwrap(), b"01abca6789XY");
    assert_eq!(sys(&mut a, CLOSE, &[ha]), Ok(()));
    // The content outlives one instance's handles: b still reads it.
    assert_eq!(sys(&mut b, SEEK, &[hb, 0, 0]), Ok(()));
    assert_eq!(sys(&mut b, READ, &[hb, VA + 0x300, 16, VA + 0x90]), Ok(()));
    assert_eq!(b.regions.read(VA + 0x300, 12).unwrap(), b"01abca6789XY");
}
