//! Normal-world memory as the kernel sees it: which physical ranges are
//! normal-world RAM, the shared-memory objects Linux registers
//! (`OPTEE_MSG_CMD_REGISTER_SHM`, non-contiguous page lists), and copying in
//! and out of them. The physical access itself is behind [`NsMemory`], so all
//! of the checking is host-tested.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use tee_abi::msg::NONCONTIG_PAGE_SIZE;

const PAGE: u64 = NONCONTIG_PAGE_SIZE;
/// Entries per page-list page before the "next page" link.
const LIST_ENTRIES: usize = 511;
/// Largest object the kernel accepts (bounds the page-list walk).
pub const MAX_SHM_SIZE: u64 = 64 << 20;

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
}

/// Byte access to normal-world physical memory.
pub trait NsMemory {
    /// `[start, end)` of normal-world RAM.
    fn ram(&self) -> (u64, u64);
    /// Copies from physical `pa`; the caller has checked the range.
    fn read_unchecked(&self, pa: u64, buf: &mut [u8]);
    /// Copies to physical `pa`; the caller has checked the range.
    fn write_unchecked(&self, pa: u64, buf: &[u8]);

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
        self.read_unchecked(pa, buf);
        Ok(())
    }

    /// Checked write.
    fn write(&self, pa: u64, buf: &[u8]) -> Result<(), ShmError> {
        if !self.contains(pa, buf.len() as u64) {
            return Err(ShmError::BadAddress);
        }
        self.write_unchecked(pa, buf);
        Ok(())
    }
}

/// A registered shared-memory object: `size` bytes starting `offset` bytes
/// into the first of `pages` (4 KiB normal-world pages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedMem {
    /// Physical addresses of the data pages.
    pub pages: Vec<u64>,
    /// Offset of the first byte in the first page.
    pub offset: u64,
    /// Size in bytes.
    pub size: u64,
}

impl SharedMem {
    /// Walks a page list (`OPTEE_MSG_ATTR_NONCONTIG`) at `buf_ptr` (list address
    /// | offset of the data in its first page) describing `size` bytes.
    pub fn from_page_list(mem: &dyn NsMemory, buf_ptr: u64, size: u64) -> Result<SharedMem, ShmError> {
        let offset = buf_ptr & (PAGE - 1);
        let mut list_pa = buf_ptr & !(PAGE - 1);
        if size == 0 || size > MAX_SHM_SIZE {
            return Err(ShmError::BadAddress);
        }
        let count = (offset + size).div_ceil(PAGE) as usize;
        let mut pages = Vec::with_capacity(count);
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
        Ok(SharedMem { pages, offset, size })
    }

    /// The physical pieces backing `[offs, offs + len)` of the object.
    pub fn chunks(&self, offs: u64, len: u64) -> Result<Vec<(u64, usize)>, ShmError> {
        let end = offs.checked_add(len).ok_or(ShmError::OutOfBounds)?;
        if end > self.size {
            return Err(ShmError::OutOfBounds);
        }
        let mut out = Vec::new();
        let mut pos = self.offset + offs;
        let stop = self.offset + end;
        while pos < stop {
            let page = (pos / PAGE) as usize;
            let within = pos % PAGE;
            let n = (PAGE - within).min(stop - pos);
            out.push((self.pages[page] + within, n as usize));
            pos += n;
        }
        Ok(out)
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

/// Registered objects by cookie.
#[derive(Default)]
pub struct ShmRegistry {
    objects: BTreeMap<u64, (SharedMem, usize)>,
}

impl ShmRegistry {
    /// An empty registry.
    pub const fn new() -> ShmRegistry {
        ShmRegistry { objects: BTreeMap::new() }
    }

    /// Registers `shm` under `cookie`.
    pub fn register(&mut self, cookie: u64, shm: SharedMem) -> Result<(), ShmError> {
        if self.objects.contains_key(&cookie) {
            return Err(ShmError::Duplicate);
        }
        self.objects.insert(cookie, (shm, 0));
        Ok(())
    }

    /// Unregisters `cookie`; refused while a call still uses it.
    pub fn unregister(&mut self, cookie: u64) -> Result<(), ShmError> {
        match self.objects.get(&cookie) {
            None => Err(ShmError::UnknownCookie),
            Some((_, users)) if *users > 0 => Err(ShmError::Busy),
            Some(_) => {
                self.objects.remove(&cookie);
                Ok(())
            }
        }
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
    }

    impl NsMemory for FakeRam {
        fn ram(&self) -> (u64, u64) {
            (0x4000_0000, 0x4000_0000 + self.0.borrow().len() as u64)
        }
        fn read_unchecked(&self, pa: u64, buf: &mut [u8]) {
            let at = (pa - 0x4000_0000) as usize;
            buf.copy_from_slice(&self.0.borrow()[at..at + buf.len()]);
        }
        fn write_unchecked(&self, pa: u64, buf: &[u8]) {
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
        assert_eq!(shm.pages, [0x4000_5000, 0x4000_3000]);
        assert_eq!(shm.chunks(0, 0x20).unwrap(), [(0x4000_5ff0, 16), (0x4000_3000, 16)]);
        shm.write(&ram, 8, b"0123456789abcdef").unwrap();
        let mut back = [0u8; 16];
        shm.read(&ram, 8, &mut back).unwrap();
        assert_eq!(&back, b"0123456789abcdef");
        assert_eq!(shm.chunks(0x10, 0x11), Err(ShmError::OutOfBounds));
        assert_eq!(shm.chunks(u64::MAX, 2), Err(ShmError::OutOfBounds));
    }

    #[test]
    fn follows_the_next_link() {
        let ram = FakeRam::new(64 * 4096);
        let data: Vec<u64> = (0..512).map(|i| 0x4000_0000 + 4096 * (2 + (i % 40))).collect();
        put_list(&ram, 0x4000_0000, &data[..511], 0x4000_1000);
        put_list(&ram, 0x4000_1000, &data[511..], 0);
        let shm = SharedMem::from_page_list(&ram, 0x4000_0000, 512 * 4096).unwrap();
        assert_eq!(shm.pages.len(), 512);
        assert_eq!(shm.pages[511], data[511]);
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
        let shm = SharedMem { pages: alloc::vec![0x4000_0000], offset: 0, size: 16 };
        reg.register(7, shm.clone()).unwrap();
        assert_eq!(reg.register(7, shm), Err(ShmError::Duplicate));
        reg.get(7).unwrap();
        assert_eq!(reg.unregister(7), Err(ShmError::Busy));
        reg.put(7);
        reg.unregister(7).unwrap();
        assert_eq!(reg.unregister(7), Err(ShmError::UnknownCookie));
        assert!(reg.is_empty());
    }
}
