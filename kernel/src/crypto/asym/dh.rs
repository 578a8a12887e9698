//! Finite-field Diffie-Hellman (PKCS #3, RFC 2631): `TEE_TYPE_DH_KEYPAIR`
//! generation and `TEE_ALG_DH_DERIVE_SHARED_SECRET`, with upstream OP-TEE
//! 4.5's rules (`core/lib/libtomcrypt/dh.c`, its `dh_make_key.c` and
//! `syscall_cryp_derive_key` in `core/tee/tee_svc_cryp.c`). No RustCrypto
//! crate implements classic DH; the modular arithmetic is the reviewed
//! `num-bigint-dig` the `rsa` crate already brings, and the host tests use
//! RFC 5114's published 1024-bit group with its test keys.

extern crate alloc;

use ::rsa::BigUint;
use alloc::vec::Vec;
use tee_abi::gp::attr;
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::super::Attr;
use super::attrs::{AsymKey, AttrDef, GEN_KEY_OPT, GEN_KEY_REQ, Kind, OPTIONAL_GROUP, REQUIRED, SIZE_INDICATOR};
use super::rng::KernelRng;

/// Upstream's `tee_cryp_obj_dh_keypair_attrs`.
pub const DH_KEYPAIR: [AttrDef; 6] = [
    AttrDef { id: attr::DH_PRIME, flags: REQUIRED | SIZE_INDICATOR | GEN_KEY_REQ, kind: Kind::Bignum },
    AttrDef { id: attr::DH_BASE, flags: REQUIRED | GEN_KEY_REQ, kind: Kind::Bignum },
    AttrDef { id: attr::DH_PUBLIC_VALUE, flags: REQUIRED, kind: Kind::Bignum },
    AttrDef { id: attr::DH_PRIVATE_VALUE, flags: REQUIRED, kind: Kind::Bignum },
    AttrDef { id: attr::DH_SUBPRIME, flags: OPTIONAL_GROUP | GEN_KEY_OPT, kind: Kind::Bignum },
    AttrDef { id: attr::DH_X_BITS, flags: GEN_KEY_OPT, kind: Kind::Value },
];

/// `crypto_acipher_gen_dh_key` + `dh_make_key`: `bits` must be the size
/// of p; x is drawn from as many random bytes as X_BITS asks (else as q or
/// p has) and reduced modulo q (when shorter than p) or p; y = g^x mod p.
pub fn generate(key: &mut AsymKey, bits: u32) -> Result<(), TeeError> {
    let p_bytes = key.need(attr::DH_PRIME)?;
    if bits as usize != 8 * p_bytes.len() {
        return Err(TeeError::BadParameters);
    }
    let p = BigUint::from_bytes_be(p_bytes);
    let g = BigUint::from_bytes_be(key.need(attr::DH_BASE)?);
    let q = key.get(attr::DH_SUBPRIME).map(|b| (b.len(), BigUint::from_bytes_be(b)));
    let xbits = key.get(attr::DH_X_BITS).map_or(0, |v| u32::from_le_bytes(v.try_into().unwrap_or([0; 4])) as usize);
    if !xbits.is_multiple_of(8) || xbits / 8 > p_bytes.len() || q.as_ref().is_some_and(|(ql, _)| xbits / 8 > *ql) {
        return Err(TeeError::BadParameters);
    }
    let size = match (xbits, &q) {
        (0, Some((ql, _))) => (*ql).min(p_bytes.len()),
        (0, None) => p_bytes.len(),
        (x, _) => x / 8,
    };
    let modulus = match &q {
        Some((ql, q)) if *ql < p_bytes.len() => q.clone(),
        _ => p.clone(),
    };
    let one = BigUint::from(1u8);
    if p <= one || modulus <= BigUint::from(2u8) {
        return Err(TeeError::BadParameters);
    }
    let mut buf = Zeroizing::new(alloc::vec![0u8; size]);
    // A private value of 0 or 1 would give a trivial key: draw again.
    let x = loop {
        rand_core::RngCore::fill_bytes(&mut KernelRng, &mut buf);
        let x = BigUint::from_bytes_be(&buf) % &modulus;
        if x > one {
            break x;
        }
    };
    let y = g.modpow(&x, &p);
    key.set(attr::DH_PRIVATE_VALUE, x.to_bytes_be());
    key.set(attr::DH_PUBLIC_VALUE, y.to_bytes_be());
    if xbits == 0 {
        // Upstream reports the attribute as set (value 0 when not given).
        key.set(attr::DH_X_BITS, alloc::vec![0; 4]);
    }
    Ok(())
}

/// `DH_DERIVE_SHARED_SECRET`: exactly one parameter, the peer's public
/// value; the secret is peer^x mod p without leading zeros.
pub fn derive(key: &AsymKey, params: &[Attr]) -> Result<Zeroizing<Vec<u8>>, TeeError> {
    let [peer] = params else {
        return Err(TeeError::BadParameters);
    };
    if peer.id != attr::DH_PUBLIC_VALUE {
        return Err(TeeError::BadParameters);
    }
    let p = BigUint::from_bytes_be(key.need(attr::DH_PRIME)?);
    if p <= BigUint::from(1u8) {
        return Err(TeeError::BadParameters);
    }
    let x = BigUint::from_bytes_be(key.need(attr::DH_PRIVATE_VALUE)?);
    let y = BigUint::from_bytes_be(&peer.data);
    Ok(Zeroizing::new(y.modpow(&x, &p).to_bytes_be()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;

    /// The group of RFC 5114 section 2.1 (1024-bit MODP, 160-bit subgroup).
    const P: &str = "b10b8f96a080e01dde92de5eae5d54ec52c99fbcfb06a3c69a6a9dca52d23b616073e28675a23d189838ef1e2ee652c013ecb4aea906112324975c3cd49b83bfaccbdd7d90c4bd7098488e9c219a73724effd6fae5644738faa31a4ff55bccc0a151af5f0dc8b4bd45bf37df365c1a65e68cfda76d4da708df1fb2bc2e4a4371";
    const G: &str = "a4d1cbd5c3fd34126765a442efb99905f8104dd258ac507fd6406cff14266d31266fea1e5c41564b777e690f5504f213160217b4b01b886a5e91547f9e2749f4d7fbd7d3b9a92ee1909d0d2263f80a76a6a24c087a091f531dbf0a0169b6a28ad662a4d18e73afa32d779d5918d08bc8858f4dcef97c2a24855e6eeb22b3b2e5";
    const XA: &str = "b9a3b3ae8fefc1a2930496507086f8455d48943e";

    #[test]
    fn rfc5114_group_agrees() {
        let mut a = AsymKey::default();
        a.set(attr::DH_PRIME, hex(P));
        a.set(attr::DH_BASE, hex(G));
        a.set(attr::DH_PRIVATE_VALUE, hex(XA));
        // Two generated parties over the group agree.
        let mut b = AsymKey::default();
        b.set(attr::DH_PRIME, hex(P));
        b.set(attr::DH_BASE, hex(G));
        generate(&mut b, 1024).unwrap();
        let mut c = b.clone();
        generate(&mut c, 1024).unwrap();
        let pub_of =
            |k: &AsymKey| Attr { id: attr::DH_PUBLIC_VALUE, data: k.get(attr::DH_PUBLIC_VALUE).unwrap().to_vec() };
        assert_eq!(derive(&b, &[pub_of(&c)]).unwrap(), derive(&c, &[pub_of(&b)]).unwrap());
        assert_eq!(generate(&mut b.clone(), 2048), Err(TeeError::BadParameters), "size is p's");
        // Parameter checks.
        // With g as the peer the secret is g^x mod p.
        let peer = Attr { id: attr::DH_PUBLIC_VALUE, data: hex(G) };
        let want =
            BigUint::from_bytes_be(&hex(G)).modpow(&BigUint::from_bytes_be(&hex(XA)), &BigUint::from_bytes_be(&hex(P)));
        assert_eq!(derive(&a, &[peer]).unwrap().to_vec(), want.to_bytes_be());
        let wrong = Attr { id: attr::DH_PRIME, data: hex(G) };
        assert_eq!(derive(&a, &[wrong]).err(), Some(TeeError::BadParameters));
        assert_eq!(derive(&a, &[]).err(), Some(TeeError::BadParameters));
        // X_BITS bounds the private value.
        let mut d = AsymKey::default();
        d.set(attr::DH_PRIME, hex(P));
        d.set(attr::DH_BASE, hex(G));
        d.set(attr::DH_X_BITS, 160u32.to_le_bytes().to_vec());
        generate(&mut d, 1024).unwrap();
        assert!(d.get(attr::DH_PRIVATE_VALUE).unwrap().len() <= 20);
    }
}
