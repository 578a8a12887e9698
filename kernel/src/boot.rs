//! The kernel's life as the monitor drives it: cold boot, then one Rust
//! function per vector-table slot. Runs only on the bare-metal target.
//!
//! Nothing imports this module: every global it sets up has its own owner
//! (`mm::kernel_map`, `mm::ns_ram`, `ta_manager`, `thread::runtime`), which
//! boot initialises here.

use crate::arch::aarch64 as arch;
use crate::fatal::halt;
use crate::mm::kernel_map;
use crate::mm::pagetable::{Attrs, MemKind, PageTables, Perm};
use crate::smc::fast::FastCallConfig;
use crate::thread::THREAD_COUNT;
use crate::{console, dt, heap, smc};

const FAST_CALLS: FastCallConfig =
    FastCallConfig { thread_count: THREAD_COUNT as u64, os_revision: (0, 1), build_id: 0 };

unsafe extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __kernel_end: u8;
}

fn symbol(sym: *const u8) -> u64 {
    sym as u64
}

/// Identity-maps the kernel with W^X permissions, the devices it drives and
/// normal-world RAM (non-secure, never executable: shared memory and the DT).
fn build_tables(ns_ram: (u64, u64)) -> u64 {
    kernel_map::build(|pt| map_kernel(pt, ns_ram))
}

fn map_kernel(pt: &mut PageTables<'_>, ns_ram: (u64, u64)) {
    let normal = |perm| Attrs::kernel(MemKind::Normal, perm);
    let device = Attrs::kernel(MemKind::Device, Perm::ReadWrite);
    let text = (symbol(&raw const __text_start), symbol(&raw const __text_end));
    let rodata = (symbol(&raw const __rodata_start), symbol(&raw const __rodata_end));
    let data = (symbol(&raw const __data_start), symbol(&raw const __kernel_end).next_multiple_of(4096));
    // Data, bss, stacks and heap, except the guard page below every stack.
    let stacks = crate::thread::runtime::stack_arrays();
    let mut data_result = Ok(());
    crate::thread::stacks::mapped_ranges(data.0, data.1, &stacks, |start, end| {
        if data_result.is_ok() {
            data_result = pt.map(start, start, end - start, normal(Perm::ReadWrite)).map_err(|e| (start, end, e));
        }
    });
    if let Err((start, end, e)) = data_result {
        halt(format_args!("cannot map data {start:#x}..{end:#x}: {e:?}"));
    }
    let regions = [
        (text, normal(Perm::ReadExecute), "text"),
        (rodata, normal(Perm::ReadOnly), "rodata"),
        ((linker::GICD_BASE, linker::GICD_BASE + 0x0100_0000), device, "gic"),
        ((linker::SECURE_UART_BASE, linker::SECURE_UART_BASE + 0x1000), device, "uart"),
        (ns_ram, Attrs { non_secure: true, ..Attrs::kernel(MemKind::Normal, Perm::ReadWrite) }, "ns-ram"),
    ];
    for ((start, end), attrs, what) in regions {
        if let Err(e) = pt.map(start, start, end - start, attrs) {
            halt(format_args!("cannot map {what} {start:#x}..{end:#x}: {e:?}"));
        }
    }
}

/// Cold boot on the boot core (MMU off). Returns the vector table for
/// `ENTRY_DONE`, or 0 when the kernel cannot run.
#[unsafe(no_mangle)]
extern "C" fn kernel_cold_boot(_pageable: u64, _pageable_size: u64, dtb: u64) -> u64 {
    console::init_logger();
    let ram = read_ns_ram(dtb);
    // Normal-world RAM is identity-mapped below the TAs' window: more than
    // that cannot be served safely (QEMU -m too large), so no TEE at all.
    if crate::mm::layout::check_identity_range(ram.0, ram.1).is_err() {
        log::error!(
            "normal-world RAM {:#x}..{:#x} reaches the TA address window at {:#x}: at most {} GiB of RAM above {:#x} \
             is supported (QEMU -m); the trusted OS will not start",
            ram.0,
            ram.1,
            crate::mm::layout::TA_WINDOW,
            crate::mm::layout::TA_WINDOW.saturating_sub(ram.0) >> 30,
            ram.0
        );
        return 0;
    }
    crate::mm::ns_ram::set(ram);
    let ttbr0 = build_tables(ram);
    // SAFETY: the tables identity-map the whole image (this code included),
    // its stacks and heap, and the devices used from here on.
    unsafe { arch::enable_mmu(ttbr0) };
    check_stack_guards();
    heap::init();
    // Before anything draws from the RNG, and while the DT still holds the
    // secure seeds (the monitor erases them before Linux runs).
    crate::entropy::seed_at_boot(dtb);
    crate::ta_manager::init();
    crate::thread::runtime::init(|env, args| crate::std_call::handle(crate::ta_manager::state(), env, args));
    log::info!("{}", crate::crypto::ops::accel::init(crypto_soft_requested(dtb)));
    log::info!(
        "tz-kernel {} (S-EL1): MMU on (W^X), {} threads, core {}",
        env!("CARGO_PKG_VERSION"),
        THREAD_COUNT,
        arch::core_index()
    );
    if dtb != linker::NS_DTB_BASE {
        log::error!("device tree at {dtb:#x}, expected {:#x}; not adding /firmware/optee", linker::NS_DTB_BASE);
    } else if let Err(e) = add_dt_node(dtb) {
        log::error!("could not add /firmware/optee: {e:?}");
    }
    arch::entry::kernel_tee_vectors as *const () as u64
}

/// Asks the MMU itself that every stack's guard page is unmapped and both
/// ends of every stack are mapped; halts otherwise.
fn check_stack_guards() {
    let translates = arch::thread::el1_read_translates;
    let mut guards = 0;
    for array in crate::thread::runtime::stack_arrays() {
        for i in 0..array.count {
            let (guard, _) = array.guard_range(i);
            if translates(guard) || !translates(array.bottom(i)) || !translates(array.top(i) - 16) {
                halt(format_args!("stack {i} at {:#x}: guard page mapped or stack unmapped", array.bottom(i)));
            }
            guards += 1;
        }
    }
    log::info!("{guards} kernel stacks, each above an unmapped guard page");
}

/// Normal-world RAM from the DT's `/memory` (read with the MMU off), or the
/// QEMU default when the DT does not say. Rounded inward to 2 MiB blocks.
fn read_ns_ram(dtb: u64) -> (u64, u64) {
    let max = linker::NS_DTB_MAX_SIZE as usize;
    let found = if dtb == linker::NS_DTB_BASE {
        // SAFETY: the monitor leaves the DT at NS_DTB_BASE with NS_DTB_MAX_SIZE
        // bytes reserved; the MMU is off, so this is a plain physical read.
        let area = unsafe { core::slice::from_raw_parts(dtb as *const u8, max) };
        tee_abi::fdt_header::total_size(area, max).and_then(|len| tee_abi::fdt_header::ns_memory(&area[..len]))
    } else {
        None
    };
    let (start, end) = found.unwrap_or((linker::NS_RAM_BASE, linker::NS_RAM_BASE + 0x4000_0000));
    let block = 2 << 20;
    (start.next_multiple_of(block), end / block * block)
}

/// Whether the boot DT's bootargs say `tz.crypto=soft` (see `crypto::ops::accel`).
fn crypto_soft_requested(dtb: u64) -> bool {
    let max = linker::NS_DTB_MAX_SIZE as usize;
    if dtb != linker::NS_DTB_BASE {
        return false;
    }
    // SAFETY: as in `entropy::seed_at_boot`: the NS DT area is mapped and
    // only the boot core runs.
    let area = unsafe { core::slice::from_raw_parts(dtb as *const u8, max) };
    tee_abi::fdt_header::total_size(area, max)
        .is_some_and(|len| crate::crypto::ops::accel::soft_requested_in_dt(&area[..len]))
}

fn add_dt_node(dtb: u64) -> Result<(), dt::DtError> {
    let max = linker::NS_DTB_MAX_SIZE as usize;
    // SAFETY: the NS DT area is mapped (non-secure, RW) by `build_tables`, and
    // nothing else runs in the normal world during cold boot.
    let area = unsafe { core::slice::from_raw_parts(dtb as *const u8, max) };
    let len = tee_abi::fdt_header::total_size(area, max).ok_or(dt::DtError::Invalid)?;
    let blob = &area[..len];
    let out = dt::add_optee_node(blob, max)?;
    // SAFETY: as above; `out` fits the area (checked by `add_optee_node`).
    unsafe { core::ptr::copy_nonoverlapping(out.as_ptr(), dtb as *mut u8, out.len()) };
    log::info!("added /firmware/optee to the normal-world DT");
    Ok(())
}

/// `cpu_on_entry` on a secondary core (MMU off). Returns the `ON_DONE` status.
#[unsafe(no_mangle)]
extern "C" fn kernel_cpu_on() -> u64 {
    let ttbr0 = kernel_map::kernel_root();
    // SAFETY: the boot core built these tables for every core before ENTRY_DONE.
    unsafe { arch::enable_mmu(ttbr0) };
    log::info!("core {} online", arch::core_index());
    0
}

/// `cpu_off_entry`. Returns the `OFF_DONE` status.
#[unsafe(no_mangle)]
extern "C" fn kernel_cpu_off() -> u64 {
    log::info!("core {} going off", arch::core_index());
    0
}

/// `cpu_suspend_entry` (not offered by the monitor; harmless).
#[unsafe(no_mangle)]
extern "C" fn kernel_cpu_suspend() -> u64 {
    0
}

/// `cpu_resume_entry` (not offered by the monitor; harmless).
#[unsafe(no_mangle)]
extern "C" fn kernel_cpu_resume() -> u64 {
    0
}

/// `system_off_entry`.
#[unsafe(no_mangle)]
extern "C" fn kernel_system_off() -> u64 {
    log::info!("system off");
    0
}

/// `system_reset_entry`.
#[unsafe(no_mangle)]
extern "C" fn kernel_system_reset() -> u64 {
    log::info!("system reset");
    0
}

/// Fast SMC: `args` in, `args[0..4]` out.
#[unsafe(no_mangle)]
extern "C" fn kernel_fast_smc(args: &mut [u64; 8]) {
    let out = crate::fatal::refuse_if_stopped().unwrap_or_else(|| smc::fast::handle(args, &FAST_CALLS));
    args[..4].copy_from_slice(&out);
}

/// Yielding SMC: starts or resumes a thread (never returns then); returns
/// only with an error for `args[0..4]`.
#[unsafe(no_mangle)]
extern "C" fn kernel_yield_smc(args: &mut [u64; 8]) {
    // After a kernel panic nothing is served, not even a resume (see `fatal`).
    let out = crate::fatal::refuse_if_stopped().unwrap_or_else(|| crate::thread::runtime::yield_smc(args));
    args[..4].copy_from_slice(&out);
}

/// An exception taken by the kernel itself: report and stop this core.
#[unsafe(no_mangle)]
extern "C" fn kernel_exception(kind: u64, esr: u64, elr: u64, far: u64) -> ! {
    halt(format_args!("kernel exception {kind}: ESR {esr:#x} ELR {elr:#x} FAR {far:#x}"))
}
