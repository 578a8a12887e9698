//! The utee crypto service: GP transient objects and operation states of
//! one TA instance, with upstream OP-TEE's semantics and error codes
//! (`core/tee/tee_svc_cryp.c`, OP-TEE 4.x). [`CryptoState`] is pure (bytes
//! in, bytes out); [`syscall`] moves the bytes between it and the TA.
//!
//! Handles are small non-zero `u32`s private to the instance; objects and
//! states share one numbering, so a handle of the wrong kind is refused.
//! Everything is freed with the instance (the `CryptoState` is dropped),
//! and secret key bytes are wiped when an object is reset or dropped.
//!
//! This file holds the GP identifiers and the handle table; the syscall
//! handlers are split by what they work on: `object` (transient objects),
//! `state` (operation states), `hash`, `cipher` and `authenc` (the
//! symmetric classes), [`derive`](mod@derive) and [`asym`]; [`ops`] has
//! the primitives.

extern crate alloc;

use alloc::collections::BTreeMap;
use tee_abi::result;

pub mod asym;
mod authenc;
mod cipher;
pub mod derive;
mod hash;
pub mod kdf;
mod object;
pub mod ops;
mod state;
pub mod syscall;
#[cfg(test)]
mod testing;

pub use object::{Attr, Object};
use state::OpState;

/// `TEE_TYPE_*` (`tee_api_defines.h`).
pub const TYPE_AES: u32 = 0xA000_0010;
pub const TYPE_DES: u32 = 0xA000_0011;
pub const TYPE_DES3: u32 = 0xA000_0013;
pub const TYPE_HMAC_MD5: u32 = 0xA000_0001;
pub const TYPE_HMAC_SHA1: u32 = 0xA000_0002;
pub const TYPE_HMAC_SHA224: u32 = 0xA000_0003;
pub const TYPE_HMAC_SHA256: u32 = 0xA000_0004;
pub const TYPE_HMAC_SHA384: u32 = 0xA000_0005;
pub const TYPE_HMAC_SHA512: u32 = 0xA000_0006;
pub const TYPE_GENERIC_SECRET: u32 = 0xA000_0000;
pub const TYPE_DATA: u32 = 0xA000_00BF;

/// `TEE_ALG_*` handled here.
pub const ALG_AES_ECB_NOPAD: u32 = 0x1000_0010;
pub const ALG_AES_CBC_NOPAD: u32 = 0x1000_0110;
pub const ALG_AES_CTR: u32 = 0x1000_0210;
pub const ALG_SHA1: u32 = 0x5000_0002;
pub const ALG_SHA224: u32 = 0x5000_0003;
pub const ALG_SHA256: u32 = 0x5000_0004;
pub const ALG_SHA384: u32 = 0x5000_0005;
pub const ALG_SHA512: u32 = 0x5000_0006;
pub const ALG_HMAC_SHA1: u32 = 0x3000_0002;
pub const ALG_HMAC_SHA224: u32 = 0x3000_0003;
pub const ALG_HMAC_SHA256: u32 = 0x3000_0004;
pub const ALG_HMAC_SHA384: u32 = 0x3000_0005;
pub const ALG_HMAC_SHA512: u32 = 0x3000_0006;
pub const ALG_AES_CMAC: u32 = 0x3000_0610;
pub const ALG_AES_GCM: u32 = 0x4000_0810;
pub const ALG_AES_CTS: u32 = 0x1000_0310;
pub const ALG_AES_XTS: u32 = 0x1000_0410;
pub const ALG_AES_CCM: u32 = 0x4000_0710;

/// `TEE_ERROR_MAC_INVALID`.
pub use tee_abi::result::ERROR_MAC_INVALID;

/// `TEE_OPERATION_*` classes (`TEE_ALG_GET_CLASS`: bits 28..31).
const CLASS_CIPHER: u32 = 1;
const CLASS_MAC: u32 = 3;
const CLASS_AE: u32 = 4;
const CLASS_DIGEST: u32 = 5;

/// `TEE_MODE_*`.
pub const MODE_ENCRYPT: u32 = 0;
pub const MODE_DECRYPT: u32 = 1;
pub const MODE_MAC: u32 = 4;
pub const MODE_DIGEST: u32 = 5;

/// `TEE_ATTR_SECRET_VALUE`.
pub const ATTR_SECRET_VALUE: u32 = 0xC000_0000;
/// `TEE_ATTR_FLAG_PUBLIC`.
const ATTR_FLAG_PUBLIC: u32 = 1 << 28;
/// `TEE_USAGE_EXTRACTABLE`.
const USAGE_EXTRACTABLE: u32 = 0x1;
/// `TEE_USAGE_DEFAULT` (upstream `tee_obj.h`).
pub const USAGE_DEFAULT: u32 = 0xFFFF_FFFF;
/// `TEE_HANDLE_FLAG_INITIALIZED`.
pub const HANDLE_FLAG_INITIALIZED: u32 = 0x0002_0000;

/// Objects plus states one instance may hold (a bound on kernel heap use).
pub const MAX_HANDLES: usize = 256;

fn class(algo: u32) -> u32 {
    algo >> 28
}

fn main_alg(algo: u32) -> u32 {
    algo & 0xff
}

/// One instance's transient objects and operation states.
#[derive(Default)]
pub struct CryptoState {
    objects: BTreeMap<u32, Object>,
    states: BTreeMap<u32, OpState>,
    last: u32,
}

impl CryptoState {
    /// An empty table.
    pub const fn new() -> CryptoState {
        CryptoState { objects: BTreeMap::new(), states: BTreeMap::new(), last: 0 }
    }

    /// Live handles (objects + states).
    pub fn len(&self) -> usize {
        self.objects.len() + self.states.len()
    }

    /// No live handle.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn new_handle(&mut self) -> Result<u32, u32> {
        if self.len() >= MAX_HANDLES {
            return Err(result::ERROR_OUT_OF_MEMORY);
        }
        loop {
            self.last = self.last.wrapping_add(1);
            let h = self.last;
            if h != 0 && !self.objects.contains_key(&h) && !self.states.contains_key(&h) {
                return Ok(h);
            }
        }
    }

    /// `tee_obj_get`: an unknown object is BAD_STATE (OP-TEE 4.5).
    fn obj(&self, h: u32) -> Result<&Object, u32> {
        self.objects.get(&h).ok_or(result::ERROR_BAD_STATE)
    }

    fn obj_mut(&mut self, h: u32) -> Result<&mut Object, u32> {
        self.objects.get_mut(&h).ok_or(result::ERROR_BAD_STATE)
    }

    /// `tee_svc_cryp_get_state`: an unknown state is BAD_PARAMETERS.
    fn state(&self, h: u32) -> Result<&OpState, u32> {
        self.states.get(&h).ok_or(result::ERROR_BAD_PARAMETERS)
    }

    fn state_mut(&mut self, h: u32) -> Result<&mut OpState, u32> {
        self.states.get_mut(&h).ok_or(result::ERROR_BAD_PARAMETERS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_table_is_bounded() {
        let mut st = CryptoState::new();
        for _ in 0..MAX_HANDLES {
            st.state_alloc(ALG_SHA1, MODE_DIGEST, 0, 0).unwrap();
        }
        assert_eq!(st.obj_alloc(TYPE_AES, 128), Err(result::ERROR_OUT_OF_MEMORY));
    }
}
