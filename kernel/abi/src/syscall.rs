//! The utee system call numbers (`svc #0`, number in `x8`, arguments in
//! `x0..x7`, `TEE_Result` back in `x0`), exactly as optee_os 4.5.0
//! `lib/libutee/include/tee_syscall_numbers.h` numbers them. The kernel's
//! syscall table and ta-sdk's wrappers both use this enum.

/// A utee system call (`TEE_SCN_*`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syscall {
    /// `TEE_SCN_RETURN`.
    Return = 0,
    /// `TEE_SCN_LOG`.
    Log = 1,
    /// `TEE_SCN_PANIC`.
    Panic = 2,
    /// `TEE_SCN_GET_PROPERTY`.
    GetProperty = 3,
    /// `TEE_SCN_GET_PROPERTY_NAME_TO_INDEX`.
    GetPropertyNameToIndex = 4,
    /// `TEE_SCN_OPEN_TA_SESSION`.
    OpenTaSession = 5,
    /// `TEE_SCN_CLOSE_TA_SESSION`.
    CloseTaSession = 6,
    /// `TEE_SCN_INVOKE_TA_COMMAND`.
    InvokeTaCommand = 7,
    /// `TEE_SCN_CHECK_ACCESS_RIGHTS`.
    CheckAccessRights = 8,
    /// `TEE_SCN_GET_CANCELLATION_FLAG`.
    GetCancellationFlag = 9,
    /// `TEE_SCN_UNMASK_CANCELLATION`.
    UnmaskCancellation = 10,
    /// `TEE_SCN_MASK_CANCELLATION`.
    MaskCancellation = 11,
    /// `TEE_SCN_WAIT`.
    Wait = 12,
    /// `TEE_SCN_GET_TIME`.
    GetTime = 13,
    /// `TEE_SCN_SET_TA_TIME`.
    SetTaTime = 14,
    /// `TEE_SCN_CRYP_STATE_ALLOC`.
    CrypStateAlloc = 15,
    /// `TEE_SCN_CRYP_STATE_COPY`.
    CrypStateCopy = 16,
    /// `TEE_SCN_CRYP_STATE_FREE`.
    CrypStateFree = 17,
    /// `TEE_SCN_HASH_INIT`.
    HashInit = 18,
    /// `TEE_SCN_HASH_UPDATE`.
    HashUpdate = 19,
    /// `TEE_SCN_HASH_FINAL`.
    HashFinal = 20,
    /// `TEE_SCN_CIPHER_INIT`.
    CipherInit = 21,
    /// `TEE_SCN_CIPHER_UPDATE`.
    CipherUpdate = 22,
    /// `TEE_SCN_CIPHER_FINAL`.
    CipherFinal = 23,
    /// `TEE_SCN_CRYP_OBJ_GET_INFO`.
    CrypObjGetInfo = 24,
    /// `TEE_SCN_CRYP_OBJ_RESTRICT_USAGE`.
    CrypObjRestrictUsage = 25,
    /// `TEE_SCN_CRYP_OBJ_GET_ATTR`.
    CrypObjGetAttr = 26,
    /// `TEE_SCN_CRYP_OBJ_ALLOC`.
    CrypObjAlloc = 27,
    /// `TEE_SCN_CRYP_OBJ_CLOSE`.
    CrypObjClose = 28,
    /// `TEE_SCN_CRYP_OBJ_RESET`.
    CrypObjReset = 29,
    /// `TEE_SCN_CRYP_OBJ_POPULATE`.
    CrypObjPopulate = 30,
    /// `TEE_SCN_CRYP_OBJ_COPY`.
    CrypObjCopy = 31,
    /// `TEE_SCN_CRYP_DERIVE_KEY`.
    CrypDeriveKey = 32,
    /// `TEE_SCN_CRYP_RANDOM_NUMBER_GENERATE`.
    CrypRandomNumberGenerate = 33,
    /// `TEE_SCN_AUTHENC_INIT`.
    AuthencInit = 34,
    /// `TEE_SCN_AUTHENC_UPDATE_AAD`.
    AuthencUpdateAad = 35,
    /// `TEE_SCN_AUTHENC_UPDATE_PAYLOAD`.
    AuthencUpdatePayload = 36,
    /// `TEE_SCN_AUTHENC_ENC_FINAL`.
    AuthencEncFinal = 37,
    /// `TEE_SCN_AUTHENC_DEC_FINAL`.
    AuthencDecFinal = 38,
    /// `TEE_SCN_ASYMM_OPERATE`.
    AsymmOperate = 39,
    /// `TEE_SCN_ASYMM_VERIFY`.
    AsymmVerify = 40,
    /// `TEE_SCN_STORAGE_OBJ_OPEN`.
    StorageObjOpen = 41,
    /// `TEE_SCN_STORAGE_OBJ_CREATE`.
    StorageObjCreate = 42,
    /// `TEE_SCN_STORAGE_OBJ_DEL`.
    StorageObjDel = 43,
    /// `TEE_SCN_STORAGE_OBJ_RENAME`.
    StorageObjRename = 44,
    /// `TEE_SCN_STORAGE_ENUM_ALLOC`.
    StorageEnumAlloc = 45,
    /// `TEE_SCN_STORAGE_ENUM_FREE`.
    StorageEnumFree = 46,
    /// `TEE_SCN_STORAGE_ENUM_RESET`.
    StorageEnumReset = 47,
    /// `TEE_SCN_STORAGE_ENUM_START`.
    StorageEnumStart = 48,
    /// `TEE_SCN_STORAGE_ENUM_NEXT`.
    StorageEnumNext = 49,
    /// `TEE_SCN_STORAGE_OBJ_READ`.
    StorageObjRead = 50,
    /// `TEE_SCN_STORAGE_OBJ_WRITE`.
    StorageObjWrite = 51,
    /// `TEE_SCN_STORAGE_OBJ_TRUNC`.
    StorageObjTrunc = 52,
    /// `TEE_SCN_STORAGE_OBJ_SEEK`.
    StorageObjSeek = 53,
    /// `TEE_SCN_CRYP_OBJ_GENERATE_KEY`.
    CrypObjGenerateKey = 54,
    /// `TEE_SCN_SE_SERVICE_OPEN`.
    SeServiceOpen = 55,
    /// `TEE_SCN_SE_SERVICE_CLOSE`.
    SeServiceClose = 56,
    /// `TEE_SCN_SE_SERVICE_GET_READERS`.
    SeServiceGetReaders = 57,
    /// `TEE_SCN_SE_READER_GET_PROP`.
    SeReaderGetProp = 58,
    /// `TEE_SCN_SE_READER_GET_NAME`.
    SeReaderGetName = 59,
    /// `TEE_SCN_SE_READER_OPEN_SESSION`.
    SeReaderOpenSession = 60,
    /// `TEE_SCN_SE_READER_CLOSE_SESSIONS`.
    SeReaderCloseSessions = 61,
    /// `TEE_SCN_SE_SESSION_IS_CLOSED`.
    SeSessionIsClosed = 62,
    /// `TEE_SCN_SE_SESSION_GET_ATR`.
    SeSessionGetAtr = 63,
    /// `TEE_SCN_SE_SESSION_OPEN_CHANNEL`.
    SeSessionOpenChannel = 64,
    /// `TEE_SCN_SE_SESSION_CLOSE`.
    SeSessionClose = 65,
    /// `TEE_SCN_SE_CHANNEL_SELECT_NEXT`.
    SeChannelSelectNext = 66,
    /// `TEE_SCN_SE_CHANNEL_GET_SELECT_RESP`.
    SeChannelGetSelectResp = 67,
    /// `TEE_SCN_SE_CHANNEL_TRANSMIT`.
    SeChannelTransmit = 68,
    /// `TEE_SCN_SE_CHANNEL_CLOSE`.
    SeChannelClose = 69,
    /// `TEE_SCN_CACHE_OPERATION`.
    CacheOperation = 70,
}

/// `TEE_SCN_MAX`: the highest number.
pub const MAX: u32 = 70;

/// `TEE_SVC_MAX_ARGS`: arguments a syscall may take (x0..x7).
pub const MAX_ARGS: usize = 8;

const ALL: [Syscall; 71] = {
    use Syscall::*;
    [
        Return,
        Log,
        Panic,
        GetProperty,
        GetPropertyNameToIndex,
        OpenTaSession,
        CloseTaSession,
        InvokeTaCommand,
        CheckAccessRights,
        GetCancellationFlag,
        UnmaskCancellation,
        MaskCancellation,
        Wait,
        GetTime,
        SetTaTime,
        CrypStateAlloc,
        CrypStateCopy,
        CrypStateFree,
        HashInit,
        HashUpdate,
        HashFinal,
        CipherInit,
        CipherUpdate,
        CipherFinal,
        CrypObjGetInfo,
        CrypObjRestrictUsage,
        CrypObjGetAttr,
        CrypObjAlloc,
        CrypObjClose,
        CrypObjReset,
        CrypObjPopulate,
        CrypObjCopy,
        CrypDeriveKey,
        CrypRandomNumberGenerate,
        AuthencInit,
        AuthencUpdateAad,
        AuthencUpdatePayload,
        AuthencEncFinal,
        AuthencDecFinal,
        AsymmOperate,
        AsymmVerify,
        StorageObjOpen,
        StorageObjCreate,
        StorageObjDel,
        StorageObjRename,
        StorageEnumAlloc,
        StorageEnumFree,
        StorageEnumReset,
        StorageEnumStart,
        StorageEnumNext,
        StorageObjRead,
        StorageObjWrite,
        StorageObjTrunc,
        StorageObjSeek,
        CrypObjGenerateKey,
        SeServiceOpen,
        SeServiceClose,
        SeServiceGetReaders,
        SeReaderGetProp,
        SeReaderGetName,
        SeReaderOpenSession,
        SeReaderCloseSessions,
        SeSessionIsClosed,
        SeSessionGetAtr,
        SeSessionOpenChannel,
        SeSessionClose,
        SeChannelSelectNext,
        SeChannelGetSelectResp,
        SeChannelTransmit,
        SeChannelClose,
        CacheOperation,
    ]
};

impl Syscall {
    /// The number the TA puts in `x8`.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The syscall numbered `nr`, if upstream defines one.
    pub const fn from_number(nr: u64) -> Option<Syscall> {
        if nr > MAX as u64 {
            return None;
        }
        Some(ALL[nr as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_upstream() {
        assert_eq!(Syscall::Return.number(), 0);
        assert_eq!(Syscall::SetTaTime.number(), 14);
        assert_eq!(Syscall::CrypRandomNumberGenerate.number(), 33);
        assert_eq!(Syscall::StorageObjOpen.number(), 41);
        assert_eq!(Syscall::CrypObjGenerateKey.number(), 54);
        assert_eq!(Syscall::CacheOperation.number(), MAX);
    }

    #[test]
    fn table_is_dense() {
        for nr in 0..=u64::from(MAX) {
            assert_eq!(Syscall::from_number(nr).map(|s| u64::from(s.number())), Some(nr));
        }
        assert_eq!(Syscall::from_number(u64::from(MAX) + 1), None);
        assert_eq!(Syscall::from_number(u64::MAX), None);
    }
}
