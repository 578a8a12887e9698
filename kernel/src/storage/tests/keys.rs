//! Persistent key objects through the syscalls (xtest 6013's shape): a
//! key stored from a transient object, read back, used as an operation's
//! key source, and a transient object turned into a persistent one in
//! place.

use tee_abi::gp::attr::SECRET_VALUE;
use tee_abi::gp::data_flag::{ACCESS_READ, ACCESS_WRITE, ACCESS_WRITE_META, SHARE_READ};
use tee_abi::gp::handle_flag::{INITIALIZED, PERSISTENT};
use tee_abi::gp::object_type::AES;
use tee_abi::result::TeeError;
use tee_abi::syscall::Syscall;

use super::syscalls::{Ctx, VA, ctx, sys, u32_at};
use crate::handles::Kind;

const ALLOC: u64 = Syscall::CrypObjAlloc as u64;
const GENERATE: u64 = Syscall::CrypObjGenerateKey as u64;
const GET_INFO: u64 = Syscall::CrypObjGetInfo as u64;
const GET_ATTR: u64 = Syscall::CrypObjGetAttr as u64;
const COPY: u64 = Syscall::CrypObjCopy as u64;
const CLOSE: u64 = Syscall::CrypObjClose as u64;
const RESTRICT: u64 = Syscall::CrypObjRestrictUsage as u64;
const CREATE: u64 = Syscall::StorageObjCreate as u64;
const OPEN: u64 = Syscall::StorageObjOpen as u64;
const DEL: u64 = Syscall::StorageObjDel as u64;
const ENUM_ALLOC: u64 = Syscall::StorageEnumAlloc as u64;
const ENUM_START: u64 = Syscall::StorageEnumStart as u64;
const ENUM_NEXT: u64 = Syscall::StorageEnumNext as u64;

const ID: u64 = VA;
const H: u64 = VA + 0x80;
const OUT: u64 = VA + 0x1000;
const RW: u64 = (ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META) as u64;

fn new(c: &mut Ctx, nr: u64, args: &[u64]) -> u64 {
    assert_eq!(sys(c, nr, args), Ok(()), "syscall {nr}");
    u64::from(u32_at(c, H))
}

/// `utee_object_info` of `obj`: (type, size, max size, usage, flags).
fn info(c: &mut Ctx, obj: u64) -> (u32, u32, u32, u32, u32) {
    assert_eq!(sys(c, GET_INFO, &[obj, OUT]), Ok(()));
    (u32_at(c, OUT), u32_at(c, OUT + 4), u32_at(c, OUT + 8), u32_at(c, OUT + 12), u32_at(c, OUT + 24))
}

/// The secret value of `obj`, or the error.
fn secret(c: &mut Ctx, obj: u64) -> Result<alloc::vec::Vec<u8>, TeeError> {
    c.regions.write(OUT + 0x100, &64u64.to_le_bytes()).unwrap();
    sys(c, GET_ATTR, &[obj, u64::from(SECRET_VALUE), OUT + 0x200, OUT + 0x100])?;
    let n = u32_at(c, OUT + 0x100) as u64;
    Ok(c.regions.read(OUT + 0x200, n).unwrap())
}

#[test]
fn key_objects_persist_and_serve_as_keys() {
    let mut mem = alloc::vec![0u8; 0x4000];
    let mut c = ctx(&mut mem);
    c.regions.write(ID, b"key").unwrap();
    let key = new(&mut c, ALLOC, &[u64::from(AES), 256, H]);
    assert_eq!(sys(&mut c, GENERATE, &[key, 256, 0, 0]), Ok(()));
    let value = secret(&mut c, key).unwrap();
    assert_eq!(value.len(), 32);

    // A persistent copy: the transient's type, sizes, usage and value.
    let p = new(&mut c, CREATE, &[1, ID, 3, RW, key, 0, 0, H]);
    assert_eq!(info(&mut c, p), (AES, 256, 256, 0xFFFF_FFFF, PERSISTENT | INITIALIZED | RW as u32));
    assert_eq!(secret(&mut c, p).unwrap(), value);
    // SetOperationKey copies from it; nothing copies into it.
    let dst = new(&mut c, ALLOC, &[u64::from(AES), 256, H]);
    assert_eq!(sys(&mut c, COPY, &[dst, p]), Ok(()));
    assert_eq!(secret(&mut c, dst).unwrap(), value);
    assert_eq!(sys(&mut c, COPY, &[p, key]), Err(TeeError::BadParameters));
    assert_eq!(c.handles.count(crate::handles::Area::Crypto), 2, "the call's copy is gone");
    assert_eq!(sys(&mut c, DEL, &[p]), Ok(()));

    // No handle pointer: the transient object becomes the persistent one.
    assert_eq!(sys(&mut c, CREATE, &[1, ID, 3, RW, key, 0, 0, 0]), Ok(()));
    assert_eq!(c.handles.kind(key as u32), Some(Kind::PersistentObject));
    assert_eq!(info(&mut c, key).4, PERSISTENT | INITIALIZED | RW as u32);
    assert_eq!(sys(&mut c, CLOSE, &[key]), Ok(()));

    // Reopened from its file: the same key; a narrowed usage holds.
    let ro = u64::from(ACCESS_READ | SHARE_READ);
    let k = new(&mut c, OPEN, &[1, ID, 3, ro, H]);
    assert_eq!(info(&mut c, k).0, AES);
    assert_eq!(secret(&mut c, k).unwrap(), value);
    let extractable = tee_abi::gp::usage::EXTRACTABLE;
    assert_eq!(sys(&mut c, RESTRICT, &[k, u64::from(!extractable)]), Ok(()));
    assert_eq!(secret(&mut c, k), Err(TeeError::BadParameters));
    // An enumeration reports the stored type, sizes and usage.
    let e = new(&mut c, ENUM_ALLOC, &[H]);
    assert_eq!(sys(&mut c, ENUM_START, &[e, 1]), Ok(()));
    assert_eq!(sys(&mut c, ENUM_NEXT, &[e, OUT, OUT + 0x40, OUT + 0x100]), Ok(()));
    let listed = (u32_at(&c, OUT), u32_at(&c, OUT + 4), u32_at(&c, OUT + 8), u32_at(&c, OUT + 12));
    assert_eq!(listed, (AES, 256, 256, !extractable));
    let dst2 = new(&mut c, ALLOC, &[u64::from(AES), 256, H]);
    assert_eq!(sys(&mut c, COPY, &[dst2, k]), Ok(()));
    assert_eq!(info(&mut c, dst2).3, !extractable, "the copy has the stored usage");
    assert_eq!(sys(&mut c, CLOSE, &[k]), Ok(()));
    let k = new(&mut c, OPEN, &[1, ID, 3, RW, H]);
    assert_eq!(info(&mut c, k).3, !extractable);
    assert_eq!(sys(&mut c, DEL, &[k]), Ok(()));

    // Uninitialised attribute objects are refused, and nothing is stored.
    let empty = new(&mut c, ALLOC, &[u64::from(AES), 256, H]);
    assert_eq!(sys(&mut c, CREATE, &[1, ID, 3, RW, empty, 0, 0, H]), Err(TeeError::BadParameters));
    assert_eq!(sys(&mut c, OPEN, &[1, ID, 3, RW, H]), Err(TeeError::ItemNotFound));
}
