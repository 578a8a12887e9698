//! Host tests (ta-sdk README, "Testing TA logic on the host"): the commands
//! the guest suite's tz-params cases send, in-process.

use proto::params_ta::{CMD_ADD, CMD_REVERSE, CMD_SELF_TEST, CMD_UPPER, UUID};
use ta_sdk::TeeError;
use ta_sdk::host::{CallParam, Session, Tee};

fn open() -> (Tee, Session) {
    let tee = Tee::new();
    tee.install(super::ta_def());
    let session = tee.open(&UUID).unwrap();
    (tee, session)
}

#[test]
fn reverse_and_short_buffer() {
    let (_tee, s) = open();
    let mut out = [0u8; 5];
    let mut p = [CallParam::MemrefIn(b"hello"), CallParam::MemrefOut(&mut out, 0), CallParam::None, CallParam::None];
    s.invoke(CMD_REVERSE, &mut p).unwrap();
    assert_eq!(p[1].size(), Some(5));
    assert_eq!(&out, b"olleh");
    // Too small: SHORT_BUFFER with the size needed, from the TA.
    let mut small = [0u8; 2];
    let mut p = [CallParam::MemrefIn(b"hello"), CallParam::MemrefOut(&mut small, 0), CallParam::None, CallParam::None];
    let e = s.invoke(CMD_REVERSE, &mut p).unwrap_err();
    assert_eq!((e.code, e.origin), (TeeError::ShortBuffer, 4));
    assert_eq!(p[1].size(), Some(5));
    // A bigger buffer than the stack chunk.
    let input: Vec<u8> = (0..2000u32).map(|i| i as u8).collect();
    let mut out = vec![0u8; 2000];
    let mut p = [CallParam::MemrefIn(&input), CallParam::MemrefOut(&mut out, 0), CallParam::None, CallParam::None];
    s.invoke(CMD_REVERSE, &mut p).unwrap();
    assert!(out.iter().eq(input.iter().rev()));
}

#[test]
fn upper_in_place_and_size_to_nul() {
    let (_tee, s) = open();
    let mut buf = *b"abC1\0zz";
    let mut p =
        [CallParam::MemrefInOut(&mut buf, 0), CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
    s.invoke(CMD_UPPER, &mut p).unwrap();
    assert_eq!(p[0].size(), Some(4));
    assert_eq!(p[1].value(), Some((4, 7)));
    // Only the returned size travels back to the client, as from the kernel.
    assert_eq!(&buf, b"ABC1\0zz");
}

#[test]
fn add_keeps_per_session_state() {
    let (tee, s1) = open();
    let s2 = tee.open(&UUID).unwrap();
    let add = |s: &Session, a, b| {
        let mut p = [CallParam::ValueIn { a, b }, CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
        s.invoke(CMD_ADD, &mut p).unwrap();
        p[1].value().unwrap()
    };
    assert_eq!(add(&s1, 1, 2), (3, 1));
    assert_eq!(add(&s1, u32::MAX, 2), (1, 2));
    assert_eq!(add(&s2, 5, 5), (10, 1));
    // Wrong parameter types: BAD_PARAMETERS from the TA.
    let mut p = CallParam::none4();
    assert_eq!(s1.invoke(CMD_ADD, &mut p).unwrap_err().code, TeeError::BadParameters);
}

#[test]
fn self_test_properties_time_random() {
    let (_tee, s) = open();
    let mut p = [CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
    let r = s.invoke(CMD_SELF_TEST, &mut p);
    assert_eq!(r, Ok(()), "failed step and code: {:?}", p[0].value());
}

#[test]
fn self_test_sees_the_client_identity() {
    // Step 2 wants a PUBLIC client: another login fails it, as in QEMU.
    let tee = Tee::new();
    tee.install(super::ta_def());
    tee.set_client(tee_abi_login_user(), UUID);
    let s = tee.open(&UUID).unwrap();
    let mut p = [CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
    assert_eq!(s.invoke(CMD_SELF_TEST, &mut p).unwrap_err().code, TeeError::Generic);
    assert_eq!(p[0].value(), Some((2, TeeError::BadState.code())));
}

/// `TEE_LOGIN_USER`.
fn tee_abi_login_user() -> u32 {
    ta_sdk::tee_abi::msg::LOGIN_USER
}
