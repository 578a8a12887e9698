//! The hardware unique key (HUK) and the keys derived from it.
//!
//! [`hardware_unique_key`] is the PLATFORM HOOK: the one function a real
//! platform replaces with a read of its fused or OTP key. QEMU `virt` has
//! no such key, so ours returns a DEVELOPMENT constant built from
//! [`DEV_HUK_SECRET`], public in the source tree; upstream OP-TEE does the
//! same on this platform (optee_os 4.5.0 `core/kernel/otp_stubs.c`: the weak
//! `tee_otp_get_hw_unique_key` fills the key with zeros). Everything secret
//! the kernel derives (the storage device key, TA unique keys) comes from
//! here; the key itself never leaves the kernel.
//!
//! Subkeys follow upstream's `huk_subkey_derive` (`core/kernel/huk_subkey.c`,
//! `core/include/kernel/huk_subkey.h`): HMAC-SHA256 keyed with the HUK over
//! the usage as a little-endian `u32` followed by the caller's data, the MAC
//! truncated to the requested length (at most 32 bytes).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use tee_abi::result::TeeError;
use zeroize::Zeroizing;

/// The development stand-in for a hardware unique key. NOT SECRET.
pub const DEV_HUK_SECRET: &[u8] = b"tz DEVELOPMENT hardware-unique-key stand-in: QEMU virt has no HUK. \
Public in the source tree; replace with a key derived from the platform's HUK on real hardware.";

/// Bytes of the key [`hardware_unique_key`] returns.
pub const HUK_LEN: usize = 32;

/// PLATFORM HOOK: the hardware unique key. On QEMU `virt`, a development
/// constant (`SHA-256(DEV_HUK_SECRET)`); a real platform reads its own here.
pub fn hardware_unique_key() -> Zeroizing<[u8; HUK_LEN]> {
    Zeroizing::new(Sha256::digest(DEV_HUK_SECRET).into())
}

/// What a subkey is for (`enum huk_subkey_usage`); different usages give
/// unrelated keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum SubkeyUsage {
    /// `HUK_SUBKEY_RPMB`.
    Rpmb = 0,
    /// `HUK_SUBKEY_SSK`.
    SecureStorage = 1,
    /// `HUK_SUBKEY_DIE_ID`.
    DieId = 2,
    /// `HUK_SUBKEY_UNIQUE_TA`: the system PTA's DERIVE_TA_UNIQUE_KEY.
    UniqueTa = 3,
    /// `HUK_SUBKEY_TA_ENC`.
    TaEncryption = 4,
}

/// `HUK_SUBKEY_MAX_LEN`: a SHA-256 MAC.
pub const SUBKEY_MAX_LEN: usize = 32;

/// Fills `out` with the subkey for `usage` over the concatenation of
/// `data`; more than [`SUBKEY_MAX_LEN`] bytes are BAD_PARAMETERS.
pub fn derive_subkey(usage: SubkeyUsage, data: &[&[u8]], out: &mut [u8]) -> Result<(), TeeError> {
    if out.len() > SUBKEY_MAX_LEN {
        return Err(TeeError::BadParameters);
    }
    let huk = hardware_unique_key();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(huk.as_slice()).map_err(|_| TeeError::Generic)?;
    mac.update(&(usage as u32).to_le_bytes());
    for d in data {
        mac.update(d);
    }
    let full = Zeroizing::new(<[u8; SUBKEY_MAX_LEN]>::from(mac.finalize().into_bytes()));
    out.copy_from_slice(&full[..out.len()]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subkeys_are_hmac_of_usage_and_data_truncated() {
        let mut key = [0u8; 32];
        derive_subkey(SubkeyUsage::UniqueTa, &[b"ab", b"c"], &mut key).unwrap();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(hardware_unique_key().as_slice()).unwrap();
        mac.update(&3u32.to_le_bytes());
        mac.update(b"abc");
        assert_eq!(key[..], mac.finalize().into_bytes()[..]);
        let mut short = [0u8; 16];
        derive_subkey(SubkeyUsage::UniqueTa, &[b"abc"], &mut short).unwrap();
        assert_eq!(short, key[..16]);
        let mut other = [0u8; 32];
        derive_subkey(SubkeyUsage::SecureStorage, &[b"abc"], &mut other).unwrap();
        assert_ne!(other, key, "usages separate keys");
        assert_ne!(key[..], hardware_unique_key()[..], "the HUK itself is never the output");
        assert_eq!(derive_subkey(SubkeyUsage::UniqueTa, &[], &mut [0; 33]), Err(TeeError::BadParameters));
    }
}
