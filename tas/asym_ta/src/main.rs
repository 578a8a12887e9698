//! A TA for ta-sdk's asymmetric crypto API (`ta_sdk::crypto::asym`) and the
//! kernel's asymmetric syscalls behind it: UUID
//! `2d753212-0ad1-4ede-9cf1-53795d482d83`. It holds no test logic: the
//! client (`qemu/runner`'s `tz-xtest`, tests 4020-4039) sends keys,
//! parameters and data and checks what comes back, so the same bytes are
//! judged on both trusted OSes.
//!
//! Attribute lists travel as records `id: u32, len: u32, data` (little
//! endian; a value attribute's data is `a: u32, b: u32`), each list
//! prefixed by its record count. A key spec is `obj_type: u32, max_bits:
//! u32`, the key's attribute list, then the operation's parameter list.
//!
//! - 0 `CMD_OPERATE` (VALUE_INPUT a = `TEE_ALG_*`, b = `TEE_MODE_*`;
//!   MEMREF_INPUT key spec; MEMREF_INPUT data; MEMREF_OUTPUT result, or
//!   for mode VERIFY a MEMREF_INPUT signature): encrypt / decrypt / sign /
//!   verify; SHORT_BUFFER with the size the TEE asked for;
//! - 1 `CMD_GENERATE` (VALUE_INPUT a = object type, b = key bits;
//!   MEMREF_INPUT generation parameter list; MEMREF_INPUT attribute ids
//!   (u32s) to read back; MEMREF_OUTPUT their records);
//! - 2 `CMD_DERIVE` (VALUE_INPUT a = `TEE_ALG_*`, b = derived secret max
//!   bits; MEMREF_INPUT key spec, the parameters the peer's public key;
//!   MEMREF_OUTPUT the derived secret value);
//! - 3 `CMD_GET_ATTR` (VALUE_INPUT a = attribute id, b = usage mask for
//!   `TEE_RestrictObjectUsage1`; MEMREF_INPUT key spec; VALUE_INPUT a =
//!   object type to copy the key into first (0: none), b = its max bits;
//!   MEMREF_OUTPUT the attribute, SHORT_BUFFER with the size needed).
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use proto::asym_ta::{CMD_DERIVE, CMD_GENERATE, CMD_GET_ATTR, CMD_OPERATE};
use ta_sdk::crypto::TransientObject;
use ta_sdk::crypto::asym::{AsymMode, AsymmetricOperation, KeyDerivation, OutputError, attr};
use ta_sdk::crypto::object_type;
use ta_sdk::sys::cryp::Attribute;
use ta_sdk::{ParamType as T, Params, TeeError, TeeResult, TrustedApp};

/// The parameters of OPERATE (but verify) and GENERATE: a value, two
/// input buffers, an output buffer.
const VALUE_IN_IN_OUT: [T; 4] = [T::ValueInput, T::MemrefInput, T::MemrefInput, T::MemrefOutput];

/// Reads little-endian `u32`s off the front of a byte slice.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u32(&mut self) -> TeeResult<u32> {
        let (head, rest) = self.0.split_at_checked(4).ok_or(TeeError::BadParameters)?;
        self.0 = rest;
        Ok(u32::from_le_bytes([head[0], head[1], head[2], head[3]]))
    }

    fn bytes(&mut self, n: usize) -> TeeResult<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n).ok_or(TeeError::BadParameters)?;
        self.0 = rest;
        Ok(head)
    }

    /// A count-prefixed attribute list.
    fn attrs(&mut self) -> TeeResult<Vec<Attribute<'a>>> {
        let n = self.u32()?;
        let mut out = Vec::new();
        for _ in 0..n {
            let id = self.u32()?;
            let len = self.u32()? as usize;
            let data = self.bytes(len)?;
            out.push(if id & attr::FLAG_VALUE != 0 {
                let mut v = Reader(data);
                Attribute::Value(id, v.u32()?, v.u32()?)
            } else {
                Attribute::Ref(id, data)
            });
        }
        Ok(out)
    }
}

/// A key spec: the populated key and the operation's parameters.
fn key_spec(blob: &[u8]) -> TeeResult<(TransientObject, Vec<Attribute<'_>>)> {
    let mut r = Reader(blob);
    let (obj_type, max_bits) = (r.u32()?, r.u32()?);
    let key_attrs = r.attrs()?;
    let params = r.attrs()?;
    Ok((TransientObject::with_attributes(obj_type, max_bits, &key_attrs)?, params))
}

fn asym_mode(m: u32) -> TeeResult<AsymMode> {
    Ok(match m {
        0 => AsymMode::Encrypt,
        1 => AsymMode::Decrypt,
        2 => AsymMode::Sign,
        3 => AsymMode::Verify,
        _ => return Err(TeeError::BadParameters),
    })
}

/// Writes `r`'s output to parameter `i`, or its error (with the size the
/// TEE asked for on SHORT_BUFFER).
fn finish(p: &mut Params<'_>, i: usize, r: Result<usize, OutputError>, out: &[u8]) -> TeeResult {
    match r {
        Ok(n) => p.memref_output(i)?.write(&out[..n]),
        Err(OutputError { error: TeeError::ShortBuffer, needed }) => {
            p.memref_output(i)?.set_size(needed);
            Err(TeeError::ShortBuffer)
        }
        Err(e) => Err(e.error),
    }
}

struct AsymTa;

impl TrustedApp for AsymTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(AsymTa)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), cmd: u32, p: &mut Params<'_>) -> TeeResult {
        match cmd {
            CMD_OPERATE => {
                let v = p.value_input(0)?;
                let mode = asym_mode(v.b)?;
                if mode == AsymMode::Verify {
                    p.expect([T::ValueInput, T::MemrefInput, T::MemrefInput, T::MemrefInput])?;
                    let (key, params) = key_spec(p.memref_input(1)?)?;
                    let op = AsymmetricOperation::new(v.a, mode, key)?;
                    return op.verify_digest(&params, p.memref_input(2)?, p.memref_input(3)?);
                }
                p.expect(VALUE_IN_IN_OUT)?;
                let spec = p.memref_input(1)?.to_vec();
                let (key, params) = key_spec(&spec)?;
                let op = AsymmetricOperation::new(v.a, mode, key)?;
                let mut out = vec![0u8; p.memref_output(3)?.capacity()];
                let data = p.memref_input(2)?;
                let r = match mode {
                    AsymMode::Encrypt => op.encrypt(&params, data, &mut out),
                    AsymMode::Decrypt => op.decrypt(&params, data, &mut out),
                    _ => op.sign_digest(&params, data, &mut out),
                };
                finish(p, 3, r, &out)
            }
            CMD_GENERATE => {
                p.expect(VALUE_IN_IN_OUT)?;
                let v = p.value_input(0)?;
                let params = Reader(p.memref_input(1)?).attrs()?;
                let key = TransientObject::generate(v.a, v.b, &params)?;
                let mut ids = Reader(p.memref_input(2)?);
                let mut out = Vec::new();
                let mut buf = vec![0u8; 1024];
                while !ids.0.is_empty() {
                    let id = ids.u32()?;
                    let n = key.buffer_attribute(id, &mut buf)?;
                    out.extend_from_slice(&id.to_le_bytes());
                    out.extend_from_slice(&(n as u32).to_le_bytes());
                    out.extend_from_slice(&buf[..n]);
                }
                p.memref_output(3)?.write(&out)
            }
            CMD_DERIVE => {
                p.expect([T::ValueInput, T::MemrefInput, T::None, T::MemrefOutput])?;
                let v = p.value_input(0)?;
                let (key, params) = key_spec(p.memref_input(1)?)?;
                let kd = KeyDerivation::new(v.a, key)?;
                let secret = TransientObject::allocate(object_type::GENERIC_SECRET, v.b)?;
                kd.derive(&params, &secret)?;
                let mut out = vec![0u8; 512];
                let n = secret.buffer_attribute(ta_sdk::crypto::ATTR_SECRET_VALUE, &mut out)?;
                p.memref_output(3)?.write(&out[..n])
            }
            CMD_GET_ATTR => {
                p.expect([T::ValueInput, T::MemrefInput, T::ValueInput, T::MemrefOutput])?;
                let v = p.value_input(0)?;
                let copy = p.value_input(2)?;
                let (key, _) = key_spec(p.memref_input(1)?)?;
                key.restrict_usage(v.b)?;
                let key = if copy.a != 0 {
                    let dst = TransientObject::allocate(copy.a, copy.b)?;
                    dst.copy_from(&key)?;
                    dst
                } else {
                    key
                };
                let mut out = vec![0u8; p.memref_output(3)?.capacity()];
                let r = key.buffer_attribute_sized(v.a, &mut out);
                finish(p, 3, r, &out)
            }
            _ => Err(TeeError::NotSupported),
        }
    }
}

ta_sdk::ta! {
    uuid: proto::asym_ta::UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 16384,
    heap: 131072,
    impl: AsymTa,
}
