//! The monitor at run time: boot sequence, per-core world contexts, and the
//! handler every lower-EL exception reaches. Decisions come from `dispatch`
//! and `psci`; this module carries them out.

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicU64, Ordering};

use spin::{Mutex, Once};
use tee_abi::image_header::{self, Header};
use tee_abi::opteed::VectorSlot;

use crate::arch::aarch64::{self as arch, CpuContext, El1Sysregs, sysreg};
use crate::dispatch::{self, NsCall, TosReturn};
use crate::psci::{NsEntry, Psci, PsciAction};
use crate::{boot_payload, dt, platform, seed_scrub};

/// Holding-pen mailboxes: non-zero = entry address for that core. Read by the
/// pen code in `arch` with plain loads, written here before `sev`.
#[unsafe(no_mangle)]
pub static MONITOR_PEN: [AtomicU64; linker::MAX_CORES] = [const { AtomicU64::new(0) }; linker::MAX_CORES];

/// `SCR_EL3` while the secure world runs: AArch64 lower ELs, secure timer
/// accessible (ST), no instruction fetch from NS memory (SIF).
const SCR_SECURE: u64 = (1 << 10) | (1 << 11) | (1 << 9);
/// `SCR_EL3` while the normal world runs: as above plus NS, without ST, and
/// FIQ (bit 2) routed to EL3: with GICv3, a secure (Group 1 Secure) interrupt
/// shows up as FIQ while the normal world runs and belongs to the trusted OS
/// (`fiq_entry`), as TF-A's opteed routes it.
const SCR_NON_SECURE: u64 = (1 << 10) | (1 << 9) | (1 << 2) | 1;

const NON_SECURE: usize = 0;
const SECURE: usize = 1;

/// Both worlds' contexts of every core.
struct Contexts(UnsafeCell<[[CpuContext; 2]; linker::MAX_CORES]>);

// SAFETY: each core only ever touches its own row (indexed by its own core
// index), and a core's row is only used by that core's EL3 code.
unsafe impl Sync for Contexts {}

static CONTEXTS: Contexts = Contexts(UnsafeCell::new([[CpuContext::fresh(0, 0, 0); 2]; linker::MAX_CORES]));

/// Facts fixed at boot.
struct BootInfo {
    kernel_entry: u64,
    dtb: u64,
}

static BOOT: Once<BootInfo> = Once::new();
static PSCI: Once<Mutex<Psci>> = Once::new();
/// The trusted OS's vector table, 0 while it is absent or not yet up.
static TOS_VECTORS: AtomicU64 = AtomicU64::new(0);
/// Where the trusted OS was loaded, 0 when there is none.
static TOS_ENTRY: AtomicU64 = AtomicU64::new(0);

/// The calling core's two contexts.
fn contexts(core: usize) -> &'static mut [CpuContext; 2] {
    // SAFETY: `core` is the caller's own index (see `Contexts`), and the
    // monitor never keeps two live references to the same row: each handler
    // takes it once and hands a raw pointer to the exit path.
    unsafe { &mut (*CONTEXTS.0.get())[core] }
}

fn stack_top(core: usize) -> u64 {
    unsafe extern "C" {
        static __stacks_start: u8;
    }
    let base = core::ptr::addr_of!(__stacks_start) as u64;
    base + ((core + 1) * arch::STACK_SIZE) as u64
}

/// Rust entry of every core (cold = boot core after reset).
#[unsafe(no_mangle)]
extern "C" fn monitor_core_entry(core: usize, cold: u64) -> ! {
    sysreg::init_el3_controls();
    if cold != 0 { cold_boot(core) } else { warm_boot(core) }
}

fn cold_boot(core: usize) -> ! {
    platform::uart::init_logger();
    log::info!("tz-monitor {} (EL3): booting on core {core}", env!("CARGO_PKG_VERSION"));
    if sysreg::read_cntfrq() == 0 {
        sysreg::write_cntfrq(62_500_000);
    }
    platform::gic::init_distributor();
    platform::gic::init_redistributor(core);
    sysreg::init_gic_cpu_interface();
    crate::heap::init();

    let dtb = linker::NS_DTB_BASE;
    let max = linker::NS_DTB_MAX_SIZE as usize;
    // SAFETY: QEMU places its generated DT at the start of NS RAM and our map
    // reserves NS_DTB_MAX_SIZE bytes for it; nothing else runs yet.
    let area = unsafe { core::slice::from_raw_parts(dtb as *const u8, max) };
    let len = tee_abi::fdt_header::total_size(area, max).unwrap_or_else(|| halt(format_args!("no DT at {dtb:#x}")));
    let dt_bytes = &area[..len];
    let present = dt::present_cores(dt_bytes).unwrap_or_else(|e| halt(format_args!("bad DT: {e:?}")));
    let ns_ram =
        tee_abi::fdt_header::ns_memory(dt_bytes).unwrap_or((linker::NS_RAM_BASE, linker::NS_RAM_BASE + 0x4000_0000));
    log::info!("cores present: {}, NS RAM {:#x}..{:#x}", present.iter().filter(|p| **p).count(), ns_ram.0, ns_ram.1);
    PSCI.call_once(|| Mutex::new(Psci::new(present, core, ns_ram)));

    let payload = load_ns_payload().unwrap_or_else(|e| halt(format_args!("no normal-world kernel: {e}")));
    let chosen = dt::ChosenFixup { bootargs: payload.cmdline.as_deref(), initrd: payload.initrd };
    let fixed = dt::fix_up(dt_bytes, chosen, linker::NS_DTB_MAX_SIZE as usize)
        .unwrap_or_else(|e| halt(format_args!("DT fix-up failed: {e:?}")));
    // SAFETY: the fixed-up blob fits the reserved DT area (checked by fix_up).
    unsafe { core::ptr::copy_nonoverlapping(fixed.as_ptr(), dtb as *mut u8, fixed.len()) };
    drop(fixed);
    BOOT.call_once(|| BootInfo { kernel_entry: payload.kernel_entry, dtb });

    let ctx = contexts(core);
    for c in ctx.iter_mut() {
        c.runtime_sp = stack_top(core);
    }
    match load_trusted_os() {
        Ok((entry, paged)) => {
            TOS_ENTRY.store(entry, Ordering::Relaxed);
            log::info!("entering trusted OS at {entry:#x}");
            let s = &mut ctx[SECURE];
            *s = CpuContext::fresh(SCR_SECURE, entry, stack_top(core));
            s.x[0] = paged.0;
            s.x[1] = paged.1;
            s.x[2] = dtb;
            sysreg::restore_el1(&s.el1);
            // SAFETY: the secure context of this core, its EL1 state loaded.
            unsafe { arch::el3_exit_to(s) }
        }
        Err(e) => {
            log::error!("no trusted OS ({e}); booting the normal world without one");
            let ns = enter_linux(core);
            // SAFETY: as above, for the normal world.
            unsafe { arch::el3_exit_to(ns) }
        }
    }
}

fn warm_boot(core: usize) -> ! {
    platform::gic::init_redistributor(core);
    sysreg::init_gic_cpu_interface();
    let ctx = contexts(core);
    for c in ctx.iter_mut() {
        c.runtime_sp = stack_top(core);
    }
    let vectors = TOS_VECTORS.load(Ordering::Acquire);
    if vectors != 0 {
        let s = &mut ctx[SECURE];
        *s = CpuContext::fresh(SCR_SECURE, VectorSlot::CpuOn.address(vectors), stack_top(core));
        sysreg::restore_el1(&s.el1);
        // SAFETY: this core's secure context with its EL1 state loaded.
        unsafe { arch::el3_exit_to(s) }
    }
    let ns = enter_ns_after_cpu_on(core);
    // SAFETY: this core's normal-world context with its EL1 state loaded.
    unsafe { arch::el3_exit_to(ns) }
}

/// The normal-world payload as loaded from fw_cfg.
struct NsPayload {
    kernel_entry: u64,
    initrd: Option<(u64, u64)>,
    cmdline: Option<alloc::string::String>,
}

fn load_ns_payload() -> Result<NsPayload, &'static str> {
    use platform::fw_cfg;
    fw_cfg::probe().map_err(|_| "fw_cfg with DMA not found")?;
    let kernel_size = fw_cfg::item_size(boot_payload::KEY_KERNEL_SIZE);
    if kernel_size < 64 || u64::from(kernel_size) > linker::NS_KERNEL_MAX_SIZE {
        return Err("no -kernel given, or it is too large");
    }
    // Read the header first to learn where the image wants to sit.
    let scratch = linker::NS_FW_CFG_SCRATCH + 0x100;
    // SAFETY: 64 bytes in the scratch page, which nothing else uses now.
    unsafe { fw_cfg::dma_read(boot_payload::KEY_KERNEL_DATA, scratch, 64) }.map_err(|_| "fw_cfg DMA failed")?;
    // SAFETY: the 64 bytes just written by the device.
    let header = unsafe { core::slice::from_raw_parts(scratch as *const u8, 64) };
    let layout = boot_payload::parse_image_header(header).map_err(|_| "-kernel is not an arm64 Image")?;
    let kernel_entry = linker::NS_KERNEL_BASE + layout.text_offset;
    if layout.text_offset + layout.image_size.max(u64::from(kernel_size)) > linker::NS_KERNEL_MAX_SIZE {
        return Err("kernel image does not fit its slot");
    }
    // SAFETY: the kernel slot of the NS memory map, checked to fit.
    unsafe { fw_cfg::dma_read(boot_payload::KEY_KERNEL_DATA, kernel_entry, kernel_size) }
        .map_err(|_| "fw_cfg DMA failed")?;
    log::info!("Linux Image: {kernel_size} bytes at {kernel_entry:#x}");

    let initrd_size = fw_cfg::item_size(boot_payload::KEY_INITRD_SIZE);
    let initrd = if initrd_size == 0 {
        None
    } else if u64::from(initrd_size) > linker::NS_INITRD_MAX_SIZE {
        return Err("initrd too large");
    } else {
        // SAFETY: the initrd slot of the NS memory map, checked to fit.
        unsafe { fw_cfg::dma_read(boot_payload::KEY_INITRD_DATA, linker::NS_INITRD_BASE, initrd_size) }
            .map_err(|_| "fw_cfg DMA failed")?;
        log::info!("initrd: {initrd_size} bytes at {:#x}", linker::NS_INITRD_BASE);
        Some((linker::NS_INITRD_BASE, linker::NS_INITRD_BASE + u64::from(initrd_size)))
    };

    let cmdline_size = fw_cfg::item_size(boot_payload::KEY_CMDLINE_SIZE);
    let cmdline = if cmdline_size == 0 || cmdline_size > 4096 {
        None
    } else {
        let at = linker::NS_FW_CFG_SCRATCH + 0x200;
        let len = cmdline_size.min(0xe00);
        // SAFETY: the rest of the scratch page.
        unsafe { fw_cfg::dma_read(boot_payload::KEY_CMDLINE_DATA, at, len) }.map_err(|_| "fw_cfg DMA failed")?;
        // SAFETY: the bytes just written by the device.
        let bytes = unsafe { core::slice::from_raw_parts(at as *const u8, len as usize) };
        let text = bytes.split(|b| *b == 0).next().unwrap_or(&[]);
        core::str::from_utf8(text).ok().map(alloc::string::String::from)
    };
    Ok(NsPayload { kernel_entry, initrd, cmdline })
}

/// Copies the trusted OS out of the firmware image. Returns its entry point and
/// the pageable part's (address, size).
fn load_trusted_os() -> Result<(u64, (u64, u64)), &'static str> {
    let package = linker::SECURE_FLASH_BASE + linker::TOS_PACKAGE_OFFSET;
    // SAFETY: the package area lies inside the secure flash, readable at EL3.
    let bytes = unsafe { core::slice::from_raw_parts(package as *const u8, linker::TOS_PACKAGE_MAX as usize) };
    let header = Header::parse(bytes).map_err(|_| "no valid OP-TEE v2 header in the firmware image")?;
    let pager = header.pager;
    let tos_end = linker::TOS_BASE + linker::TOS_SIZE;
    let fits = |addr: u64, size: u64| addr >= linker::TOS_BASE && addr.checked_add(size).is_some_and(|e| e <= tos_end);
    if !fits(pager.load_addr, u64::from(pager.size)) {
        return Err("pager load address outside the trusted-OS region");
    }
    let mut offset = header.encoded_len() as u64;
    let end = offset + u64::from(pager.size);
    if end > linker::TOS_PACKAGE_MAX {
        return Err("pager image larger than the package");
    }
    // SAFETY: source inside the package (checked), destination inside the
    // trusted-OS RAM region (checked), which nothing uses yet.
    unsafe {
        core::ptr::copy_nonoverlapping((package + offset) as *const u8, pager.load_addr as *mut u8, pager.size as usize)
    };
    offset = end;
    let paged = match header.paged {
        Some(p) if p.size > 0 => {
            let addr = if p.load_addr == image_header::LOADER_DECIDES { 0x0e30_0000 } else { p.load_addr };
            if !fits(addr, u64::from(p.size)) || offset + u64::from(p.size) > linker::TOS_PACKAGE_MAX {
                return Err("pageable image does not fit");
            }
            // SAFETY: as for the pager.
            unsafe {
                core::ptr::copy_nonoverlapping((package + offset) as *const u8, addr as *mut u8, p.size as usize)
            };
            (addr, u64::from(p.size))
        }
        _ => (0, 0),
    };
    Ok((pager.load_addr, paged))
}

/// Prepares this core's normal-world context to enter Linux, loads its EL1
/// state, and returns it.
fn enter_linux(core: usize) -> *mut CpuContext {
    let boot = BOOT.get().expect("boot info set before the normal world starts");
    scrub_secure_seeds(boot.dtb);
    let ns = &mut contexts(core)[NON_SECURE];
    *ns = CpuContext::fresh(SCR_NON_SECURE, boot.kernel_entry, stack_top(core));
    ns.x[0] = boot.dtb;
    sysreg::restore_el1(&ns.el1);
    log::info!("entering Linux at {:#x} (NS-EL1), DT at {:#x}", boot.kernel_entry, boot.dtb);
    ns
}

/// Erases `/secure-chosen`'s seeds from the DT Linux is about to get: the
/// trusted OS has read them during its cold boot, which is over. If the DT
/// cannot be walked any more, the whole DT area is zeroed instead: Linux
/// then fails to boot, but never sees the secure seeds.
fn scrub_secure_seeds(dtb: u64) {
    // SAFETY: the DT area reserved at NS_DTB_BASE; only this core runs and
    // the normal world has not started yet.
    let area = unsafe { core::slice::from_raw_parts_mut(dtb as *mut u8, linker::NS_DTB_MAX_SIZE as usize) };
    match seed_scrub::scrub_secure_seeds(area) {
        Ok(n) => {
            log::info!("erased {n} secure seed propert{} from the normal world's DT", if n == 1 { "y" } else { "ies" })
        }
        Err(e) => {
            zeroize::Zeroize::zeroize(area);
            log::error!("normal-world DT unreadable after the trusted OS booted ({e:?}); zeroed it");
        }
    }
}

fn enter_ns_after_cpu_on(core: usize) -> *mut CpuContext {
    let entry = psci().lock().core_started(core);
    let Some(NsEntry { pc, context_id }) = entry else {
        halt(format_args!("core {core} started without a CPU_ON entry"))
    };
    let ns = &mut contexts(core)[NON_SECURE];
    *ns = CpuContext::fresh(SCR_NON_SECURE, pc, stack_top(core));
    ns.x[0] = context_id;
    sysreg::restore_el1(&ns.el1);
    ns
}

fn psci() -> &'static Mutex<Psci> {
    PSCI.get().expect("PSCI state is set up at cold boot")
}

/// Switches from the normal world to the trusted OS at `slot`, with `x0..x7`
/// of the secure context set from `args` when given.
fn to_secure(core: usize, slot: VectorSlot, args: Option<[u64; 8]>) -> *mut CpuContext {
    let vectors = TOS_VECTORS.load(Ordering::Acquire);
    let [ns, s] = contexts(core);
    sysreg::save_el1(&mut ns.el1);
    sysreg::restore_el1(&s.el1);
    // PSTATE stays what the OS had when it last called the monitor (opteed
    // does the same): OP-TEE, for one, expects its own SP selection back.
    s.elr_el3 = slot.address(vectors);
    if let Some(args) = args {
        s.x[..8].copy_from_slice(&args);
    }
    s
}

/// Switches from the trusted OS back to the normal world.
fn to_non_secure(core: usize) -> *mut CpuContext {
    let [ns, s] = contexts(core);
    sysreg::save_el1(&mut s.el1);
    sysreg::restore_el1(&ns.el1);
    ns
}

const KIND_SYNC: u64 = 8;
const KIND_FIQ: u64 = 10;
const EC_SMC64: u64 = 0x17;

/// Every exception from a lower EL lands here with that world's registers
/// saved in `ctx`. Returns the context to resume.
#[unsafe(no_mangle)]
extern "C" fn el3_handle_lower(ctx: *mut CpuContext, kind: u64, esr: u64) -> *mut CpuContext {
    let core = arch::core_index();
    // SAFETY: the vectors pass this core's context of the interrupted world.
    let secure = unsafe { (*ctx).scr_el3 } & 1 == 0;
    if kind == KIND_FIQ && !secure {
        return secure_interrupt(core);
    }
    if kind != KIND_SYNC {
        halt(format_args!(
            "unexpected exception kind {kind} ESR {esr:#x} from {}",
            if secure { "S-EL1" } else { "NS" }
        ));
    }
    if esr >> 26 != EC_SMC64 {
        // SAFETY: the vectors pass this core's context of the world that
        // trapped; nothing else refers to it while the handler runs.
        crate::trap::inject_undef(unsafe { &mut *ctx }, esr, secure);
        return ctx;
    }
    if secure { secure_smc(core) } else { non_secure_smc(core) }
}

/// A secure interrupt while the normal world ran: the trusted OS handles it in
/// `fiq_entry` (x0 = where the normal world was) and answers `FIQ_DONE`.
fn secure_interrupt(core: usize) -> *mut CpuContext {
    if TOS_VECTORS.load(Ordering::Acquire) == 0 {
        halt(format_args!("secure interrupt on core {core} with no trusted OS to take it"));
    }
    let ns_elr = contexts(core)[NON_SECURE].elr_el3;
    let ctx = to_secure(core, VectorSlot::Fiq, None);
    contexts(core)[SECURE].x[0] = ns_elr;
    ctx
}

fn non_secure_smc(core: usize) -> *mut CpuContext {
    let ns = &mut contexts(core)[NON_SECURE];
    let regs = [ns.x[0], ns.x[1], ns.x[2], ns.x[3]];
    let tos_ready = TOS_VECTORS.load(Ordering::Acquire) != 0;
    let call = dispatch::route_ns_smc(regs, &mut psci().lock(), tos_ready);
    match call {
        NsCall::Answer(x0) => {
            ns.x[0] = x0;
            ns
        }
        NsCall::TrustedOs { fast } => {
            let mut args = [0u64; 8];
            args.copy_from_slice(&ns.x[..8]);
            args[0] = u64::from(tee_abi::smccc::FunctionId::from_x0(args[0]).without_sve_hint().0);
            let slot = if fast { VectorSlot::FastSmc } else { VectorSlot::YieldSmc };
            to_secure(core, slot, Some(args))
        }
        NsCall::Psci(action) => psci_action(core, action),
    }
}

fn psci_action(core: usize, action: PsciAction) -> *mut CpuContext {
    let tos_ready = TOS_VECTORS.load(Ordering::Acquire) != 0;
    let ns = &mut contexts(core)[NON_SECURE];
    match action {
        PsciAction::Return(x0) => {
            ns.x[0] = x0;
            ns
        }
        PsciAction::StartCore { core: target } => {
            unsafe extern "C" {
                fn monitor_warm_entry();
            }
            MONITOR_PEN[target].store(monitor_warm_entry as *const () as u64, Ordering::Release);
            arch::dsb_sy();
            arch::sev();
            ns.x[0] = 0;
            ns
        }
        PsciAction::Standby => {
            arch::wfi();
            ns.x[0] = 0;
            ns
        }
        PsciAction::CpuOff if tos_ready => to_secure(core, VectorSlot::CpuOff, None),
        PsciAction::CpuOff => power_down(core),
        PsciAction::SystemOff if tos_ready => to_secure(core, VectorSlot::SystemOff, None),
        PsciAction::SystemOff => system_off(),
        PsciAction::SystemReset if tos_ready => to_secure(core, VectorSlot::SystemReset, None),
        PsciAction::SystemReset => system_reset(),
    }
}

fn secure_smc(core: usize) -> *mut CpuContext {
    let s = &mut contexts(core)[SECURE];
    let regs = [s.x[0], s.x[1], s.x[2], s.x[3], s.x[4]];
    match dispatch::decode_tos_smc(regs) {
        TosReturn::EntryDone(vectors) => {
            if vectors == 0 {
                log::error!("trusted OS failed to initialise; continuing without it");
            } else {
                log::info!("trusted OS up, vector table at {vectors:#x}");
                TOS_VECTORS.store(vectors, Ordering::Release);
            }
            let [_, s] = contexts(core);
            sysreg::save_el1(&mut s.el1);
            enter_linux(core)
        }
        TosReturn::OnDone(status) => {
            if status != 0 {
                log::error!("trusted OS cpu_on failed on core {core}: {status:#x}");
            }
            let [_, s] = contexts(core);
            sysreg::save_el1(&mut s.el1);
            enter_ns_after_cpu_on(core)
        }
        TosReturn::OffDone(_) => power_down(core),
        TosReturn::CallDone(results) => {
            let ns = to_non_secure(core);
            contexts(core)[NON_SECURE].x[..4].copy_from_slice(&results);
            ns
        }
        TosReturn::FiqDone | TosReturn::SuspendResumeDone => to_non_secure(core),
        TosReturn::SystemOffDone => system_off(),
        TosReturn::SystemResetDone => system_reset(),
        TosReturn::Unknown => {
            // Secure-world calls into the monitor other than the opteed returns
            // (e.g. SMCCC_VERSION) get the generic answers.
            let fid = tee_abi::smccc::FunctionId::from_x0(regs[0]);
            s.x[0] = if fid.owner() == tee_abi::smccc::Owner::Arch {
                dispatch::arch_call(fid.0, regs[1])
            } else {
                log::warn!("unknown SMC {:#x} from the trusted OS", regs[0]);
                tee_abi::smccc::RET_NOT_SUPPORTED
            };
            s
        }
    }
}

fn power_down(core: usize) -> ! {
    psci().lock().core_stopped(core);
    MONITOR_PEN[core].store(0, Ordering::Release);
    arch::dsb_sy();
    // SAFETY: this core's index, its pen slot just cleared.
    unsafe { arch::park_in_pen(core) }
}

fn system_off() -> ! {
    log::info!("PSCI SYSTEM_OFF: powering off");
    platform::secure_gpio_pulse(linker::SECURE_GPIO_POWEROFF_PIN)
}

fn system_reset() -> ! {
    log::info!("PSCI SYSTEM_RESET: resetting");
    // RAM survives a QEMU reset: clear the pen so secondaries wait for CPU_ON.
    for slot in &MONITOR_PEN {
        slot.store(0, Ordering::Release);
    }
    arch::dsb_sy();
    platform::secure_gpio_pulse(linker::SECURE_GPIO_RESET_PIN)
}

/// Logs a fatal condition and stops this core.
pub fn halt(args: core::fmt::Arguments<'_>) -> ! {
    log::error!("fatal: {args}");
    loop {
        arch::wfi();
    }
}

/// An exception the monitor never expects (taken at EL3, or from AArch32).
#[unsafe(no_mangle)]
extern "C" fn el3_unexpected(kind: u64, esr: u64, elr: u64, far: u64) -> ! {
    halt(format_args!("unexpected EL3 exception {kind}: ESR {esr:#x} ELR {elr:#x} FAR {far:#x}"))
}

// Keep the unused-field lint quiet for the register file type on the host.
const _: fn() -> El1Sysregs = El1Sysregs::fresh;
