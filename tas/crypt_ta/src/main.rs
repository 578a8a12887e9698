//! A TA for ta-sdk's crypto API (`ta_sdk::crypto`) and the kernel's crypto
//! syscalls behind it: UUID `84739e5a-93fa-4426-b930-4ab7fd9117c4`. The
//! client (`qemu/runner`'s `tz-crypto`) sends the known-answer inputs and
//! checks the outputs.
//!
//! - 0 `CMD_DIGEST` (VALUE_INPUT a = `TEE_ALG_SHA*`, b = update chunk size
//!   or 0 for all at once; MEMREF_INPUT message; MEMREF_OUTPUT digest):
//!   an output smaller than the digest gets the kernel's SHORT_BUFFER and
//!   the needed size;
//! - 1 `CMD_HMAC` (VALUE_INPUT a = `TEE_ALG_HMAC_SHA*`; MEMREF_INPUT key;
//!   MEMREF_INPUT message; MEMREF_OUTPUT MAC);
//! - 2 `CMD_CIPHER` (VALUE_INPUT a = `TEE_ALG_AES_*`, b = mode (0 encrypt,
//!   1 decrypt) | key length << 8 | update chunk size << 16 (0: all in the
//!   final call); MEMREF_INPUT key ‖ IV; MEMREF_INPUT input; MEMREF_OUTPUT
//!   output): SHORT_BUFFER from the kernel when the output is too small;
//! - 3 `CMD_CHECK` (VALUE_INOUT a = which check in, step out; b = the code
//!   seen): life-cycle and error-code checks, see [`check`]; returns
//!   TEE_ERROR_GENERIC with the failed step and the code it got;
//! - 4 `CMD_CMAC` (VALUE_INPUT a = update chunk size (0: all in the
//!   final), b = key length; MEMREF_INPUT key ‖ message; MEMREF_OUTPUT
//!   MAC): AES-CMAC;
//! - 5 `CMD_GCM` (VALUE_INPUT a = mode (0 encrypt, 1 decrypt) | key length
//!   << 8 | nonce length << 16 | payload update chunk size << 24 (0: all
//!   in the final), b = AAD length | tag length << 16; MEMREF_INPUT key ‖
//!   nonce ‖ AAD; MEMREF_INPUT plaintext (encrypt) or ciphertext ‖ tag
//!   (decrypt); MEMREF_OUTPUT ciphertext ‖ tag or plaintext): AES-GCM; a
//!   wrong tag is the kernel's MAC_INVALID;
//! - 6 `CMD_XTS`, 7 `CMD_CCM`: AES-XTS and AES-CCM, see [`modes`] (AES-CTS
//!   goes through `CMD_CIPHER`); 8 `CMD_DERIVE`: HKDF and PBKDF2, see
//!   [`kdf`]; checks 8-12 of `CMD_CHECK`: their error codes.
// no_std/no_main on the TA target; a std test binary on the host.
#![cfg_attr(not(test), no_std, no_main)]

extern crate alloc;

mod kdf;
mod modes;

use alloc::vec;
use proto::crypt_ta::{
    CHECK_BAD_STATE, CHECK_BLOCK_SIZE, CHECK_BUSY_KEY, CHECK_CCM, CHECK_CTS, CHECK_GENERIC_SECRET, CHECK_HKDF,
    CHECK_KEY_TYPES, CHECK_OBJECT_INFO, CHECK_OBJECT_SIZES, CHECK_PBKDF2, CHECK_STATE_COPY, CHECK_XTS,
};
use proto::crypt_ta::{CMD_CCM, CMD_CHECK, CMD_CIPHER, CMD_CMAC, CMD_DERIVE, CMD_DIGEST, CMD_GCM, CMD_HMAC, CMD_XTS};
use ta_sdk::crypto::{
    ATTR_SECRET_VALUE, AeCipher, Algorithm, Cipher, CipherAlgorithm, Digest, HANDLE_FLAG_INITIALIZED, Mac, Mode,
    TransientObject, alg, attr, mode, object_type, usage,
};
use ta_sdk::sys::cryp::{self as sys, Attribute};
use ta_sdk::{ParamType as T, Params, TeeError, TeeResult, TrustedApp};

struct CryptTa;

impl TrustedApp for CryptTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(CryptTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), cmd: u32, p: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_DIGEST => {
                p.expect([T::ValueInput, T::MemrefInput, T::MemrefOutput, T::None])?;
                let v = p.value_input(0)?;
                let alg = Algorithm::from_id(v.a).ok_or(TeeError::NotSupported)?;
                let mut d = Digest::new(alg)?;
                let mut out = [0u8; 64];
                let cap = p.memref_output(2)?.capacity().min(out.len());
                let msg = p.memref_input(1)?;
                let last = feed(msg, v.b as usize, |c| d.update(c))?;
                let r = d.finalize(last, &mut out[..cap]);
                finish(p.memref_output(2)?, r, &out, d.size())
            }
            CMD_HMAC => {
                p.expect([T::ValueInput, T::MemrefInput, T::MemrefInput, T::MemrefOutput])?;
                let alg = Algorithm::from_id(p.value_input(0)?.a).ok_or(TeeError::NotSupported)?;
                let mut m = Mac::new(alg, p.memref_input(1)?)?;
                m.update(p.memref_input(2)?)?;
                let mut out = [0u8; 64];
                let cap = p.memref_output(3)?.capacity().min(out.len());
                let r = m.finalize(&[], &mut out[..cap]);
                finish(p.memref_output(3)?, r, &out, m.size())
            }
            CMD_CIPHER => {
                p.expect([T::ValueInput, T::MemrefInput, T::MemrefInput, T::MemrefOutput])?;
                let v = p.value_input(0)?;
                let alg = CipherAlgorithm::from_id(v.a).ok_or(TeeError::NotSupported)?;
                let m = if v.b & 0xff == 0 { Mode::Encrypt } else { Mode::Decrypt };
                let key_len = (v.b >> 8 & 0xff) as usize;
                let chunk = (v.b >> 16) as usize;
                let key_iv = p.memref_input(1)?;
                let (key, iv) = key_iv.split_at_checked(key_len).ok_or(TeeError::BadParameters)?;
                let mut c = Cipher::new(alg, m, key, iv)?;
                let mut out = vec![0u8; p.memref_output(3)?.capacity()];
                let input = p.memref_input(2)?;
                let input_len = input.len();
                let mut done = 0;
                let rest = feed(input, chunk, |now| {
                    done += c.update(now, &mut out[done..])?;
                    Ok(())
                })?;
                match c.finalize(rest, &mut out[done..]) {
                    Ok(n) => p.memref_output(3)?.write(&out[..done + n]),
                    Err(TeeError::ShortBuffer) => {
                        p.memref_output(3)?.set_size(input_len);
                        Err(TeeError::ShortBuffer)
                    }
                    Err(e) => Err(e),
                }
            }
            CMD_CHECK => {
                p.expect([T::ValueInout, T::None, T::None, T::None])?;
                let v = p.value_inout(0)?;
                match check(v.a) {
                    Ok(()) => Ok(()),
                    Err((step, code)) => {
                        v.a = step;
                        v.b = code;
                        Err(TeeError::Generic)
                    }
                }
            }
            CMD_CMAC => {
                p.expect([T::ValueInput, T::MemrefInput, T::MemrefOutput, T::None])?;
                let v = p.value_input(0)?;
                let mut out = [0u8; 16];
                let cap = p.memref_output(2)?.capacity().min(out.len());
                let (key, msg) = p.memref_input(1)?.split_at_checked(v.b as usize).ok_or(TeeError::BadParameters)?;
                let mut m = Mac::aes_cmac(key)?;
                let last = feed(msg, v.a as usize, |c| m.update(c))?;
                let r = m.finalize(last, &mut out[..cap]);
                finish(p.memref_output(2)?, r, &out, m.size())
            }
            CMD_GCM => {
                let req = modes::AeRequest::decode(p)?;
                let mut c = AeCipher::gcm(req.mode, req.key, req.nonce, req.tag_len)?;
                req.add_aad(&mut c)?;
                let (payload, tag) = req.payload_and_tag(p.memref_input(2)?)?;
                let out = req.run(&mut c, payload, tag)?;
                p.memref_output(3)?.write(&out)
            }
            CMD_XTS => modes::xts(p),
            CMD_CCM => modes::ccm(p),
            CMD_DERIVE => kdf::derive(p),
            _ => Err(TeeError::NotSupported),
        }
    }
}

/// Feeds all of `msg` but the last piece through `update`, `chunk` bytes
/// at a time (0: nothing), and returns that last piece.
fn feed(msg: &[u8], chunk: usize, mut update: impl FnMut(&[u8]) -> TeeResult) -> TeeResult<&[u8]> {
    let mut rest = msg;
    if chunk > 0 {
        while rest.len() > chunk {
            let (now, later) = rest.split_at(chunk);
            update(now)?;
            rest = later;
        }
    }
    Ok(rest)
}

/// Writes a digest or MAC result back; on SHORT_BUFFER the needed size.
fn finish(out: &mut ta_sdk::Memref<'_>, r: TeeResult<usize>, buf: &[u8], size: usize) -> TeeResult {
    match r {
        Ok(n) => out.write(&buf[..n]),
        Err(TeeError::ShortBuffer) => {
            out.set_size(size);
            Err(TeeError::ShortBuffer)
        }
        Err(e) => Err(e),
    }
}

/// A check's failure: (step, code seen; 0 for "succeeded but should not").
type Step = (u32, u32);

fn code(r: TeeResult) -> u32 {
    r.err().map_or(0, TeeError::code)
}

/// `r` must be exactly `want` (`Ok(())` or one error).
fn expect(step: u32, r: TeeResult, want: TeeResult) -> Result<(), Step> {
    if r == want { Ok(()) } else { Err((step, code(r))) }
}

fn ok<V>(step: u32, r: TeeResult<V>) -> Result<V, Step> {
    r.map_err(|e| (step, e.code()))
}

fn that(step: u32, cond: bool) -> Result<(), Step> {
    if cond { Ok(()) } else { Err((step, 0)) }
}

fn aes_key(step: u32) -> Result<TransientObject, Step> {
    ok(step, TransientObject::secret(object_type::AES, 256, &[0x2b; 16]))
}

fn check(which: u32) -> Result<(), Step> {
    match which {
        // Updates and finals before an init: BAD_STATE.
        CHECK_BAD_STATE => {
            let st = ok(1, sys::cryp_state_alloc(Algorithm::Sha256.digest_id(), mode::DIGEST, 0, 0))?;
            expect(2, sys::hash_update(st, b"abc"), Err(TeeError::BadState))?;
            let mut out = [0u8; 32];
            expect(3, sys::hash_final(st, b"abc", &mut out).0, Err(TeeError::BadState))?;
            ok(4, sys::cryp_state_free(st))?;
            let k = aes_key(5)?;
            let st = ok(6, sys::cryp_state_alloc(alg::AES_ECB_NOPAD, mode::ENCRYPT, k.handle(), 0))?;
            core::mem::forget(k); // the state owns it now
            let mut dst = [0u8; 16];
            expect(7, sys::cipher_update(st, &[0; 16], &mut dst).0, Err(TeeError::BadState))?;
            expect(8, sys::cipher_final(st, &[0; 16], &mut dst).0, Err(TeeError::BadState))?;
            // A digest state is not a cipher: CIPHER_INIT says BAD_STATE.
            let d = ok(9, Digest::new(Algorithm::Sha1))?;
            expect(10, sys::cipher_init(d.handle(), &[]), Err(TeeError::BadState))?;
            ok(11, sys::cryp_state_free(st))
        }
        // GetObjectInfo through populate and reset.
        CHECK_OBJECT_INFO => {
            let o = ok(1, TransientObject::allocate(object_type::AES, 256))?;
            let i = ok(2, o.info())?;
            that(
                3,
                (i.object_type, i.object_size, i.max_object_size, i.object_usage, i.handle_flags)
                    == (object_type::AES, 0, 256, usage::DEFAULT, 0),
            )?;
            ok(4, o.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[1; 24])]))?;
            let i = ok(5, o.info())?;
            that(
                6,
                (i.object_size, i.handle_flags, i.data_size, i.data_position) == (192, HANDLE_FLAG_INITIALIZED, 0, 0),
            )?;
            expect(7, o.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[1; 16])]), Err(TeeError::BadParameters))?;
            ok(8, o.reset())?;
            let i = ok(9, o.info())?;
            that(10, (i.object_size, i.handle_flags) == (0, 0))?;
            ok(11, o.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[1; 32])]))?;
            that(12, ok(13, o.info())?.object_size == 256)?;
            let h = o.handle();
            drop(o);
            // An unknown object handle: BAD_STATE (OP-TEE 4.5 tee_obj_get).
            expect(14, sys::cryp_obj_get_info(h).map(|_| ()), Err(TeeError::BadState))
        }
        // A key given to a state is the state's: not closable, not reusable,
        // freed with it.
        CHECK_BUSY_KEY => {
            let k = aes_key(1)?;
            let h = k.handle();
            let st = ok(2, sys::cryp_state_alloc(alg::AES_ECB_NOPAD, mode::ENCRYPT, h, 0))?;
            core::mem::forget(k);
            expect(3, sys::cryp_obj_close(h), Err(TeeError::ItemNotFound))?;
            expect(
                4,
                sys::cryp_state_alloc(alg::AES_ECB_NOPAD, mode::DECRYPT, h, 0).map(|_| ()),
                Err(TeeError::BadParameters),
            )?;
            ok(5, sys::cryp_state_free(st))?;
            expect(6, sys::cryp_obj_get_info(h).map(|_| ()), Err(TeeError::BadState))?;
            // An unknown state handle: BAD_PARAMETERS.
            expect(7, sys::cryp_state_free(st), Err(TeeError::BadParameters))
        }
        // TEE_CopyOperation mid-stream; copies need the same algorithm.
        CHECK_STATE_COPY => {
            let mut a = ok(1, Digest::new(Algorithm::Sha256))?;
            ok(2, a.update(b"ab"))?;
            let mut b = ok(3, a.try_clone())?;
            let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
            ok(4, a.finalize(b"c", &mut x))?;
            ok(5, b.finalize(b"c", &mut y))?;
            // FIPS 180-4 example: SHA-256("abc").
            const ABC: [u8; 4] = [0xba, 0x78, 0x16, 0xbf];
            that(6, x == y && x[..4] == ABC)?;
            let c = ok(7, Digest::new(Algorithm::Sha1))?;
            expect(8, sys::cryp_state_copy(c.handle(), a.handle()), Err(TeeError::BadParameters))?;
            // After a final the digest starts over.
            ok(9, a.finalize(b"abc", &mut y))?;
            that(10, x == y)
        }
        // Keys must match the algorithm; digests take none, MACs one.
        CHECK_KEY_TYPES => {
            let k = ok(1, TransientObject::secret(object_type::HMAC_SHA1, 512, &[0x0b; 20]))?;
            let bad = BadParams;
            bad.check(2, sys::cryp_state_alloc(Algorithm::Sha256.hmac_id(), mode::MAC, k.handle(), 0))?;
            bad.check(3, sys::cryp_state_alloc(Algorithm::Sha1.digest_id(), mode::DIGEST, k.handle(), 0))?;
            bad.check(4, sys::cryp_state_alloc(Algorithm::Sha1.hmac_id(), mode::MAC, 0, 0))?;
            bad.check(5, sys::cryp_state_alloc(alg::AES_ECB_NOPAD, mode::ENCRYPT, k.handle(), 0))?;
            bad.check(6, sys::cryp_state_alloc(alg::AES_ECB_NOPAD, mode::ENCRYPT, 0, 0))?;
            // The right one works (and the key is then the state's).
            let st = ok(7, sys::cryp_state_alloc(Algorithm::Sha1.hmac_id(), mode::MAC, k.handle(), 0))?;
            core::mem::forget(k);
            ok(8, sys::cryp_state_free(st))
        }
        // ECB and CBC take whole blocks.
        CHECK_BLOCK_SIZE => {
            let mut c = ok(1, Cipher::new(CipherAlgorithm::AesEcbNoPad, Mode::Encrypt, &[0; 16], &[]))?;
            let mut dst = [0u8; 32];
            expect(2, c.update(&[0; 15], &mut dst).map(|_| ()), Err(TeeError::BadParameters))?;
            expect(3, c.finalize(&[0; 17], &mut dst).map(|_| ()), Err(TeeError::BadParameters))?;
            let mut c = ok(4, Cipher::new(CipherAlgorithm::AesCbcNoPad, Mode::Decrypt, &[0; 16], &[0; 16]))?;
            expect(5, c.update(&[0; 20], &mut dst).map(|_| ()), Err(TeeError::BadParameters))?;
            that(6, ok(7, c.update(&[0; 32], &mut dst))? == 32)
        }
        // Object sizes: allowed maximum sizes, values that do not fit.
        CHECK_OBJECT_SIZES => {
            let ns = |r: TeeResult<TransientObject>| r.map(|_| ());
            expect(1, ns(TransientObject::allocate(object_type::AES, 100)), Err(TeeError::NotSupported))?;
            expect(2, ns(TransientObject::allocate(object_type::AES, 512)), Err(TeeError::NotSupported))?;
            expect(3, ns(TransientObject::allocate(object_type::HMAC_SHA256, 160)), Err(TeeError::NotSupported))?;
            expect(4, ns(TransientObject::allocate(0xA000_00FF, 128)), Err(TeeError::NotSupported))?;
            let small = ok(5, TransientObject::allocate(object_type::AES, 128))?;
            expect(6, small.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[0; 24])]), Err(TeeError::BadState))?;
            let big = ok(7, TransientObject::allocate(object_type::AES, 256))?;
            expect(8, big.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[0; 33])]), Err(TeeError::Security))?;
            expect(9, big.populate(&[Attribute::Ref(attr::RSA_MODULUS, &[0; 16])]), Err(TeeError::ItemNotFound))?;
            expect(10, big.populate(&[]), Err(TeeError::ItemNotFound))?;
            // Values are held to the type's sizes too: HMAC-SHA-256 keys
            // from 192 bits, AES keys of 128/192/256 bits.
            let h = ok(11, TransientObject::allocate(object_type::HMAC_SHA256, 1024))?;
            expect(12, h.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[0x0b; 20])]), Err(TeeError::BadParameters))?;
            ok(13, h.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[0x0b; 25])]))?;
            that(14, ok(15, h.info())?.object_size == 200)?;
            expect(16, big.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, &[0; 8])]), Err(TeeError::BadParameters))
        }
        // GENERIC_SECRET: value read back, SHORT_BUFFER, generate, copy.
        CHECK_GENERIC_SECRET => {
            let key: [u8; 32] = core::array::from_fn(|i| i as u8);
            let g = ok(1, TransientObject::secret(object_type::GENERIC_SECRET, 256, &key))?;
            let mut buf = [0u8; 64];
            that(2, ok(3, g.buffer_attribute(ATTR_SECRET_VALUE, &mut buf))? == 32 && buf[..32] == key)?;
            let (r, needed) = sys::cryp_obj_get_attr(g.handle(), ATTR_SECRET_VALUE, &mut buf[..16]);
            expect(4, r, Err(TeeError::ShortBuffer))?;
            that(5, needed == 32)?;
            let fresh = ok(6, TransientObject::allocate(object_type::GENERIC_SECRET, 128))?;
            ok(7, fresh.generate_key(128))?;
            let i = ok(8, fresh.info())?;
            that(9, i.object_size == 128 && i.handle_flags == HANDLE_FLAG_INITIALIZED)?;
            expect(10, fresh.generate_key(128), Err(TeeError::BadState))?;
            let copy = ok(11, TransientObject::allocate(object_type::GENERIC_SECRET, 512))?;
            ok(12, copy.copy_from(&g))?;
            let mut back = [0u8; 64];
            that(13, ok(14, copy.buffer_attribute(ATTR_SECRET_VALUE, &mut back))? == 32 && back[..32] == key)?;
            let aes = ok(15, TransientObject::allocate(object_type::AES, 256))?;
            expect(16, aes.copy_from(&g), Err(TeeError::BadParameters))
        }
        CHECK_XTS => modes::check_xts(),
        CHECK_CTS => modes::check_cts(),
        CHECK_CCM => modes::check_ccm(),
        CHECK_HKDF => kdf::check_hkdf(),
        CHECK_PBKDF2 => kdf::check_pbkdf2(),
        _ => Err((0, TeeError::NotSupported.code())),
    }
}

/// Expects `BAD_PARAMETERS` from a state allocation (freeing any state).
struct BadParams;

impl BadParams {
    fn check(&self, step: u32, r: TeeResult<u32>) -> Result<(), Step> {
        match r {
            Err(TeeError::BadParameters) => Ok(()),
            Err(e) => Err((step, e.code())),
            Ok(st) => {
                let _ = sys::cryp_state_free(st);
                Err((step, 0))
            }
        }
    }
}

ta_sdk::ta! {
    uuid: proto::crypt_ta::UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 8192,
    heap: 65536,
    impl: CryptTa,
}

#[cfg(test)]
mod host_tests;
