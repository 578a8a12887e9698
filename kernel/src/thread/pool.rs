//! Bookkeeping of the secure thread pool: which thread runs where, which is
//! suspended and why. Pure data; the context switching is in `arch`.
//!
//! # The leave / resume protocol
//!
//! A thread leaves for the normal world (RPC or preemption) in three steps:
//!
//! 1. [`Pool::begin_leave`] (on the thread's own stack): `Running` →
//!    `Leaving`. A `RETURN_FROM_RPC` naming it is refused from here on.
//! 2. The thread saves its registers and switches to the core's temporary
//!    stack (`arch::thread`); from then on nothing touches its stack.
//! 3. [`Pool::registers_saved`] (on the temporary stack): `Leaving` →
//!    `Suspended`, the only state [`Pool::resume`] accepts.
//!
//! Upstream OP-TEE orders it the same way: `thread_rpc` in
//! `core/arch/arm/kernel/thread_a64.S` (4.5.0) stores the registers and
//! moves to the temporary stack before `thread_state_suspend`
//! (`thread.c`) marks the thread suspended under the global lock, and
//! `thread_resume_from_rpc` resumes only a `THREAD_STATE_SUSPENDED` thread
//! (else the SMC returns `OPTEE_SMC_RETURN_ERESUME`). Marking it suspended
//! before the save (as this kernel once did) let another core resume a
//! thread from stale registers while it still ran on its stack.

/// Why a thread is suspended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Suspension {
    /// Waiting for the normal world to serve an RPC; resumes with its results.
    Rpc,
    /// Preempted by a normal-world interrupt; resumes where it stopped.
    ForeignInterrupt,
}

/// State of one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// Available for a new call.
    Free,
    /// Running on this core.
    Running(usize),
    /// Leaving this core: its registers are being saved; not resumable yet.
    Leaving(usize, Suspension),
    /// Parked (registers saved, off its stack) until `RETURN_FROM_RPC`
    /// names it.
    Suspended(Suspension),
}

/// Why a resume was refused (`OPTEE_SMC_RETURN_ERESUME`): no such thread,
/// or it is free, running, or still saving its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadResume;

/// A transition the protocol does not allow (a kernel bug, never the
/// normal world's doing: it only reaches the pool through `resume`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadTransition {
    /// The thread.
    pub index: usize,
    /// Its state when the transition was asked for.
    pub state: ThreadState,
}

/// The pool of `N` threads.
pub struct Pool<const N: usize> {
    states: [ThreadState; N],
}

impl<const N: usize> Pool<N> {
    /// All threads free.
    pub const fn new() -> Pool<N> {
        Pool { states: [ThreadState::Free; N] }
    }

    /// Takes a free thread for a new call on `core`; `None` means
    /// `OPTEE_SMC_RETURN_ETHREAD_LIMIT`.
    pub fn allocate(&mut self, core: usize) -> Option<usize> {
        let index = self.states.iter().position(|s| *s == ThreadState::Free)?;
        self.states[index] = ThreadState::Running(core);
        Some(index)
    }

    fn transition(
        &mut self,
        index: usize,
        from: impl Fn(ThreadState) -> Option<ThreadState>,
    ) -> Result<(), BadTransition> {
        let state = *self.states.get(index).ok_or(BadTransition { index, state: ThreadState::Free })?;
        let next = from(state).ok_or(BadTransition { index, state })?;
        self.states[index] = next;
        Ok(())
    }

    /// Step 1 of leaving: the thread running on `core` starts saving its
    /// state; it cannot be resumed until [`Pool::registers_saved`].
    pub fn begin_leave(&mut self, index: usize, core: usize, why: Suspension) -> Result<(), BadTransition> {
        self.transition(index, |s| (s == ThreadState::Running(core)).then_some(ThreadState::Leaving(core, why)))
    }

    /// Step 3 of leaving: the thread's registers are saved and its core is
    /// off its stack; it may now be resumed on any core.
    pub fn registers_saved(&mut self, index: usize) -> Result<(), BadTransition> {
        self.transition(index, |s| match s {
            ThreadState::Leaving(_, why) => Some(ThreadState::Suspended(why)),
            _ => None,
        })
    }

    /// Resumes thread `index` on `core` (from the normal world's `a3`).
    pub fn resume(&mut self, index: u64, core: usize) -> Result<(usize, Suspension), BadResume> {
        let index = usize::try_from(index).map_err(|_| BadResume)?;
        match self.states.get(index) {
            Some(ThreadState::Suspended(why)) => {
                let why = *why;
                self.states[index] = ThreadState::Running(core);
                Ok((index, why))
            }
            _ => Err(BadResume),
        }
    }

    /// Returns a finished thread (running, on the temporary stack) to the
    /// pool.
    pub fn release(&mut self, index: usize) -> Result<(), BadTransition> {
        self.transition(index, |s| matches!(s, ThreadState::Running(_)).then_some(ThreadState::Free))
    }

    /// State of thread `index`.
    pub fn state(&self, index: usize) -> ThreadState {
        self.states[index]
    }

    /// True when no thread is in use (shm-cache calls need that).
    pub fn all_free(&self) -> bool {
        self.states.iter().all(|s| *s == ThreadState::Free)
    }
}

impl<const N: usize> Default for Pool<N> {
    fn default() -> Self {
        Pool::new()
    }
}

#[cfg(test)]
mod tests;
