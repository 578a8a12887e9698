//! `shdr::verify`: the good paths and every refusal.

use super::support::*;
use crate::ta::shdr::*;
use crate::ta::{TaError, TeeError};

fn verify_a(file: &[u8]) -> Result<VerifiedTa<'_>, TaError> {
    verify(file, &HELLO_UUID, &key_a().public())
}

fn hdr_end() -> usize {
    SHDR_SIZE + 32 + 256
}

#[test]
fn valid_pss_image_verifies() {
    let v = verify_a(signed_fixture()).unwrap();
    assert_eq!(v.image, FIXTURE_PIE);
    assert_eq!(v.shdr.algo, TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256);
    assert_eq!(v.shdr.sig_size, 256);
    let bs = v.bootstrap.unwrap();
    assert_eq!((bs.uuid, bs.ta_version), (HELLO_UUID, 7));
}

#[test]
fn valid_pkcs1v15_image_verifies() {
    let s = Signing { algo: TEE_ALG_RSASSA_PKCS1_V1_5_SHA256, ..Signing::default() };
    let file = sign(FIXTURE_PIE, key_a(), s);
    assert_eq!(verify_a(&file).unwrap().image, FIXTURE_PIE);
}

#[test]
fn legacy_image_verifies_without_uuid() {
    let s = Signing { img_type: SHDR_TA, ..Signing::default() };
    let file = sign(FIXTURE_PIE, key_a(), s);
    let v = verify(&file, &OTHER_UUID, &key_a().public()).unwrap();
    assert_eq!(v.bootstrap, None);
    assert_eq!(v.image, FIXTURE_PIE);
}

#[test]
fn header_round_trips() {
    let h = Shdr::parse(signed_fixture()).unwrap();
    assert_eq!(h.magic, SHDR_MAGIC);
    assert_eq!(&h.to_bytes()[..], &signed_fixture()[..SHDR_SIZE]);
    assert_eq!(h.size(), hdr_end());
}

/// xtest 1008 "Load corrupt TA" flips bit 0 of these offsets and expects
/// TEE_ERROR_SECURITY each time; we add the bootstrap header.
#[test]
fn any_flipped_byte_is_a_security_error() {
    let good = signed_fixture();
    let cases: &[(usize, TaError)] = &[
        (0, TaError::BadMagic),
        (4, TaError::SizeMismatch), // BOOTSTRAP -> legacy: 20 bytes too many
        (8, TaError::SizeMismatch),
        (12, TaError::BadAlgorithm),
        (16, TaError::BadHashSize),
        (18, TaError::BadSignatureSize),
        (SHDR_SIZE, TaError::BadSignature),      // hash
        (SHDR_SIZE + 32, TaError::BadSignature), // signature
        (hdr_end() - 1, TaError::BadSignature),
        (hdr_end(), TaError::UuidMismatch),                    // bootstrap uuid
        (hdr_end() + 16, TaError::DigestMismatch),             // ta_version
        (hdr_end() + BOOTSTRAP_SIZE, TaError::DigestMismatch), // ELF magic
        (hdr_end() + BOOTSTRAP_SIZE + 0x400, TaError::DigestMismatch),
        (good.len() - 1, TaError::DigestMismatch),
    ];
    for &(at, want) in cases {
        let mut bad = good.to_vec();
        bad[at] ^= 1;
        let got = verify_a(&bad).unwrap_err();
        assert_eq!(got, want, "byte {at}");
        assert_eq!(got.tee_error(), TeeError::Security, "byte {at}");
    }
}

#[test]
fn other_key_is_refused() {
    let err = verify(signed_fixture(), &HELLO_UUID, &key_b().public()).unwrap_err();
    assert_eq!(err, TaError::BadSignature);
    assert_eq!(TeeError::from(err), TeeError::Security);
}

#[test]
fn wrong_uuid_is_refused() {
    let err = verify(signed_fixture(), &OTHER_UUID, &key_a().public()).unwrap_err();
    assert_eq!(err, TaError::UuidMismatch);
}

#[test]
fn truncated_files_are_refused() {
    let good = signed_fixture();
    for len in [0, 1, SHDR_SIZE - 1, SHDR_SIZE, 100, hdr_end() - 1] {
        assert_eq!(verify_a(&good[..len]), Err(TaError::Truncated), "len {len}");
    }
    for len in [hdr_end(), hdr_end() + 10, hdr_end() + BOOTSTRAP_SIZE - 1] {
        assert_eq!(verify_a(&good[..len]), Err(TaError::Truncated), "len {len}");
    }
    for len in [hdr_end() + BOOTSTRAP_SIZE, good.len() - 1] {
        assert_eq!(verify_a(&good[..len]), Err(TaError::SizeMismatch), "len {len}");
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let mut long = signed_fixture().to_vec();
    long.push(0);
    assert_eq!(verify_a(&long), Err(TaError::SizeMismatch));
}

#[test]
fn huge_img_size_is_a_size_mismatch() {
    // img_size is covered by the digest, not the signature: the exact-size
    // check catches it first, with overflow-checked arithmetic.
    let mut file = signed_fixture().to_vec();
    file[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(verify_a(&file), Err(TaError::SizeMismatch));
}

#[test]
fn encrypted_images_are_not_supported() {
    let file = sign(FIXTURE_PIE, key_a(), Signing { img_type: SHDR_ENCRYPTED_TA, ..Signing::default() });
    let err = verify_a(&file).unwrap_err();
    assert_eq!(err, TaError::EncryptedUnsupported);
    assert_eq!(err.tee_error(), TeeError::NotSupported);
}

#[test]
fn unknown_image_type_is_a_security_error() {
    let file = sign(FIXTURE_PIE, key_a(), Signing { img_type: 4, ..Signing::default() });
    assert_eq!(verify_a(&file), Err(TaError::UnknownImageType));
}

#[test]
fn algorithms_are_classified_like_upstream() {
    use SignatureScheme::*;
    assert_eq!(SignatureScheme::from_algo(0x7041_4930), Ok(PssSha256));
    assert_eq!(SignatureScheme::from_algo(0x7000_4830), Ok(Pkcs1v15Sha256));
    // RSA signatures over SHA-384/512: valid upstream, not implemented here.
    for a in [0x7000_5830, 0x7000_6830, 0x7051_5930, 0x7061_6930] {
        assert_eq!(SignatureScheme::from_algo(a), Err(TaError::UnsupportedAlgorithm), "{a:#x}");
    }
    // Not RSA, a refused hash, or not a signature at all.
    for a in [0x7041_4931, 0x7000_1041, 0x7000_2830, 0x7041_3930, 0x6041_0230, 0, u32::MAX] {
        assert_eq!(SignatureScheme::from_algo(a), Err(TaError::BadAlgorithm), "{a:#x}");
    }
}

#[test]
fn unsupported_algorithm_maps_to_not_supported() {
    let mut file = signed_fixture().to_vec();
    file[12..16].copy_from_slice(&0x7061_6930u32.to_le_bytes());
    let err = verify_a(&file).unwrap_err();
    assert_eq!(err, TaError::UnsupportedAlgorithm);
    assert_eq!(err.tee_error(), TeeError::NotSupported);
}

#[test]
fn weak_or_malformed_keys_are_refused() {
    let k = key_a().public();
    let small = TaPublicKey { modulus: &k.modulus[..128], exponent: k.exponent };
    assert_eq!(verify(signed_fixture(), &HELLO_UUID, &small), Err(TaError::BadKey));
    let bad_e = TaPublicKey { modulus: k.modulus, exponent: &[1] };
    assert_eq!(verify(signed_fixture(), &HELLO_UUID, &bad_e), Err(TaError::BadKey));
    let empty = TaPublicKey { modulus: &[], exponent: &[] };
    assert_eq!(verify(signed_fixture(), &HELLO_UUID, &empty), Err(TaError::BadKey));
}

#[test]
fn builtin_key_is_a_usable_rsa_key() {
    let k = TaPublicKey::BUILTIN;
    assert!(k.modulus.len() >= MIN_MODULUS_SIZE && k.modulus.len() <= 512);
    assert_ne!(k.modulus[0], 0);
    // Test key A is not the built-in key: its images must not verify.
    let err = verify(signed_fixture(), &HELLO_UUID, &k).unwrap_err();
    assert!(matches!(err, TaError::BadSignature | TaError::BadSignatureSize), "{err:?}");
}
