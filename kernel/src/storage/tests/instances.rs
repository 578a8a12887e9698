//! Open objects are listed kernel-wide: the sharing rules hold across
//! instances of one TA (two sessions of a multi-instance TA), not only
//! within one, and an instance's death gives its handles back.

use tee_abi::gp::data_flag::{ACCESS_READ, ACCESS_WRITE, ACCESS_WRITE_META, OVERWRITE, SHARE_READ};
use tee_abi::result::TeeError;
use tee_abi::syscall::Syscall;

use super::syscalls::{VA, ctx, sys, u32_at};

const CREATE: u64 = Syscall::StorageObjCreate as u64;
const OPEN: u64 = Syscall::StorageObjOpen as u64;
const CLOSE: u64 = Syscall::CrypObjClose as u64;
const DEL: u64 = Syscall::StorageObjDel as u64;
const H: u64 = VA + 0x80;

#[test]
fn exclusive_access_holds_across_instances() {
    let (mut m1, mut m2) = (alloc::vec![0u8; 0x2000], alloc::vec![0u8; 0x2000]);
    let mut a = ctx(&mut m1);
    let mut b = ctx(&mut m2);
    b.ta = a.ta;
    for c in [&mut a, &mut b] {
        c.regions.write(VA, b"shared").unwrap();
    }
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
