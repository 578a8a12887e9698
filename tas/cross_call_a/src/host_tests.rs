//! Host tests (ta-sdk README, "Testing TA logic on the host"): TA-to-TA
//! calls between cross_call_a and cross_call_b, both linked into this test
//! binary and installed in one in-process TEE.

use proto::cross_call::{A_UUID, CMD_CALL_PEER, CMD_PING};
use ta_sdk::TeeError;
use ta_sdk::host::{CallError, CallParam, Session, Tee};

/// cross_call.rs's command 3: open a session to the peer.
const CMD_OPEN_PEER: u32 = 3;

fn call_peer(s: &Session, wait_ms: u32, peer_cmd: u32) -> Result<(), CallError> {
    let mut p = [CallParam::ValueIn { a: wait_ms, b: peer_cmd }, CallParam::None, CallParam::None, CallParam::None];
    s.invoke(CMD_CALL_PEER, &mut p)
}

fn both() -> Tee {
    let tee = Tee::new();
    tee.install(super::ta_def()).install(super::peer_b::ta_def());
    tee
}

#[test]
fn a_calls_b() {
    let tee = both();
    let a = tee.open(&A_UUID).unwrap();
    call_peer(&a, 0, CMD_PING).unwrap();
    // B's own answer comes back through A (B wants a VALUE_INPUT).
    let e = call_peer(&a, 0, CMD_CALL_PEER).unwrap_err();
    assert_eq!((e.code, e.origin), (TeeError::BadParameters, 4));
    // B's instance went away with A's session to it.
    assert!(!tee.has_instance(&proto::cross_call::B_UUID));
}

#[test]
fn a_cycle_back_to_a_single_instance_is_busy() {
    let tee = both();
    let a = tee.open(&A_UUID).unwrap();
    // A → B → open A: A is running this very call.
    assert_eq!(call_peer(&a, 0, CMD_OPEN_PEER).unwrap_err().code, TeeError::Busy);
}

#[test]
fn wait_sleeps_through_the_normal_world() {
    let tee = both();
    let a = tee.open(&A_UUID).unwrap();
    let t0 = std::time::Instant::now();
    call_peer(&a, 30, CMD_PING).unwrap();
    assert!(t0.elapsed() >= std::time::Duration::from_millis(30));
}

#[test]
fn a_missing_peer_is_item_not_found() {
    let tee = Tee::new();
    tee.install(super::ta_def());
    let a = tee.open(&A_UUID).unwrap();
    assert_eq!(call_peer(&a, 0, CMD_PING).unwrap_err().code, TeeError::ItemNotFound);
    assert_eq!(
        tee.open(&proto::cross_call::B_UUID).err().map(|e| (e.code, e.origin)),
        Some((TeeError::ItemNotFound, 3))
    );
}
