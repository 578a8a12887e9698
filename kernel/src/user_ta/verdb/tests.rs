//! The version databases over an in-memory file system: first load
//! records, a higher version updates, an equal one passes, a lower one is
//! refused with upstream's code, UUIDs are independent, the size is
//! bounded and a damaged database is an error.

extern crate std;

use super::{MAX_ENTRIES, NAMESPACE, SUBKEY_VER_DB, TA_VER_DB, check};
use crate::pta::invoke_tests::tests::MemFs;
use crate::storage::object::{TaStore, device_key};
use crate::ta::Versions;
use crate::ta::shdr::{BootstrapTa, SubkeyVersions};
use tee_abi::result::TeeError;
use tee_abi::uuid::Uuid;

const TA: Uuid = Uuid::must("7e0a0900-586b-11e5-931f-0002a5d5c51b");
const OTHER: Uuid = Uuid::must("7e0a0901-586b-11e5-931f-0002a5d5c51b");

fn nonces() -> impl FnMut() -> [u8; 12] {
    let mut n = 0u8;
    move || {
        n = n.wrapping_add(1);
        [n; 12]
    }
}

fn ta(uuid: Uuid, version: u32) -> Versions {
    Versions { bootstrap: Some(BootstrapTa { uuid, ta_version: version }), subkeys: SubkeyVersions::default() }
}

fn run(fs: &mut MemFs, v: &Versions) -> Result<(), TeeError> {
    check(fs, v, &mut nonces())
}

/// The records of database `db`.
fn records(fs: &mut MemFs, db: &[u8]) -> std::vec::Vec<([u8; 16], u32)> {
    let data = TaStore::new(&device_key(), &NAMESPACE).load(fs, db).unwrap().data;
    data.chunks_exact(20)
        .map(|r| (r[..16].try_into().unwrap(), u32::from_le_bytes(r[16..].try_into().unwrap())))
        .collect()
}

#[test]
fn a_first_load_records_its_version_and_equal_or_higher_ones_pass() {
    let mut fs = MemFs::default();
    assert_eq!(run(&mut fs, &ta(TA, 2)), Ok(()));
    assert_eq!(records(&mut fs, TA_VER_DB), [(TA.to_octets(), 2)]);
    assert_eq!(run(&mut fs, &ta(TA, 2)), Ok(()));
    assert_eq!(run(&mut fs, &ta(TA, 5)), Ok(()));
    assert_eq!(records(&mut fs, TA_VER_DB), [(TA.to_octets(), 5)]);
}

#[test]
fn a_lower_ta_version_is_an_access_conflict_and_changes_nothing() {
    let mut fs = MemFs::default();
    run(&mut fs, &ta(TA, 2)).unwrap();
    assert_eq!(run(&mut fs, &ta(TA, 1)), Err(TeeError::AccessConflict));
    assert_eq!(records(&mut fs, TA_VER_DB), [(TA.to_octets(), 2)]);
}

#[test]
fn separate_uuids_are_independent() {
    let mut fs = MemFs::default();
    run(&mut fs, &ta(TA, 7)).unwrap();
    assert_eq!(run(&mut fs, &ta(OTHER, 1)), Ok(()));
    assert_eq!(run(&mut fs, &ta(OTHER, 0)), Err(TeeError::AccessConflict));
    assert_eq!(records(&mut fs, TA_VER_DB), [(TA.to_octets(), 7), (OTHER.to_octets(), 1)]);
}

#[test]
fn a_subkey_rollback_is_a_security_error_before_the_ta_is_looked_at() {
    let mut fs = MemFs::default();
    let signed = |subkey_version: u32, ta_version: u32| {
        let mut subkeys = SubkeyVersions::default();
        subkeys.push([3; 16], subkey_version).unwrap();
        Versions { subkeys, ..ta(TA, ta_version) }
    };
    run(&mut fs, &signed(4, 1)).unwrap();
    assert_eq!(records(&mut fs, SUBKEY_VER_DB), [([3; 16], 4)]);
    assert_eq!(run(&mut fs, &signed(3, 9)), Err(TeeError::Security));
    assert_eq!(records(&mut fs, TA_VER_DB), [(TA.to_octets(), 1)], "TA not recorded after a refused subkey");
    assert_eq!(run(&mut fs, &signed(5, 1)), Ok(()));
    assert_eq!(records(&mut fs, SUBKEY_VER_DB), [([3; 16], 5)]);
}

#[test]
fn a_legacy_file_without_versions_touches_nothing() {
    let mut fs = MemFs::default();
    assert_eq!(run(&mut fs, &Versions::default()), Ok(()));
    assert!(fs.files.is_empty());
}

#[test]
fn the_database_is_bounded() {
    let mut fs = MemFs::default();
    let mut data = std::vec::Vec::new();
    for i in 0..MAX_ENTRIES as u32 {
        let mut id = [0u8; 16];
        id[..4].copy_from_slice(&i.to_le_bytes());
        id[15] = 0xee;
        data.extend_from_slice(&id);
        data.extend_from_slice(&1u32.to_le_bytes());
    }
    TaStore::new(&device_key(), &NAMESPACE).commit(&mut fs, TA_VER_DB, 0, &data, &[9; 12], true).unwrap();
    assert_eq!(run(&mut fs, &ta(TA, 1)), Err(TeeError::StorageNoSpace));
    // Known UUIDs are still checked and updated.
    let mut first = [0u8; 16];
    first[15] = 0xee;
    assert_eq!(run(&mut fs, &ta(Uuid::from_octets(first), 0)), Err(TeeError::AccessConflict));
    assert_eq!(run(&mut fs, &ta(Uuid::from_octets(first), 2)), Ok(()));
}

#[test]
fn a_damaged_database_is_an_error_not_a_fresh_start() {
    let mut fs = MemFs::default();
    run(&mut fs, &ta(TA, 2)).unwrap();
    for f in fs.files.values_mut() {
        let last = f.len() - 1;
        f[last] ^= 1;
    }
    let err = run(&mut fs, &ta(TA, 1)).unwrap_err();
    assert_ne!(err, TeeError::AccessConflict);
    assert_eq!(run(&mut fs, &ta(TA, 3)), Err(err), "a newer version is refused too: nothing to compare with");
}

#[test]
fn a_record_list_of_a_bad_length_is_refused() {
    let mut fs = MemFs::default();
    TaStore::new(&device_key(), &NAMESPACE).commit(&mut fs, TA_VER_DB, 0, &[0; 21], &[9; 12], true).unwrap();
    assert_eq!(run(&mut fs, &ta(TA, 1)), Err(TeeError::BadState));
}
