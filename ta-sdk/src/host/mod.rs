//! The in-process TEE for host tests of TA crates (`host` feature; see the
//! ta-sdk README, "Testing TA logic on the host").
//!
//! A TA's code runs in the test process, on the test's thread; its utee
//! syscalls (`sys::arch::svc`) come here and go to **the kernel's own
//! syscall layer** (`kernel::syscall::dispatch`, linked as a library)
//! through a [`kernel::syscall::SyscallContext`] of ours (`ctx`): crypto,
//! secure storage, properties, time and random numbers are the kernel's
//! code, so the host and QEMU answer alike. What the target's kernel gets
//! from elsewhere is faked here: the TA's address space (the process's, one
//! private region around the shared buffers of the call), the normal world
//! (a fake tee-supplicant serving the storage RPCs from a temporary
//! directory and `TEE_Wait`'s sleeps: `supplicant`), TA-to-TA sessions
//! and the system PTA's shareable mappings (`world`); the test's side is
//! `harness`.
//!
//! ```ignore
//! let tee = ta_sdk::host::Tee::new();
//! tee.install(crate::ta_def()); // emitted by `ta!` in test builds
//! let session = tee.open_session(&UUID, &mut CallParam::none4())?;
//! let mut p = [CallParam::ValueInOut { a: 41, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
//! session.invoke(0, &mut p)?;
//! ```
//!
//! Tests using a [`Tee`] run one at a time in a test binary (a process-wide
//! lock): the kernel keeps some state kernel-wide (e.g. the open persistent
//! objects), as on the target.

mod ctx;
mod harness;
mod supplicant;
mod world;

use std::cell::RefCell;
use std::rc::Rc;

use tee_abi::syscall::Syscall;

pub use crate::ta_session::CallParam;
pub use harness::{CallError, Session, Tee};
pub use world::TaDef;

/// A TA's `_utee_panic` on the host: unwound to the entry call, which
/// answers TARGET_DEAD as the kernel does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaPanic(pub u32);

thread_local! {
    /// The TA entry calls under way on this thread, innermost last.
    static FRAMES: RefCell<Vec<world::Frame>> = const { RefCell::new(Vec::new()) };
}

/// The innermost entry call on this thread.
fn current_frame() -> Option<world::Frame> {
    FRAMES.with(|f| f.borrow().last().cloned())
}

/// One utee syscall from TA code on this thread.
///
/// # Safety
/// Every pointer among `a` must be valid for the accesses syscall `nr`
/// makes: the kernel's syscall layer reads and writes them in this process.
pub(crate) unsafe fn syscall(nr: Syscall, a: [usize; 8]) -> u32 {
    let Some(frame) = current_frame() else {
        panic!("utee syscall {nr:?} outside a TA entry call: call the TA through ta_sdk::host::Tee");
    };
    let mut ctx = ctx::HostCtx::new(&frame);
    match kernel::syscall::dispatch(&mut ctx, nr as u64, a.map(|x| x as u64)) {
        kernel::syscall::Outcome::Return(v) => v as u32,
        kernel::syscall::Outcome::Exit(code) => panic!("_utee_return({code:#x}) outside the entry trampoline"),
        kernel::syscall::Outcome::Panic(code) => {
            drop(ctx);
            ta_panic(code)
        }
    }
}

/// `_utee_panic(code)`: unwinds to the entry call (see [`TaPanic`]).
pub(crate) fn ta_panic(code: u32) -> ! {
    std::panic::panic_any(TaPanic(code))
}

/// The instance of one TA binary as the harness calls it: `entry::dispatch`
/// over an `entry::Instance<T>`.
trait Entry {
    fn call(&self, func: usize, session: u32, raw: &mut crate::params::RawParams, cmd: u32) -> u32;
}

impl<T: crate::TrustedApp> Entry for crate::entry::Instance<T> {
    fn call(&self, func: usize, session: u32, raw: &mut crate::params::RawParams, cmd: u32) -> u32 {
        crate::entry::dispatch(self, func, session, raw, cmd, |addr, len| {
            // SAFETY: `world::World::enter` put in `raw` only the addresses
            // and lengths of buffers it owns and does not touch until this
            // call returns; `Params::decode` asks for non-empty,
            // non-overlapping ranges only, so no two slices alias.
            unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len) }
        })
    }
}

/// What [`TaDef::new`] stores to make instances.
fn make_instance<T: crate::TrustedApp>(flags: u32) -> Rc<dyn Entry> {
    Rc::new(crate::entry::Instance::<T>::new(flags))
}

#[cfg(test)]
mod tests;
