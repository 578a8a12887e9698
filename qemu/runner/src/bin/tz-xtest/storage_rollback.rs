//! 6004: the normal world edits tee-supplicant's files under the TEE. It
//! keeps a copy of the REE FS before `tas/storage_ta` updates its `mark`
//! object, then puts the object's old file back (under the name the
//! current version has: the same on ours, a new file number upstream) or
//! deletes it; the TA must get an error, never the old data. The directory
//! file (`dirf.db`) is left alone: rolling it back together with the
//! objects needs a monotonic counter, which QEMU does not have.
//!
//! Both TEEs answer CORRUPT_OBJECT (optee_os 4.5.0 `ree_fs_open`); upstream
//! also deletes an object it finds corrupt when a TA opens it
//! (`tee_svc_storage.c` `remove_corrupt_obj`), so there a second open says
//! ITEM_NOT_FOUND, while ours keeps it (CORRUPT_OBJECT until the TA
//! replaces it), checked on ours only.

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

/// An object's old file put back after an update.
fn stale_file_refused(ctx: &Context) -> Result<(), String> {
    let upstream = tz_runner::tee_from_cmdline().as_deref() == Some("upstream");
    mark(ctx, &storage_ta::UUID, storage_ta::CMD_DEL_MARK, 0)?;
    if mark(ctx, &storage_ta::UUID, storage_ta::CMD_PUT_MARK, 0x11)? != (0, 0) {
        return Err("PUT_MARK 11 failed".into());
    }
    let before = files()?;
    if mark(ctx, &storage_ta::UUID, storage_ta::CMD_PUT_MARK, 0x22)? != (0, 0) {
        return Err("PUT_MARK 22 failed".into());
    }
    let after = files()?;
    let ((_, old_bytes), new_path) = changed(&before, &after)?;
    write(&new_path, &old_bytes)?;
    let corrupt = (1, TeeError::CorruptObject.code());
    let got = get(ctx)?;
    if got != corrupt {
        return Err(format!("with the old file put back GET_MARK gave {got:x?}, want CORRUPT_OBJECT {corrupt:x?}"));
    }
    if !upstream {
        // Still refused, not forgotten; the current file makes it whole again.
        let again = get(ctx)?;
        if again != corrupt {
            return Err(format!("second open: {again:x?}, want CORRUPT_OBJECT again"));
        }
        write(&new_path, &after[&new_path])?;
        let back = get(ctx)?;
        if back != (0, 0x22) {
            return Err(format!("with the current file back: {back:x?}, want (0, 22)"));
        }
        // A deleted object file is noticed too.
        std::fs::remove_file(&new_path).map_err(|e| e.to_string())?;
        let gone = get(ctx)?;
        if gone != corrupt {
            return Err(format!("with the file deleted: {gone:x?}, want CORRUPT_OBJECT"));
        }
        write(&new_path, &after[&new_path])?;
    }
    mark(ctx, &storage_ta::UUID, storage_ta::CMD_DEL_MARK, 0)?;
    // The TA can always replace the object (upstream deleted it already).
    if mark(ctx, &storage_ta::UUID, storage_ta::CMD_PUT_MARK, 0x33)? != (0, 0) || get(ctx)? != (0, 0x33) {
        return Err("the object could not be written again".into());
    }
    mark(ctx, &storage_ta::UUID, storage_ta::CMD_DEL_MARK, 0).map(drop)
}

pub fn run(report: &mut tz_runner::Report, ctx: &Context) {
    report.test(6004, "persistent objects: stale or deleted object files are refused");
    report.case("storage-stale-file-put-back", stale_file_refused(ctx));
}
