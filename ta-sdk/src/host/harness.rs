//! The harness a test drives: [`Tee`] (an in-process TEE with TAs
//! installed), [`Session`] (`TEEC_InvokeCommand` with [`CallParam`]s) and
//! [`CallError`]; parameters travel as the kernel holds a client's.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::{Mutex, MutexGuard, PoisonError};

use kernel::msg::Dir;
use kernel::params::{NsBuffer, TaParam, TaParams};
use kernel::session::ClientIdentity;
use kernel::user_ta::memory::Sharing;
use tee_abi::result::Origin;

use super::world::{TaDef, World};
use crate::error::{TeeError, TeeResult};
use crate::ta_session::CallParam;
use crate::uuid::Uuid;

/// An error from the TEE or the TA, with its origin (`TEE_ORIGIN_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallError {
    /// The `TEE_Result`.
    pub code: TeeError,
    /// `TEE_ORIGIN_TEE` (3) for the TEE's refusals, `TEE_ORIGIN_TRUSTED_APP` (4) for the TA's.
    pub origin: u32,
}

impl From<CallError> for TeeError {
    fn from(e: CallError) -> TeeError {
        e.code
    }
}

fn result(code: u32, origin: u32) -> Result<(), CallError> {
    TeeError::from_raw(code).map_err(|code| CallError { code, origin })
}

/// Tests with a [`Tee`] run one at a time (see the module doc).
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
thread_local! {
    static HELD: Cell<usize> = const { Cell::new(0) };
}

/// An in-process TEE: TAs installed with [`Tee::install`], called with
/// [`Tee::open_session`] and [`Session::invoke`].
pub struct Tee {
    world: Rc<World>,
    _one_at_a_time: Option<MutexGuard<'static, ()>>,
}

impl Default for Tee {
    fn default() -> Self {
        Tee::new()
    }
}

impl Tee {
    /// A TEE with no TA, a fresh temporary storage directory and the
    /// client identity `TEE_LOGIN_PUBLIC`.
    pub fn new() -> Tee {
        let guard = (HELD.with(Cell::get) == 0).then(|| ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner));
        HELD.with(|h| h.set(h.get() + 1));
        let world = World::new();
        Tee { world: Rc::new(world), _one_at_a_time: guard }
    }

    /// Makes TA `def` callable (by tests and by other TAs).
    pub fn install(&self, def: TaDef) -> &Tee {
        self.world.tas.borrow_mut().insert(def.uuid.to_octets(), def);
        self
    }

    /// The client identity of later [`Tee::open_session`] calls
    /// (`gpd.client.identity`): a `TEE_LOGIN_*` and a UUID.
    pub fn set_client(&self, login: u32, uuid: Uuid) {
        self.world.client.set(ClientIdentity { login, uuid: uuid.to_octets() });
    }

    /// The directory that holds the secure storage's (encrypted) files.
    pub fn storage_dir(&self) -> std::path::PathBuf {
        self.world.supplicant.borrow().root().to_path_buf()
    }

    /// Whether TA `uuid` has a live single instance.
    pub fn has_instance(&self, uuid: &Uuid) -> bool {
        self.world.single.borrow().contains_key(&uuid.to_octets())
    }

    /// `TEEC_OpenSession` to `uuid` with `params` (outputs written back).
    pub fn open_session(&self, uuid: &Uuid, params: &mut [CallParam<'_>; 4]) -> Result<Session, CallError> {
        let client = self.world.client.get();
        let mut ta_params = to_ta_params(params).map_err(|code| CallError { code, origin: Origin::Api.code() })?;
        let r = self.world.open(uuid.to_octets(), &mut ta_params, client, 0, Sharing::SharedNonSecure, None);
        from_ta_params(&ta_params, params);
        match r {
            Ok(id) => Ok(Session { world: self.world.clone(), id, open: Cell::new(true) }),
            Err((code, origin)) => {
                Err(CallError { code: TeeError::from_raw(code).err().unwrap_or(TeeError::Generic), origin })
            }
        }
    }

    /// [`Tee::open_session`] without parameters.
    pub fn open(&self, uuid: &Uuid) -> Result<Session, CallError> {
        self.open_session(uuid, &mut CallParam::none4())
    }
}

impl Drop for Tee {
    fn drop(&mut self) {
        HELD.with(|h| h.set(h.get() - 1));
    }
}

/// A session from the test to a TA; closed on drop.
pub struct Session {
    world: Rc<World>,
    id: u32,
    open: Cell<bool>,
}

impl Session {
    /// `TEEC_InvokeCommand`: outputs (values, memref data and sizes) are
    /// written back into `params`, also on error (e.g. SHORT_BUFFER's size).
    pub fn invoke(&self, cmd: u32, params: &mut [CallParam<'_>; 4]) -> Result<(), CallError> {
        let mut ta_params = to_ta_params(params).map_err(|code| CallError { code, origin: Origin::Api.code() })?;
        let (code, origin) = self.world.invoke(0, self.id, cmd, &mut ta_params, Sharing::SharedNonSecure, None);
        from_ta_params(&ta_params, params);
        result(code, origin)
    }

    /// `TEEC_CloseSession`.
    pub fn close(self) {}

    /// The session ID the TA sees.
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.open.replace(false) {
            let _ = self.world.close(0, self.id);
        }
    }
}

impl CallParam<'_> {
    /// Four unused parameters.
    pub fn none4() -> [CallParam<'static>; 4] {
        [CallParam::None, CallParam::None, CallParam::None, CallParam::None]
    }

    /// `(a, b)` of a value parameter.
    pub fn value(&self) -> Option<(u32, u32)> {
        match self {
            CallParam::ValueIn { a, b } | CallParam::ValueOut { a, b } | CallParam::ValueInOut { a, b } => {
                Some((*a, *b))
            }
            _ => None,
        }
    }

    /// The size an output memref came back with.
    pub fn size(&self) -> Option<usize> {
        match self {
            CallParam::MemrefOut(_, size) | CallParam::MemrefInOut(_, size) => Some(*size),
            _ => None,
        }
    }
}

/// A test's parameters as the kernel holds a client's: memrefs copied in
/// (outputs zero-filled), as the kernel's bounce buffers.
fn to_ta_params(params: &[CallParam<'_>; 4]) -> TeeResult<TaParams> {
    let mut out = TaParams::none();
    for (slot, p) in out.0.iter_mut().zip(params) {
        let memref = |dir, buf: Vec<u8>| TaParam::Memref { dir, size: buf.len() as u64, buf, source: NsBuffer::Null };
        *slot = match p {
            CallParam::None => TaParam::None,
            CallParam::ValueIn { a, b } => TaParam::Value { dir: Dir::In, a: *a, b: *b },
            CallParam::ValueOut { .. } => TaParam::Value { dir: Dir::Out, a: 0, b: 0 },
            CallParam::ValueInOut { a, b } => TaParam::Value { dir: Dir::InOut, a: *a, b: *b },
            CallParam::MemrefIn(buf) => memref(Dir::In, buf.to_vec()),
            CallParam::MemrefOut(buf, _) => memref(Dir::Out, vec![0; buf.len()]),
            CallParam::MemrefInOut(buf, _) => memref(Dir::InOut, buf.to_vec()),
        };
    }
    Ok(out)
}

/// Outputs back to the test: what fits of each output buffer (up to the
/// size the TA reported) and the size itself, as `write_utee_params`.
fn from_ta_params(ta: &TaParams, params: &mut [CallParam<'_>; 4]) {
    for (p, t) in params.iter_mut().zip(&ta.0) {
        match (p, t) {
            (CallParam::ValueOut { a, b } | CallParam::ValueInOut { a, b }, TaParam::Value { a: ta, b: tb, .. }) => {
                *a = *ta;
                *b = *tb;
            }
            (
                CallParam::MemrefOut(buf, size) | CallParam::MemrefInOut(buf, size),
                TaParam::Memref { buf: src, size: s, .. },
            ) => {
                let fits = (*s as usize).min(buf.len()).min(src.len());
                buf[..fits].copy_from_slice(&src[..fits]);
                *size = *s as usize;
            }
            _ => {}
        }
    }
}
