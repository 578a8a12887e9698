//! Who may run inside which TA instance, and when a thread must wait.
//!
//! One thread at a time runs inside an instance (its *busy owner*). On its
//! own that deadlocks: single-instance TA A calls B on one thread while B
//! calls A on another, and each waits for the other forever. Upstream OP-TEE
//! (`tee_ta_try_set_busy` in `core/kernel/tee_ta_manager.c`, 4.5.0, built
//! without `CFG_CONCURRENT_SINGLE_INSTANCE_TA`) prevents that with a
//! recursive *single-instance lock*: a thread holds it while it runs inside
//! any single-instance TA, and other threads wait for it before entering
//! one. A thread that holds it never waits for a busy instance (the owner
//! could only be waiting for this lock): it gets `TEE_ERROR_BUSY` instead.
//! A thread that does not hold it waits until the instance is free. So
//! every wait is for a thread that is not itself waiting on us, and the
//! A ↔ B calls above run one after the other. This module is that rule.

use crate::sync::SpinLock;
use tee_abi::result::TeeError;

/// What a thread asking to run inside an instance must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// It now owns the instance (and, for a single-instance TA, holds the
    /// single-instance lock once more).
    Enter,
    /// Another thread has it; try again after sleeping.
    Wait,
    /// Waiting could never end (the thread holds the single-instance lock,
    /// or owns the instance itself): `TEE_ERROR_BUSY`.
    Busy,
}

/// The single-instance lock: which thread holds it and how many times.
#[derive(Debug, Default)]
pub struct Gate {
    owner: Option<usize>,
    count: usize,
}

/// Busy owner of one instance: the pool thread running inside it.
pub type BusyOwner = SpinLock<Option<usize>>;

impl Gate {
    /// Nobody holds the single-instance lock.
    pub const fn new() -> Gate {
        Gate { owner: None, count: 0 }
    }

    /// Thread `me` asks to run inside an instance (`single`: of a
    /// single-instance TA) whose busy owner is `busy`.
    pub fn try_enter(&mut self, me: usize, single: bool, busy: &mut Option<usize>) -> Decision {
        if single {
            match self.owner {
                Some(other) if other != me => return Decision::Wait,
                _ => {
                    self.owner = Some(me);
                    self.count += 1;
                }
            }
        }
        if busy.is_some() {
            if self.owner == Some(me) || *busy == Some(me) {
                if single {
                    self.release(me);
                }
                return Decision::Busy;
            }
            return Decision::Wait;
        }
        *busy = Some(me);
        Decision::Enter
    }

    /// Thread `me` leaves an instance it entered with the same `single`.
    pub fn leave(&mut self, me: usize, single: bool, busy: &mut Option<usize>) {
        if *busy == Some(me) {
            *busy = None;
        }
        if single {
            self.release(me);
        }
    }

    fn release(&mut self, me: usize) {
        if self.owner == Some(me) {
            self.count -= 1;
            if self.count == 0 {
                self.owner = None;
            }
        }
    }

    /// Thread holding the single-instance lock.
    pub fn owner(&self) -> Option<usize> {
        self.owner
    }
}

/// The kernel's single-instance lock.
pub static TA_GATE: SpinLock<Gate> = SpinLock::new(Gate::new());

/// Why [`enter`] gave up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// `TEE_ERROR_BUSY`: waiting would never end.
    Busy,
    /// Waiting failed (the RPC that sleeps returned this GP error).
    Wait(TeeError),
}

/// Ownership of an instance, released (with the single-instance lock) on drop.
pub struct GateGuard<'a> {
    gate: &'a SpinLock<Gate>,
    busy: &'a BusyOwner,
    me: usize,
    single: bool,
}

impl Drop for GateGuard<'_> {
    fn drop(&mut self) {
        // Lock order everywhere: the gate, then the instance.
        let mut gate = self.gate.lock();
        gate.leave(self.me, self.single, &mut self.busy.lock());
    }
}

/// Makes thread `me` the busy owner of an instance, calling `sleep`
/// between attempts (the holder may be parked in the normal world, so a
/// waiter must not spin in the secure world).
pub fn enter<'a>(
    gate: &'a SpinLock<Gate>,
    busy: &'a BusyOwner,
    me: usize,
    single: bool,
    mut sleep: impl FnMut() -> Result<(), TeeError>,
) -> Result<GateGuard<'a>, Refused> {
    loop {
        let decision = {
            let mut g = gate.lock();
            g.try_enter(me, single, &mut busy.lock())
        };
        match decision {
            Decision::Enter => return Ok(GateGuard { gate, busy, me, single }),
            Decision::Busy => return Err(Refused::Busy),
            Decision::Wait => sleep().map_err(Refused::Wait)?,
        }
    }
}

#[cfg(test)]
mod tests;
