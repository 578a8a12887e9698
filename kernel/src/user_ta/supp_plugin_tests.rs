//! SUPP_PLUGIN_INVOKE against a fake tee-supplicant with one plugin that
//! checks the request's layout as optee_client's `plugin.c` does.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use tee_abi::msg::{RPC_CMD_SHM_ALLOC, RPC_CMD_SHM_FREE, RPC_CMD_SUPP_PLUGIN, RPC_SUPP_PLUGIN_INVOKE};
use tee_abi::result::TeeError;

use super::{Request, decode, invoke};
use crate::call_env::{ArgLocation, CallEnv};
use crate::msg::{Dir, MsgArg, Param};
use crate::params::{NsBuffer, TaParam, TaParams};
use crate::shm::NsMemory;
use crate::shm::tests::FakeRam;

const ARG_PA: u64 = 0x4000_0000;
const SHM_PA: u64 = 0x4001_0000;
const PLUGIN: [u8; 16] =
    [0xf0, 0x7b, 0xfc, 0x66, 0x95, 0x8c, 0x4a, 0x15, 0x99, 0xc0, 0x26, 0x0e, 0x4e, 0x73, 0x75, 0xdd];

struct Supplicant {
    ram: FakeRam,
    arg: ArgLocation,
    shms: BTreeMap<u64, u64>,
    /// The plugin's output length, if it lies.
    claim_outlen: Option<u64>,
    calls: Vec<(u64, u64, usize)>,
}

impl Supplicant {
    fn new() -> Supplicant {
        Supplicant {
            ram: FakeRam::new(2 << 20),
            arg: ArgLocation::Physical(ARG_PA),
            shms: BTreeMap::new(),
            claim_outlen: None,
            calls: Vec::new(),
        }
    }

    /// The plugin: command 1 sums the bytes into the first one; command 2
    /// writes "ok\0"; an unknown UUID is ITEM_NOT_FOUND.
    fn plugin(&mut self, msg: &mut MsgArg) {
        assert_eq!(msg.params.len(), 4);
        let Param::Value { dir: Dir::In, v: v0 } = msg.params[0].param else { panic!("value0 in") };
        let Param::Value { dir: Dir::In, v: v1 } = msg.params[1].param else { panic!("value1 in") };
        let Param::Value { dir: Dir::InOut, v: v2 } = msg.params[2].param else { panic!("value2 inout") };
        assert_eq!(v0[0], RPC_SUPP_PLUGIN_INVOKE);
        let mut uuid = [0u8; 16];
        for (i, w) in [v0[1], v0[2], v1[0], v1[1]].into_iter().enumerate() {
            uuid[4 * i..4 * i + 4].copy_from_slice(&(w as u32).to_le_bytes());
        }
        let (pa, len) = match msg.params[3].param {
            Param::Rmem { dir: Dir::InOut, offs: 0, size, shm_ref } => {
                assert!(size <= self.shms[&shm_ref]);
                (SHM_PA, size as usize)
            }
            Param::Tmem { dir: Dir::InOut, buf_ptr: 0, size: 0, .. } => (0, 0),
            other => panic!("memref3 inout, got {other:?}"),
        };
        self.calls.push((v1[2], v2[0], len));
        if uuid != PLUGIN {
            msg.ret = TeeError::ItemNotFound.code();
            return;
        }
        let mut data = alloc::vec![0u8; len];
        if len > 0 {
            self.ram.read(pa, &mut data).unwrap();
        }
        let outlen = match v1[2] {
            1 => {
                data[0] = data.iter().fold(0u8, |s, b| s.wrapping_add(*b));
                len
            }
            2 => {
                data[..3].copy_from_slice(b"ok\0");
                3
            }
            _ => 0,
        };
        if len > 0 {
            self.ram.write(pa, &data).unwrap();
        }
        msg.params[2].param =
            Param::Value { dir: Dir::InOut, v: [v2[0], self.claim_outlen.unwrap_or(outlen as u64), 0] };
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
        let mut msg = self.ram.take_rpc(ARG_PA);
        match msg.cmd {
            RPC_CMD_SHM_ALLOC => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!() };
                self.shms.insert(7, v[1]);
                msg.params[0].param =
                    Param::Tmem { dir: Dir::Out, buf_ptr: SHM_PA, size: v[1], shm_ref: 7, noncontig: false };
                msg.ret = 0;
            }
            RPC_CMD_SHM_FREE => {
                self.shms.remove(&7).expect("live");
                msg.ret = 0;
            }
            RPC_CMD_SUPP_PLUGIN => self.plugin(&mut msg),
            other => panic!("unexpected RPC {other}"),
        }
        self.ram.answer_rpc(ARG_PA, &msg);
        [0; 4]
    }
}

fn mem(dir: Dir, bytes: &[u8]) -> TaParam {
    TaParam::Memref { dir, buf: bytes.to_vec(), size: bytes.len() as u64, source: NsBuffer::Null }
}

fn params(uuid: [u8; 16], cmd: u32, data: &[u8]) -> TaParams {
    let uuid = tee_abi::uuid::Uuid::from_octets(uuid).to_struct_bytes();
    TaParams([
        mem(Dir::In, &uuid),
        TaParam::Value { dir: Dir::In, a: cmd, b: 9 },
        mem(Dir::InOut, data),
        TaParam::Value { dir: Dir::Out, a: 0, b: 0 },
    ])
}

fn data_and_outlen(p: &TaParams) -> (Vec<u8>, u32) {
    let (TaParam::Memref { buf, .. }, TaParam::Value { a, .. }) = (&p.0[2], &p.0[3]) else { panic!() };
    (buf.clone(), *a)
}

#[test]
fn data_goes_to_the_plugin_and_back() {
    let mut env = Supplicant::new();
    let mut p = params(PLUGIN, 1, &[0, 1, 2, 3, 4, 5]);
    assert_eq!(decode(&p), Ok(Request { plugin: PLUGIN, cmd: 1, sub_cmd: 9 }));
    assert_eq!(invoke(&mut env, &mut p), Ok(()));
    assert_eq!(data_and_outlen(&p), (alloc::vec![15, 1, 2, 3, 4, 5], 6));
    let mut p = params(PLUGIN, 2, &[0xaa; 64]);
    assert_eq!(invoke(&mut env, &mut p), Ok(()));
    assert_eq!(&data_and_outlen(&p).0[..4], b"ok\0\xaa");
    assert_eq!(data_and_outlen(&p).1, 3);
    // No data: a NULL memref, no buffer allocated.
    let mut p = params(PLUGIN, 0, &[]);
    assert_eq!(invoke(&mut env, &mut p), Ok(()));
    assert_eq!(env.calls, [(1, 9, 6), (2, 9, 64), (0, 9, 0)]);
    assert!(env.shms.is_empty());
}

#[test]
fn unknown_plugins_and_bad_parameters() {
    let mut env = Supplicant::new();
    let mut p = params([0; 16], 0, &[0; 32]);
    assert_eq!(invoke(&mut env, &mut p), Err(TeeError::ItemNotFound));
    assert!(env.shms.is_empty());
    let mut short_uuid = params(PLUGIN, 0, &[1]);
    short_uuid.0[0] = mem(Dir::In, &[0; 15]);
    assert_eq!(invoke(&mut env, &mut short_uuid), Err(TeeError::BadParameters));
    let mut wrong = params(PLUGIN, 0, &[1]);
    wrong.0[2] = mem(Dir::In, &[1]);
    assert_eq!(invoke(&mut env, &mut wrong), Err(TeeError::BadParameters));
    let mut wrong = params(PLUGIN, 0, &[1]);
    wrong.0[3] = TaParam::None;
    assert_eq!(invoke(&mut env, &mut wrong), Err(TeeError::BadParameters));
    assert_eq!(env.calls.len(), 1, "refused before any RPC");
}

#[test]
fn the_output_length_is_bounded_by_the_buffer() {
    let mut env = Supplicant::new();
    env.claim_outlen = Some(1 << 40);
    let mut p = params(PLUGIN, 2, &[0; 8]);
    assert_eq!(invoke(&mut env, &mut p), Ok(()));
    assert_eq!(data_and_outlen(&p).1, 8);
}
