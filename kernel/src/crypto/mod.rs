//! The crypto service: GP transient objects and operation states of one TA
//! instance, with upstream OP-TEE's semantics and error codes
//! (`core/tee/tee_svc_cryp.c`, OP-TEE 4.x). It is pure (bytes in, bytes
//! out, `Result<T, TeeError>`) and knows nothing of system calls:
//! `crate::syscall::cryp` moves the bytes between it and the TA.
//!
//! Objects and states live in the instance's handle table
//! ([`crate::handles`]) as [`Object`] and [`OpState`] entries, so a handle
//! of the wrong kind is refused. Everything is freed with the instance (the
//! table is dropped), and secret key bytes are wiped when an object is
//! reset or dropped.
//!
//! This file holds the GP identifiers and the typed accessors; the calls
//! are split by what they work on: `object` (transient objects), `state`
//! (operation states), `hash`, `cipher` and `authenc` (the symmetric
//! classes), [`derive`](mod@derive) and [`asym`]; [`ops`] has the
//! primitives.

extern crate alloc;

use tee_abi::result::TeeError;

pub mod asym;
mod authenc;
mod cipher;
pub mod derive;
mod hash;
pub mod kdf;
mod object;
pub mod ops;
mod persist;
mod state;
#[cfg(test)]
mod testing;

pub use object::{Attr, Object};
pub use persist::KeyMeta;
pub use state::OpState;

use crate::handles::{Entry, HandleTable, Kind};

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

/// `TEE_ATTR_FLAG_PUBLIC`.
use tee_abi::gp::attr::FLAG_PUBLIC as ATTR_FLAG_PUBLIC;
/// `TEE_ATTR_SECRET_VALUE`.
pub use tee_abi::gp::attr::SECRET_VALUE as ATTR_SECRET_VALUE;
/// `TEE_HANDLE_FLAG_INITIALIZED`.
pub use tee_abi::gp::handle_flag::INITIALIZED as HANDLE_FLAG_INITIALIZED;
/// `TEE_USAGE_DEFAULT` (upstream `tee_obj.h`).
pub use tee_abi::gp::usage::DEFAULT as USAGE_DEFAULT;
/// `TEE_USAGE_EXTRACTABLE`.
use tee_abi::gp::usage::EXTRACTABLE as USAGE_EXTRACTABLE;

/// Objects plus states one instance may hold (a bound on kernel heap use).
pub const MAX_HANDLES: usize = crate::handles::MAX_PER_AREA;

fn class(algo: u32) -> u32 {
    algo >> 28
}

fn main_alg(algo: u32) -> u32 {
    algo & 0xff
}

/// The instance's handle table, where this service keeps its transient
/// objects ([`Object`]) and operation states ([`OpState`]). The service's
/// calls are methods on it (`object`, `state`, `hash`, ... below).
pub type CryptoState = HandleTable;

impl Entry for Object {
    const KIND: Kind = Kind::CrypObject;
}

impl Entry for OpState {
    const KIND: Kind = Kind::CrypState;
}

impl CryptoState {
    /// `tee_obj_get`: an unknown object is BAD_STATE (OP-TEE 4.5).
    fn obj(&self, h: u32) -> Result<&Object, TeeError> {
        self.get::<Object>(h).ok_or(TeeError::BadState)
    }

    fn obj_mut(&mut self, h: u32) -> Result<&mut Object, TeeError> {
        self.get_mut::<Object>(h).ok_or(TeeError::BadState)
    }

    /// `tee_svc_cryp_get_state`: an unknown state is BAD_PARAMETERS.
    fn state(&self, h: u32) -> Result<&OpState, TeeError> {
        self.get::<OpState>(h).ok_or(TeeError::BadParameters)
    }

    fn state_mut(&mut self, h: u32) -> Result<&mut OpState, TeeError> {
        self.get_mut::<OpState>(h).ok_or(TeeError::BadParameters)
    }

    /// The algorithm of state `h`.
    pub fn state_algo(&self, h: u32) -> Result<u32, TeeError> {
        Ok(self.state(h)?.algo)
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
        assert_eq!(st.obj_alloc(TYPE_AES, 128), Err(TeeError::OutOfMemory));
    }
}
