//! The thread runtime on the host, against the arch fake (`arch::fake`):
//! yielding calls started on pool threads, RPC leaves and `RETURN_FROM_RPC`
//! resumes on any core, the pool's refusals (`ERESUME`, `ETHREAD_LIMIT`),
//! preemption, the nesting limit, and (in `user`) TA runs with their typed
//! exception handlers and lazily switched FP/SIMD registers.

extern crate std;

mod user;

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::vec::Vec;

use tee_abi::msg::*;
use tee_abi::result::{Origin, TEE_SUCCESS};
use tee_abi::smc;

use super::*;
use crate::arch::fake::{self, monitor_call, set_core};
use crate::msg::{Dir, MsgArg, MsgParam, Param};
use crate::shm::tests::FakeRam;
use crate::ta_manager::{TeeState, resolve};
use crate::thread::nesting::MAX_USER_NESTING;

/// The pool, its slots and the per-core state are process-wide: one
/// runtime test at a time.
static SERIAL: Mutex<()> = Mutex::new(());
/// What the registered `CallHandler` forwards to (set by each test).
static SERVE: Mutex<Option<CallHandler>> = Mutex::new(None);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn dispatch(env: &mut dyn CallEnvMut, args: &[u64; 8]) -> [u64; 4] {
    let serve = lock(&SERVE).expect("no call handler set");
    serve(env, args)
}

/// Normal-world RAM the pool threads see: the shm module's `FakeRam`,
/// shared with the test (which plays the normal world).
struct SharedRam(Mutex<FakeRam>);

impl NsMemory for SharedRam {
    fn ram(&self) -> (u64, u64) {
        lock(&self.0).ram()
    }
    unsafe fn read_unchecked(&self, pa: u64, buf: &mut [u8]) {
        // SAFETY: forwarded contract.
        unsafe { lock(&self.0).read_unchecked(pa, buf) }
    }
    unsafe fn write_unchecked(&self, pa: u64, buf: &[u8]) {
        // SAFETY: forwarded contract.
        unsafe { lock(&self.0).write_unchecked(pa, buf) }
    }
}

static RAM: LazyLock<SharedRam> = LazyLock::new(|| SharedRam(Mutex::new(FakeRam::new(4 * 4096))));
const ARG_PA: u64 = 0x4000_0000;
const BUF_PA: u64 = 0x4000_1000;

/// Takes the runtime for one test: `serve` handles its yielding calls, the
/// calling thread plays core 0, and every pool thread is free.
fn setup(serve: CallHandler) -> MutexGuard<'static, ()> {
    let guard = lock(&SERIAL);
    init(dispatch);
    set_host_ns_ram(&*RAM);
    static KERNEL_TABLES: std::sync::Once = std::sync::Once::new();
    KERNEL_TABLES.call_once(|| {
        crate::mm::kernel_map::build(|_| {});
    });
    *lock(&SERVE) = Some(serve);
    set_core(0);
    assert!(all_free(), "an earlier runtime test left threads busy");
    guard
}

/// The normal world issues a yielding SMC on `core`.
fn smc_on(core: usize, args: [u64; 8]) -> [u64; 4] {
    set_core(core);
    monitor_call(|| yield_smc(&args))
}

/// `CALL_WITH_ARG` with the argument struct at `ARG_PA`.
fn call_with_arg(core: usize) -> [u64; 4] {
    smc_on(core, [u64::from(smc::CALL_WITH_ARG), ARG_PA >> 32, ARG_PA & 0xffff_ffff, 0, 0, 0, 0, 0])
}

/// `RETURN_FROM_RPC` for thread `a3` (the values travel in a1, a2, a4, a5).
fn return_from_rpc(core: usize, a3: u64, v: [u64; 4]) -> [u64; 4] {
    smc_on(core, [u64::from(smc::RETURN_FROM_RPC), v[0], v[1], a3, v[2], v[3], 0, 0])
}

/// An RPC function number the normal world would serve.
const RPC_TEST: u64 = 0xffff_0005;

// --- a whole yielding call through `std_call` --------------------------------

static STATE: TeeState = TeeState::new(resolve);

fn serve_std_call(env: &mut dyn CallEnvMut, args: &[u64; 8]) -> [u64; 4] {
    assert!(current_thread() < THREADS, "served on a pool thread");
    crate::std_call::handle(&STATE, env, args)
}

/// Writes `arg` at `ARG_PA`, issues the call and reads the answer back.
fn std_call(arg: &MsgArg) -> MsgArg {
    let mut bytes = alloc::vec![0u8; arg.encoded_len()];
    arg.encode(&mut bytes).unwrap();
    RAM.write(ARG_PA, &bytes).unwrap();
    assert_eq!(call_with_arg(0), [smc::RETURN_OK, 0, 0, 0]);
    assert!(all_free(), "the thread is released when the call ends");
    RAM.read(ARG_PA, &mut bytes).unwrap();
    MsgArg::parse(&bytes).unwrap()
}

fn msg(cmd: u32, func: u32, session: u32, params: &[MsgParam]) -> MsgArg {
    MsgArg { cmd, func, session, cancel_id: 0, ret: 0, ret_origin: 0, params: params.to_vec() }
}

#[test]
fn a_std_call_opens_invokes_and_closes_a_pseudo_ta_on_a_pool_thread() {
    let _rt = setup(serve_std_call);
    let uuid = crate::pta::device::UUID;
    let half = |at: usize| u64::from_le_bytes(uuid[at..at + 8].try_into().unwrap());
    let meta = [
        MsgParam { meta: true, param: Param::Value { dir: Dir::In, v: [half(0), half(8), 0] } },
        MsgParam { meta: true, param: Param::Value { dir: Dir::In, v: [0, 0, u64::from(LOGIN_PUBLIC)] } },
    ];
    let opened = std_call(&msg(CMD_OPEN_SESSION, 0, 0, &meta));
    assert_eq!((opened.ret, opened.ret_origin), (TEE_SUCCESS, Origin::TrustedApp.code()));
    assert_ne!(opened.session, 0);

    let out = MsgParam {
        meta: false,
        param: Param::Tmem { dir: Dir::Out, buf_ptr: BUF_PA, size: 64, shm_ref: 7, noncontig: false },
    };
    let invoked = std_call(&msg(CMD_INVOKE_COMMAND, crate::pta::device::CMD_GET_DEVICES, opened.session, &[out]));
    assert_eq!((invoked.ret, invoked.ret_origin), (TEE_SUCCESS, Origin::TrustedApp.code()));

    let closed = std_call(&msg(CMD_CLOSE_SESSION, 0, opened.session, &[]));
    assert_eq!((closed.ret, closed.ret_origin), (TEE_SUCCESS, Origin::Tee.code()));
    assert!(lock_sessions_empty());
}

fn lock_sessions_empty() -> bool {
    STATE.sessions.lock().is_empty()
}

// --- RPC leave and resume ----------------------------------------------------

/// Where the RPC call handler saw itself resumed, and with what.
static RESUMED: Mutex<Vec<(usize, [u64; 4])>> = Mutex::new(Vec::new());

/// Leaves once for the normal world with `RPC_TEST, a1, a2`, then ends the
/// call with `OK` and the core it finished on.
fn serve_one_rpc(env: &mut dyn CallEnvMut, args: &[u64; 8]) -> [u64; 4] {
    let back = env.as_env_mut().switch_to_normal_world([RPC_TEST, args[1], args[2]]);
    lock(&RESUMED).push((fake::core_index(), back));
    [smc::RETURN_OK, back[0], fake::core_index() as u64, 0]
}

#[test]
fn an_rpc_leaves_the_thread_and_return_from_rpc_resumes_it_on_any_core() {
    let _rt = setup(serve_one_rpc);
    lock(&RESUMED).clear();
    let left = call_with_arg(0);
    assert_eq!(left[..3], [RPC_TEST, ARG_PA >> 32, ARG_PA & 0xffff_ffff]);
    let thread = left[3];
    assert!((thread as usize) < THREADS);
    assert!(!all_free(), "the thread waits for the normal world");
    assert_eq!(current_thread(), usize::MAX, "core 0 runs no thread while it is away");

    // Resumed on core 2, with a3's upper half ignored (a 32-bit index).
    let done = return_from_rpc(2, (0xdead << 32) | thread, [11, 22, 44, 55]);
    assert_eq!(done, [smc::RETURN_OK, 11, 2, 0]);
    assert_eq!(*lock(&RESUMED), [(2, [11, 22, 44, 55])], "a1, a2, a4, a5 come back in order");
    assert!(all_free());
    // Done: the same index cannot be resumed again.
    assert_eq!(return_from_rpc(0, thread, [0; 4]), [smc::RETURN_ERESUME, 0, 0, 0]);
}

/// Reports the interrupt masks a call sees: open while it runs and after
/// an RPC (resumed on another core), masked inside a spin lock.
fn serve_reporting_masks(env: &mut dyn CallEnvMut, _args: &[u64; 8]) -> [u64; 4] {
    let open_at_start = !fake::irq::all_masked();
    env.as_env_mut().switch_to_normal_world([RPC_TEST, 0, 0]);
    let open_after_rpc = !fake::irq::all_masked();
    let lock = crate::sync::SpinLock::new(());
    let masked_in_lock = {
        let _held = lock.lock();
        fake::irq::all_masked()
    };
    let open_after_lock = !fake::irq::all_masked();
    let bits = [open_at_start, open_after_rpc, masked_in_lock, open_after_lock];
    [smc::RETURN_OK, bits.iter().fold(0, |acc, &b| acc << 1 | u64::from(b)), 0, 0]
}

#[test]
fn a_call_runs_with_normal_world_interrupts_open_except_in_spin_locks() {
    let _rt = setup(serve_reporting_masks);
    let left = call_with_arg(0);
    assert_eq!(left[0], RPC_TEST);
    assert_eq!(return_from_rpc(1, left[3], [0; 4]), [smc::RETURN_OK, 0b1111, 0, 0]);
    assert!(all_free());
}

/// Tells the test which thread runs, then waits for its go.
static GATE: Mutex<Option<(Sender<usize>, Receiver<()>)>> = Mutex::new(None);

fn serve_gated(_env: &mut dyn CallEnvMut, _args: &[u64; 8]) -> [u64; 4] {
    let (running, go) = lock(&GATE).take().expect("gate set");
    running.send(current_thread()).unwrap();
    go.recv().unwrap();
    [smc::RETURN_OK, 0x5a, 0, 0]
}

#[test]
fn resuming_a_free_running_or_unknown_thread_is_eresume() {
    let _rt = setup(serve_gated);
    for a3 in [0, THREADS as u64 - 1, THREADS as u64, 0xffff_ffff] {
        assert_eq!(return_from_rpc(0, a3, [1, 2, 3, 4]), [smc::RETURN_ERESUME, 0, 0, 0], "thread {a3}");
    }
    // A call running on core 0 cannot be "resumed" from core 1.
    let (running_tx, running) = channel();
    let (go, go_rx) = channel();
    *lock(&GATE) = Some((running_tx, go_rx));
    let core0 = std::thread::spawn(|| call_with_arg(0));
    let thread = running.recv().unwrap();
    assert_eq!(return_from_rpc(1, thread as u64, [0; 4]), [smc::RETURN_ERESUME, 0, 0, 0]);
    go.send(()).unwrap();
    assert_eq!(core0.join().unwrap(), [smc::RETURN_OK, 0x5a, 0, 0], "the running call is undisturbed");
    assert!(all_free());
}

#[test]
fn a_full_pool_refuses_new_calls_with_ethread_limit() {
    let _rt = setup(serve_one_rpc);
    let mut waiting = Vec::new();
    for n in 0..THREADS {
        let left = call_with_arg(n % linker::MAX_CORES);
        assert_eq!(left[0], RPC_TEST, "call {n}");
        waiting.push(left[3]);
    }
    waiting.sort_unstable();
    assert_eq!(waiting, (0..THREADS as u64).collect::<Vec<_>>(), "every thread in use once");
    assert_eq!(call_with_arg(0), [smc::RETURN_ETHREAD_LIMIT, 0, 0, 0]);
    for thread in waiting {
        assert_eq!(return_from_rpc(1, thread, [thread, 0, 0, 0]), [smc::RETURN_OK, thread, 1, 0]);
    }
    assert!(all_free());
    let again = call_with_arg(0);
    assert_eq!(again[0], RPC_TEST, "a freed thread serves again");
    assert_eq!(return_from_rpc(0, again[3], [0; 4])[0], smc::RETURN_OK);
    assert!(all_free());
}

// --- preemption --------------------------------------------------------------

fn serve_preempted(_env: &mut dyn CallEnvMut, _args: &[u64; 8]) -> [u64; 4] {
    let before = fake::core_index();
    preempt();
    [smc::RETURN_OK, before as u64, fake::core_index() as u64, 0]
}

#[test]
fn a_preempted_thread_leaves_with_foreign_intr_and_resumes_elsewhere() {
    let _rt = setup(serve_preempted);
    let left = call_with_arg(3);
    assert_eq!(left[..3], [RPC_FUNC_FOREIGN_INTR, 0, 0]);
    assert!(!all_free());
    assert_eq!(return_from_rpc(5, left[3], [9, 9, 9, 9]), [smc::RETURN_OK, 3, 5, 0]);
    assert!(all_free());
}

// --- nesting -----------------------------------------------------------------

fn serve_nesting(_env: &mut dyn CallEnvMut, _args: &[u64; 8]) -> [u64; 4] {
    let mut runs: Vec<NestedRun> = Vec::new();
    while let Ok(run) = enter_nested_run() {
        runs.push(run);
    }
    let at_limit = runs.len() as u64;
    runs.pop();
    let again = enter_nested_run().is_ok() as u64;
    drop(runs);
    [smc::RETURN_OK, at_limit, again, 0]
}

#[test]
fn the_fifth_nested_run_on_a_thread_is_refused() {
    let _rt = setup(serve_nesting);
    let limit = u64::from(MAX_USER_NESTING);
    assert_eq!(limit, 4);
    assert_eq!(call_with_arg(0), [smc::RETURN_OK, limit, 1, 0]);
    // The count went with the runs: the next call on that thread starts at 0.
    assert_eq!(call_with_arg(0), [smc::RETURN_OK, limit, 1, 0]);
}
