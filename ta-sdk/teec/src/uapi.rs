//! The Linux TEE subsystem's user API (`include/uapi/linux/tee.h`): ioctl
//! numbers and argument layouts, and the few `unsafe` calls that use them.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

const TEE_IOC_MAGIC: u32 = 0xa4;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

/// `_IOC(dir, type, nr, size)` in the asm-generic encoding (arm64, x86).
const fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    (dir << 30) | ((size as u32) << 16) | (TEE_IOC_MAGIC << 8) | nr
}

/// `TEE_IOC_VERSION`: `_IOR(0xa4, 0, struct tee_ioctl_version_data)`.
pub const TEE_IOC_VERSION: u32 = ioc(IOC_READ, 0, size_of::<VersionData>());
/// `TEE_IOC_SHM_ALLOC`: `_IOWR(0xa4, 1, struct tee_ioctl_shm_alloc_data)`.
pub const TEE_IOC_SHM_ALLOC: u32 = ioc(IOC_READ | IOC_WRITE, 1, size_of::<ShmAllocData>());
/// `TEE_IOC_OPEN_SESSION`: `_IOR(0xa4, 2, struct tee_ioctl_buf_data)`.
pub const TEE_IOC_OPEN_SESSION: u32 = ioc(IOC_READ, 2, size_of::<BufData>());
/// `TEE_IOC_INVOKE`: `_IOR(0xa4, 3, struct tee_ioctl_buf_data)`.
pub const TEE_IOC_INVOKE: u32 = ioc(IOC_READ, 3, size_of::<BufData>());
/// `TEE_IOC_CANCEL`: `_IOR(0xa4, 4, struct tee_ioctl_cancel_arg)`.
pub const TEE_IOC_CANCEL: u32 = ioc(IOC_READ, 4, size_of::<CancelArg>());
/// `TEE_IOC_CLOSE_SESSION`: `_IOR(0xa4, 5, struct tee_ioctl_close_session_arg)`.
pub const TEE_IOC_CLOSE_SESSION: u32 = ioc(IOC_READ, 5, size_of::<CloseSessionArg>());
/// `TEE_IOC_SHM_REGISTER`: `_IOWR(0xa4, 9, struct tee_ioctl_shm_register_data)`.
pub const TEE_IOC_SHM_REGISTER: u32 = ioc(IOC_READ | IOC_WRITE, 9, size_of::<ShmRegisterData>());

/// `TEE_IOC_SUPPL_RECV`: `_IOR(0xa4, 6, struct tee_ioctl_buf_data)`.
pub const TEE_IOC_SUPPL_RECV: u32 = ioc(IOC_READ, 6, size_of::<BufData>());
/// `TEE_IOC_SUPPL_SEND`: `_IOR(0xa4, 7, struct tee_ioctl_buf_data)`.
pub const TEE_IOC_SUPPL_SEND: u32 = ioc(IOC_READ, 7, size_of::<BufData>());

/// `TEE_GEN_CAP_GP`: a GlobalPlatform-compliant TEE.
pub const TEE_GEN_CAP_GP: u32 = 1 << 0;
/// `TEE_GEN_CAP_REG_MEM`: user memory can be registered.
pub const TEE_GEN_CAP_REG_MEM: u32 = 1 << 2;

/// `TEE_IOCTL_PARAM_ATTR_TYPE_*`.
pub mod attr {
    pub const NONE: u64 = 0;
    pub const VALUE_INPUT: u64 = 1;
    pub const VALUE_OUTPUT: u64 = 2;
    pub const VALUE_INOUT: u64 = 3;
    pub const MEMREF_INPUT: u64 = 5;
    pub const MEMREF_OUTPUT: u64 = 6;
    pub const MEMREF_INOUT: u64 = 7;
    pub const TYPE_MASK: u64 = 0xff;
    /// `TEE_IOCTL_PARAM_ATTR_META`: a supplicant request's id parameter.
    pub const META: u64 = 0x100;
}

/// Parameters a supplicant request may carry: the meta one and up to four
/// more, as optee_client's tee-supplicant (`RPC_NUM_PARAMS`).
pub const SUPP_MAX_PARAMS: usize = 5;

/// `struct tee_iocl_supp_recv_arg` / `tee_iocl_supp_send_arg` (same layout:
/// `func` on receive is `ret` on send) with room for [`SUPP_MAX_PARAMS`]:
/// the supplicant side of `/dev/teepriv0`, for tests that play
/// tee-supplicant.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SuppArg {
    pub func_or_ret: u32,
    pub num_params: u32,
    pub params: [IoctlParam; SUPP_MAX_PARAMS],
}

/// `TEE_IOCTL_UUID_LEN`.
pub const UUID_LEN: usize = 16;
/// The parameters every call carries (GP: four).
pub const NUM_PARAMS: usize = 4;

/// `struct tee_ioctl_version_data`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct VersionData {
    pub impl_id: u32,
    pub impl_caps: u32,
    pub gen_caps: u32,
}

/// `struct tee_ioctl_shm_alloc_data`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ShmAllocData {
    pub size: u64,
    pub flags: u32,
    pub id: i32,
}

/// `struct tee_ioctl_shm_register_data`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ShmRegisterData {
    pub addr: u64,
    pub length: u64,
    pub flags: u32,
    pub id: i32,
}

/// `struct tee_ioctl_buf_data`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BufData {
    pub buf_ptr: u64,
    pub buf_len: u64,
}

/// `struct tee_ioctl_param`: for memrefs `a` = offset, `b` = size, `c` =
/// shared memory id; for values `a`, `b`, `c`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IoctlParam {
    pub attr: u64,
    pub a: u64,
    pub b: u64,
    pub c: u64,
}

/// `struct tee_ioctl_open_session_arg` followed by its four parameters.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenSessionArg {
    pub uuid: [u8; UUID_LEN],
    pub clnt_uuid: [u8; UUID_LEN],
    pub clnt_login: u32,
    pub cancel_id: u32,
    pub session: u32,
    pub ret: u32,
    pub ret_origin: u32,
    pub num_params: u32,
    pub params: [IoctlParam; NUM_PARAMS],
}

/// `struct tee_ioctl_invoke_arg` followed by its four parameters.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct InvokeArg {
    pub func: u32,
    pub session: u32,
    pub cancel_id: u32,
    pub ret: u32,
    pub ret_origin: u32,
    pub num_params: u32,
    pub params: [IoctlParam; NUM_PARAMS],
}

/// `struct tee_ioctl_cancel_arg`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct CancelArg {
    pub cancel_id: u32,
    pub session: u32,
}

/// `struct tee_ioctl_close_session_arg`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct CloseSessionArg {
    pub session: u32,
}

/// Argument structs an ioctl may point at: plain `repr(C)` data.
///
/// # Safety
/// Implementors must be `repr(C)` structs of integers and arrays of them,
/// exactly the layout the ioctl's request number names.
pub unsafe trait IoctlArg {}
// SAFETY: all of these are repr(C) integer structs matching tee.h.
unsafe impl IoctlArg for VersionData {}
// SAFETY: as above.
unsafe impl IoctlArg for ShmAllocData {}
// SAFETY: as above.
unsafe impl IoctlArg for ShmRegisterData {}
// SAFETY: as above.
unsafe impl IoctlArg for BufData {}
// SAFETY: as above.
unsafe impl IoctlArg for CloseSessionArg {}
// SAFETY: as above.
unsafe impl IoctlArg for CancelArg {}

/// Argument structs an OPEN_SESSION / INVOKE `tee_ioctl_buf_data` may point at.
///
/// # Safety
/// As [`IoctlArg`]: repr(C) integer structs whose every bit pattern is valid.
pub unsafe trait BufArg {}
// SAFETY: repr(C) integer structs matching tee.h.
unsafe impl BufArg for OpenSessionArg {}
// SAFETY: as above.
unsafe impl BufArg for InvokeArg {}

/// `TEE_IOC_SUPPL_RECV`: waits for the next request; `arg.num_params` is
/// set to the capacity and a meta parameter offered, so that requests
/// carry their id.
pub fn supp_recv(fd: BorrowedFd<'_>, arg: &mut SuppArg) -> io::Result<()> {
    *arg = SuppArg { num_params: SUPP_MAX_PARAMS as u32, ..SuppArg::default() };
    arg.params[0].attr = attr::META;
    supp_ioctl(fd, TEE_IOC_SUPPL_RECV, arg, size_of::<SuppArg>())
}

/// `TEE_IOC_SUPPL_SEND`: answers request `arg` (as received, with
/// `func_or_ret` now the result) with its `num_params` parameters.
pub fn supp_send(fd: BorrowedFd<'_>, arg: &mut SuppArg) -> io::Result<()> {
    let len = 8 + size_of::<IoctlParam>() * (arg.num_params as usize).min(SUPP_MAX_PARAMS);
    supp_ioctl(fd, TEE_IOC_SUPPL_SEND, arg, len)
}

fn supp_ioctl(fd: BorrowedFd<'_>, request: u32, arg: &mut SuppArg, len: usize) -> io::Result<()> {
    let mut buf = BufData { buf_ptr: std::ptr::from_mut(arg) as u64, buf_len: len.min(size_of::<SuppArg>()) as u64 };
    // `arg` stays exclusively borrowed (and alive) for the whole ioctl,
    // which touches at most `buf_len` of its bytes.
    ioctl(fd, request, &mut buf).map(drop)
}

/// Shared memory allocated with `TEE_IOC_SHM_ALLOC` and mapped: what a
/// supplicant hands the secure world (a client uses `SharedMemory`).
#[derive(Debug)]
pub struct AllocatedShm {
    pub id: i32,
    map: Mapping,
    _fd: OwnedFd,
}

impl AllocatedShm {
    /// `len` bytes from the device `dev`.
    pub fn new(dev: BorrowedFd<'_>, len: usize) -> io::Result<AllocatedShm> {
        let mut data = ShmAllocData { size: len as u64, ..ShmAllocData::default() };
        let fd = ioctl_new_fd(dev, TEE_IOC_SHM_ALLOC, &mut data)?;
        let map = Mapping::shared(fd.as_fd(), len)?;
        Ok(AllocatedShm { id: data.id, map, _fd: fd })
    }

    /// The bytes, shared with the secure world.
    pub fn bytes(&mut self) -> &mut [u8] {
        self.map.as_mut_slice()
    }
}

/// `ioctl(fd, request, arg)` for a request whose argument is `T` itself;
/// returns the ioctl's non-negative result (a new fd for the SHM requests).
pub(crate) fn ioctl<T: IoctlArg>(fd: BorrowedFd<'_>, request: u32, arg: &mut T) -> io::Result<i32> {
    // SAFETY: `arg` is an exclusive borrow of a repr(C) struct of the size
    // encoded in `request` (IoctlArg), valid for the call's reads and writes.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, std::ptr::from_mut(arg)) };
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(rc) }
}

/// `ioctl(fd, request, &buf_data)` for the requests that take a
/// `struct tee_ioctl_buf_data` pointing at `arg` (OPEN_SESSION, INVOKE).
pub(crate) fn ioctl_buf<T: BufArg>(fd: BorrowedFd<'_>, request: u32, arg: &mut T) -> io::Result<i32> {
    let mut buf = BufData { buf_ptr: std::ptr::from_mut(arg) as u64, buf_len: size_of::<T>() as u64 };
    // `arg` stays exclusively borrowed (and alive) for the whole ioctl.
    ioctl(fd, request, &mut buf)
}

/// An ioctl that answers with a new file descriptor (SHM_ALLOC,
/// SHM_REGISTER): the descriptor, owned.
pub(crate) fn ioctl_new_fd<T: IoctlArg>(fd: BorrowedFd<'_>, request: u32, arg: &mut T) -> io::Result<OwnedFd> {
    let raw = ioctl(fd, request, arg)?;
    // SAFETY: a successful SHM_ALLOC / SHM_REGISTER returns a fresh fd that
    // the kernel created for this process and nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// A `mmap`ed region, unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mapping {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain memory owned by this value; access goes
// through &self / &mut self.
unsafe impl Send for Mapping {}
// SAFETY: as above; shared access only hands out shared slices.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps `len` bytes of `fd` (shared, read/write).
    pub fn shared(fd: BorrowedFd<'_>, len: usize) -> io::Result<Mapping> {
        Self::map(len, libc::MAP_SHARED, fd.as_raw_fd())
    }

    /// Maps `len` bytes of fresh zeroed anonymous memory (private).
    pub fn anonymous(len: usize) -> io::Result<Mapping> {
        Self::map(len, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1)
    }

    fn map(len: usize, flags: i32, fd: i32) -> io::Result<Mapping> {
        if len == 0 {
            return Err(io::Error::from(io::ErrorKind::InvalidInput));
        }
        // SAFETY: a new mapping chosen by the kernel (addr NULL): it cannot
        // overlap anything Rust owns.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, fd, 0) };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = std::ptr::NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::from(io::ErrorKind::Other))?;
        Ok(Mapping { ptr, len })
    }

    pub fn addr(&self) -> u64 {
        self.ptr.as_ptr() as u64
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `len` bytes mapped readable for as long as `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: `len` bytes mapped writable for as long as `self` lives;
        // `&mut self` makes this the only view.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: exactly the region `map` created, no slice of it outlives self.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn ioctl_numbers() {
        assert_eq!(TEE_IOC_VERSION, 0x800c_a400);
        assert_eq!(TEE_IOC_SHM_ALLOC, 0xc010_a401);
        assert_eq!(TEE_IOC_OPEN_SESSION, 0x8010_a402);
        assert_eq!(TEE_IOC_INVOKE, 0x8010_a403);
        assert_eq!(TEE_IOC_CANCEL, 0x8008_a404);
        assert_eq!(TEE_IOC_SUPPL_RECV, 0x8010_a406);
        assert_eq!(TEE_IOC_SUPPL_SEND, 0x8010_a407);
        assert_eq!(size_of::<SuppArg>(), 8 + 5 * 32);
        assert_eq!(offset_of!(SuppArg, params), 8);
        assert_eq!(TEE_IOC_CLOSE_SESSION, 0x8004_a405);
        assert_eq!(TEE_IOC_SHM_REGISTER, 0xc018_a409);
    }

    #[test]
    fn layouts() {
        assert_eq!(size_of::<VersionData>(), 12);
        assert_eq!(size_of::<ShmAllocData>(), 16);
        assert_eq!(offset_of!(ShmAllocData, flags), 8);
        assert_eq!(offset_of!(ShmAllocData, id), 12);
        assert_eq!(size_of::<ShmRegisterData>(), 24);
        assert_eq!(offset_of!(ShmRegisterData, length), 8);
        assert_eq!(offset_of!(ShmRegisterData, flags), 16);
        assert_eq!(offset_of!(ShmRegisterData, id), 20);
        assert_eq!(size_of::<BufData>(), 16);
        assert_eq!(size_of::<IoctlParam>(), 32);
        assert_eq!(offset_of!(IoctlParam, c), 24);

        assert_eq!(offset_of!(OpenSessionArg, clnt_uuid), 16);
        assert_eq!(offset_of!(OpenSessionArg, clnt_login), 32);
        assert_eq!(offset_of!(OpenSessionArg, cancel_id), 36);
        assert_eq!(offset_of!(OpenSessionArg, session), 40);
        assert_eq!(offset_of!(OpenSessionArg, ret), 44);
        assert_eq!(offset_of!(OpenSessionArg, ret_origin), 48);
        assert_eq!(offset_of!(OpenSessionArg, num_params), 52);
        assert_eq!(offset_of!(OpenSessionArg, params), 56);
        assert_eq!(size_of::<OpenSessionArg>(), 56 + 4 * 32);

        assert_eq!(offset_of!(InvokeArg, session), 4);
        assert_eq!(offset_of!(InvokeArg, cancel_id), 8);
        assert_eq!(offset_of!(InvokeArg, ret), 12);
        assert_eq!(offset_of!(InvokeArg, ret_origin), 16);
        assert_eq!(offset_of!(InvokeArg, num_params), 20);
        assert_eq!(offset_of!(InvokeArg, params), 24);
        assert_eq!(size_of::<InvokeArg>(), 24 + 4 * 32);

        assert_eq!(size_of::<CancelArg>(), 8);
        assert_eq!(size_of::<CloseSessionArg>(), 4);
    }
}
