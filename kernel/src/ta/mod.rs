//! Trusted Applications: verify a signed `.ta` file and prepare its image.
//!
//! Pure logic, no hardware and no `unsafe`: the thread/MMU code gives this
//! module bytes and gets back a plan ([`TaImage`]) and a filled buffer.
//!
//! 1. [`shdr::verify`] checks the signed container exactly as upstream
//!    `ree_fs_ta_open` does and returns the ELF image ([`VerifiedTa`]).
//! 2. [`TaImage::parse`] validates the ELF as ldelf would (plus W^X and
//!    no-overlap), resolves `ta_head` and checks every relocation.
//! 3. [`TaImage::load`] fills a span-sized buffer for a chosen base address.
//!
//! [`prepare`] chains 1 and 2. The file must already be a private (secure)
//! copy: the normal world can rewrite shared memory at any time.
//!
//! Errors are [`TaError`] reasons; [`TaError::tee_error`] gives the GP code.

pub mod dynlink;
pub mod elf;
pub mod error;
pub mod head;
pub mod reloc;
pub mod shdr;
mod sig_cache;
pub mod subkey;

#[cfg(test)]
pub(crate) mod tests;

pub use elf::{Perms, Segment, TaImage};
pub use error::TaError;
pub use head::TaHead;
pub use shdr::{TaPublicKey, VerifiedTa, Versions};
pub use tee_abi::result::TeeError;
pub use tee_abi::uuid::Uuid;

/// Verifies `file` as the TA `uuid` with `key`, then validates its ELF.
///
/// A legacy `SHDR_TA` file carries no signed UUID; for it, `ta_head.uuid`
/// must equal `uuid` (`TaError::UuidMismatch` otherwise). Upstream 4.x does
/// not check this at all; we refuse rather than run a validly signed TA under
/// another TA's identity.
pub fn prepare<'a>(
    file: &'a [u8],
    uuid: &Uuid,
    key: &TaPublicKey<'_>,
    max_span: usize,
) -> Result<(VerifiedTa<'a>, TaImage<'a>), TaError> {
    let verified = shdr::verify(file, uuid, key)?;
    let image = TaImage::parse(verified.image, max_span)?;
    if verified.bootstrap.is_none() && image.head().uuid != *uuid {
        return Err(TaError::UuidMismatch);
    }
    Ok((verified, image))
}

/// Verifies `file` as the TA `uuid` with `key` and validates it as the first
/// object of a link map (shared libraries allowed): the ELF, its entry
/// point, `ta_head` and (legacy `SHDR_TA` files) the UUID binding, as
/// [`prepare`] does. Returns the ELF image, the decoded `ta_head` and the
/// file's anti-rollback versions.
pub fn prepare_main<'a>(
    file: &'a [u8],
    uuid: &Uuid,
    key: &TaPublicKey<'_>,
    max_span: usize,
) -> Result<(&'a [u8], TaHead, Versions), TaError> {
    let verified = shdr::verify(file, uuid, key)?;
    let obj = dynlink::Object::parse(verified.image, max_span)?;
    elf::check_entry(obj.segments(), obj.entry())?;
    let head_vaddr = match elf::find_ta_head(verified.image, obj.sections(), obj.ctx())? {
        Some(v) => v,
        None => obj.segments().first().map(|s| s.vaddr).ok_or(TaError::NoSegments)?,
    };
    let bytes = elf::file_bytes(verified.image, obj.segments(), head_vaddr, head::TA_HEAD_SIZE as u64)
        .ok_or(TaError::BadTaHead)?;
    let head = TaHead::parse(bytes)?;
    if verified.bootstrap.is_none() && head.uuid != *uuid {
        return Err(TaError::UuidMismatch);
    }
    Ok((verified.image, head, verified.versions()))
}

/// Verifies `file` as a TA to install in the TA database, as upstream's
/// secure-storage TA management PTA does (optee_os 4.5.0
/// `core/pta/secstor_ta_mgmt.c`, `bootstrap` and `install_ta`): signed by
/// `key` itself (a subkey-signed or legacy `SHDR_TA` file is refused, as
/// upstream's `img_type != SHDR_BOOTSTRAP_TA` check refuses them), bound to
/// the UUID of its own bootstrap header, digest over everything. The ELF is
/// not looked at: it is checked when the TA is loaded. Returns the
/// bootstrap header (the UUID and `ta_version` to install under).
pub fn verify_bootstrap(file: &[u8], key: &TaPublicKey<'_>) -> Result<shdr::BootstrapTa, TaError> {
    let header = shdr::Shdr::parse(file).ok_or(TaError::Truncated)?;
    if header.img_type != shdr::SHDR_BOOTSTRAP_TA {
        return Err(TaError::UnknownImageType);
    }
    let at = header.size();
    let octets: [u8; 16] = file.get(at..at + 16).and_then(|b| b.try_into().ok()).ok_or(TaError::Truncated)?;
    let verified = shdr::verify(file, &Uuid::from_octets(octets), key)?;
    verified.bootstrap.ok_or(TaError::UnknownImageType)
}

/// Verifies `file` as the TA shared library `uuid` (signed like a TA, as
/// ldelf's `sys_open_ta_bin` reads it) and returns its ELF image and
/// anti-rollback versions.
pub fn verify_library<'a>(file: &'a [u8], uuid: &Uuid, key: &TaPublicKey<'_>) -> Result<(&'a [u8], Versions), TaError> {
    let verified = shdr::verify(file, uuid, key)?;
    Ok((verified.image, verified.versions()))
}
