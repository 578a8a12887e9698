//! Resource exhaustion from one unprivileged client (security issue,
//! findings 6, 12 and 13): every flood ends in an error for that client,
//! never a hang or a dead secure world, and leaves everything as it was.
//!
//! - 1010 `shm-register-16m-until-refused`, `shm-register-64m-until-refused`:
//!   `TEE_IOC_SHM_REGISTER` of one size in a loop until the TEE refuses
//!   (EINVAL, i.e. BAD_PARAMETERS from the ioctl; upstream takes 4 × 16 MiB
//!   and no 64 MiB one, ours up to its registry quota); a session another
//!   client opened before still works; after release the kernel's heap,
//!   sessions and shm objects are back to the start (our statistics PTA;
//!   not on upstream) and a fresh registration works.
//! - 1011 `sessions-until-refused`: OpenSession on the single-instance
//!   hello_world until refusal with OUT_OF_MEMORY (upstream near 800, when
//!   the TA's heap is full; ours at its per-instance bound); the other
//!   client's session still works, nothing died, all is freed after.
//! - 1012 `memref-2mib-8x10`: 8 threads, each with its own context and
//!   session to params_ta, 10 UPPER calls each on a 2 MiB registered
//!   memref: all 80 succeed with the right answer (ours queues the bounce
//!   buffers; upstream maps the memory).

use proto::{hello_world, params_ta};
use tee_abi::pta;
use teec::{Context, Login, Param, SharedMemory, TeeError};
use tz_runner::{Report, on_threads_with_session, tee_from_cmdline};

const MIB: usize = 1 << 20;
/// Loop caps: well past both kernels' refusals, short of a runaway.
const SHM_CAP: usize = 64;
const SESSION_CAP: usize = 4096;
const THREADS: usize = 8;
const CALLS: usize = 10;
const BIG: usize = 2 * MIB;

fn inc(session: &mut teec::Session<'_>, a: u32) -> Result<(), String> {
    let mut params = [Param::ValueInout { a, b: 0 }, Param::None, Param::None, Param::None];
    session.invoke(hello_world::CMD_INC_VALUE, &mut params).map_err(|e| format!("INC {a}: {e}"))?;
    match params[0] {
        Param::ValueInout { a: got, .. } if got == a.wrapping_add(1) => Ok(()),
        ref p => Err(format!("INC {a} gave {p:?}")),
    }
}

/// Our statistics PTA: `None` on upstream (or without `tz.tee` when it is
/// missing), as in the 1005 leak check.
fn stats_session<'c>(ctx: &'c Context, tee: Option<&str>) -> Result<Option<teec::Session<'c>>, String> {
    if tee == Some("upstream") {
        return Ok(None);
    }
    match ctx.open_session(&pta::STATS_UUID, Login::Public) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.is(TeeError::ItemNotFound) && tee.is_none() => Ok(None),
        Err(e) => Err(format!("stats PTA: open: {e}")),
    }
}

/// (heap bytes in use, open sessions, shm objects), or nothing without the PTA.
fn stats(pta: &mut Option<teec::Session<'_>>) -> Result<Option<[u32; 3]>, String> {
    let Some(pta) = pta else { return Ok(None) };
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    pta.invoke(pta::STATS_CMD_KERNEL_STATS, &mut params).map_err(|e| format!("stats: {e}"))?;
    match params {
        [Param::ValueOutput { a: heap, b: sessions }, Param::ValueOutput { a: shm, .. }, ..] => {
            Ok(Some([heap, sessions, shm]))
        }
        _ => unreachable!(),
    }
}

fn same(before: Option<[u32; 3]>, after: Option<[u32; 3]>) -> Result<(), String> {
    match (before, after) {
        (Some(b), Some(a)) if a != b => Err(format!(
            "not freed: heap {} -> {} B, sessions {} -> {}, shm {} -> {}",
            b[0], a[0], b[1], a[1], b[2], a[2]
        )),
        _ => Ok(()),
    }
}

/// Another client with an open hello_world session, opened before a flood.
fn other_client() -> Result<Context, String> {
    Context::new().map_err(|e| format!("other context: {e}"))
}

fn register_until_refused(size: usize, tee: Option<&str>) -> Result<(), String> {
    let hello = hello_world::UUID;
    let other = other_client()?;
    let mut witness = other.open_session(&hello, Login::Public).map_err(|e| format!("other client: open: {e}"))?;
    inc(&mut witness, 1)?;
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let mut pta = stats_session(&other, tee)?;
    let before = stats(&mut pta)?;
    let mut held = Vec::new();
    let refused = loop {
        if held.len() == SHM_CAP {
            return Err(format!("{SHM_CAP} registrations of {} MiB all accepted", size / MIB));
        }
        match SharedMemory::register(&ctx, size) {
            Ok(shm) => held.push(shm),
            Err(e) => break e,
        }
    };
    println!("tz-exhaustion: {} registrations of {} MiB accepted, then {refused}", held.len(), size / MIB);
    if !refused.is(TeeError::BadParameters) {
        return Err(format!("refused with {refused}, want BAD_PARAMETERS (EINVAL)"));
    }
    inc(&mut witness, 2).map_err(|e| format!("other client after the refusal: {e}"))?;
    drop(held);
    same(before, stats(&mut pta)?)?;
    let mut small = SharedMemory::register(&ctx, 4096).map_err(|e| format!("register after release: {e}"))?;
    small.as_mut_slice()[0] = 1;
    drop(small);
    inc(&mut witness, 3).map_err(|e| format!("other client at the end: {e}"))
}

fn sessions_until_refused(tee: Option<&str>) -> Result<(), String> {
    let hello = hello_world::UUID;
    let other = other_client()?;
    let mut witness = other.open_session(&hello, Login::Public).map_err(|e| format!("other client: open: {e}"))?;
    inc(&mut witness, 1)?;
    let mut pta = stats_session(&other, tee)?;
    let before = stats(&mut pta)?;
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let mut sessions = Vec::new();
    let refused = loop {
        if sessions.len() == SESSION_CAP {
            return Err(format!("{SESSION_CAP} sessions all opened"));
        }
        match ctx.open_session(&hello, Login::Public) {
            Ok(s) => sessions.push(s),
            Err(e) => break e,
        }
    };
    println!("tz-exhaustion: {} sessions on hello_world, then {refused}", sessions.len() + 1);
    if !refused.is(TeeError::OutOfMemory) {
        return Err(format!("refused with {refused}, want OUT_OF_MEMORY"));
    }
    inc(&mut witness, 2).map_err(|e| format!("other client after the refusal: {e}"))?;
    if let Some(first) = sessions.first_mut() {
        inc(first, 3).map_err(|e| format!("the flooder's first session: {e}"))?;
    }
    drop(sessions);
    same(before, stats(&mut pta)?)?;
    let mut again = ctx.open_session(&hello, Login::Public).map_err(|e| format!("open after release: {e}"))?;
    inc(&mut again, 4)?;
    inc(&mut witness, 5).map_err(|e| format!("other client at the end: {e}"))
}

fn big_memrefs() -> Result<(), String> {
    on_threads_with_session(THREADS, &params_ta::UUID, |t, ctx, session| {
        let mut shm = SharedMemory::register(ctx, BIG).map_err(|e| format!("thread {t}: register: {e}"))?;
        for call in 0..CALLS {
            let letter = b'a' + ((t * CALLS + call) % 26) as u8;
            shm.as_mut_slice().fill(letter);
            let mut params = [Param::inout(&mut shm), Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
            session.invoke(params_ta::CMD_UPPER, &mut params).map_err(|e| format!("thread {t}, call {call}: {e}"))?;
            match params {
                [Param::MemrefInout { size: BIG, .. }, Param::ValueOutput { a, b }, ..]
                    if a as usize == BIG && b as usize == BIG => {}
                ref p => return Err(format!("thread {t}, call {call}: answer {:?}", &p[1])),
            }
            let upper = letter.to_ascii_uppercase();
            if let Some(at) = shm.as_slice().iter().position(|&c| c != upper) {
                return Err(format!("thread {t}, call {call}: byte {at} is {:#x}", shm.as_slice()[at]));
            }
        }
        Ok(())
    })
}

pub fn run(report: &mut Report) {
    let tee = tee_from_cmdline();
    report.test(1010, "shared-memory registration until refused: an error, not a hang; all freed");
    report.case("shm-register-16m-until-refused", register_until_refused(16 * MIB, tee.as_deref()));
    report.case("shm-register-64m-until-refused", register_until_refused(64 * MIB, tee.as_deref()));
    report.test(1011, "sessions on one shared TA until refused: OUT_OF_MEMORY, nothing dies");
    report.case("sessions-until-refused", sessions_until_refused(tee.as_deref()));
    report.test(1012, "large memrefs under concurrency");
    report.case("memref-2mib-8x10", big_memrefs());
}
