//! Persistent-object enumerators (`STORAGE_ENUM_*`, upstream's
//! `syscall_storage_alloc_enum` and the calls after it in
//! `core/tee/tee_svc_storage.c`, OP-TEE 4.5.0): a snapshot of the TA's
//! objects taken at START, walked by NEXT.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::fs::ReeFs;
use super::object::{Listed, TaStore};
use super::state::storage_ok;
use crate::handles::{Entry, HandleTable, Kind};

/// The objects an enumeration saw when it started.
type Snapshot = Vec<Listed>;

/// A persistent-object enumerator: `None` until started; then the
/// snapshot and the next index.
#[derive(Default)]
pub struct Enumerator(Option<(Snapshot, usize)>);

impl Entry for Enumerator {
    const KIND: Kind = Kind::Enumerator;
}

fn enumerator(handles: &mut HandleTable, h: u32) -> Result<&mut Enumerator, TeeError> {
    handles.get_mut::<Enumerator>(h).ok_or(TeeError::BadParameters)
}

/// `STORAGE_ENUM_ALLOC`.
pub fn enum_alloc(handles: &mut HandleTable) -> Result<u32, TeeError> {
    handles.insert(Enumerator::default())
}

/// `STORAGE_ENUM_FREE`.
pub fn enum_free(handles: &mut HandleTable, h: u32) -> Result<(), TeeError> {
    handles.remove::<Enumerator>(h).map(|_| ()).ok_or(TeeError::BadParameters)
}

/// `STORAGE_ENUM_RESET`.
pub fn enum_reset(handles: &mut HandleTable, h: u32) -> Result<(), TeeError> {
    enumerator(handles, h)?.0 = None;
    Ok(())
}

/// `STORAGE_ENUM_START` on storage `storage_id`: a snapshot of the TA's
/// objects; ITEM_NOT_FOUND when there are none.
pub fn enum_start(
    handles: &mut HandleTable,
    fs: &mut dyn ReeFs,
    store: &TaStore,
    h: u32,
    storage_id: u64,
) -> Result<(), TeeError> {
    enum_reset(handles, h)?;
    storage_ok(storage_id)?;
    let list = store.list_info(fs)?;
    if list.is_empty() {
        return Err(TeeError::ItemNotFound);
    }
    enumerator(handles, h)?.0 = Some((list, 0));
    Ok(())
}

/// Checks `h` is an enumerator.
pub fn enum_check(handles: &mut HandleTable, h: u32) -> Result<(), TeeError> {
    enumerator(handles, h).map(|_| ())
}

/// `STORAGE_ENUM_NEXT`: the next object's ID and size.
pub fn enum_next(handles: &mut HandleTable, h: u32) -> Result<Listed, TeeError> {
    let Some((list, next)) = &mut enumerator(handles, h)?.0 else {
        return Err(TeeError::ItemNotFound);
    };
    let Some(listed) = list.get(*next) else {
        return Err(TeeError::ItemNotFound);
    };
    let id = crate::params::try_copy(&listed.id).map_err(|_| TeeError::OutOfMemory)?;
    let found = Listed { id, ..*listed };
    *next += 1;
    Ok(found)
}
