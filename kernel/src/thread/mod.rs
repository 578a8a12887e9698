//! The secure thread pool: a fixed number of threads, each with its own stack,
//! that serve yielding calls and can wait for the normal world (RPC) or be
//! preempted by it, resuming on any core.

#[allow(unsafe_code)] // per-core FP owner pointers into thread save areas.
pub mod fpu;
pub mod nesting;
pub mod pool;
pub mod preempt;
#[cfg(any(target_os = "none", test))]
#[allow(unsafe_code)] // thread slots, entry points (`no_mangle`), stack switches, NS memory copies.
pub mod runtime;
pub mod stacks;
pub mod ta_gate;

/// Secure threads the kernel has and reports (`GET_THREAD_COUNT`); the
/// linker script's `.thread_stacks` is sized by the same number.
pub const THREAD_COUNT: usize = linker::KERNEL_THREADS;
