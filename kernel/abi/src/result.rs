//! GlobalPlatform `TEE_Result` codes (shared by the TEE Client and Internal
//! Core APIs; optee_os 4.5.0 `lib/libutee/include/tee_api_defines.h`) as one
//! typed error, and the `ret_origin` values.
//!
//! [`TeeError`] is the only definition of the numbers in the project: the
//! kernel, the monitor, ta-sdk, teec, the guest runner and xtask all use it.

/// A non-success `TEE_Result` (GP TEE Internal Core API, `tee_api_defines.h`).
///
/// `Ok(())` stands for `TEE_SUCCESS`; every other code the TEE defines is a
/// variant. A code this enum does not know (from a newer kernel, say) maps to
/// [`TeeError::Generic`] in [`TeeError::from_raw`], and [`TeeError::code`]
/// gives back the number.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TeeError {
    CorruptObject = 0xF010_0001,
    CorruptObject2 = 0xF010_0002,
    StorageNotAvailable = 0xF010_0003,
    StorageNotAvailable2 = 0xF010_0004,
    UnsupportedVersion = 0xF010_0005,
    CiphertextInvalid = 0xF010_0006,
    Generic = 0xFFFF_0000,
    AccessDenied = 0xFFFF_0001,
    Cancel = 0xFFFF_0002,
    AccessConflict = 0xFFFF_0003,
    ExcessData = 0xFFFF_0004,
    BadFormat = 0xFFFF_0005,
    BadParameters = 0xFFFF_0006,
    BadState = 0xFFFF_0007,
    ItemNotFound = 0xFFFF_0008,
    NotImplemented = 0xFFFF_0009,
    NotSupported = 0xFFFF_000A,
    NoData = 0xFFFF_000B,
    OutOfMemory = 0xFFFF_000C,
    Busy = 0xFFFF_000D,
    Communication = 0xFFFF_000E,
    Security = 0xFFFF_000F,
    ShortBuffer = 0xFFFF_0010,
    ExternalCancel = 0xFFFF_0011,
    Timeout = 0xFFFF_3001,
    Overflow = 0xFFFF_300F,
    TargetDead = 0xFFFF_3024,
    StorageNoSpace = 0xFFFF_3041,
    MacInvalid = 0xFFFF_3071,
    SignatureInvalid = 0xFFFF_3072,
    TimeNotSet = 0xFFFF_5000,
    TimeNeedsReset = 0xFFFF_5001,
}

/// `Result<T, TeeError>`.
pub type TeeResult<T = ()> = Result<T, TeeError>;

/// `TEE_SUCCESS`.
pub const TEE_SUCCESS: u32 = 0;

const ALL: [TeeError; 32] = {
    use TeeError::*;
    [
        CorruptObject,
        CorruptObject2,
        StorageNotAvailable,
        StorageNotAvailable2,
        UnsupportedVersion,
        CiphertextInvalid,
        Generic,
        AccessDenied,
        Cancel,
        AccessConflict,
        ExcessData,
        BadFormat,
        BadParameters,
        BadState,
        ItemNotFound,
        NotImplemented,
        NotSupported,
        NoData,
        OutOfMemory,
        Busy,
        Communication,
        Security,
        ShortBuffer,
        ExternalCancel,
        Timeout,
        Overflow,
        TargetDead,
        StorageNoSpace,
        MacInvalid,
        SignatureInvalid,
        TimeNotSet,
        TimeNeedsReset,
    ]
};

impl TeeError {
    /// The `TEE_Result` value.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// `Ok(())` for `TEE_SUCCESS`, the matching error otherwise (unknown
    /// codes become [`TeeError::Generic`]).
    pub fn from_raw(code: u32) -> TeeResult {
        if code == TEE_SUCCESS {
            return Ok(());
        }
        Err(TeeError::from_code(code).unwrap_or(TeeError::Generic))
    }

    /// The error a `TEE_Result` number names, if this enum knows it (unlike
    /// [`TeeError::from_raw`], no fallback to [`TeeError::Generic`]).
    pub fn from_code(code: u32) -> Option<TeeError> {
        ALL.iter().copied().find(|e| e.code() == code)
    }

    /// The GP name, `TEE_ERROR_*` (the Client API spells it `TEEC_ERROR_*`).
    pub const fn name(self) -> &'static str {
        use TeeError::*;
        match self {
            CorruptObject => "TEE_ERROR_CORRUPT_OBJECT",
            CorruptObject2 => "TEE_ERROR_CORRUPT_OBJECT_2",
            StorageNotAvailable => "TEE_ERROR_STORAGE_NOT_AVAILABLE",
            StorageNotAvailable2 => "TEE_ERROR_STORAGE_NOT_AVAILABLE_2",
            UnsupportedVersion => "TEE_ERROR_UNSUPPORTED_VERSION",
            CiphertextInvalid => "TEE_ERROR_CIPHERTEXT_INVALID",
            Generic => "TEE_ERROR_GENERIC",
            AccessDenied => "TEE_ERROR_ACCESS_DENIED",
            Cancel => "TEE_ERROR_CANCEL",
            AccessConflict => "TEE_ERROR_ACCESS_CONFLICT",
            ExcessData => "TEE_ERROR_EXCESS_DATA",
            BadFormat => "TEE_ERROR_BAD_FORMAT",
            BadParameters => "TEE_ERROR_BAD_PARAMETERS",
            BadState => "TEE_ERROR_BAD_STATE",
            ItemNotFound => "TEE_ERROR_ITEM_NOT_FOUND",
            NotImplemented => "TEE_ERROR_NOT_IMPLEMENTED",
            NotSupported => "TEE_ERROR_NOT_SUPPORTED",
            NoData => "TEE_ERROR_NO_DATA",
            OutOfMemory => "TEE_ERROR_OUT_OF_MEMORY",
            Busy => "TEE_ERROR_BUSY",
            Communication => "TEE_ERROR_COMMUNICATION",
            Security => "TEE_ERROR_SECURITY",
            ShortBuffer => "TEE_ERROR_SHORT_BUFFER",
            ExternalCancel => "TEE_ERROR_EXTERNAL_CANCEL",
            Timeout => "TEE_ERROR_TIMEOUT",
            Overflow => "TEE_ERROR_OVERFLOW",
            TargetDead => "TEE_ERROR_TARGET_DEAD",
            StorageNoSpace => "TEE_ERROR_STORAGE_NO_SPACE",
            MacInvalid => "TEE_ERROR_MAC_INVALID",
            SignatureInvalid => "TEE_ERROR_SIGNATURE_INVALID",
            TimeNotSet => "TEE_ERROR_TIME_NOT_SET",
            TimeNeedsReset => "TEE_ERROR_TIME_NEEDS_RESET",
        }
    }

    /// Folds a result back into a `TEE_Result` number.
    pub fn to_raw(result: TeeResult) -> u32 {
        match result {
            Ok(()) => TEE_SUCCESS,
            Err(e) => e.code(),
        }
    }
}

impl From<TeeError> for u32 {
    fn from(e: TeeError) -> u32 {
        e.code()
    }
}

impl core::fmt::Display for TeeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{self:?} ({:#010x})", self.code())
    }
}

/// `TEE_ORIGIN_*`: which layer produced a `TEE_Result` (GP TEE Client API).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// `TEE_ORIGIN_API`: the client library.
    Api = 1,
    /// `TEE_ORIGIN_COMMS`: the transport (driver, monitor, message decoding).
    Comms = 2,
    /// `TEE_ORIGIN_TEE`: the trusted OS itself.
    Tee = 3,
    /// `TEE_ORIGIN_TRUSTED_APP`: the TA's own entry point.
    TrustedApp = 4,
}

impl Origin {
    /// The `ret_origin` value.
    pub const fn code(self) -> u32 {
        self as u32
    }

    /// The origin a `ret_origin` value names, if it is one of the four.
    pub const fn from_code(code: u32) -> Option<Origin> {
        Some(match code {
            1 => Origin::Api,
            2 => Origin::Comms,
            3 => Origin::Tee,
            4 => Origin::TrustedApp,
            _ => return None,
        })
    }
}

/// What a call into the TEE reports: a result and the layer it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `TEE_SUCCESS` or the error.
    pub result: TeeResult,
    /// Where the result was produced.
    pub origin: Origin,
}

impl Outcome {
    /// A success reported by `origin`.
    pub const fn ok(origin: Origin) -> Outcome {
        Outcome { result: Ok(()), origin }
    }

    /// An error reported by `origin`.
    pub const fn err(error: TeeError, origin: Origin) -> Outcome {
        Outcome { result: Err(error), origin }
    }

    /// `(ret, ret_origin)` as they go into `optee_msg_arg` or `TEEC_*`.
    pub fn to_raw(self) -> (u32, u32) {
        (TeeError::to_raw(self.result), self.origin.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_gp() {
        assert_eq!(TeeError::BadParameters.code(), 0xFFFF_0006);
        assert_eq!(TeeError::ItemNotFound.code(), 0xFFFF_0008);
        assert_eq!(TeeError::NotSupported.code(), 0xFFFF_000A);
        assert_eq!(TeeError::ShortBuffer.code(), 0xFFFF_0010);
        assert_eq!(TeeError::TargetDead.code(), 0xFFFF_3024);
        assert_eq!(TeeError::TimeNeedsReset.code(), 0xFFFF_5001);
    }

    #[test]
    fn names_are_the_gp_names() {
        assert_eq!(TeeError::ItemNotFound.name(), "TEE_ERROR_ITEM_NOT_FOUND");
        assert_eq!(TeeError::CorruptObject2.name(), "TEE_ERROR_CORRUPT_OBJECT_2");
        assert_eq!(TeeError::MacInvalid.name(), "TEE_ERROR_MAC_INVALID");
        for (i, a) in ALL.iter().enumerate() {
            assert!(a.name().starts_with("TEE_ERROR_"));
            assert!(ALL[i + 1..].iter().all(|b| a.name() != b.name()));
        }
    }

    #[test]
    fn origins() {
        for o in [Origin::Api, Origin::Comms, Origin::Tee, Origin::TrustedApp] {
            assert_eq!(Origin::from_code(o.code()), Some(o));
        }
        assert_eq!(Origin::from_code(0), None);
        assert_eq!(Origin::TrustedApp.code(), 4);
    }

    #[test]
    fn raw_round_trip() {
        assert_eq!(TeeError::from_raw(0), Ok(()));
        for e in ALL {
            assert_eq!(TeeError::from_raw(e.code()), Err(e));
            assert_eq!(TeeError::to_raw(Err(e)), e.code());
        }
        assert_eq!(TeeError::from_raw(0x1234), Err(TeeError::Generic));
        assert_eq!(TeeError::from_code(0x1234), None);
        assert_eq!(TeeError::from_code(0xFFFF_3024), Some(TeeError::TargetDead));
        // No duplicates in the table.
        for (i, a) in ALL.iter().enumerate() {
            assert!(ALL[i + 1..].iter().all(|b| a != b));
        }
    }
}
