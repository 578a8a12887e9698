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
mod state;
#[cfg(test)]
mod testing;

pub use object::{Attr, Object};
pub use state::OpState;

use crate::handles::{Entry, HandleTable, Kind};

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
