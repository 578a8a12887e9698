use super::*;
use crate::arch::fake::irq;

#[test]
fn a_held_lock_masks_and_its_release_reopens() {
    irq::unmask_foreign();
    let lock = SpinLock::new(1);
    {
        let mut held = lock.lock();
        *held += 1;
        assert!(irq::all_masked());
        assert_eq!(masked_sections(), 1);
    }
    assert!(!irq::all_masked());
    assert_eq!(masked_sections(), 0);
    assert_eq!(*lock.lock(), 2);
}

#[test]
fn masks_come_back_only_when_the_last_section_ends_whatever_the_order() {
    irq::unmask_foreign();
    let (a, b) = (SpinLock::new(()), SpinLock::new(()));
    let first = a.lock();
    let second = b.lock();
    drop(first);
    // `b` is still held: the core must stay masked.
    assert!(irq::all_masked());
    assert_eq!(masked_sections(), 1);
    drop(second);
    assert!(!irq::all_masked());
}

#[test]
fn a_section_entered_masked_leaves_the_core_masked() {
    let _ = irq::mask_all();
    {
        let lock = SpinLock::new(());
        let _held = lock.lock();
        let _nested = mask_interrupts();
        assert_eq!(masked_sections(), 2);
    }
    assert!(irq::all_masked());
    assert_eq!(masked_sections(), 0);
}

#[test]
fn an_owner_lock_leaves_the_masks_alone() {
    irq::unmask_foreign();
    let state = OwnerLock::new(5);
    let held = state.lock();
    assert!(!irq::all_masked());
    assert_eq!(masked_sections(), 0);
    assert_eq!(*held, 5);
}

#[test]
#[should_panic(expected = "owner lock taken inside a spin lock")]
fn an_owner_lock_inside_a_spin_lock_is_refused() {
    let outer = SpinLock::new(());
    let state = OwnerLock::new(());
    let _held = outer.lock();
    let _ = state.lock();
}
