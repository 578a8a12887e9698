//! Tests 5002-5003: the client API and shared memory, through our Rust
//! client (`teec`, the TEE ioctls as libteec uses them) and the TAs
//! `params_ta` (memref paths), `hello_world` (sessions) and `os_test`
//! (open-session parameters, login).
//!
//! - 5002: memrefs of allocated and registered shared memory of sizes from
//!   1 byte to 1 MiB round-trip through a TA; partial memrefs (offset and
//!   size inside a larger buffer) touch only their part; an empty input
//!   gives an empty output; a memref beyond its buffer is refused before
//!   it reaches the TEE.
//! - 5003: the driver reports an OP-TEE implementation that can register
//!   memory; values given at open-session reach the TA and come back;
//!   the login method reaches the TA as `gpd.client.identity`; several
//!   contexts with several sessions each work interleaved; sessions open
//!   and close repeatedly.

use teec::{Context, Login, Origin, Param, Session, SharedMemory, Uuid};
use tz_runner::Report;

use proto::{hello_world, os_test, params_ta};

/// `TEE_IMPL_ID_OPTEE`.
const TEE_IMPL_ID_OPTEE: u32 = 1;

type R = Result<(), String>;

fn open<'c>(ctx: &'c Context, id: &Uuid, login: Login) -> Result<Session<'c>, String> {
    ctx.open_session(id, login).map_err(|e| format!("open {id}: {e}"))
}

/// A byte pattern that shows reversal and offsets.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// `REVERSE` of `len` bytes through shared memory made by `make`.
fn reverse_roundtrip(
    ctx: &Context,
    s: &mut Session<'_>,
    len: usize,
    make: fn(&Context, usize) -> Result<SharedMemory, teec::TeecError>,
) -> R {
    let data = pattern(len);
    let mut input = make(ctx, len).map_err(|e| format!("{len} B input: {e}"))?;
    input.as_mut_slice()[..len].copy_from_slice(&data);
    let mut output = make(ctx, len).map_err(|e| format!("{len} B output: {e}"))?;
    let mut params = [Param::input(&input), Param::output(&mut output), Param::None, Param::None];
    s.invoke(params_ta::CMD_REVERSE, &mut params).map_err(|e| format!("{len} B: {e}"))?;
    let Param::MemrefOutput { size, .. } = params[1] else { unreachable!() };
    let want: Vec<u8> = data.iter().rev().copied().collect();
    if size != len || output.as_slice()[..len] != want[..] {
        return Err(format!("{len} B: output size {size} or bytes differ"));
    }
    Ok(())
}

const SIZES: [usize; 6] = [1, 4095, 4096, 4097, 65_536, 1 << 20];

fn alloc_sizes(ctx: &Context, s: &mut Session<'_>) -> R {
    SIZES.iter().try_for_each(|&len| reverse_roundtrip(ctx, s, len, SharedMemory::alloc))
}

fn register_sizes(ctx: &Context, s: &mut Session<'_>) -> R {
    SIZES.iter().try_for_each(|&len| reverse_roundtrip(ctx, s, len, SharedMemory::register))
}

/// Input bytes 8..24 of a 64-byte buffer, reversed into bytes 4..20 of a
/// 32-byte buffer: the rest of the output buffer stays as it was.
fn partial_memrefs(ctx: &Context, s: &mut Session<'_>) -> R {
    let mut input = SharedMemory::alloc(ctx, 64).map_err(|e| format!("alloc: {e}"))?;
    input.as_mut_slice()[..64].copy_from_slice(&pattern(64));
    let mut output = SharedMemory::register(ctx, 32).map_err(|e| format!("register: {e}"))?;
    output.as_mut_slice().fill(0xee);
    let mut params = [
        Param::MemrefInput { shm: &input, offset: 8, size: 16 },
        Param::MemrefOutput { shm: &mut output, offset: 4, size: 16 },
        Param::None,
        Param::None,
    ];
    s.invoke(params_ta::CMD_REVERSE, &mut params).map_err(|e| format!("reverse: {e}"))?;
    let Param::MemrefOutput { size, .. } = params[1] else { unreachable!() };
    let mut want = [0xee; 32];
    want[4..20].copy_from_slice(&pattern(64)[8..24].iter().rev().copied().collect::<Vec<_>>());
    if size != 16 || output.as_slice()[..32] != want[..] {
        return Err(format!("size {size}, buffer {:02x?}", &output.as_slice()[..32]));
    }
    Ok(())
}

/// A zero-sized input memref: the TA sees an empty buffer and writes an
/// empty output.
fn empty_input(ctx: &Context, s: &mut Session<'_>) -> R {
    let input = SharedMemory::alloc(ctx, 16).map_err(|e| format!("alloc: {e}"))?;
    let mut output = SharedMemory::alloc(ctx, 16).map_err(|e| format!("alloc: {e}"))?;
    let mut params =
        [Param::MemrefInput { shm: &input, offset: 0, size: 0 }, Param::output(&mut output), Param::None, Param::None];
    s.invoke(params_ta::CMD_REVERSE, &mut params).map_err(|e| format!("reverse: {e}"))?;
    match params[1] {
        Param::MemrefOutput { size: 0, .. } => Ok(()),
        Param::MemrefOutput { size, .. } => Err(format!("output size {size}, want 0")),
        _ => unreachable!(),
    }
}

/// A memref reaching past its buffer never reaches the TA: the driver
/// refuses it (a communication error, not a TA's answer).
fn out_of_bounds(ctx: &Context, s: &mut Session<'_>) -> R {
    let input = SharedMemory::alloc(ctx, 64).map_err(|e| format!("alloc: {e}"))?;
    let mut output = SharedMemory::alloc(ctx, 64).map_err(|e| format!("alloc: {e}"))?;
    let mut params = [
        Param::MemrefInput { shm: &input, offset: 60, size: 4096 * 2 },
        Param::output(&mut output),
        Param::None,
        Param::None,
    ];
    match s.invoke(params_ta::CMD_REVERSE, &mut params) {
        Err(e) if e.origin() != Some(Origin::TrustedApp) => Ok(()),
        other => Err(format!("got {other:?}, want a refusal before the TA")),
    }
}

fn version(ctx: &Context) -> R {
    let v = ctx.version();
    let gp = teec::uapi::TEE_GEN_CAP_GP;
    let reg = teec::uapi::TEE_GEN_CAP_REG_MEM;
    if v.impl_id == TEE_IMPL_ID_OPTEE && v.gen_caps & gp != 0 && v.gen_caps & reg != 0 {
        Ok(())
    } else {
        Err(format!("version {v:?}: want OP-TEE with GP and REG_MEM"))
    }
}

/// An open-session VALUE_INOUT of 41 comes back as 42, and the TA kept it.
fn open_session_values(ctx: &Context) -> R {
    let mut params = [Param::ValueInout { a: 41, b: 0 }, Param::None, Param::None, Param::None];
    let mut s = ctx.open_session_with(&os_test::UUID, Login::Public, &mut params).map_err(|e| format!("open: {e}"))?;
    if !matches!(params[0], Param::ValueInout { a: 42, .. }) {
        return Err(format!("open-session value came back as {:?}", params[0]));
    }
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(os_test::CMD_OPEN_VALUE, &mut params).map_err(|e| format!("invoke: {e}"))?;
    match params[0] {
        Param::ValueOutput { a: 42, .. } => Ok(()),
        Param::ValueOutput { a, .. } => Err(format!("TA kept {a}, want 42")),
        _ => unreachable!(),
    }
}

/// The TA sees the login method the client chose.
fn login(ctx: &Context, method: Login) -> R {
    let mut s = open(ctx, &os_test::UUID, method)?;
    let mut params = [Param::ValueOutput { a: 0xdead, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(os_test::CMD_CLIENT_LOGIN, &mut params).map_err(|e| format!("invoke: {e}"))?;
    match params[0] {
        Param::ValueOutput { a, .. } if a == method as u32 => Ok(()),
        Param::ValueOutput { a, .. } => Err(format!("TA saw login {a:#x}, want {:#x}", method as u32)),
        _ => unreachable!(),
    }
}

fn inc(s: &mut Session<'_>, a: u32) -> R {
    let mut params = [Param::ValueInout { a, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(hello_world::CMD_INC_VALUE, &mut params).map_err(|e| format!("inc: {e}"))?;
    match params[0] {
        Param::ValueInout { a: got, .. } if got == a + 1 => Ok(()),
        Param::ValueInout { a: got, .. } => Err(format!("inc {a} gave {got}")),
        _ => unreachable!(),
    }
}

/// Four contexts with two hello_world sessions each, invoked round-robin.
fn many_contexts() -> R {
    let contexts: Vec<Context> =
        (0..4).map(|_| Context::new().map_err(|e| format!("context: {e}"))).collect::<Result<_, _>>()?;
    let mut sessions = Vec::new();
    for ctx in &contexts {
        for _ in 0..2 {
            sessions.push(open(ctx, &hello_world::UUID, Login::Public)?);
        }
    }
    let mut ids: Vec<u32> = sessions.iter().map(Session::id).collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != sessions.len() {
        return Err(format!("session ids not distinct: {ids:?}"));
    }
    for round in 0..5 {
        for (i, s) in sessions.iter_mut().enumerate() {
            inc(s, (round * 100 + i) as u32)?;
        }
    }
    Ok(())
}

/// 50 open/invoke/close cycles in one context.
fn reopen(ctx: &Context) -> R {
    for i in 0..50 {
        let mut s = open(ctx, &hello_world::UUID, Login::Public)?;
        inc(&mut s, i)?;
    }
    Ok(())
}

pub fn run(report: &mut Report) {
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => {
            report.test(5002, "shared memory");
            report.case("client-context", Err(format!("context: {e}")));
            return;
        }
    };
    report.test(5002, "shared memory: sizes, registered memory, partial and bad memrefs");
    match open(&ctx, &params_ta::UUID, Login::Public) {
        Ok(mut s) => {
            report.case("shm-alloc-1b-to-1mib", alloc_sizes(&ctx, &mut s));
            report.case("shm-register-1b-to-1mib", register_sizes(&ctx, &mut s));
            report.case("memref-partial-offset-size", partial_memrefs(&ctx, &mut s));
            report.case("memref-empty-input", empty_input(&ctx, &mut s));
            report.case("memref-beyond-buffer-refused", out_of_bounds(&ctx, &mut s));
        }
        Err(e) => report.case("shm-open-params-ta", Err::<(), _>(e)),
    }
    report.test(5003, "contexts and sessions: version, open-session values, login, many sessions");
    report.case("driver-version-optee-reg-mem", version(&ctx));
    report.case("open-session-value-inout", open_session_values(&ctx));
    report.case("login-public", login(&ctx, Login::Public));
    report.case("login-user", login(&ctx, Login::User));
    report.case("four-contexts-eight-sessions", many_contexts());
    report.case("open-invoke-close-50", reopen(&ctx));
}
