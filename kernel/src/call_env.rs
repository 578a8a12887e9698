//! What a call being served needs from its surroundings: normal-world memory
//! and a way to ask the normal world for something (RPC). On the target this
//! is the running thread; in host tests a fake.

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::AtomicBool;
use tee_abi::msg::{RPC_FUNC_CMD, arg_size};
use tee_abi::result::TeeError;

use crate::msg::MsgArg;
use crate::shm::{NsMemory, SharedMem, ShmError};

/// Where an argument struct lives in the normal world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgLocation {
    /// At a physical address (inside one 4 KiB page).
    Physical(u64),
    /// At an offset inside a registered object.
    Registered(SharedMem, u64),
}

impl ArgLocation {
    /// Copies `buf.len()` bytes in from the location plus `offs`.
    pub fn read(&self, mem: &dyn NsMemory, offs: u64, buf: &mut [u8]) -> Result<(), ShmError> {
        match self {
            ArgLocation::Physical(pa) => mem.read(pa.checked_add(offs).ok_or(ShmError::BadAddress)?, buf),
            ArgLocation::Registered(shm, at) => shm.read(mem, at.checked_add(offs).ok_or(ShmError::OutOfBounds)?, buf),
        }
    }

    /// Copies `buf` out to the location plus `offs`.
    pub fn write(&self, mem: &dyn NsMemory, offs: u64, buf: &[u8]) -> Result<(), ShmError> {
        match self {
            ArgLocation::Physical(pa) => mem.write(pa.checked_add(offs).ok_or(ShmError::BadAddress)?, buf),
            ArgLocation::Registered(shm, at) => shm.write(mem, at.checked_add(offs).ok_or(ShmError::OutOfBounds)?, buf),
        }
    }
}

/// Parameters the RPC argument struct has room for (as announced).
pub const RPC_MAX_PARAMS: usize = 4;

/// The surroundings of a call.
pub trait CallEnv {
    /// Normal-world memory.
    fn mem(&self) -> &dyn NsMemory;
    /// Where the RPC argument struct of this call is, if it has one.
    fn rpc_arg(&self) -> Option<&ArgLocation>;
    /// Returns to the normal world with `a0..a2` (an `OPTEE_SMC_RETURN_RPC_*`
    /// code and its arguments) and returns what `RETURN_FROM_RPC` brought.
    fn switch_to_normal_world(&mut self, a: [u64; 3]) -> [u64; 4];
    /// Attaches the cancellation flag of the session being served.
    fn set_cancel_flag(&mut self, flag: Option<Arc<AtomicBool>>) {
        let _ = flag;
    }
    /// True once the normal world sent `OPTEE_MSG_CMD_CANCEL` for this call.
    fn cancel_requested(&self) -> bool {
        false
    }
}

/// A [`CallEnv`] whose RPC location is set once the message is read.
pub trait CallEnvMut {
    /// Sets where RPC requests go.
    fn set_rpc_arg(&mut self, loc: Option<ArgLocation>);
    /// The environment.
    fn as_env(&self) -> &dyn CallEnv;
    /// The environment, mutably.
    fn as_env_mut(&mut self) -> &mut dyn CallEnv;
}

/// Sends `msg` as an `OPTEE_RPC_CMD_*` request and returns the normal world's
/// answer (a fresh copy read back and re-validated).
pub fn rpc_cmd(env: &mut dyn CallEnv, msg: &MsgArg) -> Result<MsgArg, u32> {
    if msg.params.len() > RPC_MAX_PARAMS {
        return Err(TeeError::BadParameters.code());
    }
    let loc = env.rpc_arg().cloned().ok_or(TeeError::Communication.code())?;
    let mut bytes: Vec<u8> = alloc::vec![0; msg.encoded_len()];
    let mut request = msg.clone();
    // An untouched answer must read as a failure.
    request.ret = TeeError::Generic.code();
    request.encode(&mut bytes).map_err(|_| TeeError::BadParameters.code())?;
    loc.write(env.mem(), 0, &bytes).map_err(|_| TeeError::Communication.code())?;
    env.switch_to_normal_world([RPC_FUNC_CMD, 0, 0]);
    let mut back: Vec<u8> = alloc::vec![0; arg_size(msg.params.len())];
    loc.read(env.mem(), 0, &mut back).map_err(|_| TeeError::Communication.code())?;
    let answer = MsgArg::parse(&back).map_err(|_| TeeError::Communication.code())?;
    if answer.cmd != msg.cmd || answer.params.len() != msg.params.len() {
        return Err(TeeError::Communication.code());
    }
    Ok(answer)
}
