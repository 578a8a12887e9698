use super::*;

const T1: usize = 1;
const T2: usize = 2;

/// The rule before the fix: only the instance's own busy owner counted.
fn old_try_enter(me: usize, busy: &mut Option<usize>) -> Decision {
    match *busy {
        None => {
            *busy = Some(me);
            Decision::Enter
        }
        Some(owner) if owner == me => Decision::Busy,
        Some(_) => Decision::Wait,
    }
}

#[test]
fn old_rule_deadlocks_when_two_threads_call_across() {
    let (mut a, mut b) = (None, None);
    // Client thread 1 runs in A, client thread 2 in B.
    assert_eq!(old_try_enter(T1, &mut a), Decision::Enter);
    assert_eq!(old_try_enter(T2, &mut b), Decision::Enter);
    // A calls B, B calls A: each waits for the other, and retrying (what
    // the sleep loop did, forever) never changes that.
    for _ in 0..100 {
        assert_eq!(old_try_enter(T1, &mut b), Decision::Wait);
        assert_eq!(old_try_enter(T2, &mut a), Decision::Wait);
    }
}

#[test]
fn single_instance_lock_serialises_the_cross_calls() {
    let mut gate = Gate::new();
    let (mut a, mut b) = (None, None);
    assert_eq!(gate.try_enter(T1, true, &mut a), Decision::Enter);
    // Thread 2 cannot even enter B while thread 1 runs in a
    // single-instance TA, so the cycle never forms.
    assert_eq!(gate.try_enter(T2, true, &mut b), Decision::Wait);
    assert_eq!(b, None, "a waiter owns nothing");
    assert_eq!(gate.try_enter(T1, true, &mut b), Decision::Enter, "A calls B");
    assert_eq!(gate.try_enter(T2, true, &mut b), Decision::Wait);
    gate.leave(T1, true, &mut b);
    assert_eq!(gate.owner(), Some(T1), "still inside A");
    gate.leave(T1, true, &mut a);
    assert_eq!(gate.owner(), None);
    // Now thread 2's B calls A.
    assert_eq!(gate.try_enter(T2, true, &mut b), Decision::Enter);
    assert_eq!(gate.try_enter(T2, true, &mut a), Decision::Enter);
    gate.leave(T2, true, &mut a);
    gate.leave(T2, true, &mut b);
    assert_eq!((gate.owner(), a, b), (None, None, None));
}

#[test]
fn a_cycle_on_one_thread_is_busy_and_keeps_the_lock_count() {
    let mut gate = Gate::new();
    let (mut a, mut b) = (None, None);
    assert_eq!(gate.try_enter(T1, true, &mut a), Decision::Enter);
    assert_eq!(gate.try_enter(T1, true, &mut b), Decision::Enter);
    assert_eq!(gate.try_enter(T1, true, &mut a), Decision::Busy, "A → B → A");
    gate.leave(T1, true, &mut b);
    gate.leave(T1, true, &mut a);
    assert_eq!(gate.owner(), None, "the refused entry took no count");
    assert_eq!(gate.try_enter(T2, true, &mut a), Decision::Enter);
}

#[test]
fn multi_instance_waits_unless_the_waiter_holds_the_lock() {
    let mut gate = Gate::new();
    let (mut m, mut s) = (None, None);
    // Two client threads on one multi-instance session: the second waits.
    assert_eq!(gate.try_enter(T1, false, &mut m), Decision::Enter);
    assert_eq!(gate.try_enter(T2, false, &mut m), Decision::Wait);
    assert_eq!(gate.try_enter(T1, false, &mut m), Decision::Busy, "itself");
    // Inside a single-instance TA, a busy instance is BUSY, never a wait.
    assert_eq!(gate.try_enter(T2, true, &mut s), Decision::Enter);
    assert_eq!(gate.try_enter(T2, false, &mut m), Decision::Busy);
    gate.leave(T2, true, &mut s);
    gate.leave(T1, false, &mut m);
    assert_eq!((gate.owner(), m, s), (None, None, None));
}

#[test]
fn enter_sleeps_until_free_and_the_guard_releases() {
    let gate = SpinLock::new(Gate::new());
    let busy: BusyOwner = SpinLock::new(Some(T2));
    let mut sleeps = 0;
    // (A busy single-instance TA is owned by the lock's holder, so only a
    // multi-instance one is ever waited for.)
    let guard = enter(&gate, &busy, T1, false, || {
        sleeps += 1;
        if sleeps == 3 {
            *busy.lock() = None; // thread 2 left
        }
        Ok(())
    });
    let guard = guard.ok().unwrap();
    assert_eq!(sleeps, 3);
    assert_eq!(*busy.lock(), Some(T1));
    drop(guard);
    assert_eq!((*busy.lock(), gate.lock().owner()), (None, None));
    // A failing sleep (cancelled RPC, no memory) ends the wait.
    *busy.lock() = Some(T2);
    let refused = enter(&gate, &busy, T1, false, || Err(TeeError::OutOfMemory)).err();
    assert_eq!(refused, Some(Refused::Wait(TeeError::OutOfMemory)));
    assert_eq!(enter(&gate, &busy, T2, false, || Ok(())).err(), Some(Refused::Busy));
    *busy.lock() = None;
    let single = enter(&gate, &busy, T1, true, || Ok(())).ok().unwrap();
    assert_eq!(gate.lock().owner(), Some(T1));
    drop(single);
    assert_eq!((*busy.lock(), gate.lock().owner()), (None, None));
}
