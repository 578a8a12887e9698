//! Host tests (ta-sdk README, "Testing TA logic on the host"): the TA's
//! storage cases on the kernel's storage code, with a tee-supplicant on a
//! temporary directory, in-process.

use proto::storage_ta::{CMD_DEL_MARK, CMD_GET_MARK, CMD_PUT_MARK, CMD_RUN_CASE, PEER_UUID, UUID};
use ta_sdk::TeeError;
use ta_sdk::host::{CallParam, Session, Tee};

fn tee() -> Tee {
    let tee = Tee::new();
    tee.install(super::ta_def()).install(super::peer::ta_def());
    tee
}

/// One command: the TA's verdict `(failing step, code)`, `(0, value)` on success.
fn call(s: &Session, cmd: u32, a: u32) -> (u32, u32) {
    let mut p = [CallParam::ValueIn { a, b: 0 }, CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
    s.invoke(cmd, &mut p).unwrap();
    p[1].value().unwrap()
}

#[test]
fn every_case_passes() {
    let tee = tee();
    let s = tee.open(&UUID).unwrap();
    for case in 1..=16 {
        let (step, code) = call(&s, CMD_RUN_CASE, case);
        assert_eq!(step, 0, "case {case}: step {step} saw {code:#x}");
    }
    let mut p =
        [CallParam::ValueIn { a: 99, b: 0 }, CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
    s.invoke(CMD_RUN_CASE, &mut p).unwrap();
    assert_eq!(p[1].value(), Some((0xffff, TeeError::NotSupported.code())));
}

#[test]
fn objects_outlive_the_instance_and_are_encrypted() {
    let tee = tee();
    let s = tee.open(&UUID).unwrap();
    assert_eq!(call(&s, CMD_PUT_MARK, 0x5a), (0, 0));
    s.close();
    assert!(!tee.has_instance(&UUID));
    // A new instance finds the object in the storage directory.
    let s = tee.open(&UUID).unwrap();
    assert_eq!(call(&s, CMD_GET_MARK, 0), (0, 0x5a));
    let mut files = Vec::new();
    let mut dirs = vec![tee.storage_dir()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().map(Result::unwrap) {
            if e.file_type().unwrap().is_dir() {
                dirs.push(e.path())
            } else {
                files.push(std::fs::read(e.path()).unwrap())
            }
        }
    }
    assert!(!files.is_empty());
    assert!(files.iter().all(|f| !f.windows(16).any(|w| w == [0x5a; 16])), "plaintext on disk");
    assert_eq!(call(&s, CMD_DEL_MARK, 0), (0, 0));
    assert_eq!(call(&s, CMD_GET_MARK, 0), (1, TeeError::ItemNotFound.code()));
}

#[test]
fn each_ta_sees_only_its_own_objects() {
    let tee = tee();
    let (mine, peer) = (tee.open(&UUID).unwrap(), tee.open(&PEER_UUID).unwrap());
    assert_eq!(call(&mine, CMD_PUT_MARK, 7), (0, 0));
    assert_eq!(call(&peer, CMD_GET_MARK, 0), (1, TeeError::ItemNotFound.code()));
    assert_eq!(call(&peer, CMD_PUT_MARK, 9), (0, 0));
    assert_eq!(call(&mine, CMD_GET_MARK, 0), (0, 7));
    assert_eq!(call(&peer, CMD_GET_MARK, 0), (0, 9));
}

#[test]
fn every_tee_starts_empty() {
    let tee = tee();
    let s = tee.open(&UUID).unwrap();
    assert_eq!(call(&s, CMD_GET_MARK, 0), (1, TeeError::ItemNotFound.code()));
}
