//! The TA entry points: the [`TrustedApp`] trait and the dispatcher behind
//! `__ta_entry` (OP-TEE entry convention: optee_os 4.5.0
//! `lib/libutee/user_ta_entry.c`, `ta/user_ta_header.c`).
//!
//! Like libutee, the first OPEN_SESSION of an instance creates it
//! ([`TrustedApp::create`]), and the close of its last session destroys it
//! ([`TrustedApp::destroy`]) unless the TA is `INSTANCE_KEEP_ALIVE`.

use alloc::vec::Vec;

use crate::error::{TeeError, TeeResult};
use crate::params::{Params, RawParams};
use crate::uuid::flags;

/// `UTEE_ENTRY_FUNC_*`: what the kernel asks `__ta_entry` to do (in `x0`).
pub use tee_abi::utee::entry_func as func;

/// A trusted application: the GP entry points, with an instance object
/// (`Self`) and a per-session object ([`TrustedApp::Session`]).
///
/// Every method gets its parameters as safe [`Params`]; a TA needs no raw
/// pointers and no `unsafe`.
pub trait TrustedApp: Sized + Send + 'static {
    /// Per-session state (`()` when there is none).
    type Session: Send + 'static;

    /// `TA_CreateEntryPoint`: the instance is being created (first session).
    fn create() -> TeeResult<Self>;

    /// `TA_OpenSessionEntryPoint`.
    fn open_session(&mut self, params: &mut Params<'_>) -> TeeResult<Self::Session>;

    /// `TA_InvokeCommandEntryPoint`.
    fn invoke(&mut self, session: &mut Self::Session, cmd: u32, params: &mut Params<'_>) -> TeeResult;

    /// `TA_CloseSessionEntryPoint`.
    fn close_session(&mut self, session: Self::Session) {
        let _ = session;
    }

    /// `TA_DestroyEntryPoint`: the instance goes away.
    fn destroy(self) {}
}

struct State<T: TrustedApp> {
    ta: T,
    sessions: SessionTable<T::Session>,
}

/// The open sessions by ID, sorted. Room for a new one is reserved
/// (fallibly) before the TA's `open_session` runs: a TA whose heap is full
/// refuses that one session with OUT_OF_MEMORY instead of aborting on the
/// allocation and killing every session of the instance.
struct SessionTable<S>(Vec<(u32, S)>);

impl<S> SessionTable<S> {
    fn find(&self, id: u32) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |(k, _)| *k)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, id: u32) -> bool {
        self.find(id).is_ok()
    }

    /// Room for one more session, or OUT_OF_MEMORY.
    fn reserve_one(&mut self) -> TeeResult {
        self.0.try_reserve(1).map_err(|_| TeeError::OutOfMemory)
    }

    /// Adds `session` (room reserved by [`Self::reserve_one`], so this does
    /// not allocate).
    fn insert(&mut self, id: u32, session: S) {
        if let Err(at) = self.find(id) {
            self.0.insert(at, (id, session));
        }
    }

    fn remove(&mut self, id: u32) -> Option<S> {
        self.find(id).ok().map(|at| self.0.remove(at).1)
    }

    fn get_mut(&mut self, id: u32) -> Option<&mut S> {
        self.find(id).ok().map(|at| &mut self.0[at].1)
    }
}

/// The instance state of one TA binary: declared as a `static` by
/// [`crate::ta!`].
pub struct Instance<T: TrustedApp> {
    flags: u32,
    state: spin::Mutex<Option<State<T>>>,
}

impl<T: TrustedApp> Instance<T> {
    /// No instance yet; `flags` are the `ta_head` flags.
    pub const fn new(flags: u32) -> Self {
        Instance { flags, state: spin::Mutex::new(None) }
    }

    /// Number of open sessions (0 without an instance).
    pub fn sessions(&self) -> usize {
        self.state.lock().as_ref().map_or(0, |s| s.sessions.len())
    }

    /// Whether the instance exists (between create and destroy).
    pub fn is_alive(&self) -> bool {
        self.state.lock().is_some()
    }

    fn drop_if_idle(&self, slot: &mut Option<State<T>>) {
        let idle = slot.as_ref().is_some_and(|s| s.sessions.is_empty());
        if idle
            && self.flags & flags::INSTANCE_KEEP_ALIVE == 0
            && let Some(state) = slot.take()
        {
            state.ta.destroy();
        }
    }

    fn open(&self, session_id: u32, params: &mut Params<'_>) -> TeeResult {
        let mut slot = self.state.lock();
        if slot.is_none() {
            *slot = Some(State { ta: T::create()?, sessions: SessionTable(Vec::new()) });
        }
        let state = slot.as_mut().ok_or(TeeError::BadState)?;
        if state.sessions.contains(session_id) {
            return Err(TeeError::BadState);
        }
        let result = state.sessions.reserve_one().and_then(|()| state.ta.open_session(params));
        match result {
            Ok(session) => {
                state.sessions.insert(session_id, session);
                Ok(())
            }
            Err(e) => {
                self.drop_if_idle(&mut slot);
                Err(e)
            }
        }
    }

    fn close(&self, session_id: u32) -> TeeResult {
        let mut slot = self.state.lock();
        let state = slot.as_mut().ok_or(TeeError::BadState)?;
        let session = state.sessions.remove(session_id).ok_or(TeeError::BadState)?;
        state.ta.close_session(session);
        self.drop_if_idle(&mut slot);
        Ok(())
    }

    fn invoke(&self, session_id: u32, cmd: u32, params: &mut Params<'_>) -> TeeResult {
        let mut slot = self.state.lock();
        let state = slot.as_mut().ok_or(TeeError::BadState)?;
        let session = state.sessions.get_mut(session_id).ok_or(TeeError::BadState)?;
        state.ta.invoke(session, cmd, params)
    }
}

/// Runs one entry call: `func` (`x0`), `session_id` (`x1`), the decoded
/// `utee_params` (`x2`; outputs are written back into `raw`) and `cmd_id`
/// (`x3`); returns the `TEE_Result` for `_utee_return`. `map` turns memref
/// ranges into slices (see [`Params::decode`]).
pub fn dispatch<'a, T: TrustedApp>(
    instance: &Instance<T>,
    func: usize,
    session_id: u32,
    raw: &mut RawParams,
    cmd_id: u32,
    map: impl FnMut(usize, usize) -> &'a mut [u8],
) -> u32 {
    let result = match func {
        func::OPEN_SESSION | func::INVOKE_COMMAND => match Params::decode(raw, map) {
            Ok(mut params) => {
                let r = if func == func::OPEN_SESSION {
                    instance.open(session_id, &mut params)
                } else {
                    instance.invoke(session_id, cmd_id, &mut params)
                };
                params.encode_outputs(raw);
                r
            }
            Err(e) => Err(e),
        },
        func::CLOSE_SESSION => instance.close(session_id),
        _ => Err(TeeError::NotSupported),
    };
    TeeError::to_raw(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{ParamType, Value};
    use std::cell::Cell;

    // Per test thread, so that tests running in parallel do not mix counts.
    std::thread_local! {
        static CREATED: Cell<usize> = const { Cell::new(0) };
        static DESTROYED: Cell<usize> = const { Cell::new(0) };
    }

    struct Counter {
        total: u32,
    }

    impl TrustedApp for Counter {
        type Session = u32;

        fn create() -> TeeResult<Self> {
            CREATED.with(|c| c.set(c.get() + 1));
            Ok(Counter { total: 0 })
        }

        fn open_session(&mut self, params: &mut Params<'_>) -> TeeResult<u32> {
            match params.value_input(0) {
                Ok(v) if v.a == 666 => Err(TeeError::AccessDenied),
                Ok(v) => Ok(v.a),
                Err(_) => Ok(0),
            }
        }

        fn invoke(&mut self, session: &mut u32, cmd: u32, params: &mut Params<'_>) -> TeeResult {
            match cmd {
                0 => {
                    params.expect([ParamType::ValueInout, ParamType::None, ParamType::None, ParamType::None])?;
                    let v = params.value_inout(0)?;
                    *session += 1;
                    self.total += 1;
                    v.a += *session;
                    v.b = self.total;
                    Ok(())
                }
                _ => Err(TeeError::NotSupported),
            }
        }

        fn destroy(self) {
            DESTROYED.with(|c| c.set(c.get() + 1));
        }
    }

    fn call(inst: &Instance<Counter>, f: usize, sess: u32, cmd: u32, raw: &mut RawParams) -> u32 {
        dispatch(inst, f, sess, raw, cmd, |_, _| unreachable!())
    }

    fn values(types: [ParamType; 4], v0: Value) -> RawParams {
        let mut raw = RawParams { types: u64::from(ParamType::pack(types)), vals: [0; 8] };
        raw.vals[0] = u64::from(v0.a);
        raw.vals[1] = u64::from(v0.b);
        raw
    }

    #[test]
    fn lifecycle() {
        use ParamType::*;
        let inst = Instance::<Counter>::new(flags::SINGLE_INSTANCE | flags::MULTI_SESSION);
        let (c0, d0) = (CREATED.with(Cell::get), DESTROYED.with(Cell::get));
        // Invoke without a session: BAD_STATE.
        let mut raw = values([ValueInout, None, None, None], Value { a: 1, b: 0 });
        assert_eq!(call(&inst, func::INVOKE_COMMAND, 7, 0, &mut raw), TeeError::BadState.code());
        // Open two sessions, the first with value 10.
        let mut raw = values([ValueInput, None, None, None], Value { a: 10, b: 0 });
        assert_eq!(call(&inst, func::OPEN_SESSION, 1, 0, &mut raw), 0);
        assert_eq!(call(&inst, func::OPEN_SESSION, 2, 0, &mut RawParams::default()), 0);
        assert_eq!(CREATED.with(Cell::get), c0 + 1);
        assert_eq!(inst.sessions(), 2);
        // A refused open leaves the others alone.
        let mut raw = values([ValueInput, None, None, None], Value { a: 666, b: 0 });
        assert_eq!(call(&inst, func::OPEN_SESSION, 3, 0, &mut raw), TeeError::AccessDenied.code());
        assert_eq!(inst.sessions(), 2);
        // Invoke on session 1: a += 11, b = total 1.
        let mut raw = values([ValueInout, None, None, None], Value { a: 100, b: 0 });
        assert_eq!(call(&inst, func::INVOKE_COMMAND, 1, 0, &mut raw), 0);
        assert_eq!(&raw.vals[..2], &[111, 1]);
        // Wrong types and unknown commands.
        let mut raw = values([ValueInput, None, None, None], Value::default());
        assert_eq!(call(&inst, func::INVOKE_COMMAND, 1, 0, &mut raw), TeeError::BadParameters.code());
        assert_eq!(call(&inst, func::INVOKE_COMMAND, 1, 9, &mut raw), TeeError::NotSupported.code());
        // Bad type nibble: refused before the TA sees it.
        let mut raw = RawParams { types: 0xf, vals: [0; 8] };
        assert_eq!(call(&inst, func::INVOKE_COMMAND, 1, 0, &mut raw), TeeError::BadParameters.code());
        // Unknown entry function.
        assert_eq!(call(&inst, 3, 1, 0, &mut RawParams::default()), TeeError::NotSupported.code());
        // Close both: destroyed after the last.
        assert_eq!(call(&inst, func::CLOSE_SESSION, 1, 0, &mut RawParams::default()), 0);
        assert!(inst.is_alive());
        assert_eq!(call(&inst, func::CLOSE_SESSION, 2, 0, &mut RawParams::default()), 0);
        assert!(!inst.is_alive());
        assert_eq!(DESTROYED.with(Cell::get), d0 + 1);
    }

    #[test]
    fn a_full_heap_refuses_one_open_and_kills_nothing() {
        let inst = Instance::<Counter>::new(flags::SINGLE_INSTANCE | flags::MULTI_SESSION);
        let mut raw =
            values([ParamType::ValueInput, ParamType::None, ParamType::None, ParamType::None], Value { a: 5, b: 0 });
        assert_eq!(call(&inst, func::OPEN_SESSION, 1, 0, &mut raw), 0);
        // Fill the table to its capacity, then make every allocation fail.
        let mut id = 2;
        while inst.state.lock().as_ref().is_some_and(|s| s.sessions.len() < s.sessions.0.capacity()) {
            assert_eq!(call(&inst, func::OPEN_SESSION, id, 0, &mut RawParams::default()), 0);
            id += 1;
        }
        let refused = crate::test_alloc::with_alloc_limit(0, || {
            call(&inst, func::OPEN_SESSION, id, 0, &mut RawParams::default())
        });
        assert_eq!(refused, TeeError::OutOfMemory.code());
        // The instance and its sessions live on; with memory, opens work again.
        let mut raw =
            values([ParamType::ValueInout, ParamType::None, ParamType::None, ParamType::None], Value { a: 100, b: 0 });
        assert_eq!(call(&inst, func::INVOKE_COMMAND, 1, 0, &mut raw), 0);
        assert_eq!(raw.vals[0], 106);
        assert_eq!(inst.sessions(), id as usize - 1);
        assert_eq!(call(&inst, func::OPEN_SESSION, id, 0, &mut RawParams::default()), 0);
        for s in 1..=id {
            assert_eq!(call(&inst, func::CLOSE_SESSION, s, 0, &mut RawParams::default()), 0);
        }
        assert!(!inst.is_alive());
    }

    #[test]
    fn keep_alive_and_failed_first_open() {
        let inst = Instance::<Counter>::new(flags::SINGLE_INSTANCE | flags::INSTANCE_KEEP_ALIVE);
        assert_eq!(call(&inst, func::OPEN_SESSION, 1, 0, &mut RawParams::default()), 0);
        assert_eq!(call(&inst, func::CLOSE_SESSION, 1, 0, &mut RawParams::default()), 0);
        assert!(inst.is_alive());

        let inst = Instance::<Counter>::new(0);
        let mut raw =
            values([ParamType::ValueInput, ParamType::None, ParamType::None, ParamType::None], Value { a: 666, b: 0 });
        assert_eq!(call(&inst, func::OPEN_SESSION, 1, 0, &mut raw), TeeError::AccessDenied.code());
        assert!(!inst.is_alive());
    }
}
