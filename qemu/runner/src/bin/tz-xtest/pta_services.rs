//! The socket PTA and the system PTA's key derivation through
//! tas/pta_client:
//!
//! - 2001 `socket-tcp-echo`: the TA connects to an echo server this program
//!   runs on 127.0.0.1, sends 3000 bytes and gets them back (TCP over the
//!   socket PTA and tee-supplicant); `socket-pta-refuses-clients`: a
//!   normal-world client may not open the socket PTA (ACCESS_DENIED);
//!   `socket-connect-refused`: a port nobody listens on fails the open;
//! - 4011 `ta-unique-key-stable`: two derivations with the same extra data
//!   give the same 32 bytes, other extra data another key;
//!   `ta-unique-key-limits`: keys of 16 and 32 bytes, not 15 or 33, extra
//!   data up to 1024 bytes (BAD_PARAMETERS past either);
//!   `ta-unique-key-not-to-normal-world`: the client's buffer passed on as
//!   the key's destination is SECURITY.

use std::io::{Read, Write};
use std::net::TcpListener;

use proto::pta_client::{self, CMD_DERIVE_KEY, CMD_DERIVE_KEY_INTO_CLIENT, CMD_TCP_ECHO};
use teec::{Context, Login, Param, Session, SharedMemory, TeeError, TeecError};
use tz_runner::Report;

type R = Result<(), String>;

/// Serves one connection on 127.0.0.1, echoing until the peer closes; the
/// port.
fn echo_server() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    let port = listener.local_addr().map_err(|e| format!("local_addr: {e}"))?.port();
    std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let mut buf = [0u8; 1024];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 || conn.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    });
    Ok(port)
}

/// TCP_ECHO of `data` to `port`; what came back.
fn echo(ctx: &Context, s: &mut Session<'_>, port: u16, data: &[u8]) -> Result<Vec<u8>, TeecError> {
    let mut input = SharedMemory::alloc(ctx, data.len().max(1))?;
    input.as_mut_slice()[..data.len()].copy_from_slice(data);
    let mut output = SharedMemory::alloc(ctx, data.len().max(1))?;
    let mut params = [
        Param::ValueInput { a: u32::from(port), b: 0 },
        Param::MemrefInput { shm: &input, offset: 0, size: data.len() },
        Param::output(&mut output),
        Param::None,
    ];
    s.invoke(CMD_TCP_ECHO, &mut params)?;
    let Param::MemrefOutput { size, .. } = params[2] else { unreachable!() };
    Ok(output.as_slice()[..size.min(data.len())].to_vec())
}

fn tcp_echo(ctx: &Context, s: &mut Session<'_>) -> R {
    let port = echo_server()?;
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 31 % 251) as u8).collect();
    let back = echo(ctx, s, port, &data).map_err(|e| format!("TCP_ECHO: {e}"))?;
    if back == data { Ok(()) } else { Err(format!("{} bytes back, {} sent, or they differ", back.len(), data.len())) }
}

fn connect_refused(ctx: &Context, s: &mut Session<'_>) -> R {
    // A port that was just free: bound, its number taken, then released.
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| format!("bind: {e}"))?.port();
    match echo(ctx, s, port, b"nobody") {
        Err(e) if e.error() != Some(TeeError::TargetDead) => Ok(()),
        other => Err(format!("got {other:?}, want a failed open")),
    }
}

fn refuses_clients(ctx: &Context) -> R {
    match ctx.open_session(&tee_abi::pta::SOCKET_UUID, Login::Public) {
        Err(e) if e.is(TeeError::AccessDenied) => Ok(()),
        Err(e) => Err(format!("got {e}, want ACCESS_DENIED")),
        Ok(_) => Err("a normal-world client opened the socket PTA".into()),
    }
}

/// DERIVE_KEY (or `cmd`) with `extra` into a `key_len`-byte buffer.
fn derive(ctx: &Context, s: &mut Session<'_>, cmd: u32, extra: &[u8], key_len: usize) -> Result<Vec<u8>, TeecError> {
    let mut input = SharedMemory::alloc(ctx, extra.len().max(1))?;
    input.as_mut_slice()[..extra.len()].copy_from_slice(extra);
    let mut output = SharedMemory::alloc(ctx, key_len.max(1))?;
    let mut params = [
        Param::MemrefInput { shm: &input, offset: 0, size: extra.len() },
        Param::MemrefOutput { shm: &mut output, offset: 0, size: key_len },
        Param::None,
        Param::None,
    ];
    s.invoke(cmd, &mut params)?;
    let Param::MemrefOutput { size, .. } = params[1] else { unreachable!() };
    Ok(output.as_slice()[..size.min(key_len)].to_vec())
}

fn key_stable(ctx: &Context, s: &mut Session<'_>) -> R {
    let d = |s: &mut Session<'_>, extra: &[u8]| derive(ctx, s, CMD_DERIVE_KEY, extra, 32).map_err(|e| format!("{e}"));
    let (a, b, c, none) = (d(s, b"My dummy data")?, d(s, b"My dummy data")?, d(s, b"other data")?, d(s, b"")?);
    if a.len() != 32 || a == [0; 32] {
        return Err(format!("key {a:02x?}"));
    }
    if a != b || a == c || a == none {
        return Err("same extra data must give the same key, other data another".into());
    }
    Ok(())
}

fn key_limits(ctx: &Context, s: &mut Session<'_>) -> R {
    for (extra_len, key_len, ok) in
        [(0, 16, true), (0, 32, true), (0, 15, false), (0, 33, false), (1024, 32, true), (1025, 32, false)]
    {
        let got = derive(ctx, s, CMD_DERIVE_KEY, &vec![7u8; extra_len], key_len);
        match (&got, ok) {
            (Ok(key), true) if key.len() == key_len => {}
            (Err(e), false) if e.is_from_ta(TeeError::BadParameters) => {}
            _ => return Err(format!("extra {extra_len}, key {key_len}: got {got:?}")),
        }
    }
    Ok(())
}

fn not_to_normal_world(ctx: &Context, s: &mut Session<'_>) -> R {
    match derive(ctx, s, CMD_DERIVE_KEY_INTO_CLIENT, b"extra", 32) {
        Err(e) if e.is_from_ta(TeeError::Security) => Ok(()),
        other => Err(format!("got {other:?}, want SECURITY from the TA")),
    }
}

/// Runs `f` on a fresh session with pta_client, as one case.
fn with_session(report: &mut Report, ctx: &Context, name: &str, f: fn(&Context, &mut Session<'_>) -> R) {
    let result = ctx
        .open_session(&pta_client::UUID, Login::Public)
        .map_err(|e| format!("open pta_client: {e}"))
        .and_then(|mut s| f(ctx, &mut s));
    report.case(name, result);
}

pub fn run_sockets(report: &mut Report) {
    report.test(2001, "socket PTA: TCP through a TA, client refusal");
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => return report.case("socket-context", Err(format!("context: {e}"))),
    };
    with_session(report, &ctx, "socket-tcp-echo", tcp_echo);
    with_session(report, &ctx, "socket-connect-refused", connect_refused);
    report.case("socket-pta-refuses-clients", refuses_clients(&ctx));
}

pub fn run_keys(report: &mut Report) {
    report.test(4011, "system PTA: TA unique keys (upstream xtest 4013)");
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => return report.case("ta-unique-key-context", Err(format!("context: {e}"))),
    };
    with_session(report, &ctx, "ta-unique-key-stable", key_stable);
    with_session(report, &ctx, "ta-unique-key-limits", key_limits);
    with_session(report, &ctx, "ta-unique-key-not-to-normal-world", not_to_normal_world);
}
