//! `TEE_UUID` and its two byte encodings.
//!
//! OP-TEE stores a UUID two ways: as RFC 4122 *octets* (big-endian fields; the
//! signed header's bootstrap UUID, `optee_msg` parameters, file names) and as
//! the in-memory C `TEE_UUID` struct on a little-endian CPU (`ta_head.uuid`).

use core::fmt;

/// A GP `TEE_UUID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TeeUuid {
    /// `timeLow`.
    pub time_low: u32,
    /// `timeMid`.
    pub time_mid: u16,
    /// `timeHiAndVersion`.
    pub time_hi_and_version: u16,
    /// `clockSeqAndNode`.
    pub clock_seq_and_node: [u8; 8],
}

impl TeeUuid {
    /// Decodes RFC 4122 octets (`tee_uuid_from_octets`).
    pub const fn from_octets(o: [u8; 16]) -> Self {
        Self {
            time_low: u32::from_be_bytes([o[0], o[1], o[2], o[3]]),
            time_mid: u16::from_be_bytes([o[4], o[5]]),
            time_hi_and_version: u16::from_be_bytes([o[6], o[7]]),
            clock_seq_and_node: [o[8], o[9], o[10], o[11], o[12], o[13], o[14], o[15]],
        }
    }

    /// Encodes as RFC 4122 octets (`tee_uuid_to_octets`).
    pub const fn to_octets(&self) -> [u8; 16] {
        let a = self.time_low.to_be_bytes();
        let b = self.time_mid.to_be_bytes();
        let c = self.time_hi_and_version.to_be_bytes();
        let d = self.clock_seq_and_node;
        [a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]]
    }

    /// Decodes the C struct as laid out in little-endian memory (`ta_head.uuid`).
    pub const fn from_le_struct(m: [u8; 16]) -> Self {
        Self {
            time_low: u32::from_le_bytes([m[0], m[1], m[2], m[3]]),
            time_mid: u16::from_le_bytes([m[4], m[5]]),
            time_hi_and_version: u16::from_le_bytes([m[6], m[7]]),
            clock_seq_and_node: [m[8], m[9], m[10], m[11], m[12], m[13], m[14], m[15]],
        }
    }
}

impl fmt::Display for TeeUuid {
    /// Formats as `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, as TA file names do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.clock_seq_and_node;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            self.time_low, self.time_mid, self.time_hi_and_version, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The os_test TA of optee_test: 5b9e0e40-2636-11e1-ad9e-0002a5d5c51b.
    const OS_TEST: TeeUuid = TeeUuid {
        time_low: 0x5b9e_0e40,
        time_mid: 0x2636,
        time_hi_and_version: 0x11e1,
        clock_seq_and_node: [0xad, 0x9e, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b],
    };

    #[test]
    fn octets_round_trip_big_endian() {
        let o = OS_TEST.to_octets();
        assert_eq!(&o[..8], &[0x5b, 0x9e, 0x0e, 0x40, 0x26, 0x36, 0x11, 0xe1]);
        assert_eq!(TeeUuid::from_octets(o), OS_TEST);
    }

    #[test]
    fn le_struct_decodes_little_endian_fields() {
        let m = [0x40, 0x0e, 0x9e, 0x5b, 0x36, 0x26, 0xe1, 0x11, 0xad, 0x9e, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b];
        assert_eq!(TeeUuid::from_le_struct(m), OS_TEST);
    }

    #[test]
    fn displays_like_a_ta_file_name() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(OS_TEST.to_string(), "5b9e0e40-2636-11e1-ad9e-0002a5d5c51b");
    }
}
