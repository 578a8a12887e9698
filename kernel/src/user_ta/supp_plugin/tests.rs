//! SUPP_PLUGIN_INVOKE against a fake tee-supplicant with upstream's test
//! plugin's behaviour (optee_test 4.5.0 `host/supp_plugin`): the request's
//! layout, the data's round trip, the out length, the buffer freed.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use tee_abi::msg::{RPC_CMD_SHM_ALLOC, RPC_CMD_SHM_FREE, RPC_CMD_SUPP_PLUGIN, arg_size};
use tee_abi::result::TeeError;

use super::{decode, invoke};
use crate::call_env::{ArgLocation, CallEnv};
use crate::msg::{Dir, MsgArg, Param};
use crate::params::{NsBuffer, TaParam, TaParams};
use crate::shm::NsMemory;
use crate::shm::tests::FakeRam;

const ARG_PA: u64 = 0x4000_0000;
const SHM_BASE: u64 = 0x4001_0000;
/// A plugin UUID as a TA holds it (`TEE_UUID` in memory, little-endian
/// fields): f07bfc66-958c-4a15-99c0-260e4e7375dd.
const PLUGIN: [u8; 16] =
    [0x66, 0xfc, 0x7b, 0xf0, 0x8c, 0x95, 0x15, 0x4a, 0x99, 0xc0, 0x26, 0x0e, 0x4e, 0x73, 0x75, 0xdd];

struct Supplicant {
    ram: FakeRam,
    arg: ArgLocation,
    shms: BTreeMap<u64, (u64, u64)>,
    next_cookie: u64,
    /// (uuid words, cmd, sub_cmd, data size) of each plugin call.
    calls: Vec<([u64; 4], u64, u64, u64)>,
}

impl Supplicant {
    fn new() -> Supplicant {
        Supplicant {
            ram: FakeRam::new(1 << 20),
            arg: ArgLocation::Physical(ARG_PA),
            shms: BTreeMap::new(),
            next_cookie: 0,
            calls: Vec::new(),
        }
    }

    fn serve(&mut self, msg: &mut MsgArg) {
        match msg.cmd {
            RPC_CMD_SHM_ALLOC => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!("value") };
                self.next_cookie += 1;
                self.shms.insert(self.next_cookie, (SHM_BASE, v[1]));
                msg.params[0].param = Param::Tmem {
                    dir: Dir::Out,
                    buf_ptr: SHM_BASE,
                    size: v[1],
                    shm_ref: self.next_cookie,
                    noncontig: false,
                };
                msg.ret = 0;
            }
            RPC_CMD_SHM_FREE => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!("value") };
                self.shms.remove(&v[1]).expect("a live cookie");
                msg.ret = 0;
            }
            RPC_CMD_SUPP_PLUGIN => self.plugin(msg),
            other => panic!("unexpected RPC {other}"),
        }
    }

    /// optee_client's `plugin_process` checks, then the test plugin.
    fn plugin(&mut self, msg: &mut MsgArg) {
        let (
            Param::Value { dir: Dir::In, v: v0 },
            Param::Value { dir: Dir::In, v: v1 },
            Param::Value { dir: Dir::InOut, v: v2 },
        ) = (msg.params[0].param, msg.params[1].param, msg.params[2].param)
        else {
            panic!("value layout")
        };
        let Param::Rmem { dir: Dir::InOut, offs: 0, size, shm_ref } = msg.params[3].param else { panic!("rmem inout") };
        assert_eq!(v0[0], 0, "OPTEE_RPC_SUPP_PLUGIN_INVOKE");
        let words = [v0[1], v0[2], v1[0], v1[1]];
        self.calls.push((words, v1[2], v2[0], size));
        // The test plugin's UUID in octets, as four LE words.
        let octets = [0xf0, 0x7b, 0xfc, 0x66, 0x95, 0x8c, 0x4a, 0x15, 0x99, 0xc0, 0x26, 0x0e, 0x4e, 0x73, 0x75, 0xdd];
        let want: Vec<u64> =
            octets.chunks(4).map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))).collect();
        if words[..] != want[..] {
            msg.ret = TeeError::ItemNotFound.code();
            return;
        }
        let mut data = alloc::vec![0u8; size as usize];
        if size != 0 {
            let (pa, len) = self.shms[&shm_ref];
            assert!(size <= len);
            self.ram.read(pa, &mut data).unwrap();
        } else {
            assert_eq!(shm_ref, 0, "no data: a null memref");
        }
        // cmd 1: "pass values" (a += b or a -= b by sub_cmd), out 4 bytes.
        let outlen = match v1[2] {
            0 => 0,
            1 => {
                let a = u32::from_le_bytes(data[..4].try_into().unwrap());
                let b = u32::from_le_bytes(data[4..8].try_into().unwrap());
                let r = if v2[0] == u64::from(b'+') { a + b } else { a - b };
                data[..4].copy_from_slice(&r.to_le_bytes());
                4
            }
            _ => {
                msg.ret = TeeError::NotSupported.code();
                return;
            }
        };
        if size != 0 {
            self.ram.write(self.shms[&shm_ref].0, &data).unwrap();
        }
        msg.params[2].param = Param::Value { dir: Dir::InOut, v: [v2[0], outlen, 0] };
        msg.ret = 0;
    }
}

impl CallEnv for Supplicant {
    fn mem(&self) -> &dyn NsMemory {
        &self.ram
    }
    fn rpc_arg(&self) -> Option<&ArgLocation> {
        Some(&self.arg)
    }
    fn switch_to_normal_world(&mut self, _: [u64; 3]) -> [u64; 4] {
        let mut raw = alloc::vec![0u8; arg_size(4)];
        self.ram.read(ARG_PA, &mut raw).unwrap();
        let mut msg = MsgArg::parse(&raw).unwrap();
        self.serve(&mut msg);
        let mut out = alloc::vec![0u8; msg.encoded_len()];
        msg.encode(&mut out).unwrap();
        self.ram.write(ARG_PA, &out).unwrap();
        [0; 4]
    }
}

fn memref(dir: Dir, bytes: &[u8]) -> TaParam {
    TaParam::Memref { dir, buf: bytes.to_vec(), size: bytes.len() as u64, source: NsBuffer::Null }
}

fn params(uuid: &[u8], cmd: u32, sub_cmd: u32, data: &[u8]) -> TaParams {
    TaParams([
        memref(Dir::In, uuid),
        TaParam::Value { dir: Dir::In, a: cmd, b: sub_cmd },
        memref(Dir::InOut, data),
        TaParam::Value { dir: Dir::Out, a: 0, b: 0 },
    ])
}

#[test]
fn a_ping_without_data_sends_a_null_memref() {
    let mut env = Supplicant::new();
    let mut p = params(&PLUGIN, 0, 0, &[]);
    assert_eq!(invoke(&mut env, &mut p), Ok(()));
    assert_eq!(env.calls.len(), 1);
    assert_eq!(env.calls[0].1, 0);
    assert_eq!(env.next_cookie, 0, "no buffer for no data");
}

#[test]
fn data_goes_to_the_plugin_and_comes_back_with_its_length() {
    let mut env = Supplicant::new();
    let mut data = Vec::new();
    data.extend_from_slice(&20u32.to_le_bytes());
    data.extend_from_slice(&10u32.to_le_bytes());
    let mut p = params(&PLUGIN, 1, u32::from(b'-'), &data);
    assert_eq!(invoke(&mut env, &mut p), Ok(()));
    let TaParam::Memref { buf, .. } = &p.0[2] else { panic!() };
    assert_eq!(u32::from_le_bytes(buf[..4].try_into().unwrap()), 10);
    assert_eq!(p.0[3], TaParam::Value { dir: Dir::Out, a: 4, b: 0 });
    assert_eq!((env.calls[0].1, env.calls[0].2, env.calls[0].3), (1, u64::from(b'-'), 8));
    assert!(env.shms.is_empty(), "the APPL buffer is freed");
}

#[test]
fn an_unknown_plugin_is_not_found_and_the_buffer_still_freed() {
    let mut env = Supplicant::new();
    let mut p = params(&[0; 16], 0, 0, &[0; 32]);
    assert_eq!(invoke(&mut env, &mut p), Err(TeeError::ItemNotFound));
    assert!(env.shms.is_empty());
}

#[test]
fn parameters_are_checked_like_upstream() {
    let ok = params(&PLUGIN, 0, 0, &[]);
    assert!(decode(&ok).is_ok());
    let mut short_uuid = params(&PLUGIN[..8], 0, 0, &[]);
    assert_eq!(decode(&short_uuid), Err(TeeError::BadParameters));
    short_uuid.0[0] = memref(Dir::InOut, &PLUGIN);
    assert_eq!(decode(&short_uuid), Err(TeeError::BadParameters));
    let mut p = params(&PLUGIN, 0, 0, &[]);
    p.0[2] = memref(Dir::In, &[]);
    assert_eq!(decode(&p), Err(TeeError::BadParameters));
    let mut p = params(&PLUGIN, 0, 0, &[]);
    p.0[3] = TaParam::None;
    assert_eq!(decode(&p), Err(TeeError::BadParameters));
    let mut env = Supplicant::new();
    assert_eq!(invoke(&mut env, &mut p), Err(TeeError::BadParameters));
    assert!(env.calls.is_empty());
}
