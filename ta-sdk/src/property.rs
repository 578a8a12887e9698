//! Properties: most are served by the kernel (`_utee_get_property*`,
//! syscalls 3/4): `gpd.tee.*`, `gpd.client.*` and `gpd.ta.appID`; a few
//! implementation properties come from the library itself, as with
//! upstream's libutee (`gpd.tee.internalCore.version`). (libutee's
//! `gpd.ta.*` list built into the binary has no counterpart here yet.)
//!
//! ```ignore
//! use ta_sdk::property::{self, PropSet};
//! let me = property::get_uuid(PropSet::CurrentTa, "gpd.ta.appID")?;
//! let who = property::get_identity(PropSet::CurrentClient, "gpd.client.identity")?;
//! let mut buf = [0u8; 64];
//! let api = property::get_string(PropSet::TeeImplementation, "gpd.tee.apiversion", &mut buf)?;
//! ```

use crate::error::{TeeError, TeeResult};
use crate::sys;
use crate::uuid::Uuid;
use tee_abi::gp::propset;

/// The property sets (`TEE_PROPSET_*` pseudo-handles).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropSet {
    TeeImplementation = propset::TEE_IMPLEMENTATION,
    CurrentClient = propset::CURRENT_CLIENT,
    CurrentTa = propset::CURRENT_TA,
}

/// `USER_TA_PROP_TYPE_*`.
pub use tee_abi::utee::prop_type;

/// `TEE_Identity`: the client's login method and UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub login: u32,
    pub uuid: Uuid,
}

/// Properties the TA library serves itself, as upstream's libutee does
/// (`tee_api_property.c`), so that a TA sees them on any OP-TEE-compatible
/// kernel: (set, name, U32 value).
const LIBRARY_PROPERTIES: [(PropSet, &str, u32); 1] =
    [(PropSet::TeeImplementation, "gpd.tee.internalCore.version", tee_abi::gp::CORE_API_VERSION)];

/// The raw value of property `name` of `set` copied into `buf`: returns its
/// type and length (`ShortBuffer` if `buf` is too small).
pub fn get_raw(set: PropSet, name: &str, buf: &mut [u8]) -> TeeResult<(u32, usize)> {
    if let Some(&(_, _, value)) = LIBRARY_PROPERTIES.iter().find(|(s, n, _)| *s == set && *n == name) {
        let bytes = value.to_le_bytes();
        buf.get_mut(..bytes.len()).ok_or(TeeError::ShortBuffer)?.copy_from_slice(&bytes);
        return Ok((prop_type::U32, bytes.len()));
    }
    let index = sys::get_property_name_to_index(set as u32, name)?;
    let (r, info) = sys::get_property(set as u32, index, None, Some(buf));
    r.map(|()| (info.prop_type, info.value_len as usize))
}

fn get_typed<const N: usize>(set: PropSet, name: &str, want: u32) -> TeeResult<([u8; N], usize)> {
    let mut buf = [0u8; N];
    let (ty, len) = get_raw(set, name, &mut buf)?;
    if ty != want {
        return Err(TeeError::BadFormat);
    }
    Ok((buf, len))
}

/// A U32 property.
pub fn get_u32(set: PropSet, name: &str) -> TeeResult<u32> {
    let (b, len) = get_typed::<4>(set, name, prop_type::U32)?;
    if len != 4 {
        return Err(TeeError::BadFormat);
    }
    Ok(u32::from_le_bytes(b))
}

/// A BOOL property (OP-TEE stores it as a C `bool`, one byte; four are accepted too).
pub fn get_bool(set: PropSet, name: &str) -> TeeResult<bool> {
    let (b, len) = get_typed::<4>(set, name, prop_type::BOOL)?;
    match len {
        1 | 4 => Ok(b[..len].iter().any(|&x| x != 0)),
        _ => Err(TeeError::BadFormat),
    }
}

/// A UUID property.
pub fn get_uuid(set: PropSet, name: &str) -> TeeResult<Uuid> {
    let (b, len) = get_typed::<16>(set, name, prop_type::UUID)?;
    if len != 16 {
        return Err(TeeError::BadFormat);
    }
    Ok(Uuid::from_struct_bytes(b))
}

/// An IDENTITY property (`gpd.client.identity`).
pub fn get_identity(set: PropSet, name: &str) -> TeeResult<Identity> {
    let (b, len) = get_typed::<20>(set, name, prop_type::IDENTITY)?;
    if len != 20 {
        return Err(TeeError::BadFormat);
    }
    let mut u = [0u8; 16];
    u.copy_from_slice(&b[4..20]);
    Ok(Identity { login: u32::from_le_bytes([b[0], b[1], b[2], b[3]]), uuid: Uuid::from_struct_bytes(u) })
}

/// A STRING property into `buf`, as `&str` without its NUL.
pub fn get_string<'b>(set: PropSet, name: &str, buf: &'b mut [u8]) -> TeeResult<&'b str> {
    let (ty, len) = get_raw(set, name, buf)?;
    if ty != prop_type::STRING {
        return Err(TeeError::BadFormat);
    }
    let bytes = buf.get(..len).ok_or(TeeError::BadFormat)?;
    let bytes = bytes.split(|&b| b == 0).next().unwrap_or(&[]);
    core::str::from_utf8(bytes).map_err(|_| TeeError::BadFormat)
}

/// Walks the properties of one set, as GP's property enumerator
/// (`TEE_StartPropertyEnumerator`, `TEE_GetPropertyName`,
/// `TEE_GetNextProperty`): the library's own first, then the kernel's.
///
/// ```ignore
/// let mut names = property::Enumerator::new(PropSet::TeeImplementation);
/// let mut buf = [0u8; 128];
/// while let Ok((name, prop_type)) = names.next_name(&mut buf) {
///     ta_sdk::info!("{name} (type {prop_type})");
/// }
/// ```
#[derive(Debug)]
pub struct Enumerator {
    set: PropSet,
    position: u32,
}

impl Enumerator {
    /// An enumerator at the start of `set`.
    pub fn new(set: PropSet) -> Enumerator {
        Enumerator { set, position: 0 }
    }

    /// The next property's name (copied into `buf`, without its NUL) and
    /// type; `Err(ItemNotFound)` past the last one, `Err(ShortBuffer)` if
    /// `buf` cannot hold the name (the enumerator then stays where it is).
    pub fn next_name<'b>(&mut self, buf: &'b mut [u8]) -> TeeResult<(&'b str, u32)> {
        let library: usize = LIBRARY_PROPERTIES.iter().filter(|(s, ..)| *s == self.set).count();
        let (len, prop_type) = if let Some(&(_, name, _)) =
            LIBRARY_PROPERTIES.iter().filter(|(s, ..)| *s == self.set).nth(self.position as usize)
        {
            buf.get_mut(..name.len()).ok_or(TeeError::ShortBuffer)?.copy_from_slice(name.as_bytes());
            (name.len(), prop_type::U32)
        } else {
            let index = self.position - library as u32;
            let (r, info) = sys::get_property(self.set as u32, index, Some(&mut *buf), None);
            r?;
            // The kernel counts the NUL in the name's length.
            ((info.name_len as usize).saturating_sub(1).min(buf.len()), info.prop_type)
        };
        self.position += 1;
        let name = core::str::from_utf8(&buf[..len]).map_err(|_| TeeError::BadFormat)?;
        Ok((name, prop_type))
    }
}
