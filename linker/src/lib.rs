//! The QEMU `virt` (AArch64, `secure=on`) memory map as this project uses it.
//!
//! Every address that more than one part of the system must agree on lives here:
//! the monitor and the kernel read these constants, `xtask` uses them to pack the
//! firmware image and to build the QEMU command line, and the linker scripts in
//! this directory repeat the two link addresses (checked by a test below).
#![no_std]

/// Secure flash: QEMU's `-bios` image is loaded here and every core starts here.
pub const SECURE_FLASH_BASE: u64 = 0x0000_0000;
/// Size of the secure flash bank.
pub const SECURE_FLASH_SIZE: u64 = 0x0400_0000;

/// Offset in the firmware image where the trusted-OS package starts: an OP-TEE
/// v2 image header immediately followed by the pager image (and the pageable
/// image, if any). The monitor itself occupies the flash below this offset.
pub const TOS_PACKAGE_OFFSET: u64 = 0x0020_0000;
/// Largest trusted-OS package the image format accepts.
pub const TOS_PACKAGE_MAX: u64 = SECURE_FLASH_SIZE - TOS_PACKAGE_OFFSET;

/// Secure-only RAM.
pub const SECURE_RAM_BASE: u64 = 0x0e00_0000;
/// Size of the secure-only RAM.
pub const SECURE_RAM_SIZE: u64 = 0x0100_0000;

/// The EL3 monitor runs from the first MiB of secure RAM (as TF-A's BL31 does).
pub const MONITOR_BASE: u64 = SECURE_RAM_BASE;
/// Size reserved for the monitor (code, data, stacks, contexts, boot heap).
pub const MONITOR_SIZE: u64 = 0x0010_0000;

/// The trusted OS owns the rest of secure RAM (OP-TEE's `TZDRAM`).
pub const TOS_BASE: u64 = 0x0e10_0000;
/// Size of the trusted OS region.
pub const TOS_SIZE: u64 = SECURE_RAM_BASE + SECURE_RAM_SIZE - TOS_BASE;

/// GICv3 distributor.
pub const GICD_BASE: u64 = 0x0800_0000;
/// GICv3 redistributors (two 64 KiB frames per core).
pub const GICR_BASE: u64 = 0x080a_0000;
/// Stride between two cores' redistributor frames.
pub const GICR_STRIDE: u64 = 0x2_0000;

/// Non-secure PL011: the Linux console.
pub const NS_UART_BASE: u64 = 0x0900_0000;
/// QEMU fw_cfg (kernel, initrd and command line when booting with `-kernel`).
pub const FW_CFG_BASE: u64 = 0x0902_0000;
/// Secure-only PL011: the monitor's and the trusted OS's log.
pub const SECURE_UART_BASE: u64 = 0x0904_0000;
/// Secure-only PL061 GPIO that QEMU wires to its power controller.
pub const SECURE_GPIO_BASE: u64 = 0x090b_0000;
/// Secure GPIO line that resets the machine when driven high.
pub const SECURE_GPIO_RESET_PIN: u32 = 0;
/// Secure GPIO line that powers the machine off when driven high.
pub const SECURE_GPIO_POWEROFF_PIN: u32 = 1;

/// Non-secure RAM.
pub const NS_RAM_BASE: u64 = 0x4000_0000;
/// QEMU writes its generated device tree at the start of NS RAM.
pub const NS_DTB_BASE: u64 = NS_RAM_BASE;
/// Room the firmware may use for the (grown) device tree.
pub const NS_DTB_MAX_SIZE: u64 = 0x0010_0000;
/// A scratch page in NS RAM for fw_cfg DMA descriptors (fw_cfg DMA cannot
/// reach secure memory).
pub const NS_FW_CFG_SCRATCH: u64 = NS_DTB_BASE + NS_DTB_MAX_SIZE;
/// Where the monitor places the Linux `Image` (2 MiB aligned, as arm64 requires).
pub const NS_KERNEL_BASE: u64 = 0x4400_0000;
/// Where the monitor places the initramfs.
pub const NS_INITRD_BASE: u64 = 0x5000_0000;
/// Largest initramfs the layout leaves room for (up to 0x6000_0000).
pub const NS_INITRD_MAX_SIZE: u64 = 0x1000_0000;
/// Largest kernel image the layout leaves room for.
pub const NS_KERNEL_MAX_SIZE: u64 = NS_INITRD_BASE - NS_KERNEL_BASE;

/// Most cores the firmware supports (QEMU virt puts 8 cores in a cluster).
pub const MAX_CORES: usize = 8;

/// Threads in the trusted kernel's pool (`GET_THREAD_COUNT`).
pub const KERNEL_THREADS: usize = 8;
/// Unmapped page below every kernel stack: an overflow faults instead of
/// writing into the neighbouring stack or data.
pub const STACK_GUARD_SIZE: u64 = 0x1000;
/// Bytes of each core's stack (SMC entry, exceptions, thread switches).
pub const CORE_STACK_SIZE: u64 = 0x4000;
/// Bytes of each pool thread's stack (TA loading verifies RSA signatures on
/// it; TA-to-TA calls nest on it).
pub const THREAD_STACK_SIZE: u64 = 0x1_0000;

/// Linear core index for an MPIDR value, or `None` for a core this platform
/// does not have. QEMU virt numbers cores Aff0 = index % 8, Aff1 = index / 8.
pub const fn core_index(mpidr: u64) -> Option<usize> {
    let aff0 = (mpidr & 0xff) as usize;
    let aff1 = ((mpidr >> 8) & 0xff) as usize;
    let aff2 = (mpidr >> 16) & 0xff;
    let aff3 = (mpidr >> 32) & 0xff;
    if aff2 != 0 || aff3 != 0 || aff0 >= 8 {
        return None;
    }
    let index = aff1 * 8 + aff0;
    if index < MAX_CORES { Some(index) } else { None }
}

const _: () = assert!(MONITOR_BASE + MONITOR_SIZE <= TOS_BASE);
const _: () = assert!(NS_FW_CFG_SCRATCH + 0x1000 <= NS_KERNEL_BASE);
const _: () = assert!(NS_KERNEL_BASE.is_multiple_of(0x20_0000));
const _: () = assert!(NS_INITRD_BASE + NS_INITRD_MAX_SIZE <= 0x6000_0000);

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn core_index_follows_qemu_virt_affinity() {
        assert_eq!(core_index(0x8000_0000), Some(0));
        assert_eq!(core_index(0x8000_0003), Some(3));
        assert_eq!(core_index(0x8000_0008), None);
        assert_eq!(core_index(0x0000_0100), None);
        assert_eq!(core_index(0x0001_0000), None);
    }

    #[test]
    fn linker_scripts_agree_with_constants() {
        let monitor = include_str!("../monitor.ld");
        let kernel = include_str!("../kernel.ld");
        assert!(monitor.contains(&std::format!("ORIGIN = {MONITOR_BASE:#x}")));
        assert!(monitor.contains(&std::format!("LENGTH = {MONITOR_SIZE:#x}")));
        assert!(kernel.contains(&std::format!("ORIGIN = {TOS_BASE:#x}")));
        assert!(kernel.contains(&std::format!("LENGTH = {TOS_SIZE:#x}")));
        let core_stacks = std::format!(". += {MAX_CORES} * ({STACK_GUARD_SIZE:#x} + {CORE_STACK_SIZE:#x});");
        let thread_stacks = std::format!(". += {KERNEL_THREADS} * ({STACK_GUARD_SIZE:#x} + {THREAD_STACK_SIZE:#x});");
        assert!(kernel.contains(&core_stacks), "kernel.ld must reserve {core_stacks}");
        assert!(kernel.contains(&thread_stacks), "kernel.ld must reserve {thread_stacks}");
    }
}
