//! The supplicant side of the Linux TEE user API (Linux 6.12
//! `include/uapi/linux/tee.h`): `TEE_IOC_SUPPL_RECV` / `TEE_IOC_SUPPL_SEND`
//! on `/dev/teepriv0`, and `TEE_IOC_SHM_ALLOC` for the buffers the secure
//! world asks the supplicant for. The client side is in `teec::uapi`.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

const TEE_IOC_MAGIC: u32 = 0xa4;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

const fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    (dir << 30) | ((size as u32) << 16) | (TEE_IOC_MAGIC << 8) | nr
}

/// `TEE_IOC_SHM_ALLOC`: `_IOWR(0xa4, 1, struct tee_ioctl_shm_alloc_data)`.
const TEE_IOC_SHM_ALLOC: u32 = ioc(IOC_READ | IOC_WRITE, 1, size_of::<ShmAllocData>());
/// `TEE_IOC_SUPPL_RECV`: `_IOR(0xa4, 6, struct tee_ioctl_buf_data)`.
const TEE_IOC_SUPPL_RECV: u32 = ioc(IOC_READ, 6, size_of::<BufData>());
/// `TEE_IOC_SUPPL_SEND`: `_IOR(0xa4, 7, struct tee_ioctl_buf_data)`.
const TEE_IOC_SUPPL_SEND: u32 = ioc(IOC_READ, 7, size_of::<BufData>());

/// `TEE_IOCTL_PARAM_ATTR_META`: the request id parameter in front.
pub const ATTR_META: u64 = 0x100;
/// `TEE_IOCTL_PARAM_ATTR_TYPE_MASK`.
pub const ATTR_TYPE_MASK: u64 = 0xff;
/// Parameters a request may carry: the meta one and up to four more, as
/// optee_client's tee-supplicant (`RPC_NUM_PARAMS`).
pub const MAX_PARAMS: usize = 5;

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct BufData {
    buf_ptr: u64,
    buf_len: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct ShmAllocData {
    size: u64,
    flags: u32,
    id: i32,
}

/// `struct tee_ioctl_param`: memrefs are `a` offset, `b` size, `c` shm id.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Param {
    pub attr: u64,
    pub a: u64,
    pub b: u64,
    pub c: u64,
}

/// `struct tee_iocl_supp_recv_arg` / `tee_iocl_supp_send_arg` (same layout:
/// `func` on receive is `ret` on send) with room for [`MAX_PARAMS`].
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SuppArg {
    pub func_or_ret: u32,
    pub num_params: u32,
    pub params: [Param; MAX_PARAMS],
}

fn ioctl<T>(fd: BorrowedFd<'_>, request: u32, arg: &mut T) -> io::Result<i32> {
    // SAFETY: every caller passes an exclusive borrow of a repr(C) integer
    // struct of the size and layout `request` names (BufData or
    // ShmAllocData), valid for the whole call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, std::ptr::from_mut(arg)) };
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(rc) }
}

/// Waits for the next request; `arg.num_params` is set to the capacity and
/// a meta parameter offered, so that requests carry their id.
pub fn recv(fd: BorrowedFd<'_>, arg: &mut SuppArg) -> io::Result<()> {
    *arg = SuppArg { num_params: MAX_PARAMS as u32, ..SuppArg::default() };
    arg.params[0].attr = ATTR_META;
    let mut buf = BufData { buf_ptr: std::ptr::from_mut(arg) as u64, buf_len: size_of::<SuppArg>() as u64 };
    // `arg` stays exclusively borrowed for the ioctl, which writes at most
    // `buf_len` bytes into it.
    ioctl(fd, TEE_IOC_SUPPL_RECV, &mut buf).map(drop)
}

/// Answers the request `arg` (as received, with `func_or_ret` now the result).
pub fn send(fd: BorrowedFd<'_>, arg: &mut SuppArg) -> io::Result<()> {
    let len = 8 + size_of::<Param>() * (arg.num_params as usize).min(MAX_PARAMS);
    let mut buf = BufData { buf_ptr: std::ptr::from_mut(arg) as u64, buf_len: len as u64 };
    ioctl(fd, TEE_IOC_SUPPL_SEND, &mut buf).map(drop)
}

/// Shared memory the supplicant allocated (`TEE_IOC_SHM_ALLOC`), mapped.
pub struct Shm {
    pub id: i32,
    ptr: std::ptr::NonNull<u8>,
    len: usize,
    _fd: OwnedFd,
}

impl Shm {
    pub fn alloc(dev: BorrowedFd<'_>, len: usize) -> io::Result<Shm> {
        let mut data = ShmAllocData { size: len as u64, ..ShmAllocData::default() };
        let raw = ioctl(dev, TEE_IOC_SHM_ALLOC, &mut data)?;
        // SAFETY: a successful SHM_ALLOC returns a new fd owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: a fresh shared mapping of the shm fd chosen by the kernel
        // (addr NULL): it overlaps nothing Rust owns.
        let p = unsafe {
            libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED, raw, 0)
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = std::ptr::NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::from(io::ErrorKind::Other))?;
        Ok(Shm { id: data.id, ptr, len, _fd: fd })
    }

    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: `len` bytes mapped read/write while `self` lives; `&mut
        // self` makes this the only view from this process.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Shm {
    fn drop(&mut self) {
        // SAFETY: exactly the mapping `alloc` made; no slice of it outlives self.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_layout() {
        assert_eq!(TEE_IOC_SHM_ALLOC, 0xc010_a401);
        assert_eq!(TEE_IOC_SUPPL_RECV, 0x8010_a406);
        assert_eq!(TEE_IOC_SUPPL_SEND, 0x8010_a407);
        assert_eq!(size_of::<SuppArg>(), 8 + 5 * 32);
        assert_eq!(std::mem::offset_of!(SuppArg, params), 8);
    }
}
