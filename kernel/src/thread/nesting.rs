//! How deeply TA entry-point runs may nest on one thread.
//!
//! A TA calling another TA (`TEE_OpenTASession`, `TEE_InvokeTACommand`)
//! runs the callee on the caller's thread and kernel stack, a few KiB per
//! level; a multi-instance TA opening sessions to its own UUID would
//! otherwise recurse until the stack overflows. Upstream OP-TEE counts the
//! same thing (`inc_recursion` in `core/kernel/user_ta.c`, 4.5.0: every
//! `user_ta_enter`, the client's own call included) against
//! `CFG_CORE_MAX_SYSCALL_RECURSION` (default 4, `mk/config.mk`) and refuses
//! the entry beyond it with `TEE_ERROR_OUT_OF_MEMORY`; we use the same
//! limit and error.

/// Most entry-point runs nested on one thread (upstream's default).
pub const MAX_USER_NESTING: u32 = 4;

/// The limit was reached (`TEE_ERROR_OUT_OF_MEMORY` at the syscall boundary).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NestingLimit;

/// One thread's count of entry-point runs in progress.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Nesting {
    depth: u32,
}

impl Nesting {
    /// No run in progress.
    pub const fn new() -> Nesting {
        Nesting { depth: 0 }
    }

    /// One more run starts on this thread, if the limit allows.
    pub fn enter(&mut self) -> Result<(), NestingLimit> {
        if self.depth >= MAX_USER_NESTING {
            return Err(NestingLimit);
        }
        self.depth += 1;
        Ok(())
    }

    /// A run that [`Nesting::enter`] admitted has ended.
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Runs in progress.
    pub fn depth(&self) -> u32 {
        self.depth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_nested_run_is_refused_as_upstream() {
        let mut n = Nesting::new();
        for level in 1..=MAX_USER_NESTING {
            assert_eq!(n.enter(), Ok(()), "level {level}");
        }
        assert_eq!(MAX_USER_NESTING, 4, "upstream CFG_CORE_MAX_SYSCALL_RECURSION");
        assert_eq!(n.enter(), Err(NestingLimit));
        assert_eq!(n.depth(), 4, "a refused run does not count");
        n.leave();
        assert_eq!(n.enter(), Ok(()), "room again once the innermost run ended");
        for _ in 0..10 {
            n.leave();
        }
        assert_eq!(n.depth(), 0);
    }
}
