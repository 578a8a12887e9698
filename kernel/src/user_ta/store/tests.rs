//! LOAD_TA's two phases against a fake tee-supplicant: size query, an APPL
//! buffer from SHM_ALLOC, the load into it, SHM_FREE in every case; which
//! answers of the TA database move on to tee-supplicant.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use tee_abi::msg::{RPC_CMD_LOAD_TA, RPC_CMD_SHM_ALLOC, RPC_CMD_SHM_FREE, RPC_SHM_TYPE_APPL};
use tee_abi::result::TeeError;

use super::{Fetched, MAX_TA_FILE, fetch_ree as fetch, first_store};
use crate::call_env::{ArgLocation, CallEnv};
use crate::msg::{Dir, MsgArg, Param};
use crate::session::Uuid;
use crate::shm::NsMemory;
use crate::shm::tests::FakeRam;

const ARG_PA: u64 = 0x4000_0000;
const SHM_BASE: u64 = 0x4001_0000;
const TA: Uuid = [0x5a; 16];

/// tee-supplicant with a TA store of `files`.
struct Supplicant {
    ram: FakeRam,
    arg: ArgLocation,
    files: BTreeMap<Uuid, Vec<u8>>,
    /// Live APPL buffers: cookie → (address, size).
    shms: BTreeMap<u64, (u64, u64)>,
    next_cookie: u64,
    /// What the store reports as the file's size (`None`: the real one).
    claimed_size: Option<u64>,
    /// The load phase fails (the file went away after the query).
    fail_load: bool,
    /// SHM_ALLOC hands out half the size asked (a hostile normal world).
    short_shm: bool,
    loads: usize,
}

impl Supplicant {
    fn new(files: &[(Uuid, Vec<u8>)]) -> Supplicant {
        Supplicant {
            ram: FakeRam::new(8 << 20),
            arg: ArgLocation::Physical(ARG_PA),
            files: files.iter().cloned().collect(),
            shms: BTreeMap::new(),
            next_cookie: 0,
            claimed_size: None,
            fail_load: false,
            short_shm: false,
            loads: 0,
        }
    }

    fn serve(&mut self, msg: &mut MsgArg) {
        match msg.cmd {
            RPC_CMD_SHM_ALLOC => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!("value") };
                assert_eq!(v[0], RPC_SHM_TYPE_APPL);
                self.next_cookie += 1;
                let pa = SHM_BASE;
                let size = if self.short_shm { v[1] / 2 } else { v[1] };
                self.shms.insert(self.next_cookie, (pa, size));
                msg.params[0].param =
                    Param::Tmem { dir: Dir::Out, buf_ptr: pa, size, shm_ref: self.next_cookie, noncontig: false };
                msg.ret = 0;
            }
            RPC_CMD_SHM_FREE => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!("value") };
                self.shms.remove(&v[1]).expect("a live cookie");
                msg.ret = 0;
            }
            RPC_CMD_LOAD_TA => {
                let Param::Value { v, .. } = msg.params[0].param else { panic!("uuid value") };
                let mut uuid = [0u8; 16];
                uuid[..8].copy_from_slice(&v[0].to_le_bytes());
                uuid[8..].copy_from_slice(&v[1].to_le_bytes());
                let Some(file) = self.files.get(&uuid).cloned() else {
                    msg.ret = TeeError::ItemNotFound.code();
                    return;
                };
                match &mut msg.params[1].param {
                    // Phase 1: how big is it?
                    Param::Tmem { buf_ptr: 0, size, .. } => {
                        *size = self.claimed_size.unwrap_or(file.len() as u64);
                        msg.ret = 0;
                    }
                    // Phase 2: into the buffer.
                    Param::Rmem { dir: Dir::Out, offs: 0, size, shm_ref } => {
                        self.loads += 1;
                        if self.fail_load {
                            msg.ret = TeeError::ItemNotFound.code();
                            return;
                        }
                        let (pa, len) = self.shms[shm_ref];
                        assert!(*size <= len && file.len() as u64 <= *size);
                        self.ram.write(pa, &file).unwrap();
                        msg.ret = 0;
                    }
                    other => panic!("unexpected LOAD_TA buffer {other:?}"),
                }
            }
            other => panic!("unexpected RPC {other}"),
        }
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
        self.serve(&mut msg);
        self.ram.answer_rpc(ARG_PA, &msg);
        [0; 4]
    }
}

#[test]
fn a_ta_file_arrives_in_two_phases_and_its_buffer_is_freed() {
    let file: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    let mut env = Supplicant::new(&[(TA, file.clone())]);
    assert_eq!(fetch(&mut env, &TA), Ok(file));
    assert_eq!(env.loads, 1);
    assert!(env.shms.is_empty(), "the APPL buffer is freed");
}

#[test]
fn an_unknown_ta_is_not_found_and_nothing_is_allocated() {
    let mut env = Supplicant::new(&[]);
    assert_eq!(fetch(&mut env, &TA), Err(TeeError::ItemNotFound));
    assert_eq!((env.next_cookie, env.loads), (0, 0));
}

#[test]
fn empty_or_oversized_files_are_refused_before_any_buffer() {
    for claimed in [0, MAX_TA_FILE + 1] {
        let mut env = Supplicant::new(&[(TA, alloc::vec![1; 16])]);
        env.claimed_size = Some(claimed);
        assert_eq!(fetch(&mut env, &TA), Err(TeeError::BadFormat), "size {claimed}");
        assert_eq!(env.next_cookie, 0);
    }
}

#[test]
fn a_failed_load_still_frees_the_buffer() {
    let mut env = Supplicant::new(&[(TA, alloc::vec![1; 16])]);
    env.fail_load = true;
    assert_eq!(fetch(&mut env, &TA), Err(TeeError::ItemNotFound));
    assert_eq!(env.loads, 1);
    assert!(env.shms.is_empty());
}

/// A buffer smaller than asked is refused and given back: the normal
/// world allocated it for us, nobody else would free it (tz-xtest 6005
/// `hostile-shm-short` found it left allocated).
#[test]
fn a_too_small_buffer_is_refused_and_freed() {
    let mut env = Supplicant::new(&[(TA, alloc::vec![1; 5000])]);
    env.short_shm = true;
    assert_eq!(fetch(&mut env, &TA), Err(TeeError::OutOfMemory));
    assert_eq!(env.loads, 0);
    assert!(env.shms.is_empty(), "the short buffer is freed");
}

#[test]
fn without_an_rpc_buffer_the_fetch_fails_as_communication() {
    struct NoRpc(FakeRam);
    impl CallEnv for NoRpc {
        fn mem(&self) -> &dyn NsMemory {
            &self.0
        }
        fn rpc_arg(&self) -> Option<&ArgLocation> {
            None
        }
        fn switch_to_normal_world(&mut self, _: [u64; 3]) -> [u64; 4] {
            panic!("no RPC without an argument buffer")
        }
    }
    assert_eq!(fetch(&mut NoRpc(FakeRam::new(4096)), &TA), Err(TeeError::Communication));
}

#[test]
fn the_database_answers_first_and_only_a_miss_moves_on() {
    let ree = || Ok(alloc::vec![2]);
    let installed = Fetched { file: alloc::vec![1], from_ree: false };
    let from_ree = || Ok(Fetched { file: alloc::vec![2], from_ree: true });
    assert_eq!(first_store(Ok(Some(alloc::vec![1])), || panic!("REE asked")), Ok(installed));
    assert_eq!(first_store(Ok(None), ree), from_ree());
    assert_eq!(first_store(Err(TeeError::StorageNotAvailable), ree), from_ree());
    assert_eq!(first_store(Err(TeeError::CorruptObject), || panic!("REE asked")), Err(TeeError::CorruptObject));
}
