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
pub use tee_abi::gp::object_type::AES as TYPE_AES;
pub use tee_abi::gp::object_type::DATA as TYPE_DATA;
pub use tee_abi::gp::object_type::DES as TYPE_DES;
pub use tee_abi::gp::object_type::DES3 as TYPE_DES3;
pub use tee_abi::gp::object_type::GENERIC_SECRET as TYPE_GENERIC_SECRET;
pub use tee_abi::gp::object_type::HMAC_MD5 as TYPE_HMAC_MD5;
pub use tee_abi::gp::object_type::HMAC_SHA1 as TYPE_HMAC_SHA1;
pub use tee_abi::gp::object_type::HMAC_SHA224 as TYPE_HMAC_SHA224;
pub use tee_abi::gp::object_type::HMAC_SHA256 as TYPE_HMAC_SHA256;
pub use tee_abi::gp::object_type::HMAC_SHA384 as TYPE_HMAC_SHA384;
pub use tee_abi::gp::object_type::HMAC_SHA512 as TYPE_HMAC_SHA512;

pub use tee_abi::gp::alg::AES_CBC_NOPAD as ALG_AES_CBC_NOPAD;
pub use tee_abi::gp::alg::AES_CCM as ALG_AES_CCM;
pub use tee_abi::gp::alg::AES_CMAC as ALG_AES_CMAC;
pub use tee_abi::gp::alg::AES_CTR as ALG_AES_CTR;
pub use tee_abi::gp::alg::AES_CTS as ALG_AES_CTS;
/// `TEE_ALG_*` handled here.
pub use tee_abi::gp::alg::AES_ECB_NOPAD as ALG_AES_ECB_NOPAD;
pub use tee_abi::gp::alg::AES_GCM as ALG_AES_GCM;
pub use tee_abi::gp::alg::AES_XTS as ALG_AES_XTS;
pub use tee_abi::gp::alg::HMAC_SHA1 as ALG_HMAC_SHA1;
pub use tee_abi::gp::alg::HMAC_SHA224 as ALG_HMAC_SHA224;
pub use tee_abi::gp::alg::HMAC_SHA256 as ALG_HMAC_SHA256;
pub use tee_abi::gp::alg::HMAC_SHA384 as ALG_HMAC_SHA384;
pub use tee_abi::gp::alg::HMAC_SHA512 as ALG_HMAC_SHA512;
pub use tee_abi::gp::alg::SHA1 as ALG_SHA1;
pub use tee_abi::gp::alg::SHA224 as ALG_SHA224;
pub use tee_abi::gp::alg::SHA256 as ALG_SHA256;
pub use tee_abi::gp::alg::SHA384 as ALG_SHA384;
pub use tee_abi::gp::alg::SHA512 as ALG_SHA512;

/// `TEE_ERROR_MAC_INVALID`.
pub use tee_abi::result::ERROR_MAC_INVALID;

use tee_abi::gp::operation_class::AE as CLASS_AE;
/// `TEE_OPERATION_*` classes (`TEE_ALG_GET_CLASS`: bits 28..31).
use tee_abi::gp::operation_class::CIPHER as CLASS_CIPHER;
use tee_abi::gp::operation_class::DIGEST as CLASS_DIGEST;
use tee_abi::gp::operation_class::MAC as CLASS_MAC;

pub use tee_abi::gp::mode::DECRYPT as MODE_DECRYPT;
pub use tee_abi::gp::mode::DIGEST as MODE_DIGEST;
/// `TEE_MODE_*`.
pub use tee_abi::gp::mode::ENCRYPT as MODE_ENCRYPT;
pub use tee_abi::gp::mode::MAC as MODE_MAC;

/// `TEE_ATTR_SECRET_VALUE`.
pub use tee_abi::gp::attr::SECRET_VALUE as ATTR_SECRET_VALUE;
/// `TEE_ATTR_FLAG_PUBLIC`.
const ATTR_FLAG_PUBLIC: u32 = 1 << 28;
/// `TEE_USAGE_EXTRACTABLE`.
const USAGE_EXTRACTABLE: u32 = 0x1;
/// `TEE_HANDLE_FLAG_INITIALIZED`.
pub use tee_abi::gp::handle_flag::INITIALIZED as HANDLE_FLAG_INITIALIZED;
/// `TEE_USAGE_DEFAULT` (upstream `tee_obj.h`).
pub use tee_abi::gp::usage::DEFAULT as USAGE_DEFAULT;

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
