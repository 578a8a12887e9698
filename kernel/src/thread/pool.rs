//! Bookkeeping of the secure thread pool: which thread runs where, which is
//! suspended and why. Pure data; the context switching is in `arch`.

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
    /// Parked until `RETURN_FROM_RPC` names it.
    Suspended(Suspension),
}

/// Why a resume was refused (`OPTEE_SMC_RETURN_ERESUME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadResume;

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

    /// Parks the thread running on `core`.
    pub fn suspend(&mut self, index: usize, why: Suspension) {
        self.states[index] = ThreadState::Suspended(why);
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

    /// Returns a finished thread to the pool.
    pub fn release(&mut self, index: usize) {
        self.states[index] = ThreadState::Free;
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
mod tests {
    use super::*;

    #[test]
    fn allocate_until_the_limit() {
        let mut pool = Pool::<2>::new();
        assert_eq!(pool.allocate(0), Some(0));
        assert_eq!(pool.allocate(1), Some(1));
        assert_eq!(pool.allocate(0), None, "ETHREAD_LIMIT");
        pool.release(0);
        assert_eq!(pool.allocate(3), Some(0));
        assert_eq!(pool.state(0), ThreadState::Running(3));
    }

    #[test]
    fn resume_only_suspended_threads_on_any_core() {
        let mut pool = Pool::<2>::new();
        let t = pool.allocate(0).unwrap();
        assert_eq!(pool.resume(t as u64, 1), Err(BadResume), "running, not suspended");
        pool.suspend(t, Suspension::Rpc);
        assert_eq!(pool.resume(t as u64, 1), Ok((t, Suspension::Rpc)));
        assert_eq!(pool.state(t), ThreadState::Running(1));
        assert_eq!(pool.resume(1, 0), Err(BadResume), "free");
        assert_eq!(pool.resume(99, 0), Err(BadResume));
        assert_eq!(pool.resume(u64::MAX, 0), Err(BadResume));
        assert!(!pool.all_free());
    }
}
