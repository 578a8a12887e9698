//! A TA instance's translation tables: a pool that starts small and grows
//! by chunks as the TA's mappings need tables (`mm::pagetable` takes a pool
//! of chunks; tables never move, so the root and every link stay valid).
//!
//! Most TAs need a handful of tables (the root, one level-2 table per area
//! in use, a level-3 table per 2 MiB mapped with pages); a fixed pool sized
//! for the worst case cost every instance 128 KiB. Growth is bounded:
//! [`MAX_CHUNKS`] chunks, each at least [`GROW_TABLES`] tables.

extern crate alloc;

use alloc::vec::Vec;
use tee_abi::result::TeeError;

use super::memory::PageBuf;
use crate::mm::pagetable::{Attrs, Chunk, MAX_CHUNKS, MapError, PageTables};

/// Tables a new instance starts with.
pub const INITIAL_TABLES: usize = 8;
/// Tables added at least when the pool runs short.
pub const GROW_TABLES: usize = 8;

/// The pool: chunks of page-aligned tables; the first chunk's first table
/// is the root.
pub struct TaTables {
    chunks: Vec<PageBuf>,
}

impl TaTables {
    /// A pool of `tables` zeroed tables in one chunk.
    pub fn new(tables: usize) -> Result<TaTables, TeeError> {
        let mut chunks = Vec::new();
        chunks.try_reserve(MAX_CHUNKS).map_err(|_| TeeError::OutOfMemory)?;
        chunks.push(PageBuf::new(tables.max(1) * 4096)?);
        Ok(TaTables { chunks })
    }

    /// Physical address of the root table (for `TTBR0_EL1`).
    pub fn root(&self) -> u64 {
        self.chunks[0].addr()
    }

    /// Bytes the pool holds.
    pub fn bytes(&self) -> usize {
        self.chunks.iter().map(PageBuf::len).sum()
    }

    /// Runs `f` on an editor of the whole pool.
    pub fn edit<R>(&mut self, f: impl FnOnce(&mut PageTables<'_>) -> R) -> R {
        let chunks = self.chunks.iter_mut().map(|c| {
            let pa = c.addr();
            Chunk { tables: c.as_tables_mut(), pa }
        });
        f(&mut PageTables::attach_chunks(chunks))
    }

    /// Maps `[va, va + size)` to `pa` (all or nothing), growing the pool
    /// by a chunk first if the tables it needs are not free.
    pub fn map(&mut self, va: u64, pa: u64, size: u64, attrs: Attrs) -> Result<(), MapError> {
        let (needed, free) = self.edit(|pt| pt.tables_needed(va, pa, size).map(|n| (n, pt.free_tables())))?;
        if needed > free {
            if self.chunks.len() >= MAX_CHUNKS {
                return Err(MapError::OutOfTables);
            }
            let chunk = PageBuf::new((needed - free).max(GROW_TABLES) * 4096).map_err(|_| MapError::OutOfTables)?;
            self.chunks.push(chunk);
        }
        self.edit(|pt| pt.map(va, pa, size, attrs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::pagetable::Perm;

    const USER: Attrs = Attrs::user(Perm::ReadWrite);

    #[test]
    fn starts_small_and_grows_by_chunks_as_mappings_need_tables() {
        let mut t = TaTables::new(2).unwrap();
        let root = t.root();
        t.edit(|pt| {
            // As a fresh instance: an empty root.
            assert_eq!(pt.tables_in_use(), 1);
        });
        // Pages in 20 different 2 MiB regions of one 1 GiB slot: a level-2
        // table and 20 level-3 tables, far past the first chunk.
        for i in 0..20u64 {
            t.map(0x1_4000_0000 + i * (2 << 20), 0x5000_0000 + i * 4096, 4096, USER).unwrap();
        }
        assert_eq!(t.root(), root, "the root never moves");
        assert!(t.chunks.len() > 1 && t.chunks.len() <= MAX_CHUNKS);
        t.edit(|pt| {
            assert_eq!(pt.tables_in_use(), 22);
            for i in 0..20u64 {
                assert_eq!(pt.translate(0x1_4000_0000 + i * (2 << 20)).map(|(p, _)| p), Some(0x5000_0000 + i * 4096));
            }
        });
        // The pool is bounded: with every chunk used, a map needing more
        // tables is refused whole.
        let mut i = 20u64;
        let err = loop {
            match t.map(0x1_4000_0000 + i * (2 << 20), 0x6000_0000, 4096, USER) {
                Ok(()) => i += 1,
                Err(e) => break e,
            }
        };
        assert_eq!(err, MapError::OutOfTables);
        assert_eq!(t.chunks.len(), MAX_CHUNKS);
        let before = t.edit(|pt| pt.tables_in_use());
        assert_eq!(t.map(0x1_8000_0000, 0x6000_0000, 4096, USER), Err(MapError::OutOfTables));
        assert_eq!(t.edit(|pt| pt.tables_in_use()), before, "nothing taken by the refused map");
    }
}
