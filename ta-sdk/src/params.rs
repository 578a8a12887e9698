//! The four parameters of an entry call, as safe typed values.
//!
//! The kernel passes `struct utee_params` (72 bytes: `types` with one 4-bit
//! `TEE_PARAM_TYPE_*` per parameter, then `vals[8]`, two per parameter: value
//! `a`/`b`, or memref address/size). The entry glue decodes it into
//! [`Params`] before calling the TA and encodes the outputs back afterwards:
//! value outputs and memref output sizes travel back to the client.

//!
//! ```ignore
//! use ta_sdk::{ParamType as T, Params, TeeResult};
//! fn reverse(p: &mut Params<'_>) -> TeeResult {
//!     p.expect([T::MemrefInput, T::MemrefOutput, T::None, T::None])?;
//!     let reversed: alloc::vec::Vec<u8> = p.memref_input(0)?.iter().rev().copied().collect();
//!     p.memref_output(1)?.write(&reversed) // Err(ShortBuffer) tells the client the size needed
//! }
//! ```
/// `struct utee_params`: what the kernel writes at the top of the TA stack
/// (tee-abi's [`tee_abi::utee::UteeParams`]).
pub use tee_abi::utee::UteeParams as RawParams;
pub use tee_abi::utee::{NUM_PARAMS, ParamType};

use crate::error::{TeeError, TeeResult};

/// A value parameter (`TEE_Param.value`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Value {
    pub a: u32,
    pub b: u32,
}

/// An output or in/out buffer shared with the client.
///
/// `size` starts as the size the client provided and is what travels back:
/// set it to the number of bytes produced, or, together with
/// `Err(TeeError::ShortBuffer)`, to the size that would have been needed.
#[derive(Debug)]
pub struct Memref<'a> {
    buf: &'a mut [u8],
    size: usize,
}

impl<'a> Memref<'a> {
    /// The client's buffer (empty for a NULL memref).
    pub fn buffer(&mut self) -> &mut [u8] {
        self.buf
    }

    /// The client's buffer, read-only: the input of an in/out memref.
    pub fn data(&self) -> &[u8] {
        self.buf
    }

    /// Bytes actually available in [`Memref::buffer`].
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The size that goes back to the client.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Sets the size that goes back to the client; it may exceed
    /// [`Memref::capacity`] to report the size a short buffer needed.
    pub fn set_size(&mut self, size: usize) {
        self.size = size;
    }

    /// Copies `data` to the start of the buffer and sets the size; if the
    /// buffer is too small, sets the size to `data.len()` and returns
    /// `TeeError::ShortBuffer`.
    pub fn write(&mut self, data: &[u8]) -> TeeResult {
        self.size = data.len();
        match self.buf.get_mut(..data.len()) {
            Some(dst) => {
                dst.copy_from_slice(data);
                Ok(())
            }
            None => Err(TeeError::ShortBuffer),
        }
    }
}

/// One parameter, typed.
#[derive(Debug, Default)]
pub enum Param<'a> {
    #[default]
    None,
    ValueInput(Value),
    ValueOutput(Value),
    ValueInout(Value),
    MemrefInput(&'a [u8]),
    MemrefOutput(Memref<'a>),
    MemrefInout(Memref<'a>),
}

impl Param<'_> {
    /// Its `TEE_PARAM_TYPE_*`.
    pub fn param_type(&self) -> ParamType {
        match self {
            Param::None => ParamType::None,
            Param::ValueInput(_) => ParamType::ValueInput,
            Param::ValueOutput(_) => ParamType::ValueOutput,
            Param::ValueInout(_) => ParamType::ValueInout,
            Param::MemrefInput(_) => ParamType::MemrefInput,
            Param::MemrefOutput(_) => ParamType::MemrefOutput,
            Param::MemrefInout(_) => ParamType::MemrefInout,
        }
    }
}

/// The four parameters of an open-session or invoke call.
#[derive(Debug, Default)]
pub struct Params<'a> {
    params: [Param<'a>; NUM_PARAMS],
}

impl<'a> Params<'a> {
    /// Four `None` parameters.
    pub fn none() -> Params<'a> {
        Params::default()
    }

    /// Parameters from typed values (for tests and TA-internal calls).
    pub fn from_array(params: [Param<'a>; NUM_PARAMS]) -> Params<'a> {
        Params { params }
    }

    /// The four types.
    pub fn types(&self) -> [ParamType; NUM_PARAMS] {
        [0, 1, 2, 3].map(|i| self.params[i].param_type())
    }

    /// `TEE_ERROR_BAD_PARAMETERS` unless the types are exactly `expected`.
    pub fn expect(&self, expected: [ParamType; NUM_PARAMS]) -> TeeResult {
        if self.types() == expected { Ok(()) } else { Err(TeeError::BadParameters) }
    }

    /// Parameter `i` (0..4).
    ///
    /// # Panics
    /// If `i >= 4`.
    pub fn get(&self, i: usize) -> &Param<'a> {
        &self.params[i]
    }

    /// Parameter `i` (0..4), mutable.
    ///
    /// # Panics
    /// If `i >= 4`.
    pub fn get_mut(&mut self, i: usize) -> &mut Param<'a> {
        &mut self.params[i]
    }

    fn slot(&mut self, i: usize) -> TeeResult<&mut Param<'a>> {
        self.params.get_mut(i).ok_or(TeeError::BadParameters)
    }

    /// Parameter `i` as a VALUE_INPUT, else `TEE_ERROR_BAD_PARAMETERS`.
    pub fn value_input(&self, i: usize) -> TeeResult<Value> {
        match self.params.get(i) {
            Some(Param::ValueInput(v)) => Ok(*v),
            _ => Err(TeeError::BadParameters),
        }
    }

    /// Parameter `i` as a VALUE_OUTPUT, else `TEE_ERROR_BAD_PARAMETERS`.
    pub fn value_output(&mut self, i: usize) -> TeeResult<&mut Value> {
        match self.slot(i)? {
            Param::ValueOutput(v) => Ok(v),
            _ => Err(TeeError::BadParameters),
        }
    }

    /// Parameter `i` as a VALUE_INOUT, else `TEE_ERROR_BAD_PARAMETERS`.
    pub fn value_inout(&mut self, i: usize) -> TeeResult<&mut Value> {
        match self.slot(i)? {
            Param::ValueInout(v) => Ok(v),
            _ => Err(TeeError::BadParameters),
        }
    }

    /// Parameter `i` as a MEMREF_INPUT, else `TEE_ERROR_BAD_PARAMETERS`.
    pub fn memref_input(&self, i: usize) -> TeeResult<&[u8]> {
        match self.params.get(i) {
            Some(Param::MemrefInput(m)) => Ok(m),
            _ => Err(TeeError::BadParameters),
        }
    }

    /// Parameter `i` as a MEMREF_OUTPUT, else `TEE_ERROR_BAD_PARAMETERS`.
    pub fn memref_output(&mut self, i: usize) -> TeeResult<&mut Memref<'a>> {
        match self.slot(i)? {
            Param::MemrefOutput(m) => Ok(m),
            _ => Err(TeeError::BadParameters),
        }
    }

    /// Parameter `i` as a MEMREF_INOUT, else `TEE_ERROR_BAD_PARAMETERS`.
    pub fn memref_inout(&mut self, i: usize) -> TeeResult<&mut Memref<'a>> {
        match self.slot(i)? {
            Param::MemrefInout(m) => Ok(m),
            _ => Err(TeeError::BadParameters),
        }
    }

    /// Decodes `raw`. `map(addr, len)` turns a memref's (non-NULL, non-empty)
    /// range into a slice; the ranges it is asked for never overlap (a call
    /// whose memrefs overlap is refused with `TEE_ERROR_BAD_PARAMETERS`, as
    /// two views of one buffer cannot both be Rust slices), nor wrap around.
    pub fn decode(raw: &RawParams, mut map: impl FnMut(usize, usize) -> &'a mut [u8]) -> TeeResult<Params<'a>> {
        let mut types = [ParamType::None; NUM_PARAMS];
        let mut ranges = [(0usize, 0usize); NUM_PARAMS];
        for (i, t) in types.iter_mut().enumerate() {
            *t = ParamType::from_nibble(((raw.types >> (4 * i)) & 0xf) as u8).ok_or(TeeError::BadParameters)?;
            if t.is_memref() {
                let addr = usize::try_from(raw.vals[2 * i]).map_err(|_| TeeError::BadParameters)?;
                let len = usize::try_from(raw.vals[2 * i + 1]).map_err(|_| TeeError::BadParameters)?;
                if addr != 0 {
                    addr.checked_add(len).ok_or(TeeError::BadParameters)?;
                    ranges[i] = (addr, len);
                }
            }
        }
        if raw.types >> (4 * NUM_PARAMS) != 0 {
            return Err(TeeError::BadParameters);
        }
        for i in 0..NUM_PARAMS {
            for j in i + 1..NUM_PARAMS {
                let (a, al) = ranges[i];
                let (b, bl) = ranges[j];
                if al != 0 && bl != 0 && a < b + bl && b < a + al {
                    return Err(TeeError::BadParameters);
                }
            }
        }
        let mut params = Params::none();
        for i in 0..NUM_PARAMS {
            let (va, vb) = (raw.vals[2 * i], raw.vals[2 * i + 1]);
            // Values are 32-bit in the GP API; the upper halves are ignored as libutee does.
            let value = Value { a: va as u32, b: vb as u32 };
            let (addr, len) = ranges[i];
            let mut slice = || -> &'a mut [u8] { if len == 0 { &mut [] } else { map(addr, len) } };
            params.params[i] = match types[i] {
                ParamType::None => Param::None,
                ParamType::ValueInput => Param::ValueInput(value),
                ParamType::ValueOutput => Param::ValueOutput(value),
                ParamType::ValueInout => Param::ValueInout(value),
                ParamType::MemrefInput => Param::MemrefInput(slice()),
                ParamType::MemrefOutput => Param::MemrefOutput(Memref { buf: slice(), size: vb as usize }),
                ParamType::MemrefInout => Param::MemrefInout(Memref { buf: slice(), size: vb as usize }),
            };
        }
        Ok(params)
    }

    /// Writes the outputs back into `raw` the way libutee does: value
    /// `a`/`b` of VALUE_OUTPUT/INOUT and the size of MEMREF_OUTPUT/INOUT.
    pub fn encode_outputs(&self, raw: &mut RawParams) {
        for (i, p) in self.params.iter().enumerate() {
            match p {
                Param::ValueOutput(v) | Param::ValueInout(v) => {
                    raw.vals[2 * i] = u64::from(v.a);
                    raw.vals[2 * i + 1] = u64::from(v.b);
                }
                Param::MemrefOutput(m) | Param::MemrefInout(m) => raw.vals[2 * i + 1] = m.size as u64,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn raw(types: [ParamType; 4], vals: [u64; 8]) -> RawParams {
        RawParams { types: u64::from(ParamType::pack(types)), vals }
    }

    #[test]
    fn layout() {
        assert_eq!(core::mem::size_of::<RawParams>(), 72);
        assert_eq!(
            ParamType::pack([ParamType::ValueInout, ParamType::None, ParamType::MemrefOutput, ParamType::None]),
            0x0603
        );
    }

    #[test]
    fn values_round_trip() {
        use ParamType::*;
        let mut r = raw([ValueInout, ValueInput, ValueOutput, None], [42, 7, 1, 2, 9, 9, 0, 0]);
        let mut p = Params::decode(&r, |_, _| unreachable!()).unwrap();
        assert_eq!(p.types(), [ValueInout, ValueInput, ValueOutput, None]);
        assert_eq!(p.expect([ValueInout, ValueInput, ValueOutput, None]), Ok(()));
        assert_eq!(p.expect([ValueInout, None, None, None]), Err(TeeError::BadParameters));
        assert_eq!(p.value_input(1), Ok(Value { a: 1, b: 2 }));
        assert!(p.value_inout(1).is_err());
        assert!(p.memref_input(0).is_err());
        assert!(p.value_inout(7).is_err());
        p.value_inout(0).unwrap().a += 1;
        *p.value_output(2).unwrap() = Value { a: 0xdead_beef, b: 5 };
        p.encode_outputs(&mut r);
        assert_eq!(r.vals, [43, 7, 1, 2, 0xdead_beef, 5, 0, 0]);
    }

    #[test]
    fn memrefs() {
        use ParamType::*;
        let mut bufs: Vec<Vec<u8>> = vec![b"input".to_vec(), vec![0; 4], b"abc".to_vec()];
        let addrs = [0x1000usize, 0x2000, 0x3000];
        let mut r =
            raw([MemrefInput, MemrefOutput, MemrefInout, MemrefOutput], [0x1000, 5, 0x2000, 4, 0x3000, 3, 0, 64]);
        let mut slices: Vec<Option<&mut [u8]>> = bufs.iter_mut().map(|b| Some(b.as_mut_slice())).collect();
        let mut p = Params::decode(&r, |addr, len| {
            let i = addrs.iter().position(|&a| a == addr).unwrap();
            let s = slices[i].take().unwrap();
            assert_eq!(s.len(), len);
            s
        })
        .unwrap();
        assert_eq!(p.memref_input(0).unwrap(), b"input");
        let out = p.memref_output(1).unwrap();
        assert_eq!(out.capacity(), 4);
        assert_eq!(out.write(b"too long"), Err(TeeError::ShortBuffer));
        assert_eq!(out.size(), 8);
        out.write(b"ok").unwrap();
        let io = p.memref_inout(2).unwrap();
        assert_eq!(io.data(), b"abc");
        io.buffer().make_ascii_uppercase();
        io.set_size(2);
        // NULL output memref with a size: a size query.
        let null = p.memref_output(3).unwrap();
        assert_eq!((null.capacity(), null.size()), (0, 64));
        null.set_size(100);
        p.encode_outputs(&mut r);
        assert_eq!(r.vals, [0x1000, 5, 0x2000, 2, 0x3000, 2, 0, 100]);
        assert_eq!(&bufs[1][..2], b"ok");
        assert_eq!(bufs[2], b"ABC");
    }

    #[test]
    fn refusals() {
        use ParamType::*;
        // Undefined type code 4.
        let r = RawParams { types: 0x4, vals: [0; 8] };
        assert_eq!(Params::decode(&r, |_, _| unreachable!()).err(), Some(TeeError::BadParameters));
        // Bits above the four nibbles.
        let r = RawParams { types: 0x1_0000, vals: [0; 8] };
        assert_eq!(Params::decode(&r, |_, _| unreachable!()).err(), Some(TeeError::BadParameters));
        // Overlapping memrefs.
        let r = raw([MemrefInput, MemrefOutput, None, None], [0x1000, 16, 0x100f, 1, 0, 0, 0, 0]);
        assert_eq!(Params::decode(&r, |_, _| unreachable!()).err(), Some(TeeError::BadParameters));
        // Wrapping range.
        let r = raw([MemrefInput, None, None, None], [u64::MAX, 2, 0, 0, 0, 0, 0, 0]);
        assert_eq!(Params::decode(&r, |_, _| unreachable!()).err(), Some(TeeError::BadParameters));
        // Adjacent memrefs are fine; empty ones are never mapped.
        let mut a = [0u8; 16];
        let mut b = [0u8; 1];
        let mut bufs = [Some(&mut a[..]), Some(&mut b[..])];
        let r = raw([MemrefInput, MemrefOutput, MemrefInout, None], [0x1000, 16, 0x1010, 1, 0x1000, 0, 0, 0]);
        let p = Params::decode(&r, |addr, _| bufs[(addr - 0x1000) / 16].take().unwrap()).unwrap();
        assert_eq!(p.types(), [MemrefInput, MemrefOutput, MemrefInout, None]);
    }
}
