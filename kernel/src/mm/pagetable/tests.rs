//! Host tests of the translation tables.

use super::*;
use crate::mm::attrs::{AP_EL0, AP_RO, PXN, UXN};

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

/// A TA-like address in a 1 GiB slot of its own.
const TA_VA: u64 = 0x7f_8000_0000;
const USER_RW: Attrs = Attrs::user(Perm::ReadWrite);
const BLOCK: u64 = 2 << 20;

/// What the tables would translate `va` to, by a walk from the root.
fn walk(pool: &mut [[u64; ENTRIES]], pa: u64, va: u64) -> Option<(u64, Attrs)> {
    PageTables::attach(pool, pa).translate(va)
}

#[test]
fn unmapping_a_block_really_removes_it() {
    let pa = 0x0e20_0000;
    let mut pool = vec![[0u64; ENTRIES]; 8];
    // VA and PA 2 MiB aligned, 4 MiB long: two level-2 blocks.
    PageTables::new(&mut pool, pa).map(TA_VA, 0x4060_0000, 2 * BLOCK, USER_RW).unwrap();
    assert_eq!(walk(&mut pool, pa, TA_VA + BLOCK + 8), Some((0x4080_0008, USER_RW)));
    PageTables::attach(&mut pool, pa).unmap(TA_VA, 2 * BLOCK).unwrap();
    for va in [TA_VA, TA_VA + 0x1f_f000, TA_VA + BLOCK, TA_VA + 2 * BLOCK - 8] {
        assert_eq!(walk(&mut pool, pa, va), None, "{va:#x} still mapped");
    }
    // The range is free again, and no table is left behind.
    assert!(pool[1..].iter().all(|t| t.iter().all(|e| *e == 0)));
    assert!(pool[0].iter().all(|e| *e == 0));
    PageTables::attach(&mut pool, pa).map(TA_VA, 0x4060_0000, 2 * BLOCK, USER_RW).unwrap();
}

#[test]
fn a_map_failing_half_way_changes_nothing() {
    let pa = 0x0e20_0000;
    let mut pool = vec![[0u64; ENTRIES]; 8];
    // Something already at the third 2 MiB region.
    PageTables::new(&mut pool, pa).map(TA_VA + 2 * BLOCK + 0x3000, 0x5000_0000, 0x1000, USER_RW).unwrap();
    let before = pool.clone();
    // Pages, then a block, then pages again up to the existing page: every
    // kind of entry (and new tables) would be written before the clash.
    let r =
        PageTables::attach(&mut pool, pa).map(TA_VA + BLOCK - 0x2000, 0x4060_0000 - 0x2000, BLOCK + 0x6000, USER_RW);
    assert_eq!(r, Err(MapError::AlreadyMapped));
    assert!(pool == before, "a failed map left entries behind");
    // A clash at the very last page of a long range.
    let r = PageTables::attach(&mut pool, pa).map(TA_VA, 0x4060_0000, 2 * BLOCK + 0x4000, USER_RW);
    assert_eq!(r, Err(MapError::AlreadyMapped));
    assert!(pool == before, "a failed map left entries behind");
}

#[test]
fn a_map_running_out_of_tables_changes_nothing() {
    let pa = 0x0e20_0000;
    // Root + 2 free tables: a level-2 and one level-3 table fit, the
    // second level-3 table this range needs does not.
    let mut pool = vec![[0u64; ENTRIES]; 3];
    let before = pool.clone();
    let r = PageTables::new(&mut pool, pa).map(TA_VA + BLOCK - 0x1000, 0x4000_1000, 0x2000, USER_RW);
    assert_eq!(r, Err(MapError::OutOfTables));
    assert!(pool == before, "a failed map left entries behind");
    // With one table more it fits.
    let mut pool = vec![[0u64; ENTRIES]; 4];
    PageTables::new(&mut pool, pa).map(TA_VA + BLOCK - 0x1000, 0x4000_1000, 0x2000, USER_RW).unwrap();
}

#[test]
fn unmapping_what_is_not_mapped_is_an_error_and_changes_nothing() {
    let pa = 0x0e20_0000;
    let mut pool = vec![[0u64; ENTRIES]; 8];
    assert!(PageTables::new(&mut pool, pa).unmap(TA_VA, 0x1000).is_err(), "nothing mapped at all");
    PageTables::attach(&mut pool, pa).map(TA_VA, 0x5000_0000, 0x2000, USER_RW).unwrap();
    let before = pool.clone();
    // Partly mapped: the first two pages are, the third is not.
    assert!(PageTables::attach(&mut pool, pa).unmap(TA_VA, 0x3000).is_err(), "partly mapped range");
    assert!(pool == before, "a failed unmap changed the tables");
    assert!(PageTables::attach(&mut pool, pa).unmap(TA_VA + 0x2000, 0x1000).is_err(), "the page after");
    // Half of a block cannot be unmapped (the block would stay whole).
    PageTables::attach(&mut pool, pa).map(TA_VA + BLOCK, 0x4060_0000, BLOCK, USER_RW).unwrap();
    let before = pool.clone();
    assert!(PageTables::attach(&mut pool, pa).unmap(TA_VA + BLOCK, 0x1000).is_err(), "part of a block");
    assert!(pool == before, "a failed unmap changed the tables");
    PageTables::attach(&mut pool, pa).unmap(TA_VA, 0x2000).unwrap();
    PageTables::attach(&mut pool, pa).unmap(TA_VA + BLOCK, BLOCK).unwrap();
    assert!(pool.iter().all(|t| t.iter().all(|e| *e == 0)));
}

/// A small deterministic generator (xorshift64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// MAP_ZI / UNMAP as a TA drives them, with the 16 tables of an instance:
/// sizes from one page to 8 MiB, 2 MiB-aligned blocks whenever the
/// addresses allow, first-fit placement with guard pages, in two 1 GiB
/// windows. Tables must come back when emptied, or the pool runs dry.
#[test]
fn map_unmap_cycles_never_run_out_of_tables() {
    let pa = 0x0e20_0000;
    let mut pool = vec![[0u64; ENTRIES]; 16];
    PageTables::new(&mut pool, pa);
    let sizes = [0x1000, 0x3000, BLOCK, BLOCK + 0x1000, 2 * BLOCK, 4 * BLOCK, BLOCK - 0x1000, 3 * BLOCK + 0x5000];
    let windows = [TA_VA, TA_VA - (1 << 30)];
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut live: Vec<(u64, u64, u64)> = Vec::new();
    for step in 0..3000 {
        let unmap = live.len() == 3
            || (!live.is_empty() && rng.next().is_multiple_of(2))
            || live.iter().map(|m| m.1).sum::<u64>() > 4 * BLOCK;
        if unmap {
            let (va, size, _) = live.remove((rng.next() % live.len() as u64) as usize);
            PageTables::attach(&mut pool, pa)
                .unmap(va, size)
                .unwrap_or_else(|e| panic!("step {step}: unmap {va:#x}+{size:#x}: {e:?}"));
            assert_eq!(walk(&mut pool, pa, va), None, "step {step}: {va:#x} still mapped");
            assert_eq!(walk(&mut pool, pa, va + size - 0x1000), None, "step {step}: end of {va:#x} still mapped");
            continue;
        }
        let size = sizes[(rng.next() % sizes.len() as u64) as usize];
        let window = windows[(rng.next() % 2) as usize];
        // First fit with a guard page after each mapping, as MAP_ZI places them.
        let mut sorted: Vec<_> = live.iter().filter(|m| m.0 >> 30 == window >> 30).copied().collect();
        sorted.sort();
        let mut va = window;
        for m in &sorted {
            if va + size + 0x1000 <= m.0 {
                break;
            }
            va = m.0 + m.1 + 0x1000;
        }
        // Half of the buffers are 2 MiB aligned physically (blocks when the VA is too).
        let phys = 0x4000_0000
            + (rng.next() % 64) * BLOCK
            + if rng.next().is_multiple_of(2) { 0 } else { 0x1000 * (1 + rng.next() % 511) };
        PageTables::attach(&mut pool, pa)
            .map(va, phys, size, USER_RW)
            .unwrap_or_else(|e| panic!("step {step}: map {va:#x}+{size:#x} at {phys:#x}: {e:?}"));
        assert_eq!(walk(&mut pool, pa, va + size - 8), Some((phys + size - 8, USER_RW)), "step {step}");
        live.push((va, size, phys));
    }
    for (va, size, _) in live.drain(..) {
        PageTables::attach(&mut pool, pa).unmap(va, size).unwrap();
    }
    assert!(pool.iter().all(|t| t.iter().all(|e| *e == 0)), "mappings or tables left behind");
}

/// Normal-world RAM as boot maps it: 1 GiB blocks where aligned, 2 MiB
/// blocks around them, few tables whatever the size.
#[test]
fn large_ranges_use_gib_blocks_and_unmap_whole() {
    let ns = Attrs { non_secure: true, ..DATA };
    let mut pool = vec![[0u64; ENTRIES]; 4];
    let mut pt = PageTables::new(&mut pool, 0x0e20_0000);
    // 0x3fe0_0000 .. 0x1_4020_0000: a 2 MiB head, four 1 GiB blocks, a 2 MiB tail.
    pt.map(0x3fe0_0000, 0x3fe0_0000, 0x1_0040_0000, ns).unwrap();
    assert_eq!(pt.tables_in_use(), 3, "root and two level-2 tables");
    for va in [0x3fe0_0000, 0x4000_0000, 0x1_2345_6788, 0x1_401f_fff8] {
        assert_eq!(pt.translate(va), Some((va, ns)), "{va:#x}");
    }
    assert_eq!(pt.translate(0x1_4020_0000), None);
    // Half of a 1 GiB block cannot go; the whole range can.
    assert_eq!(pt.unmap(0x4000_0000, 0x2000_0000), Err(MapError::PartialBlock));
    pt.unmap(0x3fe0_0000, 0x1_0040_0000).unwrap();
    assert_eq!(pt.tables_in_use(), 1);
    assert!(pool.iter().all(|t| t.iter().all(|e| *e == 0)));
}

/// A pool that grows by chunks between edits: tables never move, links
/// into a later chunk resolve, a map needing more tables than are free is
/// refused whole until a chunk is added, and emptied tables in any chunk
/// are reused.
#[test]
fn a_pool_grows_by_chunks() {
    const USER: Attrs = Attrs::user(Perm::ReadWrite);
    let (pa0, pa1) = (0x0e20_0000, 0x0f00_0000);
    let mut first = vec![[0u64; ENTRIES]; 2];
    let mut second = vec![[0u64; ENTRIES]; 3];
    PageTables::new(&mut first, pa0);
    {
        // Root + one free table: a page needs a level-2 and a level-3 one.
        let mut pt = PageTables::attach_chunks([Chunk { tables: &mut first, pa: pa0 }]);
        assert_eq!(pt.tables_needed(0x1_4000_0000, 0x5000_0000, 0x1000), Ok(2));
        assert_eq!(pt.map(0x1_4000_0000, 0x5000_0000, 0x1000, USER), Err(MapError::OutOfTables));
        assert_eq!(pt.tables_in_use(), 1, "nothing taken by the refused map");
    }
    {
        let mut pt =
            PageTables::attach_chunks([Chunk { tables: &mut first, pa: pa0 }, Chunk { tables: &mut second, pa: pa1 }]);
        assert_eq!(pt.free_tables(), 4);
        // Two 2 MiB regions: a level-2 table and two level-3 tables, two
        // of them in the second chunk.
        pt.map(0x1_4000_0000, 0x5000_0000, 0x1000, USER).unwrap();
        pt.map(0x1_4020_0000, 0x5100_0000, 0x1000, USER).unwrap();
        assert_eq!(pt.tables_in_use(), 4);
        assert_eq!(pt.root_pa(), pa0, "the root stays where it was");
    }
    // Links into the second chunk point at its physical addresses.
    let l1 = first[0][l1_index(0x1_4000_0000)];
    assert!(l1 & ADDR_MASK == pa0 + PAGE_SIZE || (l1 & ADDR_MASK) >= pa1, "{l1:#x}");
    assert!(second.iter().any(|t| t.iter().any(|e| *e != 0)), "the second chunk holds tables");
    {
        // A fresh editor finds every table again, in either chunk.
        let mut pt =
            PageTables::attach_chunks([Chunk { tables: &mut first, pa: pa0 }, Chunk { tables: &mut second, pa: pa1 }]);
        assert_eq!(pt.tables_in_use(), 4);
        assert_eq!(pt.translate(0x1_4000_0000).map(|(p, _)| p), Some(0x5000_0000));
        assert_eq!(pt.translate(0x1_4020_0000).map(|(p, _)| p), Some(0x5100_0000));
        // Emptied tables go back and are handed out again.
        pt.unmap(0x1_4020_0000, 0x1000).unwrap();
        assert_eq!(pt.tables_in_use(), 3);
        pt.map(0x1_4040_0000, 0x5200_0000, 0x1000, USER).unwrap();
        pt.map(0x1_4060_0000, 0x5300_0000, 0x1000, USER).unwrap();
        assert_eq!(pt.free_tables(), 0);
        assert_eq!(pt.map(0x1_4080_0000, 0x5400_0000, 0x1000, USER), Err(MapError::OutOfTables));
        for (va, pa) in [(0x1_4000_0000, 0x5000_0000), (0x1_4040_0000, 0x5200_0000), (0x1_4060_0000, 0x5300_0000)] {
            assert_eq!(pt.translate(va).map(|(p, _)| p), Some(pa));
        }
    }
}
