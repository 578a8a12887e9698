//! ECDSA (FIPS 186-4) and ECDH (SP 800-56A, the x coordinate) written once
//! over RustCrypto's curve traits, for the curves whose crates stop short
//! of them: NIST P-192 (`p192` verifies only) and P-224. The arithmetic
//! and the signing equation are `ecdsa::hazmat`'s; this file only moves
//! bytes. Callers check sizes and the curve/algorithm pairing (`ecc`).

extern crate alloc;

use alloc::vec::Vec;
use ecdsa::hazmat::{sign_prehashed, verify_prehashed};
use ecdsa::{Signature, SignatureSize};
use elliptic_curve::generic_array::ArrayLength;
use elliptic_curve::ops::Invert;
use elliptic_curve::sec1::{FromEncodedPoint, ModulusSize, ToEncodedPoint};
use elliptic_curve::subtle::CtOption;
use elliptic_curve::{
    AffinePoint, CurveArithmetic, FieldBytes, FieldBytesSize, NonZeroScalar, PrimeCurve, PublicKey, Scalar, SecretKey,
};
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::rng::KernelRng;

/// What the generic functions need of a curve.
pub trait Curve:
    PrimeCurve
    + CurveArithmetic<
        AffinePoint: FromEncodedPoint<Self> + ToEncodedPoint<Self>,
        Scalar: Invert<Output = CtOption<Scalar<Self>>>,
    >
where
    FieldBytesSize<Self>: ModulusSize,
    SignatureSize<Self>: ArrayLength<u8>,
{
}

impl Curve for p192::NistP192 {}
impl Curve for p224::NistP224 {}

/// A fresh key pair: (d, SEC1 uncompressed point).
pub fn generate<C: Curve>() -> (Zeroizing<Vec<u8>>, Vec<u8>)
where
    FieldBytesSize<C>: ModulusSize,
    SignatureSize<C>: ArrayLength<u8>,
{
    let sk = SecretKey::<C>::random(&mut KernelRng);
    let point = sk.public_key().to_encoded_point(false).as_bytes().to_vec();
    (Zeroizing::new(sk.to_bytes().to_vec()), point)
}

/// `r || s` over the field-sized digest `z` with private value `d`.
pub fn sign<C: Curve>(d: &[u8], z: &[u8]) -> Result<Vec<u8>, TeeError>
where
    FieldBytesSize<C>: ModulusSize,
    SignatureSize<C>: ArrayLength<u8>,
{
    let sk = SecretKey::<C>::from_slice(d).map_err(|_| TeeError::BadParameters)?;
    let d = sk.to_nonzero_scalar();
    let z = FieldBytes::<C>::clone_from_slice(z);
    // A fresh random k per signature; retry in the negligible case r or
    // s is zero.
    for _ in 0..8 {
        let k = NonZeroScalar::<C>::random(&mut KernelRng);
        if let Ok((sig, _)) = sign_prehashed::<C, Scalar<C>>(&d, *k, &z) {
            return Ok(sig.to_bytes().to_vec());
        }
    }
    Err(TeeError::Generic)
}

/// Whether `r || s` signs `z` for the SEC1 point; SIGNATURE_INVALID if not
/// (or if the point is not on the curve).
pub fn verify<C: Curve>(point: &[u8], z: &[u8], sig: &[u8]) -> Result<(), TeeError>
where
    FieldBytesSize<C>: ModulusSize,
    SignatureSize<C>: ArrayLength<u8>,
{
    let invalid = TeeError::SignatureInvalid;
    let pk = PublicKey::<C>::from_sec1_bytes(point).map_err(|_| invalid)?;
    let sig = Signature::<C>::from_slice(sig).map_err(|_| invalid)?;
    let z = FieldBytes::<C>::clone_from_slice(z);
    verify_prehashed::<C>(&pk.to_projective(), &z, &sig).map_err(|_| invalid)
}

/// The x coordinate of d * peer (BAD_PARAMETERS for a point off the curve).
pub fn ecdh<C: Curve>(d: &[u8], peer: &[u8]) -> Result<Zeroizing<Vec<u8>>, TeeError>
where
    FieldBytesSize<C>: ModulusSize,
    SignatureSize<C>: ArrayLength<u8>,
{
    let sk = SecretKey::<C>::from_slice(d).map_err(|_| TeeError::BadParameters)?;
    let pk = PublicKey::<C>::from_sec1_bytes(peer).map_err(|_| TeeError::BadParameters)?;
    let shared = (pk.to_projective() * *sk.to_nonzero_scalar()).into();
    let enc = <AffinePoint<C> as ToEncodedPoint<C>>::to_encoded_point(&shared, false);
    let x = enc.x().ok_or(TeeError::BadParameters)?;
    Ok(Zeroizing::new(x.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;
    use sha2::Digest as _;

    /// RFC 6979 appendix A.2.3 (ECDSA, P-192): the key pair and the
    /// SHA-256 signature of "sample" verify; a changed digest does not.
    #[test]
    fn p192_rfc6979_verifies() {
        let d = hex("6fab034934e4c0fc9ae67f5b5659a9d7d1fefd187ee09fd4");
        let point =
            hex("04ac2c77f529f91689fea0ea5efec7f210d8eea0b9e047ed563bc723e57670bd4887ebc732c523063d0a7c957bc97c1c43");
        let sig =
            hex("4b0b8ce98a92866a2820e20aa6b75b56382e0f9bfd5ecb55ccdb006926ea9565cbadc840829d8c384e06de1f1e381b85");
        let z = sha2::Sha256::digest(b"sample");
        assert_eq!(verify::<p192::NistP192>(&point, &z[..24], &sig), Ok(()));
        let mut bad = z;
        bad[0] ^= 1;
        assert_eq!(verify::<p192::NistP192>(&point, &bad[..24], &sig), Err(TeeError::SignatureInvalid));
        // Our own signatures verify under the same key.
        let ours = sign::<p192::NistP192>(&d, &z[..24]).unwrap();
        assert_eq!(verify::<p192::NistP192>(&point, &z[..24], &ours), Ok(()));
        // d * G is the published point: ECDH with G as the peer.
        let g =
            hex("04188da80eb03090f67cbf20eb43a18800f4ff0afd82ff101207192b95ffc8da78631011ed6b24cdd573f977a11e794811");
        assert_eq!(&ecdh::<p192::NistP192>(&d, &g).unwrap()[..], &point[1..25]);
    }

    /// P-224: two parties agree (ECDH), signatures verify, and d * G of
    /// RFC 6979 appendix A.2.4's key is its published x.
    #[test]
    fn p224_agrees_and_signs() {
        let d = hex("f220266e1105bfe3083e03ec7a3a654651f45e37167e88600bf257c1");
        let g = hex(
            "04b70e0cbd6bb4bf7f321390b94a03c1d356c21122343280d6115c1d21bd376388b5f723fb4c22dfe6cd4375a05a07476444d5819985007e34",
        );
        let x = ecdh::<p224::NistP224>(&d, &g).unwrap();
        assert_eq!(&x[..], &hex("00cf08da5ad719e42707fa431292dea11244d64fc51610d94b130d6c")[..]);
        let (da, pa) = generate::<p224::NistP224>();
        let (db, pb) = generate::<p224::NistP224>();
        assert_eq!(ecdh::<p224::NistP224>(&da, &pb).unwrap(), ecdh::<p224::NistP224>(&db, &pa).unwrap());
        let z = [7u8; 28];
        let sig = sign::<p224::NistP224>(&da, &z).unwrap();
        assert_eq!(verify::<p224::NistP224>(&pa, &z, &sig), Ok(()));
        assert_eq!(verify::<p224::NistP224>(&pb, &z, &sig), Err(TeeError::SignatureInvalid));
    }
}
