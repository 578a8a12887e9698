//! The REE file system through tee-supplicant: `OPTEE_RPC_CMD_FS`
//! (optee_os 4.5.0 `core/include/optee_rpc_cmd.h`, optee_client
//! `tee-supplicant/src/tee_supp_fs.c`). File names and data travel in
//! `APPL` shared memory allocated with `OPTEE_RPC_CMD_SHM_ALLOC` for the
//! operation and freed after it. The supplicant checks the number and types
//! of parameters strictly, so every request carries exactly the layout its
//! `ree_fs_new_*` handler expects.

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use tee_abi::msg::{RPC_CMD_FS, RPC_SHM_TYPE_APPL};
use tee_abi::result::TeeError;

use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, MsgParam, Param};
use crate::rpc_shm::rpc_msg;
use crate::rpc_shm::{RpcShm, shm_alloc, shm_free};

/// `OPTEE_RPC_FS_*` operations (`value[0].a`).
pub mod op {
    pub const OPEN: u64 = 0;
    pub const CREATE: u64 = 1;
    pub const CLOSE: u64 = 2;
    pub const READ: u64 = 3;
    pub const WRITE: u64 = 4;
    pub const TRUNCATE: u64 = 5;
    pub const REMOVE: u64 = 6;
    pub const RENAME: u64 = 7;
    pub const OPENDIR: u64 = 8;
    pub const CLOSEDIR: u64 = 9;
    pub const READDIR: u64 = 10;
}

/// `TEE_FS_NAME_MAX`: file-name buffers, NUL included.
pub const NAME_MAX: usize = 350;

/// What the object store needs from a file system. Errors are `TEE_Result`
/// codes (`ITEM_NOT_FOUND` for a missing file or the end of a directory).
pub trait ReeFs {
    /// Opens an existing file; its descriptor.
    fn open(&mut self, name: &str) -> Result<u64, TeeError>;
    /// Creates (or truncates) a file, making missing parent directories.
    fn create(&mut self, name: &str) -> Result<u64, TeeError>;
    fn close(&mut self, fd: u64) -> Result<(), TeeError>;
    /// Reads up to `len` bytes at `offset` (fewer at the end of the file).
    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, TeeError>;
    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), TeeError>;
    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), TeeError>;
    fn remove(&mut self, name: &str) -> Result<(), TeeError>;
    /// Renames; without `overwrite` an existing `new` is `ACCESS_CONFLICT`.
    /// With it, tee-supplicant uses rename(2): atomic.
    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), TeeError>;
    /// Opens a directory (`ITEM_NOT_FOUND` if missing or empty).
    fn opendir(&mut self, name: &str) -> Result<u64, TeeError>;
    fn closedir(&mut self, handle: u64) -> Result<(), TeeError>;
    /// The next entry's name (`ITEM_NOT_FOUND` at the end).
    fn readdir(&mut self, handle: u64) -> Result<String, TeeError>;
    /// Waits a moment (about 1 ms) while another update of the same TA's
    /// directory file runs: tee-supplicant's caller sleeps in the normal
    /// world (`OPTEE_RPC_CMD_SUSPEND`).
    fn pause(&mut self) -> Result<(), TeeError>;
}

/// [`ReeFs`] over `OPTEE_RPC_CMD_FS` requests to tee-supplicant.
pub struct RpcFs<'a> {
    env: &'a mut dyn CallEnv,
}

/// An error from the RPC layer, which may still report raw `TEE_Result`s.
pub trait RawError {
    fn tee_error(self) -> TeeError;
}

impl RawError for u32 {
    /// tee-supplicant's answer as an error; a 0 here would be a bug below
    /// us and is not taken for success.
    fn tee_error(self) -> TeeError {
        TeeError::from_raw(self).err().unwrap_or(TeeError::Generic)
    }
}

impl RawError for TeeError {
    fn tee_error(self) -> TeeError {
        self
    }
}

/// `e` as a [`TeeError`].
pub fn error_of(e: impl RawError) -> TeeError {
    e.tee_error()
}

fn value(dir: Dir, a: u64, b: u64, c: u64) -> Param {
    Param::Value { dir, v: [a, b, c] }
}

fn rmem(dir: Dir, shm: &RpcShm, size: u64) -> Param {
    Param::Rmem { dir, offs: 0, size, shm_ref: shm.cookie }
}

fn name_bytes(name: &str) -> Result<Vec<u8>, TeeError> {
    if name.len() + 1 > NAME_MAX || name.as_bytes().contains(&0) {
        return Err(TeeError::BadParameters);
    }
    let mut v = Vec::from(name.as_bytes());
    v.push(0);
    Ok(v)
}

impl<'a> RpcFs<'a> {
    /// Speaks to the supplicant through `env`'s RPC.
    pub fn new(env: &'a mut dyn CallEnv) -> RpcFs<'a> {
        RpcFs { env }
    }

    /// One FS request; the answer's parameters on success.
    fn request(&mut self, params: Vec<Param>) -> Result<Vec<MsgParam>, TeeError> {
        let msg = rpc_msg(RPC_CMD_FS, params);
        let answer = rpc_cmd(self.env, &msg).map_err(error_of)?;
        if answer.ret != 0 {
            return Err(error_of(answer.ret));
        }
        Ok(answer.params)
    }

    /// Runs `f` with an APPL buffer of `size` bytes (at least 1), freed after.
    fn with_shm<T>(
        &mut self,
        size: usize,
        f: impl FnOnce(&mut Self, &RpcShm) -> Result<T, TeeError>,
    ) -> Result<T, TeeError> {
        let shm = shm_alloc(self.env, RPC_SHM_TYPE_APPL, size.max(1) as u64).map_err(error_of)?;
        let r = f(self, &shm);
        shm_free(self.env, RPC_SHM_TYPE_APPL, shm.cookie);
        r
    }

    fn put(&mut self, shm: &RpcShm, at: u64, data: &[u8]) -> Result<(), TeeError> {
        shm.shm.write(self.env.mem(), at, data).map_err(|_| TeeError::Communication)
    }

    /// OPEN / CREATE / OPENDIR: `[in] value(op)`, `[in] name`, `[out] value.a`.
    fn named_handle(&mut self, op: u64, name: &str) -> Result<u64, TeeError> {
        let n = name_bytes(name)?;
        self.with_shm(n.len(), |fs, shm| {
            fs.put(shm, 0, &n)?;
            let back = fs.request(alloc::vec![
                value(Dir::In, op, 0, 0),
                rmem(Dir::In, shm, n.len() as u64),
                value(Dir::Out, 0, 0, 0),
            ])?;
            match back.get(2).map(|p| p.param) {
                Some(Param::Value { v, .. }) => Ok(v[0]),
                _ => Err(TeeError::Communication),
            }
        })
    }
}

fn out_size(p: Option<&MsgParam>) -> Result<u64, TeeError> {
    match p.map(|p| p.param) {
        Some(Param::Rmem { size, .. }) | Some(Param::Tmem { size, .. }) => Ok(size),
        _ => Err(TeeError::Communication),
    }
}

impl ReeFs for RpcFs<'_> {
    fn open(&mut self, name: &str) -> Result<u64, TeeError> {
        self.named_handle(op::OPEN, name)
    }

    fn create(&mut self, name: &str) -> Result<u64, TeeError> {
        self.named_handle(op::CREATE, name)
    }

    fn close(&mut self, fd: u64) -> Result<(), TeeError> {
        self.request(alloc::vec![value(Dir::In, op::CLOSE, fd, 0)]).map(|_| ())
    }

    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, TeeError> {
        if len == 0 {
            return Ok(Vec::new());
        }
        self.with_shm(len, |fs, shm| {
            let back =
                fs.request(alloc::vec![value(Dir::In, op::READ, fd, offset), rmem(Dir::Out, shm, len as u64)])?;
            let got = out_size(back.get(1))?;
            if got > len as u64 {
                return Err(TeeError::Communication);
            }
            let mut data = crate::params::try_zeroed(got as usize).map_err(|_| TeeError::OutOfMemory)?;
            shm.shm.read(fs.env.mem(), 0, &mut data).map_err(|_| TeeError::Communication)?;
            Ok(data)
        })
    }

    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), TeeError> {
        if data.is_empty() {
            return Ok(());
        }
        self.with_shm(data.len(), |fs, shm| {
            fs.put(shm, 0, data)?;
            fs.request(alloc::vec![value(Dir::In, op::WRITE, fd, offset), rmem(Dir::In, shm, data.len() as u64)])
                .map(|_| ())
        })
    }

    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), TeeError> {
        self.request(alloc::vec![value(Dir::In, op::TRUNCATE, fd, len)]).map(|_| ())
    }

    fn remove(&mut self, name: &str) -> Result<(), TeeError> {
        let n = name_bytes(name)?;
        self.with_shm(n.len(), |fs, shm| {
            fs.put(shm, 0, &n)?;
            fs.request(alloc::vec![value(Dir::In, op::REMOVE, 0, 0), rmem(Dir::In, shm, n.len() as u64)]).map(|_| ())
        })
    }

    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), TeeError> {
        let o = name_bytes(old)?;
        let n = name_bytes(new)?;
        // Both names in one buffer: the second at an offset.
        self.with_shm(o.len() + n.len(), |fs, shm| {
            fs.put(shm, 0, &o)?;
            fs.put(shm, o.len() as u64, &n)?;
            fs.request(alloc::vec![
                value(Dir::In, op::RENAME, u64::from(overwrite), 0),
                rmem(Dir::In, shm, o.len() as u64),
                Param::Rmem { dir: Dir::In, offs: o.len() as u64, size: n.len() as u64, shm_ref: shm.cookie },
            ])
            .map(|_| ())
        })
    }

    fn opendir(&mut self, name: &str) -> Result<u64, TeeError> {
        self.named_handle(op::OPENDIR, name)
    }

    fn closedir(&mut self, handle: u64) -> Result<(), TeeError> {
        self.request(alloc::vec![value(Dir::In, op::CLOSEDIR, handle, 0)]).map(|_| ())
    }

    fn readdir(&mut self, handle: u64) -> Result<String, TeeError> {
        self.with_shm(NAME_MAX, |fs, shm| {
            let back =
                fs.request(alloc::vec![value(Dir::In, op::READDIR, handle, 0), rmem(Dir::Out, shm, NAME_MAX as u64)])?;
            let got = out_size(back.get(1))?;
            if got == 0 || got > NAME_MAX as u64 {
                return Err(TeeError::Communication);
            }
            let mut raw = alloc::vec![0u8; got as usize];
            shm.shm.read(fs.env.mem(), 0, &mut raw).map_err(|_| TeeError::Communication)?;
            let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
            String::from_utf8(raw[..end].to_vec()).map_err(|_| TeeError::Communication)
        })
    }

    fn pause(&mut self) -> Result<(), TeeError> {
        crate::syscall::sleep_in_normal_world(self.env, 1)
    }
}
