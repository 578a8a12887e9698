//! Sessions from this TA to another TA or a pseudo-TA (GP
//! `TEE_OpenTASession` / `TEE_InvokeTACommand` / `TEE_CloseTASession`).
//!
//! ```ignore
//! let hello = TaSession::open(&Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51b")?)?;
//! let mut args = [CallParam::ValueInOut { a: 42, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
//! hello.invoke(0, &mut args)?;  // args[0] is now ValueInOut { a: 43, .. }
//! ```

use crate::error::{TeeError, TeeResult};
use crate::memory::{self, access};
use crate::params::RawParams;
use crate::sys::shared_mem::SharedMapping;
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

/// The bounce buffer of one call, as libutee's `map_tmp_param`: the kernel
/// refuses memrefs into a TA's private memory (its stack, heap, data), so
/// those go through one shareable mapping from the system PTA, each at a
/// 16-byte-aligned offset.
struct Bounce {
    map: Option<SharedMapping>,
    offsets: [Option<usize>; 4],
}

impl CallParam<'_> {
    /// The buffer of a memref parameter.
    fn bytes(&self) -> Option<&[u8]> {
        match self {
            CallParam::MemrefIn(buf) => Some(buf),
            CallParam::MemrefOut(buf, _) | CallParam::MemrefInOut(buf, _) => Some(buf),
            _ => None,
        }
    }
}

impl Bounce {
    /// Copies the private input buffers into a fresh mapping and points
    /// `raw` at it.
    fn prepare(params: &[CallParam<'_>; 4], raw: &mut RawParams) -> TeeResult<Bounce> {
        let mut offsets = [None; 4];
        let mut total = 0usize;
        for (i, p) in params.iter().enumerate() {
            let Some(buf) = p.bytes() else { continue };
            if !buf.is_empty() && memory::check_slice(access::READ, buf).is_ok() {
                offsets[i] = Some(total);
                total = total.checked_add(buf.len().next_multiple_of(16)).ok_or(TeeError::OutOfMemory)?;
            }
        }
        if total == 0 {
            return Ok(Bounce { map: None, offsets });
        }
        let mut map = SharedMapping::new(total)?;
        let base = map.addr();
        let shared = map.as_mut_slice();
        for (i, p) in params.iter().enumerate() {
            let (Some(offset), Some(buf)) = (offsets[i], p.bytes()) else { continue };
            if !matches!(p, CallParam::MemrefOut(..)) {
                shared[offset..offset + buf.len()].copy_from_slice(buf);
            }
            raw.vals[2 * i] = (base + offset) as u64;
        }
        Ok(Bounce { map: Some(map), offsets })
    }

    /// Copies what the callee wrote (up to the size it reported) back into
    /// the private output buffers.
    fn copy_back(&mut self, params: &mut [CallParam<'_>; 4], raw: &RawParams) {
        let Some(map) = &mut self.map else { return };
        let shared = map.as_mut_slice();
        for (i, p) in params.iter_mut().enumerate() {
            let Some(offset) = self.offsets[i] else { continue };
            if let CallParam::MemrefOut(buf, _) | CallParam::MemrefInOut(buf, _) = p {
                let n = (raw.vals[2 * i + 1] as usize).min(buf.len());
                buf[..n].copy_from_slice(&shared[offset..offset + n]);
            }
        }
    }
}

/// `TEE_TIMEOUT_INFINITE`.
pub use tee_abi::gp::TIMEOUT_INFINITE;

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
    /// Buffers in this TA's private memory travel through a shareable
    /// bounce buffer from the system PTA, as libutee does; others (e.g. memory a client shared
    /// with this TA) are passed on as they are.
    pub fn invoke(&self, cmd: u32, params: &mut [CallParam<'_>; 4]) -> TeeResult {
        self.invoke_with_timeout(cmd, params, TIMEOUT_INFINITE)
    }

    /// [`invoke`](TaSession::invoke) with GP's `cancellationRequestTimeout`:
    /// after `timeout_ms` the callee's operation counts as cancelled (it
    /// notices where it has unmasked cancellation, e.g. in `TEE_Wait`).
    pub fn invoke_with_timeout(&self, cmd: u32, params: &mut [CallParam<'_>; 4], timeout_ms: u32) -> TeeResult {
        let mut raw = encode(params);
        let mut bounce = Bounce::prepare(params, &mut raw)?;
        let (result, _origin) = sys::invoke_with_timeout(self.handle, cmd, timeout_ms, &mut raw);
        bounce.copy_back(params, &raw);
        decode(&raw, params);
        result
    }
}

impl Drop for TaSession {
    fn drop(&mut self) {
        sys::close(self.handle);
    }
}
