//! GlobalPlatform `TEE_Result` codes as a Rust error type.

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
        Err(ALL.iter().copied().find(|e| e.code() == code).unwrap_or(TeeError::Generic))
    }

    /// Folds a result back into a `TEE_Result` number.
    pub fn to_raw(result: TeeResult) -> u32 {
        match result {
            Ok(()) => TEE_SUCCESS,
            Err(e) => e.code(),
        }
    }
}

impl core::fmt::Display for TeeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{self:?} ({:#010x})", self.code())
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
    fn raw_round_trip() {
        assert_eq!(TeeError::from_raw(0), Ok(()));
        for e in ALL {
            assert_eq!(TeeError::from_raw(e.code()), Err(e));
            assert_eq!(TeeError::to_raw(Err(e)), e.code());
        }
        assert_eq!(TeeError::from_raw(0x1234), Err(TeeError::Generic));
        // No duplicates in the table.
        for (i, a) in ALL.iter().enumerate() {
            assert!(ALL[i + 1..].iter().all(|b| a != b));
        }
    }
}
