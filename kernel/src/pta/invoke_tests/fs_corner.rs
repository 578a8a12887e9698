//! FS_HTREE of the invoke-tests PTA: corner cases of our secure-storage
//! file format on the REE file system it really lives on. Upstream
//! (optee_os 4.5.0 `core/pta/tests/fs_htree.c`) tests its hash tree
//! there; our format is one authenticated, encrypted file per object
//! (`storage::object`), so these are its corners: every kind of damage to
//! a file (header, nonce, body, tag, one byte short, another object's
//! file under this name) must read back as CORRUPT_OBJECT, trailing bytes
//! past the declared length must not change the object, an
//! empty object must round-trip, and a removed one must be gone.
//!
//! The objects live in the store of the PTA's own UUID, which no TA has,
//! and are removed at the end whatever happened.

extern crate alloc;

use alloc::vec::Vec;

use tee_abi::result::TeeError;

use crate::storage::fs::ReeFs;
use crate::storage::object::{HEADER, TaStore, device_key};

const ID_A: &[u8] = b"invoke-tests fs corner A";
const ID_B: &[u8] = b"invoke-tests fs corner B";

/// Runs the corner cases on `fs`; the first failure is logged and is
/// GENERIC (a storage error is passed on as it is).
pub fn run(fs: &mut dyn ReeFs) -> Result<(), TeeError> {
    let store = TaStore::new(&device_key(), &super::UUID);
    let r = corners(&store, fs);
    let _ = store.remove(fs, ID_A, &nonce());
    let _ = store.remove(fs, ID_B, &nonce());
    if let Err(e) = &r {
        log::error!("invoke-tests PTA: storage corner case failed: {e:?}");
    }
    r
}

fn nonce() -> [u8; 12] {
    let mut n = [0u8; 12];
    crate::rng::fill(&mut n);
    n
}

fn ensure(ok: bool) -> Result<(), TeeError> {
    if ok { Ok(()) } else { Err(TeeError::Generic) }
}

fn read_file(fs: &mut dyn ReeFs, path: &str, len: usize) -> Result<Vec<u8>, TeeError> {
    let fd = fs.open(path)?;
    let r = fs.read(fd, 0, len);
    let _ = fs.close(fd);
    r
}

/// Replaces the file at `path` with `bytes` (same name, no rename).
fn write_file(fs: &mut dyn ReeFs, path: &str, bytes: &[u8]) -> Result<(), TeeError> {
    let fd = fs.open(path)?;
    let r = fs.truncate(fd, 0).and_then(|()| fs.write(fd, 0, bytes));
    let _ = fs.close(fd);
    r
}

fn corners(store: &TaStore, fs: &mut dyn ReeFs) -> Result<(), TeeError> {
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 + 3) as u8).collect();
    store.commit(fs, ID_A, 1, &data, &nonce(), true)?;
    let stored = store.load(fs, ID_A)?;
    ensure(stored.data == data && stored.id == ID_A)?;

    let path = store.path(ID_A);
    let good = read_file(fs, &path, HEADER + data.len() + 4096)?;
    ensure(good.len() > HEADER + data.len())?;
    let last = good.len() - 1;
    // One flipped bit in the header, the nonce, the body and the tag.
    for at in [0, 24, HEADER + 100, last] {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        write_file(fs, &path, &bad)?;
        ensure(store.load(fs, ID_A) == Err(TeeError::CorruptObject))?;
    }
    // One byte short is damage; bytes past the length the header declares
    // are not part of the object, which reads back unchanged.
    write_file(fs, &path, &good[..last])?;
    ensure(store.load(fs, ID_A) == Err(TeeError::CorruptObject))?;
    let mut long = good.clone();
    long.push(0);
    write_file(fs, &path, &long)?;
    ensure(store.load(fs, ID_A)?.data == data)?;
    // Repaired, it reads back.
    write_file(fs, &path, &good)?;
    ensure(store.load(fs, ID_A)?.data == data)?;

    // An empty object round-trips; A's file under B's name does not pass for B.
    store.commit(fs, ID_B, 1, &[], &nonce(), true)?;
    ensure(store.load(fs, ID_B)?.data.is_empty())?;
    write_file(fs, &store.path(ID_B), &good)?;
    ensure(store.load(fs, ID_B) == Err(TeeError::CorruptObject))?;

    // Removed means gone.
    store.remove(fs, ID_A, &nonce())?;
    ensure(store.load(fs, ID_A) == Err(TeeError::ItemNotFound))
}
