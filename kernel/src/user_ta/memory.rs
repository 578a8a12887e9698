//! A TA's memory: page-aligned kernel allocations mapped at fixed user
//! addresses, and the checked copies to and from them that every system call
//! argument goes through.

extern crate alloc;

use alloc::alloc::{Layout, alloc_zeroed, dealloc};
use alloc::vec::Vec;
use tee_abi::result::TeeError;

/// A zeroed, page-aligned kernel allocation (identity-mapped, so its address
/// is also its physical address).
pub struct PageBuf {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: PageBuf owns its allocation exclusively, like a Box<[u8]>.
unsafe impl Send for PageBuf {}
// SAFETY: shared references only read through `as_slice`.
unsafe impl Sync for PageBuf {}

impl PageBuf {
    /// Allocates `len` bytes rounded up to whole pages.
    pub fn new(len: usize) -> Result<PageBuf, TeeError> {
        let len = len.max(1).next_multiple_of(4096);
        let layout = Layout::from_size_align(len, 4096).map_err(|_| TeeError::OutOfMemory)?;
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        if ptr.is_null() {
            return Err(TeeError::OutOfMemory);
        }
        Ok(PageBuf { ptr, len })
    }

    /// Length in bytes (whole pages).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty buffer (never: at least one page).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Physical (= kernel) address.
    pub fn addr(&self) -> u64 {
        self.ptr as u64
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: ptr/len describe our live allocation.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }

    /// The bytes, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: ptr/len describe our live allocation, borrowed mutably.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl PageBuf {
    /// The buffer as 4 KiB translation tables (whole pages, so a whole
    /// number of them).
    pub fn as_tables_mut(&mut self) -> &mut [[u64; 512]] {
        // SAFETY: ptr/len describe our live allocation, 4 KiB aligned and a
        // multiple of 4 KiB long, borrowed mutably; any bytes are valid u64s.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.cast::<[u64; 512]>(), self.len / 4096) }
    }
}

impl Drop for PageBuf {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with exactly this layout.
        unsafe { dealloc(self.ptr, Layout::from_size_align_unchecked(self.len, 4096)) }
    }
}

/// One user-visible range and the kernel memory behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// User virtual address.
    pub va: u64,
    /// Length in bytes.
    pub len: u64,
    /// Kernel address of the first byte.
    pub kva: u64,
    /// The TA may write it.
    pub writable: bool,
    /// Whether anyone else sees this memory (GP's "owner" of a buffer).
    pub sharing: Sharing,
}

/// Who else sees a region, as `TEE_CheckMemoryAccessRights` tells TAs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sharing {
    /// The TA's own image, stack and heap.
    Private,
    /// A memref from a normal-world client. Ours is a secure bounce copy,
    /// but the TA is told what upstream's direct mapping would be: shared,
    /// non-secure memory.
    SharedNonSecure,
    /// A memref from another TA: secure memory, shared.
    SharedSecure,
}

/// `TEE_MEMORY_ACCESS_*` flags of `TEE_CheckMemoryAccessRights`.
pub mod access {
    pub const READ: u32 = 0x1;
    pub const WRITE: u32 = 0x2;
    pub const ANY_OWNER: u32 = 0x4;
    /// OP-TEE extension: must be normal-world memory.
    pub const NONSECURE: u32 = 0x1000_0000;
    /// OP-TEE extension: must be secure memory.
    pub const SECURE: u32 = 0x2000_0000;
    /// Every flag the kernel knows.
    pub const ALL: u32 = READ | WRITE | ANY_OWNER | NONSECURE | SECURE;
}

/// The ranges a TA may name in system calls.
#[derive(Clone, Debug, Default)]
pub struct UserRegions(pub Vec<Region>);

impl UserRegions {
    /// The kernel address of `[va, va + len)` if one region holds all of it
    /// (and it is writable when `write`).
    pub fn resolve(&self, va: u64, len: u64, write: bool) -> Result<u64, TeeError> {
        let end = va.checked_add(len).ok_or(TeeError::AccessDenied)?;
        self.0
            .iter()
            .find(|r| va >= r.va && end <= r.va + r.len && (r.writable || !write))
            .map(|r| r.kva + (va - r.va))
            .ok_or(TeeError::AccessDenied)
    }

    /// `TEE_CheckMemoryAccessRights` with upstream's rules
    /// (`vm_check_access_rights`): a wrapping range, contradictory
    /// SECURE|NONSECURE, shared memory without ANY_OWNER, the wrong world or
    /// a write to read-only memory are all ACCESS_DENIED. Nothing is accessed.
    pub fn check_access_rights(&self, flags: u32, va: u64, len: u64) -> Result<(), TeeError> {
        let end = va.checked_add(len).ok_or(TeeError::AccessDenied)?;
        if flags & access::NONSECURE != 0 && flags & access::SECURE != 0 {
            return Err(TeeError::AccessDenied);
        }
        let region = self.0.iter().find(|r| va >= r.va && end <= r.va + r.len).ok_or(TeeError::AccessDenied)?;
        let denied = (flags & access::ANY_OWNER == 0 && region.sharing != Sharing::Private)
            || (flags & access::NONSECURE != 0 && region.sharing != Sharing::SharedNonSecure)
            || (flags & access::SECURE != 0 && region.sharing == Sharing::SharedNonSecure)
            || (flags & access::WRITE != 0 && !region.writable);
        if denied { Err(TeeError::AccessDenied) } else { Ok(()) }
    }

    /// Whether `[va, va + len)` lies wholly in one of the TA's private
    /// regions (upstream's `vm_buf_is_inside_um_private`).
    pub fn is_private(&self, va: u64, len: u64) -> bool {
        let Some(end) = va.checked_add(len) else { return false };
        self.0.iter().any(|r| r.sharing == Sharing::Private && va >= r.va && end <= r.va + r.len)
    }

    /// Copies `len` bytes from the TA.
    pub fn read(&self, va: u64, len: u64) -> Result<Vec<u8>, TeeError> {
        if len > crate::params::MAX_MEMREF {
            return Err(TeeError::BadParameters);
        }
        let kva = self.resolve(va, len, false)?;
        let len = len as usize;
        let mut out = Vec::new();
        out.try_reserve_exact(len).map_err(|_| TeeError::OutOfMemory)?;
        // Copied straight into the reserved capacity: zero-filling it first
        // cost as much as the copy itself (a 1 MiB cipher update is three
        // passes over the data besides the cipher: this saves one).
        // SAFETY: `resolve` proved the range lies inside a live allocation of
        // this TA; `out` has room for `len` bytes, all written before
        // `set_len`. The copy is private, so the TA cannot change it
        // afterwards.
        unsafe {
            core::ptr::copy_nonoverlapping(kva as *const u8, out.as_mut_ptr(), len);
            out.set_len(len);
        }
        Ok(out)
    }

    /// Copies `len` bytes from the TA's own memory only: upstream's
    /// `copy_from_user_private` (a check without ANY_OWNER), which the
    /// storage syscalls use for object IDs so a client cannot change an ID
    /// under the kernel. A memref (shared memory) is ACCESS_DENIED.
    pub fn read_private(&self, va: u64, len: u64) -> Result<Vec<u8>, TeeError> {
        self.check_access_rights(access::READ, va, len)?;
        self.read(va, len)
    }

    /// Copies `data` to the TA.
    pub fn write(&self, va: u64, data: &[u8]) -> Result<(), TeeError> {
        let kva = self.resolve(va, data.len() as u64, true)?;
        // SAFETY: `resolve` proved the range is writable TA memory we own.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), kva as *mut u8, data.len()) };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Private reads take the TA's own memory only, never a memref.
    #[test]
    fn private_reads_refuse_shared_memory() {
        let mut own = [7u8; 16];
        let mut shm = [9u8; 16];
        let r = UserRegions(alloc::vec![
            Region { va: 0x1000, len: 16, kva: own.as_mut_ptr() as u64, writable: true, sharing: Sharing::Private },
            Region {
                va: 0x8000,
                len: 16,
                kva: shm.as_mut_ptr() as u64,
                writable: true,
                sharing: Sharing::SharedNonSecure
            },
        ]);
        assert_eq!(r.read_private(0x1000, 4), Ok(alloc::vec![7; 4]));
        assert_eq!(r.read(0x8000, 4), Ok(alloc::vec![9; 4]));
        assert_eq!(r.read_private(0x8000, 4), Err(TeeError::AccessDenied));
    }

    #[test]
    fn resolves_only_whole_ranges_with_the_right_access() {
        let r = UserRegions(alloc::vec![
            Region { va: 0x1000, len: 0x2000, kva: 0x9000, writable: false, sharing: Sharing::Private },
            Region { va: 0x8000, len: 0x1000, kva: 0x20000, writable: true, sharing: Sharing::SharedNonSecure },
        ]);
        assert_eq!(r.resolve(0x1800, 0x100, false), Ok(0x9800));
        assert_eq!(r.resolve(0x1800, 0x100, true), Err(TeeError::AccessDenied));
        assert_eq!(r.resolve(0x2f00, 0x200, false), Err(TeeError::AccessDenied));
        assert_eq!(r.resolve(0x8ff0, 0x10, true), Ok(0x20ff0));
        assert_eq!(r.resolve(u64::MAX - 4, 8, false), Err(TeeError::AccessDenied));
        assert_eq!(r.resolve(0x0e10_0000, 4, false), Err(TeeError::AccessDenied));
    }

    #[test]
    fn access_rights_follow_upstreams_rules() {
        use access::*;
        let r = UserRegions(alloc::vec![
            Region { va: 0x1000, len: 0x2000, kva: 0x9000, writable: false, sharing: Sharing::Private },
            Region { va: 0x4000, len: 0x1000, kva: 0xa000, writable: true, sharing: Sharing::Private },
            Region { va: 0x8000, len: 0x1000, kva: 0x20000, writable: true, sharing: Sharing::SharedNonSecure },
            Region { va: 0xa000, len: 0x1000, kva: 0x30000, writable: false, sharing: Sharing::SharedSecure },
        ]);
        let denied = Err(TeeError::AccessDenied);
        // Private memory: its own permissions, secure.
        assert_eq!(r.check_access_rights(READ, 0x1000, 16), Ok(()));
        assert_eq!(r.check_access_rights(WRITE, 0x1000, 16), denied);
        assert_eq!(r.check_access_rights(READ | WRITE | SECURE, 0x4000, 0x1000), Ok(()));
        assert_eq!(r.check_access_rights(READ | NONSECURE, 0x4000, 16), denied);
        // A client's memref: only with ANY_OWNER, and it is non-secure.
        assert_eq!(r.check_access_rights(READ, 0x8000, 16), denied);
        assert_eq!(r.check_access_rights(READ | ANY_OWNER | NONSECURE, 0x8000, 16), Ok(()));
        assert_eq!(r.check_access_rights(READ | ANY_OWNER | SECURE, 0x8000, 16), denied);
        // Another TA's memref: shared and secure.
        assert_eq!(r.check_access_rights(READ | ANY_OWNER | SECURE, 0xa000, 16), Ok(()));
        assert_eq!(r.check_access_rights(WRITE | ANY_OWNER, 0xa000, 16), denied);
        // Contradictions, unmapped and wrapping ranges.
        assert_eq!(r.check_access_rights(READ | SECURE | NONSECURE, 0x4000, 16), denied);
        assert_eq!(r.check_access_rights(READ, 0x3000, 16), denied);
        assert_eq!(r.check_access_rights(READ, u64::MAX - 7, 64), denied);
    }
}
