//! Host tests: the object store over an in-memory file system (here), the
//! FS RPC client against a fake tee-supplicant (`rpc`), and the syscalls
//! end to end (`syscalls`).

extern crate alloc;
extern crate std;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::fs::ReeFs;
use super::object::{TaStore, device_key};

/// A file system in memory, with tee-supplicant's semantics.
#[derive(Default)]
struct MemFs {
    files: BTreeMap<String, Vec<u8>>,
    fds: BTreeMap<u64, String>,
    dirs: BTreeMap<u64, Vec<String>>,
    next: u64,
    /// Fail the n-th write from now (simulated crash mid-write).
    fail_write_in: Option<usize>,
    /// Fail this many creates from now (a lost directory race).
    fail_creates: usize,
}

impl MemFs {
    fn fd(&mut self, name: &str) -> u64 {
        self.next += 1;
        self.fds.insert(self.next, name.to_string());
        self.next
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
        if self.fail_creates > 0 {
            self.fail_creates -= 1;
            return Err(TeeError::Generic);
        }
        self.files.insert(name.to_string(), Vec::new());
        Ok(self.fd(name))
    }
    fn close(&mut self, fd: u64) -> Result<(), TeeError> {
        self.fds.remove(&fd).map(|_| ()).ok_or(TeeError::BadParameters)
    }
    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, TeeError> {
        let f = &self.files[&self.fds[&fd]];
        let s = (offset as usize).min(f.len());
        Ok(f[s..(s + len).min(f.len())].to_vec())
    }
    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), TeeError> {
        if let Some(n) = self.fail_write_in.as_mut() {
            if *n == 0 {
                // Half the bytes reach the disk, then the machine dies.
                let name = self.fds[&fd].clone();
                let f = self.files.get_mut(&name).unwrap();
                f.extend_from_slice(&data[..data.len() / 2]);
                return Err(TeeError::Generic);
            }
            *n -= 1;
        }
        let name = self.fds[&fd].clone();
        let f = self.files.get_mut(&name).ok_or(TeeError::ItemNotFound)?;
        let end = offset as usize + data.len();
        if f.len() < end {
            f.resize(end, 0);
        }
        f[offset as usize..end].copy_from_slice(data);
        Ok(())
    }
    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), TeeError> {
        let name = self.fds[&fd].clone();
        self.files.get_mut(&name).unwrap().resize(len as usize, 0);
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
    fn opendir(&mut self, name: &str) -> Result<u64, TeeError> {
        let prefix = alloc::format!("{name}/");
        let list: Vec<String> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .filter(|r| !r.contains('/'))
            .map(|r| r.to_string())
            .collect();
        if list.is_empty() {
            return Err(TeeError::ItemNotFound);
        }
        self.next += 1;
        self.dirs.insert(self.next, list);
        Ok(self.next)
    }
    fn closedir(&mut self, handle: u64) -> Result<(), TeeError> {
        self.dirs.remove(&handle).map(|_| ()).ok_or(TeeError::BadParameters)
    }
    fn readdir(&mut self, handle: u64) -> Result<String, TeeError> {
        let d = self.dirs.get_mut(&handle).ok_or(TeeError::BadParameters)?;
        if d.is_empty() { Err(TeeError::ItemNotFound) } else { Ok(d.remove(0)) }
    }
    fn pause(&mut self) -> Result<(), TeeError> {
        std::thread::sleep(std::time::Duration::from_millis(1));
        Ok(())
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
    assert_eq!(s.load(&mut fs, b"obj").unwrap_err(), TeeError::ItemNotFound);
    s.commit(&mut fs, b"obj", 0, b"hello", &[1; 12], false).unwrap();
    let got = s.load(&mut fs, b"obj").unwrap();
    assert_eq!((got.id.as_slice(), got.data.as_slice(), got.generation), (&b"obj"[..], &b"hello"[..], 0));
    assert_eq!(s.commit(&mut fs, b"obj", 0, b"x", &[2; 12], false), Err(TeeError::AccessConflict));
    s.commit(&mut fs, b"obj", 1, b"world!", &[3; 12], true).unwrap();
    assert_eq!(s.load(&mut fs, b"obj").unwrap().data, b"world!");
    // The plaintext is nowhere in the file.
    let file = &fs.files[&s.path(b"obj")];
    assert!(!file.windows(6).any(|w| w == b"world!"));
    assert_eq!(fs.files.len(), 2, "the object and the directory file, no .new left behind");
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
        assert_eq!(a.load(&mut f, b"one").unwrap_err(), TeeError::CorruptObject, "byte {at}");
    }
    // "two"'s file put in place of "one".
    let mut f = MemFs { files: fs.files.clone(), ..Default::default() };
    let two = f.files[&a.path(b"two")].clone();
    f.files.insert(a.path(b"one"), two.clone());
    assert_eq!(a.load(&mut f, b"one").unwrap_err(), TeeError::CorruptObject);
    // TA A's file copied into TA B's directory under the same ID: not an
    // object of B's, and not B's object "two" either.
    f.files.insert(b.path(b"two"), two.clone());
    assert_eq!(b.load(&mut f, b"two").unwrap_err(), TeeError::ItemNotFound);
    b.commit(&mut f, b"two", 0, b"B's two", &[3; 12], false).unwrap();
    f.files.insert(b.path(b"two"), two);
    assert_eq!(b.load(&mut f, b"two").unwrap_err(), TeeError::CorruptObject);
    // Truncated file.
    let mut f = MemFs { files: fs.files.clone(), ..Default::default() };
    f.files.get_mut(&a.path(b"one")).unwrap().truncate(50);
    assert_eq!(a.load(&mut f, b"one").unwrap_err(), TeeError::CorruptObject);
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
    assert_eq!(a.rename(&mut fs, b"x", b"y", &x, &[4; 12]), Err(TeeError::AccessConflict));
    a.rename(&mut fs, b"x", b"w", &x, &[4; 12]).unwrap();
    assert_eq!(a.load(&mut fs, b"x").unwrap_err(), TeeError::ItemNotFound);
    assert_eq!(a.load(&mut fs, b"w").unwrap().data, b"1");
    assert_eq!(b.list(&mut fs).unwrap(), [(b"z".to_vec(), 3)]);
}

/// A CREATE that loses tee-supplicant's directory race is asked again,
/// a few times.
#[test]
fn creates_are_retried() {
    let mut fs = MemFs::default();
    let s = TaStore::new(&device_key(), &UUID_A);
    fs.fail_creates = 3;
    s.commit(&mut fs, b"obj", 0, b"hello", &[1; 12], false).unwrap();
    assert_eq!(s.load(&mut fs, b"obj").unwrap().data, b"hello");
    fs.fail_creates = 4;
    assert_eq!(s.commit(&mut fs, b"obj", 1, b"x", &[2; 12], true), Err(TeeError::Generic));
    assert_eq!(s.load(&mut fs, b"obj").unwrap().data, b"hello", "unchanged");
}

/// Listings come from the directory file: other files in the TA's
/// directory are not objects, and the directory holds at most
/// `MAX_ENTRIES` objects (STORAGE_NO_SPACE past it).
#[test]
fn listings_come_from_the_directory_and_are_bounded() {
    use super::dirfile::{Directory, MAX_ENTRIES};
    let mut fs = MemFs::default();
    let a = TaStore::new(&device_key(), &UUID_A);
    a.commit(&mut fs, b"x", 0, b"1", &[1; 12], false).unwrap();
    for i in 0..10 {
        fs.files.insert(alloc::format!("{}/junk{i}", a.dir()), Vec::new());
    }
    // A valid object file the directory does not name (a copy).
    let copy = fs.files[&a.path(b"x")].clone();
    fs.files.insert(a.path(b"y"), copy);
    assert_eq!(a.list(&mut fs).unwrap(), [(b"x".to_vec(), 1)]);
    assert_eq!(a.load(&mut fs, b"y").unwrap_err(), TeeError::ItemNotFound);
    let mut d = Directory::default();
    for i in 0..MAX_ENTRIES {
        let mut tag = [0u8; 32];
        tag[..8].copy_from_slice(&(i as u64).to_le_bytes());
        d.set(tag, [0; 32]).unwrap();
    }
    d.set([0; 32], [1; 32]).unwrap();
    assert_eq!(d.set([0xff; 32], [0; 32]), Err(TeeError::StorageNoSpace));
    let key = [9u8; 32];
    let file = d.seal(&key, &[1; 12]).unwrap();
    assert_eq!(Directory::open(&key, &file).unwrap(), d);
}

mod instances;
mod integrity;
mod keys;
mod rpc;
mod syscalls;
