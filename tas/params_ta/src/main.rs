//! A TA for the parameter paths and ta-sdk's syscall wrappers:
//! UUID `fbb98045-b1b8-4d22-bc1c-0dedbfb33a5e`.
//!
//! - 0 `CMD_REVERSE` (MEMREF_INPUT, MEMREF_OUTPUT): writes the input
//!   reversed (any size: no heap is used); an output smaller than the input
//!   gets TEE_ERROR_SHORT_BUFFER with the size needed;
//! - 1 `CMD_UPPER` (MEMREF_INOUT, VALUE_OUTPUT): ASCII-uppercases the buffer
//!   in place, reports the number of changed bytes in `a` and the buffer's
//!   size in `b`; the returned size is the part up to the first NUL;
//! - 2 `CMD_ADD` (VALUE_INPUT, VALUE_OUTPUT): `out.a = a + b` (wrapping),
//!   `out.b` = how many ADDs this session has done (kept in a heap `Vec`
//!   per session: per-session state and the heap across calls);
//! - 3 `CMD_SELF_TEST` (VALUE_OUTPUT): runs property, time and random
//!   checks; on failure returns TEE_ERROR_GENERIC with the failed step in `a`
//!   and the error code in `b`;
//! - 4 `CMD_BUSY_LOOP` (VALUE_INPUT, VALUE_OUTPUT): spins, reading the
//!   system time, until `in.a` milliseconds have passed; `out.a` = elapsed
//!   milliseconds, `out.b` = time reads (for the preemption test: normal-world
//!   interrupts must still be served while a TA computes).
// no_std/no_main on the TA target; a std test binary on the host.
#![cfg_attr(not(test), no_std, no_main)]

extern crate alloc;

use alloc::vec::Vec;
use proto::params_ta::{CMD_ADD, CMD_BUSY_LOOP, CMD_REVERSE, CMD_SELF_TEST, CMD_UPPER};
use ta_sdk::property::{self, PropSet};
use ta_sdk::{ParamType as T, Params, TeeError, TeeResult, TrustedApp};

/// Longest busy loop a client may ask for (ms).
const BUSY_LOOP_MAX_MS: u32 = 10_000;

struct ParamsTa;

/// Per session: every ADD result, to exercise the heap across calls.
struct Session {
    sums: Vec<u32>,
}

impl TrustedApp for ParamsTa {
    type Session = Session;

    fn create() -> TeeResult<Self> {
        Ok(ParamsTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<Session> {
        Ok(Session { sums: Vec::new() })
    }

    fn invoke(&mut self, session: &mut Session, cmd: u32, p: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_REVERSE => {
                p.expect([T::MemrefInput, T::MemrefOutput, T::None, T::None])?;
                reverse(p)
            }
            CMD_UPPER => {
                p.expect([T::MemrefInout, T::ValueOutput, T::None, T::None])?;
                let buf = p.memref_inout(0)?;
                let len = buf.capacity();
                let mut changed = 0;
                for b in buf.buffer().iter_mut() {
                    if b.is_ascii_lowercase() {
                        b.make_ascii_uppercase();
                        changed += 1;
                    }
                }
                let text = buf.data().iter().position(|&b| b == 0).unwrap_or(len);
                buf.set_size(text);
                let out = p.value_output(1)?;
                out.a = changed;
                out.b = len as u32;
                Ok(())
            }
            CMD_ADD => {
                p.expect([T::ValueInput, T::ValueOutput, T::None, T::None])?;
                let v = p.value_input(0)?;
                let sum = v.a.wrapping_add(v.b);
                session.sums.push(sum);
                let out = p.value_output(1)?;
                out.a = sum;
                out.b = session.sums.len() as u32;
                Ok(())
            }
            CMD_SELF_TEST => {
                p.expect([T::ValueOutput, T::None, T::None, T::None])?;
                let result = self_test();
                if let Err((step, e)) = result {
                    ta_sdk::error!("self test step {} failed: {}", step, e);
                    let out = p.value_output(0)?;
                    out.a = step;
                    out.b = e.code();
                    return Err(TeeError::Generic);
                }
                Ok(())
            }
            CMD_BUSY_LOOP => {
                p.expect([T::ValueInput, T::ValueOutput, T::None, T::None])?;
                let ms = p.value_input(0)?.a;
                if ms > BUSY_LOOP_MAX_MS {
                    return Err(TeeError::BadParameters);
                }
                let (elapsed, reads) = busy_loop(ms)?;
                let out = p.value_output(1)?;
                out.a = elapsed;
                out.b = reads;
                Ok(())
            }
            _ => Err(TeeError::NotSupported),
        }
    }
}

/// Milliseconds of system time since `t0`.
fn millis_since(t0: ta_sdk::time::TeeTime, t: ta_sdk::time::TeeTime) -> u64 {
    let ms = |t: ta_sdk::time::TeeTime| u64::from(t.seconds) * 1000 + u64::from(t.millis);
    ms(t).saturating_sub(ms(t0))
}

/// Spins until `ms` milliseconds of system time have passed; returns the
/// elapsed milliseconds and how many times the time was read.
fn busy_loop(ms: u32) -> TeeResult<(u32, u32)> {
    use ta_sdk::time::{Category, get_time};
    let t0 = get_time(Category::System)?;
    let mut reads: u32 = 1;
    loop {
        let t = get_time(Category::System)?;
        reads = reads.wrapping_add(1);
        let elapsed = millis_since(t0, t);
        if elapsed >= u64::from(ms) {
            return Ok((elapsed as u32, reads));
        }
    }
}

/// Writes memref 0 reversed into memref 1 through a small stack buffer, so
/// that buffers of any size (the suite goes to 1 MiB) need no heap.
fn reverse(p: &mut Params<'_>) -> TeeResult {
    let len = p.memref_input(0)?.len();
    let out = p.memref_output(1)?;
    out.set_size(len);
    if out.capacity() < len {
        return Err(TeeError::ShortBuffer);
    }
    let mut chunk = [0u8; 512];
    let mut done = 0;
    while done < len {
        let n = chunk.len().min(len - done);
        chunk[..n].copy_from_slice(&p.memref_input(0)?[len - done - n..len - done]);
        chunk[..n].reverse();
        p.memref_output(1)?.buffer()[done..done + n].copy_from_slice(&chunk[..n]);
        done += n;
    }
    Ok(())
}

/// Each check in turn; `Err((step, error))` at the first that fails.
fn self_test() -> Result<(), (u32, TeeError)> {
    let step = |n: u32| move |e: TeeError| (n, e);
    let check = |n: u32, ok: bool| if ok { Ok(()) } else { Err((n, TeeError::BadState)) };

    // 1: gpd.ta.appID is this TA's UUID.
    let app_id = property::get_uuid(PropSet::CurrentTa, "gpd.ta.appID").map_err(step(1))?;
    check(1, app_id == proto::params_ta::UUID)?;
    // 2: the client logged in as PUBLIC (login 0).
    let who = property::get_identity(PropSet::CurrentClient, "gpd.client.identity").map_err(step(2))?;
    check(2, who.login == 0)?;
    // 3: a U32 and a STRING of the implementation set.
    property::get_u32(PropSet::TeeImplementation, "gpd.tee.systemTime.protectionLevel").map_err(step(3))?;
    let mut buf = [0u8; 64];
    let descr = property::get_string(PropSet::TeeImplementation, "gpd.tee.apiversion", &mut buf).map_err(step(3))?;
    check(3, !descr.is_empty())?;
    // 4: an unknown name is ITEM_NOT_FOUND.
    match property::get_u32(PropSet::TeeImplementation, "org.example.no.such.property") {
        Err(TeeError::ItemNotFound) => {}
        Err(e) => return Err((4, e)),
        Ok(_) => return Err((4, TeeError::BadState)),
    }
    // 5: system time does not go backwards.
    let t0 = ta_sdk::time::get_time(ta_sdk::time::Category::System).map_err(step(5))?;
    let t1 = ta_sdk::time::get_time(ta_sdk::time::Category::System).map_err(step(5))?;
    check(5, t1 >= t0)?;
    // 6: two random draws differ.
    let (mut a, mut b) = ([0u8; 16], [0u8; 16]);
    ta_sdk::sys::random_number_generate(&mut a).map_err(step(6))?;
    ta_sdk::sys::random_number_generate(&mut b).map_err(step(6))?;
    check(6, a != b)?;
    // 7: the heap serves and frees a larger block.
    let v: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
    check(7, v.iter().map(|&x| u32::from(x)).sum::<u32>() == 16 * (0..256).sum::<u32>())?;
    Ok(())
}

ta_sdk::ta! {
    uuid: proto::params_ta::UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 8192,
    heap: 65536,
    impl: ParamsTa,
}

#[cfg(test)]
mod host_tests;
