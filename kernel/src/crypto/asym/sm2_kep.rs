//! SM2 key exchange (`TEE_ALG_SM2_KEP`, GM/T 0003.3-2012 section 6.1) as
//! upstream OP-TEE 4.5 runs it (`get_sm2_kep_params` and the SM2_KEP arm of
//! `syscall_cryp_derive_key` in `core/tee/tee_svc_cryp.c`,
//! `core/lib/libtomcrypt/sm2-kep.c`): the state's key1 is our key pair,
//! key2 our ephemeral key pair; the peer's keys, both identities and our
//! role come as parameters; the shared key is KDF(xU || yU || ZA || ZB)
//! as long as the output object's maximum size taken in bytes (as
//! upstream does). Point arithmetic is the RustCrypto `sm2` crate's;
//! there is no RustCrypto KEP, so the protocol steps are written here and
//! tested against GM/T 0003.5's example B.2.

extern crate alloc;

use alloc::vec::Vec;
use elliptic_curve::ops::Reduce;
use elliptic_curve::sec1::ToEncodedPoint;
use sm3::Digest as _;
use tee_abi::gp::attr;
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

use super::super::Attr;
use super::attrs::{AsymKey, strip, value_a};
use super::sm2::kdf;

/// OP-TEE's older IDs of the peer's ephemeral key
/// (`__OPTEE_SM2_KEP_ATTR_ECC_EPHEMERAL_PUBLIC_VALUE_*`,
/// `tee_api_defines_extensions.h` 4.5.0), still taken.
const OPTEE_EPH_X: u32 = 0xD000_0946;
const OPTEE_EPH_Y: u32 = 0xD000_0A46;

/// The curve's a, b, Gx, Gy (GB/T 32918.5-2017), hashed into Z.
const CURVE_ABG: [&str; 4] = [
    "fffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffc",
    "28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93",
    "32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7",
    "bc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0",
];

fn unhex(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        let d = |c: u8| if c.is_ascii_digit() { c - b'0' } else { c - b'a' + 10 };
        *b = d(s.as_bytes()[2 * i]) << 4 | d(s.as_bytes()[2 * i + 1]);
    }
    out
}

/// `b` left-padded to 32 bytes; BAD_STATE if longer.
fn field(b: &[u8]) -> Result<[u8; 32], TeeError> {
    let b = strip(b);
    if b.len() > 32 {
        return Err(TeeError::BadState);
    }
    let mut out = [0u8; 32];
    out[32 - b.len()..].copy_from_slice(b);
    Ok(out)
}

/// A point from its coordinates; BAD_STATE off the curve (upstream's
/// step A6 failure).
fn point(x: &[u8], y: &[u8]) -> Result<sm2::AffinePoint, TeeError> {
    let mut p = alloc::vec![4u8];
    p.extend_from_slice(&field(x)?);
    p.extend_from_slice(&field(y)?);
    Ok(*sm2::PublicKey::from_sec1_bytes(&p).map_err(|_| TeeError::BadState)?.as_affine())
}

fn xy(p: &sm2::AffinePoint) -> ([u8; 32], [u8; 32]) {
    let e = p.to_encoded_point(false);
    let mut x = [0u8; 32];
    let mut y = [0u8; 32];
    x.copy_from_slice(&e.as_bytes()[1..33]);
    y.copy_from_slice(&e.as_bytes()[33..]);
    (x, y)
}

fn scalar(d: &[u8]) -> Result<sm2::Scalar, TeeError> {
    Ok(<sm2::Scalar as Reduce<sm2::U256>>::reduce_bytes(&field(d)?.into()))
}

/// Z = SM3(ENTL || ID || a || b || xG || yG || x || y), ENTL the ID's
/// length in bits over 16 bits (truncated as upstream).
fn z(id: &[u8], p: &sm2::AffinePoint) -> [u8; 32] {
    let entl = ((id.len() * 8) as u16).to_be_bytes();
    let mut h = sm3::Sm3::new().chain_update(entl).chain_update(id);
    for c in CURVE_ABG {
        h.update(unhex(c));
    }
    let (x, y) = xy(p);
    h.chain_update(x).chain_update(y).finalize().into()
}

/// x̄ = 2^127 + (x mod 2^127).
fn x_bar(p: &sm2::AffinePoint) -> sm2::Scalar {
    let (x, _) = xy(p);
    let mut low = [0u8; 32];
    low[16..].copy_from_slice(&x[16..]);
    low[16] |= 0x80;
    <sm2::Scalar as Reduce<sm2::U256>>::reduce_bytes(&low.into())
}

/// S = SM3(flag || yU || SM3(xU || ZA || ZB || x1 || y1 || x2 || y2)).
fn confirmation(
    flag: u8,
    u: &sm2::AffinePoint,
    zazb: &[u8],
    r_init: &sm2::AffinePoint,
    r_resp: &sm2::AffinePoint,
) -> [u8; 32] {
    let (xu, yu) = xy(u);
    let (x1, y1) = xy(r_init);
    let (x2, y2) = xy(r_resp);
    let inner = sm3::Sm3::new()
        .chain_update(xu)
        .chain_update(zazb)
        .chain_update(x1)
        .chain_update(y1)
        .chain_update(x2)
        .chain_update(y2)
        .finalize();
    sm3::Sm3::new().chain_update([flag]).chain_update(yu).chain_update(inner).finalize().into()
}

/// The parameters `get_sm2_kep_params` collects.
struct Params<'a> {
    initiator: bool,
    peer: [&'a [u8]; 2],
    peer_eph: [&'a [u8]; 2],
    id_init: &'a [u8],
    id_resp: &'a [u8],
    conf_in: Option<&'a [u8]>,
    conf_out_len: Option<usize>,
}

/// `get_sm2_kep_params`: an unknown attribute or a missing mandatory one
/// is BAD_PARAMETERS.
fn params(attrs: &[Attr]) -> Result<Params<'_>, TeeError> {
    let mut p = Params {
        initiator: false,
        peer: [&[], &[]],
        peer_eph: [&[], &[]],
        id_init: &[],
        id_resp: &[],
        conf_in: None,
        conf_out_len: None,
    };
    let mut found = 0u8;
    for a in attrs {
        let bit = match a.id {
            attr::SM2_KEP_USER => {
                p.initiator = value_a(a) == 0;
                0
            }
            attr::ECC_PUBLIC_VALUE_X => {
                p.peer[0] = &a.data;
                1
            }
            attr::ECC_PUBLIC_VALUE_Y => {
                p.peer[1] = &a.data;
                2
            }
            attr::ECC_EPHEMERAL_PUBLIC_VALUE_X | OPTEE_EPH_X => {
                p.peer_eph[0] = &a.data;
                3
            }
            attr::ECC_EPHEMERAL_PUBLIC_VALUE_Y | OPTEE_EPH_Y => {
                p.peer_eph[1] = &a.data;
                4
            }
            attr::SM2_ID_INITIATOR => {
                p.id_init = &a.data;
                5
            }
            attr::SM2_ID_RESPONDER => {
                p.id_resp = &a.data;
                6
            }
            attr::SM2_KEP_CONFIRMATION_IN => {
                p.conf_in = Some(&a.data);
                continue;
            }
            attr::SM2_KEP_CONFIRMATION_OUT => {
                p.conf_out_len = Some(a.data.len());
                continue;
            }
            _ => return Err(TeeError::BadParameters),
        };
        found |= 1 << bit;
    }
    if found != 0x7f {
        return Err(TeeError::BadParameters);
    }
    Ok(p)
}

/// The shared key of `out_len` bytes (GM/T 0003.3 steps A4-A10 / B3-B9).
/// A confirmation from the peer that does not match is BAD_STATE, one
/// shorter than 32 bytes BAD_PARAMETERS (upstream `sm2_kep_derive`; our
/// own confirmation is computed only for that length check, as upstream
/// never hands it back).
pub fn derive(
    mine: &AsymKey,
    mine_eph: &AsymKey,
    attrs: &[Attr],
    out_len: usize,
) -> Result<Zeroizing<Vec<u8>>, TeeError> {
    let p = params(attrs)?;
    let d = scalar(mine.need(attr::ECC_PRIVATE_VALUE)?)?;
    let r = scalar(mine_eph.need(attr::ECC_PRIVATE_VALUE)?)?;
    let my_pub = point(mine.need(attr::ECC_PUBLIC_VALUE_X)?, mine.need(attr::ECC_PUBLIC_VALUE_Y)?)?;
    let my_eph = point(mine_eph.need(attr::ECC_PUBLIC_VALUE_X)?, mine_eph.need(attr::ECC_PUBLIC_VALUE_Y)?)?;
    let peer = point(p.peer[0], p.peer[1])?;
    let peer_eph = point(p.peer_eph[0], p.peer_eph[1])?;
    // t = (d + x̄ r) mod n; U = [h t](P_peer + [x̄_peer] R_peer), h = 1.
    let t = d + x_bar(&my_eph) * r;
    let sum = sm2::ProjectivePoint::from(peer) + sm2::ProjectivePoint::from(peer_eph) * x_bar(&peer_eph);
    let u: sm2::AffinePoint = (sum * t).into();
    if bool::from(elliptic_curve::group::Group::is_identity(&sm2::ProjectivePoint::from(u))) {
        return Err(TeeError::BadState);
    }
    let (init_key, resp_key) = if p.initiator { (&my_pub, &peer) } else { (&peer, &my_pub) };
    let (init_eph, resp_eph) = if p.initiator { (&my_eph, &peer_eph) } else { (&peer_eph, &my_eph) };
    let (xu, yu) = xy(&u);
    let mut zazb = [0u8; 64];
    zazb[..32].copy_from_slice(&z(p.id_init, init_key));
    zazb[32..].copy_from_slice(&z(p.id_resp, resp_key));
    let mut seed = Zeroizing::new(Vec::new());
    seed.extend_from_slice(&xu);
    seed.extend_from_slice(&yu);
    seed.extend_from_slice(&zazb);
    let key = kdf(&seed, out_len)?;
    if let Some(conf) = p.conf_in {
        if conf.len() < 32 {
            return Err(TeeError::BadParameters);
        }
        let flag = if p.initiator { 0x02 } else { 0x03 };
        let s = confirmation(flag, &u, &zazb, init_eph, resp_eph);
        if !bool::from(elliptic_curve::subtle::ConstantTimeEq::ct_eq(&s[..], &conf[..32])) {
            return Err(TeeError::BadState);
        }
    }
    if p.conf_out_len.is_some_and(|l| l < 32) {
        return Err(TeeError::BadParameters);
    }
    Ok(key)
}

/// Our confirmation for the peer (`TEE_ATTR_SM2_KEP_CONFIRMATION_OUT`'s
/// value), for tests: S_A from the initiator, S_B from the responder.
#[cfg(test)]
fn own_confirmation(mine: &AsymKey, mine_eph: &AsymKey, attrs: &[Attr]) -> [u8; 32] {
    let p = params(attrs).unwrap();
    let d = scalar(mine.need(attr::ECC_PRIVATE_VALUE).unwrap()).unwrap();
    let r = scalar(mine_eph.need(attr::ECC_PRIVATE_VALUE).unwrap()).unwrap();
    let my_pub =
        point(mine.need(attr::ECC_PUBLIC_VALUE_X).unwrap(), mine.need(attr::ECC_PUBLIC_VALUE_Y).unwrap()).unwrap();
    let my_eph =
        point(mine_eph.need(attr::ECC_PUBLIC_VALUE_X).unwrap(), mine_eph.need(attr::ECC_PUBLIC_VALUE_Y).unwrap())
            .unwrap();
    let peer = point(p.peer[0], p.peer[1]).unwrap();
    let peer_eph = point(p.peer_eph[0], p.peer_eph[1]).unwrap();
    let t = d + x_bar(&my_eph) * r;
    let u: sm2::AffinePoint =
        ((sm2::ProjectivePoint::from(peer) + sm2::ProjectivePoint::from(peer_eph) * x_bar(&peer_eph)) * t).into();
    let (ik, rk) = if p.initiator { (&my_pub, &peer) } else { (&peer, &my_pub) };
    let (ie, re) = if p.initiator { (&my_eph, &peer_eph) } else { (&peer_eph, &my_eph) };
    let mut zazb = [0u8; 64];
    zazb[..32].copy_from_slice(&z(p.id_init, ik));
    zazb[32..].copy_from_slice(&z(p.id_resp, rk));
    confirmation(if p.initiator { 0x03 } else { 0x02 }, &u, &zazb, ie, re)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::ops::tests::hex;

    fn key(d: &str, x: &str, y: &str) -> AsymKey {
        let mut k = AsymKey::default();
        k.set(attr::ECC_PRIVATE_VALUE, hex(d));
        k.set(attr::ECC_PUBLIC_VALUE_X, hex(x));
        k.set(attr::ECC_PUBLIC_VALUE_Y, hex(y));
        k
    }

    fn a(id: u32, d: &str) -> Attr {
        Attr { id, data: hex(d) }
    }

    /// GM/T 0003.5-2012 example B.2 (the recommended curve): both sides
    /// derive the published 128-bit key, and each side's confirmation is
    /// the one the other expects.
    #[test]
    fn gmt_0003_5_b2() {
        let ka = key(
            "81eb26e941bb5af16df116495f90695272ae2cd63d6c4ae1678418be48230029",
            "160e12897df4edb61dd812feb96748fbd3ccf4ffe26aa6f6db9540af49c94232",
            "4a7dad08bb9a459531694beb20aa489d6649975e1bfcf8c4741b78b4b223007f",
        );
        let ea = key(
            "d4de15474db74d06491c440d305e012400990f3e390c7e87153c12db2ea60bb3",
            "64ced1bdbc99d590049b434d0fd73428cf608a5db8fe5ce07f15026940bae40e",
            "376629c7ab21e7db260922499ddb118f07ce8eaae3e7720afef6a5cc062070c0",
        );
        let kb = key(
            "785129917d45a9ea5437a59356b82338eaadda6ceb199088f14ae10defa229b5",
            "6ae848c57c53c7b1b5fa99eb2286af078ba64c64591b8b566f7357d576f16dfb",
            "ee489d771621a27b36c5c7992062e9cd09a9264386f3fbea54dff69305621c4d",
        );
        let eb = key(
            "7e07124814b309489125eaed101113164ebf0f3458c5bd88335c1f9d596243d6",
            "acc27688a6f7b706098bc91ff3ad1bff7dc2802cdb14ccccdb0a90471f9bd707",
            "2fedac0494b2ffc4d6853876c79b8f301c6573ad0aa50f39fc87181e1a1b46fe",
        );
        let id = "31323334353637383132333435363738";
        let conf_a = "18c7894b3816df16cf07b05c5ec0bef5d655d58f779cc1b400a4f3884644db88";
        let conf_b = "d3a0fe15dee185ceae907a6b595cc32a266ed7b3367e9983a896dc32fa20f8eb";
        let peer_of = |peer: &AsymKey, eph: &AsymKey, role: u32, conf_in: &str| {
            alloc::vec![
                Attr { id: attr::SM2_KEP_USER, data: [role.to_le_bytes(), [0; 4]].concat() },
                Attr { id: attr::ECC_PUBLIC_VALUE_X, data: peer.get(attr::ECC_PUBLIC_VALUE_X).unwrap().to_vec() },
                Attr { id: attr::ECC_PUBLIC_VALUE_Y, data: peer.get(attr::ECC_PUBLIC_VALUE_Y).unwrap().to_vec() },
                Attr {
                    id: attr::ECC_EPHEMERAL_PUBLIC_VALUE_X,
                    data: eph.get(attr::ECC_PUBLIC_VALUE_X).unwrap().to_vec()
                },
                Attr {
                    id: attr::ECC_EPHEMERAL_PUBLIC_VALUE_Y,
                    data: eph.get(attr::ECC_PUBLIC_VALUE_Y).unwrap().to_vec()
                },
                a(attr::SM2_ID_INITIATOR, id),
                a(attr::SM2_ID_RESPONDER, id),
                a(attr::SM2_KEP_CONFIRMATION_IN, conf_in),
                Attr { id: attr::SM2_KEP_CONFIRMATION_OUT, data: alloc::vec![0; 32] },
            ]
        };
        let want = hex("6c89347354de2484c60b4ab1fde4c6e5");
        let as_a = peer_of(&kb, &eb, 0, conf_b);
        assert_eq!(&derive(&ka, &ea, &as_a, 16).unwrap()[..], &want[..], "initiator");
        assert_eq!(own_confirmation(&ka, &ea, &as_a).to_vec(), hex(conf_a));
        let as_b = peer_of(&ka, &ea, 1, conf_a);
        assert_eq!(&derive(&kb, &eb, &as_b, 16).unwrap()[..], &want[..], "responder");
        // A wrong confirmation, a short one, a missing or unknown parameter.
        let wrong = peer_of(&kb, &eb, 0, conf_a);
        assert_eq!(derive(&ka, &ea, &wrong, 16).err(), Some(TeeError::BadState));
        let mut short = peer_of(&kb, &eb, 0, conf_b);
        short[7].data.truncate(31);
        assert_eq!(derive(&ka, &ea, &short, 16).err(), Some(TeeError::BadParameters));
        assert_eq!(derive(&ka, &ea, &as_a[1..], 16).err(), Some(TeeError::BadParameters));
        let mut unknown = peer_of(&kb, &eb, 0, conf_b);
        unknown.push(a(attr::DSA_BASE, "01"));
        assert_eq!(derive(&ka, &ea, &unknown, 16).err(), Some(TeeError::BadParameters));
    }

    /// The curve constants hashed into Z: G is the crate's generator.
    #[test]
    fn curve_constants_match_the_crate() {
        let (gx, gy) = xy(&sm2::AffinePoint::GENERATOR);
        assert_eq!(gx, unhex(CURVE_ABG[2]));
        assert_eq!(gy, unhex(CURVE_ABG[3]));
    }
}
