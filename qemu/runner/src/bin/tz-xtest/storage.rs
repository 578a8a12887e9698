//! `TZTEST storage-*`: GP secure storage through `tas/storage_ta`
//! (`ee81bdd8-…`) and its peer under another UUID (`078b7b0f-…`). Each
//! `storage-<case>` runs one self-contained case inside the TA (command 0);
//! the TA reports the failing step and the `TEE_Result` it saw there.
//! `storage-ta-separation` and `storage-persists-across-instances` use the
//! `mark` object of both TAs (commands 1-3) across sessions.
//!
//! 6003 checks that the open-object list is one for the whole TEE, as
//! upstream's `tee_pobjs`: `tas/pta_client` is multi-instance, so each of
//! its sessions is an instance of its own; one holds an object open
//! (HOLD_OBJECT) while another asks for it; two that both share write
//! access write and read one object (WRITE_HELD/READ_HELD).

use proto::{pta_client, storage_ta};
use tee_abi::gp::data_flag::{ACCESS_READ, ACCESS_WRITE, SHARE_READ, SHARE_WRITE};
use teec::{Context, Login, Param, Session, SharedMemory, TeeError, TeecError, Uuid};
use tz_runner::Report;

/// (case name, case number in the TA).
const CASES: [(&str, u32); 10] = [
    ("storage-create-read-back", 1),
    ("storage-overwrite-flag", 2),
    ("storage-access-conflict-sharing", 3),
    ("storage-seek-write-truncate", 4),
    ("storage-rename", 5),
    ("storage-delete-then-item-not-found", 6),
    ("storage-enumerate", 7),
    ("storage-large-object-64k", 8),
    ("storage-access-rights", 9),
    ("storage-ids-and-storage-ids", 10),
];

/// Test 6002: edge cases, run the same way.
const EDGE_CASES: [(&str, u32); 6] = [
    ("storage-truncate-grows-with-zeros", 11),
    ("storage-empty-read-write", 12),
    ("storage-twenty-objects-enumerated", 13),
    ("storage-position-overflow", 14),
    ("storage-binary-object-id", 15),
    ("storage-read-write-one-position", 16),
];

/// Invokes `cmd` with `arg`; the TA's (step, value) verdict.
fn call(session: &mut Session<'_>, cmd: u32, arg: u32) -> Result<(u32, u32), String> {
    let mut params = [Param::ValueInput { a: arg, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    session.invoke(cmd, &mut params).map_err(|e| format!("invoke {cmd}({arg}): {e}"))?;
    match params[1] {
        Param::ValueOutput { a, b } => Ok((a, b)),
        _ => unreachable!(),
    }
}

fn open<'c>(ctx: &'c Context, uuid: &Uuid) -> Result<Session<'c>, String> {
    ctx.open_session(uuid, Login::Public).map_err(|e| format!("open session: {e}"))
}

fn case(ctx: &Context, n: u32) -> Result<(), String> {
    let mut s = open(ctx, &storage_ta::UUID)?;
    match call(&mut s, storage_ta::CMD_RUN_CASE, n)? {
        (0, _) => Ok(()),
        (step, code) => Err(format!("case {n} failed at step {step} with {code:#010x}")),
    }
}

pub(super) fn mark(ctx: &Context, uuid: &Uuid, cmd: u32, arg: u32) -> Result<(u32, u32), String> {
    // A session per call: the instance goes away in between (no keep-alive),
    // so what is read back came from the file, not from instance memory.
    let mut s = open(ctx, uuid)?;
    call(&mut s, cmd, arg)
}

fn separation(ctx: &Context) -> Result<(), String> {
    for uuid in [storage_ta::UUID, storage_ta::PEER_UUID] {
        mark(ctx, &uuid, storage_ta::CMD_DEL_MARK, 0)?;
    }
    if mark(ctx, &storage_ta::UUID, storage_ta::CMD_PUT_MARK, 0xA1)? != (0, 0) {
        return Err("TA 1 could not write its mark".into());
    }
    match mark(ctx, &storage_ta::PEER_UUID, storage_ta::CMD_GET_MARK, 0)? {
        (1, code) if code == TeeError::ItemNotFound.code() => {}
        other => return Err(format!("the peer TA sees TA 1's object: {other:x?}")),
    }
    if mark(ctx, &storage_ta::PEER_UUID, storage_ta::CMD_PUT_MARK, 0xB2)? != (0, 0) {
        return Err("peer TA could not write its mark".into());
    }
    let a = mark(ctx, &storage_ta::UUID, storage_ta::CMD_GET_MARK, 0)?;
    let b = mark(ctx, &storage_ta::PEER_UUID, storage_ta::CMD_GET_MARK, 0)?;
    if a != (0, 0xA1) || b != (0, 0xB2) {
        return Err(format!("same object ID, two TAs: got {a:x?} and {b:x?}, want (0, a1) and (0, b2)"));
    }
    Ok(())
}

fn persists(ctx: &Context) -> Result<(), String> {
    mark(ctx, &storage_ta::UUID, storage_ta::CMD_PUT_MARK, 0x5C)?;
    let got = mark(ctx, &storage_ta::UUID, storage_ta::CMD_GET_MARK, 0)?;
    mark(ctx, &storage_ta::UUID, storage_ta::CMD_DEL_MARK, 0)?;
    mark(ctx, &storage_ta::PEER_UUID, storage_ta::CMD_DEL_MARK, 0)?;
    let gone = mark(ctx, &storage_ta::UUID, storage_ta::CMD_GET_MARK, 0)?;
    if got != (0, 0x5C) {
        return Err(format!("read back {got:x?} in a new instance, want (0, 5c)"));
    }
    if gone != (1, TeeError::ItemNotFound.code()) {
        return Err(format!("after delete: {gone:x?}, want ITEM_NOT_FOUND"));
    }
    Ok(())
}

/// HOLD_OBJECT with `flags` in session `s` (its own instance).
fn hold(s: &mut Session<'_>, flags: u32) -> Result<(), TeecError> {
    let mut params = [Param::ValueInput { a: flags, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(pta_client::CMD_HOLD_OBJECT, &mut params)
}

fn delete_held(s: &mut Session<'_>) -> Result<(), String> {
    let mut params = [Param::None, Param::None, Param::None, Param::None];
    s.invoke(pta_client::CMD_DELETE_HELD, &mut params).map_err(|e| format!("DELETE_HELD: {e}"))
}

/// Exclusive write access to an object holds across two instances of one
/// TA, and ends with the holder's instance.
fn exclusive_across_instances(ctx: &Context) -> Result<(), String> {
    let mut a = open(ctx, &pta_client::UUID)?;
    let mut b = open(ctx, &pta_client::UUID)?;
    hold(&mut a, ACCESS_WRITE).map_err(|e| format!("first hold: {e}"))?;
    match hold(&mut b, ACCESS_WRITE) {
        Err(e) if e.is_from_ta(TeeError::AccessConflict) => {}
        other => return Err(format!("a second instance opened the object for writing too: {other:?}")),
    }
    match hold(&mut b, ACCESS_READ) {
        Err(e) if e.is_from_ta(TeeError::AccessConflict) => {}
        other => return Err(format!("a second instance read an object held for exclusive writing: {other:?}")),
    }
    drop(a);
    hold(&mut b, ACCESS_WRITE).map_err(|e| format!("hold after the first instance ended: {e}"))?;
    delete_held(&mut b)
}

/// Readers that both share reading may hold one object from two instances.
fn shared_read_across_instances(ctx: &Context) -> Result<(), String> {
    let mut a = open(ctx, &pta_client::UUID)?;
    let mut b = open(ctx, &pta_client::UUID)?;
    hold(&mut a, ACCESS_READ | SHARE_READ).map_err(|e| format!("first reader: {e}"))?;
    hold(&mut b, ACCESS_READ | SHARE_READ).map_err(|e| format!("second reader: {e}"))?;
    drop(b);
    delete_held(&mut a)
}

/// WRITE_HELD of `data` at `at` in session `s`.
fn write_held(ctx: &Context, s: &mut Session<'_>, at: u32, data: &[u8]) -> Result<(), String> {
    let mut shm = SharedMemory::alloc(ctx, data.len()).map_err(|e| format!("alloc: {e}"))?;
    shm.as_mut_slice().copy_from_slice(data);
    let mut params = [Param::ValueInput { a: at, b: 0 }, Param::input(&shm), Param::None, Param::None];
    s.invoke(pta_client::CMD_WRITE_HELD, &mut params).map_err(|e| format!("WRITE_HELD: {e}"))
}

/// READ_HELD of up to `len` bytes at `at` in session `s`.
fn read_held(ctx: &Context, s: &mut Session<'_>, at: u32, len: usize) -> Result<Vec<u8>, String> {
    let mut shm = SharedMemory::alloc(ctx, len).map_err(|e| format!("alloc: {e}"))?;
    let mut params = [Param::ValueInput { a: at, b: 0 }, Param::output(&mut shm), Param::None, Param::None];
    s.invoke(pta_client::CMD_READ_HELD, &mut params).map_err(|e| format!("READ_HELD: {e}"))?;
    let Param::MemrefOutput { size, .. } = params[1] else { unreachable!() };
    Ok(shm.as_slice()[..size.min(len)].to_vec())
}

/// Two instances that both share write access hold one object and see
/// each other's writes, as GP's shared data stream (one content for every
/// handle, each with its own position).
///
/// Upstream OP-TEE 4.5 differs: it admits both handles (one `tee_pobj`),
/// but each keeps its own REE FS file state (`tee_obj.fh`, with its hash
/// tree and size), so the second instance never sees the first one's
/// write: seen here both as a read of the stale (empty) content and as
/// CORRUPT_OBJECT, after which upstream deletes the object
/// (`syscall_storage_obj_read` -> `remove_corrupt_obj`, optee_os 4.5.0
/// `core/tee/tee_svc_storage.c`). On upstream the case checks that the
/// write stays unseen, so a change there shows.
fn shared_write_across_instances(ctx: &Context) -> Result<(), String> {
    let flags = ACCESS_READ | ACCESS_WRITE | SHARE_READ | SHARE_WRITE;
    let upstream = tz_runner::on_upstream();
    let mut a = open(ctx, &pta_client::UUID)?;
    let mut b = open(ctx, &pta_client::UUID)?;
    hold(&mut a, flags).map_err(|e| format!("first writer: {e}"))?;
    hold(&mut b, flags).map_err(|e| format!("second writer: {e}"))?;
    write_held(ctx, &mut a, 0, b"hello")?;
    let seen = read_held(ctx, &mut b, 0, 16);
    if upstream {
        drop(b);
        let _ = delete_held(&mut a);
        return match seen {
            Err(e) if e.contains("CORRUPT_OBJECT") => Ok(()),
            Ok(stale) if stale != b"hello" => Ok(()),
            other => Err(format!("upstream now shows the other instance's write: {other:?}")),
        };
    }
    let seen = seen?;
    write_held(ctx, &mut b, 0, b"J")?;
    write_held(ctx, &mut b, 5, b"!")?;
    let back = read_held(ctx, &mut a, 0, 16)?;
    drop(b);
    delete_held(&mut a)?;
    match (seen.as_slice(), back.as_slice()) {
        (b"hello", b"Jello!") => Ok(()),
        _ => Err(format!(
            "the second instance read {:?}, the first then {:?}; want \"hello\" and \"Jello!\"",
            String::from_utf8_lossy(&seen),
            String::from_utf8_lossy(&back)
        )),
    }
}

pub fn run(report: &mut Report) {
    report.test(6001, "persistent objects: life cycle, separation, persistence");
    match Context::new() {
        Ok(ctx) => {
            for (name, n) in CASES {
                report.case(name, case(&ctx, n));
            }
            report.case("storage-ta-separation", separation(&ctx));
            report.case("storage-persists-across-instances", persists(&ctx));
            report.test(6002, "persistent objects: edge cases");
            for (name, n) in EDGE_CASES {
                report.case(name, case(&ctx, n));
            }
            report.test(6003, "persistent objects: one open-object list across instances");
            report.case("storage-exclusive-across-instances", exclusive_across_instances(&ctx));
            report.case("storage-shared-read-across-instances", shared_read_across_instances(&ctx));
            report.case("storage-shared-write-across-instances", shared_write_across_instances(&ctx));
            super::storage_rollback::run(report, &ctx);
        }
        Err(e) => report.case("storage-context", Err(format!("context: {e}"))),
    }
}
