//! Preemption points for long kernel work done for a TA (crypto over big
//! buffers, PBKDF2 iterations, RSA prime search).
//!
//! Kernel code runs with interrupts masked, so a syscall that computes for
//! seconds would hold a normal-world interrupt (Linux's timer tick) for
//! seconds. Long loops call [`point`] every little while: if the normal
//! world has an interrupt pending, the thread leaves with
//! `RPC_FOREIGN_INTR` exactly as a preempted TA does, Linux takes the
//! interrupt and resumes the thread (maybe on another core), and the loop
//! goes on.
//!
//! A caller must hold no lock another thread could spin on (a preempted
//! thread may stay away for long). The crypto syscalls qualify: the only
//! lock held is the instance's `crypto` mutex, taken only by the holder of
//! that instance's run (`Instance::run_owner`, one thread per instance), and a preempted
//! thread is always resumed by the normal world.

/// Work between two preemption points: about a millisecond of hashing
/// under QEMU TCG.
pub const CHUNK: usize = 64 * 1024;

/// Leaves for the normal world if it has an interrupt waiting; a no-op
/// outside a pool thread (cold boot) and on the host.
pub fn point() {
    #[cfg(test)]
    POINTS.with(|p| p.set(p.get() + 1));
    #[cfg(target_os = "none")]
    if crate::arch::aarch64::fiq_pending() && super::runtime::current_thread() != usize::MAX {
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
