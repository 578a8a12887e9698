//! The GlobalPlatform TEE Client API, in Rust, straight over the Linux TEE
//! driver (`/dev/teeN` ioctls, `include/uapi/linux/tee.h`): no libteec, no C.
//!
//! ```no_run
//! use teec::{Context, Login, Param, Uuid};
//!
//! let ctx = Context::new()?;
//! let uuid: Uuid = "8aaaf200-2450-11e4-abe2-0002a5d5c51b".parse()?;
//! let mut session = ctx.open_session(&uuid, Login::Public)?;
//! let mut params = [Param::ValueInout { a: 42, b: 0 }, Param::None, Param::None, Param::None];
//! session.invoke(0, &mut params)?;
//! assert!(matches!(params[0], Param::ValueInout { a: 43, .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Memory references point into a [`SharedMemory`] (driver-allocated with
//! [`SharedMemory::alloc`], or process memory registered with
//! [`SharedMemory::register`]); the TEE may write an output buffer only
//! while the call that borrows it mutably runs.
//!
//! [`guide`] walks through contexts, sessions, values, memory references,
//! errors and their origin, login methods and cancellation, with examples.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

pub mod guide;
pub mod uapi;

use uapi::{IoctlParam, Mapping, attr};

use tee_abi::gp::login;
pub use tee_abi::result::{Origin, TeeError};
pub use tee_abi::uuid::{Uuid, UuidError};

/// A failed TEEC call: `TEEC_Result` and `returnOrigin`, as the driver
/// reports them (raw, so that a TA's own codes survive); the numbers are
/// tee-abi's [`TeeError`] and [`Origin`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TeecError {
    pub code: u32,
    pub origin: u32,
}

impl TeecError {
    /// `error` reported by `origin`.
    pub const fn new(error: TeeError, origin: Origin) -> TeecError {
        TeecError { code: error.code(), origin: origin.code() }
    }

    fn api(error: TeeError) -> TeecError {
        TeecError::new(error, Origin::Api)
    }

    /// A failed ioctl, mapped as libteec does.
    fn comms(e: &io::Error) -> TeecError {
        let error = match e.raw_os_error() {
            Some(libc::ENOMEM) => TeeError::OutOfMemory,
            Some(libc::EINVAL) => TeeError::BadParameters,
            _ => TeeError::Generic,
        };
        TeecError::new(error, Origin::Comms)
    }

    /// The driver's `(ret, ret_origin)`: `Ok` for `TEEC_SUCCESS`.
    fn check(ret: u32, ret_origin: u32) -> Result<(), TeecError> {
        if ret == tee_abi::result::TEE_SUCCESS { Ok(()) } else { Err(TeecError { code: ret, origin: ret_origin }) }
    }

    /// Whether the code is `error` (whatever the origin).
    pub fn is(&self, error: TeeError) -> bool {
        self.code == error.code()
    }

    /// Whether the code is `error` and the TA itself returned it.
    pub fn is_from_ta(&self, error: TeeError) -> bool {
        self.is(error) && self.origin == Origin::TrustedApp.code()
    }

    /// The code as a GP error, if it is one tee-abi knows.
    pub fn error(&self) -> Option<TeeError> {
        TeeError::from_code(self.code)
    }

    /// The origin, if it is one of the four GP ones.
    pub fn origin(&self) -> Option<Origin> {
        Origin::from_code(self.origin)
    }

    /// The Client API name of the code (`TEEC_ERROR_*`), if it is a GP one.
    pub fn name(&self) -> Option<String> {
        // tee-abi holds the Internal Core API names, `TEE_ERROR_*`.
        self.error().map(|e| format!("TEEC_{}", &e.name()["TEE_".len()..]))
    }
}

impl fmt::Display for TeecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = match self.origin() {
            Some(Origin::Api) => "api",
            Some(Origin::Comms) => "comms",
            Some(Origin::Tee) => "tee",
            Some(Origin::TrustedApp) => "ta",
            None => "?",
        };
        write!(f, "{:#010x}", self.code)?;
        if let Some(name) = self.name() {
            write!(f, " {name}")?;
        }
        write!(f, " (origin {origin} {})", self.origin)
    }
}

impl std::error::Error for TeecError {}

/// `TEEC_LOGIN_*`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Login {
    Public = login::PUBLIC,
    User = login::USER,
    Group = login::GROUP,
    Application = login::APPLICATION,
    UserApplication = login::APPLICATION_USER,
    GroupApplication = login::APPLICATION_GROUP,
}

/// An open `/dev/teeN`: `TEEC_Context`.
#[derive(Debug)]
pub struct Context {
    dev: File,
    version: uapi::VersionData,
}

impl Context {
    /// Opens the first GlobalPlatform TEE among `/dev/tee0` .. `/dev/tee15`,
    /// as libteec's `TEEC_InitializeContext(NULL, ...)` does.
    pub fn new() -> Result<Context, TeecError> {
        for n in 0..16 {
            if let Ok(ctx) = Context::open(format!("/dev/tee{n}")) {
                return Ok(ctx);
            }
        }
        Err(TeecError::new(TeeError::ItemNotFound, Origin::Comms))
    }

    /// Opens a given TEE device; it must be GP-capable.
    pub fn open(path: impl AsRef<Path>) -> Result<Context, TeecError> {
        let dev = OpenOptions::new().read(true).write(true).open(path.as_ref()).map_err(|e| TeecError::comms(&e))?;
        let mut version = uapi::VersionData::default();
        uapi::ioctl(dev.as_fd(), uapi::TEE_IOC_VERSION, &mut version).map_err(|e| TeecError::comms(&e))?;
        if version.gen_caps & uapi::TEE_GEN_CAP_GP == 0 {
            return Err(TeecError::new(TeeError::NotSupported, Origin::Comms));
        }
        Ok(Context { dev, version })
    }

    /// `TEEC_RequestCancellation` of the operation running under
    /// `cancel_id` in session `session` (see [`Session::invoke_cancellable`]).
    pub fn request_cancellation(&self, session: u32, cancel_id: u32) -> Result<(), TeecError> {
        let mut arg = uapi::CancelArg { cancel_id, session };
        uapi::ioctl(self.dev.as_fd(), uapi::TEE_IOC_CANCEL, &mut arg).map_err(|e| TeecError::comms(&e))?;
        Ok(())
    }

    /// `TEE_IOC_VERSION`'s answer: implementation id (1 = OP-TEE) and caps.
    pub fn version(&self) -> uapi::VersionData {
        self.version
    }

    /// Asks the driver again (`TEE_IOC_VERSION`, answered by the Linux
    /// driver without entering the secure world): the benchmark's floor of
    /// an ioctl on the TEE device.
    pub fn query_version(&self) -> Result<uapi::VersionData, TeecError> {
        let mut version = uapi::VersionData::default();
        uapi::ioctl(self.dev.as_fd(), uapi::TEE_IOC_VERSION, &mut version).map_err(|e| TeecError::comms(&e))?;
        Ok(version)
    }

    /// `TEEC_OpenSession` without parameters.
    pub fn open_session(&self, uuid: &Uuid, login: Login) -> Result<Session<'_>, TeecError> {
        self.open_session_with(uuid, login, &mut [Param::None, Param::None, Param::None, Param::None])
    }

    /// `TEEC_OpenSession` with four parameters (outputs are updated).
    pub fn open_session_with(
        &self,
        uuid: &Uuid,
        login: Login,
        params: &mut [Param<'_>; 4],
    ) -> Result<Session<'_>, TeecError> {
        let mut arg = uapi::OpenSessionArg {
            uuid: uuid.to_octets(),
            clnt_login: login as u32,
            num_params: uapi::NUM_PARAMS as u32,
            params: encode(params)?,
            ..Default::default()
        };
        uapi::ioctl_buf(self.dev.as_fd(), uapi::TEE_IOC_OPEN_SESSION, &mut arg).map_err(|e| TeecError::comms(&e))?;
        decode(params, &arg.params);
        TeecError::check(arg.ret, arg.ret_origin)?;
        Ok(Session { ctx: self, id: arg.session })
    }
}

/// An open session with a TA: `TEEC_Session`, closed on drop.
#[derive(Debug)]
pub struct Session<'ctx> {
    ctx: &'ctx Context,
    id: u32,
}

impl Session<'_> {
    /// The driver's session id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// `TEEC_InvokeCommand`: value outputs and memref output sizes are
    /// written back into `params`, also when the TA returns an error (for
    /// `TEEC_ERROR_SHORT_BUFFER`, the size it needs).
    pub fn invoke(&mut self, cmd: u32, params: &mut [Param<'_>; 4]) -> Result<(), TeecError> {
        self.invoke_cancellable(cmd, params, 0)
    }

    /// [`invoke`](Session::invoke) under `cancel_id` (libteec's
    /// `TEEC_Operation` address plays that part): another thread may then
    /// [`Context::request_cancellation`] of it.
    pub fn invoke_cancellable(
        &mut self,
        cmd: u32,
        params: &mut [Param<'_>; 4],
        cancel_id: u32,
    ) -> Result<(), TeecError> {
        let mut arg = uapi::InvokeArg {
            func: cmd,
            session: self.id,
            cancel_id,
            num_params: uapi::NUM_PARAMS as u32,
            params: encode(params)?,
            ..Default::default()
        };
        uapi::ioctl_buf(self.ctx.dev.as_fd(), uapi::TEE_IOC_INVOKE, &mut arg).map_err(|e| TeecError::comms(&e))?;
        decode(params, &arg.params);
        TeecError::check(arg.ret, arg.ret_origin)?;
        Ok(())
    }
}

impl Session<'_> {
    /// [`invoke`](Session::invoke) with the `ioctl` system call issued by
    /// `raw_ioctl(fd, request, arg)`, which returns the system call's raw
    /// result (negative errno on failure). For tests that must control every
    /// register around the call into the TEE, e.g. the FP/SIMD isolation
    /// test, which issues `svc` from assembly with all vector registers
    /// loaded.
    pub fn invoke_with_raw_ioctl(
        &mut self,
        cmd: u32,
        params: &mut [Param<'_>; 4],
        raw_ioctl: impl FnOnce(i32, u64, *mut core::ffi::c_void) -> i64,
    ) -> Result<(), TeecError> {
        use std::os::fd::AsRawFd;
        let mut arg = uapi::InvokeArg {
            func: cmd,
            session: self.id,
            num_params: uapi::NUM_PARAMS as u32,
            params: encode(params)?,
            ..Default::default()
        };
        let mut buf = uapi::BufData {
            buf_ptr: std::ptr::from_mut(&mut arg) as u64,
            buf_len: size_of::<uapi::InvokeArg>() as u64,
        };
        let rc =
            raw_ioctl(self.ctx.dev.as_raw_fd(), u64::from(uapi::TEE_IOC_INVOKE), std::ptr::from_mut(&mut buf).cast());
        if rc < 0 {
            return Err(TeecError::comms(&std::io::Error::from_raw_os_error(-rc as i32)));
        }
        decode(params, &arg.params);
        TeecError::check(arg.ret, arg.ret_origin)?;
        Ok(())
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        let mut arg = uapi::CloseSessionArg { session: self.id };
        let _ = uapi::ioctl(self.ctx.dev.as_fd(), uapi::TEE_IOC_CLOSE_SESSION, &mut arg);
    }
}

/// Memory shared with the TEE: `TEEC_SharedMemory`.
#[derive(Debug)]
pub struct SharedMemory {
    map: Mapping,
    id: i32,
    size: usize,
    _fd: OwnedFd,
}

impl SharedMemory {
    /// `TEEC_AllocateSharedMemory`: `size` bytes the driver allocates
    /// (`TEE_IOC_SHM_ALLOC`), mapped into this process.
    pub fn alloc(ctx: &Context, size: usize) -> Result<SharedMemory, TeecError> {
        if size == 0 {
            return Err(TeecError::api(TeeError::BadParameters));
        }
        let mut data = uapi::ShmAllocData { size: size as u64, ..Default::default() };
        let fd = uapi::ioctl_new_fd(ctx.dev.as_fd(), uapi::TEE_IOC_SHM_ALLOC, &mut data)
            .map_err(|e| TeecError::comms(&e))?;
        let map = Mapping::shared(fd.as_fd(), size).map_err(|e| TeecError::comms(&e))?;
        Ok(SharedMemory { map, id: data.id, size, _fd: fd })
    }

    /// `TEEC_RegisterSharedMemory` of `size` bytes of fresh, zeroed,
    /// page-aligned process memory (`TEE_IOC_SHM_REGISTER`).
    pub fn register(ctx: &Context, size: usize) -> Result<SharedMemory, TeecError> {
        if size == 0 {
            return Err(TeecError::api(TeeError::BadParameters));
        }
        let map = Mapping::anonymous(size).map_err(|e| TeecError::comms(&e))?;
        let mut data = uapi::ShmRegisterData { addr: map.addr(), length: size as u64, ..Default::default() };
        let fd = uapi::ioctl_new_fd(ctx.dev.as_fd(), uapi::TEE_IOC_SHM_REGISTER, &mut data)
            .map_err(|e| TeecError::comms(&e))?;
        Ok(SharedMemory { map, id: data.id, size, _fd: fd })
    }

    /// The driver's shared-memory id.
    pub fn id(&self) -> i32 {
        self.id
    }

    /// Bytes in the buffer.
    pub fn len(&self) -> usize {
        self.size
    }

    /// Whether the buffer is empty (never, in practice).
    pub fn is_empty(&self) -> bool {
        self.size == 0
    }

    /// The buffer.
    pub fn as_slice(&self) -> &[u8] {
        &self.map.as_slice()[..self.size]
    }

    /// The buffer, writable.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.map.as_mut_slice()[..self.size]
    }
}

/// One of the four operation parameters: `TEEC_Parameter` plus its type.
///
/// Memrefs name a range of a [`SharedMemory`]; after the call `size` holds
/// what the TA reported (for outputs).
#[derive(Debug, Default)]
pub enum Param<'a> {
    #[default]
    None,
    ValueInput {
        a: u32,
        b: u32,
    },
    ValueOutput {
        a: u32,
        b: u32,
    },
    ValueInout {
        a: u32,
        b: u32,
    },
    MemrefInput {
        shm: &'a SharedMemory,
        offset: usize,
        size: usize,
    },
    MemrefOutput {
        shm: &'a mut SharedMemory,
        offset: usize,
        size: usize,
    },
    MemrefInout {
        shm: &'a mut SharedMemory,
        offset: usize,
        size: usize,
    },
}

impl<'a> Param<'a> {
    /// A MEMREF_INPUT over the whole of `shm`.
    pub fn input(shm: &'a SharedMemory) -> Param<'a> {
        let size = shm.len();
        Param::MemrefInput { shm, offset: 0, size }
    }

    /// A MEMREF_OUTPUT over the whole of `shm`.
    pub fn output(shm: &'a mut SharedMemory) -> Param<'a> {
        let size = shm.len();
        Param::MemrefOutput { shm, offset: 0, size }
    }

    /// A MEMREF_INOUT over the whole of `shm`.
    pub fn inout(shm: &'a mut SharedMemory) -> Param<'a> {
        let size = shm.len();
        Param::MemrefInout { shm, offset: 0, size }
    }
}

fn memref(ty: u64, shm: &SharedMemory, offset: usize, size: usize) -> Result<IoctlParam, TeecError> {
    match offset.checked_add(size) {
        Some(end) if end <= shm.len() => {}
        _ => return Err(TeecError::api(TeeError::BadParameters)),
    }
    Ok(IoctlParam { attr: ty, a: offset as u64, b: size as u64, c: shm.id() as u32 as u64 })
}

fn encode(params: &[Param<'_>; 4]) -> Result<[IoctlParam; 4], TeecError> {
    let mut out = [IoctlParam::default(); 4];
    for (o, p) in out.iter_mut().zip(params) {
        let value = |ty, a: &u32, b: &u32| IoctlParam { attr: ty, a: u64::from(*a), b: u64::from(*b), c: 0 };
        *o = match p {
            Param::None => IoctlParam::default(),
            Param::ValueInput { a, b } => value(attr::VALUE_INPUT, a, b),
            Param::ValueOutput { a, b } => value(attr::VALUE_OUTPUT, a, b),
            Param::ValueInout { a, b } => value(attr::VALUE_INOUT, a, b),
            Param::MemrefInput { shm, offset, size } => memref(attr::MEMREF_INPUT, shm, *offset, *size)?,
            Param::MemrefOutput { shm, offset, size } => memref(attr::MEMREF_OUTPUT, shm, *offset, *size)?,
            Param::MemrefInout { shm, offset, size } => memref(attr::MEMREF_INOUT, shm, *offset, *size)?,
        };
    }
    Ok(out)
}

fn decode(params: &mut [Param<'_>; 4], raw: &[IoctlParam; 4]) {
    for (p, r) in params.iter_mut().zip(raw) {
        match p {
            Param::ValueOutput { a, b } | Param::ValueInout { a, b } => {
                *a = r.a as u32;
                *b = r.b as u32;
            }
            Param::MemrefOutput { size, .. } | Param::MemrefInout { size, .. } => *size = r.b as usize,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_parse_and_display() {
        let s = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
        let u: Uuid = s.parse().unwrap();
        // The ioctls carry the RFC 4122 octets.
        assert_eq!(u.to_octets()[..4], [0x8a, 0xaa, 0xf2, 0x00]);
        assert_eq!(u.to_octets()[15], 0x1b);
        assert_eq!(u.to_string(), s);
        assert!("8aaaf200-2450-11e4-abe2-0002a5d5c51".parse::<Uuid>().is_err());
        assert!("8aaaf200x2450-11e4-abe2-0002a5d5c51b".parse::<Uuid>().is_err());
        assert!("8aaaf200-2450-11e4-abe2-0002a5d5c5zz".parse::<Uuid>().is_err());
    }

    #[test]
    fn values_encode_decode() {
        let mut params = [
            Param::ValueInout { a: 42, b: 7 },
            Param::ValueInput { a: 1, b: 2 },
            Param::ValueOutput { a: 0, b: 0 },
            Param::None,
        ];
        let raw = encode(&params).unwrap();
        assert_eq!(raw[0], IoctlParam { attr: attr::VALUE_INOUT, a: 42, b: 7, c: 0 });
        assert_eq!(raw[1].attr, attr::VALUE_INPUT);
        assert_eq!(raw[2].attr, attr::VALUE_OUTPUT);
        assert_eq!(raw[3], IoctlParam::default());
        let mut back = raw;
        back[0].a = 43;
        back[1].a = 99; // inputs do not change
        back[2] = IoctlParam { attr: attr::VALUE_OUTPUT, a: 5, b: 6, c: 0 };
        decode(&mut params, &back);
        assert!(matches!(params[0], Param::ValueInout { a: 43, b: 7 }));
        assert!(matches!(params[1], Param::ValueInput { a: 1, b: 2 }));
        assert!(matches!(params[2], Param::ValueOutput { a: 5, b: 6 }));
    }

    #[test]
    fn error_display() {
        let e = TeecError::new(TeeError::ItemNotFound, Origin::Tee);
        assert_eq!(e.to_string(), "0xffff0008 TEEC_ERROR_ITEM_NOT_FOUND (origin tee 3)");
        assert!(e.is(TeeError::ItemNotFound) && !e.is_from_ta(TeeError::ItemNotFound));
        let ta = TeecError { code: 0x1234, origin: 4 };
        assert_eq!(ta.to_string(), "0x00001234 (origin ta 4)");
        assert_eq!(TeecError::check(0, 3), Ok(()));
        assert_eq!(
            TeecError::check(TeeError::TargetDead.code(), 4).unwrap_err().name().as_deref(),
            Some("TEEC_ERROR_TARGET_DEAD")
        );
    }
}
