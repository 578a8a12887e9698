use super::*;

#[test]
fn allocate_until_the_limit() {
    let mut pool = Pool::<2>::new();
    assert_eq!(pool.allocate(0), Some(0));
    assert_eq!(pool.allocate(1), Some(1));
    assert_eq!(pool.allocate(0), None, "ETHREAD_LIMIT");
    pool.release(0).unwrap();
    assert_eq!(pool.allocate(3), Some(0));
    assert_eq!(pool.state(0), ThreadState::Running(3));
}

fn leave(pool: &mut Pool<2>, t: usize, core: usize, why: Suspension) {
    pool.begin_leave(t, core, why).unwrap();
    pool.registers_saved(t).unwrap();
}

#[test]
fn resume_only_suspended_threads_on_any_core() {
    let mut pool = Pool::<2>::new();
    let t = pool.allocate(0).unwrap();
    assert_eq!(pool.resume(t as u64, 1), Err(BadResume), "running, not suspended");
    leave(&mut pool, t, 0, Suspension::Rpc);
    assert_eq!(pool.resume(t as u64, 1), Ok((t, Suspension::Rpc)));
    assert_eq!(pool.state(t), ThreadState::Running(1));
    assert_eq!(pool.resume(t as u64, 0), Err(BadResume), "resumed twice: owned by the first resume");
    assert_eq!(pool.resume(1, 0), Err(BadResume), "free");
    assert_eq!(pool.resume(99, 0), Err(BadResume));
    assert_eq!(pool.resume(u64::MAX, 0), Err(BadResume));
    assert!(!pool.all_free());
}

#[test]
fn a_leaving_thread_is_not_resumable() {
    let mut pool = Pool::<2>::new();
    let t = pool.allocate(0).unwrap();
    pool.begin_leave(t, 0, Suspension::ForeignInterrupt).unwrap();
    assert_eq!(pool.state(t), ThreadState::Leaving(0, Suspension::ForeignInterrupt));
    assert_eq!(pool.resume(t as u64, 1), Err(BadResume), "registers not saved yet");
    pool.registers_saved(t).unwrap();
    assert_eq!(pool.resume(t as u64, 1), Ok((t, Suspension::ForeignInterrupt)));
}

#[test]
fn transitions_out_of_order_are_refused() {
    let mut pool = Pool::<2>::new();
    let t = pool.allocate(0).unwrap();
    assert!(pool.begin_leave(t, 1, Suspension::Rpc).is_err(), "runs on core 0, not 1");
    assert!(pool.registers_saved(t).is_err(), "not leaving");
    assert!(pool.begin_leave(1, 0, Suspension::Rpc).is_err(), "free");
    assert!(pool.begin_leave(7, 0, Suspension::Rpc).is_err(), "no such thread");
    pool.begin_leave(t, 0, Suspension::Rpc).unwrap();
    assert!(pool.release(t).is_err(), "leaving, not done");
    pool.registers_saved(t).unwrap();
    assert!(pool.release(t).is_err(), "suspended, not done");
    assert!(pool.release(1).is_err(), "already free");
}

/// One step of a thread leaving core 0, as the runtime performs it.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// `Pool::begin_leave`.
    BeginLeave,
    /// `thread_rpc_exit`: store x19..x30 and SP, move to the temporary stack.
    SaveAndSwitchStack,
    /// `Pool::registers_saved`.
    RegistersSaved,
}

/// What the runtime did before the fix: the pool said "suspended" (one
/// call under the lock) and only then were the registers saved.
const OLD_ORDER: [Step; 3] = [Step::BeginLeave, Step::RegistersSaved, Step::SaveAndSwitchStack];
/// What `runtime::leave_thread` and `thread_rpc_exit` do now.
const NEW_ORDER: [Step; 3] = [Step::BeginLeave, Step::SaveAndSwitchStack, Step::RegistersSaved];

/// Runs `steps` of a thread leaving core 0 while a normal-world kernel on
/// core 1 sends `RETURN_FROM_RPC` for it between every two steps. Returns
/// (whether a resume was accepted before the registers were saved and the
/// stack left, whether a resume was accepted at all).
fn race(steps: &[Step]) -> (bool, bool) {
    let mut pool = Pool::<2>::new();
    let t = pool.allocate(0).unwrap();
    let mut saved = false;
    let mut resumed = false;
    for step in steps {
        match step {
            Step::BeginLeave => pool.begin_leave(t, 0, Suspension::Rpc).unwrap(),
            Step::SaveAndSwitchStack => saved = true,
            Step::RegistersSaved => pool.registers_saved(t).unwrap(),
        }
        if pool.resume(t as u64, 1).is_ok() {
            resumed = true;
            if !saved {
                return (true, true);
            }
            break;
        }
    }
    (false, resumed)
}

#[test]
fn old_ordering_allowed_a_resume_before_the_save() {
    assert_eq!(race(&OLD_ORDER), (true, true), "core 1 resumed stale registers");
}

#[test]
fn new_ordering_refuses_a_resume_until_the_save() {
    assert_eq!(race(&NEW_ORDER), (false, true), "resumable only once saved, and then resumed");
}
