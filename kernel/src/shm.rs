//! Normal-world memory as the kernel sees it: which physical ranges are
//! normal-world RAM, the shared-memory objects Linux registers
//! (`OPTEE_MSG_CMD_REGISTER_SHM`, non-contiguous page lists), and copying in
//! and out of them. The physical access itself is behind [`NsMemory`], so all
//! of the checking is host-tested.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use tee_abi::msg::NONCONTIG_PAGE_SIZE;

const PAGE: u64 = NONCONTIG_PAGE_SIZE;
/// Entries per page-list page before the "next page" link.
const LIST_ENTRIES: usize = 511;
/// Largest object the kernel accepts (bounds the page-list walk and the
/// page vector: 64 MiB is 16384 pages, 128 KiB of addresses).
pub const MAX_SHM_SIZE: u64 = 64 << 20;
/// Most objects registered at once. The normal world registers one per
/// `TEEC_RegisterSharedMemory`/`AllocateSharedMemory` and the Linux driver
/// some for its own messages; the kernel cannot tell clients apart, so the
/// quota is global: past it registration fails with OUT_OF_MEMORY (Linux:
/// EINVAL), as upstream's does when its heap runs out.
pub const MAX_SHM_OBJECTS: usize = 1024;
/// Most 4 KiB pages registered at once (128 MiB of normal-world memory,
/// 256 KiB of page vectors in the 10 MiB heap).
pub const MAX_SHM_PAGES: usize = 32768;

/// Why normal-world memory could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShmError {
    /// Address range not inside normal-world RAM, or misaligned.
    BadAddress,
    /// Unknown cookie.
    UnknownCookie,
    /// Cookie already registered.
    Duplicate,
    /// Range outside the object.
    OutOfBounds,
    /// Object still used by a running call.
    Busy,
    /// The heap cannot hold the page vector.
    NoMemory,
    /// The registry is full ([`MAX_SHM_OBJECTS`], [`MAX_SHM_PAGES`]).
    Quota,
}

/// A zero-length vector able to hold `n` elements, or `NoMemory`: the
/// counts here come from the normal world.
fn try_vec<T>(n: usize) -> Result<Vec<T>, ShmError> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| ShmError::NoMemory)?;
    Ok(v)
}

/// Byte access to normal-world physical memory.
pub trait NsMemory {
    /// `[start, end)` of normal-world RAM.
    fn ram(&self) -> (u64, u64);
    /// Copies from physical `pa`.
    ///
    /// # Safety
    /// `[pa, pa + buf.len())` lies within [`NsMemory::ram`] (what
    /// [`NsMemory::contains`] checks); [`NsMemory::read`] is the checked form.
    unsafe fn read_unchecked(&self, pa: u64, buf: &mut [u8]);
    /// Copies to physical `pa`.
    ///
    /// # Safety
    /// As for [`NsMemory::read_unchecked`]; [`NsMemory::write`] is the
    /// checked form.
    unsafe fn write_unchecked(&self, pa: u64, buf: &[u8]);

    /// True when `[pa, pa + len)` lies in normal-world RAM.
    fn contains(&self, pa: u64, len: u64) -> bool {
        let (start, end) = self.ram();
        pa >= start && pa.checked_add(len).is_some_and(|e| e <= end)
    }

    /// Checked read.
    fn read(&self, pa: u64, buf: &mut [u8]) -> Result<(), ShmError> {
        if !self.contains(pa, buf.len() as u64) {
            return Err(ShmError::BadAddress);
        }
        // SAFETY: the range was just checked against `ram()`.
        unsafe { self.read_unchecked(pa, buf) };
        Ok(())
    }

    /// Checked write.
    fn write(&self, pa: u64, buf: &[u8]) -> Result<(), ShmError> {
        if !self.contains(pa, buf.len() as u64) {
            return Err(ShmError::BadAddress);
        }
        // SAFETY: the range was just checked against `ram()`.
        unsafe { self.write_unchecked(pa, buf) };
        Ok(())
    }
}

/// A registered shared-memory object: `size` bytes starting `offset` bytes
/// into the first of `pages` (4 KiB normal-world pages). Cloning shares the
/// page vector (every call using the object holds a clone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedMem {
    /// Physical addresses of the data pages.
    pages: Arc<Vec<u64>>,
    /// Offset of the first byte in the first page.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

impl SharedMem {
    /// An object over `pages`; `offset + size` must fit them.
    pub fn from_pages(pages: Vec<u64>, offset: u64, size: u64) -> Result<SharedMem, ShmError> {
        let needed = offset.checked_add(size).ok_or(ShmError::BadAddress)?.div_ceil(PAGE);
        if offset >= PAGE || needed > pages.len() as u64 {
            return Err(ShmError::BadAddress);
        }
        Ok(SharedMem { pages: Arc::new(pages), offset, size })
    }

    /// `size` bytes of physically contiguous memory at `pa` (checked against
    /// normal-world RAM), as a page list.
    pub fn contiguous(mem: &dyn NsMemory, pa: u64, size: u64) -> Result<SharedMem, ShmError> {
        if size == 0 || size > MAX_SHM_SIZE || !mem.contains(pa, size) {
            return Err(ShmError::BadAddress);
        }
        let first = pa & !(PAGE - 1);
        let count = (pa % PAGE + size).div_ceil(PAGE);
        let mut pages = try_vec(count as usize)?;
        pages.extend((0..count).map(|i| first + i * PAGE));
        SharedMem::from_pages(pages, pa % PAGE, size)
    }

    /// Physical addresses of the data pages.
    pub fn pages(&self) -> &[u64] {
        &self.pages
    }

    /// Walks a page list (`OPTEE_MSG_ATTR_NONCONTIG`) at `buf_ptr` (list address
    /// | offset of the data in its first page) describing `size` bytes.
    pub fn from_page_list(mem: &dyn NsMemory, buf_ptr: u64, size: u64) -> Result<SharedMem, ShmError> {
        let offset = buf_ptr & (PAGE - 1);
        let mut list_pa = buf_ptr & !(PAGE - 1);
        if size == 0 || size > MAX_SHM_SIZE {
            return Err(ShmError::BadAddress);
        }
        let count = (offset + size).div_ceil(PAGE) as usize;
        let mut pages = try_vec(count)?;
        let mut list = [0u8; PAGE as usize];
        while pages.len() < count {
            mem.read(list_pa, &mut list)?;
            for i in 0..LIST_ENTRIES {
                if pages.len() == count {
                    break;
                }
                let pa = u64::from_le_bytes(list[i * 8..i * 8 + 8].try_into().unwrap_or_default());
                if pa % PAGE != 0 || !mem.contains(pa, PAGE) {
                    return Err(ShmError::BadAddress);
                }
                pages.push(pa);
            }
            let next = u64::from_le_bytes(list[LIST_ENTRIES * 8..].try_into().unwrap_or_default());
            if pages.len() < count && next % PAGE != 0 {
                return Err(ShmError::BadAddress);
            }
            list_pa = next;
        }
        Ok(SharedMem { pages: Arc::new(pages), offset, size })
    }

    /// The physical pieces backing `[offs, offs + len)` of the object (an
    /// iterator: nothing is allocated per call).
    pub fn chunks(&self, offs: u64, len: u64) -> Result<impl Iterator<Item = (u64, usize)> + '_, ShmError> {
        let end = offs.checked_add(len).ok_or(ShmError::OutOfBounds)?;
        if end > self.size {
            return Err(ShmError::OutOfBounds);
        }
        let mut pos = self.offset + offs;
        let stop = self.offset + end;
        Ok(core::iter::from_fn(move || {
            if pos >= stop {
                return None;
            }
            let within = pos % PAGE;
            let n = (PAGE - within).min(stop - pos);
            let chunk = (self.pages[(pos / PAGE) as usize] + within, n as usize);
            pos += n;
            Some(chunk)
        }))
    }

    /// Copies `buf.len()` bytes from offset `offs` of the object.
    pub fn read(&self, mem: &dyn NsMemory, offs: u64, buf: &mut [u8]) -> Result<(), ShmError> {
        let mut at = 0;
        for (pa, n) in self.chunks(offs, buf.len() as u64)? {
            mem.read(pa, &mut buf[at..at + n])?;
            at += n;
        }
        Ok(())
    }

    /// Copies `buf` to offset `offs` of the object.
    pub fn write(&self, mem: &dyn NsMemory, offs: u64, buf: &[u8]) -> Result<(), ShmError> {
        let mut at = 0;
        for (pa, n) in self.chunks(offs, buf.len() as u64)? {
            mem.write(pa, &buf[at..at + n])?;
            at += n;
        }
        Ok(())
    }
}

/// Registered objects by cookie, within [`MAX_SHM_OBJECTS`] and
/// [`MAX_SHM_PAGES`].
#[derive(Default)]
pub struct ShmRegistry {
    objects: BTreeMap<u64, (SharedMem, usize)>,
    pages: usize,
}

impl ShmRegistry {
    /// An empty registry.
    pub const fn new() -> ShmRegistry {
        ShmRegistry { objects: BTreeMap::new(), pages: 0 }
    }

    /// Registers `shm` under `cookie`; `Quota` past the registry's limits.
    pub fn register(&mut self, cookie: u64, shm: SharedMem) -> Result<(), ShmError> {
        if self.objects.contains_key(&cookie) {
            return Err(ShmError::Duplicate);
        }
        let pages = self.pages + shm.pages.len();
        if self.objects.len() >= MAX_SHM_OBJECTS || pages > MAX_SHM_PAGES {
            return Err(ShmError::Quota);
        }
        self.objects.insert(cookie, (shm, 0));
        self.pages = pages;
        Ok(())
    }

    /// Unregisters `cookie`; refused while a call still uses it.
    pub fn unregister(&mut self, cookie: u64) -> Result<(), ShmError> {
        match self.objects.get(&cookie) {
            None => Err(ShmError::UnknownCookie),
            Some((_, users)) if *users > 0 => Err(ShmError::Busy),
            Some(_) => {
                if let Some((shm, _)) = self.objects.remove(&cookie) {
                    self.pages -= shm.pages.len();
                }
                Ok(())
            }
        }
    }

    /// Pages registered, counted against [`MAX_SHM_PAGES`].
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// A copy of the object's description, marking it in use until [`Self::put`].
    pub fn get(&mut self, cookie: u64) -> Result<SharedMem, ShmError> {
        let (shm, users) = self.objects.get_mut(&cookie).ok_or(ShmError::UnknownCookie)?;
        *users += 1;
        Ok(shm.clone())
    }

    /// Ends a use started by [`Self::get`].
    pub fn put(&mut self, cookie: u64) {
        if let Some((_, users)) = self.objects.get_mut(&cookie) {
            *users = users.saturating_sub(1);
        }
    }

    /// Number of registered objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use core::cell::RefCell;

    /// Fake normal-world RAM at 0x4000_0000.
    pub struct FakeRam(pub RefCell<Vec<u8>>);

    impl FakeRam {
        pub fn new(size: usize) -> FakeRam {
            FakeRam(RefCell::new(alloc::vec![0; size]))
        }

        /// The RPC request a fake tee-supplicant finds at `arg_pa` (room
        /// for 4 parameters), decoded.
        pub fn take_rpc(&self, arg_pa: u64) -> crate::msg::MsgArg {
            let mut raw = alloc::vec![0u8; tee_abi::msg::arg_size(4)];
            self.read(arg_pa, &mut raw).unwrap();
            crate::msg::MsgArg::parse(&raw).unwrap()
        }

        /// Writes the fake tee-supplicant's answer `msg` back at `arg_pa`.
        pub fn answer_rpc(&self, arg_pa: u64, msg: &crate::msg::MsgArg) {
            let mut out = alloc::vec![0u8; msg.encoded_len()];
            msg.encode(&mut out).unwrap();
            self.write(arg_pa, &out).unwrap();
        }
    }

    impl NsMemory for FakeRam {
        fn ram(&self) -> (u64, u64) {
            (0x4000_0000, 0x4000_0000 + self.0.borrow().len() as u64)
        }
        unsafe fn read_unchecked(&self, pa: u64, buf: &mut [u8]) {
            let at = (pa - 0x4000_0000) as usize;
            buf.copy_from_slice(&self.0.borrow()[at..at + buf.len()]);
        }
        unsafe fn write_unchecked(&self, pa: u64, buf: &[u8]) {
            let at = (pa - 0x4000_0000) as usize;
            self.0.borrow_mut()[at..at + buf.len()].copy_from_slice(buf);
        }
    }

    fn put_list(ram: &FakeRam, list_pa: u64, entries: &[u64], next: u64) {
        let mut page = alloc::vec![0u8; 4096];
        for (i, e) in entries.iter().enumerate() {
            page[i * 8..i * 8 + 8].copy_from_slice(&e.to_le_bytes());
        }
        page[4088..].copy_from_slice(&next.to_le_bytes());
        ram.write(list_pa, &page).unwrap();
    }

    #[test]
    fn walks_page_lists_and_copies_across_pages() {
        let ram = FakeRam::new(64 * 4096);
        put_list(&ram, 0x4000_0000, &[0x4000_5000, 0x4000_3000], 0);
        let shm = SharedMem::from_page_list(&ram, 0x4000_0000 | 0xff0, 0x20).unwrap();
        assert_eq!(shm.pages(), [0x4000_5000, 0x4000_3000]);
        assert_eq!(shm.chunks(0, 0x20).unwrap().collect::<Vec<_>>(), [(0x4000_5ff0, 16), (0x4000_3000, 16)]);
        shm.write(&ram, 8, b"0123456789abcdef").unwrap();
        let mut back = [0u8; 16];
        shm.read(&ram, 8, &mut back).unwrap();
        assert_eq!(&back, b"0123456789abcdef");
        assert!(matches!(shm.chunks(0x10, 0x11), Err(ShmError::OutOfBounds)));
        assert!(matches!(shm.chunks(u64::MAX, 2), Err(ShmError::OutOfBounds)));
    }

    #[test]
    fn follows_the_next_link() {
        let ram = FakeRam::new(64 * 4096);
        let data: Vec<u64> = (0..512).map(|i| 0x4000_0000 + 4096 * (2 + (i % 40))).collect();
        put_list(&ram, 0x4000_0000, &data[..511], 0x4000_1000);
        put_list(&ram, 0x4000_1000, &data[511..], 0);
        let shm = SharedMem::from_page_list(&ram, 0x4000_0000, 512 * 4096).unwrap();
        assert_eq!(shm.pages().len(), 512);
        assert_eq!(shm.pages()[511], data[511]);
    }

    #[test]
    fn refuses_pages_outside_ns_ram() {
        let ram = FakeRam::new(16 * 4096);
        put_list(&ram, 0x4000_0000, &[0x0e10_0000], 0);
        assert_eq!(SharedMem::from_page_list(&ram, 0x4000_0000, 4096), Err(ShmError::BadAddress));
        put_list(&ram, 0x4000_0000, &[0x4000_1001], 0);
        assert_eq!(SharedMem::from_page_list(&ram, 0x4000_0000, 4096), Err(ShmError::BadAddress));
        assert_eq!(SharedMem::from_page_list(&ram, 0x0e10_0000, 4096), Err(ShmError::BadAddress));
        assert_eq!(SharedMem::from_page_list(&ram, 0x4000_0000, 0), Err(ShmError::BadAddress));
        let mut buf = [0u8; 8];
        assert_eq!(ram.read(0x4000_0000 + 16 * 4096 - 4, &mut buf), Err(ShmError::BadAddress));
        assert_eq!(ram.read(u64::MAX - 2, &mut buf), Err(ShmError::BadAddress));
    }

    #[test]
    fn registry_lifecycle() {
        let mut reg = ShmRegistry::new();
        let shm = SharedMem::from_pages(alloc::vec![0x4000_0000], 0, 16).unwrap();
        reg.register(7, shm.clone()).unwrap();
        assert_eq!(reg.register(7, shm), Err(ShmError::Duplicate));
        reg.get(7).unwrap();
        assert_eq!(reg.unregister(7), Err(ShmError::Busy));
        reg.put(7);
        reg.unregister(7).unwrap();
        assert_eq!(reg.unregister(7), Err(ShmError::UnknownCookie));
        assert!(reg.is_empty());
    }

    /// An object of `pages` pages (the addresses do not matter here).
    fn object(pages: usize) -> SharedMem {
        SharedMem::from_pages(alloc::vec![0x4000_0000; pages], 0, pages as u64 * 4096).unwrap()
    }

    #[test]
    fn registry_refuses_past_its_quota_and_frees_on_unregister() {
        let mut reg = ShmRegistry::new();
        // Pages: 16 MiB objects fit MAX_SHM_PAGES / 4096 times, no more.
        let per = (16 << 20) / 4096;
        let fit = MAX_SHM_PAGES / per;
        for cookie in 0..fit as u64 {
            reg.register(cookie, object(per)).unwrap();
        }
        assert_eq!(reg.register(999, object(per)), Err(ShmError::Quota));
        assert_eq!(reg.len(), fit);
        for cookie in 0..fit as u64 {
            reg.unregister(cookie).unwrap();
        }
        assert_eq!((reg.len(), reg.pages()), (0, 0));
        // Objects: MAX_SHM_OBJECTS one-page objects, then refusal.
        for cookie in 0..MAX_SHM_OBJECTS as u64 {
            reg.register(cookie, object(1)).unwrap();
        }
        assert_eq!(reg.register(u64::MAX, object(1)), Err(ShmError::Quota));
        for cookie in 0..MAX_SHM_OBJECTS as u64 {
            reg.unregister(cookie).unwrap();
        }
        assert!(reg.is_empty());
        assert_eq!(reg.pages(), 0);
        reg.register(1, object(per)).unwrap();
    }

    #[test]
    fn page_list_without_memory_fails_cleanly() {
        let ram = FakeRam::new(64 * 4096);
        put_list(&ram, 0x4000_0000, &[0x4000_5000; 511], 0x4000_0000);
        // 16 MiB needs a 32 KiB page vector: refused, not an abort.
        let shm =
            crate::test_alloc::with_alloc_limit(16 * 1024, || SharedMem::from_page_list(&ram, 0x4000_0000, 16 << 20));
        assert_eq!(shm, Err(ShmError::NoMemory));
        let contiguous =
            crate::test_alloc::with_alloc_limit(256, || SharedMem::contiguous(&ram, 0x4000_0000, 64 * 4096));
        assert_eq!(contiguous, Err(ShmError::NoMemory));
        // With memory, the same list (looping on itself) decodes.
        assert_eq!(SharedMem::from_page_list(&ram, 0x4000_0000, 16 << 20).unwrap().pages().len(), 4096);
        assert_eq!(SharedMem::from_page_list(&ram, 0x4000_0000, MAX_SHM_SIZE + 1), Err(ShmError::BadAddress));
    }
}
