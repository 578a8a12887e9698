//! `optee_msg_arg` decoding and encoding. The bytes always come from a private
//! copy in secure memory (see `std_call`), so what is validated here is what is
//! used: no double fetch from normal-world memory.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::msg::*;

/// Direction of a memory or value parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Normal world → secure.
    In,
    /// Secure → normal world.
    Out,
    /// Both.
    InOut,
}

impl Dir {
    fn from_low_bits(t: u64) -> Dir {
        match t & 3 {
            1 => Dir::In,
            2 => Dir::Out,
            _ => Dir::InOut,
        }
    }

    /// True when the secure side reads the parameter.
    pub fn is_input(self) -> bool {
        matches!(self, Dir::In | Dir::InOut)
    }

    /// True when the secure side writes the parameter back.
    pub fn is_output(self) -> bool {
        matches!(self, Dir::Out | Dir::InOut)
    }
}

/// One decoded `optee_msg_param`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// Unused slot.
    None,
    /// Value parameter.
    Value {
        /// Direction.
        dir: Dir,
        /// `a`, `b`, `c`.
        v: [u64; 3],
    },
    /// Memory inside a registered shared-memory object.
    Rmem {
        /// Direction.
        dir: Dir,
        /// Offset inside the object.
        offs: u64,
        /// Size in bytes.
        size: u64,
        /// Cookie given at registration.
        shm_ref: u64,
    },
    /// Temporary memory given by physical address (or NULL).
    Tmem {
        /// Direction.
        dir: Dir,
        /// Physical address (page list address when `noncontig`).
        buf_ptr: u64,
        /// Size in bytes.
        size: u64,
        /// Normal-world cookie.
        shm_ref: u64,
        /// `buf_ptr` points to a page list.
        noncontig: bool,
    },
}

/// A decoded parameter with its meta flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MsgParam {
    /// Consumed by the OS, not passed to the TA.
    pub meta: bool,
    /// The content.
    pub param: Param,
}

/// A decoded `optee_msg_arg`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsgArg {
    /// `OPTEE_MSG_CMD_*` or `OPTEE_RPC_CMD_*`.
    pub cmd: u32,
    /// TA command for INVOKE_COMMAND.
    pub func: u32,
    /// Session ID.
    pub session: u32,
    /// Cancellation ID.
    pub cancel_id: u32,
    /// Result.
    pub ret: u32,
    /// Result origin.
    pub ret_origin: u32,
    /// Parameters.
    pub params: Vec<MsgParam>,
}

/// Why a message was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgError {
    /// Too short for its header or its parameters.
    Truncated,
    /// More than `OPTEE_MSG_MAX_NUM_PARAMS` parameters.
    TooManyParams,
    /// An attribute with an unknown type or flag.
    BadAttr,
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn le64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// `num_params` from a header, checked against the maximum.
pub fn num_params(header: &[u8]) -> Result<usize, MsgError> {
    if header.len() < ARG_HEADER_SIZE {
        return Err(MsgError::Truncated);
    }
    let n = le32(header, 28) as usize;
    if n > MAX_NUM_PARAMS {
        return Err(MsgError::TooManyParams);
    }
    Ok(n)
}

impl MsgParam {
    fn parse(p: &[u8]) -> Result<MsgParam, MsgError> {
        let attr = le64(p, 0);
        let (a, b, c) = (le64(p, 8), le64(p, 16), le64(p, 24));
        let ty = attr & ATTR_TYPE_MASK;
        let meta = attr & ATTR_META != 0;
        let noncontig = attr & ATTR_NONCONTIG != 0;
        // Cache attributes (bits 18:16) are accepted and ignored; anything else
        // outside the known bits is refused.
        if attr & !(ATTR_TYPE_MASK | ATTR_META | ATTR_NONCONTIG | (0x7 << 16)) != 0 {
            return Err(MsgError::BadAttr);
        }
        let param = match ty {
            ATTR_TYPE_NONE => Param::None,
            ATTR_TYPE_VALUE_INPUT..=ATTR_TYPE_VALUE_INOUT => Param::Value { dir: Dir::from_low_bits(ty), v: [a, b, c] },
            ATTR_TYPE_RMEM_INPUT..=ATTR_TYPE_RMEM_INOUT => {
                Param::Rmem { dir: Dir::from_low_bits(ty), offs: a, size: b, shm_ref: c }
            }
            ATTR_TYPE_TMEM_INPUT..=ATTR_TYPE_TMEM_INOUT => {
                Param::Tmem { dir: Dir::from_low_bits(ty), buf_ptr: a, size: b, shm_ref: c, noncontig }
            }
            _ => return Err(MsgError::BadAttr),
        };
        if noncontig && !matches!(param, Param::Tmem { .. }) {
            return Err(MsgError::BadAttr);
        }
        if meta && !matches!(param, Param::Value { .. }) {
            return Err(MsgError::BadAttr);
        }
        Ok(MsgParam { meta, param })
    }

    fn encode(&self, out: &mut [u8]) {
        let (ty, a, b, c, noncontig) = match self.param {
            Param::None => (ATTR_TYPE_NONE, 0, 0, 0, false),
            Param::Value { dir, v } => (dir_bits(dir), v[0], v[1], v[2], false),
            Param::Rmem { dir, offs, size, shm_ref } => (4 | dir_bits(dir), offs, size, shm_ref, false),
            Param::Tmem { dir, buf_ptr, size, shm_ref, noncontig } => {
                (8 | dir_bits(dir), buf_ptr, size, shm_ref, noncontig)
            }
        };
        let attr = ty | if self.meta { ATTR_META } else { 0 } | if noncontig { ATTR_NONCONTIG } else { 0 };
        out[0..8].copy_from_slice(&attr.to_le_bytes());
        out[8..16].copy_from_slice(&a.to_le_bytes());
        out[16..24].copy_from_slice(&b.to_le_bytes());
        out[24..32].copy_from_slice(&c.to_le_bytes());
    }
}

fn dir_bits(dir: Dir) -> u64 {
    match dir {
        Dir::In => 1,
        Dir::Out => 2,
        Dir::InOut => 3,
    }
}

impl MsgArg {
    /// Decodes a message from its private copy.
    pub fn parse(bytes: &[u8]) -> Result<MsgArg, MsgError> {
        let n = num_params(bytes)?;
        if bytes.len() < arg_size(n) {
            return Err(MsgError::Truncated);
        }
        let params = (0..n)
            .map(|i| MsgParam::parse(&bytes[ARG_HEADER_SIZE + i * PARAM_SIZE..][..PARAM_SIZE]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(MsgArg {
            cmd: le32(bytes, 0),
            func: le32(bytes, 4),
            session: le32(bytes, 8),
            cancel_id: le32(bytes, 12),
            ret: le32(bytes, 20),
            ret_origin: le32(bytes, 24),
            params,
        })
    }

    /// Size of the encoded message.
    pub fn encoded_len(&self) -> usize {
        arg_size(self.params.len())
    }

    /// Encodes the message (header and parameters) into `out`.
    pub fn encode(&self, out: &mut [u8]) -> Result<(), MsgError> {
        let out = out.get_mut(..self.encoded_len()).ok_or(MsgError::Truncated)?;
        out[..ARG_HEADER_SIZE].fill(0);
        out[0..4].copy_from_slice(&self.cmd.to_le_bytes());
        out[4..8].copy_from_slice(&self.func.to_le_bytes());
        out[8..12].copy_from_slice(&self.session.to_le_bytes());
        out[12..16].copy_from_slice(&self.cancel_id.to_le_bytes());
        out[20..24].copy_from_slice(&self.ret.to_le_bytes());
        out[24..28].copy_from_slice(&self.ret_origin.to_le_bytes());
        out[28..32].copy_from_slice(&(self.params.len() as u32).to_le_bytes());
        for (i, p) in self.params.iter().enumerate() {
            p.encode(&mut out[ARG_HEADER_SIZE + i * PARAM_SIZE..][..PARAM_SIZE]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(cmd: u32, params: &[(u64, u64, u64, u64)]) -> Vec<u8> {
        let mut b = alloc::vec![0u8; arg_size(params.len())];
        b[0..4].copy_from_slice(&cmd.to_le_bytes());
        b[28..32].copy_from_slice(&(params.len() as u32).to_le_bytes());
        for (i, (attr, a, bb, c)) in params.iter().enumerate() {
            let at = 32 + 32 * i;
            b[at..at + 8].copy_from_slice(&attr.to_le_bytes());
            b[at + 8..at + 16].copy_from_slice(&a.to_le_bytes());
            b[at + 16..at + 24].copy_from_slice(&bb.to_le_bytes());
            b[at + 24..at + 32].copy_from_slice(&c.to_le_bytes());
        }
        b
    }

    #[test]
    fn parses_open_session_with_meta_values() {
        let b = raw(CMD_OPEN_SESSION, &[(0x101, 1, 2, 0), (0x101, 0, 0, 0), (0x3, 42, 0, 0)]);
        let m = MsgArg::parse(&b).unwrap();
        assert_eq!(m.cmd, CMD_OPEN_SESSION);
        assert!(m.params[0].meta && m.params[1].meta && !m.params[2].meta);
        assert_eq!(m.params[2].param, Param::Value { dir: Dir::InOut, v: [42, 0, 0] });
        let mut out = alloc::vec![0u8; m.encoded_len()];
        m.encode(&mut out).unwrap();
        assert_eq!(out, b);
    }

    #[test]
    fn parses_register_shm() {
        let b = raw(CMD_REGISTER_SHM, &[(ATTR_TYPE_TMEM_OUTPUT | ATTR_NONCONTIG, 0x4800_0010, 8192, 0xffff_0000_1234)]);
        let m = MsgArg::parse(&b).unwrap();
        assert_eq!(
            m.params[0].param,
            Param::Tmem { dir: Dir::Out, buf_ptr: 0x4800_0010, size: 8192, shm_ref: 0xffff_0000_1234, noncontig: true }
        );
    }

    #[test]
    fn refuses_malformed_messages() {
        assert_eq!(MsgArg::parse(&[0u8; 16]), Err(MsgError::Truncated));
        let mut b = raw(1, &[]);
        b[28..32].copy_from_slice(&128u32.to_le_bytes());
        assert_eq!(MsgArg::parse(&b), Err(MsgError::TooManyParams));
        b[28..32].copy_from_slice(&2u32.to_le_bytes());
        assert_eq!(MsgArg::parse(&b), Err(MsgError::Truncated));
        for attr in [0x4u64, 0x8, 0xc, 0xff, 1 << 12, 0x105, 0x201] {
            assert_eq!(MsgArg::parse(&raw(1, &[(attr, 0, 0, 0)])), Err(MsgError::BadAttr), "{attr:#x}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Bounded fuzzing of the decoder: arbitrary bytes never panic, and
        /// whatever decodes re-encodes to bytes that decode to the same message.
        #[test]
        fn decoder_is_total_and_round_trips(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600)) {
            if let Ok(m) = MsgArg::parse(&bytes) {
                let mut out = alloc::vec![0u8; m.encoded_len()];
                m.encode(&mut out).unwrap();
                proptest::prop_assert_eq!(MsgArg::parse(&out).unwrap(), m);
            }
        }

        /// Headers with a plausible parameter count and random attributes.
        #[test]
        fn random_attributes_never_panic(n in 0u32..8, attrs in proptest::collection::vec(proptest::prelude::any::<u64>(), 8)) {
            let params: Vec<(u64, u64, u64, u64)> = attrs.iter().take(n as usize).map(|a| (*a & 0x3ff, 1, 2, 3)).collect();
            let _ = MsgArg::parse(&raw(1, &params));
        }
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        let mut seed = 0x1234_5678u64;
        for len in 0..300 {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let _ = MsgArg::parse(&bytes);
        }
    }
}
