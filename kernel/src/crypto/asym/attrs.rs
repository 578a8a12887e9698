//! Asymmetric object types and their attributes, as upstream's
//! `tee_cryp_obj_props[]` describes them (`core/tee/tee_svc_cryp.c`,
//! OP-TEE 4.5): which attributes a type has, which populate and generate
//! need, which one gives the key size, and how each is stored.
//!
//! Values are kept as bytes: big numbers without leading zeros (as
//! upstream's bignums give them back), 25519 keys as their 32 bytes, value
//! attributes as the little-endian `a`.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::super::Attr;
use super::*;
use tee_abi::gp::object_type;

/// `TEE_TYPE_ATTR_*` flags of one attribute of a type.
pub const REQUIRED: u8 = 1 << 1;
pub const OPTIONAL_GROUP: u8 = 1 << 2;
pub const SIZE_INDICATOR: u8 = 1 << 3;
pub const GEN_KEY_OPT: u8 = 1 << 4;
pub const GEN_KEY_REQ: u8 = 1 << 5;

/// How an attribute's bytes are held (upstream's `ATTR_OPS_INDEX_*`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Big-endian unsigned integer, leading zeros dropped.
    Bignum,
    /// A value attribute: only `a` is kept.
    Value,
    /// Exactly 32 bytes (Curve25519 keys).
    Bytes25519,
}

/// One attribute of a type.
pub struct AttrDef {
    pub id: u32,
    pub flags: u8,
    pub kind: Kind,
}

/// One asymmetric object type: key sizes in bits and its attributes.
pub struct TypeProps {
    pub obj_type: u32,
    pub min_bits: u32,
    pub max_bits: u32,
    pub attrs: &'static [AttrDef],
}

const fn def(id: u32, flags: u8, kind: Kind) -> AttrDef {
    AttrDef { id, flags, kind }
}

const RSA_PUBLIC: [AttrDef; 2] = [
    def(ATTR_RSA_MODULUS, REQUIRED | SIZE_INDICATOR, Kind::Bignum),
    def(ATTR_RSA_PUBLIC_EXPONENT, REQUIRED, Kind::Bignum),
];
const RSA_KEYPAIR: [AttrDef; 8] = [
    def(ATTR_RSA_MODULUS, REQUIRED | SIZE_INDICATOR, Kind::Bignum),
    def(ATTR_RSA_PUBLIC_EXPONENT, REQUIRED | GEN_KEY_OPT, Kind::Bignum),
    def(ATTR_RSA_PRIVATE_EXPONENT, REQUIRED, Kind::Bignum),
    def(ATTR_RSA_PRIME1, OPTIONAL_GROUP, Kind::Bignum),
    def(ATTR_RSA_PRIME2, OPTIONAL_GROUP, Kind::Bignum),
    def(ATTR_RSA_EXPONENT1, OPTIONAL_GROUP, Kind::Bignum),
    def(ATTR_RSA_EXPONENT2, OPTIONAL_GROUP, Kind::Bignum),
    def(ATTR_RSA_COEFFICIENT, OPTIONAL_GROUP, Kind::Bignum),
];
const ECC_PUBLIC: [AttrDef; 3] = [
    def(ATTR_ECC_PUBLIC_VALUE_X, REQUIRED, Kind::Bignum),
    def(ATTR_ECC_PUBLIC_VALUE_Y, REQUIRED, Kind::Bignum),
    def(ATTR_ECC_CURVE, REQUIRED | SIZE_INDICATOR, Kind::Value),
];
const ECC_KEYPAIR: [AttrDef; 4] = [
    def(ATTR_ECC_PRIVATE_VALUE, REQUIRED, Kind::Bignum),
    def(ATTR_ECC_PUBLIC_VALUE_X, REQUIRED, Kind::Bignum),
    def(ATTR_ECC_PUBLIC_VALUE_Y, REQUIRED, Kind::Bignum),
    def(ATTR_ECC_CURVE, REQUIRED | SIZE_INDICATOR | GEN_KEY_REQ, Kind::Value),
];
const X25519_KEYPAIR: [AttrDef; 2] = [
    def(ATTR_X25519_PRIVATE_VALUE, REQUIRED, Kind::Bytes25519),
    def(ATTR_X25519_PUBLIC_VALUE, REQUIRED, Kind::Bytes25519),
];
const ED25519_PUBLIC: [AttrDef; 1] = [def(ATTR_ED25519_PUBLIC_VALUE, REQUIRED, Kind::Bytes25519)];
const ED25519_KEYPAIR: [AttrDef; 2] = [
    def(ATTR_ED25519_PRIVATE_VALUE, REQUIRED, Kind::Bytes25519),
    def(ATTR_ED25519_PUBLIC_VALUE, REQUIRED, Kind::Bytes25519),
];

/// `CFG_CORE_BIGNUM_MAX_BITS` (upstream's default).
pub const RSA_MAX_BITS: u32 = 4096;

/// The asymmetric rows of upstream's table. OP-TEE 4.5 has no row for
/// `TEE_TYPE_X25519_PUBLIC_KEY`: allocating one is NOT_SUPPORTED there
/// too, and X25519 peers' keys travel as derive parameters.
pub const TYPES: [TypeProps; 18] = [
    TypeProps { obj_type: object_type::SM2_DSA_PUBLIC_KEY, min_bits: 256, max_bits: 256, attrs: &sm2::SM2_PUBLIC },
    TypeProps { obj_type: object_type::SM2_DSA_KEYPAIR, min_bits: 256, max_bits: 256, attrs: &sm2::SM2_KEYPAIR },
    TypeProps { obj_type: object_type::SM2_PKE_PUBLIC_KEY, min_bits: 256, max_bits: 256, attrs: &sm2::SM2_PUBLIC },
    TypeProps { obj_type: object_type::SM2_PKE_KEYPAIR, min_bits: 256, max_bits: 256, attrs: &sm2::SM2_KEYPAIR },
    TypeProps { obj_type: object_type::SM2_KEP_PUBLIC_KEY, min_bits: 256, max_bits: 256, attrs: &sm2::SM2_PUBLIC },
    TypeProps { obj_type: object_type::SM2_KEP_KEYPAIR, min_bits: 256, max_bits: 256, attrs: &sm2::SM2_KEYPAIR },
    TypeProps {
        obj_type: tee_abi::gp::object_type::DSA_PUBLIC_KEY,
        min_bits: 512,
        max_bits: 3072,
        attrs: &super::dsa::DSA_PUBLIC,
    },
    TypeProps {
        obj_type: tee_abi::gp::object_type::DSA_KEYPAIR,
        min_bits: 512,
        max_bits: 3072,
        attrs: &super::dsa::DSA_KEYPAIR,
    },
    TypeProps {
        obj_type: tee_abi::gp::object_type::DH_KEYPAIR,
        min_bits: 256,
        max_bits: 2048,
        attrs: &super::dh::DH_KEYPAIR,
    },
    TypeProps { obj_type: TYPE_RSA_PUBLIC_KEY, min_bits: 256, max_bits: RSA_MAX_BITS, attrs: &RSA_PUBLIC },
    TypeProps { obj_type: TYPE_RSA_KEYPAIR, min_bits: 256, max_bits: RSA_MAX_BITS, attrs: &RSA_KEYPAIR },
    TypeProps { obj_type: TYPE_ECDSA_PUBLIC_KEY, min_bits: 192, max_bits: 521, attrs: &ECC_PUBLIC },
    TypeProps { obj_type: TYPE_ECDSA_KEYPAIR, min_bits: 192, max_bits: 521, attrs: &ECC_KEYPAIR },
    TypeProps { obj_type: TYPE_ECDH_PUBLIC_KEY, min_bits: 192, max_bits: 521, attrs: &ECC_PUBLIC },
    TypeProps { obj_type: TYPE_ECDH_KEYPAIR, min_bits: 192, max_bits: 521, attrs: &ECC_KEYPAIR },
    TypeProps { obj_type: TYPE_X25519_KEYPAIR, min_bits: 256, max_bits: 256, attrs: &X25519_KEYPAIR },
    TypeProps { obj_type: TYPE_ED25519_PUBLIC_KEY, min_bits: 256, max_bits: 256, attrs: &ED25519_PUBLIC },
    TypeProps { obj_type: TYPE_ED25519_KEYPAIR, min_bits: 256, max_bits: 256, attrs: &ED25519_KEYPAIR },
];

/// The row of `obj_type`, if it is an asymmetric type we know.
pub fn props(obj_type: u32) -> Option<&'static TypeProps> {
    TYPES.iter().find(|t| t.obj_type == obj_type)
}

impl TypeProps {
    fn index(&self, id: u32) -> Option<usize> {
        self.attrs.iter().position(|a| a.id == id)
    }

    /// `check_key_size` (quanta 64 for DSA, 1 for the other asymmetric
    /// types).
    pub fn check_size(&self, bits: u32) -> Result<(), TeeError> {
        let quanta = if self.obj_type & 0xff == 0x31 { 64 } else { 1 };
        if bits < self.min_bits || bits > self.max_bits || !bits.is_multiple_of(quanta) {
            return Err(TeeError::NotSupported);
        }
        Ok(())
    }

    /// `tee_svc_cryp_check_attr`: every attribute known, none repeated,
    /// the required ones there and, on populate, the optional group whole
    /// or absent. `generate` selects the generate-key flags.
    pub fn check_attrs(&self, attrs: &[Attr], generate: bool) -> Result<(), TeeError> {
        let (required, optional) = if generate { (GEN_KEY_REQ, GEN_KEY_OPT) } else { (REQUIRED, OPTIONAL_GROUP) };
        let (mut req, mut opt, mut found) = (0u32, 0u32, 0u32);
        for (n, a) in self.attrs.iter().enumerate() {
            if a.flags & required != 0 {
                req |= 1 << n;
            } else if a.flags & optional != 0 {
                opt |= 1 << n;
            }
        }
        for a in attrs {
            let bit = 1 << self.index(a.id).ok_or(TeeError::ItemNotFound)?;
            if found & bit != 0 || bit & (req | opt) == 0 {
                return Err(TeeError::ItemNotFound);
            }
            found |= bit;
        }
        if found & req != req {
            return Err(TeeError::ItemNotFound);
        }
        if !generate && found & opt != 0 && found & opt != opt {
            return Err(TeeError::ItemNotFound);
        }
        Ok(())
    }

    /// `tee_svc_cryp_obj_populate_type`: stores `attrs` into `key` and
    /// returns the key size the size-indicating attribute gives (0 if none
    /// was passed). `max_bits` is the object's maximum.
    pub fn populate(&self, key: &mut AsymKey, attrs: &[Attr], max_bits: u32) -> Result<u32, TeeError> {
        let mut size = 0u32;
        for a in attrs {
            let d = &self.attrs[self.index(a.id).ok_or(TeeError::ItemNotFound)?];
            let stored = match d.kind {
                // No asymmetric number is longer than the largest RSA
                // modulus; refusing longer ones bounds the work a key
                // costs later (upstream's bignums have that size too).
                Kind::Bignum if strip(&a.data).len() > RSA_MAX_BITS as usize / 8 => {
                    return Err(TeeError::BadParameters);
                }
                Kind::Bignum => strip(&a.data).to_vec(),
                Kind::Value => a.data.get(..4).ok_or(TeeError::Generic)?.to_vec(),
                Kind::Bytes25519 => {
                    if a.data.len() != 32 {
                        return Err(TeeError::Security);
                    }
                    a.data.clone()
                }
            };
            if d.flags & SIZE_INDICATOR != 0 {
                if size != 0 {
                    return Err(TeeError::BadState);
                }
                size = if a.id == ATTR_ECC_CURVE {
                    curve_bits(u32::from_le_bytes([stored[0], stored[1], stored[2], stored[3]]))?
                } else {
                    u32::try_from(a.data.len() * 8).map_err(|_| TeeError::BadState)?
                };
                if size > max_bits {
                    return Err(TeeError::BadState);
                }
                self.check_size(size).map_err(|_| TeeError::BadParameters)?;
            }
            key.set(a.id, stored);
        }
        Ok(size)
    }

    /// `CRYP_OBJ_GET_ATTR` once access was granted: the bytes to hand out.
    pub fn get(&self, key: &AsymKey, id: u32) -> Result<Vec<u8>, TeeError> {
        let d = &self.attrs[self.index(id).ok_or(TeeError::ItemNotFound)?];
        let v = key.get(id).ok_or(TeeError::ItemNotFound)?;
        Ok(match d.kind {
            // `struct { u32 a, b }` with b = 0.
            Kind::Value => [v, &[0; 4]].concat(),
            Kind::Bignum | Kind::Bytes25519 => v.to_vec(),
        })
    }
}

/// `get_ec_key_size`.
pub fn curve_bits(curve: u32) -> Result<u32, TeeError> {
    Ok(match curve {
        ECC_CURVE_NIST_P192 => 192,
        ECC_CURVE_NIST_P224 => 224,
        ECC_CURVE_NIST_P256 => 256,
        ECC_CURVE_NIST_P384 => 384,
        ECC_CURVE_NIST_P521 => 521,
        ECC_CURVE_25519 | ECC_CURVE_SM2 => 256,
        _ => return Err(TeeError::NotSupported),
    })
}

/// A value attribute's `a` (0 if the attribute is not a value).
pub fn value_a(a: &Attr) -> u32 {
    a.data.get(..4).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A value attribute's `b`.
pub fn value_b(a: &Attr) -> u32 {
    a.data.get(4..8).map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// A big-endian integer without its leading zero bytes.
pub fn strip(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

/// The attributes of one asymmetric key, wiped on drop.
#[derive(Default, Clone)]
pub struct AsymKey {
    values: Vec<(u32, Zeroizing<Vec<u8>>)>,
}

impl AsymKey {
    /// Sets (or replaces) attribute `id`.
    pub fn set(&mut self, id: u32, value: Vec<u8>) {
        let value = Zeroizing::new(value);
        match self.values.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) => slot.1 = value,
            None => self.values.push((id, value)),
        }
    }

    /// Every attribute present, in the order they were set.
    pub fn values(&self) -> impl Iterator<Item = (u32, &[u8])> {
        self.values.iter().map(|(id, v)| (*id, v.as_slice()))
    }

    /// Attribute `id`, if present.
    pub fn get(&self, id: u32) -> Option<&[u8]> {
        self.values.iter().find(|(i, _)| *i == id).map(|(_, v)| v.as_slice())
    }

    /// Attribute `id` or BAD_PARAMETERS.
    pub fn need(&self, id: u32) -> Result<&[u8], TeeError> {
        self.get(id).ok_or(TeeError::BadParameters)
    }

    /// The curve of an ECC key.
    pub fn curve(&self) -> Result<u32, TeeError> {
        let v = self.need(ATTR_ECC_CURVE)?;
        Ok(u32::from_le_bytes(v.try_into().map_err(|_| TeeError::BadParameters)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn attr(id: u32, data: &[u8]) -> Attr {
        Attr { id, data: data.to_vec() }
    }

    #[test]
    fn check_attrs_follows_upstream_rules() {
        let rsa = props(TYPE_RSA_KEYPAIR).unwrap();
        let base = [
            attr(ATTR_RSA_MODULUS, &[1; 64]),
            attr(ATTR_RSA_PUBLIC_EXPONENT, &[1, 0, 1]),
            attr(ATTR_RSA_PRIVATE_EXPONENT, &[3]),
        ];
        assert_eq!(rsa.check_attrs(&base, false), Ok(()));
        assert_eq!(rsa.check_attrs(&base[..2], false), Err(TeeError::ItemNotFound), "missing d");
        let mut partial = base.to_vec_attrs();
        partial.push(attr(ATTR_RSA_PRIME1, &[5]));
        assert_eq!(rsa.check_attrs(&partial, false), Err(TeeError::ItemNotFound), "half an optional group");
        let dup = [attr(ATTR_RSA_MODULUS, &[1]), attr(ATTR_RSA_MODULUS, &[1])];
        assert_eq!(rsa.check_attrs(&dup, false), Err(TeeError::ItemNotFound));
        // Generation: only the public exponent may be given.
        assert_eq!(rsa.check_attrs(&[], true), Ok(()));
        assert_eq!(rsa.check_attrs(&base[1..2], true), Ok(()));
        assert_eq!(rsa.check_attrs(&base[..1], true), Err(TeeError::ItemNotFound));
        let ecc = props(TYPE_ECDSA_KEYPAIR).unwrap();
        assert_eq!(ecc.check_attrs(&[], true), Err(TeeError::ItemNotFound), "curve required");
        assert_eq!(ecc.check_attrs(&[attr(ATTR_ECC_CURVE, &[3, 0, 0, 0, 0, 0, 0, 0])], true), Ok(()));
    }

    trait ToVecAttrs {
        fn to_vec_attrs(&self) -> Vec<Attr>;
    }
    impl ToVecAttrs for [Attr] {
        fn to_vec_attrs(&self) -> Vec<Attr> {
            self.iter().map(|a| Attr { id: a.id, data: a.data.clone() }).collect()
        }
    }

    #[test]
    fn populate_sizes_and_get() {
        let ecc = props(TYPE_ECDSA_PUBLIC_KEY).unwrap();
        let mut k = AsymKey::default();
        let attrs = [
            attr(ATTR_ECC_PUBLIC_VALUE_X, &[0, 0, 7]),
            attr(ATTR_ECC_PUBLIC_VALUE_Y, &[9]),
            attr(ATTR_ECC_CURVE, &[4, 0, 0, 0, 0, 0, 0, 0]),
        ];
        assert_eq!(ecc.populate(&mut k, &attrs, 256), Err(TeeError::BadState), "P-384 above max 256");
        let mut k = AsymKey::default();
        assert_eq!(ecc.populate(&mut k, &attrs, 521), Ok(384));
        assert_eq!(ecc.get(&k, ATTR_ECC_PUBLIC_VALUE_X).unwrap(), vec![7], "leading zeros dropped");
        assert_eq!(ecc.get(&k, ATTR_ECC_CURVE).unwrap(), vec![4, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(ecc.get(&k, ATTR_RSA_MODULUS), Err(TeeError::ItemNotFound));
        let ed = props(TYPE_ED25519_PUBLIC_KEY).unwrap();
        assert_eq!(
            ed.populate(&mut AsymKey::default(), &[attr(ATTR_ED25519_PUBLIC_VALUE, &[0; 31])], 256),
            Err(TeeError::Security)
        );
        let rsa = props(TYPE_RSA_PUBLIC_KEY).unwrap();
        let small = [attr(ATTR_RSA_MODULUS, &[1; 16]), attr(ATTR_RSA_PUBLIC_EXPONENT, &[3])];
        assert_eq!(
            rsa.populate(&mut AsymKey::default(), &small, 2048),
            Err(TeeError::BadParameters),
            "128-bit modulus"
        );
        assert_eq!(curve_bits(0x99), Err(TeeError::NotSupported));
    }
}
