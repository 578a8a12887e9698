//! Shareable memory from the system pseudo-TA (`PTA_SYSTEM_MAP_ZI` with
//! `PTA_SYSTEM_MAP_FLAG_SHAREABLE`, and `PTA_SYSTEM_UNMAP`), as libutee's
//! `tee_map_zi(len, TEE_MEMORY_ACCESS_ANY_OWNER)` / `tee_unmap` get it: a
//! TA passes such memory to another TA in place of its private memory,
//! which the kernel refuses to expose.

use core::sync::atomic::{AtomicU32, Ordering};

use super::ta_session;
use crate::error::{TeeError, TeeResult};
use crate::params::RawParams;

use tee_abi::pta::{SYSTEM_CMD_MAP_ZI as CMD_MAP_ZI, SYSTEM_CMD_UNMAP as CMD_UNMAP};
use tee_abi::utee::ParamType;

/// `PTA_SYSTEM_UUID` as a `TEE_UUID` in memory.
const SYSTEM_PTA: [u8; 16] = tee_abi::pta::SYSTEM_UUID.to_struct_bytes();
const FLAG_SHAREABLE: u64 = tee_abi::pta::SYSTEM_MAP_FLAG_SHAREABLE as u64;
const VALUE_INPUT: u64 = ParamType::ValueInput as u64;
const VALUE_INOUT: u64 = ParamType::ValueInout as u64;

/// The session to the system PTA, opened on first use and kept (0: none).
static SESSION: AtomicU32 = AtomicU32::new(0);

fn session() -> TeeResult<u32> {
    match SESSION.load(Ordering::Relaxed) {
        0 => {
            let (session, _origin) = ta_session::open(&SYSTEM_PTA, &mut RawParams::default());
            let session = session?;
            SESSION.store(session, Ordering::Relaxed);
            Ok(session)
        }
        s => Ok(s),
    }
}

/// Zeroed, shareable memory mapped into this TA; unmapped on drop.
#[derive(Debug)]
pub struct SharedMapping {
    addr: usize,
    len: usize,
}

impl SharedMapping {
    /// Maps `len` (> 0) bytes.
    pub fn new(len: usize) -> TeeResult<SharedMapping> {
        let len32 = u32::try_from(len).map_err(|_| TeeError::OutOfMemory)?;
        let mut raw = RawParams { types: VALUE_INPUT | VALUE_INOUT << 4 | VALUE_INPUT << 8, ..RawParams::default() };
        raw.vals[0] = u64::from(len32);
        raw.vals[1] = FLAG_SHAREABLE;
        let (result, _origin) = ta_session::invoke(session()?, CMD_MAP_ZI, &mut raw);
        result?;
        let addr = (raw.vals[2] & 0xffff_ffff) << 32 | (raw.vals[3] & 0xffff_ffff);
        if addr == 0 {
            return Err(TeeError::OutOfMemory);
        }
        Ok(SharedMapping { addr: addr as usize, len })
    }

    /// The address the kernel chose (what goes into a memref).
    pub fn addr(&self) -> usize {
        self.addr
    }

    /// The memory.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: MAP_ZI succeeded, so `len` bytes at `addr` are mapped
        // read-write into this TA until `drop` unmaps them; only this value
        // hands out views of them, and `&mut self` makes the view exclusive.
        unsafe { core::slice::from_raw_parts_mut(self.addr as *mut u8, self.len) }
    }
}

impl SharedMapping {
    /// Unmaps the memory now, with the system PTA's answer (dropping the
    /// mapping does the same but cannot report a failure).
    pub fn unmap(self) -> TeeResult {
        let this = core::mem::ManuallyDrop::new(self);
        this.unmap_raw()
    }

    fn unmap_raw(&self) -> TeeResult {
        let mut raw = RawParams { types: VALUE_INPUT | VALUE_INPUT << 4, ..RawParams::default() };
        raw.vals[0] = self.len as u64;
        raw.vals[2] = (self.addr as u64) >> 32;
        raw.vals[3] = self.addr as u64 & 0xffff_ffff;
        let (result, _origin) = ta_session::invoke(session()?, CMD_UNMAP, &mut raw);
        result
    }
}

impl Drop for SharedMapping {
    fn drop(&mut self) {
        // Nothing to do on failure but leak the mapping.
        let _ = self.unmap_raw();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn system_pta_uuid_in_struct_form() {
        // TEE_UUID: time_low, time_mid, time_hi little-endian, then the node bytes.
        assert_eq!(
            super::SYSTEM_PTA,
            [0x78, 0x89, 0x2f, 0x3a, 0xc0, 0x5d, 0xe8, 0x11, 0x9c, 0x2d, 0xfa, 0x7a, 0xe0, 0x1b, 0xbe, 0xbc]
        );
    }
}
