//! The FS RPC client against a fake tee-supplicant behind a fake `CallEnv`.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use tee_abi::msg::{RPC_CMD_FS, RPC_CMD_SHM_ALLOC, RPC_CMD_SHM_FREE};
use tee_abi::result::TeeError;

use super::{MemFs, UUID_A};
use crate::call_env::{ArgLocation, CallEnv};
use crate::msg::{Dir, MsgArg, MsgParam, Param};
use crate::shm::NsMemory;
use crate::shm::tests::FakeRam;
use crate::storage::fs::{ReeFs, RpcFs, op};
use crate::storage::object::{TaStore, device_key};

const ARG_PA: u64 = 0x4000_0000;
const SHM_BASE: u64 = 0x4001_0000;

pub(super) struct FakeSupplicant {
    ram: FakeRam,
    arg: ArgLocation,
    pub(super) fs: MemFs,
    pub(super) shms: BTreeMap<u64, (u64, u64)>,
    next_pa: u64,
    next_cookie: u64,
    requests: Vec<(u32, u64)>,
}

impl FakeSupplicant {
    pub(super) fn new() -> FakeSupplicant {
        FakeSupplicant {
            ram: FakeRam::new(4 << 20),
            arg: ArgLocation::Physical(ARG_PA),
            fs: MemFs::default(),
            shms: BTreeMap::new(),
            next_pa: SHM_BASE,
            next_cookie: 0,
            requests: Vec::new(),
        }
    }

    fn buf(&self, p: &Param) -> (u64, u64) {
        let Param::Rmem { offs, size, shm_ref, .. } = *p else { panic!("FS buffers are RMEM: {p:?}") };
        let (pa, len) = self.shms[&shm_ref];
        assert!(offs + size <= len);
        (pa + offs, size)
    }

    fn name(&self, p: &Param) -> String {
        let (pa, size) = self.buf(p);
        let mut b = alloc::vec![0u8; size as usize];
        self.ram.read(pa, &mut b).unwrap();
        assert_eq!(b.last(), Some(&0), "names are NUL-terminated");
        String::from_utf8(b[..b.len() - 1].to_vec()).unwrap()
    }

    /// Checks the layout as strictly as tee-supplicant does.
    fn expect(params: &[MsgParam], layout: &[(&str, Dir)]) {
        assert_eq!(params.len(), layout.len(), "number of params");
        for (p, (kind, dir)) in params.iter().zip(layout) {
            match (&p.param, *kind) {
                (Param::Value { dir: d, .. }, "v") | (Param::Rmem { dir: d, .. }, "m") => assert_eq!(d, dir),
                other => panic!("unexpected param {other:?}"),
            }
        }
    }

    fn serve(&mut self, msg: &mut MsgArg) {
        use Dir::{In, Out};
        match msg.cmd {
            RPC_CMD_SHM_ALLOC => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!() };
                self.next_cookie += 1;
                let pa = self.next_pa;
                self.next_pa += v[1].div_ceil(4096) * 4096;
                self.shms.insert(self.next_cookie, (pa, v[1]));
                msg.params[0].param =
                    Param::Tmem { dir: Out, buf_ptr: pa, size: v[1], shm_ref: self.next_cookie, noncontig: false };
                msg.ret = 0;
            }
            RPC_CMD_SHM_FREE => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!() };
                self.shms.remove(&v[1]).expect("known cookie");
                msg.ret = 0;
            }
            RPC_CMD_FS => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!("value first") };
                self.requests.push((msg.cmd, v[0]));
                let r = match v[0] {
                    op::OPEN | op::CREATE | op::OPENDIR => {
                        Self::expect(&msg.params, &[("v", In), ("m", In), ("v", Out)]);
                        let name = self.name(&msg.params[1].param);
                        let h = match v[0] {
                            op::OPEN => self.fs.open(&name),
                            op::CREATE => self.fs.create(&name),
                            _ => self.fs.opendir(&name),
                        };
                        h.map(|h| msg.params[2].param = Param::Value { dir: Out, v: [h, 0, 0] })
                    }
                    op::CLOSE | op::TRUNCATE | op::CLOSEDIR => {
                        Self::expect(&msg.params, &[("v", In)]);
                        match v[0] {
                            op::CLOSE => self.fs.close(v[1]),
                            op::TRUNCATE => self.fs.truncate(v[1], v[2]),
                            _ => self.fs.closedir(v[1]),
                        }
                    }
                    op::READ => {
                        Self::expect(&msg.params, &[("v", In), ("m", Out)]);
                        let (pa, size) = self.buf(&msg.params[1].param);
                        self.fs.read(v[1], v[2], size as usize).map(|d| {
                            self.ram.write(pa, &d).unwrap();
                            if let Param::Rmem { size, .. } = &mut msg.params[1].param {
                                *size = d.len() as u64;
                            }
                        })
                    }
                    op::WRITE => {
                        Self::expect(&msg.params, &[("v", In), ("m", In)]);
                        let (pa, size) = self.buf(&msg.params[1].param);
                        let mut d = alloc::vec![0u8; size as usize];
                        self.ram.read(pa, &mut d).unwrap();
                        self.fs.write(v[1], v[2], &d)
                    }
                    op::REMOVE => {
                        Self::expect(&msg.params, &[("v", In), ("m", In)]);
                        let name = self.name(&msg.params[1].param);
                        self.fs.remove(&name)
                    }
                    op::RENAME => {
                        Self::expect(&msg.params, &[("v", In), ("m", In), ("m", In)]);
                        let (old, new) = (self.name(&msg.params[1].param), self.name(&msg.params[2].param));
                        self.fs.rename(&old, &new, v[1] != 0)
                    }
                    op::READDIR => {
                        Self::expect(&msg.params, &[("v", In), ("m", Out)]);
                        let (pa, _) = self.buf(&msg.params[1].param);
                        self.fs.readdir(v[1]).map(|n| {
                            let mut b = n.into_bytes();
                            b.push(0);
                            self.ram.write(pa, &b).unwrap();
                            if let Param::Rmem { size, .. } = &mut msg.params[1].param {
                                *size = b.len() as u64;
                            }
                        })
                    }
                    other => panic!("unknown FS op {other}"),
                };
                msg.ret = r.err().map_or(0, TeeError::code);
            }
            other => panic!("unexpected RPC {other}"),
        }
    }
}

impl CallEnv for FakeSupplicant {
    fn mem(&self) -> &dyn NsMemory {
        &self.ram
    }
    fn rpc_arg(&self) -> Option<&ArgLocation> {
        Some(&self.arg)
    }
    fn switch_to_normal_world(&mut self, _: [u64; 3]) -> [u64; 4] {
        let mut msg = self.ram.take_rpc(ARG_PA);
        self.serve(&mut msg);
        self.ram.answer_rpc(ARG_PA, &msg);
        [0; 4]
    }
}

#[test]
fn rpc_fs_speaks_the_supplicant_protocol() {
    let mut env = FakeSupplicant::new();
    let s = TaStore::new(&device_key(), &UUID_A);
    {
        let mut fs = RpcFs::new(&mut env);
        s.commit(&mut fs, b"obj", 0, &[7u8; 70_000], &[1; 12], false).unwrap();
        assert_eq!(s.load(&mut fs, b"obj").unwrap().data, [7u8; 70_000]);
        assert_eq!(s.commit(&mut fs, b"obj", 0, b"", &[1; 12], false), Err(TeeError::AccessConflict));
        assert_eq!(s.list(&mut fs).unwrap(), [(b"obj".to_vec(), 70_000)]);
        s.remove(&mut fs, b"obj", &[2; 12]).unwrap();
        assert_eq!(s.load(&mut fs, b"obj").unwrap_err(), TeeError::ItemNotFound);
        assert!(s.list(&mut fs).unwrap().is_empty());
    }
    assert!(env.shms.is_empty(), "every APPL buffer freed");
    assert!(env.fs.fds.is_empty() && env.fs.dirs.is_empty(), "every fd and dir closed");
    let ops: Vec<u64> = env.requests.iter().map(|r| r.1).collect();
    // The first update: the directory file (OPEN fails: none yet), the
    // object's CREATE .new, WRITE, CLOSE, the directory file's the same,
    // its RENAME (the commit point), the object's RENAME.
    let (new_file, rename) = ([op::CREATE, op::WRITE, op::CLOSE], [op::RENAME]);
    let want = [&[op::OPEN][..], &new_file, &new_file, &rename, &rename].concat();
    assert_eq!(ops[..want.len()], want[..]);
}
