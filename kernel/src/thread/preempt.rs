//! Preemption of pool threads by normal-world interrupts, and where it
//! happens.
//!
//! Pool threads run with normal-world interrupts (FIQ) open, as upstream
//! OP-TEE's: one that arrives while a TA runs, or while the kernel works
//! for a call or a TA's system call, leaves the thread with
//! `RPC_FOREIGN_INTR`; Linux takes the interrupt and resumes the thread
//! (maybe on another core), which goes on where it was. Kernel code keeps
//! them masked only for short stretches: spin locks (`crate::sync`),
//! kernel SIMD sections (one [`CHUNK`] of crypto at most), and its own
//! bookkeeping around a leave or a TA run.
//!
//! Long loops still call [`point`] between chunks: where the interrupts
//! are open it finds nothing pending (the interrupt was taken at once); it
//! leaves only if one is waiting while they are masked and no spin lock
//! is held, which bounds how long a masked stretch can delay Linux.
//! [`taken`] counts the preemptions by where they hit.

use core::sync::atomic::{AtomicU64, Ordering};

/// Work between two preemption points: about a millisecond of hashing
/// under QEMU TCG, and the most one kernel SIMD section does.
pub const CHUNK: usize = 64 * 1024;

/// Where a normal-world interrupt preempted a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// TA code at S-EL0.
    Ta,
    /// Kernel code with interrupts open (a call, a TA's system call).
    Kernel,
    /// A preemption point in a masked stretch.
    Point,
}

static TAKEN: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

/// Counts one preemption at `site`.
pub fn record(site: Site) {
    TAKEN[site as usize].fetch_add(1, Ordering::Relaxed);
}

/// Preemptions so far: (in TAs, in kernel code, at preemption points).
pub fn taken() -> (u64, u64, u64) {
    let [ta, kernel, point] = &TAKEN;
    (ta.load(Ordering::Relaxed), kernel.load(Ordering::Relaxed), point.load(Ordering::Relaxed))
}

/// Leaves for the normal world if it has an interrupt waiting and no spin
/// lock is held here; a no-op outside a pool thread (cold boot) and on
/// the host.
pub fn point() {
    #[cfg(test)]
    POINTS.with(|p| p.set(p.get() + 1));
    #[cfg(target_os = "none")]
    if crate::arch::aarch64::fiq_pending()
        && crate::sync::masked_sections() == 0
        && super::runtime::current_thread() != usize::MAX
    {
        record(Site::Point);
        super::runtime::preempt();
    }
}

/// Runs `f` on `data` in [`CHUNK`]-byte pieces with a preemption point
/// after each.
pub fn chunked(data: &[u8], mut f: impl FnMut(&[u8])) {
    for piece in data.chunks(CHUNK) {
        f(piece);
        point();
    }
}

/// In a loop over bytes: a preemption point after every [`CHUNK`] of
/// them (`i`: the index of the byte just done).
#[inline]
pub fn after_byte(i: usize) {
    if (i + 1).is_multiple_of(CHUNK) {
        point();
    }
}

/// In a loop over 16-byte blocks: as [`after_byte`] (`i`: the block).
#[inline]
pub fn after_block(i: usize) {
    after_byte(i * 16 + 15);
}

#[cfg(test)]
std::thread_local! {
    static POINTS: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// Preemption points this (host test) thread has passed.
#[cfg(test)]
pub fn points() -> u64 {
    POINTS.with(|p| p.get())
}
