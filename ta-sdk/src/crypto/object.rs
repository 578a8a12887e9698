//! Transient objects (`TEE_AllocateTransientObject` and the object
//! calls on them).

use super::ATTR_SECRET_VALUE;
use crate::error::TeeResult;
use crate::sys::cryp::{self as sys, Attribute, ObjectInfo};

/// A transient object (`TEE_ObjectHandle`), closed on drop.
#[derive(Debug)]
pub struct TransientObject {
    pub(super) handle: u32,
}

impl TransientObject {
    /// `TEE_AllocateTransientObject(obj_type, max_bits)`.
    pub fn allocate(obj_type: u32, max_bits: u32) -> TeeResult<TransientObject> {
        sys::cryp_obj_alloc(obj_type, max_bits).map(|handle| TransientObject { handle })
    }

    /// A secret-value object of `obj_type` holding `key`, allocated with
    /// `max_bits`.
    pub fn secret(obj_type: u32, max_bits: u32, key: &[u8]) -> TeeResult<TransientObject> {
        let o = TransientObject::allocate(obj_type, max_bits)?;
        o.populate(&[Attribute::Ref(ATTR_SECRET_VALUE, key)])?;
        Ok(o)
    }

    /// The kernel's handle.
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// `TEE_PopulateTransientObject`.
    pub fn populate(&self, attrs: &[Attribute<'_>]) -> TeeResult {
        sys::cryp_obj_populate(self.handle, attrs)
    }

    /// `TEE_GetObjectInfo1`.
    pub fn info(&self) -> TeeResult<ObjectInfo> {
        sys::cryp_obj_get_info(self.handle)
    }

    /// `TEE_ResetTransientObject`.
    pub fn reset(&self) -> TeeResult {
        sys::cryp_obj_reset(self.handle)
    }

    /// `TEE_RestrictObjectUsage1`.
    pub fn restrict_usage(&self, usage: u32) -> TeeResult {
        sys::cryp_obj_restrict_usage(self.handle, usage)
    }

    /// `TEE_GetObjectBufferAttribute`: bytes written to `buf`; `ShortBuffer`
    /// if it does not fit.
    pub fn buffer_attribute(&self, attr_id: u32, buf: &mut [u8]) -> TeeResult<usize> {
        let (r, n) = sys::cryp_obj_get_attr(self.handle, attr_id, buf);
        r.map(|()| n)
    }

    /// `TEE_CopyObjectAttributes1(self, src)`.
    pub fn copy_from(&self, src: &TransientObject) -> TeeResult {
        sys::cryp_obj_copy(self.handle, src.handle)
    }

    /// `TEE_GenerateKey`.
    pub fn generate_key(&self, key_bits: u32) -> TeeResult {
        sys::cryp_obj_generate_key(self.handle, key_bits, &[])
    }

    /// Gives the handle away (to an operation state that now owns it).
    pub(super) fn into_handle(self) -> u32 {
        let h = self.handle;
        core::mem::forget(self);
        h
    }
}

impl Drop for TransientObject {
    fn drop(&mut self) {
        let _ = sys::cryp_obj_close(self.handle);
    }
}
