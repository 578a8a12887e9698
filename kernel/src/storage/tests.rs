//! Host tests: the object store over an in-memory file system, the FS RPC
//! client against a fake tee-supplicant, and the syscalls end to end.

extern crate alloc;
extern crate std;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use tee_abi::msg::{RPC_CMD_FS, RPC_CMD_SHM_ALLOC, RPC_CMD_SHM_FREE, arg_size};
use tee_abi::result;

use super::fs::{ReeFs, RpcFs, op};
use super::object::{TaStore, device_key};
use super::syscall::*;
use crate::call_env::{ArgLocation, CallEnv};
use crate::msg::{Dir, MsgArg, MsgParam, Param};
use crate::shm::NsMemory;
use crate::shm::tests::FakeRam;
use crate::user_ta::memory::{Region, Sharing, UserRegions};
use crate::user_ta::property::PropContext;
use crate::user_ta::syscall::{Outcome, SyscallContext};

/// A file system in memory, with tee-supplicant's semantics.
#[derive(Default)]
struct MemFs {
    files: BTreeMap<String, Vec<u8>>,
    fds: BTreeMap<u64, String>,
    dirs: BTreeMap<u64, Vec<String>>,
    next: u64,
    /// Fail the n-th write from now (simulated crash mid-write).
    fail_write_in: Option<usize>,
}

impl MemFs {
    fn fd(&mut self, name: &str) -> u64 {
        self.next += 1;
        self.fds.insert(self.next, name.to_string());
        self.next
    }
}

impl ReeFs for MemFs {
    fn open(&mut self, name: &str) -> Result<u64, u32> {
        if !self.files.contains_key(name) {
            return Err(result::ERROR_ITEM_NOT_FOUND);
        }
        Ok(self.fd(name))
    }
    fn create(&mut self, name: &str) -> Result<u64, u32> {
        self.files.insert(name.to_string(), Vec::new());
        Ok(self.fd(name))
    }
    fn close(&mut self, fd: u64) -> Result<(), u32> {
        self.fds.remove(&fd).map(|_| ()).ok_or(result::ERROR_BAD_PARAMETERS)
    }
    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, u32> {
        let f = &self.files[&self.fds[&fd]];
        let s = (offset as usize).min(f.len());
        Ok(f[s..(s + len).min(f.len())].to_vec())
    }
    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), u32> {
        if let Some(n) = self.fail_write_in.as_mut() {
            if *n == 0 {
                // Half the bytes reach the disk, then the machine dies.
                let name = self.fds[&fd].clone();
                let f = self.files.get_mut(&name).unwrap();
                f.extend_from_slice(&data[..data.len() / 2]);
                return Err(result::ERROR_GENERIC);
            }
            *n -= 1;
        }
        let name = self.fds[&fd].clone();
        let f = self.files.get_mut(&name).ok_or(result::ERROR_ITEM_NOT_FOUND)?;
        let end = offset as usize + data.len();
        if f.len() < end {
            f.resize(end, 0);
        }
        f[offset as usize..end].copy_from_slice(data);
        Ok(())
    }
    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), u32> {
        let name = self.fds[&fd].clone();
        self.files.get_mut(&name).unwrap().resize(len as usize, 0);
        Ok(())
    }
    fn remove(&mut self, name: &str) -> Result<(), u32> {
        self.files.remove(name).map(|_| ()).ok_or(result::ERROR_ITEM_NOT_FOUND)
    }
    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), u32> {
        if !overwrite && self.files.contains_key(new) {
            return Err(result::ERROR_ACCESS_CONFLICT);
        }
        let f = self.files.remove(old).ok_or(result::ERROR_ITEM_NOT_FOUND)?;
        self.files.insert(new.to_string(), f);
        Ok(())
    }
    fn opendir(&mut self, name: &str) -> Result<u64, u32> {
        let prefix = alloc::format!("{name}/");
        let list: Vec<String> =
            self.files.keys().filter_map(|k| k.strip_prefix(&prefix)).filter(|r| !r.contains('/')).map(|r| r.to_string()).collect();
        if list.is_empty() {
            return Err(result::ERROR_ITEM_NOT_FOUND);
        }
        self.next += 1;
        self.dirs.insert(self.next, list);
        Ok(self.next)
    }
    fn closedir(&mut self, handle: u64) -> Result<(), u32> {
        self.dirs.remove(&handle).map(|_| ()).ok_or(result::ERROR_BAD_PARAMETERS)
    }
    fn readdir(&mut self, handle: u64) -> Result<String, u32> {
        let d = self.dirs.get_mut(&handle).ok_or(result::ERROR_BAD_PARAMETERS)?;
        if d.is_empty() { Err(result::ERROR_ITEM_NOT_FOUND) } else { Ok(d.remove(0)) }
    }
}

const UUID_A: [u8; 16] = [0xa; 16];
const UUID_B: [u8; 16] = [0xb; 16];

#[test]
fn device_key_is_stable_and_ta_keys_differ() {
    assert_eq!(device_key(), device_key());
    let a = TaStore::new(&device_key(), &UUID_A);
    let b = TaStore::new(&device_key(), &UUID_B);
    assert_ne!(a.dir(), b.dir());
    assert_ne!(a.path(b"x"), b.path(b"x"));
    assert!(!a.path(b"secret-id").contains("secret"), "IDs never in clear");
    assert!(a.path(b"x").len() < super::fs::NAME_MAX);
}

#[test]
fn commit_load_overwrite_and_conflict() {
    let mut fs = MemFs::default();
    let s = TaStore::new(&device_key(), &UUID_A);
    assert_eq!(s.load(&mut fs, b"obj").unwrap_err(), result::ERROR_ITEM_NOT_FOUND);
    s.commit(&mut fs, b"obj", 0, b"hello", &[1; 12], false).unwrap();
    let got = s.load(&mut fs, b"obj").unwrap();
    assert_eq!((got.id.as_slice(), got.data.as_slice(), got.generation), (&b"obj"[..], &b"hello"[..], 0));
    assert_eq!(s.commit(&mut fs, b"obj", 0, b"x", &[2; 12], false), Err(result::ERROR_ACCESS_CONFLICT));
    s.commit(&mut fs, b"obj", 1, b"world!", &[3; 12], true).unwrap();
    assert_eq!(s.load(&mut fs, b"obj").unwrap().data, b"world!");
    // The plaintext is nowhere in the file.
    let file = &fs.files[&s.path(b"obj")];
    assert!(!file.windows(6).any(|w| w == b"world!"));
    assert_eq!(fs.files.len(), 1, "no .new left behind");
}

#[test]
fn tampering_and_moving_files_is_detected() {
    let mut fs = MemFs::default();
    let a = TaStore::new(&device_key(), &UUID_A);
    let b = TaStore::new(&device_key(), &UUID_B);
    a.commit(&mut fs, b"one", 0, b"data one", &[1; 12], false).unwrap();
    a.commit(&mut fs, b"two", 0, b"data two", &[2; 12], false).unwrap();
    // A bit flipped in the body, then in the header (generation).
    for at in [60usize, 9] {
        let mut f = MemFs { files: fs.files.clone(), ..Default::default() };
        f.files.get_mut(&a.path(b"one")).unwrap()[at] ^= 1;
        assert_eq!(a.load(&mut f, b"one").unwrap_err(), result::ERROR_CORRUPT_OBJECT, "byte {at}");
    }
    // "two"'s file put in place of "one".
    let mut f = MemFs { files: fs.files.clone(), ..Default::default() };
    let two = f.files[&a.path(b"two")].clone();
    f.files.insert(a.path(b"one"), two.clone());
    assert_eq!(a.load(&mut f, b"one").unwrap_err(), result::ERROR_CORRUPT_OBJECT);
    // TA A's file copied into TA B's directory under the same ID.
    f.files.insert(b.path(b"two"), two);
    assert_eq!(b.load(&mut f, b"two").unwrap_err(), result::ERROR_CORRUPT_OBJECT);
    // Truncated file.
    let mut f = MemFs { files: fs.files.clone(), ..Default::default() };
    f.files.get_mut(&a.path(b"one")).unwrap().truncate(50);
    assert_eq!(a.load(&mut f, b"one").unwrap_err(), result::ERROR_CORRUPT_OBJECT);
}

#[test]
fn crash_during_update_leaves_the_old_object() {
    let mut fs = MemFs::default();
    let s = TaStore::new(&device_key(), &UUID_A);
    s.commit(&mut fs, b"obj", 0, &[0x11; 5000], &[1; 12], false).unwrap();
    fs.fail_write_in = Some(0);
    assert!(s.commit(&mut fs, b"obj", 1, &[0x22; 5000], &[2; 12], true).is_err());
    fs.fail_write_in = None;
    assert_eq!(s.load(&mut fs, b"obj").unwrap().data, [0x11; 5000], "wholly old");
    // A stale .new (crash before the rename, nothing cleaned up) is ignored.
    let path = s.path(b"obj");
    fs.files.insert(alloc::format!("{path}.new"), alloc::vec![0xee; 100]);
    assert_eq!(s.load(&mut fs, b"obj").unwrap().data, [0x11; 5000]);
    assert_eq!(s.list(&mut fs).unwrap().len(), 1);
    s.commit(&mut fs, b"obj", 1, &[0x22; 5000], &[2; 12], true).unwrap();
    assert_eq!(s.load(&mut fs, b"obj").unwrap().data, [0x22; 5000], "wholly new");
}

#[test]
fn list_and_rename() {
    let mut fs = MemFs::default();
    let a = TaStore::new(&device_key(), &UUID_A);
    let b = TaStore::new(&device_key(), &UUID_B);
    assert!(a.list(&mut fs).unwrap().is_empty());
    a.commit(&mut fs, b"x", 0, b"1", &[1; 12], false).unwrap();
    a.commit(&mut fs, b"y", 0, b"22", &[2; 12], false).unwrap();
    b.commit(&mut fs, b"z", 0, b"333", &[3; 12], false).unwrap();
    let mut l = a.list(&mut fs).unwrap();
    l.sort();
    assert_eq!(l, [(b"x".to_vec(), 1), (b"y".to_vec(), 2)]);
    let x = a.load(&mut fs, b"x").unwrap();
    assert_eq!(a.rename(&mut fs, b"x", b"y", &x, &[4; 12]), Err(result::ERROR_ACCESS_CONFLICT));
    a.rename(&mut fs, b"x", b"w", &x, &[4; 12]).unwrap();
    assert_eq!(a.load(&mut fs, b"x").unwrap_err(), result::ERROR_ITEM_NOT_FOUND);
    assert_eq!(a.load(&mut fs, b"w").unwrap().data, b"1");
    assert_eq!(b.list(&mut fs).unwrap(), [(b"z".to_vec(), 3)]);
}

// --- a fake tee-supplicant behind a fake CallEnv ---

const ARG_PA: u64 = 0x4000_0000;
const SHM_BASE: u64 = 0x4001_0000;

struct FakeSupplicant {
    ram: FakeRam,
    arg: ArgLocation,
    fs: MemFs,
    shms: BTreeMap<u64, (u64, u64)>,
    next_pa: u64,
    next_cookie: u64,
    requests: Vec<(u32, u64)>,
}

impl FakeSupplicant {
    fn new() -> FakeSupplicant {
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
                msg.ret = r.err().unwrap_or(0);
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

#[test]
fn rpc_fs_speaks_the_supplicant_protocol() {
    let mut env = FakeSupplicant::new();
    let s = TaStore::new(&device_key(), &UUID_A);
    {
        let mut fs = RpcFs::new(&mut env);
        s.commit(&mut fs, b"obj", 0, &[7u8; 70_000], &[1; 12], false).unwrap();
        assert_eq!(s.load(&mut fs, b"obj").unwrap().data, [7u8; 70_000]);
        assert_eq!(s.commit(&mut fs, b"obj", 0, b"", &[1; 12], false), Err(result::ERROR_ACCESS_CONFLICT));
        assert_eq!(s.list(&mut fs).unwrap(), [(b"obj".to_vec(), 70_000)]);
        s.remove(&mut fs, b"obj").unwrap();
        assert_eq!(s.load(&mut fs, b"obj").unwrap_err(), result::ERROR_ITEM_NOT_FOUND);
        assert!(s.list(&mut fs).unwrap().is_empty());
    }
    assert!(env.shms.is_empty(), "every APPL buffer freed");
    assert!(env.fs.fds.is_empty() && env.fs.dirs.is_empty(), "every fd and dir closed");
    let ops: Vec<u64> = env.requests.iter().map(|r| r.1).collect();
    // The update: exists? (OPEN fails), CREATE .new, WRITE, CLOSE, RENAME.
    assert_eq!(ops[..5], [op::OPEN, op::CREATE, op::WRITE, op::CLOSE, op::RENAME]);
}

// --- the syscalls through a fake SyscallContext ---

struct Ctx {
    regions: UserRegions,
    env: FakeSupplicant,
    ta: [u8; 16],
    storage: StorageState,
    crypto: crate::crypto::CryptoState,
}

impl SyscallContext for Ctx {
    fn regions(&self) -> &UserRegions {
        &self.regions
    }
    fn env(&mut self) -> &mut dyn CallEnv {
        &mut self.env
    }
    fn log(&self, _: &str) {}
    fn cancelled(&self) -> bool {
        false
    }
    fn set_cancel_mask(&mut self, m: bool) -> bool {
        m
    }
    fn system_time(&self) -> (u32, u32) {
        (0, 0)
    }
    fn random(&mut self, buf: &mut [u8]) {
        buf.fill(0x5a);
    }
    fn properties(&self) -> PropContext {
        PropContext { client: crate::session::ClientIdentity { login: 0, uuid: [0; 16] }, ta: self.ta }
    }
    fn ta_time_offset(&self) -> Option<i64> {
        None
    }
    fn set_ta_time_offset(&mut self, _: i64) {}
    fn crypto(&mut self) -> &mut crate::crypto::CryptoState {
        &mut self.crypto
    }
    fn storage(&mut self) -> Option<&mut StorageState> {
        Some(&mut self.storage)
    }
}

const VA: u64 = 0x10_0000;

fn ctx(backing: &mut [u8]) -> Ctx {
    Ctx {
        regions: UserRegions(alloc::vec![Region { va: VA, len: backing.len() as u64, kva: backing.as_mut_ptr() as u64, writable: true, sharing: Sharing::Private }]),
        env: FakeSupplicant::new(),
        ta: UUID_A,
        storage: StorageState::new(),
        crypto: crate::crypto::CryptoState::new(),
    }
}

fn sys(c: &mut Ctx, nr: u64, args: &[u64]) -> u32 {
    let mut a = [0u64; 8];
    a[..args.len()].copy_from_slice(args);
    match crate::user_ta::syscall::dispatch(c, nr, a) {
        Outcome::Return(r) => r as u32,
        other => panic!("{other:?}"),
    }
}

fn u32_at(c: &Ctx, va: u64) -> u32 {
    u32::from_le_bytes(c.regions.read(va, 4).unwrap().try_into().unwrap())
}

#[test]
fn syscalls_end_to_end() {
    let mut mem = alloc::vec![0u8; 0x4000];
    let mut c = ctx(&mut mem);
    let (id, data, out, h) = (VA, VA + 0x100, VA + 0x1000, VA + 0x80);
    c.regions.write(id, b"key-1").unwrap();
    c.regions.write(data, b"0123456789").unwrap();
    let rw = u64::from(ACCESS_READ | ACCESS_WRITE | ACCESS_WRITE_META);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), result::ERROR_ITEM_NOT_FOUND);
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw, 0, data, 10, h]), 0);
    let obj = u64::from(u32_at(&c, h));
    assert!(is_storage_handle(obj));
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw | 0x400, 0, data, 10, h]), result::ERROR_ACCESS_CONFLICT, "open");
    // seek 4, write "ab", read all back
    assert_eq!(sys(&mut c, STORAGE_OBJ_SEEK, &[obj, 4, 0]), 0);
    c.regions.write(data, b"ab").unwrap();
    assert_eq!(sys(&mut c, STORAGE_OBJ_WRITE, &[obj, data, 2]), 0);
    assert_eq!(sys(&mut c, STORAGE_OBJ_SEEK, &[obj, 0, 0]), 0);
    assert_eq!(sys(&mut c, STORAGE_OBJ_READ, &[obj, out, 64, VA + 0x90]), 0);
    assert_eq!(c.regions.read(out, 10).unwrap(), b"0123ab6789");
    assert_eq!(u32_at(&c, VA + 0x90), 10);
    assert_eq!(sys(&mut c, STORAGE_OBJ_TRUNC, &[obj, 3]), 0);
    assert_eq!(sys(&mut c, CRYP_OBJ_GET_INFO, &[obj, out]), 0);
    assert_eq!(u32_at(&c, out + 16), 3, "data size");
    assert_eq!(u32_at(&c, out + 20), 10, "position stays");
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[obj]), 0);
    assert_eq!(sys(&mut c, CRYP_OBJ_CLOSE, &[obj]), result::ERROR_BAD_PARAMETERS);
    // Without OVERWRITE: conflict; with: replaced.
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw, 0, data, 2, 0]), result::ERROR_ACCESS_CONFLICT);
    assert_eq!(sys(&mut c, STORAGE_OBJ_CREATE, &[1, id, 5, rw | 0x400, 0, data, 2, 0]), 0);
    // Unknown storage.
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[0x8000_0100, id, 5, rw, h]), result::ERROR_ITEM_NOT_FOUND);
    // Read-only handle: write refused; two readers share.
    let ro = u64::from(ACCESS_READ | SHARE_READ);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[0x8000_0000, id, 5, ro, h]), 0);
    let r1 = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, STORAGE_OBJ_WRITE, &[r1, data, 1]), result::ERROR_ACCESS_CONFLICT);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, ro, h]), 0);
    let r2 = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), result::ERROR_ACCESS_CONFLICT);
    assert_eq!(sys(&mut c, STORAGE_OBJ_DEL, &[r1]), result::ERROR_ACCESS_CONFLICT);
    sys(&mut c, CRYP_OBJ_CLOSE, &[r1]);
    sys(&mut c, CRYP_OBJ_CLOSE, &[r2]);
    // Rename, enumerate, delete.
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, rw, h]), 0);
    let o = u64::from(u32_at(&c, h));
    c.regions.write(id + 0x40, b"key-2").unwrap();
    assert_eq!(sys(&mut c, STORAGE_OBJ_RENAME, &[o, id + 0x40, 5]), 0);
    assert_eq!(sys(&mut c, STORAGE_ENUM_ALLOC, &[h]), 0);
    let e = u64::from(u32_at(&c, h));
    assert_eq!(sys(&mut c, STORAGE_ENUM_NEXT, &[e, out, out + 0x40, out + 0x100]), result::ERROR_ITEM_NOT_FOUND, "not started");
    assert_eq!(sys(&mut c, STORAGE_ENUM_START, &[e, 1]), 0);
    assert_eq!(sys(&mut c, STORAGE_ENUM_NEXT, &[e, out, out + 0x40, out + 0x100]), 0);
    assert_eq!(c.regions.read(out + 0x40, 5).unwrap(), b"key-2");
    assert_eq!(u32_at(&c, out + 0x100), 5);
    assert_eq!(u32_at(&c, out + 16), 2, "data size");
    assert_eq!(sys(&mut c, STORAGE_ENUM_NEXT, &[e, out, out + 0x40, out + 0x100]), result::ERROR_ITEM_NOT_FOUND);
    assert_eq!(sys(&mut c, STORAGE_OBJ_DEL, &[o]), 0);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id + 0x40, 5, rw, h]), result::ERROR_ITEM_NOT_FOUND);
    assert_eq!(sys(&mut c, STORAGE_ENUM_START, &[e, 1]), result::ERROR_ITEM_NOT_FOUND, "none left");
    assert_eq!(sys(&mut c, STORAGE_ENUM_FREE, &[e]), 0);
    assert!(c.storage.is_empty());
    // Bad arguments.
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 65, rw, h]), result::ERROR_BAD_PARAMETERS);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, id, 5, 0x400, h]), result::ERROR_BAD_PARAMETERS);
    assert_eq!(sys(&mut c, STORAGE_OBJ_OPEN, &[1, 0x0e10_0000, 5, rw, h]), result::ERROR_ACCESS_DENIED);
    assert!(c.env.shms.is_empty());
}
