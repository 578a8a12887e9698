//! Asymmetric crypto through `tas/asym_ta` (ta-sdk's `crypto::asym` over
//! the kernel's ASYMM_OPERATE / ASYMM_VERIFY / DERIVE_KEY / key syscalls),
//! tests 4020-4029 (RSA in `rsa.rs`, ECC and Curve25519 in `ecc.rs`,
//! attributes in `attrs.rs`). The TA only relays: keys, parameters and data go in,
//! results and error codes come back, and every expectation lives here, so
//! both trusted OSes answer the same questions. Vectors (in
//! `crypto_asym/vectors.rs`, each with its source):
//!
//! - RSA: NIST CAVP 186-2 `SigGen15_186-2.txt` (PKCS#1 v1.5, deterministic:
//!   our signature must equal the published one) and `SigGenPSS_186-2.txt`
//!   (verify the published signature, salt length 20; PSS signing is
//!   randomised, so sign→verify round trips); PKCS #1 v2.1 test vectors
//!   (`oaep-vect.txt` and `pkcs1v15crypt-vectors.txt`, Example 1.1:
//!   decrypt the published ciphertexts; encrypt→decrypt round trips);
//! - ECDSA: NIST CAVP 186-4 `SigGen.txt` for P-256/SHA-256,
//!   P-384/SHA-384, P-521/SHA-512 (verify; our signing is randomised);
//! - ECDH: NIST CAVP `KAS_ECC_CDH_PrimitiveTest.txt` (COUNT 0 per curve);
//! - Ed25519: RFC 8032 section 7.1 TEST 1 and 2, 7.2 (Ed25519ctx "foo"),
//!   7.3 (Ed25519ph "abc"); deterministic, so signatures are compared;
//! - X25519: RFC 7748 section 6.1 (both sides).
//!
//! Error paths are upstream OP-TEE 4.5's: a bad signature is
//! SIGNATURE_INVALID, a key of the wrong type for the algorithm
//! BAD_PARAMETERS, a short output SHORT_BUFFER with the size needed, an
//! absent attribute ITEM_NOT_FOUND, a secret attribute of a
//! non-extractable key BAD_PARAMETERS.

mod vectors;

use std::time::Instant;

use proto::asym_ta;
use teec::{Context, Login, Param, Session, SharedMemory, TeeError};
use tz_runner::{Report, hex, to_hex};
use vectors as v;

// The GP identifiers under the short names these tests use.
use tee_abi::gp::alg::{
    ECDH_DERIVE_SHARED_SECRET as ECDH, ECDSA_SHA256, ECDSA_SHA384, ECDSA_SHA512, ED25519, RSA_NOPAD,
    RSAES_PKCS1_OAEP_MGF1_SHA1 as RSAES_OAEP_SHA1, RSAES_PKCS1_OAEP_MGF1_SHA256 as RSAES_OAEP_SHA256, RSAES_PKCS1_V1_5,
    RSASSA_PKCS1_PSS_MGF1_SHA256 as RSASSA_PSS_SHA256, RSASSA_PKCS1_V1_5_SHA1, RSASSA_PKCS1_V1_5_SHA256, X25519,
};
use tee_abi::gp::attr::{
    ECC_CURVE, ECC_PRIVATE_VALUE as ECC_D, ECC_PUBLIC_VALUE_X as ECC_X, ECC_PUBLIC_VALUE_Y as ECC_Y,
    ED25519_PRIVATE_VALUE as ED25519_PRIVATE, ED25519_PUBLIC_VALUE as ED25519_PUBLIC, EDDSA_CTX, EDDSA_PREHASH,
    RSA_MODULUS, RSA_PRIVATE_EXPONENT, RSA_PSS_SALT_LENGTH, RSA_PUBLIC_EXPONENT,
    X25519_PRIVATE_VALUE as X25519_PRIVATE, X25519_PUBLIC_VALUE as X25519_PUBLIC,
};
use tee_abi::gp::ecc_curve::{NIST_P256 as P256, NIST_P384 as P384, NIST_P521 as P521};
use tee_abi::gp::mode::{DECRYPT as MODE_DECRYPT, ENCRYPT as MODE_ENCRYPT, SIGN as MODE_SIGN, VERIFY as MODE_VERIFY};
use tee_abi::gp::object_type::{
    ECDH_KEYPAIR, ECDSA_KEYPAIR, ECDSA_PUBLIC_KEY, ED25519_KEYPAIR, ED25519_PUBLIC_KEY, RSA_KEYPAIR, RSA_PUBLIC_KEY,
    X25519_KEYPAIR, X25519_PUBLIC_KEY,
};

/// The attribute IDs of an RSA key pair: modulus, exponents, CRT values.
const RSA_IDS: [u32; 8] = [
    RSA_MODULUS,
    RSA_PUBLIC_EXPONENT,
    RSA_PRIVATE_EXPONENT,
    tee_abi::gp::attr::RSA_PRIME1,
    tee_abi::gp::attr::RSA_PRIME2,
    tee_abi::gp::attr::RSA_EXPONENT1,
    tee_abi::gp::attr::RSA_EXPONENT2,
    tee_abi::gp::attr::RSA_COEFFICIENT,
];

type R = Result<(), String>;
/// What the TA answered: the output bytes, or the code and the size the
/// output parameter reported.
type Answer = Result<Vec<u8>, (u32, usize)>;

/// One attribute: a buffer or a value.
#[derive(Clone)]
enum A {
    R(u32, Vec<u8>),
    V(u32, u32),
}

fn r(id: u32, h: &str) -> A {
    A::R(id, hex(h))
}

/// A count-prefixed attribute list (the TA's record format).
fn list(attrs: &[A]) -> Vec<u8> {
    let mut out = (attrs.len() as u32).to_le_bytes().to_vec();
    for a in attrs {
        let (id, data) = match a {
            A::R(id, d) => (*id, d.clone()),
            A::V(id, x) => (*id, [x.to_le_bytes(), [0; 4]].concat()),
        };
        out.extend(id.to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend(data);
    }
    out
}

/// A key spec: type, max size, key attributes, operation parameters.
fn spec(ty: u32, bits: u32, key: &[A], params: &[A]) -> Vec<u8> {
    let mut out = ty.to_le_bytes().to_vec();
    out.extend(bits.to_le_bytes());
    out.extend(list(key));
    out.extend(list(params));
    out
}

/// Parameter 2 or 3.
enum P<'a> {
    Mem(&'a [u8]),
    Val(u32, u32),
    Out(usize),
    None,
}

struct Ta<'c, 's> {
    ctx: &'c Context,
    s: &'s mut Session<'c>,
}

/// The operation parameter for `p`, over its shared memory `m`.
fn param<'a>(p: &P<'_>, m: Option<&'a mut SharedMemory>) -> Param<'a> {
    match (p, m) {
        (P::Mem(d), Some(m)) => Param::MemrefInput { shm: &*m, offset: 0, size: d.len() },
        (P::Out(n), Some(m)) => Param::MemrefOutput { shm: m, offset: 0, size: *n },
        (P::Val(a, b), _) => Param::ValueInput { a: *a, b: *b },
        _ => Param::None,
    }
}

fn shm(ctx: &Context, data: &[u8]) -> Result<SharedMemory, String> {
    let mut m = SharedMemory::alloc(ctx, data.len().max(1)).map_err(|e| format!("shm alloc: {e}"))?;
    m.as_mut_slice()[..data.len()].copy_from_slice(data);
    Ok(m)
}

impl Ta<'_, '_> {
    fn call(&mut self, cmd: u32, v: (u32, u32), p1: &[u8], p2: P<'_>, p3: P<'_>) -> Result<Answer, String> {
        let m1 = shm(self.ctx, p1)?;
        let mem = |p: &P<'_>| -> Result<Option<SharedMemory>, String> {
            Ok(match p {
                P::Mem(d) => Some(shm(self.ctx, d)?),
                P::Out(n) => Some(SharedMemory::alloc(self.ctx, (*n).max(1)).map_err(|e| format!("shm alloc: {e}"))?),
                _ => None,
            })
        };
        let (mut m2, mut m3) = (mem(&p2)?, mem(&p3)?);
        let (r, size) = {
            let mut params = [
                Param::ValueInput { a: v.0, b: v.1 },
                Param::MemrefInput { shm: &m1, offset: 0, size: p1.len() },
                param(&p2, m2.as_mut()),
                param(&p3, m3.as_mut()),
            ];
            let r = self.s.invoke(cmd, &mut params);
            let size = match &params[3] {
                Param::MemrefOutput { size, .. } => *size,
                _ => 0,
            };
            (r, size)
        };
        Ok(match r {
            Ok(()) => Ok(m3.map(|m| m.as_slice()[..size].to_vec()).unwrap_or_default()),
            Err(e) => Err((e.code, size)),
        })
    }

    /// Encrypt, decrypt or sign `data` with `algo` and the key `key_spec`.
    fn operate(&mut self, algo: u32, mode: u32, key_spec: &[u8], data: &[u8], cap: usize) -> Result<Answer, String> {
        self.call(asym_ta::CMD_OPERATE, (algo, mode), key_spec, P::Mem(data), P::Out(cap))
    }

    fn verify(&mut self, algo: u32, key_spec: &[u8], data: &[u8], sig: &[u8]) -> Result<Answer, String> {
        self.call(asym_ta::CMD_OPERATE, (algo, MODE_VERIFY), key_spec, P::Mem(data), P::Mem(sig))
    }

    /// A generated key's attributes `ids`, in order.
    fn generate(&mut self, ty: u32, bits: u32, params: &[A], ids: &[u32]) -> Result<Result<Vec<Vec<u8>>, u32>, String> {
        let idb: Vec<u8> = ids.iter().flat_map(|i| i.to_le_bytes()).collect();
        Ok(match self.call(asym_ta::CMD_GENERATE, (ty, bits), &list(params), P::Mem(&idb), P::Out(8192))? {
            Ok(out) => {
                let mut vals = Vec::new();
                let mut rest = &out[..];
                while rest.len() >= 8 {
                    let n = u32::from_le_bytes(rest[4..8].try_into().unwrap()) as usize;
                    vals.push(rest[8..8 + n].to_vec());
                    rest = &rest[8 + n..];
                }
                Ok(vals)
            }
            Err((code, _)) => Err(code),
        })
    }

    fn derive(&mut self, algo: u32, key_spec: &[u8]) -> Result<Answer, String> {
        self.call(asym_ta::CMD_DERIVE, (algo, 1024), key_spec, P::None, P::Out(256))
    }

    /// Attribute `id` of the key (usage restricted to `usage`, copied into
    /// `copy = (type, bits)` first unless type 0).
    fn get_attr(
        &mut self,
        id: u32,
        usage: u32,
        key_spec: &[u8],
        copy: (u32, u32),
        cap: usize,
    ) -> Result<Answer, String> {
        self.call(asym_ta::CMD_GET_ATTR, (id, usage), key_spec, P::Val(copy.0, copy.1), P::Out(cap))
    }
}

fn want_bytes(got: Answer, want: &[u8]) -> R {
    match got {
        Ok(b) if b == want => Ok(()),
        Ok(b) => Err(format!("got {} want {}", to_hex(&b), to_hex(want))),
        Err((code, _)) => Err(format!("error {code:#010x}")),
    }
}

fn want_ok(got: Answer) -> R {
    got.map(|_| ()).map_err(|(code, _)| format!("error {code:#010x}"))
}

fn want_err(got: Answer, want: TeeError) -> R {
    match got {
        Err((c, _)) if c == want.code() => Ok(()),
        other => Err(format!("got {:?}, want {want}", other.map(|b| to_hex(&b)))),
    }
}

fn want_short(got: Answer, needed: usize) -> R {
    match got {
        Err((c, n)) if c == TeeError::ShortBuffer.code() && n == needed => Ok(()),
        other => Err(format!("got {:?}, want SHORT_BUFFER with size {needed}", other.map(|b| to_hex(&b)))),
    }
}

fn rsa_key(parts: [&str; 8]) -> Vec<A> {
    RSA_IDS.iter().zip(parts).map(|(&id, h)| r(id, h)).collect()
}

fn ecc_public(t: [&str; 6], curve: u32) -> Vec<A> {
    vec![r(ECC_X, t[1]), r(ECC_Y, t[2]), A::V(ECC_CURVE, curve)]
}

fn ecc_keypair(d: &str, x: &str, y: &str, curve: u32) -> Vec<A> {
    vec![r(ECC_D, d), r(ECC_X, x), r(ECC_Y, y), A::V(ECC_CURVE, curve)]
}

pub fn run(report: &mut Report) {
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => return report.case("asym-open-session", Err(format!("context: {e}"))),
    };
    let uuid = asym_ta::UUID;
    match ctx.open_session(&uuid, Login::Public) {
        Ok(mut s) => {
            let mut ta = Ta { ctx: &ctx, s: &mut s };
            rsa::cases(&mut ta, report);
            ecc::cases(&mut ta, report);
            attrs::cases(&mut ta, report);
        }
        Err(e) => report.case("asym-open-session", Err(format!("{e}"))),
    }
}

mod attrs;
mod ecc;
mod rsa;
