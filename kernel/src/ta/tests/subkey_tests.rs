//! Subkey chains (`SHDR_SUBKEY`): built here as upstream's `sign_encrypt.py`
//! lays them out, then verified with the root key.

use std::vec::Vec;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rsa::{Pss, RsaPrivateKey};
use sha2::{Digest, Sha256};

use super::support::*;
use crate::ta::shdr::*;
use crate::ta::subkey::namespace_uuid;
use crate::ta::{TaError, TeeError};
use tee_abi::uuid::Uuid;

const SUB1: Uuid = Uuid::must("f04fa996-148a-453c-b037-1dcfbad120a6");
const SUB2: Uuid = Uuid::must("1a5948c5-1aa0-518c-86f4-be6f6a057b16");

struct SubkeySpec<'k> {
    uuid: Uuid,
    name: &'static [u8],
    max_depth: u32,
    /// The key the subkey carries.
    public: &'k TestKey,
}

/// A subkey header signed by `signer`, its struct and its name.
fn subkey_block(spec: &SubkeySpec<'_>, signer: &RsaPrivateKey) -> Vec<u8> {
    let pk = spec.public.public();
    let mut body = Vec::new();
    body.extend_from_slice(&spec.uuid.to_octets());
    body.extend_from_slice(&(spec.name.len() as u32).to_le_bytes());
    body.extend_from_slice(&1u32.to_le_bytes()); // subkey_version
    body.extend_from_slice(&spec.max_depth.to_le_bytes());
    body.extend_from_slice(&TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256.to_le_bytes());
    body.extend_from_slice(&2u32.to_le_bytes()); // attr_count
    let data_at = 36 + 2 * 12;
    for (id, offs, size) in
        [(0xD000_0130u32, data_at, pk.modulus.len()), (0xD000_0230u32, data_at + pk.modulus.len(), pk.exponent.len())]
    {
        body.extend_from_slice(&id.to_le_bytes());
        body.extend_from_slice(&(offs as u32).to_le_bytes());
        body.extend_from_slice(&(size as u32).to_le_bytes());
    }
    body.extend_from_slice(pk.modulus);
    body.extend_from_slice(pk.exponent);
    let shdr = Shdr {
        magic: SHDR_MAGIC,
        img_type: SHDR_SUBKEY,
        img_size: body.len() as u32,
        algo: TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
        hash_size: 32,
        sig_size: 256,
    };
    let mut h = Sha256::new();
    h.update(shdr.to_bytes());
    h.update(&body);
    let digest = h.finalize();
    let mut rng = StdRng::seed_from_u64(7);
    let sig = signer.sign_with_rng(&mut rng, Pss::new_with_salt::<Sha256>(32), &digest).unwrap();
    let mut out = shdr.to_bytes().to_vec();
    out.extend_from_slice(&digest);
    out.extend_from_slice(&sig);
    out.extend_from_slice(&body);
    out.extend_from_slice(spec.name);
    out
}

fn ta_for(uuid: Uuid, key: &TestKey) -> Vec<u8> {
    sign(FIXTURE_PIE, key, Signing { uuid, ..Signing::default() })
}

#[test]
fn one_subkey_with_a_name_confines_the_ta_uuid() {
    let ns = Uuid::from_octets(namespace_uuid(&SUB1.to_octets(), b"mytas"));
    assert_eq!(ns.time_hi_and_version >> 12, 5, "a version-5 UUID");
    assert_eq!(ns.clock_seq_and_node[0] & 0xc0, 0x80, "RFC 4122 variant");
    let sub = SubkeySpec { uuid: SUB1, name: b"mytas", max_depth: 4, public: key_b() };
    let mut file = subkey_block(&sub, &key_a().private);
    file.extend(ta_for(ns, key_b()));
    let v = verify(&file, &ns, &key_a().public()).unwrap();
    assert_eq!(v.image, FIXTURE_PIE);
    // Another UUID is outside the namespace, even with a bootstrap header for it.
    let mut other = subkey_block(&sub, &key_a().private);
    other.extend(ta_for(HELLO_UUID, key_b()));
    assert_eq!(verify(&other, &HELLO_UUID, &key_a().public()).err(), Some(TaError::UuidMismatch));
    // The TA must be signed by the subkey, not by the root key.
    let mut by_root = subkey_block(&sub, &key_a().private);
    by_root.extend(ta_for(ns, key_a()));
    assert_eq!(verify(&by_root, &ns, &key_a().public()).err(), Some(TaError::BadSignature));
}

#[test]
fn an_identity_subkey_names_the_ta_itself() {
    let sub = SubkeySpec { uuid: SUB1, name: b"", max_depth: 0, public: key_b() };
    let mut file = subkey_block(&sub, &key_a().private);
    file.extend(ta_for(SUB1, key_b()));
    assert!(verify(&file, &SUB1, &key_a().public()).is_ok());
}

#[test]
fn two_levels_chain_and_their_rules() {
    // Root (A) signs SUB1 (key B, namespace "level1"); SUB1 signs SUB2 (key A
    // again, a different key object is not needed), which signs the TA.
    let next = Uuid::from_octets(namespace_uuid(&SUB1.to_octets(), b"level1"));
    let ns2 = Uuid::from_octets(namespace_uuid(&next.to_octets(), b"level2"));
    let first = SubkeySpec { uuid: SUB1, name: b"level1", max_depth: 4, public: key_b() };
    let build = |uuid: Uuid, depth: u32| {
        let mut f = subkey_block(&first, &key_a().private);
        f.extend(subkey_block(
            &SubkeySpec { uuid, name: b"level2", max_depth: depth, public: key_a() },
            &key_b().private,
        ));
        f.extend(ta_for(Uuid::from_octets(namespace_uuid(&uuid.to_octets(), b"level2")), key_a()));
        f
    };
    assert!(verify(&build(next, 3), &ns2, &key_a().public()).is_ok());
    // max_depth must decrease; the second subkey must be in the first's namespace.
    assert_eq!(verify(&build(next, 4), &ns2, &key_a().public()).err(), Some(TaError::BadSubkey));
    let wrong = Uuid::from_octets(namespace_uuid(&SUB2.to_octets(), b"level2"));
    assert_eq!(verify(&build(SUB2, 3), &wrong, &key_a().public()).err(), Some(TaError::BadSubkey));
}

#[test]
fn tampered_subkeys_are_security_errors() {
    let sub = SubkeySpec { uuid: SUB1, name: b"", max_depth: 0, public: key_b() };
    let good = {
        let mut f = subkey_block(&sub, &key_a().private);
        f.extend(ta_for(SUB1, key_b()));
        f
    };
    let struct_at = SHDR_SIZE + 32 + 256;
    // Struct bytes (digest), the attribute count, the modulus: all refused.
    for at in [struct_at + 16, struct_at + 32, struct_at + 36 + 24 + 10] {
        let mut f = good.clone();
        f[at] ^= 1;
        let e = verify(&f, &SUB1, &key_a().public()).unwrap_err();
        assert_eq!(e.tee_error(), TeeError::Security, "byte {at}: {e:?}");
    }
    // A subkey signed by a key the root does not know.
    let mut f = subkey_block(&sub, &key_b().private);
    f.extend(ta_for(SUB1, key_b()));
    assert_eq!(verify(&f, &SUB1, &key_a().public()).err(), Some(TaError::BadSignature));
}
