//! The store as a whole against the normal world: stale, swapped and
//! deleted object files, a damaged or missing directory file, a crash at
//! every step of an update, and concurrent updates of one TA's directory.

extern crate alloc;
extern crate std;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use std::sync::{Arc, Mutex};
use tee_abi::result::TeeError;

use super::super::dirfile::RollbackCounter;
use super::super::fs::ReeFs;
use super::super::object::{TaStore, device_key};
use super::MemFs;

const UUID: [u8; 16] = [0x1c; 16];

fn store() -> TaStore {
    TaStore::new(&device_key(), &UUID)
}

fn fs_with(files: &BTreeMap<String, Vec<u8>>) -> MemFs {
    MemFs { files: files.clone(), ..Default::default() }
}

#[test]
fn a_stale_file_put_back_is_corrupt() {
    let mut fs = MemFs::default();
    let s = store();
    s.commit(&mut fs, b"obj", 0, b"old secret", &[1; 12], false).unwrap();
    let old = fs.files[&s.path(b"obj")].clone();
    s.commit(&mut fs, b"obj", 1, b"new secret", &[2; 12], true).unwrap();
    fs.files.insert(s.path(b"obj"), old.clone());
    assert_eq!(s.load(&mut fs, b"obj").unwrap_err(), TeeError::CorruptObject);
    // Not listed either, and not resurrected by a later update's settling.
    assert!(s.list(&mut fs).unwrap().is_empty());
    // Put back as the pending `.new` of an update: still not the recorded one.
    fs.files.remove(&s.path(b"obj"));
    fs.files.insert(alloc::format!("{}.new", s.path(b"obj")), old);
    assert_eq!(s.load(&mut fs, b"obj").unwrap_err(), TeeError::CorruptObject);
    // The TA may replace a corrupt object.
    s.commit(&mut fs, b"obj", 2, b"fresh", &[3; 12], true).unwrap();
    assert_eq!(s.load(&mut fs, b"obj").unwrap().data, b"fresh");
}

#[test]
fn swapped_or_deleted_files_are_corrupt() {
    let mut fs = MemFs::default();
    let s = store();
    s.commit(&mut fs, b"a", 0, b"aaa", &[1; 12], false).unwrap();
    s.commit(&mut fs, b"b", 0, b"bbb", &[2; 12], false).unwrap();
    let (pa, pb) = (s.path(b"a"), s.path(b"b"));
    let mut swapped = fs_with(&fs.files);
    let (fa, fb) = (fs.files[&pa].clone(), fs.files[&pb].clone());
    swapped.files.insert(pa.clone(), fb);
    swapped.files.insert(pb.clone(), fa);
    assert_eq!(s.load(&mut swapped, b"a").unwrap_err(), TeeError::CorruptObject);
    assert_eq!(s.load(&mut swapped, b"b").unwrap_err(), TeeError::CorruptObject);
    let mut deleted = fs_with(&fs.files);
    deleted.files.remove(&pa);
    assert_eq!(s.load(&mut deleted, b"a").unwrap_err(), TeeError::CorruptObject, "upstream: missing is corrupt");
    assert_eq!(s.load(&mut deleted, b"b").unwrap().data, b"bbb");
    assert_eq!(s.list(&mut deleted).unwrap(), [(b"b".to_vec(), 3)]);
}

#[test]
fn the_directory_file_is_authenticated() {
    let mut fs = MemFs::default();
    let s = store();
    s.commit(&mut fs, b"obj", 0, b"data", &[1; 12], false).unwrap();
    let dir = s.dir_file();
    for at in [0usize, 9, 45, fs.files[&dir].len() - 1] {
        let mut bad = fs_with(&fs.files);
        bad.files.get_mut(&dir).unwrap()[at] ^= 1;
        assert_eq!(s.load(&mut bad, b"obj").unwrap_err(), TeeError::CorruptObject, "byte {at}");
        assert_eq!(s.list(&mut bad).unwrap_err(), TeeError::CorruptObject);
        assert_eq!(s.commit(&mut bad, b"x", 0, b"", &[2; 12], false), Err(TeeError::CorruptObject));
    }
    // Another TA's directory file does not pass for this one's.
    let other = TaStore::new(&device_key(), &[0x2d; 16]);
    other.commit(&mut fs, b"obj", 0, b"other", &[3; 12], false).unwrap();
    let mut moved = fs_with(&fs.files);
    moved.files.insert(dir.clone(), fs.files[&other.dir_file()].clone());
    assert_eq!(s.load(&mut moved, b"obj").unwrap_err(), TeeError::CorruptObject);
    // Without a monotonic counter a removed directory file is an empty
    // store (upstream's `open_dirh` without one): gone, not corrupt.
    let mut removed = fs_with(&fs.files);
    removed.files.remove(&dir);
    assert_eq!(s.load(&mut removed, b"obj").unwrap_err(), TeeError::ItemNotFound);
    // The last object removed leaves no file behind.
    s.remove(&mut fs, b"obj", &[4; 12]).unwrap();
    assert!(!fs.files.keys().any(|k| k.starts_with(s.dir())), "{:?}", fs.files.keys());
}

/// A counter the normal world cannot touch, as a platform would give.
struct TestCounter(Mutex<BTreeMap<String, u64>>);

impl RollbackCounter for TestCounter {
    fn minimum(&self, dir: &str) -> Result<Option<u64>, TeeError> {
        Ok(Some(self.0.lock().unwrap().get(dir).copied().unwrap_or(0)))
    }
    fn advance(&self, dir: &str, generation: u64) -> Result<(), TeeError> {
        self.0.lock().unwrap().insert(String::from(dir), generation);
        Ok(())
    }
}

static COUNTER: TestCounter = TestCounter(Mutex::new(BTreeMap::new()));

#[test]
fn with_a_counter_the_whole_store_cannot_roll_back() {
    let mut fs = MemFs::default();
    let s = TaStore::new(&device_key(), &[0x3e; 16]).with_counter(&COUNTER);
    s.commit(&mut fs, b"obj", 0, b"old", &[1; 12], false).unwrap();
    let snapshot = fs.files.clone();
    s.commit(&mut fs, b"obj", 1, b"new", &[2; 12], true).unwrap();
    // Without a counter the whole old store passes (the limit documented).
    let plain = TaStore::new(&device_key(), &[0x3e; 16]);
    assert_eq!(plain.load(&mut fs_with(&snapshot), b"obj").unwrap().data, b"old");
    assert_eq!(s.load(&mut fs_with(&snapshot), b"obj").unwrap_err(), TeeError::Security);
    let mut gone = fs_with(&fs.files);
    gone.files.remove(&s.dir_file());
    assert_eq!(s.load(&mut gone, b"obj").unwrap_err(), TeeError::Security);
    // With a counter the emptied directory stays as a file.
    s.remove(&mut fs, b"obj", &[3; 12]).unwrap();
    assert_eq!(s.load(&mut fs, b"obj").unwrap_err(), TeeError::ItemNotFound);
}

/// A file system that dies after `left` more operations: that one and
/// every later one fail; a dying write leaves half its bytes.
struct CrashFs {
    fs: MemFs,
    left: usize,
}

impl CrashFs {
    fn step(&mut self) -> Result<(), TeeError> {
        if self.left == 0 {
            return Err(TeeError::Generic);
        }
        self.left -= 1;
        Ok(())
    }
}

impl ReeFs for CrashFs {
    fn open(&mut self, name: &str) -> Result<u64, TeeError> {
        self.step()?;
        self.fs.open(name)
    }
    fn create(&mut self, name: &str) -> Result<u64, TeeError> {
        self.step()?;
        self.fs.create(name)
    }
    fn close(&mut self, fd: u64) -> Result<(), TeeError> {
        self.step()?;
        self.fs.close(fd)
    }
    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, TeeError> {
        self.step()?;
        self.fs.read(fd, offset, len)
    }
    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), TeeError> {
        if self.left == 0 {
            self.fs.fail_write_in = Some(0);
        }
        self.fs.write(fd, offset, data)
    }
    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), TeeError> {
        self.step()?;
        self.fs.truncate(fd, len)
    }
    fn remove(&mut self, name: &str) -> Result<(), TeeError> {
        self.step()?;
        self.fs.remove(name)
    }
    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), TeeError> {
        self.step()?;
        self.fs.rename(old, new, overwrite)
    }
    fn opendir(&mut self, name: &str) -> Result<u64, TeeError> {
        self.step()?;
        self.fs.opendir(name)
    }
    fn closedir(&mut self, handle: u64) -> Result<(), TeeError> {
        self.step()?;
        self.fs.closedir(handle)
    }
    fn readdir(&mut self, handle: u64) -> Result<String, TeeError> {
        self.step()?;
        self.fs.readdir(handle)
    }
    fn pause(&mut self) -> Result<(), TeeError> {
        self.fs.pause()
    }
}

/// Runs `update` on a copy of `files` dying after each number of
/// operations in turn; the files each crash leaves, and the completed run's.
fn crashes(
    files: &BTreeMap<String, Vec<u8>>,
    update: impl Fn(&mut dyn ReeFs) -> Result<(), TeeError>,
) -> Vec<BTreeMap<String, Vec<u8>>> {
    let mut out = Vec::new();
    for left in 0.. {
        let mut fs = CrashFs { fs: fs_with(files), left };
        let done = update(&mut fs).is_ok();
        out.push(fs.fs.files);
        if done {
            return out;
        }
    }
    unreachable!()
}

fn data_of(s: &TaStore, files: &BTreeMap<String, Vec<u8>>, id: &[u8]) -> Result<Vec<u8>, TeeError> {
    s.load(&mut fs_with(files), id).map(|o| o.data)
}

#[test]
fn a_crash_at_any_step_of_an_update_leaves_it_wholly_old_or_new() {
    let s = store();
    let mut fs = MemFs::default();
    s.commit(&mut fs, b"obj", 0, &[1; 3000], &[1; 12], false).unwrap();
    s.commit(&mut fs, b"other", 0, b"x", &[1; 12], false).unwrap();
    let (v0, v1, v2) = (alloc::vec![1u8; 3000], alloc::vec![2u8; 2000], alloc::vec![3u8; 1000]);
    let first = crashes(&fs.files, |fs| s.commit(fs, b"obj", 1, &v1, &[2; 12], true));
    assert!(first.len() > 8, "every step tried");
    for (i, after) in first.iter().enumerate() {
        let got = data_of(&s, after, b"obj").unwrap();
        assert!(got == v0 || got == v1, "crash at step {i}");
        assert_eq!(data_of(&s, after, b"other").unwrap(), b"x");
        // A second update crashing anywhere, before anything read the
        // first one back, never loses the first one's committed data.
        for (j, again) in crashes(after, |fs| s.commit(fs, b"obj", 2, &v2, &[3; 12], true)).iter().enumerate() {
            let now = data_of(&s, again, b"obj").unwrap();
            assert!(now == got || now == v2, "crash at step {i}, then {j}");
        }
    }
    assert_eq!(data_of(&s, first.last().unwrap(), b"obj").unwrap(), v1);
}

#[test]
fn a_crash_during_create_rename_or_remove_is_all_or_nothing() {
    let s = store();
    let mut fs = MemFs::default();
    s.commit(&mut fs, b"old", 0, b"moving", &[1; 12], false).unwrap();
    for after in crashes(&fs.files, |fs| s.commit(fs, b"born", 0, b"new", &[2; 12], false)) {
        let born = data_of(&s, &after, b"born");
        assert!(born == Err(TeeError::ItemNotFound) || born.as_deref() == Ok(&b"new"[..]), "{born:?}");
    }
    let obj = s.load(&mut fs, b"old").unwrap();
    for after in crashes(&fs.files, |fs| s.rename(fs, b"old", b"moved", &obj, &[3; 12])) {
        let (old, moved) = (data_of(&s, &after, b"old"), data_of(&s, &after, b"moved"));
        let before = old.as_deref() == Ok(&b"moving"[..]) && moved == Err(TeeError::ItemNotFound);
        let done = old == Err(TeeError::ItemNotFound) && moved.as_deref() == Ok(&b"moving"[..]);
        assert!(before || done, "{old:?} {moved:?}");
    }
    for after in crashes(&fs.files, |fs| s.remove(fs, b"old", &[4; 12])) {
        let old = data_of(&s, &after, b"old");
        assert!(old == Err(TeeError::ItemNotFound) || old.as_deref() == Ok(&b"moving"[..]), "{old:?}");
    }
}

/// One file system shared by several threads.
struct SharedFs(Arc<Mutex<MemFs>>);

impl ReeFs for SharedFs {
    fn open(&mut self, name: &str) -> Result<u64, TeeError> {
        self.0.lock().unwrap().open(name)
    }
    fn create(&mut self, name: &str) -> Result<u64, TeeError> {
        self.0.lock().unwrap().create(name)
    }
    fn close(&mut self, fd: u64) -> Result<(), TeeError> {
        self.0.lock().unwrap().close(fd)
    }
    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, TeeError> {
        let r = self.0.lock().unwrap().read(fd, offset, len);
        // Let the other thread in between (an RPC's round trip).
        std::thread::yield_now();
        r
    }
    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), TeeError> {
        self.0.lock().unwrap().write(fd, offset, data)
    }
    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), TeeError> {
        self.0.lock().unwrap().truncate(fd, len)
    }
    fn remove(&mut self, name: &str) -> Result<(), TeeError> {
        self.0.lock().unwrap().remove(name)
    }
    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), TeeError> {
        self.0.lock().unwrap().rename(old, new, overwrite)
    }
    fn opendir(&mut self, name: &str) -> Result<u64, TeeError> {
        self.0.lock().unwrap().opendir(name)
    }
    fn closedir(&mut self, handle: u64) -> Result<(), TeeError> {
        self.0.lock().unwrap().closedir(handle)
    }
    fn readdir(&mut self, handle: u64) -> Result<String, TeeError> {
        self.0.lock().unwrap().readdir(handle)
    }
    fn pause(&mut self) -> Result<(), TeeError> {
        std::thread::sleep(std::time::Duration::from_millis(1));
        Ok(())
    }
}

/// Two instances of one TA creating objects at once: no update of the
/// directory file is lost.
#[test]
fn concurrent_updates_of_one_directory_are_serialised() {
    const EACH: usize = 25;
    let uuid = [0x4f; 16];
    let shared = Arc::new(Mutex::new(MemFs::default()));
    let threads: Vec<_> = (0..2u8)
        .map(|t| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let s = TaStore::new(&device_key(), &uuid);
                let mut fs = SharedFs(shared);
                for i in 0..EACH {
                    let id = alloc::format!("t{t}-{i}");
                    s.commit(&mut fs, id.as_bytes(), 0, id.as_bytes(), &[t; 12], false).unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let s = TaStore::new(&device_key(), &uuid);
    let mut fs = SharedFs(shared);
    assert_eq!(s.list(&mut fs).unwrap().len(), 2 * EACH);
}
