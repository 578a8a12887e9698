//! The thread pool on the target: per-thread stacks and save areas, starting
//! a yielding call on a free thread, RPC exits and `RETURN_FROM_RPC` resumes.

extern crate alloc;

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

use spin::Mutex;
use tee_abi::smc;

use super::pool::{Pool, Suspension};
use crate::arch::aarch64 as arch;
use crate::arch::aarch64::thread::ThreadRegs;
use crate::call_env::{ArgLocation, CallEnv};
use crate::shm::NsMemory;
use crate::std_call::CallEnvMut;

/// Number of threads (`GET_THREAD_COUNT`).
pub const THREADS: usize = crate::boot::THREAD_COUNT as usize;
/// Stack bytes per thread (TA loading verifies RSA signatures on it).
const THREAD_STACK: usize = 64 * 1024;
const NO_THREAD: usize = usize::MAX;

static POOL: Mutex<Pool<THREADS>> = Mutex::new(Pool::new());
/// Thread running on each core, or `NO_THREAD`.
static CURRENT: [AtomicUsize; linker::MAX_CORES] = [const { AtomicUsize::new(NO_THREAD) }; linker::MAX_CORES];

/// Per-thread data only the core running that thread touches.
struct Slot {
    regs: ThreadRegs,
    args: [u64; 8],
    /// `TTBR0_EL1` the thread runs with (0 = the kernel's own tables).
    ttbr0: u64,
    /// The user-mode run in progress (`*mut UserRun`), or null.
    user_run: *mut (),
}

struct Slots(UnsafeCell<[Slot; THREADS]>);
// SAFETY: slot `i` is only accessed by the core that owns thread `i` in the
// pool (Running on it, or resuming/starting it with the pool lock's hand-over).
unsafe impl Sync for Slots {}
static SLOTS: Slots =
    Slots(UnsafeCell::new([const { Slot { regs: ThreadRegs { x19_x30: [0; 12], sp: 0, out: 0 }, args: [0; 8], ttbr0: 0, user_run: core::ptr::null_mut() } }; THREADS]));

#[repr(C, align(16))]
struct Stacks(UnsafeCell<[[u8; THREAD_STACK]; THREADS]>);
// SAFETY: stack `i` is used only by thread `i`, which runs on one core at a time.
unsafe impl Sync for Stacks {}
static STACKS: Stacks = Stacks(UnsafeCell::new([[0; THREAD_STACK]; THREADS]));

fn slot(index: usize) -> *mut Slot {
    // SAFETY: index < THREADS (pool indices); only a raw pointer is formed.
    unsafe { (SLOTS.0.get() as *mut Slot).add(index) }
}

fn stack_top(index: usize) -> u64 {
    STACKS.0.get() as u64 + ((index + 1) * THREAD_STACK) as u64
}

/// A yielding SMC arrived on this core (temporary stack): start a new call on
/// a free thread or resume a suspended one. Returns only with an error.
pub fn yield_smc(args: &[u64; 8]) -> [u64; 4] {
    let core = arch::core_index();
    if args[0] as u32 == smc::RETURN_FROM_RPC {
        let resumed = POOL.lock().resume(args[3] & 0xffff_ffff, core);
        let Ok((index, why)) = resumed else {
            return [smc::RETURN_ERESUME, 0, 0, 0];
        };
        CURRENT[core].store(index, Ordering::Release);
        // An RPC answer arrives in a1, a2, a4, a5 (a3 is the thread index).
        let values = match why {
            Suspension::Rpc => [args[1], args[2], args[4], args[5]],
            Suspension::ForeignInterrupt => [0; 4],
        };
        // SAFETY: the pool handed thread `index` to this core; it left through
        // `leave`, so its save area is valid; we are on the temporary stack.
        unsafe {
            let ttbr0 = (*slot(index)).ttbr0;
            if ttbr0 != 0 {
                arch::user::set_ttbr0(ttbr0);
            }
            arch::thread::resume(&(*slot(index)).regs, &values)
        }
    }
    let Some(index) = POOL.lock().allocate(core) else {
        return [smc::RETURN_ETHREAD_LIMIT, 0, 0, 0];
    };
    CURRENT[core].store(index, Ordering::Release);
    // SAFETY: the thread is ours (just allocated); its stack is unused.
    unsafe {
        (*slot(index)).args = *args;
        arch::thread::start(stack_top(index), thread_main, index as u64)
    }
}

extern "C" fn thread_main(index: u64) -> ! {
    // SAFETY: this thread owns its slot while it runs.
    let args = unsafe { (*slot(index as usize)).args };
    let out = {
        // Scoped: `exit` never returns, so anything alive at that point (the
        // RPC location's page list, for one) would never be freed.
        let mut env = ThreadEnv { rpc_arg: None, cancel: None };
        crate::std_call::handle(crate::boot::state(), &mut env, &args)
    };
    arch::thread::exit(out)
}

/// Called by `thread_exit` on the temporary stack: the thread is done.
#[unsafe(no_mangle)]
extern "C" fn kernel_thread_release() {
    // A panicking thread leaves through here too; the pool (whose lock it
    // may hold) is never used again.
    if crate::fatal::stopped() {
        return;
    }
    let core = arch::core_index();
    let index = CURRENT[core].swap(NO_THREAD, Ordering::AcqRel);
    if index != NO_THREAD {
        POOL.lock().release(index);
    }
}

/// Leaves the current thread for the normal world with `a0..a2`; returns the
/// values `RETURN_FROM_RPC` brought.
pub fn switch_to_normal_world(a: [u64; 3]) -> [u64; 4] {
    leave_thread(a, Suspension::Rpc)
}

/// A normal-world interrupt arrived while a TA ran: park the thread with
/// `RPC_FOREIGN_INTR` so Linux takes it, continue when Linux says so.
pub fn preempt() {
    leave_thread([tee_abi::msg::RPC_FUNC_FOREIGN_INTR, 0, 0], Suspension::ForeignInterrupt);
}

fn leave_thread(a: [u64; 3], why: Suspension) -> [u64; 4] {
    let core = arch::core_index();
    let index = CURRENT[core].swap(NO_THREAD, Ordering::AcqRel);
    assert!(index != NO_THREAD, "RPC outside a thread");
    // Never leave a core with a TA's tables live: the next secure entry on
    // this core may come after that TA is gone and its tables freed. The
    // thread's own TTBR0 (in its slot) is restored when it resumes.
    // SAFETY: the slot belongs to this running thread.
    if unsafe { (*slot(index)).ttbr0 } != 0 {
        arch::user::set_ttbr0(crate::boot::kernel_root());
    }
    POOL.lock().suspend(index, why);
    // SAFETY: we are thread `index` on its own stack with exceptions masked;
    // its save area is ours until the normal world resumes it.
    unsafe { arch::thread::leave(&raw mut (*slot(index)).regs, [a[0], a[1], a[2], index as u64]) }
}

/// True when no thread is busy.
pub fn all_free() -> bool {
    POOL.lock().all_free()
}

/// Normal-world RAM, identity-mapped (non-secure) by the kernel's tables.
pub struct NsRam;

impl NsMemory for NsRam {
    fn ram(&self) -> (u64, u64) {
        crate::boot::ns_ram()
    }

    fn read_unchecked(&self, pa: u64, buf: &mut [u8]) {
        // SAFETY: callers checked that [pa, pa + len) is normal-world RAM,
        // which the kernel maps VA = PA (non-secure, read-write, never
        // executable); the normal world may change it concurrently, which is
        // why everything read is a private copy.
        unsafe { core::ptr::copy_nonoverlapping(pa as *const u8, buf.as_mut_ptr(), buf.len()) }
    }

    fn write_unchecked(&self, pa: u64, buf: &[u8]) {
        // SAFETY: as for `read_unchecked`.
        unsafe { core::ptr::copy_nonoverlapping(buf.as_ptr(), pa as *mut u8, buf.len()) }
    }
}

/// The environment of a call served by a pool thread.
struct ThreadEnv {
    rpc_arg: Option<ArgLocation>,
    cancel: Option<alloc::sync::Arc<core::sync::atomic::AtomicBool>>,
}

impl CallEnv for ThreadEnv {
    fn mem(&self) -> &dyn NsMemory {
        &NsRam
    }

    fn rpc_arg(&self) -> Option<&ArgLocation> {
        self.rpc_arg.as_ref()
    }

    fn switch_to_normal_world(&mut self, a: [u64; 3]) -> [u64; 4] {
        switch_to_normal_world(a)
    }

    fn set_cancel_flag(&mut self, flag: Option<alloc::sync::Arc<core::sync::atomic::AtomicBool>>) {
        self.cancel = flag;
    }

    fn cancel_requested(&self) -> bool {
        self.cancel.as_ref().is_some_and(|f| f.load(Ordering::Acquire))
    }
}

impl CallEnvMut for ThreadEnv {
    fn set_rpc_arg(&mut self, loc: Option<ArgLocation>) {
        self.rpc_arg = loc;
    }

    fn as_env(&self) -> &dyn CallEnv {
        self
    }

    fn as_env_mut(&mut self) -> &mut dyn CallEnv {
        self
    }
}

fn current_slot() -> *mut Slot {
    let index = CURRENT[arch::core_index()].load(Ordering::Acquire);
    assert!(index != NO_THREAD, "no thread on this core");
    slot(index)
}

/// Runs TA code with the translation tables at `root` until the entry point
/// returns or the TA dies; returns the exit value.
pub fn run_user(root: u64, run: &mut crate::user_ta::run::UserRun<'_>, entry: &arch::user::UserEntry) -> u64 {
    let me = current_slot();
    // A TA calling another TA nests runs on one thread: keep the caller's.
    // SAFETY: the slot belongs to the running thread. `run` outlives the
    // user-mode run, during which only this thread's exception handler uses
    // the pointer.
    let (outer_run, outer_ttbr0) = unsafe {
        let outer = ((*me).user_run, (*me).ttbr0);
        (*me).user_run = (run as *mut crate::user_ta::run::UserRun<'_>).cast();
        (*me).ttbr0 = root;
        outer
    };
    arch::user::set_ttbr0(root);
    // SAFETY: `root` maps the kernel (shared level-1 entries) and the TA.
    let exit = unsafe { arch::user::run(entry) };
    arch::user::set_ttbr0(if outer_ttbr0 != 0 { outer_ttbr0 } else { crate::boot::kernel_root() });
    // The thread may have moved cores while the TA ran.
    let me = current_slot();
    // SAFETY: as above.
    unsafe {
        (*me).user_run = outer_run;
        (*me).ttbr0 = outer_ttbr0;
    }
    exit
}

/// Every exception from S-EL0 lands here (see `arch::aarch64::user`).
/// Returns 0 to resume the TA, 1 to end the run.
#[unsafe(no_mangle)]
extern "C" fn kernel_user_exception(frame: &mut arch::user::UserFrame, kind: u64, esr: u64, far: u64) -> u64 {
    let me = current_slot();
    // SAFETY: set by `run_user` on this thread for the duration of the run.
    let run = unsafe { (*me).user_run.cast::<crate::user_ta::run::UserRun<'static>>() };
    if run.is_null() {
        crate::boot::halt(format_args!("exception from EL0 outside a TA run"));
    }
    // SAFETY: non-null, points at the live UserRun of this thread.
    let resume = crate::user_ta::run::handle_exception(unsafe { &mut *run }, frame, kind, esr, far);
    u64::from(!resume)
}

/// Index of the thread running on this core (for re-entrancy checks).
pub fn current_thread() -> usize {
    CURRENT[arch::core_index()].load(Ordering::Acquire)
}
