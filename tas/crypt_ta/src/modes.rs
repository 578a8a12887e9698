//! `CMD_XTS`, `CMD_CCM` and the checks of XTS, CTS and CCM's error codes
//! (CTS's known answers go through `CMD_CIPHER`).

use alloc::vec;
use alloc::vec::Vec;
use ta_sdk::crypto::modes::ALG_AES_CCM;
use ta_sdk::crypto::{AeCipher, Cipher, CipherAlgorithm, Mode, TransientObject, mode, object_type};
use ta_sdk::sys::cryp as sys;
use ta_sdk::{ParamType as T, Params, TeeError, TeeResult};

use crate::{Step, expect, feed, ok, that};

fn mode_of(v: u32) -> Mode {
    if v & 0xff == 0 { Mode::Encrypt } else { Mode::Decrypt }
}

/// `CMD_XTS` (VALUE_INPUT a = mode (0 encrypt, 1 decrypt) | key length
/// << 8 | update chunk << 16 (0: all in the final); MEMREF_INPUT key1 ‖
/// key2 ‖ tweak; MEMREF_INPUT input; MEMREF_OUTPUT output).
pub fn xts(p: &mut Params<'_>) -> TeeResult {
    p.expect([T::ValueInput, T::MemrefInput, T::MemrefInput, T::MemrefOutput])?;
    let v = p.value_input(0)?;
    let (key_len, chunk) = ((v.a >> 8 & 0xff) as usize, (v.a >> 16) as usize);
    let keys = p.memref_input(1)?;
    if keys.len() != 2 * key_len + 16 {
        return Err(TeeError::BadParameters);
    }
    let (key1, rest) = keys.split_at(key_len);
    let (key2, tweak) = rest.split_at(key_len);
    let mut c = Cipher::xts(mode_of(v.a), key1, key2, tweak)?;
    let input = p.memref_input(2)?;
    let mut out = vec![0u8; input.len()];
    let mut done = 0;
    let rest = feed(input, chunk, |now| {
        done += c.update(now, &mut out[done..])?;
        Ok(())
    })?;
    done += c.finalize(rest, &mut out[done..])?;
    p.memref_output(3)?.write(&out[..done])
}

/// What `CMD_GCM` and `CMD_CCM` take: VALUE_INPUT a = mode | key length
/// << 8 | nonce length << 16 | payload update chunk << 24 (0: all in the
/// final), b = AAD length | tag length << 16; MEMREF_INPUT key ‖ nonce ‖
/// AAD; MEMREF_INPUT plaintext, or ciphertext ‖ tag; MEMREF_OUTPUT
/// ciphertext ‖ tag, or plaintext.
pub struct AeRequest<'p> {
    pub mode: Mode,
    pub key: &'p [u8],
    pub nonce: &'p [u8],
    pub aad: &'p [u8],
    chunk: usize,
    pub tag_len: usize,
}

impl<'p> AeRequest<'p> {
    /// The parameter types, the value and the key ‖ nonce ‖ AAD buffer.
    pub fn decode(p: &'p Params<'_>) -> TeeResult<AeRequest<'p>> {
        p.expect([T::ValueInput, T::MemrefInput, T::MemrefInput, T::MemrefOutput])?;
        let v = p.value_input(0)?;
        let (key_len, nonce_len, chunk) =
            ((v.a >> 8 & 0xff) as usize, (v.a >> 16 & 0xff) as usize, (v.a >> 24) as usize);
        let (aad_len, tag_len) = ((v.b & 0xffff) as usize, (v.b >> 16) as usize);
        let kna = p.memref_input(1)?;
        if kna.len() != key_len + nonce_len + aad_len {
            return Err(TeeError::BadParameters);
        }
        let (key, rest) = kna.split_at(key_len);
        let (nonce, aad) = rest.split_at(nonce_len);
        Ok(AeRequest { mode: mode_of(v.a), key, nonce, aad, chunk, tag_len })
    }

    /// The second buffer as (payload, tag): the tag is its last `tag_len`
    /// bytes when decrypting, empty when encrypting.
    pub fn payload_and_tag<'i>(&self, input: &'i [u8]) -> TeeResult<(&'i [u8], &'i [u8])> {
        match self.mode {
            Mode::Decrypt => Ok(input.split_at(input.len().checked_sub(self.tag_len).ok_or(TeeError::BadParameters)?)),
            Mode::Encrypt => Ok((input, &[])),
        }
    }

    /// The AAD into `c`, if there is any.
    pub fn add_aad(&self, c: &mut AeCipher) -> TeeResult {
        if self.aad.is_empty() { Ok(()) } else { c.update_aad(self.aad) }
    }

    /// `payload` through `c` in updates of the chunk size, then the final:
    /// the output, ciphertext ‖ tag or plaintext.
    pub fn run(&self, c: &mut AeCipher, payload: &[u8], tag: &[u8]) -> TeeResult<Vec<u8>> {
        let mut out = vec![0u8; payload.len() + self.tag_len];
        let mut done = 0;
        let rest = feed(payload, self.chunk, |now| {
            done += c.update(now, &mut out[done..payload.len()])?;
            Ok(())
        })?;
        let total = match self.mode {
            Mode::Decrypt => done + c.decrypt_final(rest, &mut out[done..payload.len()], tag)?,
            Mode::Encrypt => {
                let (body, tag_out) = out.split_at_mut(payload.len());
                let (n, t) = c.encrypt_final(rest, &mut body[done..], tag_out)?;
                if done + n != payload.len() || t != self.tag_len {
                    return Err(TeeError::Generic);
                }
                payload.len() + t
            }
        };
        out.truncate(total);
        Ok(out)
    }
}

/// `CMD_CCM` (see [`AeRequest`]). The lengths announced at init are the
/// real ones, so the payload is split off before the init.
pub fn ccm(p: &mut Params<'_>) -> TeeResult {
    let req = AeRequest::decode(p)?;
    let (payload, tag) = req.payload_and_tag(p.memref_input(2)?)?;
    let mut c = AeCipher::ccm(req.mode, req.key, req.nonce, req.tag_len, req.aad.len(), payload.len())?;
    req.add_aad(&mut c)?;
    let out = req.run(&mut c, payload, tag)?;
    p.memref_output(3)?.write(&out)
}

fn aes_key(step: u32, len: usize) -> Result<TransientObject, Step> {
    ok(step, TransientObject::secret(object_type::AES, 256, &[0x2b; 32][..len]))
}

/// A raw AES state of `algo` with keys of `k1` and (when not 0) `k2` bytes;
/// the keys are the state's from then on.
fn raw_state(step: u32, algo: u32, m: u32, k1: usize, k2: usize) -> Result<u32, Step> {
    let key1 = aes_key(step, k1)?;
    let key2 = if k2 > 0 { Some(aes_key(step, k2)?) } else { None };
    let st = ok(step, sys::cryp_state_alloc(algo, m, key1.handle(), key2.as_ref().map_or(0, TransientObject::handle)))?;
    core::mem::forget(key1);
    core::mem::forget(key2);
    Ok(st)
}

/// XTS: two keys of one length, a 16-byte tweak, a block per call.
pub fn check_xts() -> Result<(), Step> {
    let xts = CipherAlgorithm::AesXts.id();
    let one = aes_key(1, 16)?;
    expect(2, sys::cryp_state_alloc(xts, mode::ENCRYPT, one.handle(), 0).map(|_| ()), Err(TeeError::BadParameters))?;
    let st = raw_state(3, xts, mode::ENCRYPT, 16, 32)?;
    expect(4, sys::cipher_init(st, &[0; 16]), Err(TeeError::BadParameters))?;
    ok(5, sys::cryp_state_free(st))?;
    let st = raw_state(6, xts, mode::ENCRYPT, 16, 16)?;
    expect(7, sys::cipher_init(st, &[0; 8]), Err(TeeError::BadParameters))?;
    ok(8, sys::cipher_init(st, &[0; 16]))?;
    let mut dst = [0u8; 32];
    expect(9, sys::cipher_update(st, &[0; 17], &mut dst).0, Err(TeeError::BadParameters))?;
    expect(10, sys::cipher_final(st, &[0; 15], &mut dst).0, Err(TeeError::BadState))?;
    let (r, needed) = sys::cipher_update(st, &[0; 32], &mut dst[..16]);
    expect(11, r, Err(TeeError::ShortBuffer))?;
    that(12, needed == 32)?;
    that(13, ok(14, sys::cipher_final(st, &[0; 17], &mut dst).0.map(|()| 0))? == 0)?;
    ok(15, sys::cryp_state_free(st))
}

/// CTS: whole blocks before the final, more than one block in it.
pub fn check_cts() -> Result<(), Step> {
    let mut c = ok(1, Cipher::new(CipherAlgorithm::AesCts, Mode::Encrypt, &[0; 16], &[0; 16]))?;
    let mut dst = [0u8; 48];
    expect(2, c.update(&[0; 17], &mut dst).map(|_| ()), Err(TeeError::BadParameters))?;
    expect(3, c.finalize(&[0; 16], &mut dst).map(|_| ()), Err(TeeError::BadState))?;
    let mut c = ok(4, Cipher::new(CipherAlgorithm::AesCts, Mode::Decrypt, &[0; 16], &[0; 16]))?;
    that(5, ok(6, c.update(&[0; 16], &mut dst))? == 16)?;
    that(7, ok(8, c.finalize(&[0; 17], &mut dst))? == 17)?;
    expect(
        9,
        Cipher::new(CipherAlgorithm::AesCts, Mode::Encrypt, &[0; 16], &[0; 8]).map(|_| ()),
        Err(TeeError::BadParameters),
    )
}

/// CCM: nonce, tag and length errors as upstream's LibTomCrypt glue.
pub fn check_ccm() -> Result<(), Step> {
    let st = raw_state(1, ALG_AES_CCM, mode::ENCRYPT, 16, 0)?;
    expect(2, sys::authenc_init(st, &[0; 14], 16, 0, 16), Err(TeeError::BadParameters))?;
    expect(3, sys::authenc_init(st, &[0; 6], 16, 0, 16), Err(TeeError::BadState))?;
    expect(4, sys::authenc_init(st, &[0; 12], 5, 0, 16), Err(TeeError::NotSupported))?;
    expect(5, sys::authenc_init(st, &[0; 12], 2, 0, 16), Err(TeeError::NotSupported))?;
    expect(6, sys::authenc_init(st, &[0; 12], 18, 0, 16), Err(TeeError::NotSupported))?;
    // Lengths announced: 4 bytes of AAD, 16 of payload.
    ok(7, sys::authenc_init(st, &[0; 12], 16, 4, 16))?;
    let mut dst = [0u8; 32];
    expect(8, sys::authenc_update_payload(st, &[0; 16], &mut dst).0, Err(TeeError::BadState))?;
    expect(9, sys::authenc_update_aad(st, &[0; 5]), Err(TeeError::BadState))?;
    ok(10, sys::authenc_update_aad(st, &[0; 4]))?;
    expect(11, sys::authenc_update_payload(st, &[0; 17], &mut dst).0, Err(TeeError::BadState))?;
    ok(12, sys::authenc_update_payload(st, &[0; 8], &mut dst).0)?;
    // A tag buffer too small: SHORT_BUFFER with the tag length.
    let mut tag = [0u8; 16];
    let (r, _, needed) = sys::authenc_enc_final(st, &[], &mut [], &mut tag[..4]);
    expect(13, r, Err(TeeError::ShortBuffer))?;
    that(14, needed == 16)?;
    ok(15, sys::cryp_state_free(st))?;
    // Less payload than announced: the final is BAD_STATE.
    let st = raw_state(16, ALG_AES_CCM, mode::ENCRYPT, 16, 0)?;
    ok(17, sys::authenc_init(st, &[0; 7], 4, 0, 16))?;
    expect(18, sys::authenc_enc_final(st, &[0; 15], &mut dst, &mut tag).0, Err(TeeError::BadState))?;
    ok(19, sys::cryp_state_free(st))?;
    // Decrypting: an empty tag is SHORT_BUFFER.
    let st = raw_state(20, ALG_AES_CCM, mode::DECRYPT, 16, 0)?;
    ok(21, sys::authenc_init(st, &[0; 13], 8, 0, 0))?;
    expect(22, sys::authenc_dec_final(st, &[], &mut [], &[]).0, Err(TeeError::ShortBuffer))?;
    ok(23, sys::cryp_state_free(st))
}
