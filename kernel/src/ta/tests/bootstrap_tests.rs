//! `verify_bootstrap`: what the secure-storage TA management PTA accepts
//! for installation, and the one-bit corruptions xtest 1008 makes.

use super::support::*;
use crate::ta::shdr::*;
use crate::ta::{TaError, TeeError, verify_bootstrap};

#[test]
fn a_bootstrap_image_names_its_own_uuid_and_version() {
    let file = sign(FIXTURE_PIE, key_a(), Signing { uuid: OTHER_UUID, ta_version: 3, ..Signing::default() });
    let bs = verify_bootstrap(&file, &key_a().public()).unwrap();
    assert_eq!((bs.uuid, bs.ta_version), (OTHER_UUID, 3));
}

#[test]
fn every_field_corruption_xtest_1008_makes_is_a_security_error() {
    let file = signed_fixture();
    let hdr = SHDR_SIZE;
    // magic, img_type, img_size, algo, hash_size, sig_size, hash, signature, payload.
    for offs in [0, 4, 8, 12, 16, 18, hdr, hdr + 32, 3000, 8000] {
        let mut bad = file.to_vec();
        let at = offs.min(bad.len() - 1);
        bad[at] ^= 1;
        let err = verify_bootstrap(&bad, &key_a().public()).unwrap_err();
        assert_eq!(err.tee_error(), TeeError::Security, "offset {offs}: {err:?}");
    }
}

#[test]
fn only_root_signed_bootstrap_images_are_installed() {
    let legacy = sign(FIXTURE_PIE, key_a(), Signing { img_type: SHDR_TA, ..Signing::default() });
    assert_eq!(verify_bootstrap(&legacy, &key_a().public()), Err(TaError::UnknownImageType));
    let subkey = sign(FIXTURE_PIE, key_a(), Signing { img_type: SHDR_SUBKEY, ..Signing::default() });
    assert_eq!(verify_bootstrap(&subkey, &key_a().public()), Err(TaError::UnknownImageType));
    let other_key = sign(FIXTURE_PIE, key_b(), Signing::default());
    assert_eq!(verify_bootstrap(&other_key, &key_a().public()), Err(TaError::BadSignature));
    assert_eq!(verify_bootstrap(&signed_fixture()[..SHDR_SIZE + 10], &key_a().public()), Err(TaError::Truncated));
    assert_eq!(verify_bootstrap(&[], &key_a().public()), Err(TaError::Truncated));
}
