//! The TA database over an in-memory file system: install, look up,
//! replace, refuse a downgrade, and keep out of other TAs' storage.

extern crate std;

use super::{install, lookup};
use crate::pta::invoke_tests::tests::MemFs;
use crate::ta::shdr::BootstrapTa;
use tee_abi::result::TeeError;
use tee_abi::uuid::Uuid;

const TA: Uuid = Uuid::must("7e0a0900-586b-11e5-931f-0002a5d5c51b");

/// A stand-in for a signed file: the database stores bytes as given and
/// reads `ta_version` from the bootstrap header after a 0-byte-hash header.
fn file(version: u32, tail: &[u8]) -> std::vec::Vec<u8> {
    let mut f = std::vec![0u8; tee_abi::shdr::SHDR_SIZE];
    f.extend_from_slice(&TA.to_octets());
    f.extend_from_slice(&version.to_le_bytes());
    f.extend_from_slice(tail);
    f
}

fn bs(version: u32) -> BootstrapTa {
    BootstrapTa { uuid: TA, ta_version: version }
}

#[test]
fn an_installed_ta_is_found_and_others_are_not() {
    let mut fs = MemFs::default();
    assert_eq!(lookup(&mut fs, &TA.to_octets()), Ok(None));
    install(&mut fs, &bs(1), &file(1, b"v1"), &[1; 12]).unwrap();
    assert_eq!(lookup(&mut fs, &TA.to_octets()), Ok(Some(file(1, b"v1"))));
    assert_eq!(lookup(&mut fs, &[9; 16]), Ok(None));
}

#[test]
fn same_or_newer_versions_replace_older_ones_never_the_reverse() {
    let mut fs = MemFs::default();
    install(&mut fs, &bs(2), &file(2, b"a"), &[1; 12]).unwrap();
    install(&mut fs, &bs(2), &file(2, b"b"), &[2; 12]).unwrap();
    assert_eq!(lookup(&mut fs, &TA.to_octets()), Ok(Some(file(2, b"b"))));
    assert_eq!(install(&mut fs, &bs(1), &file(1, b"c"), &[3; 12]), Err(TeeError::AccessConflict));
    install(&mut fs, &bs(3), &file(3, b"d"), &[4; 12]).unwrap();
    assert_eq!(lookup(&mut fs, &TA.to_octets()), Ok(Some(file(3, b"d"))));
}

#[test]
fn a_tampered_database_file_is_an_error_not_a_miss() {
    let mut fs = MemFs::default();
    install(&mut fs, &bs(1), &file(1, b"v1"), &[1; 12]).unwrap();
    for f in fs.files.values_mut() {
        let last = f.len() - 1;
        f[last] ^= 1;
    }
    assert!(matches!(lookup(&mut fs, &TA.to_octets()), Err(e) if e != TeeError::ItemNotFound));
}

#[test]
fn files_over_the_object_bound_are_refused() {
    let mut fs = MemFs::default();
    let big = file(1, &std::vec![0; crate::storage::object::MAX_DATA]);
    assert_eq!(install(&mut fs, &bs(1), &big, &[1; 12]), Err(TeeError::StorageNoSpace));
}
