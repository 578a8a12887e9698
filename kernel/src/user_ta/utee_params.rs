//! `struct utee_params`: how a TA entry point receives its four parameters
//! and hands its outputs back. A `u64` of packed `TEE_PARAM_TYPES` and eight
//! `u64` words, `a`/`b` of each parameter (for a memory reference: its
//! address in the TA and its size), little-endian (optee_os 4.5.0
//! `lib/libutee/include/utee_types.h`).

use crate::params::{TaParam, TaParams};

/// Bytes of a `struct utee_params`.
pub const SIZE: usize = 72;

/// The words of a `struct utee_params`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UteeParams {
    /// `TEE_PARAM_TYPES(t0, t1, t2, t3)`.
    pub types: u64,
    /// `a`, `b` of parameter `i` at `2 * i`, `2 * i + 1`.
    pub vals: [u64; 8],
}

impl UteeParams {
    /// The block for `params`: values and memory-reference sizes. Each
    /// memory reference the TA can reach gets its address with
    /// [`Self::set_memref_va`]; a NULL one keeps address 0.
    pub fn for_params(params: &TaParams) -> UteeParams {
        let mut block = UteeParams { types: u64::from(params.types()), vals: [0; 8] };
        for (i, p) in params.0.iter().enumerate() {
            match p {
                TaParam::Value { a, b, .. } => {
                    block.vals[2 * i] = u64::from(*a);
                    block.vals[2 * i + 1] = u64::from(*b);
                }
                TaParam::Memref { size, .. } => block.vals[2 * i + 1] = *size,
                TaParam::None => {}
            }
        }
        block
    }

    /// Sets where parameter `i`'s memory is mapped in the TA.
    pub fn set_memref_va(&mut self, i: usize, va: u64) {
        self.vals[2 * i] = va;
    }

    /// The block as the TA reads it.
    pub fn to_bytes(&self) -> [u8; SIZE] {
        let mut out = [0u8; SIZE];
        out[..8].copy_from_slice(&self.types.to_le_bytes());
        for (i, v) in self.vals.iter().enumerate() {
            out[8 + 8 * i..16 + 8 * i].copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    /// The block as the TA left it; `None` when `bytes` is too short.
    pub fn from_bytes(bytes: &[u8]) -> Option<UteeParams> {
        let word = |at: usize| Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
        let mut vals = [0u64; 8];
        for (i, v) in vals.iter_mut().enumerate() {
            *v = word(8 + 8 * i)?;
        }
        Some(UteeParams { types: word(0)?, vals })
    }

    /// Takes the TA's outputs into `params`: output values (truncated to
    /// the GP API's 32 bits), output memory-reference sizes, and the bytes
    /// of each output memory reference from `copy_of(i)` (the TA's copy),
    /// as many as the reported size and the buffer allow. Inputs and the
    /// types the TA may have rewritten are ignored.
    pub fn copy_outputs<'c>(&self, params: &mut TaParams, copy_of: impl Fn(usize) -> Option<&'c [u8]>) {
        for (i, p) in params.0.iter_mut().enumerate() {
            match p {
                TaParam::Value { dir, a, b } if dir.is_output() => {
                    *a = self.vals[2 * i] as u32;
                    *b = self.vals[2 * i + 1] as u32;
                }
                TaParam::Memref { dir, size, buf, .. } if dir.is_output() => {
                    *size = self.vals[2 * i + 1];
                    if let Some(copy) = copy_of(i) {
                        let n = (*size as usize).min(buf.len()).min(copy.len());
                        buf[..n].copy_from_slice(&copy[..n]);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::Dir;
    use crate::params::NsBuffer;

    fn memref(dir: Dir, buf: &[u8], size: u64) -> TaParam {
        TaParam::Memref { dir, buf: buf.to_vec(), size, source: NsBuffer::Null }
    }

    #[test]
    fn the_block_carries_types_values_and_memref_words() {
        let params = TaParams([
            TaParam::Value { dir: Dir::In, a: 1, b: 0xffff_ffff },
            memref(Dir::InOut, b"abcd", 4),
            TaParam::None,
            memref(Dir::Out, &[], 16),
        ]);
        let mut block = UteeParams::for_params(&params);
        block.set_memref_va(1, 0x4000_2000);
        assert_eq!(block.types, 0x6071, "value in, memref inout, none, memref out");
        assert_eq!(block.vals, [1, 0xffff_ffff, 0x4000_2000, 4, 0, 0, 0, 16]);
        let bytes = block.to_bytes();
        assert_eq!(bytes[..8], block.types.to_le_bytes());
        assert_eq!(bytes[8 + 8 * 2..8 + 8 * 3], 0x4000_2000u64.to_le_bytes());
        assert_eq!(UteeParams::from_bytes(&bytes), Some(block));
        assert_eq!(UteeParams::from_bytes(&bytes[..SIZE - 1]), None);
    }

    #[test]
    fn only_outputs_come_back() {
        let mut params = TaParams([
            TaParam::Value { dir: Dir::In, a: 1, b: 2 },
            TaParam::Value { dir: Dir::InOut, a: 3, b: 4 },
            memref(Dir::In, b"keep", 4),
            memref(Dir::Out, b"....", 4),
        ]);
        let back = UteeParams { types: 0, vals: [9, 9, 0x1_0000_0005, 6, 0, 0, 0, 2] };
        let copies: [&[u8]; 4] = [b"", b"", b"XXXX", b"okXX"];
        back.copy_outputs(&mut params, |i| Some(copies[i]));
        assert_eq!(params.0[0], TaParam::Value { dir: Dir::In, a: 1, b: 2 });
        assert_eq!(params.0[1], TaParam::Value { dir: Dir::InOut, a: 5, b: 6 }, "a truncated to 32 bits");
        assert_eq!(params.0[2], memref(Dir::In, b"keep", 4));
        assert_eq!(params.0[3], memref(Dir::Out, b"ok..", 2));
    }

    #[test]
    fn a_short_buffer_answer_reports_the_size_and_copies_what_fits() {
        let mut params =
            TaParams([memref(Dir::Out, b"..", 2), memref(Dir::InOut, b"", 0), TaParam::None, TaParam::None]);
        let back = UteeParams { types: 0, vals: [0, 100, 0, 7, 0, 0, 0, 0] };
        let copy = [b'x'; 4096];
        back.copy_outputs(&mut params, |i| (i == 0).then_some(&copy[..]));
        assert_eq!(params.0[0], memref(Dir::Out, b"xx", 100));
        assert_eq!(params.0[1], memref(Dir::InOut, b"", 7), "a NULL output memref reports its size only");
    }
}
