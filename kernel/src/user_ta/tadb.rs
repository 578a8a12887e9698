//! The TA database: TAs installed in secure storage through the
//! secure-storage TA management pseudo-TA (`pta::secstor_ta_mgmt`), the
//! counterpart of upstream's `core/tee/tadb.c` and its TA store
//! `core/kernel/secstor_ta.c` (optee_os 4.5.0). Upstream asks that store
//! (priority 4) before the REE file system's (priority 9), and so does
//! [`super::store::fetch`].
//!
//! Each installed TA is one object of the storage service's format
//! (`storage::object`: encrypted and authenticated under the device key) in
//! a namespace of its own, the PTA's UUID: object ID = the TA's UUID
//! octets, data = the signed `.ta` file exactly as it was installed. A
//! lookup hands that file to the loader, which verifies it like any file
//! fetched from the normal world (upstream trusts its database's payload
//! instead; checking twice costs one signature check per load and keeps one
//! path into the loader). Objects are bounded by `object::MAX_DATA` (1 MiB):
//! a larger TA is refused with `STORAGE_NO_SPACE`, where upstream's
//! streaming database would take it.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use crate::session::Uuid;
use crate::storage::fs::ReeFs;
use crate::storage::object::{TaStore, device_key};
use crate::ta::shdr::{BOOTSTRAP_SIZE, BootstrapTa, Shdr};

/// The namespace the database's objects live in (`PTA_SECSTOR_TA_MGMT_UUID`).
const NAMESPACE: Uuid = tee_abi::pta::SECSTOR_TA_MGMT_UUID.to_octets();

fn store() -> TaStore {
    TaStore::new(&device_key(), &NAMESPACE)
}

/// The installed signed file of TA `uuid`; `None` when none is installed.
pub fn lookup(fs: &mut dyn ReeFs, uuid: &Uuid) -> Result<Option<Vec<u8>>, TeeError> {
    match store().load(fs, uuid) {
        Ok(stored) => Ok(Some(stored.data)),
        Err(TeeError::ItemNotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The `ta_version` of the installed TA `uuid`, read from its bootstrap
/// header (the file was verified when it was installed and the storage
/// authenticates it).
fn installed_version(fs: &mut dyn ReeFs, uuid: &Uuid) -> Result<Option<u32>, TeeError> {
    let Some(file) = lookup(fs, uuid)? else {
        return Ok(None);
    };
    let at = Shdr::parse(&file).map(|h| h.size()).ok_or(TeeError::CorruptObject)?;
    let bs = file.get(at..at + BOOTSTRAP_SIZE).ok_or(TeeError::CorruptObject)?;
    Ok(Some(u32::from_le_bytes([bs[16], bs[17], bs[18], bs[19]])))
}

/// Installs the verified `file` of the TA `bootstrap` names, replacing an
/// installed one unless that one has a higher `ta_version`
/// (`ACCESS_CONFLICT`, upstream's `check_install_conflict`). `nonce` seals
/// the object.
pub fn install(fs: &mut dyn ReeFs, bootstrap: &BootstrapTa, file: &[u8], nonce: &[u8; 12]) -> Result<(), TeeError> {
    let uuid = bootstrap.uuid.to_octets();
    if installed_version(fs, &uuid)?.is_some_and(|v| v > bootstrap.ta_version) {
        return Err(TeeError::AccessConflict);
    }
    store().commit(fs, &uuid, 0, file, nonce, true)
}

#[cfg(test)]
mod tests;
