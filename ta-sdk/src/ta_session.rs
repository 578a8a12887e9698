//! Sessions from this TA to another TA or a pseudo-TA (GP
//! `TEE_OpenTASession` / `TEE_InvokeTACommand` / `TEE_CloseTASession`).
//!
//! ```ignore
//! let hello = TaSession::open(&Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51b")?)?;
//! let mut args = [CallParam::ValueInOut { a: 42, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
//! hello.invoke(0, &mut args)?;  // args[0] is now ValueInOut { a: 43, .. }
//! ```

use crate::error::TeeResult;
use crate::params::RawParams;
use crate::sys::ta_session as sys;
use crate::uuid::Uuid;

/// One parameter of a call to another TA.
#[derive(Debug)]
pub enum CallParam<'a> {
    /// Unused.
    None,
    /// `TEE_PARAM_TYPE_VALUE_INPUT`.
    ValueIn {
        /// `a`.
        a: u32,
        /// `b`.
        b: u32,
    },
    /// `TEE_PARAM_TYPE_VALUE_OUTPUT` (filled by the callee).
    ValueOut {
        /// `a`.
        a: u32,
        /// `b`.
        b: u32,
    },
    /// `TEE_PARAM_TYPE_VALUE_INOUT`.
    ValueInOut {
        /// `a`.
        a: u32,
        /// `b`.
        b: u32,
    },
    /// `TEE_PARAM_TYPE_MEMREF_INPUT`.
    MemrefIn(&'a [u8]),
    /// `TEE_PARAM_TYPE_MEMREF_OUTPUT`: the buffer and the size the callee reports.
    MemrefOut(&'a mut [u8], usize),
    /// `TEE_PARAM_TYPE_MEMREF_INOUT`.
    MemrefInOut(&'a mut [u8], usize),
}

fn encode(params: &mut [CallParam<'_>; 4]) -> RawParams {
    let mut raw = RawParams::default();
    for (i, p) in params.iter_mut().enumerate() {
        let (ty, a, b) = match p {
            CallParam::None => (0u64, 0u64, 0u64),
            CallParam::ValueIn { a, b } => (1, u64::from(*a), u64::from(*b)),
            CallParam::ValueOut { a, b } => (2, u64::from(*a), u64::from(*b)),
            CallParam::ValueInOut { a, b } => (3, u64::from(*a), u64::from(*b)),
            CallParam::MemrefIn(buf) => (5, buf.as_ptr() as u64, buf.len() as u64),
            CallParam::MemrefOut(buf, _) => (6, buf.as_mut_ptr() as u64, buf.len() as u64),
            CallParam::MemrefInOut(buf, _) => (7, buf.as_mut_ptr() as u64, buf.len() as u64),
        };
        raw.types |= ty << (4 * i);
        raw.vals[2 * i] = a;
        raw.vals[2 * i + 1] = b;
    }
    raw
}

fn decode(raw: &RawParams, params: &mut [CallParam<'_>; 4]) {
    for (i, p) in params.iter_mut().enumerate() {
        let (va, vb) = (raw.vals[2 * i], raw.vals[2 * i + 1]);
        match p {
            CallParam::ValueOut { a, b } | CallParam::ValueInOut { a, b } => {
                *a = va as u32;
                *b = vb as u32;
            }
            CallParam::MemrefOut(_, size) | CallParam::MemrefInOut(_, size) => *size = vb as usize,
            _ => {}
        }
    }
}

/// An open session to another TA; closed on drop.
#[derive(Debug)]
pub struct TaSession {
    handle: u32,
}

impl TaSession {
    /// Opens a session to `uuid` with no parameters.
    pub fn open(uuid: &Uuid) -> TeeResult<TaSession> {
        let mut raw = RawParams::default();
        let (session, _origin) = sys::open(&uuid.to_struct_bytes(), &mut raw);
        Ok(TaSession { handle: session? })
    }

    /// Invokes command `cmd`; outputs are written back into `params`.
    pub fn invoke(&self, cmd: u32, params: &mut [CallParam<'_>; 4]) -> TeeResult {
        let mut raw = encode(params);
        let (result, _origin) = sys::invoke(self.handle, cmd, &mut raw);
        decode(&raw, params);
        result
    }
}

impl Drop for TaSession {
    fn drop(&mut self) {
        sys::close(self.handle);
    }
}

