//! The normal world of the host TEE: RAM for the kernel's RPC argument and
//! shared buffers, and a tee-supplicant that serves what the kernel asks
//! for (`OPTEE_RPC_CMD_SHM_ALLOC`/`FREE`, the REE file system
//! `OPTEE_RPC_CMD_FS` on a temporary directory, `OPTEE_RPC_CMD_SUSPEND`
//! for `TEE_Wait`). The protocol is the one the kernel's own tests check
//! (`kernel/src/storage/tests/rpc.rs`); errors are answered, never panics.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use kernel::call_env::{ArgLocation, CallEnv};
use kernel::msg::{Dir, MsgArg, MsgParam, Param};
use kernel::shm::NsMemory;
use kernel::storage::fs::op;
use tee_abi::msg::{RPC_CMD_FS, RPC_CMD_SHM_ALLOC, RPC_CMD_SHM_FREE, RPC_CMD_SUSPEND};
use tee_abi::result::TeeError;

/// Fake normal-world RAM: the RPC argument at its base, buffers after it.
const RAM_BASE: u64 = 0x4000_0000;
const RAM_SIZE: usize = 32 << 20;
const ARG_PA: u64 = RAM_BASE;
const SHM_BASE: u64 = RAM_BASE + 0x1000;

pub(super) struct Supplicant {
    ram: Vec<u8>,
    /// cookie → (pa, len) of the buffers the kernel allocated.
    shms: BTreeMap<u64, (u64, u64)>,
    next_cookie: u64,
    fs: DirFs,
}

/// The kernel's view of the normal world: [`CallEnv`] and its memory.
pub(super) struct EnvHandle(pub(super) Rc<RefCell<Supplicant>>);

impl Supplicant {
    pub(super) fn new() -> Supplicant {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let root = std::env::temp_dir().join(format!("ta-sdk-host-{}-{n}", std::process::id()));
        Supplicant { ram: vec![0; RAM_SIZE], shms: BTreeMap::new(), next_cookie: 0, fs: DirFs::new(root) }
    }

    pub(super) fn root(&self) -> &Path {
        &self.fs.root
    }

    fn read(&self, pa: u64, len: u64) -> Option<&[u8]> {
        let at = usize::try_from(pa.checked_sub(RAM_BASE)?).ok()?;
        self.ram.get(at..at.checked_add(usize::try_from(len).ok()?)?)
    }

    fn write(&mut self, pa: u64, data: &[u8]) -> Option<()> {
        let at = usize::try_from(pa.checked_sub(RAM_BASE)?).ok()?;
        self.ram.get_mut(at..at.checked_add(data.len())?)?.copy_from_slice(data);
        Some(())
    }

    /// First fit among the live buffers, page-aligned.
    fn alloc(&mut self, len: u64) -> Option<u64> {
        let need = len.max(1).div_ceil(4096) * 4096;
        let mut used: Vec<(u64, u64)> = self.shms.values().copied().collect();
        used.sort_unstable();
        let mut at = SHM_BASE;
        for (pa, l) in used {
            if pa >= at + need {
                break;
            }
            at = at.max((pa + l).div_ceil(4096) * 4096);
        }
        (at + need <= RAM_BASE + RAM_SIZE as u64).then_some(at)
    }

    /// An RMEM parameter's (pa, size) inside its buffer.
    fn buf(&self, p: &Param) -> Result<(u64, u64), TeeError> {
        let Param::Rmem { offs, size, shm_ref, .. } = *p else { return Err(TeeError::BadParameters) };
        let (pa, len) = *self.shms.get(&shm_ref).ok_or(TeeError::BadParameters)?;
        if offs.checked_add(size).is_none_or(|end| end > len) {
            return Err(TeeError::BadParameters);
        }
        Ok((pa + offs, size))
    }

    /// A NUL-terminated file name.
    fn name(&self, p: &Param) -> Result<String, TeeError> {
        let (pa, size) = self.buf(p)?;
        let bytes = self.read(pa, size).ok_or(TeeError::BadParameters)?;
        let bytes = bytes.strip_suffix(&[0]).ok_or(TeeError::BadParameters)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| TeeError::BadParameters)
    }

    fn value(msg: &MsgArg, i: usize) -> Result<[u64; 3], TeeError> {
        match msg.params.get(i).map(|p| &p.param) {
            Some(Param::Value { v, .. }) => Ok(*v),
            _ => Err(TeeError::BadParameters),
        }
    }

    fn serve(&mut self, msg: &mut MsgArg) -> Result<(), TeeError> {
        match msg.cmd {
            RPC_CMD_SHM_ALLOC => {
                let len = Self::value(msg, 0)?[1];
                let pa = self.alloc(len).ok_or(TeeError::OutOfMemory)?;
                self.next_cookie += 1;
                self.shms.insert(self.next_cookie, (pa, len));
                msg.params[0].param =
                    Param::Tmem { dir: Dir::Out, buf_ptr: pa, size: len, shm_ref: self.next_cookie, noncontig: false };
                Ok(())
            }
            RPC_CMD_SHM_FREE => {
                let cookie = Self::value(msg, 0)?[1];
                self.shms.remove(&cookie).map(drop).ok_or(TeeError::BadParameters)
            }
            RPC_CMD_SUSPEND => {
                let ms = Self::value(msg, 0)?[0];
                std::thread::sleep(std::time::Duration::from_millis(ms));
                Ok(())
            }
            RPC_CMD_FS => self.serve_fs(msg),
            _ => Err(TeeError::NotSupported),
        }
    }

    fn set_out(msg: &mut MsgArg, i: usize, v: [u64; 3]) {
        msg.params[i] = MsgParam { meta: false, param: Param::Value { dir: Dir::Out, v } };
    }

    fn set_size(msg: &mut MsgArg, i: usize, n: u64) {
        if let Param::Rmem { size, .. } = &mut msg.params[i].param {
            *size = n;
        }
    }

    fn serve_fs(&mut self, msg: &mut MsgArg) -> Result<(), TeeError> {
        let v = Self::value(msg, 0)?;
        let param = |i: usize| msg.params.get(i).map(|p| p.param).ok_or(TeeError::BadParameters);
        match v[0] {
            op::OPEN | op::CREATE | op::OPENDIR => {
                let name = self.name(&param(1)?)?;
                let h = match v[0] {
                    op::OPEN => self.fs.open(&name),
                    op::CREATE => self.fs.create(&name),
                    _ => self.fs.opendir(&name),
                }?;
                param(2)?;
                Self::set_out(msg, 2, [h, 0, 0]);
                Ok(())
            }
            op::CLOSE => self.fs.close(v[1]),
            op::TRUNCATE => self.fs.truncate(v[1], v[2]),
            op::CLOSEDIR => self.fs.dirs.remove(&v[1]).map(drop).ok_or(TeeError::BadParameters),
            op::READ => {
                let (pa, size) = self.buf(&param(1)?)?;
                let data = self.fs.read(v[1], v[2], size)?;
                self.write(pa, &data).ok_or(TeeError::BadParameters)?;
                Self::set_size(msg, 1, data.len() as u64);
                Ok(())
            }
            op::WRITE => {
                let (pa, size) = self.buf(&param(1)?)?;
                let data = self.read(pa, size).ok_or(TeeError::BadParameters)?.to_vec();
                self.fs.write(v[1], v[2], &data)
            }
            op::REMOVE => {
                let name = self.name(&param(1)?)?;
                self.fs.remove(&name)
            }
            op::RENAME => {
                let (old, new) = (self.name(&param(1)?)?, self.name(&param(2)?)?);
                self.fs.rename(&old, &new, v[1] != 0)
            }
            op::READDIR => {
                let (pa, size) = self.buf(&param(1)?)?;
                let mut name = self.fs.readdir(v[1])?.into_bytes();
                name.push(0);
                if name.len() as u64 > size {
                    return Err(TeeError::ShortBuffer);
                }
                self.write(pa, &name).ok_or(TeeError::BadParameters)?;
                Self::set_size(msg, 1, name.len() as u64);
                Ok(())
            }
            _ => Err(TeeError::NotSupported),
        }
    }
}

impl NsMemory for EnvHandle {
    fn ram(&self) -> (u64, u64) {
        (RAM_BASE, RAM_BASE + RAM_SIZE as u64)
    }

    unsafe fn read_unchecked(&self, pa: u64, buf: &mut [u8]) {
        let s = self.0.borrow();
        // In range: the caller checked it against `ram()` (the contract).
        if let Some(src) = s.read(pa, buf.len() as u64) {
            buf.copy_from_slice(src);
        }
    }

    unsafe fn write_unchecked(&self, pa: u64, buf: &[u8]) {
        let _ = self.0.borrow_mut().write(pa, buf);
    }
}

impl CallEnv for EnvHandle {
    fn mem(&self) -> &dyn NsMemory {
        self
    }

    fn rpc_arg(&self) -> Option<&ArgLocation> {
        const ARG: ArgLocation = ArgLocation::Physical(ARG_PA);
        Some(&ARG)
    }

    fn switch_to_normal_world(&mut self, _: [u64; 3]) -> [u64; 4] {
        let mut s = self.0.borrow_mut();
        let raw = s.read(ARG_PA, tee_abi::msg::arg_size(4) as u64).map(<[u8]>::to_vec);
        let Some(mut msg) = raw.and_then(|raw| MsgArg::parse(&raw).ok()) else {
            return [0; 4];
        };
        msg.ret = match s.serve(&mut msg) {
            Ok(()) => 0,
            Err(e) => e.code(),
        };
        let mut out = vec![0u8; msg.encoded_len()];
        if msg.encode(&mut out).is_ok() {
            let _ = s.write(ARG_PA, &out);
        }
        [0; 4]
    }
}

/// tee-supplicant's REE file system on a directory (removed on drop).
struct DirFs {
    root: PathBuf,
    fds: BTreeMap<u64, File>,
    dirs: BTreeMap<u64, Vec<String>>,
    next: u64,
}

fn io_error(e: std::io::Error) -> TeeError {
    match e.kind() {
        ErrorKind::NotFound => TeeError::ItemNotFound,
        ErrorKind::AlreadyExists => TeeError::AccessConflict,
        ErrorKind::StorageFull => TeeError::StorageNoSpace,
        _ => TeeError::Generic,
    }
}

impl DirFs {
    fn new(root: PathBuf) -> DirFs {
        DirFs { root, fds: BTreeMap::new(), dirs: BTreeMap::new(), next: 0 }
    }

    fn path(&self, name: &str) -> Result<PathBuf, TeeError> {
        if name.split('/').any(|part| part == "..") {
            return Err(TeeError::BadParameters);
        }
        Ok(self.root.join(name.trim_start_matches('/')))
    }

    fn fd(&mut self, file: File) -> u64 {
        self.next += 1;
        self.fds.insert(self.next, file);
        self.next
    }

    fn file(&mut self, fd: u64) -> Result<&mut File, TeeError> {
        self.fds.get_mut(&fd).ok_or(TeeError::BadParameters)
    }

    fn open(&mut self, name: &str) -> Result<u64, TeeError> {
        let file = File::options().read(true).write(true).open(self.path(name)?).map_err(io_error)?;
        Ok(self.fd(file))
    }

    fn create(&mut self, name: &str) -> Result<u64, TeeError> {
        let path = self.path(name)?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io_error)?;
        }
        let file = File::options().read(true).write(true).create(true).truncate(true).open(path).map_err(io_error)?;
        Ok(self.fd(file))
    }

    fn close(&mut self, fd: u64) -> Result<(), TeeError> {
        self.fds.remove(&fd).map(drop).ok_or(TeeError::BadParameters)
    }

    fn read(&mut self, fd: u64, offset: u64, len: u64) -> Result<Vec<u8>, TeeError> {
        let file = self.file(fd)?;
        file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
        let mut data = Vec::new();
        file.take(len).read_to_end(&mut data).map_err(io_error)?;
        Ok(data)
    }

    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), TeeError> {
        let file = self.file(fd)?;
        file.seek(SeekFrom::Start(offset)).map_err(io_error)?;
        file.write_all(data).map_err(io_error)
    }

    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), TeeError> {
        self.file(fd)?.set_len(len).map_err(io_error)
    }

    fn remove(&mut self, name: &str) -> Result<(), TeeError> {
        fs::remove_file(self.path(name)?).map_err(io_error)
    }

    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), TeeError> {
        let (old, new) = (self.path(old)?, self.path(new)?);
        if !overwrite && new.exists() {
            return Err(TeeError::AccessConflict);
        }
        if let Some(dir) = new.parent() {
            fs::create_dir_all(dir).map_err(io_error)?;
        }
        fs::rename(old, new).map_err(io_error)
    }

    fn opendir(&mut self, name: &str) -> Result<u64, TeeError> {
        let mut names = Vec::new();
        for entry in fs::read_dir(self.path(name)?).map_err(io_error)? {
            let entry = entry.map_err(io_error)?;
            if entry.file_type().is_ok_and(|t| t.is_file()) {
                names.push(entry.file_name().to_string_lossy().into_owned());
            }
        }
        names.sort();
        self.next += 1;
        self.dirs.insert(self.next, names);
        Ok(self.next)
    }

    fn readdir(&mut self, handle: u64) -> Result<String, TeeError> {
        let names = self.dirs.get_mut(&handle).ok_or(TeeError::BadParameters)?;
        if names.is_empty() { Err(TeeError::ItemNotFound) } else { Ok(names.remove(0)) }
    }
}

impl Drop for DirFs {
    fn drop(&mut self) {
        self.fds.clear();
        let _ = fs::remove_dir_all(&self.root);
    }
}
