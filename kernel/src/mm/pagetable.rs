//! Stage-1 translation tables for the S-EL1 regime (4 KiB granule, 39-bit VA,
//! walks start at level 1), built as plain data so the layout and every
//! permission can be checked on the host.
//!
//! Tables come from a caller-provided pool; table 0 is the level-1 root. The
//! physical address of each pool table is `pool_pa + index * 4096`.

/// Translation granule.
pub const PAGE_SIZE: u64 = 4096;
const ENTRIES: usize = 512;
const L2_BLOCK: u64 = 2 << 20;
const L1_SPAN: u64 = 1 << 30;
/// Highest VA + 1 covered by a 39-bit address space.
pub const VA_LIMIT: u64 = 1 << 39;

const DESC_VALID: u64 = 1 << 0;
const DESC_TABLE_OR_PAGE: u64 = 1 << 1;
const ATTR_INDX_SHIFT: u64 = 2;
const ATTR_NS: u64 = 1 << 5;
const AP_EL0: u64 = 1 << 6;
const AP_RO: u64 = 1 << 7;
const SH_INNER: u64 = 3 << 8;
const AF: u64 = 1 << 10;
const PXN: u64 = 1 << 53;
const UXN: u64 = 1 << 54;
const ADDR_MASK: u64 = 0x0000_ffff_ffff_f000;

/// `MAIR_EL1` index 0: Device-nGnRnE.
pub const MAIR_DEVICE: u64 = 0;
/// `MAIR_EL1` index 1: Normal, inner/outer write-back non-transient.
pub const MAIR_NORMAL: u64 = 1;
/// The `MAIR_EL1` value matching the two indices above.
pub const MAIR_VALUE: u64 = 0xff << 8; // index 0: 0x00 (device nGnRnE), index 1: 0xff

/// What kind of memory a range is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemKind {
    /// Device registers (never cached, never executable).
    Device,
    /// Normal cacheable memory.
    Normal,
}

/// Permissions of a mapping. Writable and executable are exclusive (W^X).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    /// Read-only, executable (kernel text).
    ReadExecute,
    /// Read-only data.
    ReadOnly,
    /// Read-write data, never executable.
    ReadWrite,
}

/// Attributes of one mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attrs {
    /// Memory type.
    pub kind: MemKind,
    /// Access permissions.
    pub perm: Perm,
    /// Non-secure physical address space (normal-world memory).
    pub non_secure: bool,
    /// Accessible from S-EL0 (a TA's own memory). The kernel never executes it.
    pub user: bool,
}

impl Attrs {
    /// Kernel memory of the given permissions.
    pub const fn kernel(kind: MemKind, perm: Perm) -> Attrs {
        Attrs { kind, perm, non_secure: false, user: false }
    }

    /// TA memory of the given permissions.
    pub const fn user(perm: Perm) -> Attrs {
        Attrs { kind: MemKind::Normal, perm, non_secure: false, user: true }
    }
}

impl Attrs {
    fn bits(self) -> u64 {
        let mut bits = AF;
        bits |= match self.kind {
            MemKind::Device => MAIR_DEVICE << ATTR_INDX_SHIFT,
            MemKind::Normal => (MAIR_NORMAL << ATTR_INDX_SHIFT) | SH_INNER,
        };
        // Execute permission goes to exactly one of EL1 (kernel text) or EL0
        // (TA text), never to a writable page, never to a device.
        let exec_never = if self.user { PXN } else { UXN };
        bits |= match self.perm {
            Perm::ReadExecute => AP_RO | exec_never,
            Perm::ReadOnly => AP_RO | PXN | UXN,
            Perm::ReadWrite => PXN | UXN,
        };
        if self.kind == MemKind::Device {
            bits |= PXN | UXN;
        }
        if self.user {
            bits |= AP_EL0;
        }
        if self.non_secure {
            bits |= ATTR_NS;
        }
        bits
    }

    fn from_bits(bits: u64) -> Attrs {
        let kind = if (bits >> ATTR_INDX_SHIFT) & 7 == MAIR_DEVICE { MemKind::Device } else { MemKind::Normal };
        let user = bits & AP_EL0 != 0;
        let executable = bits & (PXN | UXN) != (PXN | UXN);
        let perm = match (bits & AP_RO != 0, executable) {
            (true, true) => Perm::ReadExecute,
            (true, false) => Perm::ReadOnly,
            _ => Perm::ReadWrite,
        };
        Attrs { kind, perm, non_secure: bits & ATTR_NS != 0, user }
    }
}

/// Why a mapping could not be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// Address or size not page aligned, or beyond the 39-bit VA space.
    Misaligned,
    /// The range overlaps an existing mapping.
    AlreadyMapped,
    /// The table pool is exhausted.
    OutOfTables,
}

/// A set of translation tables under construction.
pub struct PageTables<'a> {
    pool: &'a mut [[u64; ENTRIES]],
    pool_pa: u64,
    used: usize,
}

impl<'a> PageTables<'a> {
    /// Starts empty tables in `pool` (whose first table is the root), located
    /// at physical address `pool_pa`.
    pub fn new(pool: &'a mut [[u64; ENTRIES]], pool_pa: u64) -> PageTables<'a> {
        for table in pool.iter_mut() {
            table.fill(0);
        }
        PageTables { pool, pool_pa, used: 1 }
    }

    /// Continues editing tables built earlier in `pool` (located at `pool_pa`).
    ///
    /// Every table the root or a level-2 table points at counts as used,
    /// also when unmapping has emptied it: an empty table is still linked
    /// in, and handing it out again would make two ranges share it.
    pub fn attach(pool: &'a mut [[u64; ENTRIES]], pool_pa: u64) -> PageTables<'a> {
        let span = pool.len() as u64 * PAGE_SIZE;
        let linked = |desc: u64| -> Option<usize> {
            let pa = desc & ADDR_MASK;
            let is_table = desc & DESC_VALID != 0 && desc & DESC_TABLE_OR_PAGE != 0;
            // Shared kernel entries point at tables outside the pool.
            (is_table && pa >= pool_pa && pa < pool_pa + span).then(|| ((pa - pool_pa) / PAGE_SIZE) as usize)
        };
        let mut used = pool.iter().rposition(|t| t.iter().any(|e| *e != 0)).map_or(1, |last| last + 1).max(1);
        for &l1 in &pool[0] {
            if let Some(l2) = linked(l1) {
                used = used.max(l2 + 1);
                for &l2e in &pool[l2] {
                    if let Some(l3) = linked(l2e) {
                        used = used.max(l3 + 1);
                    }
                }
            }
        }
        PageTables { pool, pool_pa, used }
    }

    /// Physical address of the root table (for `TTBR0_EL1`).
    pub fn root_pa(&self) -> u64 {
        self.pool_pa
    }

    fn alloc_table(&mut self) -> Result<usize, MapError> {
        if self.used == self.pool.len() {
            return Err(MapError::OutOfTables);
        }
        self.used += 1;
        Ok(self.used - 1)
    }

    fn table_index(&self, desc: u64) -> usize {
        (((desc & ADDR_MASK) - self.pool_pa) / PAGE_SIZE) as usize
    }

    /// Returns the next-level table under `table[index]`, creating it.
    fn next_table(&mut self, table: usize, index: usize) -> Result<usize, MapError> {
        let desc = self.pool[table][index];
        if desc & DESC_VALID == 0 {
            let new = self.alloc_table()?;
            self.pool[table][index] = (self.pool_pa + new as u64 * PAGE_SIZE) | DESC_TABLE_OR_PAGE | DESC_VALID;
            Ok(new)
        } else if desc & DESC_TABLE_OR_PAGE != 0 {
            Ok(self.table_index(desc))
        } else {
            Err(MapError::AlreadyMapped)
        }
    }

    /// Maps `[va, va + size)` to `[pa, pa + size)` with `attrs`, using 2 MiB
    /// blocks where alignment allows and 4 KiB pages elsewhere.
    pub fn map(&mut self, va: u64, pa: u64, size: u64, attrs: Attrs) -> Result<(), MapError> {
        if !va.is_multiple_of(PAGE_SIZE) || !pa.is_multiple_of(PAGE_SIZE) || !size.is_multiple_of(PAGE_SIZE) {
            return Err(MapError::Misaligned);
        }
        if va.checked_add(size).is_none_or(|end| end > VA_LIMIT) {
            return Err(MapError::Misaligned);
        }
        let bits = attrs.bits();
        let mut offset = 0;
        while offset < size {
            let (v, p, left) = (va + offset, pa + offset, size - offset);
            let l2 = self.next_table(0, (v / L1_SPAN) as usize)?;
            let l2_index = ((v / L2_BLOCK) % ENTRIES as u64) as usize;
            if v % L2_BLOCK == 0 && p % L2_BLOCK == 0 && left >= L2_BLOCK {
                if self.pool[l2][l2_index] & DESC_VALID != 0 {
                    return Err(MapError::AlreadyMapped);
                }
                self.pool[l2][l2_index] = (p & ADDR_MASK) | bits | DESC_VALID;
                offset += L2_BLOCK;
                continue;
            }
            let l3 = self.next_table(l2, l2_index)?;
            let l3_index = ((v / PAGE_SIZE) % ENTRIES as u64) as usize;
            if self.pool[l3][l3_index] & DESC_VALID != 0 {
                return Err(MapError::AlreadyMapped);
            }
            self.pool[l3][l3_index] = (p & ADDR_MASK) | bits | DESC_TABLE_OR_PAGE | DESC_VALID;
            offset += PAGE_SIZE;
        }
        Ok(())
    }

    /// Removes the 4 KiB page mappings of `[va, va + size)` (mapped by [`Self::map`]
    /// with pages, not blocks). The caller invalidates the TLB.
    pub fn unmap(&mut self, va: u64, size: u64) -> Result<(), MapError> {
        if !va.is_multiple_of(PAGE_SIZE) || !size.is_multiple_of(PAGE_SIZE) {
            return Err(MapError::Misaligned);
        }
        let mut offset = 0;
        while offset < size {
            let v = va + offset;
            let l1 = self.pool[0][((v / L1_SPAN) % ENTRIES as u64) as usize];
            if l1 & DESC_VALID != 0 && l1 & DESC_TABLE_OR_PAGE != 0 {
                let l2t = self.table_index(l1);
                let l2 = self.pool[l2t][((v / L2_BLOCK) % ENTRIES as u64) as usize];
                if l2 & DESC_VALID != 0 && l2 & DESC_TABLE_OR_PAGE != 0 {
                    let l3t = self.table_index(l2);
                    self.pool[l3t][((v / PAGE_SIZE) % ENTRIES as u64) as usize] = 0;
                }
            }
            offset += PAGE_SIZE;
        }
        Ok(())
    }

    /// Copies level-1 entry `index` from another root (sharing its lower
    /// tables): how a TA's tables include the kernel's own mappings.
    pub fn share_l1_entry(&mut self, index: usize, entry: u64) {
        self.pool[0][index] = entry;
    }

    /// Level-1 entry `index` of these tables.
    pub fn l1_entry(&self, index: usize) -> u64 {
        self.pool[0][index]
    }

    /// Walks the tables: the physical address and attributes `va` maps to.
    pub fn translate(&self, va: u64) -> Option<(u64, Attrs)> {
        let l1 = self.pool[0][((va / L1_SPAN) % ENTRIES as u64) as usize];
        if l1 & DESC_VALID == 0 || va >= VA_LIMIT {
            return None;
        }
        let l2 = self.pool[self.table_index(l1)][((va / L2_BLOCK) % ENTRIES as u64) as usize];
        if l2 & DESC_VALID == 0 {
            return None;
        }
        if l2 & DESC_TABLE_OR_PAGE == 0 {
            return Some(((l2 & ADDR_MASK) + va % L2_BLOCK, Attrs::from_bits(l2)));
        }
        let l3 = self.pool[self.table_index(l2)][((va / PAGE_SIZE) % ENTRIES as u64) as usize];
        if l3 & DESC_VALID == 0 {
            return None;
        }
        Some(((l3 & ADDR_MASK) + va % PAGE_SIZE, Attrs::from_bits(l3)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: Attrs = Attrs::kernel(MemKind::Normal, Perm::ReadExecute);
    const DATA: Attrs = Attrs::kernel(MemKind::Normal, Perm::ReadWrite);
    const DEV: Attrs = Attrs::kernel(MemKind::Device, Perm::ReadWrite);

    #[test]
    fn maps_pages_and_blocks() {
        let mut pool = vec![[0u64; ENTRIES]; 8];
        let mut pt = PageTables::new(&mut pool, 0x0e20_0000);
        pt.map(0x0e10_0000, 0x0e10_0000, 0x3000, TEXT).unwrap();
        pt.map(0x0e10_3000, 0x0e10_3000, 0x1000, DATA).unwrap();
        pt.map(0x0800_0000, 0x0800_0000, 0x0100_0000, DEV).unwrap();
        assert_eq!(pt.translate(0x0e10_1234), Some((0x0e10_1234, TEXT)));
        assert_eq!(pt.translate(0x0e10_3ff8), Some((0x0e10_3ff8, DATA)));
        assert_eq!(pt.translate(0x0e10_4000), None);
        assert_eq!(pt.translate(0x080a_0010), Some((0x080a_0010, DEV)));
        assert_eq!(pt.translate(0x4000_0000), None);
    }

    #[test]
    fn attach_never_hands_out_an_emptied_table_still_linked_in() {
        const USER: Attrs = Attrs::user(Perm::ReadWrite);
        let pa = 0x0e20_0000;
        let mut pool = vec![[0u64; ENTRIES]; 8];
        PageTables::new(&mut pool, pa).map(0x1_4000_0000, 0x5000_0000, 0x1000, USER).unwrap();
        // A second range in another 1 GiB slot, then unmapped: its level-3
        // table is all zeros but still linked from its level-2 table.
        PageTables::attach(&mut pool, pa).map(0x1_8000_0000, 0x5100_0000, 0x1000, USER).unwrap();
        PageTables::attach(&mut pool, pa).unmap(0x1_8000_0000, 0x1000).unwrap();
        // A third range must get fresh tables, leaving the second's alone.
        let mut pt = PageTables::attach(&mut pool, pa);
        pt.map(0x1_c000_0000, 0x5200_0000, 0x1000, USER).unwrap();
        pt.map(0x1_8000_0000, 0x5300_0000, 0x1000, USER).unwrap();
        assert_eq!(pt.translate(0x1_c000_0000).map(|(p, _)| p), Some(0x5200_0000));
        assert_eq!(pt.translate(0x1_8000_0000).map(|(p, _)| p), Some(0x5300_0000));
        assert_eq!(pt.translate(0x1_4000_0000).map(|(p, _)| p), Some(0x5000_0000));
    }

    #[test]
    fn writable_is_never_executable() {
        for perm in [Perm::ReadExecute, Perm::ReadOnly, Perm::ReadWrite] {
            for kind in [MemKind::Normal, MemKind::Device] {
                for user in [false, true] {
                    let a = Attrs { kind, perm, non_secure: false, user };
                    let bits = a.bits();
                    let writable = bits & AP_RO == 0;
                    let executable = bits & (PXN | UXN) != (PXN | UXN);
                    assert!(!(writable && executable), "{a:?}");
                    assert_ne!(bits & PXN | bits & UXN, 0);
                    if user {
                        assert_ne!(bits & PXN, 0, "the kernel never executes TA memory");
                    } else {
                        assert_ne!(bits & UXN, 0, "EL0 never executes kernel mappings");
                        assert_eq!(bits & AP_EL0, 0, "EL0 never reaches kernel mappings");
                    }
                    if kind == MemKind::Normal {
                        assert_eq!(Attrs::from_bits(bits).perm, perm, "{a:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn refuses_overlap_misalignment_and_exhaustion() {
        let mut pool = vec![[0u64; ENTRIES]; 3];
        let mut pt = PageTables::new(&mut pool, 0x1000_0000);
        pt.map(0x0e10_0000, 0x0e10_0000, 0x1000, DATA).unwrap();
        assert_eq!(pt.map(0x0e10_0000, 0x0e10_0000, 0x1000, DATA), Err(MapError::AlreadyMapped));
        assert_eq!(pt.map(0x0e10_0001, 0x0e10_0000, 0x1000, DATA), Err(MapError::Misaligned));
        assert_eq!(pt.map(VA_LIMIT - 0x1000, 0, 0x2000, DATA), Err(MapError::Misaligned));
        // Root, one L2, one L3 used: a second L3 does not fit.
        assert_eq!(pt.map(0x0e40_0000, 0x0e40_0000, 0x1000, DATA), Err(MapError::OutOfTables));
    }

    #[test]
    fn unmaps_pages() {
        let mut pool = vec![[0u64; ENTRIES]; 4];
        let mut pt = PageTables::new(&mut pool, 0x1000_0000);
        let ta = Attrs::user(Perm::ReadWrite);
        pt.map(0x1_0000_0000, 0x0e80_0000, 0x3000, ta).unwrap();
        pt.unmap(0x1_0000_1000, 0x1000).unwrap();
        assert_eq!(pt.translate(0x1_0000_0000), Some((0x0e80_0000, ta)));
        assert_eq!(pt.translate(0x1_0000_1000), None);
        pt.map(0x1_0000_1000, 0x0e90_0000, 0x1000, ta).unwrap();
        assert_eq!(pt.translate(0x1_0000_1008), Some((0x0e90_0008, ta)));
    }

    #[test]
    fn non_secure_bit_is_kept() {
        let mut pool = vec![[0u64; ENTRIES]; 4];
        let mut pt = PageTables::new(&mut pool, 0x1000_0000);
        let ns = Attrs { kind: MemKind::Normal, perm: Perm::ReadWrite, non_secure: true, user: false };
        pt.map(0x4000_0000, 0x4000_0000, 0x20_0000, ns).unwrap();
        assert_eq!(pt.translate(0x4000_1000), Some((0x4000_1000, ns)));
    }
}
