//! The kernel's [`SyscallContext`] for TA code running in this process:
//! what the target kernel's `UserRun` (`kernel/src/user_ta/run.rs`) gives
//! its syscalls, from the current entry call ([`Frame`]).

use std::cell::RefMut;

use kernel::call_env::CallEnv;
use kernel::handles::HandleTable;
use kernel::params::TaParams;
use kernel::session::ClientIdentity;
use kernel::storage::StorageState;
use kernel::syscall::SyscallContext;
use kernel::user_ta::memory::{Region, Sharing, UserRegions};
use kernel::user_ta::property::PropContext;
use tee_abi::msg::LOGIN_TRUSTED_APP;

use super::supplicant::EnvHandle;
use super::world::{Frame, KState, SYSTEM_SESSION, deadline};

/// The lowest address the host TA may name (page 0 stays unmapped, as on
/// the target: a dangling empty-slice pointer is no TA memory).
const LOWEST: u64 = 0x1000;

pub(super) struct HostCtx<'a> {
    frame: &'a Frame,
    regions: UserRegions,
    env: EnvHandle,
    kstate: RefMut<'a, KState>,
}

/// The TA's address space: the call's memrefs and the instance's shareable
/// mappings as shared regions, everything else as the TA's private memory.
fn regions(frame: &Frame) -> UserRegions {
    let mut shared: Vec<Region> = frame.shared.iter().copied().collect();
    shared.extend(frame.slot.maps.borrow().iter().map(|m| m.region()));
    shared.sort_by_key(|r| r.va);
    let mut all = shared.clone();
    let mut next = LOWEST;
    let private = |va: u64, end: u64| Region { va, len: end - va, kva: va, writable: true, sharing: Sharing::Private };
    for r in &shared {
        if r.va > next {
            all.push(private(next, r.va));
        }
        next = next.max(r.va + r.len);
    }
    all.push(private(next, u64::MAX));
    UserRegions(all)
}

impl<'a> HostCtx<'a> {
    pub(super) fn new(frame: &'a Frame) -> HostCtx<'a> {
        HostCtx {
            frame,
            regions: regions(frame),
            env: EnvHandle(frame.world.supplicant.clone()),
            kstate: frame.slot.kstate.borrow_mut(),
        }
    }

    /// This instance as a client of another TA.
    fn as_client(&self) -> ClientIdentity {
        ClientIdentity { login: LOGIN_TRUSTED_APP, uuid: self.frame.slot.uuid }
    }
}

impl SyscallContext for HostCtx<'_> {
    fn regions(&self) -> &UserRegions {
        &self.regions
    }

    fn env(&mut self) -> &mut dyn CallEnv {
        &mut self.env
    }

    fn log(&self, text: &str) {
        eprintln!("[TA {}] {text}", crate::Uuid::from_octets(self.frame.slot.uuid));
    }

    fn cancelled(&self) -> bool {
        !self.frame.masked.get() && self.frame.cancel_at.is_some_and(|t| std::time::Instant::now() >= t)
    }

    fn set_cancel_mask(&mut self, masked: bool) -> bool {
        self.frame.masked.replace(masked)
    }

    fn system_time(&self) -> (u32, u32) {
        let t = self.frame.world.start.elapsed();
        (t.as_secs() as u32, t.subsec_millis())
    }

    fn random(&mut self, buf: &mut [u8]) {
        self.frame.world.fill_random(buf);
    }

    fn properties(&self) -> PropContext {
        PropContext { client: self.frame.client, ta: self.frame.slot.uuid }
    }

    fn ta_time_offset(&self) -> Option<i64> {
        self.frame.world.ta_time.borrow().get(&self.frame.slot.uuid).copied()
    }

    fn set_ta_time_offset(&mut self, offset_ms: i64) {
        self.frame.world.ta_time.borrow_mut().insert(self.frame.slot.uuid, offset_ms);
    }

    fn handles(&mut self) -> &mut HandleTable {
        &mut self.kstate.handles
    }

    fn storage(&mut self) -> Option<&mut StorageState> {
        Some(&mut self.kstate.storage)
    }

    fn open_ta_session(
        &mut self,
        uuid: &[u8; 16],
        cancel_timeout_ms: u32,
        params: &mut TaParams,
    ) -> Result<u32, (u32, u32)> {
        let client = self.as_client();
        let world = self.frame.world.clone();
        world.open(*uuid, params, client, self.frame.slot.id, Sharing::SharedSecure, deadline(cancel_timeout_ms))
    }

    fn invoke_ta_session(
        &mut self,
        session: u32,
        cmd: u32,
        cancel_timeout_ms: u32,
        params: &mut TaParams,
        _memref_ranges: &[(u64, u64); 4],
    ) -> (u32, u32) {
        let world = self.frame.world.clone();
        world.invoke(self.frame.slot.id, session, cmd, params, Sharing::SharedSecure, deadline(cancel_timeout_ms))
    }

    fn is_pseudo_ta_session(&self, session: u32) -> bool {
        session == SYSTEM_SESSION
    }

    fn close_ta_session(&mut self, session: u32) -> Result<(), u32> {
        let world = self.frame.world.clone();
        match world.close(self.frame.slot.id, session) {
            0 => Ok(()),
            code => Err(code),
        }
    }
}
