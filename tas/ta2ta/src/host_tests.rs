//! Host tests (ta-sdk README, "Testing TA logic on the host"): the guest
//! suite's TA-to-TA commands with hello_world, params_ta and os_test linked
//! into this test binary.

use proto::ta2ta::UUID;
use ta_sdk::TeeError;
use ta_sdk::host::{CallParam, Session, Tee};

fn open() -> (Tee, Session) {
    let tee = Tee::new();
    tee.install(super::ta_def())
        .install(super::hello_world::ta_def())
        .install(super::params_ta::ta_def())
        .install(super::os_test::ta_def());
    let session = tee.open(&UUID).unwrap();
    (tee, session)
}

#[test]
fn hello_world_through_a_ta_session() {
    let (_tee, s) = open();
    let mut p = [CallParam::ValueInOut { a: 41, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
    s.invoke(0, &mut p).unwrap();
    assert_eq!(p[0].value(), Some((42, 0)));
}

#[test]
fn a_missing_ta_is_item_not_found() {
    let (_tee, s) = open();
    let mut p = [CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
    s.invoke(1, &mut p).unwrap();
    assert_eq!(p[0].value().map(|v| v.0), Some(TeeError::ItemNotFound.code()));
}

#[test]
fn memrefs_between_tas() {
    let (_tee, s) = open();
    let mut p = [CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
    let r = s.invoke(2, &mut p);
    assert_eq!(r, Ok(()), "step and code: {:x?}", p[0].value());
}

#[test]
fn the_clients_buffer_passed_on() {
    let (_tee, s) = open();
    let mut out = [0u8; 8];
    let mut p = [CallParam::MemrefIn(b"abcdef"), CallParam::MemrefOut(&mut out, 0), CallParam::None, CallParam::None];
    s.invoke(3, &mut p).unwrap();
    let size = p[1].size();
    assert_eq!((&out[..6], size), (&b"fedcba"[..], Some(6)));
}

#[test]
fn a_cancellation_timeout_ends_a_wait() {
    let (_tee, s) = open();
    let t0 = std::time::Instant::now();
    let mut p = [CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
    let r = s.invoke(4, &mut p);
    assert_eq!(r, Ok(()), "step and code: {:x?}", p[0].value());
    assert!(t0.elapsed() < std::time::Duration::from_millis(1500), "the 2 s wait was cut short");
}
