//! Boot-time known-answer checks of the Armv8 crypto routines against the
//! software implementations (which the host tests check against published
//! vectors): an instruction family whose routine disagrees stays off.

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};

use crate::arch::aarch64::crypto_ce::{self, AesCeKey};
use crate::thread::fpu::with_kernel_simd;

/// 256 bytes of a fixed, irregular pattern.
fn pattern(seed: u8) -> [u8; 256] {
    let mut p = [0u8; 256];
    let mut x = seed as u32 | 1;
    for b in p.iter_mut() {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *b = (x >> 16) as u8;
    }
    p
}

fn soft_ecb<C: BlockEncrypt + BlockDecrypt + KeyInit>(key: &[u8], encrypt: bool, data: &mut [u8]) {
    let c = C::new_from_slice(key).expect("key length");
    for b in data.chunks_exact_mut(16) {
        let b = GenericArray::from_mut_slice(b);
        if encrypt { c.encrypt_block(b) } else { c.decrypt_block(b) }
    }
}

/// ECB both ways and CBC/CTR round trips for every key size.
pub(super) fn aes() -> bool {
    let data = pattern(1);
    let key = pattern(2);
    [16usize, 24, 32].iter().all(|&n| {
        let key = &key[..n];
        let soft = |encrypt: bool, d: &mut [u8]| match n {
            16 => soft_ecb::<aes::Aes128>(key, encrypt, d),
            24 => soft_ecb::<aes::Aes192>(key, encrypt, d),
            _ => soft_ecb::<aes::Aes256>(key, encrypt, d),
        };
        with_kernel_simd(|simd| {
            let Some(k) = AesCeKey::new(simd, key) else { return false };
            let mut ok = true;
            for encrypt in [true, false] {
                let (mut a, mut b) = (data, data);
                k.ecb(simd, encrypt, &mut a);
                soft(encrypt, &mut b);
                ok &= a == b;
            }
            // CBC: encryption then decryption gives the data back, and
            // the first block is E(IV ^ P0).
            let (mut iv_e, mut iv_d, mut c) = ([7u8; 16], [7u8; 16], data);
            k.cbc(simd, true, &mut iv_e, &mut c);
            let mut first = [0u8; 16];
            first.iter_mut().zip(&data[..16]).for_each(|(f, d)| *f = d ^ 7);
            soft(true, &mut first);
            ok &= c[..16] == first && iv_e[..] == c[240..];
            k.cbc(simd, false, &mut iv_d, &mut c);
            ok &= c == data && iv_d == iv_e;
            // CTR across a 64-bit carry: keystream blocks are E(counter).
            let mut ctr = [0u8; 16];
            ctr[8..].fill(0xff);
            let mut z = [0u8; 32];
            k.ctr(simd, &mut ctr, &mut z);
            let mut want = [0u8; 32];
            want[8..16].fill(0xff);
            want[23] = 1;
            soft(true, &mut want);
            ok &= z == want && ctr[..8] == [0, 0, 0, 0, 0, 0, 0, 1] && ctr[8..] == [0, 0, 0, 0, 0, 0, 0, 1];
            ok
        })
    })
}

/// GHASH of 16 blocks against the `ghash` crate.
pub(super) fn ghash() -> bool {
    use ghash::universal_hash::{KeyInit, UniversalHash};
    let data = pattern(3);
    let h: [u8; 16] = pattern(4)[..16].try_into().expect("16 bytes");
    let mut g = ghash::GHash::new(&ghash::Key::from(h));
    g.update_padded(&data);
    let want: [u8; 16] = g.finalize().into();
    let mut y = [0u8; 16];
    with_kernel_simd(|simd| crypto_ce::ghash(simd, &h, &mut y, &data));
    y == want
}

/// Digests of a few lengths (padding into one and two blocks, several
/// blocks at once) against the `sha1`/`sha2` crates.
fn sha_matches<D: sha2::Digest>(kind: super::sha_ce::Kind) -> bool {
    let data = pattern(5);
    [0usize, 3, 55, 56, 64, 119, 200, 256].iter().all(|&n| {
        let mut h = super::sha_ce::ShaCe::new(kind);
        h.update(&data[..n / 2]);
        h.update(&data[n / 2..n]);
        h.finalize_reset()[..] == D::digest(&data[..n])[..]
    })
}

pub(super) fn sha256() -> bool {
    sha_matches::<sha2::Sha256>(super::sha_ce::Kind::Sha256) && sha_matches::<sha2::Sha224>(super::sha_ce::Kind::Sha224)
}

pub(super) fn sha1() -> bool {
    sha_matches::<sha1::Sha1>(super::sha_ce::Kind::Sha1)
}
