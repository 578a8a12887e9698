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
use tee_abi::result;

use crate::call_env::{CallEnv, rpc_cmd};
use crate::msg::{Dir, MsgArg, MsgParam, Param};
use crate::user_ta::store::{RpcShm, shm_alloc, shm_free};

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
    fn open(&mut self, name: &str) -> Result<u64, u32>;
    /// Creates (or truncates) a file, making missing parent directories.
    fn create(&mut self, name: &str) -> Result<u64, u32>;
    fn close(&mut self, fd: u64) -> Result<(), u32>;
    /// Reads up to `len` bytes at `offset` (fewer at the end of the file).
    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, u32>;
    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), u32>;
    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), u32>;
    fn remove(&mut self, name: &str) -> Result<(), u32>;
    /// Renames; without `overwrite` an existing `new` is `ACCESS_CONFLICT`.
    /// With it, tee-supplicant uses rename(2): atomic.
    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), u32>;
    /// Opens a directory (`ITEM_NOT_FOUND` if missing or empty).
    fn opendir(&mut self, name: &str) -> Result<u64, u32>;
    fn closedir(&mut self, handle: u64) -> Result<(), u32>;
    /// The next entry's name (`ITEM_NOT_FOUND` at the end).
    fn readdir(&mut self, handle: u64) -> Result<String, u32>;
}

/// [`ReeFs`] over `OPTEE_RPC_CMD_FS` requests to tee-supplicant.
pub struct RpcFs<'a> {
    env: &'a mut dyn CallEnv,
}

fn value(dir: Dir, a: u64, b: u64, c: u64) -> Param {
    Param::Value { dir, v: [a, b, c] }
}

fn rmem(dir: Dir, shm: &RpcShm, size: u64) -> Param {
    Param::Rmem { dir, offs: 0, size, shm_ref: shm.cookie }
}

fn name_bytes(name: &str) -> Result<Vec<u8>, u32> {
    if name.len() + 1 > NAME_MAX || name.as_bytes().contains(&0) {
        return Err(result::ERROR_BAD_PARAMETERS);
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
    fn request(&mut self, params: Vec<Param>) -> Result<Vec<MsgParam>, u32> {
        let msg = MsgArg {
            cmd: RPC_CMD_FS,
            func: 0,
            session: 0,
            cancel_id: 0,
            ret: 0,
            ret_origin: 0,
            params: params.into_iter().map(|param| MsgParam { meta: false, param }).collect(),
        };
        let answer = rpc_cmd(self.env, &msg)?;
        if answer.ret != result::SUCCESS {
            return Err(answer.ret);
        }
        Ok(answer.params)
    }

    /// Runs `f` with an APPL buffer of `size` bytes (at least 1), freed after.
    fn with_shm<T>(&mut self, size: usize, f: impl FnOnce(&mut Self, &RpcShm) -> Result<T, u32>) -> Result<T, u32> {
        let shm = shm_alloc(self.env, RPC_SHM_TYPE_APPL, size.max(1) as u64)?;
        let r = f(self, &shm);
        shm_free(self.env, RPC_SHM_TYPE_APPL, shm.cookie);
        r
    }

    fn put(&mut self, shm: &RpcShm, at: u64, data: &[u8]) -> Result<(), u32> {
        shm.shm.write(self.env.mem(), at, data).map_err(|_| result::ERROR_COMMUNICATION)
    }

    /// OPEN / CREATE / OPENDIR: `[in] value(op)`, `[in] name`, `[out] value.a`.
    fn named_handle(&mut self, op: u64, name: &str) -> Result<u64, u32> {
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
                _ => Err(result::ERROR_COMMUNICATION),
            }
        })
    }
}

fn out_size(p: Option<&MsgParam>) -> Result<u64, u32> {
    match p.map(|p| p.param) {
        Some(Param::Rmem { size, .. }) | Some(Param::Tmem { size, .. }) => Ok(size),
        _ => Err(result::ERROR_COMMUNICATION),
    }
}

impl ReeFs for RpcFs<'_> {
    fn open(&mut self, name: &str) -> Result<u64, u32> {
        self.named_handle(op::OPEN, name)
    }

    fn create(&mut self, name: &str) -> Result<u64, u32> {
        self.named_handle(op::CREATE, name)
    }

    fn close(&mut self, fd: u64) -> Result<(), u32> {
        self.request(alloc::vec![value(Dir::In, op::CLOSE, fd, 0)]).map(|_| ())
    }

    fn read(&mut self, fd: u64, offset: u64, len: usize) -> Result<Vec<u8>, u32> {
        if len == 0 {
            return Ok(Vec::new());
        }
        self.with_shm(len, |fs, shm| {
            let back =
                fs.request(alloc::vec![value(Dir::In, op::READ, fd, offset), rmem(Dir::Out, shm, len as u64)])?;
            let got = out_size(back.get(1))?;
            if got > len as u64 {
                return Err(result::ERROR_COMMUNICATION);
            }
            let mut data = crate::params::try_zeroed(got as usize)?;
            shm.shm.read(fs.env.mem(), 0, &mut data).map_err(|_| result::ERROR_COMMUNICATION)?;
            Ok(data)
        })
    }

    fn write(&mut self, fd: u64, offset: u64, data: &[u8]) -> Result<(), u32> {
        if data.is_empty() {
            return Ok(());
        }
        self.with_shm(data.len(), |fs, shm| {
            fs.put(shm, 0, data)?;
            fs.request(alloc::vec![value(Dir::In, op::WRITE, fd, offset), rmem(Dir::In, shm, data.len() as u64)])
                .map(|_| ())
        })
    }

    fn truncate(&mut self, fd: u64, len: u64) -> Result<(), u32> {
        self.request(alloc::vec![value(Dir::In, op::TRUNCATE, fd, len)]).map(|_| ())
    }

    fn remove(&mut self, name: &str) -> Result<(), u32> {
        let n = name_bytes(name)?;
        self.with_shm(n.len(), |fs, shm| {
            fs.put(shm, 0, &n)?;
            fs.request(alloc::vec![value(Dir::In, op::REMOVE, 0, 0), rmem(Dir::In, shm, n.len() as u64)]).map(|_| ())
        })
    }

    fn rename(&mut self, old: &str, new: &str, overwrite: bool) -> Result<(), u32> {
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

    fn opendir(&mut self, name: &str) -> Result<u64, u32> {
        self.named_handle(op::OPENDIR, name)
    }

    fn closedir(&mut self, handle: u64) -> Result<(), u32> {
        self.request(alloc::vec![value(Dir::In, op::CLOSEDIR, handle, 0)]).map(|_| ())
    }

    fn readdir(&mut self, handle: u64) -> Result<String, u32> {
        self.with_shm(NAME_MAX, |fs, shm| {
            let back =
                fs.request(alloc::vec![value(Dir::In, op::READDIR, handle, 0), rmem(Dir::Out, shm, NAME_MAX as u64)])?;
            let got = out_size(back.get(1))?;
            if got == 0 || got > NAME_MAX as u64 {
                return Err(result::ERROR_COMMUNICATION);
            }
            let mut raw = alloc::vec![0u8; got as usize];
            shm.shm.read(fs.env.mem(), 0, &mut raw).map_err(|_| result::ERROR_COMMUNICATION)?;
            let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
            String::from_utf8(raw[..end].to_vec()).map_err(|_| result::ERROR_COMMUNICATION)
        })
    }
}
