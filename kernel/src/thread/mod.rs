//! The secure thread pool: a fixed number of threads, each with its own stack,
//! that serve yielding calls and can wait for the normal world (RPC) or be
//! preempted by it, resuming on any core.

pub mod fpu;
pub mod nesting;
pub mod pool;
pub mod preempt;
#[cfg(target_os = "none")]
pub mod runtime;
pub mod stacks;
pub mod ta_gate;

/// Secure threads the kernel has and reports (`GET_THREAD_COUNT`); the
/// linker script's `.thread_stacks` is sized by the same number.
pub const THREAD_COUNT: usize = linker::KERNEL_THREADS;
