//! The host TEE's sessions and instances (the test's, for
//! `super::harness`, and TA-to-TA ones) and the system PTA's shareable
//! mappings, with the kernel's rules (`kernel/src/user_ta`,
//! `kernel/src/ta_manager.rs`): single-instance TAs have one instance,
//! a busy one answers BUSY, a panicked one TARGET_DEAD; unknown UUIDs are
//! ITEM_NOT_FOUND and unknown sessions BAD_PARAMETERS (origin TEE).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::{Duration, Instant};

use kernel::handles::HandleTable;
use kernel::msg::Dir;
use kernel::params::{TaParam, TaParams};
use kernel::session::ClientIdentity;
use kernel::storage::StorageState;
use kernel::user_ta::memory::{Region, Sharing};
use tee_abi::result::Origin;

use super::supplicant::Supplicant;
use super::{Entry, FRAMES, TaPanic, current_frame};
use crate::error::TeeError;
use crate::params::RawParams;
use crate::uuid::{Uuid, flags};

/// The system PTA's session, the same in every [`Tee`]: ta-sdk keeps it
/// process-wide (`sys::shared_mem`), as a TA instance would.
pub(super) const SYSTEM_SESSION: u32 = 0x7fff_0001;
const SYSTEM_PTA: [u8; 16] = tee_abi::pta::SYSTEM_UUID.to_octets();

/// A TA as `ta!` declares it (`ta_def()` in the TA crate's test build).
#[derive(Clone)]
pub struct TaDef {
    pub(super) uuid: Uuid,
    flags: u32,
    stack: usize,
    heap: usize,
    make: fn(u32) -> Rc<dyn Entry>,
}

impl TaDef {
    /// The TA `T` with its `ta!` declaration.
    pub fn new<T: crate::TrustedApp>(uuid: Uuid, flags: u32, stack: usize, heap: usize) -> TaDef {
        TaDef { uuid, flags, stack, heap, make: super::make_instance::<T> }
    }

    /// Its UUID.
    pub fn uuid(&self) -> Uuid {
        self.uuid
    }

    /// Its `ta_head` flags.
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// (stack, heap) in bytes as declared; the host does not bound them.
    pub fn sizes(&self) -> (usize, usize) {
        (self.stack, self.heap)
    }
}

/// What the kernel keeps per instance: handles and open persistent objects.
pub(super) struct KState {
    pub(super) handles: HandleTable,
    pub(super) storage: StorageState,
}

/// One zero-filled shareable mapping of the system PTA (`MAP_ZI`).
pub(super) struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    fn new(len: usize) -> Mapping {
        let ptr = Box::into_raw(vec![0u8; len].into_boxed_slice()) as *mut u8;
        Mapping { ptr, len }
    }

    pub(super) fn region(&self) -> Region {
        let va = self.ptr as u64;
        Region { va, len: self.len as u64, kva: va, writable: true, sharing: Sharing::SharedSecure }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let slice = core::ptr::slice_from_raw_parts_mut(self.ptr, self.len);
        // SAFETY: `ptr`/`len` come from `Box::into_raw` of a boxed slice of
        // exactly that length in `new`, freed only here, once.
        drop(unsafe { Box::from_raw(slice) });
    }
}

/// One TA instance.
pub(super) struct Slot {
    pub(super) id: u64,
    pub(super) uuid: [u8; 16],
    flags: u32,
    entry: Rc<dyn Entry>,
    pub(super) kstate: RefCell<KState>,
    pub(super) maps: RefCell<Vec<Mapping>>,
    dead: Cell<bool>,
    active: Cell<bool>,
    sessions: Cell<usize>,
}

/// An entry call under way (see `super::FRAMES`).
#[derive(Clone)]
pub(super) struct Frame {
    pub(super) world: Rc<World>,
    pub(super) slot: Rc<Slot>,
    /// The call's memref buffers.
    pub(super) shared: Rc<Vec<Region>>,
    pub(super) client: ClientIdentity,
    pub(super) cancel_at: Option<Instant>,
    /// The cancellation mask: set at each entry, as the kernel's `UserRun`.
    pub(super) masked: Rc<Cell<bool>>,
}

struct Sess {
    slot: Rc<Slot>,
    client: ClientIdentity,
    /// The opening instance's `Slot::id`; 0 for the test.
    owner: u64,
}

/// Everything one [`Tee`] holds.
pub(super) struct World {
    pub(super) tas: RefCell<BTreeMap<[u8; 16], TaDef>>,
    pub(super) single: RefCell<BTreeMap<[u8; 16], Rc<Slot>>>,
    sessions: RefCell<BTreeMap<u32, Sess>>,
    next_id: Cell<u32>,
    pub(super) supplicant: Rc<RefCell<Supplicant>>,
    /// The client identity of the test's sessions.
    pub(super) client: Cell<ClientIdentity>,
    pub(super) ta_time: RefCell<BTreeMap<[u8; 16], i64>>,
    pub(super) start: Instant,
    rng: Cell<u64>,
}

fn refusal(e: TeeError) -> (u32, u32) {
    (e.code(), Origin::Tee.code())
}

fn param_type(dir: Dir, memref: bool) -> u64 {
    let low = match dir {
        Dir::In => 1,
        Dir::Out => 2,
        Dir::InOut => 3,
    };
    if memref { low + 4 } else { low }
}

impl World {
    /// No TA, a fresh storage directory, a PUBLIC client.
    pub(super) fn new() -> World {
        let seed =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64);
        World {
            tas: RefCell::new(BTreeMap::new()),
            single: RefCell::new(BTreeMap::new()),
            sessions: RefCell::new(BTreeMap::new()),
            next_id: Cell::new(1),
            supplicant: Rc::new(RefCell::new(Supplicant::new())),
            client: Cell::new(ClientIdentity { login: tee_abi::msg::LOGIN_PUBLIC, uuid: [0; 16] }),
            ta_time: RefCell::new(BTreeMap::new()),
            start: Instant::now(),
            rng: Cell::new(seed | 1),
        }
    }

    /// Random bytes (SplitMix64): the host is for logic, not for keys.
    pub(super) fn fill_random(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let mut z = self.rng.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
            self.rng.set(z);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }

    fn next_id(&self) -> u32 {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    fn new_slot(&self, def: &TaDef) -> Rc<Slot> {
        Rc::new(Slot {
            id: u64::from(self.next_id()),
            uuid: def.uuid.to_octets(),
            flags: def.flags,
            entry: (def.make)(def.flags),
            kstate: RefCell::new(KState { handles: HandleTable::new(), storage: StorageState::new() }),
            maps: RefCell::new(Vec::new()),
            dead: Cell::new(false),
            active: Cell::new(false),
            sessions: Cell::new(0),
        })
    }

    /// Forgets `slot` once it has no session (and is not kept alive).
    fn drop_if_idle(&self, slot: &Rc<Slot>) {
        let keep = slot.flags & flags::INSTANCE_KEEP_ALIVE != 0 && !slot.dead.get();
        if slot.sessions.get() == 0 && !keep {
            let mut single = self.single.borrow_mut();
            if single.get(&slot.uuid).is_some_and(|s| Rc::ptr_eq(s, slot)) {
                single.remove(&slot.uuid);
            }
        }
    }

    /// A panicked instance: every session of it now gets TARGET_DEAD, its
    /// handles and open objects are released.
    fn kill(&self, slot: &Rc<Slot>) {
        slot.dead.set(true);
        {
            let mut single = self.single.borrow_mut();
            if single.get(&slot.uuid).is_some_and(|s| Rc::ptr_eq(s, slot)) {
                single.remove(&slot.uuid);
            }
        }
        *slot.kstate.borrow_mut() = KState { handles: HandleTable::new(), storage: StorageState::new() };
        slot.maps.borrow_mut().clear();
    }

    /// Runs one entry function of `slot` with `params` (outputs written
    /// back): the kernel's `(TEE_Result, origin)`.
    #[allow(clippy::too_many_arguments)]
    fn enter(
        self: &Rc<Self>,
        slot: &Rc<Slot>,
        func: usize,
        session: u32,
        cmd: u32,
        params: &mut TaParams,
        sharing: Sharing,
        client: ClientIdentity,
        cancel_at: Option<Instant>,
    ) -> (u32, u32) {
        if slot.dead.get() {
            return refusal(TeeError::TargetDead);
        }
        if slot.active.get() {
            return refusal(TeeError::Busy);
        }
        let mut raw = RawParams::default();
        let mut shared = Vec::new();
        for (i, p) in params.0.iter_mut().enumerate() {
            match p {
                TaParam::None => {}
                TaParam::Value { dir, a, b } => {
                    raw.types |= param_type(*dir, false) << (4 * i);
                    raw.vals[2 * i] = u64::from(*a);
                    raw.vals[2 * i + 1] = u64::from(*b);
                }
                TaParam::Memref { dir, buf, size, .. } => {
                    raw.types |= param_type(*dir, true) << (4 * i);
                    if buf.is_empty() {
                        raw.vals[2 * i + 1] = *size;
                    } else {
                        let va = buf.as_mut_ptr() as u64;
                        let len = buf.len() as u64;
                        raw.vals[2 * i] = va;
                        raw.vals[2 * i + 1] = len;
                        shared.push(Region { va, len, kva: va, writable: dir.is_output(), sharing });
                    }
                }
            }
        }
        let frame = Frame {
            world: self.clone(),
            slot: slot.clone(),
            shared: Rc::new(shared),
            client,
            cancel_at,
            masked: Rc::new(Cell::new(true)),
        };
        slot.active.set(true);
        FRAMES.with(|f| f.borrow_mut().push(frame));
        let entry = slot.entry.clone();
        let ran = catch_unwind(AssertUnwindSafe(|| entry.call(func, session, &mut raw, cmd)));
        FRAMES.with(|f| f.borrow_mut().pop());
        slot.active.set(false);
        match ran {
            Ok(code) => {
                for (i, p) in params.0.iter_mut().enumerate() {
                    match p {
                        TaParam::Value { dir, a, b } if dir.is_output() => {
                            *a = raw.vals[2 * i] as u32;
                            *b = raw.vals[2 * i + 1] as u32;
                        }
                        TaParam::Memref { dir, size, .. } if dir.is_output() => *size = raw.vals[2 * i + 1],
                        _ => {}
                    }
                }
                (code, Origin::TrustedApp.code())
            }
            Err(payload) => {
                let code = payload.downcast_ref::<TaPanic>().map_or(TeeError::Generic.code(), |p| p.0);
                eprintln!("[host TEE] TA {} panicked ({code:#x}): instance dead", Uuid::from_octets(slot.uuid));
                self.kill(slot);
                refusal(TeeError::TargetDead)
            }
        }
    }

    /// Opens a session to `uuid` for `owner` (0: the test).
    pub(super) fn open(
        self: &Rc<Self>,
        uuid: [u8; 16],
        params: &mut TaParams,
        client: ClientIdentity,
        owner: u64,
        sharing: Sharing,
        cancel_at: Option<Instant>,
    ) -> Result<u32, (u32, u32)> {
        if uuid == SYSTEM_PTA && owner != 0 {
            return Ok(SYSTEM_SESSION);
        }
        let Some(def) = self.tas.borrow().get(&uuid).cloned() else {
            return Err(refusal(TeeError::ItemNotFound));
        };
        let slot = if def.flags & flags::SINGLE_INSTANCE != 0 {
            let existing = self.single.borrow().get(&uuid).cloned();
            match existing {
                Some(slot) => {
                    if slot.active.get() || (def.flags & flags::MULTI_SESSION == 0 && slot.sessions.get() > 0) {
                        return Err(refusal(TeeError::Busy));
                    }
                    slot
                }
                None => {
                    let slot = self.new_slot(&def);
                    self.single.borrow_mut().insert(uuid, slot.clone());
                    slot
                }
            }
        } else {
            self.new_slot(&def)
        };
        let id = self.next_id();
        let (code, origin) =
            self.enter(&slot, crate::entry::func::OPEN_SESSION, id, 0, params, sharing, client, cancel_at);
        if code == 0 {
            slot.sessions.set(slot.sessions.get() + 1);
            self.sessions.borrow_mut().insert(id, Sess { slot, client, owner });
            Ok(id)
        } else {
            self.drop_if_idle(&slot);
            Err((code, origin))
        }
    }

    /// Invokes `cmd` on `session` of `owner`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn invoke(
        self: &Rc<Self>,
        owner: u64,
        session: u32,
        cmd: u32,
        params: &mut TaParams,
        sharing: Sharing,
        cancel_at: Option<Instant>,
    ) -> (u32, u32) {
        if session == SYSTEM_SESSION && owner != 0 {
            return match current_frame() {
                Some(frame) => system_pta(&frame.slot, cmd, params),
                None => refusal(TeeError::BadParameters),
            };
        }
        let found =
            self.sessions.borrow().get(&session).filter(|s| s.owner == owner).map(|s| (s.slot.clone(), s.client));
        let Some((slot, client)) = found else {
            return refusal(TeeError::BadParameters);
        };
        self.enter(&slot, crate::entry::func::INVOKE_COMMAND, session, cmd, params, sharing, client, cancel_at)
    }

    /// Closes `session` of `owner`: a raw `TEE_Result`.
    pub(super) fn close(self: &Rc<Self>, owner: u64, session: u32) -> u32 {
        if session == SYSTEM_SESSION && owner != 0 {
            return 0;
        }
        let removed = {
            let mut sessions = self.sessions.borrow_mut();
            match sessions.get(&session) {
                Some(s) if s.owner == owner => sessions.remove(&session),
                _ => None,
            }
        };
        let Some(sess) = removed else {
            return TeeError::BadParameters.code();
        };
        if !sess.slot.dead.get() {
            let mut none = TaParams::none();
            let func = crate::entry::func::CLOSE_SESSION;
            let _ = self.enter(&sess.slot, func, session, 0, &mut none, Sharing::SharedNonSecure, sess.client, None);
        }
        sess.slot.sessions.set(sess.slot.sessions.get().saturating_sub(1));
        self.drop_if_idle(&sess.slot);
        0
    }
}

/// The deadline of a cancellation-request timeout in ms.
pub(super) fn deadline(timeout_ms: u32) -> Option<Instant> {
    (timeout_ms != tee_abi::gp::TIMEOUT_INFINITE).then(|| Instant::now() + Duration::from_millis(timeout_ms.into()))
}

/// The system PTA's shareable mappings (`PTA_SYSTEM_MAP_ZI`, `UNMAP`);
/// any other command is NOT_SUPPORTED on the host.
fn system_pta(slot: &Rc<Slot>, cmd: u32, params: &mut TaParams) -> (u32, u32) {
    let ta = Origin::TrustedApp.code();
    let value = |p: &TaParam| match p {
        TaParam::Value { a, b, .. } => Some((*a, *b)),
        _ => None,
    };
    match cmd {
        tee_abi::pta::SYSTEM_CMD_MAP_ZI => {
            let Some((len, _flags)) = value(&params.0[0]).filter(|(len, _)| *len > 0) else {
                return (TeeError::BadParameters.code(), ta);
            };
            let map = Mapping::new(len as usize);
            let addr = map.ptr as u64;
            slot.maps.borrow_mut().push(map);
            if let TaParam::Value { a, b, .. } = &mut params.0[1] {
                *a = (addr >> 32) as u32;
                *b = addr as u32;
            }
            (0, ta)
        }
        tee_abi::pta::SYSTEM_CMD_UNMAP => {
            let (Some((len, _)), Some((hi, lo))) = (value(&params.0[0]), value(&params.0[1])) else {
                return (TeeError::BadParameters.code(), ta);
            };
            let addr = u64::from(hi) << 32 | u64::from(lo);
            let mut maps = slot.maps.borrow_mut();
            match maps.iter().position(|m| m.ptr as u64 == addr && m.len == len as usize) {
                Some(at) => {
                    maps.remove(at);
                    (0, ta)
                }
                None => (TeeError::BadParameters.code(), ta),
            }
        }
        _ => (TeeError::NotSupported.code(), ta),
    }
}
