//! What a kernel panic does to the rest of the secure world.
//!
//! After a panic the kernel's state may be inconsistent (a half-updated
//! table, a lock that will never be released), so it stops serving for
//! good: the panicking core returns an error to the normal world at once
//! (its call ends with `OPTEE_SMC_RETURN_ENOTAVAIL`, which Linux reports to
//! the client as `TEEC_ERROR_COMMUNICATION`) and every later SMC, on any
//! core, is answered with the same error before it touches any kernel
//! state. No core is parked inside the secure world, and none spins on a
//! lock the panicking thread held unless it was already inside the kernel.

use core::sync::atomic::{AtomicBool, Ordering};

use tee_abi::smc;

/// The secure world's stop flag (one per kernel; a type so host tests can
/// exercise it without stopping the process-wide one other tests rely on).
struct StopFlag(AtomicBool);

impl StopFlag {
    const fn new() -> StopFlag {
        StopFlag(AtomicBool::new(false))
    }

    fn stop(&self) -> bool {
        !self.0.swap(true, Ordering::AcqRel)
    }

    fn stopped(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn refuse_if_stopped(&self) -> Option<[u64; 4]> {
        self.stopped().then_some(STOPPED_RETURN)
    }
}

static STOPPED: StopFlag = StopFlag::new();

/// What every SMC gets once the secure world stopped.
pub const STOPPED_RETURN: [u64; 4] = [smc::RETURN_ENOTAVAIL, 0, 0, 0];

/// Marks the secure world stopped; true when this call did it (the first
/// panic), false when it already was.
pub fn stop() -> bool {
    STOPPED.stop()
}

/// True once a kernel panic stopped the secure world.
pub fn stopped() -> bool {
    STOPPED.stopped()
}

/// The answer to an SMC: `None` to serve it, or the error once stopped.
pub fn refuse_if_stopped() -> Option<[u64; 4]> {
    STOPPED.refuse_if_stopped()
}

/// Logs a condition the kernel cannot go on from (a broken boot, a thread
/// protocol violation) and stops this core.
#[cfg(target_os = "none")]
pub fn halt(args: core::fmt::Arguments<'_>) -> ! {
    log::error!("fatal: {args}");
    loop {
        crate::arch::aarch64::wfi();
    }
}

/// Host test builds: a protocol violation fails the test that caused it.
#[cfg(all(not(target_os = "none"), test))]
pub fn halt(args: core::fmt::Arguments<'_>) -> ! {
    panic!("fatal: {args}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_stops_every_later_call() {
        // A flag of its own: stopping the process-wide one would make the
        // thread runtime's host tests (whose threads are then never
        // released) depend on test order.
        let flag = StopFlag::new();
        assert_eq!(flag.refuse_if_stopped(), None);
        assert!(flag.stop());
        assert!(!flag.stop(), "a second panic is not the first");
        assert_eq!(flag.refuse_if_stopped(), Some([smc::RETURN_ENOTAVAIL, 0, 0, 0]));
        assert!(!stopped(), "the kernel's own flag is untouched");
    }
}
