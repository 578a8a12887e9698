//! The invoke-tests PTA's commands on the host: PARAMS' shapes, MEMREF_NULL,
//! MUTEX's counters and invariant, the self tests, and the storage corner
//! cases on an in-memory file system with tee-supplicant's semantics.

extern crate std;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use tee_abi::pta::invoke_tests as cmd;
use tee_abi::result::TeeError;

use super::{fs_corner, memref_null, mutex_test, self_tests, test_params};
use crate::msg::Dir;
use crate::params::{NsBuffer, TaParam, TaParams};
use crate::storage::fs::ReeFs;

fn v(dir: Dir, a: u32, b: u32) -> TaParam {
    TaParam::Value { dir, a, b }
}

fn memref(dir: Dir, bytes: &[u8], source: NsBuffer) -> TaParam {
    TaParam::Memref { dir, buf: bytes.to_vec(), size: bytes.len() as u64, source }
}

const N: TaParam = TaParam::None;

#[test]
fn params_inout_value_in_any_slot() {
    for slot in 0..4 {
        let mut p = TaParams::none();
        p.0[slot] = v(Dir::InOut, 40, 2);
        assert_eq!(test_params(&mut p), Ok(()));
        assert_eq!(p.0[slot], v(Dir::InOut, 42, 2));
    }
}

#[test]
fn params_three_inputs_summed_into_the_output() {
    let mut p = TaParams([v(Dir::In, 1, 10), v(Dir::In, 2, 20), v(Dir::Out, 0, 0), v(Dir::In, 3, 30)]);
    assert_eq!(test_params(&mut p), Ok(()));
    assert_eq!(p.0[2], v(Dir::Out, 6, 60));
}

#[test]
fn params_memref_sum_lands_in_its_first_byte() {
    let bytes: Vec<u8> = (1..=255u8).chain(1..=255).collect();
    let want = bytes.iter().fold(0u8, |s, b| s.wrapping_add(*b));
    let mut p = TaParams([N, memref(Dir::InOut, &bytes, NsBuffer::Physical(0x4000_0000)), N, N]);
    assert_eq!(test_params(&mut p), Ok(()));
    let TaParam::Memref { buf, .. } = &p.0[1] else { panic!() };
    assert_eq!(buf[0], want);
    assert_eq!(buf[1..], bytes[1..]);
}

#[test]
fn params_other_shapes_are_bad_parameters() {
    for mut p in [
        TaParams::none(),
        TaParams([v(Dir::In, 1, 1), N, N, N]),
        TaParams([v(Dir::InOut, 1, 1), v(Dir::InOut, 1, 1), N, N]),
        TaParams([v(Dir::In, 1, 1), v(Dir::In, 1, 1), v(Dir::Out, 0, 0), N]),
        TaParams([v(Dir::Out, 1, 1), v(Dir::Out, 1, 1), v(Dir::In, 0, 0), v(Dir::In, 0, 0)]),
        TaParams([memref(Dir::In, b"x", NsBuffer::Null), N, N, N]),
    ] {
        assert_eq!(test_params(&mut p), Err(TeeError::BadParameters));
    }
}

#[test]
fn memref_null_wants_one_empty_inout() {
    assert_eq!(memref_null(&TaParams([memref(Dir::InOut, b"", NsBuffer::Null), N, N, N])), Ok(()));
    // Empty is NULL to a pseudo-TA, whatever memory it names.
    assert_eq!(memref_null(&TaParams([memref(Dir::InOut, b"", NsBuffer::Physical(0x4000_0000)), N, N, N])), Ok(()));
    let refused = [
        TaParams([memref(Dir::InOut, b"x", NsBuffer::Null), N, N, N]),
        TaParams([memref(Dir::In, b"", NsBuffer::Null), N, N, N]),
        TaParams([memref(Dir::InOut, b"", NsBuffer::Null), v(Dir::In, 0, 0), N, N]),
    ];
    for p in &refused {
        assert_eq!(memref_null(p), Err(TeeError::BadParameters));
    }
}

/// The MUTEX tests share the PTA's one lock and its counters: run them one
/// at a time (the test harness runs tests in parallel), or "alone" is not.
static MUTEX_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn mutex_writers_and_readers_report_their_counts() {
    let _serial = MUTEX_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    let mut w = TaParams([v(Dir::In, cmd::MUTEX_TEST_WRITER, 1000), v(Dir::Out, 0, 0), N, N]);
    assert_eq!(mutex_test(&mut w), Ok(()));
    // Alone: one waiter on arrival (itself), one holder.
    assert_eq!(w.0[1], v(Dir::Out, 1, 1));
    let mut r = TaParams([v(Dir::In, cmd::MUTEX_TEST_READER, 1000), v(Dir::Out, 0, 0), N, N]);
    assert_eq!(mutex_test(&mut r), Ok(()));
    assert_eq!(r.0[1], v(Dir::Out, 1, 1));
    let mut bad = TaParams([v(Dir::In, 2, 1), v(Dir::Out, 0, 0), N, N]);
    assert_eq!(mutex_test(&mut bad), Err(TeeError::BadParameters));
    let mut shape = TaParams([v(Dir::In, 0, 1), v(Dir::InOut, 0, 0), N, N]);
    assert_eq!(mutex_test(&mut shape), Err(TeeError::BadParameters));
}

#[test]
fn mutex_readers_never_see_a_writer_halfway() {
    let _serial = MUTEX_TESTS.lock().unwrap_or_else(|e| e.into_inner());
    let threads: Vec<_> = (0..6)
        .map(|i| {
            std::thread::spawn(move || {
                let role = if i % 3 == 0 { cmd::MUTEX_TEST_WRITER } else { cmd::MUTEX_TEST_READER };
                for _ in 0..20 {
                    let mut p = TaParams([v(Dir::In, role, 4096), v(Dir::Out, 0, 0), N, N]);
                    assert_eq!(mutex_test(&mut p), Ok(()));
                    let TaParam::Value { b: during, .. } = p.0[1] else { panic!() };
                    if role == cmd::MUTEX_TEST_WRITER {
                        assert_eq!(during, 1, "writers hold the lock alone");
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn self_tests_pass() {
    assert_eq!(self_tests::run(), Ok(()));
}

/// Files in memory: open/create/read/write/truncate/remove/rename as
/// tee-supplicant does them (directories are implicit).
#[derive(Default)]
pub(crate) struct MemFs {
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    fds: BTreeMap<u64, String>,
    next: u64,
}

impl MemFs {
    fn fd(&mut self, name: &str) -> u64 {
        self.next += 1;
        self.fds.insert(self.next, name.to_string());
        self.next
    }
    fn file(&mut self, fd: u64) -> Result<&mut Vec<u8>, TeeError> {
        let name = self.fds.get(&fd).ok_or(TeeError::BadParameters)?.clone();
        self.files.get_mut(&name).ok_or(TeeError::ItemNotFound)
    }
}

impl ReeFs for MemFs {
    fn open(&mut self, name: &str) -> Result<u64, TeeError> {
        if !self.files.contains_key(name) {
            return Err(TeeError::ItemNotFound);
        }
        Ok(self.fd(name))
    }
    fn create(&mut self, name: &str) -> Result<u64, TeeError> {
        self.files.insert(name.to_string(), Vec::new());
        Ok(self.fd(name))
    }
    fn close(&mut self, fd: u64) -> Result<(), TeeError> {
        self.fds.remove(&fd).map(|_| ()).ok_or(TeeError::BadParameters)
    }
    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, TeeError> {
        let f = self.file(fd)?;
        let start = (offset as usize).min(f.len());
        Ok(f[start..(start + len).min(f.len())].to_vec())
    }
    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), TeeError> {
        let f = self.file(fd)?;
        let end = offset as usize + data.len();
        if f.len() < end {
            f.resize(end, 0);
        }
        f[offset as usize..end].copy_from_slice(data);
        Ok(())
    }
    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), TeeError> {
        self.file(fd)?.resize(len as usize, 0);
        Ok(())
    }
    fn remove(&mut self, name: &str) -> Result<(), TeeError> {
        self.files.remove(name).map(|_| ()).ok_or(TeeError::ItemNotFound)
    }
    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), TeeError> {
        if !overwrite && self.files.contains_key(new) {
            return Err(TeeError::AccessConflict);
        }
        let f = self.files.remove(old).ok_or(TeeError::ItemNotFound)?;
        self.files.insert(new.to_string(), f);
        Ok(())
    }
    fn opendir(&mut self, _: &str) -> Result<u64, TeeError> {
        Err(TeeError::ItemNotFound)
    }
    fn closedir(&mut self, _: u64) -> Result<(), TeeError> {
        Ok(())
    }
    fn readdir(&mut self, _: u64) -> Result<String, TeeError> {
        Err(TeeError::ItemNotFound)
    }
    fn pause(&mut self) -> Result<(), TeeError> {
        std::thread::sleep(std::time::Duration::from_millis(1));
        Ok(())
    }
}

#[test]
fn storage_corner_cases_pass_and_leave_nothing_behind() {
    let mut fs = MemFs::default();
    assert_eq!(fs_corner::run(&mut fs), Ok(()));
    assert!(fs.files.is_empty(), "left {:?}", fs.files.keys().collect::<Vec<_>>());
}

/// A file system that loses writes: the damage goes unnoticed only if the
/// checks are not real, so the run must fail.
struct ForgetfulFs(MemFs);

impl ReeFs for ForgetfulFs {
    fn open(&mut self, name: &str) -> Result<u64, TeeError> {
        self.0.open(name)
    }
    fn create(&mut self, name: &str) -> Result<u64, TeeError> {
        self.0.create(name)
    }
    fn close(&mut self, fd: u64) -> Result<(), TeeError> {
        self.0.close(fd)
    }
    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, TeeError> {
        self.0.read(fd, offset, len)
    }
    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), TeeError> {
        // Only whole-file writes of new files land; rewrites are dropped.
        if self.0.file(fd)?.is_empty() { self.0.write(fd, offset, data) } else { Ok(()) }
    }
    fn truncate(&mut self, _: u64, _: u64) -> Result<(), TeeError> {
        Ok(())
    }
    fn remove(&mut self, name: &str) -> Result<(), TeeError> {
        self.0.remove(name)
    }
    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), TeeError> {
        self.0.rename(old, new, overwrite)
    }
    fn opendir(&mut self, name: &str) -> Result<u64, TeeError> {
        self.0.opendir(name)
    }
    fn closedir(&mut self, handle: u64) -> Result<(), TeeError> {
        self.0.closedir(handle)
    }
    fn readdir(&mut self, handle: u64) -> Result<String, TeeError> {
        self.0.readdir(handle)
    }
    fn pause(&mut self) -> Result<(), TeeError> {
        self.0.pause()
    }
}

#[test]
fn storage_corner_cases_notice_when_damage_does_not_happen() {
    let mut fs = ForgetfulFs(MemFs::default());
    assert_eq!(fs_corner::run(&mut fs), Err(TeeError::Generic));
    assert!(fs.0.files.is_empty(), "cleaned up even on failure");
}
