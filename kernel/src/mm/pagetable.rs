//! Stage-1 translation tables for the S-EL1 regime (4 KiB granule, 39-bit VA,
//! walks start at level 1), built as plain data so the layout and every
//! permission can be checked on the host.
//!
//! Tables come from a caller-provided pool of one or more chunks of
//! contiguous tables ([`Chunk`]); table 0 of the first chunk is the level-1
//! root. A pool may grow by chunks between edits (a TA's tables start small
//! and get more as its mappings need them): tables never move, so the root
//! and every link stay valid.
//!
//! Every change is all-or-nothing: [`PageTables::map`] and
//! [`PageTables::unmap`] first walk the whole range without writing
//! (overlaps, holes, blocks cut in two, tables needed) and write only when
//! all of it can be done, so an error leaves the tables bit for bit as they
//! were. Tables that an unmap empties are unlinked and zeroed at once: a
//! free table is always all zeros, and every linked table but the root maps
//! something. The caller invalidates the TLB after an unmap.

use super::attrs::{ADDR_MASK, DESC_TABLE_OR_PAGE, DESC_VALID, SW_SHARED};
pub use super::attrs::{Attrs, MAIR_DEVICE, MAIR_NORMAL, MAIR_VALUE, MemKind, Perm};

/// Translation granule.
pub const PAGE_SIZE: u64 = 4096;
const ENTRIES: usize = 512;
const L2_BLOCK: u64 = 2 << 20;
const L1_SPAN: u64 = 1 << 30;
/// Highest VA + 1 covered by a 39-bit address space.
pub const VA_LIMIT: u64 = 1 << 39;
/// Highest PA + 1 a descriptor can hold.
const PA_LIMIT: u64 = 1 << 48;
/// Most tables one pool may have (the editor tracks them in a bitmap);
/// tables past this many are never used.
pub const MAX_TABLES: usize = 256;

/// Why a mapping could not be made or removed. The tables are unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapError {
    /// Address or size not page aligned, empty, or beyond the 39-bit VA
    /// (or 48-bit PA) space.
    Misaligned,
    /// The range overlaps an existing mapping.
    AlreadyMapped,
    /// The table pool is exhausted.
    OutOfTables,
    /// Unmap: part of the range is not mapped.
    NotMapped,
    /// Unmap: a block mapping reaches outside the range (blocks are only
    /// removed whole).
    PartialBlock,
    /// The range reaches entries these tables share with other tables (a
    /// TA root's copies of the kernel's level-1 entries), which this editor
    /// never changes.
    NotOurs,
}

/// A level-1 or level-2 descriptor as seen from this pool.
enum Entry {
    Empty,
    /// A block: maps memory itself.
    Leaf,
    /// A next-level table of this pool.
    Table(usize),
    /// Shared with other tables (copied from the kernel, or a table
    /// outside the pool): not ours to change.
    Foreign,
}

/// How much one entry maps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    L1Block,
    L2Block,
    Page,
}

impl Level {
    /// The largest entry that maps `v` to `p` without passing `left` bytes.
    fn for_range(v: u64, p: u64, left: u64) -> Level {
        let fits = |span: u64| v.is_multiple_of(span) && p.is_multiple_of(span) && left >= span;
        if fits(L1_SPAN) {
            Level::L1Block
        } else if fits(L2_BLOCK) {
            Level::L2Block
        } else {
            Level::Page
        }
    }

    fn size(self) -> u64 {
        match self {
            Level::L1Block => L1_SPAN,
            Level::L2Block => L2_BLOCK,
            Level::Page => PAGE_SIZE,
        }
    }
}

fn l1_index(va: u64) -> usize {
    ((va / L1_SPAN) % ENTRIES as u64) as usize
}

fn l2_index(va: u64) -> usize {
    ((va / L2_BLOCK) % ENTRIES as u64) as usize
}

fn l3_index(va: u64) -> usize {
    ((va / PAGE_SIZE) % ENTRIES as u64) as usize
}

/// `[va, va + size)` is a non-empty, page-aligned range of the VA space.
fn check_range(va: u64, size: u64) -> Result<(), MapError> {
    let aligned = va.is_multiple_of(PAGE_SIZE) && size.is_multiple_of(PAGE_SIZE) && size > 0;
    if !aligned || va.checked_add(size).is_none_or(|end| end > VA_LIMIT) {
        return Err(MapError::Misaligned);
    }
    Ok(())
}

/// Most chunks one pool may have.
pub const MAX_CHUNKS: usize = 8;

/// Contiguous tables of a pool, at physical address `pa`.
pub struct Chunk<'a> {
    pub tables: &'a mut [[u64; ENTRIES]],
    pub pa: u64,
}

/// A set of translation tables being edited.
pub struct PageTables<'a> {
    /// The pool's chunks in order; a table's index counts across them.
    chunks: [Option<Chunk<'a>>; MAX_CHUNKS],
    /// Bit `i`: table `i` is the root or linked into the tree.
    used: [u64; MAX_TABLES / 64],
}

impl<'a> PageTables<'a> {
    /// Starts empty tables in `pool` (whose first table is the root), located
    /// at physical address `pool_pa`.
    pub fn new(pool: &'a mut [[u64; ENTRIES]], pool_pa: u64) -> PageTables<'a> {
        for table in pool.iter_mut() {
            table.fill(0);
        }
        let mut pt = Self::from_chunks([Chunk { tables: pool, pa: pool_pa }]);
        pt.set_used(0, true);
        pt
    }

    fn from_chunks(chunks: impl IntoIterator<Item = Chunk<'a>>) -> PageTables<'a> {
        let mut all = [const { None }; MAX_CHUNKS];
        for (slot, chunk) in all.iter_mut().zip(chunks) {
            *slot = Some(chunk);
        }
        PageTables { chunks: all, used: [0; MAX_TABLES / 64] }
    }

    /// Continues editing tables built earlier in a pool of chunks (the
    /// first chunk's first table is the root; chunks past [`MAX_CHUNKS`]
    /// are not used): as [`Self::attach`].
    pub fn attach_chunks(chunks: impl IntoIterator<Item = Chunk<'a>>) -> PageTables<'a> {
        Self::attached(Self::from_chunks(chunks))
    }

    /// Table `i` of the pool (counting across chunks).
    fn t(&self, i: usize) -> &[u64; ENTRIES] {
        let mut i = i;
        for c in self.chunks.iter().flatten() {
            match c.tables.get(i) {
                Some(t) => return t,
                None => i -= c.tables.len(),
            }
        }
        panic!("table index out of the pool")
    }

    /// Table `i` of the pool, to change it.
    fn t_mut(&mut self, i: usize) -> &mut [u64; ENTRIES] {
        let mut i = i;
        for c in self.chunks.iter_mut().flatten() {
            let len = c.tables.len();
            if i < len {
                return &mut c.tables[i];
            }
            i -= len;
        }
        panic!("table index out of the pool")
    }

    /// Physical address of table `i`.
    fn pa_of(&self, i: usize) -> u64 {
        let mut i = i;
        for c in self.chunks.iter().flatten() {
            if i < c.tables.len() {
                return c.pa + i as u64 * PAGE_SIZE;
            }
            i -= c.tables.len();
        }
        u64::MAX
    }

    /// Continues editing tables built earlier in `pool` (located at
    /// `pool_pa`): the tables linked from the root are in use, the others
    /// free.
    pub fn attach(pool: &'a mut [[u64; ENTRIES]], pool_pa: u64) -> PageTables<'a> {
        Self::attached(Self::from_chunks([Chunk { tables: pool, pa: pool_pa }]))
    }

    /// Marks the tables linked from the root as used, the others free.
    fn attached(mut pt: PageTables<'a>) -> PageTables<'a> {
        pt.set_used(0, true);
        for l1 in 0..ENTRIES {
            if let Entry::Table(l2) = pt.classify(pt.t(0)[l1]) {
                pt.set_used(l2, true);
                for l2_entry in 0..ENTRIES {
                    if let Entry::Table(l3) = pt.classify(pt.t(l2)[l2_entry]) {
                        pt.set_used(l3, true);
                    }
                }
            }
        }
        // Never hand out a table holding anything, linked or not (this
        // editor leaves none such; a table is zeroed when freed).
        for i in 1..pt.usable() {
            if !pt.is_used(i) && pt.t(i).iter().any(|e| *e != 0) {
                pt.set_used(i, true);
            }
        }
        pt
    }

    /// Physical address of the root table (for `TTBR0_EL1`).
    pub fn root_pa(&self) -> u64 {
        self.pa_of(0)
    }

    /// Tables in use, the root included.
    pub fn tables_in_use(&self) -> usize {
        (0..self.usable()).filter(|&i| self.is_used(i)).count()
    }

    fn usable(&self) -> usize {
        self.chunks.iter().flatten().map(|c| c.tables.len()).sum::<usize>().min(MAX_TABLES)
    }

    fn is_used(&self, i: usize) -> bool {
        self.used[i / 64] & (1 << (i % 64)) != 0
    }

    fn set_used(&mut self, i: usize, used: bool) {
        if used {
            self.used[i / 64] |= 1 << (i % 64);
        } else {
            self.used[i / 64] &= !(1 << (i % 64));
        }
    }

    /// Tables free for new links.
    pub fn free_tables(&self) -> usize {
        self.usable() - self.tables_in_use()
    }

    fn alloc_table(&mut self) -> Result<usize, MapError> {
        let i = (1..self.usable()).find(|&i| !self.is_used(i)).ok_or(MapError::OutOfTables)?;
        self.t_mut(i).fill(0);
        self.set_used(i, true);
        Ok(i)
    }

    fn release_table(&mut self, i: usize) {
        self.t_mut(i).fill(0);
        self.set_used(i, false);
    }

    fn is_empty(&self, i: usize) -> bool {
        self.t(i).iter().all(|e| *e == 0)
    }

    /// The pool index of the table at `desc`'s address, if it is a pool
    /// table other than the root.
    fn index_of(&self, desc: u64) -> Option<usize> {
        let pa = desc & ADDR_MASK;
        let mut base = 0;
        for c in self.chunks.iter().flatten() {
            let len = c.tables.len();
            if let Some(offset) = pa.checked_sub(c.pa)
                && offset / PAGE_SIZE < len as u64
            {
                let i = base + (offset / PAGE_SIZE) as usize;
                return (i >= 1 && i < self.usable()).then_some(i);
            }
            base += len;
        }
        None
    }

    fn classify(&self, desc: u64) -> Entry {
        if desc & DESC_VALID == 0 {
            Entry::Empty
        } else if desc & SW_SHARED != 0 {
            Entry::Foreign
        } else if desc & DESC_TABLE_OR_PAGE == 0 {
            Entry::Leaf
        } else {
            self.index_of(desc).map_or(Entry::Foreign, Entry::Table)
        }
    }

    /// Returns the next-level table under `table[index]`, creating it.
    fn child(&mut self, table: usize, index: usize) -> Result<usize, MapError> {
        match self.classify(self.t(table)[index]) {
            Entry::Table(i) => Ok(i),
            Entry::Empty => {
                let new = self.alloc_table()?;
                let link = self.pa_of(new) | DESC_TABLE_OR_PAGE | DESC_VALID;
                self.t_mut(table)[index] = link;
                Ok(new)
            }
            Entry::Leaf => Err(MapError::AlreadyMapped),
            Entry::Foreign => Err(MapError::NotOurs),
        }
    }

    /// Maps `[va, va + size)` to `[pa, pa + size)` with `attrs`, using 1 GiB
    /// and 2 MiB blocks where alignment allows and 4 KiB pages elsewhere.
    /// All or nothing: on error the tables are unchanged.
    pub fn map(&mut self, va: u64, pa: u64, size: u64, attrs: Attrs) -> Result<(), MapError> {
        check_range(va, size)?;
        if !pa.is_multiple_of(PAGE_SIZE) || pa.checked_add(size).is_none_or(|end| end > PA_LIMIT) {
            return Err(MapError::Misaligned);
        }
        if self.tables_needed(va, pa, size)? > self.free_tables() {
            return Err(MapError::OutOfTables);
        }
        // From here on nothing fails: the walk above saw every entry.
        let bits = attrs.bits();
        let mut offset = 0;
        while offset < size {
            let (v, p) = (va + offset, pa + offset);
            let level = Level::for_range(v, p, size - offset);
            if level == Level::L1Block {
                self.t_mut(0)[l1_index(v)] = p | bits | DESC_VALID;
            } else {
                let l2 = self.child(0, l1_index(v))?;
                if level == Level::L2Block {
                    self.t_mut(l2)[l2_index(v)] = p | bits | DESC_VALID;
                } else {
                    let l3 = self.child(l2, l2_index(v))?;
                    self.t_mut(l3)[l3_index(v)] = p | bits | DESC_TABLE_OR_PAGE | DESC_VALID;
                }
            }
            offset += level.size();
        }
        Ok(())
    }

    /// Checks that `map(va, pa, size)` can be done without writing anything:
    /// the new tables it needs, or why it cannot.
    pub fn tables_needed(&self, va: u64, pa: u64, size: u64) -> Result<usize, MapError> {
        let mut needed = 0;
        // The level-1 slot and the 2 MiB region whose tables this map creates
        // (a walk in address order meets each once, consecutively).
        let mut new_l2: Option<usize> = None;
        let mut new_l3: Option<u64> = None;
        let mut need_l3 = |v: u64, needed: &mut usize| {
            if new_l3 != Some(v / L2_BLOCK) {
                new_l3 = Some(v / L2_BLOCK);
                *needed += 1;
            }
        };
        let mut offset = 0;
        while offset < size {
            let (v, p) = (va + offset, pa + offset);
            let level = Level::for_range(v, p, size - offset);
            match (self.classify(self.t(0)[l1_index(v)]), level) {
                (Entry::Foreign, _) => return Err(MapError::NotOurs),
                (Entry::Leaf, _) | (Entry::Table(_), Level::L1Block) => return Err(MapError::AlreadyMapped),
                (Entry::Empty, Level::L1Block) => {}
                (Entry::Empty, _) => {
                    if new_l2 != Some(l1_index(v)) {
                        new_l2 = Some(l1_index(v));
                        needed += 1;
                    }
                    if level == Level::Page {
                        need_l3(v, &mut needed);
                    }
                }
                (Entry::Table(l2), _) => match (self.classify(self.t(l2)[l2_index(v)]), level) {
                    (Entry::Foreign, _) => return Err(MapError::NotOurs),
                    // A linked level-3 table maps something in this 2 MiB.
                    (Entry::Leaf, _) | (Entry::Table(_), Level::L2Block) => return Err(MapError::AlreadyMapped),
                    (Entry::Empty, Level::Page) => need_l3(v, &mut needed),
                    (Entry::Empty, _) => {}
                    (Entry::Table(l3), _) => {
                        if self.t(l3)[l3_index(v)] & DESC_VALID != 0 {
                            return Err(MapError::AlreadyMapped);
                        }
                    }
                },
            }
            offset += level.size();
        }
        Ok(needed)
    }

    /// The entry mapping `va`: (pool table, index in it, bytes it maps).
    fn leaf(&self, va: u64) -> Result<(usize, usize, u64), MapError> {
        let l2 = match self.classify(self.t(0)[l1_index(va)]) {
            Entry::Empty => return Err(MapError::NotMapped),
            Entry::Foreign => return Err(MapError::NotOurs),
            Entry::Leaf => return Ok((0, l1_index(va), L1_SPAN)),
            Entry::Table(l2) => l2,
        };
        let l3 = match self.classify(self.t(l2)[l2_index(va)]) {
            Entry::Empty => return Err(MapError::NotMapped),
            Entry::Foreign => return Err(MapError::NotOurs),
            Entry::Leaf => return Ok((l2, l2_index(va), L2_BLOCK)),
            Entry::Table(l3) => l3,
        };
        if self.t(l3)[l3_index(va)] & DESC_VALID == 0 {
            return Err(MapError::NotMapped);
        }
        Ok((l3, l3_index(va), PAGE_SIZE))
    }

    /// Removes the mappings of `[va, va + size)`: pages and whole blocks,
    /// every byte of the range mapped. All or nothing; tables left empty go
    /// back to the pool. The caller invalidates the TLB (blocks included)
    /// before it reuses the memory or the freed tables' old contents matter.
    pub fn unmap(&mut self, va: u64, size: u64) -> Result<(), MapError> {
        check_range(va, size)?;
        let mut offset = 0;
        while offset < size {
            let v = va + offset;
            let (_, _, span) = self.leaf(v)?;
            if !v.is_multiple_of(span) || span > size - offset {
                return Err(MapError::PartialBlock);
            }
            offset += span;
        }
        // From here on nothing fails: the walk above saw every entry.
        let mut offset = 0;
        while offset < size {
            let (table, index, span) = self.leaf(va + offset)?;
            self.t_mut(table)[index] = 0;
            offset += span;
        }
        self.reclaim(va, va + size);
        Ok(())
    }

    /// Unlinks and frees the tables under `[start, end)` left empty.
    fn reclaim(&mut self, start: u64, end: u64) {
        for l1 in l1_index(start)..=l1_index(end - 1) {
            let Entry::Table(l2) = self.classify(self.t(0)[l1]) else { continue };
            let slot = l1 as u64 * L1_SPAN;
            let (lo, hi) = (start.max(slot), end.min(slot + L1_SPAN));
            for l2_entry in l2_index(lo)..=l2_index(hi - 1) {
                if let Entry::Table(l3) = self.classify(self.t(l2)[l2_entry])
                    && self.is_empty(l3)
                {
                    self.t_mut(l2)[l2_entry] = 0;
                    self.release_table(l3);
                }
            }
            if self.is_empty(l2) {
                self.t_mut(0)[l1] = 0;
                self.release_table(l2);
            }
        }
    }

    /// Copies level-1 entry `index` from another root (sharing its lower
    /// tables): how a TA's tables include the kernel's own mappings. The
    /// copy is marked so that `map` and `unmap` here never change it.
    pub fn share_l1_entry(&mut self, index: usize, entry: u64) {
        self.t_mut(0)[index] = if entry & DESC_VALID != 0 { entry | SW_SHARED } else { 0 };
    }

    /// Level-1 entry `index` of these tables.
    pub fn l1_entry(&self, index: usize) -> u64 {
        self.t(0)[index]
    }

    /// Walks the tables: the physical address and attributes `va` maps to
    /// (`None` also for addresses behind tables outside the pool).
    pub fn translate(&self, va: u64) -> Option<(u64, Attrs)> {
        if va >= VA_LIMIT {
            return None;
        }
        let mut desc = self.t(0)[l1_index(va)];
        for (span, index) in [(L1_SPAN, l2_index(va)), (L2_BLOCK, l3_index(va))] {
            if desc & DESC_VALID == 0 {
                return None;
            }
            if desc & DESC_TABLE_OR_PAGE == 0 {
                return Some(((desc & ADDR_MASK) + va % span, Attrs::from_bits(desc)));
            }
            desc = self.t(self.index_of(desc)?)[index];
        }
        (desc & DESC_VALID != 0).then(|| ((desc & ADDR_MASK) + va % PAGE_SIZE, Attrs::from_bits(desc)))
    }
}

#[cfg(test)]
mod tests;
