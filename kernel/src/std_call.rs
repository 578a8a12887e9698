//! Yielding calls: find the `optee_msg_arg`, copy it into secure memory,
//! validate it, serve the command, write the results back.

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec::Vec;
use tee_abi::msg::*;
use tee_abi::result::{Origin, TEE_SUCCESS, TeeError, TeeResult};
use tee_abi::smc;

use crate::bounce;
use crate::call_env::{ArgLocation, CallEnv, CallEnvMut, RPC_MAX_PARAMS};
use crate::msg::{self, Dir, MsgArg, Param};
use crate::params::TaParams;
use crate::session::{ClientIdentity, Outcome, Session, Uuid, raw_error, tee_refusal};
use crate::shm::{SharedMem, ShmError};
use crate::ta_manager::TeeState;

/// Where the call's argument struct is, from the SMC registers.
pub fn locate_arg(state: &TeeState, args: &[u64; 8]) -> Result<(ArgLocation, bool, Option<u64>), u64> {
    let fid = args[0] as u32;
    let pair = (args[1] << 32) | (args[2] & 0xffff_ffff);
    match fid {
        smc::CALL_WITH_ARG | smc::CALL_WITH_RPC_ARG => {
            // OP-TEE maps exactly one page for these: the struct(s) must fit it.
            if !pair.is_multiple_of(8) {
                return Err(smc::RETURN_EBADADDR);
            }
            Ok((ArgLocation::Physical(pair), fid == smc::CALL_WITH_RPC_ARG, None))
        }
        smc::CALL_WITH_REGD_ARG => {
            let shm = state.shm.lock().get(pair).map_err(|_| smc::RETURN_EBADADDR)?;
            Ok((ArgLocation::Registered(shm, args[3] & 0xffff_ffff), true, Some(pair)))
        }
        _ => Err(smc::RETURN_UNKNOWN_FUNCTION),
    }
}

/// Reads and decodes the argument struct; returns it with the location of the
/// RPC struct that follows it (when the call brought one).
pub fn read_arg(env: &dyn CallEnv, loc: &ArgLocation, with_rpc: bool) -> Result<(MsgArg, Option<ArgLocation>), u64> {
    let mut header = [0u8; ARG_HEADER_SIZE];
    loc.read(env.mem(), 0, &mut header).map_err(|_| smc::RETURN_EBADADDR)?;
    let n = msg::num_params(&header).map_err(|_| smc::RETURN_EBADADDR)?;
    let size = arg_size(n) as u64;
    let total = size + if with_rpc { arg_size(RPC_MAX_PARAMS) as u64 } else { 0 };
    if let ArgLocation::Physical(pa) = loc
        && pa % 4096 + total > 4096
    {
        return Err(smc::RETURN_EBADADDR);
    }
    let mut bytes: Vec<u8> = alloc::vec![0; size as usize];
    loc.read(env.mem(), 0, &mut bytes).map_err(|_| smc::RETURN_EBADADDR)?;
    let arg = MsgArg::parse(&bytes).map_err(|_| smc::RETURN_EBADCMD)?;
    let rpc = with_rpc.then(|| match loc {
        ArgLocation::Physical(pa) => ArgLocation::Physical(pa + size),
        ArgLocation::Registered(shm, at) => ArgLocation::Registered(shm.clone(), at + size),
    });
    Ok((arg, rpc))
}

/// Serves one decoded message. Returns `Err` with an SMC return code when the
/// message itself is refused (unknown command).
pub fn serve(state: &TeeState, env: &mut dyn CallEnv, arg: &mut MsgArg) -> Result<(), u64> {
    let (ret, origin) = match arg.cmd {
        CMD_OPEN_SESSION => open_session(state, env, arg),
        CMD_INVOKE_COMMAND => invoke(state, env, arg),
        CMD_CLOSE_SESSION => close_session(state, env, arg),
        CMD_CANCEL => {
            state.sessions.lock().cancel(arg.session);
            tee_done(Ok(()))
        }
        CMD_REGISTER_SHM => tee_done(register_shm(state, env, arg)),
        CMD_UNREGISTER_SHM => tee_done(unregister_shm(state, arg)),
        _ => return Err(smc::RETURN_EBADCMD),
    };
    // The SMC boundary: the outcome becomes `optee_msg_arg.ret/ret_origin`.
    arg.ret = ret;
    arg.ret_origin = origin;
    log::debug!("msg cmd {} session {} -> {ret:#x}/{origin}", arg.cmd, arg.session);
    Ok(())
}

/// The outcome of a command the TEE serves itself (origin TEE).
fn tee_done(result: TeeResult) -> Outcome {
    (TeeError::to_raw(result), Origin::Tee.code())
}

fn octets(a: u64, b: u64) -> Uuid {
    let mut u = [0u8; 16];
    u[..8].copy_from_slice(&a.to_le_bytes());
    u[8..].copy_from_slice(&b.to_le_bytes());
    u
}

fn open_session(state: &TeeState, env: &mut dyn CallEnv, arg: &mut MsgArg) -> Outcome {
    arg.session = 0;
    let bad = tee_refusal(TeeError::BadParameters);
    let meta = |i: usize| match arg.params.get(i) {
        Some(msg::MsgParam { meta: true, param: Param::Value { dir: Dir::In, v } }) => Some(*v),
        _ => None,
    };
    let (Some(ta), Some(client)) = (meta(0), meta(1)) else { return bad };
    let login = client[2] as u32;
    let client = match login {
        LOGIN_PUBLIC | LOGIN_REE_KERNEL => ClientIdentity { login, uuid: [0; 16] },
        LOGIN_USER | LOGIN_GROUP | LOGIN_APPLICATION | LOGIN_APPLICATION_USER | LOGIN_APPLICATION_GROUP => {
            ClientIdentity { login, uuid: octets(client[0], client[1]) }
        }
        _ => return bad,
    };
    let uuid = octets(ta[0], ta[1]);
    // Refused before anything is loaded or run (checked again on insert).
    if !state.sessions.lock().has_room() {
        return tee_refusal(TeeError::OutOfMemory);
    }
    let (_bounce, mut params) = match copy_in(state, env, &arg.params[2..]) {
        Ok(p) => p,
        Err(e) => return tee_refusal(e),
    };
    let target = match (state.resolver)(&uuid, env) {
        Ok(t) => t,
        Err(outcome) => {
            params.release(&mut state.shm.lock());
            return outcome;
        }
    };
    let opened = target.open_session(env, &client, &mut params);
    let outcome = finish_params(state, env, &mut params, &mut arg.params[2..]);
    match (opened, outcome) {
        (Ok(handle), Ok(())) => {
            let cancelled = Arc::new(core::sync::atomic::AtomicBool::new(false));
            let inserted = state.sessions.lock().insert(Session { target: target.clone(), handle, cancelled });
            match inserted {
                Ok(id) => {
                    arg.session = id;
                    (TEE_SUCCESS, Origin::TrustedApp.code())
                }
                // Filled up by other cores meanwhile: the session cannot be
                // named to the client, so it is closed again.
                Err(_) => {
                    target.close_session(env, handle);
                    tee_refusal(TeeError::OutOfMemory)
                }
            }
        }
        // The outputs could not be written back: the client will not learn
        // the session, so it must not stay open.
        (Ok(handle), Err(failed)) => {
            target.close_session(env, handle);
            failed
        }
        (Err(outcome), _) => outcome,
    }
}

fn invoke(state: &TeeState, env: &mut dyn CallEnv, arg: &mut MsgArg) -> Outcome {
    let Some(session) = state.sessions.lock().get(arg.session) else {
        return tee_refusal(TeeError::BadParameters);
    };
    let (_bounce, mut params) = match copy_in(state, env, &arg.params) {
        Ok(p) => p,
        Err(e) => return tee_refusal(e),
    };
    session.cancelled.store(false, core::sync::atomic::Ordering::Release);
    env.set_cancel_flag(Some(session.cancelled.clone()));
    let outcome = session.target.invoke(env, session.handle, arg.func, &mut params);
    env.set_cancel_flag(None);
    finish_params(state, env, &mut params, &mut arg.params).err().unwrap_or(outcome)
}

fn close_session(state: &TeeState, env: &mut dyn CallEnv, arg: &mut MsgArg) -> Outcome {
    if !arg.params.is_empty() {
        return tee_refusal(TeeError::BadParameters);
    }
    // Take the session out first: the guard of a lock in a `match` scrutinee
    // lives through the arms, and closing runs the TA, which may wait in the
    // normal world; no spin lock may be held across that.
    let removed = state.sessions.lock().remove(arg.session);
    match removed {
        Some(session) => {
            session.target.close_session(env, session.handle);
            tee_done(Ok(()))
        }
        None => tee_refusal(TeeError::BadParameters),
    }
}

/// Copies the parameters in once the bounce pool has room for them (waiting
/// in the normal world if need be); the hold returned keeps that room until
/// the call ends.
fn copy_in<'a>(
    state: &'a TeeState,
    env: &mut dyn CallEnv,
    params: &[msg::MsgParam],
) -> Result<(bounce::Hold<'a>, TaParams), TeeError> {
    let cost = crate::params::bounce_cost(params);
    let sleep = || crate::user_ta::syscall::sleep_in_normal_world(env, 1).map_err(raw_error);
    let hold = bounce::take(&state.bounce, cost, sleep)?;
    let params = TaParams::copy_in(params, env.mem(), &state.shm)?;
    Ok((hold, params))
}

/// Copies outputs back and drops the holds on shared memory. `Err` carries
/// the outcome to report when writing back failed.
fn finish_params(
    state: &TeeState,
    env: &dyn CallEnv,
    params: &mut TaParams,
    out: &mut [msg::MsgParam],
) -> Result<(), Outcome> {
    let written = params.copy_out(out, env.mem());
    params.release(&mut state.shm.lock());
    written.map_err(tee_refusal)
}

fn register_shm(state: &TeeState, env: &dyn CallEnv, arg: &MsgArg) -> TeeResult {
    let [msg::MsgParam { meta: false, param: Param::Tmem { dir: Dir::Out, buf_ptr, size, shm_ref, noncontig: true } }] =
        arg.params.as_slice()
    else {
        return Err(TeeError::BadParameters);
    };
    // The page vector is built (fallibly) before the registry lock is taken.
    SharedMem::from_page_list(env.mem(), *buf_ptr, *size)
        .and_then(|shm| state.shm.lock().register(*shm_ref, shm))
        .map_err(|e| match e {
            ShmError::NoMemory | ShmError::Quota => TeeError::OutOfMemory,
            _ => TeeError::BadParameters,
        })
}

fn unregister_shm(state: &TeeState, arg: &MsgArg) -> TeeResult {
    let [msg::MsgParam { meta: false, param: Param::Rmem { dir: Dir::In, shm_ref, .. } }] = arg.params.as_slice()
    else {
        return Err(TeeError::BadParameters);
    };
    state.shm.lock().unregister(*shm_ref).map_err(|e| match e {
        ShmError::Busy => TeeError::Busy,
        _ => TeeError::BadParameters,
    })
}

/// Serves a whole yielding call in thread context: locate, copy in, serve,
/// write back. Returns the SMC result registers.
pub fn handle(state: &TeeState, env: &mut dyn CallEnvMut, args: &[u64; 8]) -> [u64; 4] {
    let (loc, with_rpc, cookie) = match locate_arg(state, args) {
        Ok(l) => l,
        Err(code) => return [code, 0, 0, 0],
    };
    let code = (|| {
        let (mut arg, rpc) = read_arg(env.as_env(), &loc, with_rpc)?;
        env.set_rpc_arg(rpc);
        serve(state, env.as_env_mut(), &mut arg)?;
        let mut bytes: Vec<u8> = alloc::vec![0; arg.encoded_len()];
        arg.encode(&mut bytes).map_err(|_| smc::RETURN_EBADCMD)?;
        loc.write(env.as_env().mem(), 0, &bytes).map_err(|_| smc::RETURN_EBADADDR)?;
        Ok::<u64, u64>(smc::RETURN_OK)
    })()
    .unwrap_or_else(|code| code);
    if let Some(cookie) = cookie {
        state.shm.lock().put(cookie);
    }
    [code, 0, 0, 0]
}

#[cfg(test)]
mod tests;
