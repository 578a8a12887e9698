//! Locks for kernel code that normal-world interrupts can preempt.
//!
//! Pool threads run with normal-world ("foreign") interrupts open, as
//! upstream OP-TEE's do: an interrupt makes the thread leave the core for
//! the normal world (`thread::runtime::preempt`), maybe for long, and it
//! may come back on another core. A plain spin lock held at that moment
//! would stall every other user of it, and one spinning with interrupts
//! masked (an SMC entry, the thread pool's own bookkeeping) for good. So a
//! kernel lock masks this core's interrupts while it is held
//! ([`SpinLock`], upstream's `cpu_spin_lock_xsave`). Masked sections nest
//! by a per-core count ([`mask_interrupts`]): the masks come back when the
//! core's last section ends, in whatever order the guards drop. A thread
//! never leaves the core inside one: `thread::runtime` checks
//! [`masked_sections`] before every leave, and preemption points inside
//! one do nothing.
//!
//! The one other lock, [`OwnerLock`], is for a TA instance's own state,
//! which only the thread running that instance (its run owner,
//! `thread::ta_gate`) takes: its crypto and storage state, kept across
//! RPCs and preemption for a whole run, and its translation tables, ZI
//! mappings and link map, whose edits grow with sizes the TA chooses
//! (a MAP_ZI of megabytes, a dlopen). It never masks, so that work stays
//! preemptible.
#![allow(clippy::disallowed_types)] // the one place that wraps `spin::Mutex`.

use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

/// This core's interrupts stay masked while this lives (see the module
/// docs); it cannot move to another thread.
#[must_use]
pub struct InterruptsMasked {
    _not_send: PhantomData<*const ()>,
}

/// Masks this core's interrupts until the guard drops (nesting).
#[inline]
pub fn mask_interrupts() -> InterruptsMasked {
    per_core::enter();
    InterruptsMasked { _not_send: PhantomData }
}

impl Drop for InterruptsMasked {
    #[inline]
    fn drop(&mut self) {
        per_core::exit();
    }
}

/// Masked sections open on this core (0 outside any lock).
pub fn masked_sections() -> u32 {
    per_core::depth()
}

/// A spin lock that masks this core's interrupts while held. Never hold
/// one across an RPC or a preemption point (the runtime halts on the
/// first, the second does nothing).
pub struct SpinLock<T: ?Sized> {
    inner: spin::Mutex<T>,
}

/// Holds a [`SpinLock`]: unlocks, then unmasks (if it was the core's last
/// masked section), when dropped.
pub struct SpinLockGuard<'a, T: ?Sized + 'a> {
    // Field order is drop order: unlock before the masks come back.
    guard: spin::MutexGuard<'a, T>,
    _masked: InterruptsMasked,
}

impl<T> SpinLock<T> {
    pub const fn new(value: T) -> SpinLock<T> {
        SpinLock { inner: spin::Mutex::new(value) }
    }

    /// The value, taking the lock apart.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> SpinLock<T> {
    /// Masks this core's interrupts, then spins until the lock is ours.
    #[inline]
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        let masked = mask_interrupts();
        SpinLockGuard { guard: self.inner.lock(), _masked: masked }
    }
}

impl<T: ?Sized> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T: ?Sized> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

/// A TA instance's own state, taken only by the thread that owns the
/// instance's run (`thread::ta_gate`), which may keep it across RPCs and
/// preemption: it never masks interrupts. It is never contended in
/// practice; a second taker would spin with interrupts open until the
/// owner is back.
pub struct OwnerLock<T> {
    inner: spin::Mutex<T>,
}

/// Holds an [`OwnerLock`].
pub type OwnerLockGuard<'a, T> = spin::MutexGuard<'a, T>;

impl<T> OwnerLock<T> {
    pub const fn new(value: T) -> OwnerLock<T> {
        OwnerLock { inner: spin::Mutex::new(value) }
    }

    /// Takes the lock; never inside a masked section (it may wait for a
    /// thread that is away, which only open interrupts let come back).
    pub fn lock(&self) -> OwnerLockGuard<'_, T> {
        assert_eq!(masked_sections(), 0, "an owner lock taken inside a spin lock");
        self.inner.lock()
    }
}

/// The per-core count of masked sections and whether normal-world
/// interrupts were open before the outermost one, in the core's local
/// word (`arch::aarch64::core_local`): the count in the low 32 bits,
/// [`WAS_OPEN`] above.
#[cfg(target_os = "none")]
mod per_core {
    use crate::arch::aarch64::{core_local, irq, set_core_local};

    const WAS_OPEN: u64 = 1 << 32;

    #[inline]
    pub fn enter() {
        let before = irq::mask_all();
        // Masked from here: the word is only ours, and the thread stays on
        // this core until the matching `exit`.
        let word = core_local();
        let word = if word as u32 == 0 { if before.foreign_open() { WAS_OPEN } else { 0 } } else { word };
        set_core_local(word + 1);
    }

    #[inline]
    pub fn exit() {
        let word = core_local();
        if word as u32 == 0 {
            crate::fatal::halt(format_args!("unbalanced masked section"));
        }
        let word = word - 1;
        set_core_local(word);
        if word == WAS_OPEN {
            irq::unmask_foreign();
        }
    }

    pub fn depth() -> u32 {
        let saved = irq::mask_all();
        let depth = core_local() as u32;
        irq::restore(saved);
        depth
    }
}

/// Host tests: the same bookkeeping per OS thread, over the arch fake's
/// masks.
#[cfg(all(not(target_os = "none"), test))]
mod per_core {
    use core::cell::Cell;

    use crate::arch::fake::irq;

    std::thread_local! {
        static DEPTH: Cell<u32> = const { Cell::new(0) };
        static WAS_OPEN: Cell<bool> = const { Cell::new(false) };
    }

    pub fn enter() {
        let before = irq::mask_all();
        if DEPTH.with(Cell::get) == 0 {
            WAS_OPEN.with(|w| w.set(before.foreign_open()));
        }
        DEPTH.with(|d| d.set(d.get() + 1));
    }

    pub fn exit() {
        let depth = DEPTH.with(Cell::get).checked_sub(1).expect("unbalanced masked section");
        DEPTH.with(|d| d.set(depth));
        if depth == 0 && WAS_OPEN.with(Cell::get) {
            irq::unmask_foreign();
        }
    }

    pub fn depth() -> u32 {
        DEPTH.with(Cell::get)
    }
}

/// The kernel linked into host programs (ta-sdk's `host` feature): nothing
/// preempts host code, so there is nothing to mask or count.
#[cfg(all(not(target_os = "none"), not(test)))]
mod per_core {
    pub fn enter() {}
    pub fn exit() {}
    pub fn depth() -> u32 {
        0
    }
}

#[cfg(test)]
mod tests;
