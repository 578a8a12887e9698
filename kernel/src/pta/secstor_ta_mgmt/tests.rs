//! BOOTSTRAP on the host: parameter shapes, xtest 1008's corruptions
//! installing nothing, a good file installed and then found by the TA
//! database, a downgrade refused.

extern crate std;

use tee_abi::result::TeeError;

use super::bootstrap;
use crate::msg::Dir;
use crate::params::{NsBuffer, TaParam, TaParams};
use crate::pta::invoke_tests::tests::MemFs;
use crate::ta::tests::support::{FIXTURE_PIE, HELLO_UUID, Signing, key_a, sign, signed_fixture};
use crate::user_ta::tadb;

fn input(bytes: &[u8]) -> TaParams {
    let mut p = TaParams::none();
    p.0[0] = TaParam::Memref {
        dir: Dir::In,
        buf: bytes.to_vec(),
        size: bytes.len() as u64,
        source: NsBuffer::Physical(0x4000_0000),
    };
    p
}

fn run(fs: &mut MemFs, p: &TaParams) -> Result<(), TeeError> {
    bootstrap(fs, &key_a().public(), p, &[7; 12])
}

#[test]
fn only_one_memref_input_is_accepted() {
    let mut fs = MemFs::default();
    let mut p = input(signed_fixture());
    p.0[1] = TaParam::Value { dir: Dir::In, a: 0, b: 0 };
    assert_eq!(run(&mut fs, &p), Err(TeeError::BadParameters));
    let mut inout = input(signed_fixture());
    if let TaParam::Memref { dir, .. } = &mut inout.0[0] {
        *dir = Dir::InOut;
    }
    assert_eq!(run(&mut fs, &inout), Err(TeeError::BadParameters));
    assert_eq!(run(&mut fs, &TaParams::none()), Err(TeeError::BadParameters));
    assert!(fs.files.is_empty());
}

#[test]
fn corrupt_files_are_security_errors_and_install_nothing() {
    let mut fs = MemFs::default();
    for offs in [0, 4, 8, 12, 16, 18, 20, 52, 3000, 8000] {
        let mut bad = signed_fixture().to_vec();
        let at = offs.min(bad.len() - 1);
        bad[at] ^= 1;
        assert_eq!(run(&mut fs, &input(&bad)), Err(TeeError::Security), "offset {offs}");
    }
    assert!(fs.files.is_empty());
    assert_eq!(tadb::lookup(&mut fs, &HELLO_UUID.to_octets()), Ok(None));
}

#[test]
fn a_good_file_is_installed_and_a_downgrade_refused() {
    let mut fs = MemFs::default();
    assert_eq!(run(&mut fs, &input(signed_fixture())), Ok(()));
    assert_eq!(tadb::lookup(&mut fs, &HELLO_UUID.to_octets()), Ok(Some(signed_fixture().to_vec())));
    let older = sign(FIXTURE_PIE, key_a(), Signing { ta_version: 6, ..Signing::default() });
    assert_eq!(run(&mut fs, &input(&older)), Err(TeeError::AccessConflict));
    let newer = sign(FIXTURE_PIE, key_a(), Signing { ta_version: 8, ..Signing::default() });
    assert_eq!(run(&mut fs, &input(&newer)), Ok(()));
    assert_eq!(tadb::lookup(&mut fs, &HELLO_UUID.to_octets()), Ok(Some(newer)));
}
