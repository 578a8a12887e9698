//! A host stand-in for `arch::aarch64` (test builds only), with the same API
//! the thread runtime and the TA runner use.
//!
//! "Cores" are test OS threads: each says which core it is ([`set_core`]).
//! A pool thread is an OS thread of its own (`thread`): starting, leaving
//! for the normal world and resuming are hand-offs over channels, and a
//! return to the normal world (the target's `smc` from `thread_exit` or
//! `thread_rpc_exit`) unwinds the core back to [`monitor_call`]. TA code is
//! a test-installed script (`user`) that raises exceptions into the
//! runtime's EL0 exception entry; FP/SIMD is a per-core register file that
//! checks the trapping rules (`fpu`).
//!
//! A failed assertion on a pool thread (in a call handler or a TA script)
//! aborts the test binary after printing its message: it cannot unwind out
//! of the runtime's `extern "C"` thread function. Assertions on the test
//! thread fail just their test.

pub mod fpu;
pub mod irq;
pub mod thread;
pub mod user;

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering};

/// Stack size of the boot stacks (mirrors `aarch64::STACK_SIZE`).
pub const STACK_SIZE: usize = linker::CORE_STACK_SIZE as usize;

std::thread_local! {
    /// The core the calling OS thread plays.
    static CORE: Cell<usize> = const { Cell::new(0) };
}

/// Makes the calling OS thread play core `index`.
pub fn set_core(index: usize) {
    assert!(index < linker::MAX_CORES, "no core {index}");
    CORE.with(|c| c.set(index));
}

/// Linear index of the calling core.
pub fn core_index() -> usize {
    CORE.with(Cell::get)
}

/// A pending normal-world interrupt, per core.
static FIQ: [AtomicBool; linker::MAX_CORES] = [const { AtomicBool::new(false) }; linker::MAX_CORES];

/// Marks (or clears) a normal-world interrupt pending at `core`.
pub fn set_fiq_pending(core: usize, pending: bool) {
    FIQ[core].store(pending, Ordering::Release);
}

/// True when a normal-world interrupt is pending at this core.
pub fn fiq_pending() -> bool {
    FIQ[core_index()].load(Ordering::Acquire)
}

/// Nothing to wait for on the host: yields the OS thread.
pub fn wfi() {
    std::thread::yield_now();
}

/// A fixed `MPIDR_EL1` naming the calling core (Aff0).
pub fn read_mpidr() -> u64 {
    core_index() as u64
}

/// No tables to synchronise on the host.
pub fn tables_barrier() {}

/// No TLBs on the host.
pub fn invalidate_tlb_all_cores() {}

/// A 1 MHz counter of the time since the first call.
pub fn counter() -> (u64, u64) {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(std::time::Instant::now);
    (start.elapsed().as_micros() as u64, 1_000_000)
}

/// Time since the first call as (seconds, milliseconds).
pub fn system_time() -> (u32, u32) {
    let (count, freq) = counter();
    ((count / freq) as u32, ((count % freq) * 1000 / freq) as u32)
}

/// What a core returns to the normal world when it leaves the secure world
/// (the target's `smc #0` with `CALL_DONE`): carried by an unwind.
struct ToNormalWorld([u64; 4]);

/// Leaves the secure world on this core with `a0..a3`.
fn to_normal_world(a: [u64; 4]) -> ! {
    // `resume_unwind` skips the panic hook: this is control flow, not an error.
    std::panic::resume_unwind(std::boxed::Box::new(ToNormalWorld(a)))
}

/// The monitor: runs one secure-world entry (`yield_smc`, say) on this core
/// and returns what the normal world gets back, whether the entry returned
/// or left through a thread start, exit, leave or resume.
pub fn monitor_call(entry: impl FnOnce() -> [u64; 4]) -> [u64; 4] {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(entry)) {
        Ok(a) => a,
        Err(payload) => match payload.downcast::<ToNormalWorld>() {
            Ok(done) => done.0,
            Err(other) => std::panic::resume_unwind(other),
        },
    }
}
