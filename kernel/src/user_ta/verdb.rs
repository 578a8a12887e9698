//! The anti-rollback version databases of TAs loaded from the REE store:
//! `ta_ver.db` (bootstrap TA UUID -> highest `ta_version` seen) and
//! `subkey_ver.db` (subkey UUID -> highest `subkey_version` seen), the
//! role of `check_update_version` in upstream's `core/kernel/ree_fs_ta.c`
//! (optee_os 4.5.0). A version above the recorded one replaces it, an
//! equal one passes, a lower one is refused, an unknown UUID is added.
//! Upstream refuses a subkey rollback with `SECURITY` and a TA rollback
//! with `ACCESS_CONFLICT` (the error of the check itself); so do we.
//! Legacy `SHDR_TA` files carry no version and are not checked; neither
//! are TAs from the TA database (upstream's `secstor_ta.c` store checks
//! nothing: its install refuses downgrades instead, see [`super::tadb`]).
//! Libraries fetched from the REE store are checked like TAs, as upstream
//! checks every binary `ree_fs_ta_read` completes.
//!
//! Each database is one object of the storage service's format
//! (`storage::object`: encrypted and authenticated under the device key)
//! in a namespace of ours, [`NAMESPACE`] (upstream keeps its two files in
//! the storage of the nil UUID; the UUID here is this project's own, not
//! upstream's): data = `count × (UUID octets [16] ‖ version u32 LE)`, at
//! most [`MAX_ENTRIES`] records (a new UUID past that is refused with
//! `STORAGE_NO_SPACE`).
//!
//! Two loads at once would race on the read-modify-write (each store
//! call takes the directory lock only for itself): the whole check holds
//! a busy flag of its own (`storage::dirfile::DirLock` on a name no TA
//! directory has; a waiter sleeps in the normal world), as upstream holds
//! `ver_db_mutex`.
//!
//! Differences: upstream updates `subkey_ver.db` while it walks the chain
//! and `ta_ver.db` once the digest matched, so a file refused later (a bad
//! ELF, a missing library) has already raised the recorded versions; we
//! check once the TA and its libraries are verified and parsed, so a
//! refused load records nothing.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use crate::storage::dirfile::DirLock;
use crate::storage::fs::ReeFs;
use crate::storage::object::{TaStore, device_key};
use crate::ta::Versions;

/// The namespace of both databases: a UUID of this project (v4, random),
/// not one of upstream's.
pub const NAMESPACE: [u8; 16] = tee_abi::uuid::Uuid::must("3c1f6a52-8d0e-4b7a-9e21-6f4d2b8a7c15").to_octets();
/// Object ID of the TA version database.
pub const TA_VER_DB: &[u8] = b"ta_ver.db";
/// Object ID of the subkey version database.
pub const SUBKEY_VER_DB: &[u8] = b"subkey_ver.db";
/// Most records one database holds.
pub const MAX_ENTRIES: usize = 1024;
/// Bytes of one record.
const ENTRY: usize = 20;
/// The busy flag's name: not a `/tz/<hex>` TA directory.
const LOCK_NAME: &str = "verdb";

fn store() -> TaStore {
    TaStore::new(&device_key(), &NAMESPACE)
}

/// Checks `versions` (a verified file from the REE store) against both
/// databases and records them: subkeys first (any failure is `SECURITY`),
/// then the bootstrap TA (`ACCESS_CONFLICT` for a rollback, a storage
/// error as it is). Each write is sealed with a fresh `nonce()`.
pub fn check(fs: &mut dyn ReeFs, versions: &Versions, nonce: &mut dyn FnMut() -> [u8; 12]) -> Result<(), TeeError> {
    let _lock = DirLock::take(fs, LOCK_NAME)?;
    for (uuid, version) in versions.subkeys.as_slice() {
        check_update(fs, SUBKEY_VER_DB, uuid, *version, nonce).map_err(|e| {
            log::warn!("subkey {} version {version} refused: {e:?}", tee_abi::uuid::Uuid::from_octets(*uuid));
            TeeError::Security
        })?;
    }
    if let Some(bs) = versions.bootstrap {
        check_update(fs, TA_VER_DB, &bs.uuid.to_octets(), bs.ta_version, nonce)
            .inspect_err(|e| log::warn!("TA {} version {} refused: {e:?}", bs.uuid, bs.ta_version))?;
    }
    Ok(())
}

/// [`check`] of every file in `versions` (from one load) over the normal
/// world's storage.
pub fn check_all(env: &mut dyn crate::call_env::CallEnv, versions: &[Versions]) -> Result<(), TeeError> {
    if versions.iter().all(|v| v.bootstrap.is_none() && v.subkeys.as_slice().is_empty()) {
        return Ok(());
    }
    let mut nonce = || {
        let mut n = [0u8; 12];
        crate::rng::fill(&mut n);
        n
    };
    let mut fs = crate::storage::fs::RpcFs::new(env);
    versions.iter().try_for_each(|v| check(&mut fs, v, &mut nonce))
}

/// One database's check of `uuid` at `version` (the caller holds the lock).
fn check_update(
    fs: &mut dyn ReeFs,
    db: &[u8],
    uuid: &[u8; 16],
    version: u32,
    nonce: &mut dyn FnMut() -> [u8; 12],
) -> Result<(), TeeError> {
    let store = store();
    let mut data = match store.load(fs, db) {
        Ok(stored) => stored.data,
        Err(TeeError::ItemNotFound) => Vec::new(),
        Err(e) => return Err(e),
    };
    if data.len() % ENTRY != 0 || data.len() / ENTRY > MAX_ENTRIES {
        return Err(TeeError::BadState);
    }
    let found = data.chunks_exact(ENTRY).position(|r| r[..16] == uuid[..]);
    match found {
        Some(i) => {
            let at = i * ENTRY + 16;
            let recorded = u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
            if recorded > version {
                return Err(TeeError::AccessConflict);
            }
            if recorded == version {
                return Ok(());
            }
            data[at..at + 4].copy_from_slice(&version.to_le_bytes());
        }
        None => {
            if data.len() / ENTRY >= MAX_ENTRIES {
                return Err(TeeError::StorageNoSpace);
            }
            data.try_reserve(ENTRY).map_err(|_| TeeError::OutOfMemory)?;
            data.extend_from_slice(uuid);
            data.extend_from_slice(&version.to_le_bytes());
        }
    }
    store.commit(fs, db, 0, &data, &nonce(), true)
}

#[cfg(test)]
mod tests;
