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
        self.map_all(&[Mapping { va, pa, size, attrs }])
    }

    /// Makes `maps` in order with one editor (walking the tables once, as
    /// the editor's attach does, not once per map), growing the pool by a
    /// chunk whenever the next one needs tables that are not free. Each map
    /// is all or nothing; on an error the ones before it stay made.
    pub fn map_all(&mut self, maps: &[Mapping]) -> Result<(), MapError> {
        let mut done = 0;
        while done < maps.len() {
            let (made, short) = self.edit(|pt| {
                for (i, m) in maps[done..].iter().enumerate() {
                    match pt.map(m.va, m.pa, m.size, m.attrs) {
                        Ok(()) => {}
                        Err(MapError::OutOfTables) => {
                            let needed = pt.tables_needed(m.va, m.pa, m.size)?;
                            return Ok((i, needed.saturating_sub(pt.free_tables())));
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok((maps.len() - done, 0))
            })?;
            done += made;
            if done < maps.len() {
                self.grow(short)?;
            }
        }
        Ok(())
    }

    /// Adds a chunk of at least `tables` tables ([`GROW_TABLES`] at least).
    fn grow(&mut self, tables: usize) -> Result<(), MapError> {
        if self.chunks.len() >= MAX_CHUNKS {
            return Err(MapError::OutOfTables);
        }
        let chunk = PageBuf::new(tables.max(GROW_TABLES) * 4096).map_err(|_| MapError::OutOfTables)?;
        self.chunks.push(chunk);
        Ok(())
    }
}

/// One mapping for [`TaTables::map_all`].
#[derive(Clone, Copy, Debug)]
pub struct Mapping {
    pub va: u64,
    pub pa: u64,
    pub size: u64,
    pub attrs: Attrs,
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

    #[test]
    fn map_all_grows_midway_and_keeps_what_it_made() {
        let mut t = TaTables::new(2).unwrap();
        let maps: Vec<Mapping> = (0..12u64)
            .map(|i| Mapping { va: 0x1_4000_0000 + i * (2 << 20), pa: 0x5000_0000 + i * 4096, size: 4096, attrs: USER })
            .collect();
        t.map_all(&maps).unwrap();
        t.edit(|pt| {
            assert_eq!(pt.tables_in_use(), 14);
            for m in &maps {
                assert_eq!(pt.translate(m.va).map(|(p, _)| p), Some(m.pa));
            }
        });
        // A clash midway: the maps before it stay, the error comes back.
        let clash = [
            Mapping { va: 0x1_8000_0000, pa: 0x6000_0000, size: 4096, attrs: USER },
            maps[3],
            Mapping { va: 0x1_8020_0000, pa: 0x6100_0000, size: 4096, attrs: USER },
        ];
        assert_eq!(t.map_all(&clash), Err(MapError::AlreadyMapped));
        t.edit(|pt| {
            assert_eq!(pt.translate(0x1_8000_0000).map(|(p, _)| p), Some(0x6000_0000));
            assert_eq!(pt.translate(0x1_8020_0000), None);
        });
    }
}
