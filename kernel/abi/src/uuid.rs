//! `TEE_UUID` (GP TEE Internal Core API; optee_os 4.5.0
//! `lib/libutee/include/tee_api_types.h`) and `struct ta_head` (optee_os
//! 4.5.0 `lib/libutee/include/user_ta_header.h`).

/// A `TEE_UUID` in its struct form: what `ta_head`, the property syscalls
/// and `struct ldelf_arg` carry (native little-endian fields). The signed
/// `.ta` header and the Linux client ioctls carry the RFC 4122 octets instead
/// ([`Uuid::to_octets`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Uuid {
    pub time_low: u32,
    pub time_mid: u16,
    pub time_hi_and_version: u16,
    pub clock_seq_and_node: [u8; 8],
}

/// Why a UUID string did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UuidError {
    /// Not 36 characters.
    Length,
    /// A '-' missing at 8, 13, 18 or 23, or a non-hex digit elsewhere.
    Syntax,
}

const fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl Uuid {
    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case). Usable in
    /// constants, which is how ta-sdk's `ta!` turns a bad UUID into a build
    /// error.
    pub const fn parse(s: &str) -> Result<Uuid, UuidError> {
        let b = s.as_bytes();
        if b.len() != 36 {
            return Err(UuidError::Length);
        }
        let mut octets = [0u8; 16];
        let mut i = 0; // index into b
        let mut o = 0; // nibble index into octets
        while i < 36 {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if b[i] != b'-' {
                    return Err(UuidError::Syntax);
                }
            } else {
                let Some(v) = hex(b[i]) else {
                    return Err(UuidError::Syntax);
                };
                if o % 2 == 0 {
                    octets[o / 2] = v << 4;
                } else {
                    octets[o / 2] |= v;
                }
                o += 1;
            }
            i += 1;
        }
        Ok(Uuid::from_octets(octets))
    }

    /// [`Uuid::parse`] for constants: a malformed string is a build error.
    pub const fn must(s: &str) -> Uuid {
        match Uuid::parse(s) {
            Ok(u) => u,
            Err(_) => panic!("malformed UUID literal"),
        }
    }

    /// The struct form of RFC 4122 octets (big-endian fields in the octets).
    pub const fn from_octets(o: [u8; 16]) -> Uuid {
        let mut node = [0u8; 8];
        let mut i = 0;
        while i < 8 {
            node[i] = o[8 + i];
            i += 1;
        }
        Uuid {
            time_low: u32::from_be_bytes([o[0], o[1], o[2], o[3]]),
            time_mid: u16::from_be_bytes([o[4], o[5]]),
            time_hi_and_version: u16::from_be_bytes([o[6], o[7]]),
            clock_seq_and_node: node,
        }
    }

    /// RFC 4122 octets, in the order the UUID is written.
    pub const fn to_octets(&self) -> [u8; 16] {
        let tl = self.time_low.to_be_bytes();
        let tm = self.time_mid.to_be_bytes();
        let th = self.time_hi_and_version.to_be_bytes();
        let n = self.clock_seq_and_node;
        [tl[0], tl[1], tl[2], tl[3], tm[0], tm[1], th[0], th[1], n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]]
    }

    /// The in-memory bytes of the `TEE_UUID` struct (little-endian fields).
    pub const fn to_struct_bytes(&self) -> [u8; 16] {
        let tl = self.time_low.to_le_bytes();
        let tm = self.time_mid.to_le_bytes();
        let th = self.time_hi_and_version.to_le_bytes();
        let n = self.clock_seq_and_node;
        [tl[0], tl[1], tl[2], tl[3], tm[0], tm[1], th[0], th[1], n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]]
    }

    /// Reads the `TEE_UUID` struct form (little-endian fields).
    pub const fn from_struct_bytes(b: [u8; 16]) -> Uuid {
        let mut node = [0u8; 8];
        let mut i = 0;
        while i < 8 {
            node[i] = b[8 + i];
            i += 1;
        }
        Uuid {
            time_low: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            time_mid: u16::from_le_bytes([b[4], b[5]]),
            time_hi_and_version: u16::from_le_bytes([b[6], b[7]]),
            clock_seq_and_node: node,
        }
    }
}

impl core::fmt::Display for Uuid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let n = &self.clock_seq_and_node;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            self.time_low, self.time_mid, self.time_hi_and_version, n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7]
        )
    }
}

impl core::str::FromStr for Uuid {
    type Err = UuidError;

    /// [`Uuid::parse`], for `"...".parse::<Uuid>()`.
    fn from_str(s: &str) -> Result<Uuid, UuidError> {
        Uuid::parse(s)
    }
}

impl core::fmt::Display for UuidError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            UuidError::Length => "malformed UUID: not 36 characters",
            UuidError::Syntax => "malformed UUID: not xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx in hex",
        })
    }
}

impl core::error::Error for UuidError {}

/// `TA_FRAMEWORK_STACK_SIZE`: what libutee adds to the TA's own stack size in
/// `ta_head.stack_size`; kept for compatibility with what upstream reserves.
pub const FRAMEWORK_STACK_SIZE: u32 = 2048;

/// `ta_head.depr_entry` of every TA that is entered at its ELF entry point.
pub const DEPR_ENTRY_NONE: u64 = u64::MAX;

/// `struct ta_head` (32 bytes): section `.ta_head`, exported dynamic symbol
/// `ta_head`. Normally produced by ta-sdk's `ta!` macro.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaHead {
    pub uuid: Uuid,
    pub stack_size: u32,
    pub flags: u32,
    pub depr_entry: u64,
}

impl TaHead {
    /// A header for a TA whose own stack is `stack` bytes.
    pub const fn new(uuid: Uuid, stack: u32, flags: u32) -> TaHead {
        TaHead { uuid, stack_size: stack + FRAMEWORK_STACK_SIZE, flags, depr_entry: DEPR_ENTRY_NONE }
    }

    /// The 32 bytes as they appear in the ELF.
    pub const fn to_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        let u = self.uuid.to_struct_bytes();
        let s = self.stack_size.to_le_bytes();
        let f = self.flags.to_le_bytes();
        let d = self.depr_entry.to_le_bytes();
        let mut i = 0;
        while i < 16 {
            out[i] = u[i];
            i += 1;
        }
        let mut i = 0;
        while i < 4 {
            out[16 + i] = s[i];
            out[20 + i] = f[i];
            i += 1;
        }
        let mut i = 0;
        while i < 8 {
            out[24 + i] = d[i];
            i += 1;
        }
        out
    }
}

/// `TA_FLAG_*` bits of `ta_head.flags` (OP-TEE `user_ta_header.h`).
pub mod flags {
    /// No flag (for `flags: NONE` in `ta!`).
    pub const NONE: u32 = 0;
    /// One instance serves every session.
    pub const SINGLE_INSTANCE: u32 = 1 << 2;
    /// A single instance may hold several sessions.
    pub const MULTI_SESSION: u32 = 1 << 3;
    /// Keep the single instance after its last session closes.
    pub const INSTANCE_KEEP_ALIVE: u32 = 1 << 4;
    /// May access secure data path memory.
    pub const SECURE_DATA_PATH: u32 = 1 << 5;
    /// May use the cache maintenance syscall.
    pub const CACHE_MAINTENANCE: u32 = 1 << 7;
    /// Sessions may run concurrently (upstream: not enforced for user TAs).
    pub const CONCURRENT: u32 = 1 << 8;
    /// Listed by the device PTA (enumerated without tee-supplicant).
    pub const DEVICE_ENUM: u32 = 1 << 9;
    /// Listed by the device PTA once tee-supplicant runs.
    pub const DEVICE_ENUM_SUPP: u32 = 1 << 10;
    /// `gpd.ta.doesNotCloseHandleOnCorruptObject`.
    pub const DONT_CLOSE_HANDLE_ON_CORRUPT_OBJECT: u32 = 1 << 11;
    /// Listed once TEE_STORAGE_PRIVATE works (OP-TEE 4.4+).
    pub const DEVICE_ENUM_TEE_STORAGE_PRIVATE: u32 = 1 << 12;
    /// Do not restart a crashed keep-alive instance (OP-TEE 4.7+).
    pub const INSTANCE_KEEP_CRASHED: u32 = 1 << 13;
    /// Bits an OP-TEE 4.7+ loader accepts (4.4-4.6: `0x1FFF`).
    pub const MASK: u32 = 0x3FFF;
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";

    #[test]
    fn parse_and_forms() {
        let u = Uuid::parse(HELLO).unwrap();
        assert_eq!(u.time_low, 0x8aaa_f200);
        assert_eq!(u.time_mid, 0x2450);
        assert_eq!(u.time_hi_and_version, 0x11e4);
        assert_eq!(u.clock_seq_and_node, [0xab, 0xe2, 0x00, 0x02, 0xa5, 0xd5, 0xc5, 0x1b]);
        assert_eq!(u.to_octets()[..4], [0x8a, 0xaa, 0xf2, 0x00]);
        assert_eq!(u.to_struct_bytes()[..8], [0x00, 0xf2, 0xaa, 0x8a, 0x50, 0x24, 0xe4, 0x11]);
        assert_eq!(Uuid::from_octets(u.to_octets()), u);
        assert_eq!(Uuid::from_struct_bytes(u.to_struct_bytes()), u);
        assert_eq!(Uuid::parse(&HELLO.to_uppercase()), Ok(u));
        let mut s = [0u8; 36];
        use core::fmt::Write;
        struct Buf<'a>(&'a mut [u8], usize);
        impl Write for Buf<'_> {
            fn write_str(&mut self, t: &str) -> core::fmt::Result {
                self.0[self.1..self.1 + t.len()].copy_from_slice(t.as_bytes());
                self.1 += t.len();
                Ok(())
            }
        }
        write!(Buf(&mut s, 0), "{u}").unwrap();
        assert_eq!(&s, HELLO.as_bytes());
    }

    #[test]
    fn parse_errors() {
        assert_eq!(Uuid::parse(""), Err(UuidError::Length));
        assert_eq!(Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51"), Err(UuidError::Length));
        assert_eq!(Uuid::parse("8aaaf200x2450-11e4-abe2-0002a5d5c51b"), Err(UuidError::Syntax));
        assert_eq!(Uuid::parse("8aaaf200-2450-11e4-abe2-0002a5d5c51g"), Err(UuidError::Syntax));
        assert_eq!("8aaaf200-2450-11e4-abe2-0002a5d5c5zz".parse::<Uuid>(), Err(UuidError::Syntax));
        assert_eq!(HELLO.parse::<Uuid>(), Uuid::parse(HELLO));
    }

    #[test]
    fn ta_head_layout() {
        assert_eq!(core::mem::size_of::<TaHead>(), 32);
        assert_eq!(core::mem::size_of::<Uuid>(), 16);
        let h = TaHead::new(Uuid::parse(HELLO).unwrap(), 4096, flags::SINGLE_INSTANCE | flags::MULTI_SESSION);
        let b = h.to_bytes();
        assert_eq!(b[..16], Uuid::parse(HELLO).unwrap().to_struct_bytes());
        assert_eq!(u32::from_le_bytes(b[16..20].try_into().unwrap()), 4096 + 2048);
        assert_eq!(u32::from_le_bytes(b[20..24].try_into().unwrap()), 0xc);
        assert_eq!(b[24..], [0xff; 8]);
        assert_eq!(core::mem::offset_of!(TaHead, stack_size), 16);
        assert_eq!(core::mem::offset_of!(TaHead, flags), 20);
        assert_eq!(core::mem::offset_of!(TaHead, depr_entry), 24);
    }
}
