//! One run of a TA's entry point as the exception handlers see it: the
//! system calls it makes ([`SyscallContext`] for [`UserRun`]), the system
//! PTA served inside the instance, and faults that end the run.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::sync::SpinLock;
use tee_abi::result::{Origin, TeeError, TeeResult};

use super::instance::{EXIT_DEAD, Instance, TaSessions};
use super::memory::UserRegions;
use super::property::PropContext;
use super::syscall::{self, SyscallContext};
use super::system_pta;
use crate::arch::aarch64::user::{self, UserFrame};
use crate::call_env::CallEnv;
use crate::params::TaParams;
use crate::session::{ClientIdentity, Outcome, Uuid, raw_error, tee_refusal};

/// The context of one user-mode run, reached from exception handlers.
pub struct UserRun<'a> {
    pub(super) instance: &'a Instance,
    pub(super) regions: &'a mut UserRegions,
    pub(super) env: &'a mut dyn CallEnv,
    pub(super) cancel_masked: bool,
    pub(super) client: ClientIdentity,
    pub(super) ta: Uuid,
    pub(super) crypto: &'a mut crate::crypto::CryptoState,
    pub(super) storage: &'a mut crate::storage::StorageState,
    pub(super) ta_sessions: &'a TaSessions,
    pub(super) next_ta_session: &'a AtomicU32,
    /// `TPIDR_EL0` when the run ended (the TA's own thread pointer).
    pub(super) tpidr: u64,
}

impl SyscallContext for UserRun<'_> {
    fn regions(&self) -> &UserRegions {
        self.regions
    }

    fn env(&mut self) -> &mut dyn CallEnv {
        self.env
    }

    fn log(&self, text: &str) {
        log::info!("[ta] {text}");
    }

    fn cancelled(&self) -> bool {
        !self.cancel_masked && self.env.cancel_requested()
    }

    fn set_cancel_mask(&mut self, masked: bool) -> bool {
        core::mem::replace(&mut self.cancel_masked, masked)
    }

    fn system_time(&self) -> (u32, u32) {
        crate::arch::aarch64::system_time()
    }

    fn random(&mut self, buf: &mut [u8]) {
        crate::rng::fill(buf);
    }

    fn properties(&self) -> PropContext {
        PropContext { client: self.client, ta: self.ta }
    }

    fn ta_time_offset(&self) -> Option<i64> {
        TA_TIME.lock().get(&self.ta).copied()
    }

    fn set_ta_time_offset(&mut self, offset_ms: i64) {
        TA_TIME.lock().insert(self.ta, offset_ms);
    }

    fn handles(&mut self) -> &mut crate::handles::HandleTable {
        self.crypto
    }

    fn storage(&mut self) -> Option<&mut crate::storage::StorageState> {
        Some(self.storage)
    }

    fn open_ta_session(&mut self, uuid: &Uuid, cancel_timeout_ms: u32, params: &mut TaParams) -> Result<u32, Outcome> {
        // Bounded like a client's sessions: a TA looping on OpenTASession
        // gets OUT_OF_MEMORY instead of growing kernel tables without end.
        let open = self.instance.system_sessions.lock().len() + self.ta_sessions.lock().len();
        if open >= super::instance::MAX_SESSIONS_PER_INSTANCE {
            return Err(tee_refusal(TeeError::OutOfMemory));
        }
        if *uuid == system_pta::UUID {
            let id = self.next_ta_session.fetch_add(1, Ordering::Relaxed);
            self.instance.system_sessions.lock().insert(id);
            return Ok(id);
        }
        let target = (self.instance.resolver())(uuid, self.env)?;
        let client = ClientIdentity { login: tee_abi::msg::LOGIN_TRUSTED_APP, uuid: self.ta };
        let handle = target.open_session(&mut DeadlineEnv::new(self.env, cancel_timeout_ms), &client, params)?;
        let id = self.next_ta_session.fetch_add(1, Ordering::Relaxed);
        self.ta_sessions.lock().insert(id, (target, handle));
        Ok(id)
    }

    fn invoke_ta_session(
        &mut self,
        session: u32,
        cmd: u32,
        cancel_timeout_ms: u32,
        params: &mut TaParams,
        memref_ranges: &[(u64, u64); 4],
    ) -> Outcome {
        if self.instance.system_sessions.lock().contains(&session) {
            if cmd == system_pta::CMD_DERIVE_TA_UNIQUE_KEY {
                return (TeeError::to_raw(self.derive_ta_unique_key(params, memref_ranges)), Origin::TrustedApp.code());
            }
            if cmd == system_pta::CMD_SUPP_PLUGIN_INVOKE {
                let result = super::supp_plugin::invoke(&mut DeadlineEnv::new(self.env, cancel_timeout_ms), params);
                return (TeeError::to_raw(result), Origin::TrustedApp.code());
            }
            return (TeeError::to_raw(self.system_pta(cmd, params)), Origin::TrustedApp.code());
        }
        // Cloned out: no lock is held while the other TA runs.
        let Some((target, handle)) = self.ta_sessions.lock().get(&session).cloned() else {
            return tee_refusal(TeeError::BadParameters);
        };
        target.invoke(&mut DeadlineEnv::new(self.env, cancel_timeout_ms), handle, cmd, params)
    }

    fn is_pseudo_ta_session(&self, session: u32) -> bool {
        self.instance.system_sessions.lock().contains(&session)
    }

    fn close_ta_session(&mut self, session: u32) -> Result<(), u32> {
        if self.instance.system_sessions.lock().remove(&session) {
            return Ok(());
        }
        let removed = self.ta_sessions.lock().remove(&session);
        // The syscall layer still takes raw codes.
        let (target, handle) = removed.ok_or(TeeError::BadParameters.code())?;
        target.close_session(self.env, handle);
        Ok(())
    }
}

/// The environment of a TA-to-TA call: the caller's, plus GP's
/// cancellation-request timeout, after which the callee's operation counts
/// as cancelled (upstream's `cancel_time` of the called session). A
/// cancellation of the caller's own operation reaches the callee too.
struct DeadlineEnv<'e> {
    inner: &'e mut dyn CallEnv,
    /// Milliseconds of system time; `None`: no timeout.
    deadline_ms: Option<u64>,
}

impl<'e> DeadlineEnv<'e> {
    fn new(inner: &'e mut dyn CallEnv, timeout_ms: u32) -> DeadlineEnv<'e> {
        let deadline_ms = (timeout_ms != syscall::TIMEOUT_INFINITE).then(|| now_ms() + u64::from(timeout_ms));
        DeadlineEnv { inner, deadline_ms }
    }
}

fn now_ms() -> u64 {
    let (s, ms) = crate::arch::aarch64::system_time();
    u64::from(s) * 1000 + u64::from(ms)
}

impl CallEnv for DeadlineEnv<'_> {
    fn mem(&self) -> &dyn crate::shm::NsMemory {
        self.inner.mem()
    }
    fn rpc_arg(&self) -> Option<&crate::call_env::ArgLocation> {
        self.inner.rpc_arg()
    }
    fn switch_to_normal_world(&mut self, a: [u64; 3]) -> [u64; 4] {
        self.inner.switch_to_normal_world(a)
    }
    fn set_cancel_flag(&mut self, flag: Option<Arc<core::sync::atomic::AtomicBool>>) {
        self.inner.set_cancel_flag(flag);
    }
    fn cancel_requested(&self) -> bool {
        self.inner.cancel_requested() || self.deadline_ms.is_some_and(|d| now_ms() >= d)
    }
}

impl UserRun<'_> {
    /// The system PTA's MAP_ZI and UNMAP for this instance; the run's view
    /// of the TA's memory follows the change at once. ADD_RNG_ENTROPY
    /// touches no instance state.
    fn system_pta(&mut self, cmd: u32, params: &mut TaParams) -> TeeResult {
        if cmd == system_pta::CMD_ADD_RNG_ENTROPY {
            return system_pta::add_rng_entropy(params).map_err(raw_error);
        }
        if cmd == system_pta::CMD_DLOPEN {
            let uuid = system_pta::dlopen_args(params).map_err(raw_error)?;
            return self.instance.dlopen(self.env, &uuid, self.regions).map_err(raw_error);
        }
        if cmd == system_pta::CMD_DLSYM {
            let (uuid, name) = system_pta::dlsym_args(params).map_err(raw_error)?;
            let va = self.instance.dlsym(&uuid, name).map_err(raw_error)?;
            system_pta::set_dlsym_value(params, va);
            return Ok(());
        }
        match system_pta::decode(cmd, params).map_err(raw_error)? {
            system_pta::Request::MapZi { len, shareable } => {
                let region = self.instance.map_zi(len, shareable)?;
                self.regions.0.push(region);
                system_pta::set_address(params, region.va);
            }
            system_pta::Request::Unmap { va, len } => {
                self.instance.unmap_zi(va, len)?;
                self.regions.0.retain(|r| r.va != va);
            }
        }
        Ok(())
    }
}

impl UserRun<'_> {
    /// The system PTA's DERIVE_TA_UNIQUE_KEY: the key may only go to secure
    /// memory (upstream checks WRITE | ANY_OWNER | SECURE on the buffer), so
    /// a memref the TA's normal-world client passed is refused.
    fn derive_ta_unique_key(&mut self, params: &mut TaParams, memref_ranges: &[(u64, u64); 4]) -> TeeResult {
        use super::memory::access;
        let (va, len) = memref_ranges[1];
        let secure =
            self.regions.check_access_rights(access::WRITE | access::ANY_OWNER | access::SECURE, va, len).is_ok();
        system_pta::derive_ta_unique_key(&self.ta, params, secure)
    }
}

/// TA persistent time, per TA UUID, as offsets from system time (lost at
/// reboot, like upstream without RPMB).
static TA_TIME: SpinLock<BTreeMap<Uuid, i64>> = SpinLock::new(BTreeMap::new());

impl crate::thread::runtime::UserExceptionHandler for UserRun<'_> {
    fn user_exception(&mut self, frame: &mut UserFrame, kind: u64, esr: u64, far: u64) -> bool {
        handle_exception(self, frame, kind, esr, far)
    }
}

/// Handles an exception from EL0 for `run`: returns true to resume the TA,
/// false when the run is over (`frame.x[0]` then holds the exit value).
fn handle_exception(run: &mut UserRun<'_>, frame: &mut UserFrame, kind: u64, esr: u64, far: u64) -> bool {
    const EC_SVC64: u64 = 0x15;
    match kind {
        user::KIND_SYNC if esr >> 26 == EC_SVC64 => {
            let args = [frame.x[0], frame.x[1], frame.x[2], frame.x[3], frame.x[4], frame.x[5], frame.x[6], frame.x[7]];
            let outcome = crate::thread::runtime::with_foreign_interrupts(|| syscall::dispatch(run, frame.x[8], args));
            match outcome {
                syscall::Outcome::Return(v) => {
                    frame.x[0] = v;
                    true
                }
                syscall::Outcome::Exit(ret) => {
                    run.tpidr = frame.tpidr;
                    frame.x[0] = u64::from(ret);
                    false
                }
                syscall::Outcome::Panic(code) => {
                    log::warn!("TA panicked (code {code:#x})");
                    frame.x[0] = EXIT_DEAD;
                    false
                }
            }
        }
        user::KIND_FIQ | user::KIND_IRQ => {
            // A normal-world interrupt: let Linux take it, then continue.
            crate::thread::preempt::record(crate::thread::preempt::Site::Ta);
            crate::thread::runtime::preempt();
            true
        }
        _ => {
            log::warn!("TA killed: exception kind {kind}, ESR {esr:#x}, ELR {:#x}, FAR {far:#x}", frame.elr);
            frame.x[0] = EXIT_DEAD;
            false
        }
    }
}
