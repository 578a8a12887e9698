//! The virtual address space every table set of the kernel shares (39-bit
//! VA through `TTBR0_EL1`, 512 level-1 slots of 1 GiB):
//!
//! - slots `0..KERNEL_L1_SLOTS` (VA below [`TA_WINDOW`]): the kernel's
//!   identity map, i.e. its image, the devices it drives and all of
//!   normal-world RAM. A TA's root copies these entries (marked shared), so
//!   the kernel keeps its mappings while a TA's tables are live (syscalls,
//!   copies to and from normal-world shared memory).
//! - slots `KERNEL_L1_SLOTS..512` (the last 4 GiB): the TA window, empty in
//!   the kernel's own root. A TA's image and stack, its memref parameters
//!   and the system PTA's MAP_ZI mappings each get one slot.
//!
//! The two never overlap because boot refuses normal-world RAM that reaches
//! the TA window ([`check_identity_range`]). QEMU virt puts RAM at 1 GiB,
//! contiguous (`hw/arm/virt.c`), so any `-m` up to 507 GiB fits; more does
//! not fit a 39-bit VA space at all.

use super::pagetable::{PageTables, VA_LIMIT};

const GIB: u64 = 1 << 30;

/// First VA of the TA window (level-1 slot 508).
pub const TA_WINDOW: u64 = VA_LIMIT - 4 * GIB;
/// Level-1 slots of the kernel's identity map, shared into every TA root.
pub const KERNEL_L1_SLOTS: usize = (TA_WINDOW / GIB) as usize;
/// Where a TA's image is mapped, its stack after it (one slot for both).
pub const TA_IMAGE_VA: u64 = TA_WINDOW;
/// Where memory-reference parameters are mapped for a call (one slot).
pub const TA_PARAM_VA: u64 = TA_WINDOW + GIB;
/// Where the system PTA's MAP_ZI mappings go, and how far.
pub const TA_ZI_VA: u64 = TA_WINDOW + 2 * GIB;
/// Length of each of the three TA areas.
pub const TA_AREA_SPAN: u64 = GIB;

/// Why the kernel cannot identity-map a physical range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The range ends above [`TA_WINDOW`] (or wraps).
    ReachesTaWindow,
}

/// Checks that the kernel may identity-map `[start, end)`: below the TA
/// window, so no TA mapping can ever hide it (or it a TA mapping).
pub fn check_identity_range(start: u64, end: u64) -> Result<(), LayoutError> {
    if start > end || end > TA_WINDOW {
        return Err(LayoutError::ReachesTaWindow);
    }
    Ok(())
}

/// The TA area holding `[va, va + len)` entirely, if any: its first VA.
pub fn ta_area_of(va: u64, len: u64) -> Option<u64> {
    let end = va.checked_add(len)?;
    [TA_IMAGE_VA, TA_PARAM_VA, TA_ZI_VA].into_iter().find(|&area| va >= area && end <= area + TA_AREA_SPAN)
}

/// Starts a TA's tables in `pool` (at `pool_pa`): empty but for the
/// kernel's identity-map slots, copied from the kernel's root
/// (`kernel_l1(i)` is its entry `i`) and marked shared, so that editing the
/// TA's tables can never change them.
pub fn start_ta_tables(pool: &mut [[u64; 512]], pool_pa: u64, kernel_l1: impl Fn(usize) -> u64) -> PageTables<'_> {
    let mut pt = PageTables::new(pool, pool_pa);
    share_kernel_l1(&mut pt, kernel_l1);
    pt
}

/// Copies the kernel's level-1 entries into a TA's (empty) root, as
/// [`start_ta_tables`] does.
pub fn share_kernel_l1(pt: &mut PageTables<'_>, kernel_l1: impl Fn(usize) -> u64) {
    for i in 0..KERNEL_L1_SLOTS {
        pt.share_l1_entry(i, kernel_l1(i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mm::pagetable::{Attrs, MapError, MemKind, Perm};

    #[test]
    fn ta_window_is_the_top_of_the_va_space_and_clear_of_the_kernel() {
        assert_eq!(TA_WINDOW, 0x7f_0000_0000);
        assert_eq!(KERNEL_L1_SLOTS, 508);
        const { assert!(TA_ZI_VA + TA_AREA_SPAN <= VA_LIMIT) };
        // QEMU virt: RAM at 1 GiB. -m 1G, 4G and the legacy maximum 255G fit.
        for gib in [1, 4, 255, 507] {
            assert_eq!(check_identity_range(GIB, GIB + gib * GIB), Ok(()), "-m {gib}G");
        }
        assert_eq!(check_identity_range(GIB, GIB + 508 * GIB), Err(LayoutError::ReachesTaWindow));
        assert_eq!(check_identity_range(TA_WINDOW, TA_WINDOW + 4096), Err(LayoutError::ReachesTaWindow));
        assert_eq!(check_identity_range(2 * GIB, GIB), Err(LayoutError::ReachesTaWindow));
    }

    #[test]
    fn ta_areas() {
        assert_eq!(ta_area_of(TA_IMAGE_VA, 4096), Some(TA_IMAGE_VA));
        assert_eq!(ta_area_of(TA_ZI_VA + 0x1000, 8 << 20), Some(TA_ZI_VA));
        assert_eq!(ta_area_of(TA_PARAM_VA - 4096, 8192), None, "straddles two areas");
        assert_eq!(ta_area_of(0x4000_0000, 4096), None, "kernel / normal-world RAM");
        assert_eq!(ta_area_of(u64::MAX - 10, 100), None);
    }

    /// `-m 4G`: normal-world RAM 0x4000_0000..0x1_4000_0000 (above 4 GiB in
    /// part). With a TA's tables live, the kernel still reaches all of it at
    /// its identity address, and the TA's own mappings do not collide.
    #[test]
    fn ta_tables_keep_all_of_a_large_normal_world_ram() {
        let ns = Attrs { non_secure: true, ..Attrs::kernel(MemKind::Normal, Perm::ReadWrite) };
        let (ram_start, ram_end) = (GIB, 5 * GIB);
        check_identity_range(ram_start, ram_end).unwrap();
        let mut kernel_pool = vec![[0u64; 512]; 4];
        let mut kernel = PageTables::new(&mut kernel_pool, 0x0e20_0000);
        kernel.map(0x0e10_0000, 0x0e10_0000, 0x1000, Attrs::kernel(MemKind::Normal, Perm::ReadExecute)).unwrap();
        kernel.map(ram_start, ram_start, ram_end - ram_start, ns).unwrap();
        // 1 GiB blocks: -m 4G costs no table beyond the root.
        assert_eq!(kernel.tables_in_use(), 3);
        let kernel_l1: Vec<u64> = (0..512).map(|i| kernel.l1_entry(i)).collect();

        let mut ta_pool = vec![[0u64; 512]; 16];
        let mut ta = start_ta_tables(&mut ta_pool, 0x0e40_0000, |i| kernel_l1[i]);
        let user = Attrs::user(Perm::ReadWrite);
        ta.map(TA_IMAGE_VA, 0x0e60_0000, 0x4000, user).unwrap();
        ta.map(TA_PARAM_VA, 0x0e80_0000, 2 << 20, user).unwrap();
        ta.map(TA_ZI_VA, 0x0ea0_0000, 8 << 20, user).unwrap();
        for va in [ram_start, 0x1_0000_0000, 0x1_2345_6000, ram_end - 8] {
            assert_eq!(ta.translate(va), Some((va, ns)), "{va:#x}");
        }
        // The kernel image's slot: the kernel's own level-2 table, shared.
        assert_eq!(ta.l1_entry(0) & !(1 << 55), kernel_l1[0]);
        assert_eq!(ta.translate(TA_IMAGE_VA + 8), Some((0x0e60_0008, user)));
        // The kernel's own root has nothing in the TA window.
        assert!((KERNEL_L1_SLOTS..512).all(|i| kernel_l1[i] == 0));
        // Editing a TA's tables never touches the kernel's entries.
        assert_eq!(ta.map(0x1_0000_0000, 0x0e60_0000, 0x1000, user), Err(MapError::NotOurs));
        assert_eq!(ta.unmap(0x1_0000_0000, 1 << 30), Err(MapError::NotOurs));
        assert_eq!(ta.unmap(0x0e10_0000, 0x1000), Err(MapError::NotOurs));
        assert_eq!(ta.translate(0x1_0000_0000), Some((0x1_0000_0000, ns)));
    }
}
