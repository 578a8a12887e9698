//! Why a TA image was refused, and the GP code each reason maps to.
//!
//! Inside the kernel the reason is kept (tests assert on it, logs print it);
//! at the session boundary it becomes a [`TeeError`] with [`TaError::tee_error`].
//! The mapping follows upstream OP-TEE: everything wrong with the signed
//! container is `TEE_ERROR_SECURITY` (`ree_fs_ta_open`, `shdr_verify_signature`);
//! everything wrong with the ELF is `TEE_ERROR_BAD_FORMAT` (ldelf `err()`).

use core::fmt;

use tee_abi::result::TeeError;

/// A reason for refusing a TA image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaError {
    // --- signed header (`shdr`) ---
    /// The file is shorter than the headers it announces.
    Truncated,
    /// `shdr.magic` is not `SHDR_MAGIC`.
    BadMagic,
    /// `shdr.algo` is not an RSA signature over an acceptable hash.
    BadAlgorithm,
    /// `shdr.algo` is a valid RSA signature algorithm we do not implement
    /// (SHA-384/SHA-512 variants).
    UnsupportedAlgorithm,
    /// `shdr.hash_size` is not the digest size of the algorithm.
    BadHashSize,
    /// `shdr.sig_size` is not the modulus size of the key.
    BadSignatureSize,
    /// The verification key is unusable (modulus/exponent rejected).
    BadKey,
    /// The RSA signature over the embedded digest does not verify.
    BadSignature,
    /// `shdr.img_type` is not a known value.
    UnknownImageType,
    /// `SHDR_ENCRYPTED_TA`: not implemented.
    EncryptedUnsupported,
    /// A subkey is malformed, its digest or attributes are wrong, or it
    /// breaks the chain (depth, UUID).
    BadSubkey,
    /// The bootstrap header names another UUID than the one being loaded.
    UuidMismatch,
    /// The file size is not exactly headers + `img_size`.
    SizeMismatch,
    /// SHA-256 over header and image differs from the signed digest.
    DigestMismatch,

    // --- ELF ---
    /// Not a well-formed ELF64 little-endian AArch64 `ET_DYN` file.
    BadElfHeader,
    /// A program header is inconsistent (sizes, offsets, alignment).
    BadSegment,
    /// A `PT_LOAD` segment is both writable and executable.
    WriteExecSegment,
    /// A `PT_LOAD` segment is not readable (ldelf refuses these too).
    UnreadableSegment,
    /// Two `PT_LOAD` segments overlap (or share a page with other permissions).
    OverlappingSegments,
    /// No `PT_LOAD` segment.
    NoSegments,
    /// The mapped span exceeds the caller's limit.
    TooLarge,
    /// `e_entry` is not inside an executable segment.
    BadEntry,
    /// A section header (symbol, string or relocation table) is inconsistent.
    BadSection,
    /// A symbol index, name or value is out of range.
    BadSymbol,
    /// A relocation refers to an undefined (non-weak) symbol.
    UndefinedSymbol,
    /// A relocation type other than NONE/ABS64/GLOB_DAT/JUMP_SLOT/RELATIVE.
    UnsupportedRelocation,
    /// A relocation target is outside every segment, or its value overflows.
    BadRelocation,
    /// The ELF needs shared libraries (`DT_NEEDED`); not implemented.
    SharedLibrariesUnsupported,
    /// `ta_head` is missing or not inside a segment's file data.
    BadTaHead,
    /// `ta_head.flags` has bits outside `TA_FLAGS_MASK`.
    BadTaFlags,
    /// `ta_head.depr_entry` is not `u64::MAX`: a legacy TA, not supported.
    LegacyTa,

    // --- dynamic linking (`dynlink`) ---
    /// A `DT_NEEDED` string is not a UUID (ldelf: `tee_uuid_from_str`).
    BadNeeded,
    /// A needed library is not in the store.
    LibraryNotFound,
    /// A relocation names a symbol no object defines.
    SymbolNotFound,
    /// A symbol of another type than NOTYPE, OBJECT, FUNC or TLS.
    UnsupportedSymbolType,
    /// More objects (TA and libraries) than `dynlink::MAX_OBJECTS`.
    TooManyObjects,
    /// An object was added twice to the link map.
    DuplicateObject,
    /// `__elf_phdr_info.reserved` is not 0.
    PhdrInfoReserved,

    // --- caller errors when loading ---
    /// The load base is not page-aligned, or base + span overflows.
    BadLoadBase,
    /// The destination buffer is not exactly `span` bytes.
    BadBufferSize,
}

impl TaError {
    /// Returns the GP code upstream OP-TEE reports for this reason.
    pub const fn tee_error(self) -> TeeError {
        use TaError::*;
        match self {
            Truncated | BadMagic | BadAlgorithm | BadHashSize | BadSignatureSize | BadKey | BadSignature
            | UnknownImageType | UuidMismatch | SizeMismatch | DigestMismatch | BadSubkey => TeeError::Security,
            UnsupportedAlgorithm
            | EncryptedUnsupported
            | UnreadableSegment
            | SharedLibrariesUnsupported
            | LegacyTa
            | UnsupportedSymbolType
            | PhdrInfoReserved => TeeError::NotSupported,
            TooLarge | TooManyObjects => TeeError::OutOfMemory,
            LibraryNotFound | SymbolNotFound => TeeError::ItemNotFound,
            BadElfHeader
            | BadSegment
            | WriteExecSegment
            | OverlappingSegments
            | NoSegments
            | BadEntry
            | BadSection
            | BadSymbol
            | UndefinedSymbol
            | UnsupportedRelocation
            | BadRelocation
            | BadTaHead
            | BadTaFlags
            | BadNeeded
            | DuplicateObject => TeeError::BadFormat,
            BadLoadBase | BadBufferSize => TeeError::BadParameters,
        }
    }
}

impl From<TaError> for TeeError {
    fn from(e: TaError) -> TeeError {
        e.tee_error()
    }
}

impl fmt::Display for TaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?} ({:#010x})", self.tee_error().code())
    }
}
