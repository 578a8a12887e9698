//! TA runs on a pool thread: the typed `UserExceptionHandler` gets the TA's
//! system calls (but not its FP traps, which `run_user` serves), a run can
//! leave for the normal world (RPC, foreign interrupt) and resume on another
//! core with its translation tables and FP/SIMD registers, and a nested run
//! (TA-to-TA) has its own handler, tables and registers.

use std::boxed::Box;
use std::vec::Vec;

use super::*;
use crate::arch::fake::fpu;
use crate::arch::fake::user::{self as ta, EC_FP_ACCESS, KIND_FIQ, KIND_SYNC, UserEntry, UserFrame};
use crate::thread::fpu::FpRegs;

/// The scripted handler's system calls (test numbers, not the utee ABI).
const SYS_RETURN: u64 = 0;
const SYS_ADD_100: u64 = 1;
const SYS_RPC: u64 = 2;
const SYS_NESTED: u64 = 3;
/// Recorded for a foreign interrupt.
const FIQ: u64 = 0xf1;

const OUTER_ROOT: u64 = 0x8000_1000;
const INNER_ROOT: u64 = 0x8000_2000;

/// Every exception the handlers saw: (which run, syscall or FIQ).
static SEEN: Mutex<Vec<(&str, u64)>> = Mutex::new(Vec::new());

struct Scripted {
    name: &'static str,
}

impl UserExceptionHandler for Scripted {
    fn user_exception(&mut self, frame: &mut UserFrame, kind: u64, esr: u64, _far: u64) -> bool {
        assert!(fake::irq::all_masked(), "exceptions from EL0 are handled masked");
        if kind == KIND_FIQ {
            lock(&SEEN).push((self.name, FIQ));
            preempt();
            return true;
        }
        assert_eq!((kind, esr >> 26), (KIND_SYNC, ta::EC_SVC64), "only system calls reach the handler");
        let number = frame.x[8];
        lock(&SEEN).push((self.name, number));
        match number {
            SYS_RETURN => {
                frame.x[0] = frame.x[1];
                return false;
            }
            SYS_ADD_100 => with_foreign_interrupts(|| {
                assert!(!fake::irq::all_masked(), "a system call runs with interrupts open");
                frame.x[0] += 100;
            }),
            SYS_RPC => {
                frame.x[0] = with_foreign_interrupts(|| {
                    let answer = switch_to_normal_world([RPC_TEST, 0, 0])[0];
                    assert!(!fake::irq::all_masked(), "open again after the RPC, on the new core");
                    answer
                });
                assert!(fake::irq::all_masked(), "masked for the way back to the TA");
            }
            SYS_NESTED => {
                let mut inner = Scripted { name: "inner" };
                let entry = UserEntry { args: [frame.x[0], 0, 0, 0], ..UserEntry::default() };
                // SAFETY: the fake's tables are only recorded.
                frame.x[0] = unsafe { run_user(INNER_ROOT, &mut inner, &entry) };
            }
            _ => frame.x[0] = u64::MAX,
        }
        true
    }
}

fn pattern(seed: u128) -> FpRegs {
    let mut r = FpRegs::ZERO;
    for (i, q) in r.q.iter_mut().enumerate() {
        *q = seed * 1000 + i as u128;
    }
    r.fpsr = seed as u64;
    r
}

/// The TA touches FP/SIMD: the first use on a core traps to the kernel,
/// which must then have opened access.
fn use_fp<R>(frame: &mut UserFrame, f: impl Fn(&mut FpRegs) -> R) -> Result<R, u64> {
    if let Some(r) = fpu::el0_use(&f) {
        return Ok(r);
    }
    ta::exception(frame, KIND_SYNC, EC_FP_ACCESS << 26, 0)?;
    Ok(fpu::el0_use(&f).expect("the FP trap opened access"))
}

fn tables() -> u64 {
    ta::ttbr0(fake::core_index())
}

fn outer_ta(entry: &UserEntry) -> Result<(), u64> {
    let mut f = UserFrame::ZERO;
    assert_eq!(tables(), OUTER_ROOT);
    f.x[0] = entry.args[0];
    ta::svc(&mut f, SYS_ADD_100)?;
    assert_eq!(f.x[0], entry.args[0] + 100);

    assert_eq!(use_fp(&mut f, |r| *r)?, FpRegs::ZERO, "a run starts with zero FP registers");
    use_fp(&mut f, |r| *r = pattern(1))?;
    // Leave for the normal world (the test resumes us on core 1) ...
    ta::svc(&mut f, SYS_RPC)?;
    assert_eq!(f.x[0], 0x77, "the RPC's answer");
    assert_eq!((fake::core_index(), tables()), (1, OUTER_ROOT), "own tables on the new core");
    assert_eq!(use_fp(&mut f, |r| *r)?, pattern(1), "own FP registers on the new core");
    // ... and for a normal-world interrupt (resumed on core 2).
    ta::exception(&mut f, KIND_FIQ, 0, 0)?;
    assert_eq!((fake::core_index(), tables()), (2, OUTER_ROOT));

    // A nested run, then ours again.
    f.x[0] = 5;
    ta::svc(&mut f, SYS_NESTED)?;
    assert_eq!(f.x[0], 5 + 1000, "the nested run's exit value");
    assert_eq!(tables(), OUTER_ROOT, "the caller's tables are back");
    assert_eq!(use_fp(&mut f, |r| *r)?, pattern(1), "the nested run did not clobber ours");

    f.x[1] = 42;
    ta::svc(&mut f, SYS_RETURN)?;
    panic!("the kernel resumed a returned TA");
}

fn inner_ta(entry: &UserEntry) -> Result<(), u64> {
    let mut f = UserFrame::ZERO;
    assert_eq!(tables(), INNER_ROOT);
    assert_eq!(use_fp(&mut f, |r| *r)?, FpRegs::ZERO, "a nested run has its own FP registers");
    use_fp(&mut f, |r| *r = pattern(2))?;
    f.x[1] = entry.args[0] + 1000;
    ta::svc(&mut f, SYS_RETURN)?;
    panic!("the kernel resumed a returned TA");
}

fn serve_ta_run(_env: &mut dyn CallEnvMut, args: &[u64; 8]) -> [u64; 4] {
    let mut handler = Scripted { name: "outer" };
    let entry = UserEntry { args: [args[1], 0, 0, 0], ..UserEntry::default() };
    // SAFETY: the fake's tables are only recorded.
    let exit = unsafe { run_user(OUTER_ROOT, &mut handler, &entry) };
    assert_eq!(tables(), kernel_root(), "the kernel's tables after the run");
    [smc::RETURN_OK, exit, 0, 0]
}

#[test]
fn a_ta_run_serves_syscalls_leaves_resumes_and_nests_with_its_own_fp_and_tables() {
    let _rt = setup(serve_ta_run);
    lock(&SEEN).clear();
    ta::install_ta(Box::new(outer_ta));
    ta::install_ta(Box::new(inner_ta));
    for core in 0..3 {
        fpu::set_normal_world(core, pattern(10 + core as u128));
    }

    let left = smc_on(0, [u64::from(smc::CALL_WITH_ARG), 7, 0, 0, 0, 0, 0, 0]);
    assert_eq!(left[0], RPC_TEST);
    assert_eq!(fpu::normal_world(0), pattern(10), "core 0's normal world got its registers back");
    assert_eq!(ta::ttbr0(0), kernel_root(), "no TA tables left live on core 0");

    let left = return_from_rpc(1, left[3], [0x77, 0, 0, 0]);
    assert_eq!(left[..3], [RPC_FUNC_FOREIGN_INTR, 0, 0]);
    assert_eq!(fpu::normal_world(1), pattern(11));
    assert_eq!(ta::ttbr0(1), kernel_root());

    let done = return_from_rpc(2, left[3], [0; 4]);
    assert_eq!(done, [smc::RETURN_OK, 42, 0, 0]);
    assert_eq!(fpu::normal_world(2), pattern(12), "the TA's registers never reach the normal world");
    assert!(all_free());
    assert_eq!(
        *lock(&SEEN),
        [
            ("outer", SYS_ADD_100),
            ("outer", SYS_RPC),
            ("outer", FIQ),
            ("outer", SYS_NESTED),
            ("inner", SYS_RETURN),
            ("outer", SYS_RETURN)
        ],
        "the FP traps never reached a handler"
    );
}
