//! 6004: the normal world edits tee-supplicant's files under the TEE. It
//! keeps a copy of the REE FS before `tas/storage_ta` updates its `mark`
//! object, then puts the object's old file back (under the name the
//! current version has: the same on ours, a new file number upstream) or
//! deletes it; the TA must get an error, never the old data. The directory
//! file (`dirf.db`) is left alone: rolling it back together with the
//! objects needs a monotonic counter, which QEMU does not have.
//!
//! Both TEEs answer CORRUPT_OBJECT (optee_os 4.5.0 `ree_fs_open`) and
//! delete the object they found corrupt (`tee_svc_storage.c`
//! `remove_corrupt_obj`): a second open says ITEM_NOT_FOUND.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proto::storage_ta;
use teec::{Context, TeeError};

use super::storage::mark;

/// tee-supplicant's REE FS (`qemu/init`).
const REE_FS_DIR: &str = "/var/lib/optee-client/data/tee";

type Files = BTreeMap<PathBuf, Vec<u8>>;

fn snapshot(dir: &Path, out: &mut Files) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            snapshot(&path, out)?;
        } else {
            out.insert(path.clone(), std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?);
        }
    }
    Ok(())
}

fn files() -> Result<Files, String> {
    let mut out = Files::new();
    snapshot(Path::new(REE_FS_DIR), &mut out)?;
    Ok(out)
}

fn is_dir_file(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("dirf.db"))
}

/// The one object file an update changed: its old (path, bytes) and new path.
fn changed(before: &Files, after: &Files) -> Result<((PathBuf, Vec<u8>), PathBuf), String> {
    let old: Vec<_> = before.iter().filter(|(p, b)| !is_dir_file(p) && after.get(*p) != Some(*b)).collect();
    let new: Vec<_> = after.iter().filter(|(p, b)| !is_dir_file(p) && before.get(*p) != Some(*b)).collect();
    match (old.as_slice(), new.as_slice()) {
        ([(op, ob)], [(np, _)]) => Ok((((*op).clone(), (*ob).clone()), (*np).clone())),
        _ => Err(format!("the update changed {} old and {} new object files, want 1 and 1", old.len(), new.len())),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn get(ctx: &Context) -> Result<(u32, u32), String> {
    mark(ctx, &storage_ta::UUID, storage_ta::CMD_GET_MARK, 0)
}

fn put(ctx: &Context, byte: u32) -> Result<(), String> {
    match mark(ctx, &storage_ta::UUID, storage_ta::CMD_PUT_MARK, byte)? {
        (0, 0) => Ok(()),
        other => Err(format!("PUT_MARK {byte:x}: {other:x?}")),
    }
}

/// GET_MARK is CORRUPT_OBJECT, then (the object deleted) ITEM_NOT_FOUND.
fn corrupt_then_gone(ctx: &Context, what: &str) -> Result<(), String> {
    let corrupt = (1, TeeError::CorruptObject.code());
    let got = get(ctx)?;
    if got != corrupt {
        return Err(format!("{what}: GET_MARK gave {got:x?}, want CORRUPT_OBJECT {corrupt:x?}"));
    }
    let again = get(ctx)?;
    if again != (1, TeeError::ItemNotFound.code()) {
        return Err(format!("{what}: second GET_MARK gave {again:x?}, want ITEM_NOT_FOUND (deleted)"));
    }
    Ok(())
}

/// An object's old file put back after an update, then a current file
/// deleted.
fn stale_file_refused(ctx: &Context) -> Result<(), String> {
    mark(ctx, &storage_ta::UUID, storage_ta::CMD_DEL_MARK, 0)?;
    put(ctx, 0x11)?;
    let before = files()?;
    put(ctx, 0x22)?;
    let ((_, old_bytes), new_path) = changed(&before, &files()?)?;
    write(&new_path, &old_bytes)?;
    corrupt_then_gone(ctx, "the old file put back")?;
    let before = files()?;
    put(ctx, 0x33)?;
    if get(ctx)? != (0, 0x33) {
        return Err("the object could not be written again".into());
    }
    let (_, new_path) = changed(&before, &files()?).or_else(|_| {
        // Created afresh: no old object file, one new one.
        let after = files()?;
        let new: Vec<_> = after.keys().filter(|p| !is_dir_file(p) && !before.contains_key(*p)).cloned().collect();
        match new.as_slice() {
            [p] => Ok(((PathBuf::new(), Vec::new()), p.clone())),
            _ => Err(format!("{} new object files after a create, want 1", new.len())),
        }
    })?;
    std::fs::remove_file(&new_path).map_err(|e| format!("{}: {e}", new_path.display()))?;
    corrupt_then_gone(ctx, "the file deleted")?;
    put(ctx, 0x44)?;
    mark(ctx, &storage_ta::UUID, storage_ta::CMD_DEL_MARK, 0).map(drop)
}

pub fn run(report: &mut tz_runner::Report, ctx: &Context) {
    report.test(6004, "persistent objects: stale or deleted object files are refused");
    report.case("storage-stale-file-put-back", stale_file_refused(ctx));
}
