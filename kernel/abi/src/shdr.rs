//! The signed TA header (`core/include/signed_hdr.h`): its layout and
//! constants, shared by the kernel (which verifies) and xtask (which signs).

/// `SHDR_MAGIC` ("HSTO" in memory).
pub const SHDR_MAGIC: u32 = 0x4f54_5348;
/// `SHDR_TA`: legacy, no sub-header.
pub const SHDR_TA: u32 = 0;
/// `SHDR_BOOTSTRAP_TA`: what the signing script produces.
pub const SHDR_BOOTSTRAP_TA: u32 = 1;
/// `SHDR_ENCRYPTED_TA`.
pub const SHDR_ENCRYPTED_TA: u32 = 2;
/// `SHDR_SUBKEY`.
pub const SHDR_SUBKEY: u32 = 3;
/// Size of `struct shdr`.
pub const SHDR_SIZE: usize = 20;
/// Size of `struct shdr_bootstrap_ta` (UUID octets + `ta_version`).
pub const BOOTSTRAP_SIZE: usize = 20;
/// `TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256` (the signing script's default).
pub const TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256: u32 = 0x7041_4930;
/// `TEE_ALG_RSASSA_PKCS1_V1_5_SHA256`.
pub const TEE_ALG_RSASSA_PKCS1_V1_5_SHA256: u32 = 0x7000_4830;

/// `struct shdr`, decoded (all fields little-endian in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shdr {
    /// `magic`.
    pub magic: u32,
    /// `img_type`.
    pub img_type: u32,
    /// `img_size`: length of the payload after the (sub)headers.
    pub img_size: u32,
    /// `algo`: a `TEE_ALG_*` signature algorithm.
    pub algo: u32,
    /// `hash_size`.
    pub hash_size: u16,
    /// `sig_size`.
    pub sig_size: u16,
}

impl Shdr {
    /// Decodes the first [`SHDR_SIZE`] bytes of `file`, or `None` if shorter.
    pub fn parse(file: &[u8]) -> Option<Self> {
        let b = file.get(..SHDR_SIZE)?;
        let le32 = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let le16 = |o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
        Some(Self {
            magic: le32(0),
            img_type: le32(4),
            img_size: le32(8),
            algo: le32(12),
            hash_size: le16(16),
            sig_size: le16(18),
        })
    }

    /// Encodes the header as it appears in the file.
    pub fn to_bytes(&self) -> [u8; SHDR_SIZE] {
        let mut b = [0u8; SHDR_SIZE];
        b[0..4].copy_from_slice(&self.magic.to_le_bytes());
        b[4..8].copy_from_slice(&self.img_type.to_le_bytes());
        b[8..12].copy_from_slice(&self.img_size.to_le_bytes());
        b[12..16].copy_from_slice(&self.algo.to_le_bytes());
        b[16..18].copy_from_slice(&self.hash_size.to_le_bytes());
        b[18..20].copy_from_slice(&self.sig_size.to_le_bytes());
        b
    }

    /// Size of `shdr` + hash + signature (`SHDR_GET_SIZE`).
    pub fn size(&self) -> usize {
        SHDR_SIZE + usize::from(self.hash_size) + usize::from(self.sig_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_short_input() {
        let h = Shdr {
            magic: SHDR_MAGIC,
            img_type: 1,
            img_size: 77,
            algo: TEE_ALG_RSASSA_PKCS1_PSS_MGF1_SHA256,
            hash_size: 32,
            sig_size: 256,
        };
        let b = h.to_bytes();
        assert_eq!(&b[..4], b"HSTO");
        assert_eq!(Shdr::parse(&b), Some(h));
        assert_eq!(h.size(), 308);
        assert_eq!(Shdr::parse(&b[..19]), None);
    }
}
