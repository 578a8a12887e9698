//! A TA for `cargo xtask bench`: UUID `e3b7c2d4-5f16-4a8e-9c07-b1d2f3a4c5e6`.
//!
//! SINGLE_INSTANCE | MULTI_SESSION | INSTANCE_KEEP_ALIVE: once loaded, the
//! instance stays, so opening and closing a session measures the session
//! path without loading the TA ("warm"). Commands (any parameters; the
//! client times the invoke):
//!
//! - 0 `CMD_NULL`: does nothing;
//! - 1 `CMD_SHA256_1MIB`: SHA-256 over 1 MiB of TA memory (a 64 KiB buffer
//!   the TA fills itself, fed 16 times through `TEE_DigestUpdate`, then the
//!   final), so the figure is the in-TA digest speed plus 18 syscalls, with
//!   no shared memory involved;
//! - 2 `CMD_AES128_CBC_1MIB`: AES-128-CBC (no padding) encryption of 1 MiB
//!   the same way (key object, state, IV, 16 updates of 64 KiB into a
//!   64 KiB output buffer, an empty final);
//! - 3 `CMD_STORAGE_64K`: in TEE_STORAGE_PRIVATE, creates object
//!   `bench-64k` (empty, OVERWRITE), writes 64 KiB in one call, closes it,
//!   opens it read-only, reads the 64 KiB back in one call and compares,
//!   then opens it again and deletes it (so every run starts from nothing).
//!   TEE_ERROR_GENERIC if the data read back differs;
//! - 4 `CMD_AES128_GCM_1MIB`: AES-128-GCM encryption of 1 MiB the same way
//!   (12-byte nonce, 16 payload updates of 64 KiB, the final with a
//!   16-byte tag);
//! - 5 `CMD_AES128_CTR_1MIB`: AES-128-CTR encryption of 1 MiB as command 2.
//!
//! Other commands are NOT_SUPPORTED.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use proto::bench_ta::{
    CMD_AES128_CBC_1MIB, CMD_AES128_CTR_1MIB, CMD_AES128_GCM_1MIB, CMD_NULL, CMD_SHA256_1MIB, CMD_STORAGE_64K,
};
use ta_sdk::crypto::{AeCipher, Algorithm, Cipher, CipherAlgorithm, Digest, Mode};
use ta_sdk::storage::{PersistentObject, Storage, flags};
use ta_sdk::{Params, TeeError, TeeResult, TrustedApp};

/// Bytes per digest/cipher update.
const CHUNK: usize = 64 * 1024;
/// Bytes hashed or encrypted per command.
const TOTAL: usize = 1024 * 1024;
/// Size of the storage benchmark's object.
const OBJECT: usize = 64 * 1024;
const OBJECT_ID: &[u8] = b"bench-64k";

struct BenchTa;

/// `n` bytes of a fixed pattern, written 8 bytes at a time: byte-wise
/// generation (a division per byte) took as long as the 1 MiB cipher on
/// the Armv8 crypto instructions.
fn pattern(n: usize) -> alloc::vec::Vec<u8> {
    let mut v = vec![0u8; n];
    for (i, w) in v.chunks_mut(8).enumerate() {
        let x = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes();
        w.copy_from_slice(&x[..w.len()]);
    }
    v
}

fn sha256_1mib() -> TeeResult {
    let buf = pattern(CHUNK);
    let mut d = Digest::new(Algorithm::Sha256)?;
    for _ in 0..TOTAL / CHUNK {
        d.update(&buf)?;
    }
    let mut out = [0u8; 32];
    d.finalize(&[], &mut out)?;
    Ok(())
}

fn aes128_cbc_1mib() -> TeeResult {
    cipher_1mib(CipherAlgorithm::AesCbcNoPad)
}

fn aes128_ctr_1mib() -> TeeResult {
    cipher_1mib(CipherAlgorithm::AesCtr)
}

fn cipher_1mib(algorithm: CipherAlgorithm) -> TeeResult {
    let src = pattern(CHUNK);
    let mut dst = vec![0u8; CHUNK];
    let mut c = Cipher::new(algorithm, Mode::Encrypt, &[0x2b; 16], &[0x5a; 16])?;
    for _ in 0..TOTAL / CHUNK {
        if c.update(&src, &mut dst)? != CHUNK {
            return Err(TeeError::Generic);
        }
    }
    c.finalize(&[], &mut dst)?;
    Ok(())
}

fn aes128_gcm_1mib() -> TeeResult {
    let src = pattern(CHUNK);
    let mut dst = vec![0u8; CHUNK];
    let mut c = AeCipher::gcm(Mode::Encrypt, &[0x2b; 16], &[0x5a; 12], 16)?;
    for _ in 0..TOTAL / CHUNK {
        if c.update(&src, &mut dst)? != CHUNK {
            return Err(TeeError::Generic);
        }
    }
    let mut tag = [0u8; 16];
    c.encrypt_final(&[], &mut dst, &mut tag)?;
    Ok(())
}

fn storage_64k() -> TeeResult {
    const RW: u32 = flags::ACCESS_READ | flags::ACCESS_WRITE | flags::ACCESS_WRITE_META;
    let data = pattern(OBJECT);
    let mut o = PersistentObject::create(Storage::Private, OBJECT_ID, RW | flags::OVERWRITE, &[])?;
    o.write(&data)?;
    drop(o);
    let mut o = PersistentObject::open(Storage::Private, OBJECT_ID, flags::ACCESS_READ)?;
    let mut back = vec![0u8; OBJECT];
    let n = o.read(&mut back)?;
    drop(o);
    let same = n == OBJECT && back == data;
    let o = PersistentObject::open(Storage::Private, OBJECT_ID, RW)?;
    o.delete().map_err(|(e, _)| e)?;
    if same { Ok(()) } else { Err(TeeError::Generic) }
}

impl TrustedApp for BenchTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(BenchTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, _params: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_NULL => Ok(()),
            CMD_SHA256_1MIB => sha256_1mib(),
            CMD_AES128_CBC_1MIB => aes128_cbc_1mib(),
            CMD_STORAGE_64K => storage_64k(),
            CMD_AES128_GCM_1MIB => aes128_gcm_1mib(),
            CMD_AES128_CTR_1MIB => aes128_ctr_1mib(),
            _ => Err(TeeError::NotSupported),
        }
    }
}

ta_sdk::ta! {
    uuid: proto::bench_ta::UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION | INSTANCE_KEEP_ALIVE,
    stack: 4096,
    heap: 262144,
    impl: BenchTa,
}
