//! Pool threads as OS threads. The target switches stacks on one core; here
//! each pool thread has its own OS thread and the core (the test thread that
//! issued the SMC) blocks while the pool thread runs, so exactly one of them
//! runs at a time, as on the CPU. The runtime's hooks (`kernel_thread_left`,
//! `kernel_thread_release`) are called at the same points as by the target's
//! assembly, on the pool thread playing the core.

use std::cell::RefCell;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::{core_index, set_core, to_normal_world};

/// What `leave` saved: the way to wake the waiting OS thread.
#[derive(Debug, Default)]
pub struct ThreadRegs {
    resume: Option<Sender<Resume>>,
}

impl ThreadRegs {
    /// Nothing saved yet.
    pub const EMPTY: ThreadRegs = ThreadRegs { resume: None };
}

/// A `RETURN_FROM_RPC` handing a left thread to a core.
struct Resume {
    values: [u64; 4],
    core: usize,
    /// Where the thread's next return to the normal world goes.
    reply: Sender<[u64; 4]>,
}

std::thread_local! {
    /// On a pool thread: the core waiting for its return to the normal world.
    static REPLY: RefCell<Option<Sender<[u64; 4]>>> = const { RefCell::new(None) };
}

unsafe extern "C" {
    fn kernel_thread_left(index: u64);
    fn kernel_thread_release();
}

/// The core's side: wait until the thread it runs returns to the normal
/// world, then do so.
fn core_waits(answer: &Receiver<[u64; 4]>) -> ! {
    let a = answer.recv().expect("a pool thread died without returning to the normal world");
    to_normal_world(a)
}

/// The pool thread's side: give the core what goes to the normal world.
fn hand_to_core(a: [u64; 4]) {
    let reply = REPLY.with(|r| r.borrow_mut().take()).expect("pool thread without a core");
    // The core may be gone only if its test already failed.
    let _ = reply.send(a);
}

/// Saves the calling pool thread, calls `kernel_thread_left(a[3])`, returns
/// `a` to the normal world and blocks until [`resume`]; returns its values,
/// now playing the resuming core.
///
/// # Safety
///
/// As on the target: `regs` is the calling thread's save area, untouched
/// until [`resume`] uses it.
pub unsafe fn leave(regs: *mut ThreadRegs, a: [u64; 4]) -> [u64; 4] {
    let (wake, woken) = channel();
    // SAFETY: the caller's contract: the save area is this thread's.
    unsafe { (*regs).resume = Some(wake) };
    // SAFETY: the runtime's hook, called as `thread_rpc_exit` does: once
    // the thread's state is saved.
    unsafe { kernel_thread_left(a[3]) };
    hand_to_core(a);
    let Ok(Resume { values, core, reply }) = woken.recv() else {
        // Never resumed and its slot reused: the thread is gone for good.
        park_forever()
    };
    set_core(core);
    REPLY.with(|r| *r.borrow_mut() = Some(reply));
    values
}

/// Continues a thread saved by [`leave`] with `values`, this core waiting
/// until it returns to the normal world again.
///
/// # Safety
///
/// As on the target: `regs` holds a thread that left and was not resumed.
pub unsafe fn resume(regs: *const ThreadRegs, values: &[u64; 4]) -> ! {
    // SAFETY: the caller's contract; the pool handed the thread to this core.
    let wake = unsafe { (*regs).resume.clone() }.expect("resume of a thread that never left");
    let (reply, answer) = channel();
    wake.send(Resume { values: *values, core: core_index(), reply }).expect("the left thread waits");
    core_waits(&answer)
}

/// Starts `entry(arg)` on a new pool OS thread playing this core; this core
/// waits until it returns to the normal world.
///
/// # Safety
///
/// None on the host (the target's stack contract has no counterpart).
pub unsafe fn start(_stack_top: u64, entry: extern "C" fn(u64) -> !, arg: u64) -> ! {
    let core = core_index();
    let (reply, answer) = channel();
    std::thread::Builder::new()
        .name(std::format!("pool-thread-{arg}"))
        .spawn(move || {
            set_core(core);
            REPLY.with(|r| *r.borrow_mut() = Some(reply));
            entry(arg);
        })
        .expect("spawn a pool thread");
    core_waits(&answer)
}

/// Finishes the calling pool thread: `kernel_thread_release`, then `a` to
/// the normal world. Its OS thread then parks for good (it cannot unwind
/// out of the runtime's `extern "C"` thread function).
pub fn exit(a: [u64; 4]) -> ! {
    // SAFETY: the runtime's hook, called as `thread_exit` does.
    unsafe { kernel_thread_release() };
    hand_to_core(a);
    park_forever()
}

fn park_forever() -> ! {
    loop {
        std::thread::park();
    }
}
