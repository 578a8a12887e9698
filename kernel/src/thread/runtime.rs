//! The thread pool on the target: per-thread stacks and save areas, starting
//! a yielding call on a free thread, RPC exits and `RETURN_FROM_RPC` resumes,
//! and running TA code at S-EL0 on the current thread.
//!
//! It knows neither what a call does nor what a TA run is: boot hands it the
//! [`CallHandler`] that serves a yielding call ([`init`]), and each user-mode
//! run brings its own [`UserExceptionHandler`].

extern crate alloc;

use core::cell::UnsafeCell;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::sync::SpinLock;
use tee_abi::smc;

#[cfg(target_os = "none")]
use super::fpu;
use super::fpu::FpRegs;
use super::nesting::{Nesting, NestingLimit};
use super::pool::{Pool, Suspension};
#[cfg(target_os = "none")]
use super::stacks::StackArray;
use crate::arch::aarch64 as arch;
use crate::arch::aarch64::thread::ThreadRegs;
use crate::arch::aarch64::user::{UserEntry, UserFrame};
// Host test builds: the same lazy switching over the arch fake's unit.
#[cfg(not(target_os = "none"))]
use crate::arch::fake::fpu::lazy as fpu;
use crate::call_env::{ArgLocation, CallEnv, CallEnvMut};
use crate::fatal::halt;
use crate::mm::kernel_map::kernel_root;
use crate::shm::NsMemory;

/// Number of threads (`GET_THREAD_COUNT`).
pub const THREADS: usize = super::THREAD_COUNT;
const NO_THREAD: usize = usize::MAX;

/// Serves one yielding call on a pool thread: the SMC arguments in, the SMC
/// result registers out (`std_call::handle` on the kernel's state).
pub type CallHandler = fn(&mut dyn CallEnvMut, &[u64; 8]) -> [u64; 4];

static CALL_HANDLER: spin::Once<CallHandler> = spin::Once::new();

/// Sets what pool threads run for a yielding call; called once at cold boot,
/// before the first call can arrive (later calls change nothing).
pub fn init(handler: CallHandler) {
    CALL_HANDLER.call_once(|| handler);
}

/// What a user-mode run does with the exceptions S-EL0 takes (system calls,
/// faults, interrupts), except the FP/SIMD first-use trap `run_user` handles.
pub trait UserExceptionHandler {
    /// Handles one exception; true resumes the TA, false ends the run
    /// (`frame.x[0]` then holds the exit value).
    fn user_exception(&mut self, frame: &mut UserFrame, kind: u64, esr: u64, far: u64) -> bool;
}

/// The handler of the user-mode run in progress on a thread. Its lifetime is
/// erased: `run_user` clears it before the borrowed handler goes away.
type UserRunPtr = NonNull<dyn UserExceptionHandler>;

static POOL: SpinLock<Pool<THREADS>> = SpinLock::new(Pool::new());
/// Thread running on each core, or `NO_THREAD`.
static CURRENT: [AtomicUsize; linker::MAX_CORES] = [const { AtomicUsize::new(NO_THREAD) }; linker::MAX_CORES];

/// Per-thread data only the core running that thread touches.
struct Slot {
    regs: ThreadRegs,
    args: [u64; 8],
    /// `TTBR0_EL1` the thread runs with (0 = the kernel's own tables).
    ttbr0: u64,
    /// The handler of the user-mode run in progress, if any.
    user_run: Option<UserRunPtr>,
    /// Entry-point runs nested on this thread (TA-to-TA calls).
    nesting: Nesting,
    /// That run's FP/SIMD registers (see `thread::fpu`), or null.
    fp: *mut FpRegs,
}

struct Slots(UnsafeCell<[Slot; THREADS]>);
// SAFETY: slot `i` is only accessed by the core that owns thread `i` in the
// pool (Running on it, or resuming/starting it with the pool lock's hand-over).
unsafe impl Sync for Slots {}
static SLOTS: Slots = Slots(UnsafeCell::new(
    [const {
        Slot {
            regs: ThreadRegs::EMPTY,
            args: [0; 8],
            ttbr0: 0,
            user_run: None,
            nesting: Nesting::new(),
            fp: core::ptr::null_mut(),
        }
    }; THREADS],
));

#[cfg(target_os = "none")]
unsafe extern "C" {
    static __stacks_start: u8;
    static __stacks_end: u8;
    static __thread_stacks_start: u8;
    static __thread_stacks_end: u8;
}

/// The per-core stacks (`.stacks`) and the pool threads' (`.thread_stacks`),
/// each above an unmapped guard page (`thread::stacks`). Stack `i` of the
/// second array is used only by thread `i`, which runs on one core at a time.
#[cfg(target_os = "none")]
pub fn stack_arrays() -> [StackArray; 2] {
    let guard = linker::STACK_GUARD_SIZE;
    let cores = StackArray {
        base: &raw const __stacks_start as u64,
        count: linker::MAX_CORES,
        guard,
        size: linker::CORE_STACK_SIZE,
    };
    let threads = StackArray {
        base: &raw const __thread_stacks_start as u64,
        count: THREADS,
        guard,
        size: linker::THREAD_STACK_SIZE,
    };
    // The linker script reserves exactly these spans (checked by linker's tests).
    debug_assert_eq!(cores.base + cores.span(), &raw const __stacks_end as u64);
    debug_assert_eq!(threads.base + threads.span(), &raw const __thread_stacks_end as u64);
    [cores, threads]
}

fn slot(index: usize) -> *mut Slot {
    // SAFETY: index < THREADS (pool indices); only a raw pointer is formed.
    unsafe { (SLOTS.0.get() as *mut Slot).add(index) }
}

#[cfg(target_os = "none")]
fn stack_top(index: usize) -> u64 {
    stack_arrays()[1].top(index)
}

/// The arch fake gives each pool thread an OS thread (and stack) of its own.
#[cfg(not(target_os = "none"))]
fn stack_top(_index: usize) -> u64 {
    0
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
                // The thread's TA tables, which share the kernel's entries.
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
    // The call runs with normal-world interrupts open, as upstream's
    // threads do: one that arrives leaves the thread for the normal world
    // (`kernel_el1_foreign_interrupt`) and it goes on where it was when
    // Linux resumes it, on whatever core.
    arch::irq::unmask_foreign();
    let out = {
        // Scoped: `exit` never returns, so anything alive at that point (the
        // RPC location's page list, for one) would never be freed.
        let mut env = ThreadEnv { rpc_arg: None, cancel: None };
        match CALL_HANDLER.get() {
            Some(serve) => serve(&mut env, &args),
            // Boot sets the handler before the first call; never reached.
            None => [smc::RETURN_ENOTAVAIL, 0, 0, 0],
        }
    };
    // Masked from here to the exit: what is left is this core's.
    let _ = arch::irq::mask_all();
    fpu::before_normal_world();
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
    if index != NO_THREAD
        && let Err(e) = POOL.lock().release(index)
    {
        halt(format_args!("thread release out of protocol: {e:?}"));
    }
}

/// Called by `thread_rpc_exit` on the temporary stack once thread `index`'s
/// registers are saved: only now may `RETURN_FROM_RPC` resume it.
#[unsafe(no_mangle)]
extern "C" fn kernel_thread_left(index: u64) {
    if let Err(e) = POOL.lock().registers_saved(index as usize) {
        halt(format_args!("thread leave out of protocol: {e:?}"));
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
    // What follows edits this core's state (FP owner, live tables, current
    // thread): nothing may move the thread meanwhile. The masks as they
    // were (open in a call or a system call, masked in an interrupt
    // handler) come back on the core the thread resumes on.
    let saved = arch::irq::mask_all();
    let held = crate::sync::masked_sections();
    if held != 0 {
        // Whoever waits for the lock would wait for the normal world.
        halt(format_args!("thread leaving the core inside {held} spin lock section(s)"));
    }
    // The TA's FP/SIMD registers stay with its run (the thread may resume on
    // another core); the normal world gets its own back.
    fpu::before_normal_world();
    let core = arch::core_index();
    let index = CURRENT[core].swap(NO_THREAD, Ordering::AcqRel);
    assert!(index != NO_THREAD, "RPC outside a thread");
    // Never leave a core with a TA's tables live: the next secure entry on
    // this core may come after that TA is gone and its tables freed. The
    // thread's own TTBR0 (in its slot) is restored when it resumes.
    // SAFETY: the slot belongs to this running thread.
    if unsafe { (*slot(index)).ttbr0 } != 0 {
        // SAFETY: the kernel's own tables map the whole kernel.
        unsafe { arch::user::set_ttbr0(kernel_root()) };
    }
    // Not resumable yet: `thread_rpc_exit` saves the registers, leaves this
    // stack and only then calls `kernel_thread_left` (see `pool`).
    if let Err(e) = POOL.lock().begin_leave(index, core, why) {
        halt(format_args!("thread leave out of protocol: {e:?}"));
    }
    // SAFETY: we are thread `index` on its own stack with exceptions masked;
    // its save area is ours until the normal world resumes it, which the
    // pool allows only after `kernel_thread_left`.
    let values = unsafe { arch::thread::leave(&raw mut (*slot(index)).regs, [a[0], a[1], a[2], index as u64]) };
    arch::irq::restore(saved);
    values
}

/// True when no thread is busy.
pub fn all_free() -> bool {
    POOL.lock().all_free()
}

/// Normal-world RAM, identity-mapped (non-secure) by the kernel's tables.
#[cfg(target_os = "none")]
pub struct NsRam;

#[cfg(target_os = "none")]
impl NsMemory for NsRam {
    fn ram(&self) -> (u64, u64) {
        crate::mm::ns_ram::bounds()
    }

    unsafe fn read_unchecked(&self, pa: u64, buf: &mut [u8]) {
        // SAFETY: the caller checked (the trait's contract) that [pa, pa + len) is normal-world RAM,
        // which the kernel maps VA = PA (non-secure, read-write, never
        // executable); the normal world may change it concurrently, which is
        // why everything read is a private copy.
        unsafe { core::ptr::copy_nonoverlapping(pa as *const u8, buf.as_mut_ptr(), buf.len()) }
    }

    unsafe fn write_unchecked(&self, pa: u64, buf: &[u8]) {
        // SAFETY: as for `read_unchecked`.
        unsafe { core::ptr::copy_nonoverlapping(buf.as_ptr(), pa as *mut u8, buf.len()) }
    }
}

/// Host test builds: the normal world's RAM pool threads see (a fake).
#[cfg(not(target_os = "none"))]
static HOST_NS_RAM: std::sync::OnceLock<&'static (dyn NsMemory + Sync)> = std::sync::OnceLock::new();

/// Host test builds: sets the fake normal-world RAM (once per process).
#[cfg(not(target_os = "none"))]
pub fn set_host_ns_ram(ram: &'static (dyn NsMemory + Sync)) {
    HOST_NS_RAM.get_or_init(|| ram);
}

/// The environment of a call served by a pool thread.
struct ThreadEnv {
    rpc_arg: Option<ArgLocation>,
    cancel: Option<alloc::sync::Arc<core::sync::atomic::AtomicBool>>,
}

impl CallEnv for ThreadEnv {
    #[cfg(target_os = "none")]
    fn mem(&self) -> &dyn NsMemory {
        &NsRam
    }

    #[cfg(not(target_os = "none"))]
    fn mem(&self) -> &dyn NsMemory {
        *HOST_NS_RAM.get().expect("host test without normal-world RAM (set_host_ns_ram)")
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
    let index = current_thread();
    assert!(index != NO_THREAD, "no thread on this core");
    slot(index)
}

/// One TA entry-point run counted against the thread's nesting limit
/// (`thread::nesting`); dropping it ends the count.
pub struct NestedRun {
    thread: usize,
}

/// Counts one more TA entry-point run on the current thread, or refuses
/// it at the limit (`TEE_ERROR_OUT_OF_MEMORY`, as upstream).
pub fn enter_nested_run() -> Result<NestedRun, NestingLimit> {
    let thread = current_thread();
    assert!(thread != NO_THREAD, "TA run outside a thread");
    // SAFETY: the slot belongs to the running thread.
    unsafe { (*slot(thread)).nesting.enter()? };
    Ok(NestedRun { thread })
}

impl Drop for NestedRun {
    fn drop(&mut self) {
        // SAFETY: dropped by the thread that entered the run (the guard
        // lives on its stack), which owns its slot on whatever core it is.
        unsafe { (*slot(self.thread)).nesting.leave() };
    }
}

/// Runs TA code with the translation tables at `root` until the entry point
/// returns or the TA dies, `handler` serving its exceptions; returns the exit
/// value.
///
/// # Safety
/// `root` is a level-1 table built for a TA (`mm::layout`), which shares the
/// kernel's entries, maps the entry point and stack in `entry`, and stays
/// alive until this returns.
pub unsafe fn run_user(root: u64, handler: &mut dyn UserExceptionHandler, entry: &UserEntry) -> u64 {
    // The run's bookkeeping is this core's (FP owner, live tables): masked
    // throughout. The TA runs with its own PSTATE (FIQ open), its system
    // calls open them again (`with_foreign_interrupts`), and the caller's
    // masks come back at the end.
    let saved = arch::irq::mask_all();
    let me = current_slot();
    // This run's FP/SIMD registers, loaded on its first FP instruction.
    let mut fp = FpRegs::ZERO;
    let handler: NonNull<dyn UserExceptionHandler + '_> = NonNull::from(handler);
    // SAFETY: only the lifetime bound of the trait object changes. The
    // pointer is stored in this thread's slot for the user-mode run only and
    // replaced below, before `handler`'s borrow ends.
    let handler: UserRunPtr = unsafe { core::mem::transmute(handler) };
    // A TA calling another TA nests runs on one thread: keep the caller's.
    // SAFETY: the slot belongs to the running thread. The handler outlives
    // the user-mode run, during which only this thread's exception handler
    // uses the pointer.
    let (outer_run, outer_ttbr0, outer_fp) = unsafe {
        let outer = ((*me).user_run, (*me).ttbr0, (*me).fp);
        (*me).user_run = Some(handler);
        (*me).ttbr0 = root;
        (*me).fp = &raw mut fp;
        outer
    };
    fpu::trap_until_used();
    // SAFETY: `root` maps the kernel (shared level-1 entries) and the TA
    // (this function's contract); the outer tables are the caller run's or
    // the kernel's own.
    let exit = unsafe {
        arch::user::set_ttbr0(root);
        let exit = arch::user::run(entry);
        arch::user::set_ttbr0(if outer_ttbr0 != 0 { outer_ttbr0 } else { kernel_root() });
        exit
    };
    // The thread may have moved cores while the TA ran.
    fpu::end_run(&raw mut fp);
    let me = current_slot();
    // SAFETY: as above.
    unsafe {
        (*me).user_run = outer_run;
        (*me).ttbr0 = outer_ttbr0;
        (*me).fp = outer_fp;
    }
    arch::irq::restore(saved);
    exit
}

/// Every exception from S-EL0 lands here (see `arch::aarch64::user`).
/// Returns 0 to resume the TA, 1 to end the run.
#[unsafe(no_mangle)]
extern "C" fn kernel_user_exception(frame: &mut arch::user::UserFrame, kind: u64, esr: u64, far: u64) -> u64 {
    let me = current_slot();
    // SAFETY: the slot belongs to the running thread.
    let Some(mut handler) = (unsafe { (*me).user_run }) else {
        halt(format_args!("exception from EL0 outside a TA run"));
    };
    if kind == arch::user::KIND_SYNC && esr >> 26 == arch::user::EC_FP_ACCESS {
        // The run's first FP/SIMD instruction (or its first since the core
        // was left or another run used FP): load its registers and retry.
        // SAFETY: `fp` was set by `run_user` to its local, which outlives
        // the run; `run_user` calls `fpu::end_run` before it returns.
        unsafe { fpu::give_to((*me).fp) };
        return 0;
    }
    // SAFETY: set by `run_user` on this thread to a handler that outlives
    // the run; nothing else borrows it while the TA runs.
    let resume = unsafe { handler.as_mut() }.user_exception(frame, kind, esr, far);
    u64::from(!resume)
}

/// A normal-world interrupt hit kernel code on a pool thread (the EL1 FIQ
/// vector, `arch::aarch64::entry`): leave for the normal world as a
/// preempted TA does; the vector returns to where it hit once Linux
/// resumes the thread.
#[unsafe(no_mangle)]
extern "C" fn kernel_el1_foreign_interrupt() {
    if current_thread() == NO_THREAD {
        // Only pool threads open FIQ; taking it anywhere else is a bug.
        halt(format_args!("normal-world interrupt outside a pool thread"));
    }
    super::preempt::record(super::preempt::Site::Kernel);
    preempt();
}

/// Index of the thread running on this core (for re-entrancy checks).
pub fn current_thread() -> usize {
    // Masked: a thread preempted between finding its core and reading the
    // entry would read the entry of a core it has left.
    let saved = arch::irq::mask_all();
    let index = CURRENT[arch::core_index()].load(Ordering::Acquire);
    arch::irq::restore(saved);
    index
}

/// Runs `f` (a TA's system call, entered with interrupts masked) with
/// normal-world interrupts open, as upstream does, so a long one never
/// holds Linux's interrupts back; masks them again for the way back to
/// the TA, on whatever core the thread then is.
pub fn with_foreign_interrupts<R>(f: impl FnOnce() -> R) -> R {
    arch::irq::unmask_foreign();
    let r = f();
    let _ = arch::irq::mask_all();
    r
}

#[cfg(test)]
mod tests;
