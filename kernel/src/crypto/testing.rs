//! Helpers the crypto host tests share: attributes and keys as the TA's
//! calls would pass them.

extern crate alloc;

use alloc::vec::Vec;

use super::{ATTR_SECRET_VALUE, Attr, CryptoState};

/// A reference attribute.
pub(crate) fn bytes(id: u32, data: &[u8]) -> Attr {
    Attr { id, data: data.to_vec() }
}

/// A value attribute: `a`, then `b` = 0.
pub(crate) fn value(id: u32, a: u32) -> Attr {
    let mut data: Vec<u8> = a.to_le_bytes().to_vec();
    data.extend_from_slice(&[0; 4]);
    Attr { id, data }
}

/// The one attribute a secret-value object is populated with.
pub(crate) fn secret(data: &[u8]) -> [Attr; 1] {
    [bytes(ATTR_SECRET_VALUE, data)]
}

/// An object of `ty` (at most `max_bits`) populated with `attrs`.
pub(crate) fn populated(st: &mut CryptoState, ty: u32, max_bits: u32, attrs: &[Attr]) -> u32 {
    let o = st.obj_alloc(ty, max_bits).unwrap();
    st.obj_populate(o, attrs).unwrap();
    o
}

/// A secret-value object of `ty` holding `k`.
pub(crate) fn secret_key(st: &mut CryptoState, ty: u32, max_bits: u32, k: &[u8]) -> u32 {
    populated(st, ty, max_bits, &secret(k))
}
