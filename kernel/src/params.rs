//! The four GlobalPlatform parameters of a call into a TA or pseudo-TA, held
//! in secure memory: memory references are bounce buffers copied in from the
//! normal world before the call and copied back after it.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use crate::msg::{Dir, MsgParam, Param};
use crate::shm::{NsMemory, SharedMem, ShmRegistry};
use crate::sync::SpinLock;

/// `TEE_PARAM_TYPE_*` numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ParamType {
    /// `TEE_PARAM_TYPE_NONE`.
    None = 0,
    /// `TEE_PARAM_TYPE_VALUE_INPUT`.
    ValueInput = 1,
    /// `TEE_PARAM_TYPE_VALUE_OUTPUT`.
    ValueOutput = 2,
    /// `TEE_PARAM_TYPE_VALUE_INOUT`.
    ValueInout = 3,
    /// `TEE_PARAM_TYPE_MEMREF_INPUT`.
    MemrefInput = 5,
    /// `TEE_PARAM_TYPE_MEMREF_OUTPUT`.
    MemrefOutput = 6,
    /// `TEE_PARAM_TYPE_MEMREF_INOUT`.
    MemrefInout = 7,
}

/// Largest memory reference copied into secure memory.
pub const MAX_MEMREF: u64 = 4 << 20;

/// A zeroed buffer of `len` bytes, or `TEE_ERROR_OUT_OF_MEMORY` when the heap
/// cannot hold it. Sizes chosen by the normal world or a TA never abort the
/// kernel.
pub fn try_zeroed(len: usize) -> Result<Vec<u8>, u32> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| TeeError::OutOfMemory.code())?;
    v.resize(len, 0);
    Ok(v)
}

/// Heap bytes the memory references of `params` take while a call runs:
/// the bounce buffer and the page-aligned copy mapped for the TA, each
/// rounded up to whole pages (what [`crate::bounce`] charges). Saturates
/// for sizes past [`MAX_MEMREF`], which are refused anyway.
pub fn bounce_cost(params: &[MsgParam]) -> usize {
    params
        .iter()
        .map(|p| match p.param {
            Param::Rmem { size, .. } | Param::Tmem { size, .. } if !p.meta && size > 0 => {
                if size > MAX_MEMREF {
                    usize::MAX
                } else {
                    2 * size.next_multiple_of(4096) as usize
                }
            }
            _ => 0,
        })
        .fold(0, usize::saturating_add)
}

/// A copy of `bytes`, or `TEE_ERROR_OUT_OF_MEMORY` when the heap cannot
/// hold it (for copies sized by a TA or the normal world).
pub fn try_copy(bytes: &[u8]) -> Result<Vec<u8>, u32> {
    let mut v = Vec::new();
    v.try_reserve_exact(bytes.len()).map_err(|_| TeeError::OutOfMemory.code())?;
    v.extend_from_slice(bytes);
    Ok(v)
}

/// Grows `v` to `len` bytes (zeros), or `TEE_ERROR_OUT_OF_MEMORY`.
pub fn try_resize(v: &mut Vec<u8>, len: usize) -> Result<(), u32> {
    v.try_reserve_exact(len.saturating_sub(v.len())).map_err(|_| TeeError::OutOfMemory.code())?;
    v.resize(len, 0);
    Ok(())
}

/// Where a memory reference lives in the normal world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NsBuffer {
    /// A NULL memref.
    Null,
    /// `size` bytes at `offs` in a registered object.
    Registered {
        /// Cookie.
        cookie: u64,
        /// The object.
        shm: SharedMem,
        /// Offset in the object.
        offs: u64,
    },
    /// Contiguous normal-world memory.
    Physical(u64),
}

/// One parameter in secure memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaParam {
    /// Unused.
    None,
    /// Value `a`, `b` (the GP API has 32-bit values).
    Value {
        /// Direction.
        dir: Dir,
        /// `a`.
        a: u32,
        /// `b`.
        b: u32,
    },
    /// Memory reference.
    Memref {
        /// Direction.
        dir: Dir,
        /// The bounce buffer (empty for NULL).
        buf: Vec<u8>,
        /// Size as the TA sees or reports it.
        size: u64,
        /// Where it came from.
        source: NsBuffer,
    },
}

impl TaParam {
    /// Whether the TA gets an address for this parameter: a memory
    /// reference with bytes, or an empty one into real normal-world memory.
    /// Only a NULL reference reaches the TA as NULL; an empty one is a
    /// valid, non-NULL buffer of size 0, as on upstream (optee_test 4.5.0
    /// xtest 1025 and 1016 check `buffer != NULL && size == 0`).
    pub fn is_addressable_memref(&self) -> bool {
        match self {
            TaParam::Memref { buf, source, .. } => !buf.is_empty() || *source != NsBuffer::Null,
            _ => false,
        }
    }

    /// The GP type of this parameter.
    pub fn param_type(&self) -> ParamType {
        match self {
            TaParam::None => ParamType::None,
            TaParam::Value { dir: Dir::In, .. } => ParamType::ValueInput,
            TaParam::Value { dir: Dir::Out, .. } => ParamType::ValueOutput,
            TaParam::Value { dir: Dir::InOut, .. } => ParamType::ValueInout,
            TaParam::Memref { dir: Dir::In, .. } => ParamType::MemrefInput,
            TaParam::Memref { dir: Dir::Out, .. } => ParamType::MemrefOutput,
            TaParam::Memref { dir: Dir::InOut, .. } => ParamType::MemrefInout,
        }
    }
}

/// The four parameters of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaParams(pub [TaParam; 4]);

impl TaParams {
    /// No parameters.
    pub fn none() -> TaParams {
        TaParams([TaParam::None, TaParam::None, TaParam::None, TaParam::None])
    }

    /// `TEE_PARAM_TYPES(t0, t1, t2, t3)`.
    pub fn types(&self) -> u32 {
        self.0.iter().enumerate().fold(0, |acc, (i, p)| acc | ((p.param_type() as u32) << (4 * i)))
    }

    /// Copies the normal-world parameters in (inputs read, outputs sized).
    /// `registry` entries used are marked busy until [`Self::release`].
    ///
    /// The registry's lock is taken only to look objects up and release
    /// them: the copies (up to [`MAX_MEMREF`] each) run with interrupts
    /// open.
    pub fn copy_in(
        params: &[MsgParam],
        mem: &dyn NsMemory,
        registry: &SpinLock<ShmRegistry>,
    ) -> Result<TaParams, TeeError> {
        if params.len() > 4 {
            return Err(TeeError::BadParameters);
        }
        let mut out = TaParams::none();
        for (i, param) in params.iter().enumerate() {
            match Self::copy_in_one(param, mem, registry) {
                Ok(p) => out.0[i] = p,
                Err(e) => {
                    // Drop the holds on objects taken by earlier parameters.
                    out.release(&mut registry.lock());
                    return Err(e);
                }
            }
        }
        Ok(out)
    }

    fn copy_in_one(p: &MsgParam, mem: &dyn NsMemory, registry: &SpinLock<ShmRegistry>) -> Result<TaParam, TeeError> {
        if p.meta {
            return Err(TeeError::BadParameters);
        }
        Ok(match p.param {
            Param::None => TaParam::None,
            Param::Value { dir, v } => TaParam::Value { dir, a: v[0] as u32, b: v[1] as u32 },
            Param::Rmem { dir, offs, size, shm_ref } => {
                let shm = registry.lock().get(shm_ref).map_err(|_| TeeError::BadParameters)?;
                let source = NsBuffer::Registered { cookie: shm_ref, shm, offs };
                memref(dir, size, source, mem).inspect_err(|_| registry.lock().put(shm_ref))?
            }
            Param::Tmem { dir, buf_ptr: 0, size, .. } => {
                TaParam::Memref { dir, buf: Vec::new(), size, source: NsBuffer::Null }
            }
            Param::Tmem { noncontig: true, .. } => return Err(TeeError::BadParameters),
            Param::Tmem { dir, buf_ptr, size, .. } => memref(dir, size, NsBuffer::Physical(buf_ptr), mem)?,
        })
    }

    /// Writes outputs back into `params` and into normal-world memory:
    /// the reported size, and the first `min(size, buffer)` bytes. A size
    /// past the buffer is a short-buffer answer or a truncation (a UDP
    /// datagram larger than the buffer fills it and reports its length,
    /// GP TEE_iSocket); upstream's TA writes the client's memory in place,
    /// so what fits is visible either way.
    pub fn copy_out(&self, params: &mut [MsgParam], mem: &dyn NsMemory) -> Result<(), TeeError> {
        for (p, msg) in self.0.iter().zip(params.iter_mut()) {
            match (p, &mut msg.param) {
                (TaParam::Value { dir, a, b }, Param::Value { v, .. }) if dir.is_output() => {
                    v[0] = u64::from(*a);
                    v[1] = u64::from(*b);
                }
                (
                    TaParam::Memref { dir, buf, size, source },
                    Param::Rmem { size: msg_size, .. } | Param::Tmem { size: msg_size, .. },
                ) if dir.is_output() => {
                    let data = &buf[..(*size).min(buf.len() as u64) as usize];
                    match source {
                        NsBuffer::Registered { shm, offs, .. } => shm.write(mem, *offs, data),
                        NsBuffer::Physical(pa) => mem.write(*pa, data),
                        NsBuffer::Null => Ok(()),
                    }
                    .map_err(|_| TeeError::BadParameters)?;
                    *msg_size = *size;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Ends the use of the registered objects taken by [`Self::copy_in`].
    pub fn release(&self, registry: &mut ShmRegistry) {
        for p in &self.0 {
            if let TaParam::Memref { source: NsBuffer::Registered { cookie, .. }, .. } = p {
                registry.put(*cookie);
            }
        }
    }
}

fn memref(dir: Dir, size: u64, source: NsBuffer, mem: &dyn NsMemory) -> Result<TaParam, TeeError> {
    if size > MAX_MEMREF {
        return Err(TeeError::OutOfMemory);
    }
    let mut buf = try_zeroed(size as usize).map_err(|_| TeeError::OutOfMemory)?;
    let ok = match &source {
        NsBuffer::Registered { shm, offs, .. } => {
            // Even output-only references must lie inside their object.
            shm.chunks(*offs, size).is_ok() && (!dir.is_input() || shm.read(mem, *offs, &mut buf).is_ok())
        }
        NsBuffer::Physical(pa) => mem.contains(*pa, size) && (!dir.is_input() || mem.read(*pa, &mut buf).is_ok()),
        NsBuffer::Null => true,
    };
    if !ok {
        return Err(TeeError::BadParameters);
    }
    Ok(TaParam::Memref { dir, buf, size, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shm::tests::FakeRam;

    #[test]
    fn values_and_memrefs_round_trip() {
        let ram = FakeRam::new(4 * 4096);
        ram.write(0x4000_1000, b"hello").unwrap();
        let reg = SpinLock::new(ShmRegistry::new());
        reg.lock().register(9, SharedMem::from_pages(alloc::vec![0x4000_1000], 0, 4096).unwrap()).unwrap();
        let mut msg = [
            MsgParam { meta: false, param: Param::Value { dir: Dir::InOut, v: [42, 7, 0] } },
            MsgParam { meta: false, param: Param::Rmem { dir: Dir::InOut, offs: 0, size: 5, shm_ref: 9 } },
            MsgParam {
                meta: false,
                param: Param::Tmem { dir: Dir::Out, buf_ptr: 0, size: 0, shm_ref: 0, noncontig: false },
            },
        ];
        let mut p = TaParams::copy_in(&msg, &ram, &reg).unwrap();
        assert_eq!(p.types(), 0x673);
        if let TaParam::Value { a, .. } = &mut p.0[0] {
            *a += 1;
        }
        if let TaParam::Memref { buf, size, .. } = &mut p.0[1] {
            assert_eq!(buf, b"hello");
            buf[..3].copy_from_slice(b"HEY");
            *size = 3;
        }
        if let TaParam::Memref { size, .. } = &mut p.0[2] {
            *size = 64; // short buffer: report the needed size
        }
        assert_eq!(reg.lock().unregister(9), Err(crate::shm::ShmError::Busy));
        p.copy_out(&mut msg, &ram).unwrap();
        p.release(&mut reg.lock());
        assert_eq!(msg[0].param, Param::Value { dir: Dir::InOut, v: [43, 7, 0] });
        assert_eq!(msg[1].param, Param::Rmem { dir: Dir::InOut, offs: 0, size: 3, shm_ref: 9 });
        assert!(matches!(msg[2].param, Param::Tmem { size: 64, .. }));
        let mut back = [0u8; 5];
        ram.read(0x4000_1000, &mut back).unwrap();
        assert_eq!(&back, b"HEYlo");
        reg.lock().unregister(9).unwrap();
    }

    /// A truncated datagram: the TA filled the 4-byte buffer and reports
    /// the datagram's 9 bytes; the client sees both (upstream's TA writes
    /// the client's memory in place).
    #[test]
    fn a_size_past_the_buffer_still_writes_what_fits() {
        let ram = FakeRam::new(16 << 10);
        let reg = SpinLock::new(ShmRegistry::new());
        let mut msg = [MsgParam {
            meta: false,
            param: Param::Tmem { dir: Dir::Out, buf_ptr: 0x4000_2000, size: 4, shm_ref: 0, noncontig: false },
        }];
        let mut p = TaParams::copy_in(&msg, &ram, &reg).unwrap();
        if let TaParam::Memref { buf, size, .. } = &mut p.0[0] {
            buf.copy_from_slice(b"trun");
            *size = 9;
        }
        p.copy_out(&mut msg, &ram).unwrap();
        assert!(matches!(msg[0].param, Param::Tmem { size: 9, .. }));
        let mut back = [0u8; 5];
        ram.read(0x4000_2000, &mut back).unwrap();
        assert_eq!(&back, b"trun\0", "the bytes after the buffer are untouched");
    }

    #[test]
    fn an_empty_reference_into_shared_memory_is_not_null() {
        let ram = FakeRam::new(4 * 4096);
        let reg = SpinLock::new(ShmRegistry::new());
        reg.lock().register(9, SharedMem::from_pages(alloc::vec![0x4000_1000], 0, 4096).unwrap()).unwrap();
        let msg = [
            MsgParam { meta: false, param: Param::Rmem { dir: Dir::In, offs: 0, size: 0, shm_ref: 9 } },
            MsgParam {
                meta: false,
                param: Param::Tmem { dir: Dir::Out, buf_ptr: 0, size: 0, shm_ref: 0, noncontig: false },
            },
            MsgParam { meta: false, param: Param::Rmem { dir: Dir::Out, offs: 0, size: 8, shm_ref: 9 } },
            MsgParam { meta: false, param: Param::Value { dir: Dir::In, v: [0; 3] } },
        ];
        let p = TaParams::copy_in(&msg, &ram, &reg).unwrap();
        let addressable: alloc::vec::Vec<bool> = p.0.iter().map(TaParam::is_addressable_memref).collect();
        // Empty but registered: an address; NULL: none; sized: one; a value: none.
        assert_eq!(addressable, [true, false, true, false]);
        p.release(&mut reg.lock());
    }

    #[test]
    fn bounce_cost_counts_both_copies_of_each_memref() {
        let memref = |size| MsgParam { meta: false, param: Param::Rmem { dir: Dir::InOut, offs: 0, size, shm_ref: 1 } };
        let value = MsgParam { meta: false, param: Param::Value { dir: Dir::In, v: [0; 3] } };
        assert_eq!(bounce_cost(&[value, memref(0)]), 0);
        assert_eq!(bounce_cost(&[memref(1), value, memref(2 << 20)]), 2 * 4096 + (4 << 20));
        assert_eq!(bounce_cost(&[memref(MAX_MEMREF + 1), memref(1)]), usize::MAX);
    }

    #[test]
    fn refuses_bad_references() {
        let ram = FakeRam::new(4096);
        let reg = SpinLock::new(ShmRegistry::new());
        let bad = |param| {
            TaParams::copy_in(&[MsgParam { meta: false, param }], &ram, &SpinLock::new(ShmRegistry::new())).unwrap_err()
        };
        assert_eq!(bad(Param::Rmem { dir: Dir::In, offs: 0, size: 1, shm_ref: 1 }), TeeError::BadParameters);
        assert_eq!(
            bad(Param::Tmem { dir: Dir::In, buf_ptr: 0x0e10_0000, size: 16, shm_ref: 0, noncontig: false }),
            TeeError::BadParameters
        );
        assert_eq!(
            bad(Param::Tmem { dir: Dir::In, buf_ptr: 0x4000_0000, size: MAX_MEMREF + 1, shm_ref: 0, noncontig: false }),
            TeeError::OutOfMemory
        );
        reg.lock().register(1, SharedMem::from_pages(alloc::vec![0x4000_0000], 0, 16).unwrap()).unwrap();
        let over = [MsgParam { meta: false, param: Param::Rmem { dir: Dir::Out, offs: 8, size: 9, shm_ref: 1 } }];
        assert_eq!(TaParams::copy_in(&over, &ram, &reg).unwrap_err(), TeeError::BadParameters);
        let five = [MsgParam { meta: false, param: Param::None }; 5];
        assert_eq!(TaParams::copy_in(&five, &ram, &reg).unwrap_err(), TeeError::BadParameters);
    }
}
