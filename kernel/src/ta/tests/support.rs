//! Test helpers: fixtures, test keys and a `.ta` signer (the
//! `sign_encrypt.py` layout).

use std::sync::OnceLock;
use std::vec::Vec;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha2::{Digest, Sha256};

use crate::ta::shdr::{
    SHDR_BOOTSTRAP_TA, SHDR_MAGIC, SHDR_TA, Shdr, TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
    TEE_ALG_RSASSA_PKCS1_V1_5_SHA256, TaPublicKey,
};
use tee_abi::uuid::Uuid;

pub const FIXTURE_PIE: &[u8] = include_bytes!("../testdata/fixture_pie.elf");
pub const FIXTURE_SHARED: &[u8] = include_bytes!("../testdata/fixture_shared.elf");

/// The UUID in the fixtures' `ta_head` (optee_examples' hello_world).
pub const HELLO_UUID: Uuid = Uuid::must("8aaaf200-2450-11e4-abe2-0002a5d5c51b");

/// A UUID nobody signs for.
pub const OTHER_UUID: Uuid = Uuid::must("7e0a0900-586b-11e5-931f-0002a5d5c51b");

/// A test key with its public half as big-endian bytes.
pub struct TestKey {
    pub private: RsaPrivateKey,
    modulus: Vec<u8>,
    exponent: Vec<u8>,
}

impl TestKey {
    fn load(pem: &str) -> Self {
        let private = RsaPrivateKey::from_pkcs8_pem(pem).expect("test key PEM");
        let modulus = private.n().to_bytes_be();
        let exponent = private.e().to_bytes_be();
        Self { private, modulus, exponent }
    }

    pub fn public(&self) -> TaPublicKey<'_> {
        TaPublicKey { modulus: &self.modulus, exponent: &self.exponent }
    }
}

pub fn key_a() -> &'static TestKey {
    static K: OnceLock<TestKey> = OnceLock::new();
    K.get_or_init(|| TestKey::load(include_str!("../testdata/test_key_a.pem")))
}

pub fn key_b() -> &'static TestKey {
    static K: OnceLock<TestKey> = OnceLock::new();
    K.get_or_init(|| TestKey::load(include_str!("../testdata/test_key_b.pem")))
}

/// How to sign a test image.
#[derive(Clone, Copy)]
pub struct Signing {
    pub algo: u32,
    pub img_type: u32,
    pub uuid: Uuid,
    pub ta_version: u32,
}

impl Default for Signing {
    fn default() -> Self {
        Self {
            algo: TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
            img_type: SHDR_BOOTSTRAP_TA,
            uuid: HELLO_UUID,
            ta_version: 7,
        }
    }
}

/// Builds a signed `.ta` file around `image`, as `sign_encrypt.py sign-enc`.
pub fn sign(image: &[u8], key: &TestKey, s: Signing) -> Vec<u8> {
    sign_with(image, &key.private, s)
}

pub fn sign_with(image: &[u8], private: &RsaPrivateKey, s: Signing) -> Vec<u8> {
    let sig_size = private.size();
    let shdr = Shdr {
        magic: SHDR_MAGIC,
        img_type: s.img_type,
        img_size: u32::try_from(image.len()).unwrap(),
        algo: s.algo,
        hash_size: 32,
        sig_size: u16::try_from(sig_size).unwrap(),
    };
    let mut sub = Vec::new();
    if s.img_type != SHDR_TA {
        sub.extend_from_slice(&s.uuid.to_octets());
        sub.extend_from_slice(&s.ta_version.to_le_bytes());
    }
    let mut h = Sha256::new();
    h.update(shdr.to_bytes());
    h.update(&sub);
    h.update(image);
    let digest = h.finalize();
    let sig = if s.algo == TEE_ALG_RSASSA_PKCS1_V1_5_SHA256 {
        private.sign(Pkcs1v15Sign::new::<Sha256>(), &digest).unwrap()
    } else {
        let mut rng = StdRng::seed_from_u64(0x5eed);
        private.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha256>(32), &digest).unwrap()
    };
    assert_eq!(sig.len(), sig_size);
    let mut out = Vec::new();
    out.extend_from_slice(&shdr.to_bytes());
    out.extend_from_slice(&digest);
    out.extend_from_slice(&sig);
    out.extend_from_slice(&sub);
    out.extend_from_slice(image);
    out
}

/// The fixture PIE signed with key A for [`HELLO_UUID`] (signed once).
pub fn signed_fixture() -> &'static [u8] {
    static F: OnceLock<Vec<u8>> = OnceLock::new();
    F.get_or_init(|| sign(FIXTURE_PIE, key_a(), Signing::default()))
}

/// Reads a little-endian u64 at `at` in `mem`.
pub fn read_u64(mem: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(mem[at..at + 8].try_into().unwrap())
}
