//! Objects: types, attributes, curves, usage and handle flags.

/// `TEE_TYPE_*`. A key pair's type is its public key's with bit 24 set.
pub mod object_type {
    pub const GENERIC_SECRET: u32 = 0xA000_0000;
    pub const HMAC_MD5: u32 = 0xA000_0001;
    pub const HMAC_SHA1: u32 = 0xA000_0002;
    pub const HMAC_SHA224: u32 = 0xA000_0003;
    pub const HMAC_SHA256: u32 = 0xA000_0004;
    pub const HMAC_SHA384: u32 = 0xA000_0005;
    pub const HMAC_SHA512: u32 = 0xA000_0006;
    pub const AES: u32 = 0xA000_0010;
    pub const DES: u32 = 0xA000_0011;
    pub const DES3: u32 = 0xA000_0013;
    pub const RSA_PUBLIC_KEY: u32 = 0xA000_0030;
    pub const RSA_KEYPAIR: u32 = 0xA100_0030;
    pub const ECDSA_PUBLIC_KEY: u32 = 0xA000_0041;
    pub const ECDSA_KEYPAIR: u32 = 0xA100_0041;
    pub const ECDH_PUBLIC_KEY: u32 = 0xA000_0042;
    pub const ECDH_KEYPAIR: u32 = 0xA100_0042;
    pub const ED25519_PUBLIC_KEY: u32 = 0xA000_0043;
    pub const ED25519_KEYPAIR: u32 = 0xA100_0043;
    pub const X25519_PUBLIC_KEY: u32 = 0xA000_0044;
    pub const X25519_KEYPAIR: u32 = 0xA100_0044;
    /// A persistent object with data only.
    pub const DATA: u32 = 0xA000_00BF;
    /// OP-TEE's HKDF input keying material (`tee_api_defines_extensions.h`).
    pub const HKDF_IKM: u32 = 0xA100_00C0;
    /// OP-TEE's PBKDF2 password (`tee_api_defines_extensions.h`).
    pub const PBKDF2_PASSWORD: u32 = 0xA100_00C2;

    // The rest of OP-TEE 4.5.0's types (`tee_api_defines.h`,
    // `tee_api_defines_extensions.h`).
    pub const SM4: u32 = 0xA000_0014;
    pub const HMAC_SM3: u32 = 0xA000_0007;
    pub const HMAC_SHA3_224: u32 = 0xA000_0008;
    pub const HMAC_SHA3_256: u32 = 0xA000_0009;
    pub const HMAC_SHA3_384: u32 = 0xA000_000A;
    pub const HMAC_SHA3_512: u32 = 0xA000_000B;
    pub const DSA_PUBLIC_KEY: u32 = 0xA000_0031;
    pub const DSA_KEYPAIR: u32 = 0xA100_0031;
    pub const DH_KEYPAIR: u32 = 0xA100_0032;
    pub const SM2_DSA_PUBLIC_KEY: u32 = 0xA000_0045;
    pub const SM2_DSA_KEYPAIR: u32 = 0xA100_0045;
    pub const SM2_KEP_PUBLIC_KEY: u32 = 0xA000_0046;
    pub const SM2_KEP_KEYPAIR: u32 = 0xA100_0046;
    pub const SM2_PKE_PUBLIC_KEY: u32 = 0xA000_0047;
    pub const SM2_PKE_KEYPAIR: u32 = 0xA100_0047;
    pub const CONCAT_KDF_Z: u32 = 0xA100_00C1;

    /// Bit 24: the type is a key pair.
    pub const KEYPAIR_BIT: u32 = 1 << 24;
}

/// `TEE_ATTR_*`. Bit 29 ([`FLAG_VALUE`]) marks a value attribute (two
/// `u32`s), bit 28 ([`FLAG_PUBLIC`]) one that may be read from a
/// non-extractable key.
pub mod attr {
    /// `TEE_ATTR_FLAG_PUBLIC`.
    pub const FLAG_PUBLIC: u32 = 1 << 28;
    /// `TEE_ATTR_FLAG_VALUE`.
    pub const FLAG_VALUE: u32 = 1 << 29;

    pub const SECRET_VALUE: u32 = 0xC000_0000;
    pub const RSA_MODULUS: u32 = 0xD000_0130;
    pub const RSA_PUBLIC_EXPONENT: u32 = 0xD000_0230;
    pub const RSA_PRIVATE_EXPONENT: u32 = 0xC000_0330;
    pub const RSA_PRIME1: u32 = 0xC000_0430;
    pub const RSA_PRIME2: u32 = 0xC000_0530;
    pub const RSA_EXPONENT1: u32 = 0xC000_0630;
    pub const RSA_EXPONENT2: u32 = 0xC000_0730;
    pub const RSA_COEFFICIENT: u32 = 0xC000_0830;
    pub const RSA_OAEP_LABEL: u32 = 0xD000_0930;
    pub const RSA_OAEP_MGF_HASH: u32 = 0xD000_0931;
    pub const RSA_PSS_SALT_LENGTH: u32 = 0xF000_0A30;
    pub const ECC_PUBLIC_VALUE_X: u32 = 0xD000_0141;
    pub const ECC_PUBLIC_VALUE_Y: u32 = 0xD000_0241;
    pub const ECC_PRIVATE_VALUE: u32 = 0xC000_0341;
    pub const ECC_CURVE: u32 = 0xF000_0441;
    // DSA, DH, SM2 and Concat KDF attributes (optee_os 4.5.0
    // `tee_api_defines.h`, `tee_api_defines_extensions.h`).
    pub const DSA_PRIME: u32 = 0xD000_1031;
    pub const DSA_SUBPRIME: u32 = 0xD000_1131;
    pub const DSA_BASE: u32 = 0xD000_1231;
    pub const DSA_PUBLIC_VALUE: u32 = 0xD000_0131;
    pub const DSA_PRIVATE_VALUE: u32 = 0xC000_0231;
    pub const DH_PRIME: u32 = 0xD000_1032;
    pub const DH_SUBPRIME: u32 = 0xD000_1132;
    pub const DH_BASE: u32 = 0xD000_1232;
    pub const DH_X_BITS: u32 = 0xF000_1332;
    pub const DH_PUBLIC_VALUE: u32 = 0xD000_0132;
    pub const DH_PRIVATE_VALUE: u32 = 0xC000_0232;
    pub const SM2_ID_INITIATOR: u32 = 0xD000_0446;
    pub const SM2_ID_RESPONDER: u32 = 0xD000_0546;
    pub const SM2_KEP_USER: u32 = 0xF000_0646;
    pub const SM2_KEP_CONFIRMATION_IN: u32 = 0xD000_0746;
    pub const SM2_KEP_CONFIRMATION_OUT: u32 = 0xD000_0846;
    pub const ECC_EPHEMERAL_PUBLIC_VALUE_X: u32 = 0xD000_0146;
    pub const ECC_EPHEMERAL_PUBLIC_VALUE_Y: u32 = 0xD000_0246;
    pub const CONCAT_KDF_Z: u32 = 0xC000_01C1;
    pub const CONCAT_KDF_OTHER_INFO: u32 = 0xD000_02C1;
    pub const CONCAT_KDF_DKM_LENGTH: u32 = 0xF000_03C1;
    pub const EDDSA_PREHASH: u32 = 0xF000_0004;
    pub const EDDSA_CTX: u32 = 0xD000_0643;
    pub const ED25519_PUBLIC_VALUE: u32 = 0xD000_0743;
    pub const ED25519_PRIVATE_VALUE: u32 = 0xC000_0843;
    pub const X25519_PUBLIC_VALUE: u32 = 0xD000_0944;
    pub const X25519_PRIVATE_VALUE: u32 = 0xC000_0A44;

    /// GP v1.3.1 HKDF ([`super::super::alg::HKDF`]) parameters.
    pub const HKDF_SALT: u32 = 0xD000_0946;
    pub const HKDF_INFO: u32 = 0xD000_0A46;
    pub const HKDF_HASH_ALGORITHM: u32 = 0xF000_0B46;
    pub const KDF_KEY_SIZE: u32 = 0xF000_0C46;

    /// OP-TEE's HKDF (`alg::HKDF_*_DERIVE_KEY`; `tee_api_defines_extensions.h`,
    /// where salt and info are `__OPTEE_TEE_ATTR_HKDF_*` since GP took the
    /// names).
    pub const HKDF_IKM: u32 = 0xC000_01C0;
    pub const OPTEE_HKDF_SALT: u32 = 0xD000_02C0;
    pub const OPTEE_HKDF_INFO: u32 = 0xD000_03C0;
    pub const HKDF_OKM_LENGTH: u32 = 0xF000_04C0;

    /// OP-TEE's PBKDF2 (`tee_api_defines_extensions.h`).
    pub const PBKDF2_PASSWORD: u32 = 0xC000_01C2;
    pub const PBKDF2_SALT: u32 = 0xD000_02C2;
    pub const PBKDF2_ITERATION_COUNT: u32 = 0xF000_03C2;
    pub const PBKDF2_DKM_LENGTH: u32 = 0xF000_04C2;

    /// Whether `id` is a value attribute.
    pub const fn is_value(id: u32) -> bool {
        id & FLAG_VALUE != 0
    }
}

/// `TEE_ECC_CURVE_*`.
pub mod ecc_curve {
    pub const NIST_P192: u32 = 1;
    pub const NIST_P224: u32 = 2;
    pub const NIST_P256: u32 = 3;
    pub const NIST_P384: u32 = 4;
    pub const NIST_P521: u32 = 5;
    /// `TEE_ECC_CURVE_25519`.
    pub const CURVE_25519: u32 = 0x300;
    /// `TEE_ECC_CURVE_SM2`.
    pub const SM2: u32 = 0x400;
}

/// `TEE_USAGE_*`: what an object's key may be used for.
pub mod usage {
    pub const EXTRACTABLE: u32 = 0x1;
    pub const ENCRYPT: u32 = 0x2;
    pub const DECRYPT: u32 = 0x4;
    pub const MAC: u32 = 0x8;
    pub const SIGN: u32 = 0x10;
    pub const VERIFY: u32 = 0x20;
    pub const DERIVE: u32 = 0x40;
    /// Every usage (a fresh object's `objectUsage`).
    pub const DEFAULT: u32 = 0xFFFF_FFFF;
}

/// `TEE_HANDLE_FLAG_*`.
pub mod handle_flag {
    pub const PERSISTENT: u32 = 0x0001_0000;
    pub const INITIALIZED: u32 = 0x0002_0000;
    pub const KEY_SET: u32 = 0x0004_0000;
    pub const EXPECT_TWO_KEYS: u32 = 0x0008_0000;
    pub const EXTRACTING: u32 = 0x0010_0000;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_values() {
        assert_eq!(object_type::AES, 0xA000_0010);
        assert_eq!(object_type::DATA, 0xA000_00BF);
        assert_eq!(attr::SECRET_VALUE, 0xC000_0000);
        assert_eq!(attr::RSA_MODULUS, 0xD000_0130);
        assert_eq!(attr::X25519_PRIVATE_VALUE, 0xC000_0A44);
        assert_eq!(attr::HKDF_SALT, 0xD000_0946);
        assert_eq!(attr::OPTEE_HKDF_SALT, 0xD000_02C0);
        assert_eq!(ecc_curve::NIST_P521, 5);
        assert_eq!(usage::DERIVE, 0x40);
        assert_eq!(handle_flag::INITIALIZED, 0x0002_0000);
    }

    #[test]
    fn key_pairs_are_public_types_with_bit_24() {
        use object_type::*;
        for (public, pair) in [
            (RSA_PUBLIC_KEY, RSA_KEYPAIR),
            (ECDSA_PUBLIC_KEY, ECDSA_KEYPAIR),
            (ECDH_PUBLIC_KEY, ECDH_KEYPAIR),
            (ED25519_PUBLIC_KEY, ED25519_KEYPAIR),
            (X25519_PUBLIC_KEY, X25519_KEYPAIR),
        ] {
            assert_eq!(public | KEYPAIR_BIT, pair);
        }
    }

    #[test]
    fn attribute_flags() {
        use attr::*;
        // Value attributes have bit 29; public ones bit 28; secrets neither.
        for v in [RSA_PSS_SALT_LENGTH, ECC_CURVE, EDDSA_PREHASH, HKDF_OKM_LENGTH, PBKDF2_ITERATION_COUNT, KDF_KEY_SIZE]
        {
            assert!(is_value(v), "{v:#x}");
        }
        for r in [RSA_MODULUS, RSA_PRIVATE_EXPONENT, ECC_PUBLIC_VALUE_X, EDDSA_CTX, HKDF_SALT, PBKDF2_SALT] {
            assert!(!is_value(r), "{r:#x}");
        }
        for p in [RSA_MODULUS, RSA_PUBLIC_EXPONENT, ECC_PUBLIC_VALUE_Y, X25519_PUBLIC_VALUE] {
            assert_ne!(p & FLAG_PUBLIC, 0, "{p:#x}");
        }
        for s in [SECRET_VALUE, RSA_PRIME1, ECC_PRIVATE_VALUE, ED25519_PRIVATE_VALUE, HKDF_IKM, PBKDF2_PASSWORD] {
            assert_eq!(s & FLAG_PUBLIC, 0, "{s:#x}");
        }
    }

    /// Values as optee_os 4.5.0 `lib/libutee/include/tee_api_defines.h`
    /// and `tee_api_defines_extensions.h`.
    #[test]
    fn extended_type_and_attribute_numbers() {
        use super::{attr, object_type as t};
        let pinned = [
            (t::SM4, 0xA000_0014),
            (t::HMAC_SHA3_512, 0xA000_000B),
            (t::DSA_KEYPAIR, 0xA100_0031),
            (t::DH_KEYPAIR, 0xA100_0032),
            (t::SM2_PKE_KEYPAIR, 0xA100_0047),
            (t::CONCAT_KDF_Z, 0xA100_00C1),
            (attr::DSA_BASE, 0xD000_1231),
            (attr::DH_X_BITS, 0xF000_1332),
            (attr::SM2_KEP_CONFIRMATION_OUT, 0xD000_0846),
            (attr::ECC_EPHEMERAL_PUBLIC_VALUE_Y, 0xD000_0246),
            (attr::CONCAT_KDF_DKM_LENGTH, 0xF000_03C1),
        ];
        for (got, want) in pinned {
            assert_eq!(got, want);
        }
    }
}
