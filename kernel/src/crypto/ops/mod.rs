//! The primitives behind operation states, one file per family: digests
//! ([`hash`]), HMAC and AES-CMAC ([`mac`]), the AES cipher modes
//! ([`cipher`]: ECB, CBC, CTR, CTS, XTS) and the AES AE modes ([`gcm`],
//! [`ccm`], both behind [`ae::Ae`]). Pure (bytes in, bytes out);
//! host-tested with published known-answer vectors.

pub mod accel;
pub mod ae;
mod block;
pub mod block_ext;
pub mod ccm;
pub mod cipher;
pub mod cmac;
mod cts;
pub mod digest_ext;
pub mod gcm;
mod gf128;
pub mod hash;
pub mod mac;
#[cfg(target_os = "none")]
mod selftest;
#[cfg(target_os = "none")]
mod sha_ce;
mod xts;

pub use ae::{Ae, AeError};
pub use cipher::{Cipher, CipherError};
pub use gcm::Gcm;
pub use hash::{Hash, HashKind};
pub use mac::{AesCmac, Mac};

#[cfg(test)]
pub(crate) mod tests;
