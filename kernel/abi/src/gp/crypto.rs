//! Algorithms, operation modes and operation classes.

/// `TEE_ALG_*`. The top nibble is the operation class ([`super::operation_class`]),
/// the low byte the key type's (as in `TEE_TYPE_*`).
pub mod alg {
    pub const AES_ECB_NOPAD: u32 = 0x1000_0010;
    pub const AES_CBC_NOPAD: u32 = 0x1000_0110;
    pub const AES_CTR: u32 = 0x1000_0210;
    pub const AES_CTS: u32 = 0x1000_0310;
    pub const AES_XTS: u32 = 0x1000_0410;
    pub const AES_CBC_MAC_NOPAD: u32 = 0x3000_0110;
    pub const AES_CMAC: u32 = 0x3000_0610;
    pub const AES_CCM: u32 = 0x4000_0710;
    pub const AES_GCM: u32 = 0x4000_0810;

    pub const MD5: u32 = 0x5000_0001;
    pub const SHA1: u32 = 0x5000_0002;
    pub const SHA224: u32 = 0x5000_0003;
    pub const SHA256: u32 = 0x5000_0004;
    pub const SHA384: u32 = 0x5000_0005;
    pub const SHA512: u32 = 0x5000_0006;

    pub const HMAC_MD5: u32 = 0x3000_0001;
    pub const HMAC_SHA1: u32 = 0x3000_0002;
    pub const HMAC_SHA224: u32 = 0x3000_0003;
    pub const HMAC_SHA256: u32 = 0x3000_0004;
    pub const HMAC_SHA384: u32 = 0x3000_0005;
    pub const HMAC_SHA512: u32 = 0x3000_0006;

    pub const RSA_NOPAD: u32 = 0x6000_0030;
    pub const RSAES_PKCS1_V1_5: u32 = 0x6000_0130;
    pub const RSAES_PKCS1_OAEP_MGF1_SHA1: u32 = 0x6021_0230;
    pub const RSAES_PKCS1_OAEP_MGF1_SHA224: u32 = 0x6031_0230;
    pub const RSAES_PKCS1_OAEP_MGF1_SHA256: u32 = 0x6041_0230;
    pub const RSAES_PKCS1_OAEP_MGF1_SHA384: u32 = 0x6051_0230;
    pub const RSAES_PKCS1_OAEP_MGF1_SHA512: u32 = 0x6061_0230;
    pub const RSASSA_PKCS1_V1_5_MD5: u32 = 0x7000_1830;
    pub const RSASSA_PKCS1_V1_5_SHA1: u32 = 0x7000_2830;
    pub const RSASSA_PKCS1_V1_5_SHA224: u32 = 0x7000_3830;
    pub const RSASSA_PKCS1_V1_5_SHA256: u32 = 0x7000_4830;
    pub const RSASSA_PKCS1_V1_5_SHA384: u32 = 0x7000_5830;
    pub const RSASSA_PKCS1_V1_5_SHA512: u32 = 0x7000_6830;
    pub const RSASSA_PKCS1_PSS_MGF1_SHA1: u32 = 0x7021_2930;
    pub const RSASSA_PKCS1_PSS_MGF1_SHA224: u32 = 0x7031_3930;
    pub const RSASSA_PKCS1_PSS_MGF1_SHA256: u32 = 0x7041_4930;
    pub const RSASSA_PKCS1_PSS_MGF1_SHA384: u32 = 0x7051_5930;
    pub const RSASSA_PKCS1_PSS_MGF1_SHA512: u32 = 0x7061_6930;

    pub const ECDSA_SHA1: u32 = 0x7000_1042;
    pub const ECDSA_SHA224: u32 = 0x7000_2042;
    pub const ECDSA_SHA256: u32 = 0x7000_3042;
    pub const ECDSA_SHA384: u32 = 0x7000_4042;
    pub const ECDSA_SHA512: u32 = 0x7000_5042;
    pub const ECDH_DERIVE_SHARED_SECRET: u32 = 0x8000_0042;
    /// OP-TEE's older ECDSA P-256 ID (`__OPTEE_ALG_ECDSA_P256`, low byte
    /// 0x41 as GP v1.1's table 6-12 has it), still accepted by OP-TEE.
    pub const OPTEE_LEGACY_ECDSA_P256: u32 = 0x7000_3041;
    pub const ED25519: u32 = 0x7000_6043;
    pub const X25519: u32 = 0x8000_0044;

    /// GP's HKDF (v1.3.1), parameters `attr::HKDF_*`.
    pub const HKDF: u32 = 0x8000_0047;
    /// OP-TEE's HKDF (`tee_api_defines_extensions.h`): `0x800000C0 |
    /// hash << 12`, parameters `attr::OPTEE_HKDF_*`.
    pub const HKDF_SHA1_DERIVE_KEY: u32 = 0x8000_20C0;
    pub const HKDF_SHA224_DERIVE_KEY: u32 = 0x8000_30C0;
    pub const HKDF_SHA256_DERIVE_KEY: u32 = 0x8000_40C0;
    pub const HKDF_SHA384_DERIVE_KEY: u32 = 0x8000_50C0;
    pub const HKDF_SHA512_DERIVE_KEY: u32 = 0x8000_60C0;
    /// OP-TEE's PBKDF2 (`tee_api_defines_extensions.h`).
    pub const PBKDF2_HMAC_SHA1_DERIVE_KEY: u32 = 0x8000_20C2;

    // The rest of OP-TEE 4.5.0's list (`tee_api_defines.h`,
    // `tee_api_defines_extensions.h`): DES, SM4, CBC-MAC, SHA-3, SM2/3,
    // DSA, DH and the Concat KDF.
    pub const AES_CBC_MAC_PKCS5: u32 = 0x3000_0510;
    pub const DES_ECB_NOPAD: u32 = 0x1000_0011;
    pub const DES_CBC_NOPAD: u32 = 0x1000_0111;
    pub const DES_CBC_MAC_NOPAD: u32 = 0x3000_0111;
    pub const DES_CBC_MAC_PKCS5: u32 = 0x3000_0511;
    pub const DES3_ECB_NOPAD: u32 = 0x1000_0013;
    pub const DES3_CBC_NOPAD: u32 = 0x1000_0113;
    pub const DES3_CBC_MAC_NOPAD: u32 = 0x3000_0113;
    pub const DES3_CBC_MAC_PKCS5: u32 = 0x3000_0513;
    pub const SM4_ECB_NOPAD: u32 = 0x1000_0014;
    pub const SM4_CBC_NOPAD: u32 = 0x1000_0114;
    pub const SM4_CTR: u32 = 0x1000_0214;
    pub const SM3: u32 = 0x5000_0007;
    pub const SHA3_224: u32 = 0x5000_0008;
    pub const SHA3_256: u32 = 0x5000_0009;
    pub const SHA3_384: u32 = 0x5000_000A;
    pub const SHA3_512: u32 = 0x5000_000B;
    pub const SHAKE128: u32 = 0x5000_0101;
    pub const SHAKE256: u32 = 0x5000_0102;
    pub const HMAC_SM3: u32 = 0x3000_0007;
    pub const HMAC_SHA3_224: u32 = 0x3000_0008;
    pub const HMAC_SHA3_256: u32 = 0x3000_0009;
    pub const HMAC_SHA3_384: u32 = 0x3000_000A;
    pub const HMAC_SHA3_512: u32 = 0x3000_000B;
    pub const DSA_SHA1: u32 = 0x7000_2131;
    pub const DSA_SHA224: u32 = 0x7000_3131;
    pub const DSA_SHA256: u32 = 0x7000_4131;
    pub const DH_DERIVE_SHARED_SECRET: u32 = 0x8000_0032;
    pub const SM2_DSA_SM3: u32 = 0x7000_6045;
    pub const SM2_KEP: u32 = 0x6000_0045;
    pub const SM2_PKE: u32 = 0x8000_0046;
    /// OP-TEE's 3DES-CMAC (`tee_api_defines_extensions.h`; class MAC
    /// despite the top nibble, `__tee_alg_get_class` in `utee_defines.h`).
    pub const DES3_CMAC: u32 = 0xF000_0613;
    pub const CONCAT_KDF_SHA1_DERIVE_KEY: u32 = 0x8000_20C1;
    pub const CONCAT_KDF_SHA224_DERIVE_KEY: u32 = 0x8000_30C1;
    pub const CONCAT_KDF_SHA256_DERIVE_KEY: u32 = 0x8000_40C1;
    pub const CONCAT_KDF_SHA384_DERIVE_KEY: u32 = 0x8000_50C1;
    pub const CONCAT_KDF_SHA512_DERIVE_KEY: u32 = 0x8000_60C1;
}

/// `TEE_MODE_*` (`TEE_OperationMode`).
pub mod mode {
    pub const ENCRYPT: u32 = 0;
    pub const DECRYPT: u32 = 1;
    pub const SIGN: u32 = 2;
    pub const VERIFY: u32 = 3;
    pub const MAC: u32 = 4;
    pub const DIGEST: u32 = 5;
    pub const DERIVE: u32 = 6;
}

/// `TEE_OPERATION_*`: the operation classes, also the top nibble of an
/// algorithm identifier.
pub mod operation_class {
    pub const CIPHER: u32 = 1;
    pub const MAC: u32 = 3;
    pub const AE: u32 = 4;
    pub const DIGEST: u32 = 5;
    pub const ASYMMETRIC_CIPHER: u32 = 6;
    pub const ASYMMETRIC_SIGNATURE: u32 = 7;
    pub const KEY_DERIVATION: u32 = 8;

    /// The class of an algorithm identifier (its top nibble).
    pub const fn of(alg: u32) -> u32 {
        alg >> 28
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_values() {
        assert_eq!(alg::AES_CTR, 0x1000_0210);
        assert_eq!(alg::AES_GCM, 0x4000_0810);
        assert_eq!(alg::SHA256, 0x5000_0004);
        assert_eq!(alg::HMAC_SHA512, 0x3000_0006);
        assert_eq!(alg::RSASSA_PKCS1_PSS_MGF1_SHA256, 0x7041_4930);
        assert_eq!(alg::ECDSA_SHA384, 0x7000_4042);
        assert_eq!(alg::X25519, 0x8000_0044);
        assert_eq!(alg::PBKDF2_HMAC_SHA1_DERIVE_KEY, 0x8000_20C2);
        assert_eq!((mode::VERIFY, mode::DERIVE), (3, 6));
    }

    #[test]
    fn class_is_the_top_nibble() {
        use operation_class::*;
        for (a, c) in [
            (alg::AES_XTS, CIPHER),
            (alg::AES_CMAC, MAC),
            (alg::HMAC_SHA1, MAC),
            (alg::AES_CCM, AE),
            (alg::SHA512, DIGEST),
            (alg::RSAES_PKCS1_V1_5, ASYMMETRIC_CIPHER),
            (alg::ED25519, ASYMMETRIC_SIGNATURE),
            (alg::HKDF, KEY_DERIVATION),
            (alg::HKDF_SHA256_DERIVE_KEY, KEY_DERIVATION),
        ] {
            assert_eq!(of(a), c, "{a:#x}");
        }
    }

    /// Every algorithm ID: its class nibble and its key-type byte.
    #[test]
    fn every_alg_has_its_class_and_key_type() {
        use alg::*;
        use operation_class::*;
        let aes = [AES_ECB_NOPAD, AES_CBC_NOPAD, AES_CTR, AES_CTS, AES_XTS];
        let aes_mac = [AES_CBC_MAC_NOPAD, AES_CMAC];
        let digests = [MD5, SHA1, SHA224, SHA256, SHA384, SHA512];
        let hmacs = [HMAC_MD5, HMAC_SHA1, HMAC_SHA224, HMAC_SHA256, HMAC_SHA384, HMAC_SHA512];
        let rsa_cipher = [
            RSA_NOPAD,
            RSAES_PKCS1_V1_5,
            RSAES_PKCS1_OAEP_MGF1_SHA1,
            RSAES_PKCS1_OAEP_MGF1_SHA224,
            RSAES_PKCS1_OAEP_MGF1_SHA256,
            RSAES_PKCS1_OAEP_MGF1_SHA384,
            RSAES_PKCS1_OAEP_MGF1_SHA512,
        ];
        let rsa_sig = [
            RSASSA_PKCS1_V1_5_MD5,
            RSASSA_PKCS1_V1_5_SHA1,
            RSASSA_PKCS1_V1_5_SHA224,
            RSASSA_PKCS1_V1_5_SHA256,
            RSASSA_PKCS1_V1_5_SHA384,
            RSASSA_PKCS1_V1_5_SHA512,
            RSASSA_PKCS1_PSS_MGF1_SHA1,
            RSASSA_PKCS1_PSS_MGF1_SHA224,
            RSASSA_PKCS1_PSS_MGF1_SHA256,
            RSASSA_PKCS1_PSS_MGF1_SHA384,
            RSASSA_PKCS1_PSS_MGF1_SHA512,
        ];
        let ecdsa = [ECDSA_SHA1, ECDSA_SHA224, ECDSA_SHA256, ECDSA_SHA384, ECDSA_SHA512];
        let kdf = [
            HKDF_SHA1_DERIVE_KEY,
            HKDF_SHA224_DERIVE_KEY,
            HKDF_SHA256_DERIVE_KEY,
            HKDF_SHA384_DERIVE_KEY,
            HKDF_SHA512_DERIVE_KEY,
        ];
        let groups: [(&[u32], u32, u32); 10] = [
            (&aes, CIPHER, 0x10),
            (&aes_mac, MAC, 0x10),
            (&[AES_CCM, AES_GCM], AE, 0x10),
            (&digests, DIGEST, 0),
            (&hmacs, MAC, 0),
            (&rsa_cipher, ASYMMETRIC_CIPHER, 0x30),
            (&rsa_sig, ASYMMETRIC_SIGNATURE, 0x30),
            (&ecdsa, ASYMMETRIC_SIGNATURE, 0x42),
            (&[ECDH_DERIVE_SHARED_SECRET], KEY_DERIVATION, 0x42),
            (&kdf, KEY_DERIVATION, 0xC0),
        ];
        for (ids, class, key) in groups {
            for &id in ids {
                assert_eq!(of(id), class, "{id:#x}");
                if key != 0 {
                    assert_eq!(id & 0xff, key, "{id:#x}");
                } else {
                    // Digests and HMACs: the hash number, MD5 = 1 .. SHA-512 = 6.
                    assert!((1..=6).contains(&(id & 0xff)), "{id:#x}");
                }
            }
        }
        assert_eq!((of(ED25519), ED25519 & 0xff), (ASYMMETRIC_SIGNATURE, 0x43));
        assert_eq!((of(X25519), X25519 & 0xff), (KEY_DERIVATION, 0x44));
        assert_eq!((of(OPTEE_LEGACY_ECDSA_P256), OPTEE_LEGACY_ECDSA_P256 & 0xff), (ASYMMETRIC_SIGNATURE, 0x41));
        assert_eq!((of(PBKDF2_HMAC_SHA1_DERIVE_KEY), PBKDF2_HMAC_SHA1_DERIVE_KEY & 0xff), (KEY_DERIVATION, 0xC2));
    }

    #[test]
    fn hash_families_line_up() {
        // Digest, HMAC and OP-TEE's HKDF number the hashes alike (SHA-1 = 2).
        assert_eq!(alg::SHA1 & 0xf, alg::HMAC_SHA1 & 0xf);
        assert_eq!((alg::HKDF_SHA1_DERIVE_KEY >> 12) & 0xf, alg::SHA1 & 0xf);
        assert_eq!((alg::HKDF_SHA512_DERIVE_KEY >> 12) & 0xf, alg::SHA512 & 0xf);
    }

    /// Values as optee_os 4.5.0 `lib/libutee/include/tee_api_defines.h`
    /// and `tee_api_defines_extensions.h`.
    #[test]
    fn extended_algorithm_numbers() {
        use super::alg::*;
        let pinned = [
            (AES_CBC_MAC_PKCS5, 0x3000_0510),
            (DES_ECB_NOPAD, 0x1000_0011),
            (DES3_CBC_NOPAD, 0x1000_0113),
            (DES3_CBC_MAC_PKCS5, 0x3000_0513),
            (SM4_CTR, 0x1000_0214),
            (SM3, 0x5000_0007),
            (SHA3_512, 0x5000_000B),
            (SHAKE256, 0x5000_0102),
            (HMAC_SHA3_384, 0x3000_000A),
            (DSA_SHA256, 0x7000_4131),
            (DH_DERIVE_SHARED_SECRET, 0x8000_0032),
            (SM2_DSA_SM3, 0x7000_6045),
            (SM2_KEP, 0x6000_0045),
            (SM2_PKE, 0x8000_0046),
            (DES3_CMAC, 0xF000_0613),
            (CONCAT_KDF_SHA512_DERIVE_KEY, 0x8000_60C1),
        ];
        for (got, want) in pinned {
            assert_eq!(got, want);
        }
    }
}
