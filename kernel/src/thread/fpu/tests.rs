//! Host tests of the per-core FP bookkeeping against a fake unit.

use super::*;

/// A register file and its trap control, with the checks the hardware
/// would make (no FP access while trapped).
struct FakeUnit {
    live: FpRegs,
    access: FpAccess,
}

impl FpUnit for FakeUnit {
    fn set_access(&mut self, access: FpAccess) {
        self.access = access;
    }
    fn save(&mut self, into: &mut FpRegs) {
        assert_ne!(self.access, FpAccess::Trapped, "kernel FP access while trapped");
        *into = self.live;
    }
    fn restore(&mut self, from: &FpRegs) {
        assert_ne!(self.access, FpAccess::Trapped, "kernel FP access while trapped");
        self.live = *from;
    }
}

fn pattern(seed: u128) -> FpRegs {
    let mut r = FpRegs::ZERO;
    for (i, q) in r.q.iter_mut().enumerate() {
        *q = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ i as u128;
    }
    r.fpcr = seed as u64 & 0x07c0_0000;
    r.fpsr = seed as u64 & 0x1f;
    r
}

fn unit_with_normal_world() -> (FakeUnit, FpRegs) {
    let ns = pattern(0x1234);
    (FakeUnit { live: ns, access: FpAccess::Trapped }, ns)
}

/// A TA "uses" FP: it writes its own values while access is open.
fn ta_writes(unit: &mut FakeUnit, values: FpRegs) {
    assert_eq!(unit.access, FpAccess::Open, "TA FP instruction would trap");
    unit.live = values;
}

#[test]
fn a_run_starts_from_zero_and_the_normal_world_gets_its_registers_back() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let mut run = FpRegs::ZERO;
    core.trap_until_used(&mut unit);
    // SAFETY: `run` outlives the calls below.
    unsafe { core.give_to(&mut unit, &mut run) };
    assert_eq!(unit.live, FpRegs::ZERO, "the TA must not see the normal world's registers");
    ta_writes(&mut unit, pattern(7));
    core.end_run(&mut unit, &mut run);
    core.before_normal_world(&mut unit);
    assert_eq!(unit.live, ns);
    assert_eq!(unit.access, FpAccess::Trapped);
    assert!(!core.holds_normal_world());
}

#[test]
fn an_rpc_keeps_the_tas_registers_across_cores() {
    let (mut unit0, ns0) = unit_with_normal_world();
    let mut unit1 = FakeUnit { live: pattern(0x5555), access: FpAccess::Trapped };
    let ns1 = unit1.live;
    let (mut core0, mut core1) = (CoreFp::new(), CoreFp::new());
    let mut run = FpRegs::ZERO;
    // SAFETY: `run` outlives every call below.
    unsafe { core0.give_to(&mut unit0, &mut run) };
    ta_writes(&mut unit0, pattern(42));
    // RPC on core 0: the TA's registers go into its run.
    core0.before_normal_world(&mut unit0);
    assert_eq!(unit0.live, ns0);
    assert_eq!(run, pattern(42));
    // Resumed on core 1; the TA's next FP instruction traps there.
    assert_eq!(unit1.access, FpAccess::Trapped);
    // SAFETY: as above.
    unsafe { core1.give_to(&mut unit1, &mut run) };
    assert_eq!(unit1.live, pattern(42));
    core1.end_run(&mut unit1, &mut run);
    core1.before_normal_world(&mut unit1);
    assert_eq!(unit1.live, ns1);
}

#[test]
fn nested_runs_swap_lazily_and_never_see_each_other() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let (mut outer, mut inner) = (FpRegs::ZERO, FpRegs::ZERO);
    // SAFETY: both outlive the calls below.
    unsafe { core.give_to(&mut unit, &mut outer) };
    ta_writes(&mut unit, pattern(1));
    // The outer TA opens a session to another TA: a nested run starts.
    core.trap_until_used(&mut unit);
    // SAFETY: as above.
    unsafe { core.give_to(&mut unit, &mut inner) };
    assert_eq!(unit.live, FpRegs::ZERO, "the inner run must not see the outer run's registers");
    ta_writes(&mut unit, pattern(2));
    core.end_run(&mut unit, &mut inner);
    // Back in the outer run: its registers come back on its next use.
    // SAFETY: as above.
    unsafe { core.give_to(&mut unit, &mut outer) };
    assert_eq!(unit.live, pattern(1));
    core.end_run(&mut unit, &mut outer);
    core.before_normal_world(&mut unit);
    assert_eq!(unit.live, ns);
}

#[test]
fn a_nested_run_without_fp_leaves_the_outer_registers_loaded() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let (mut outer, mut inner) = (FpRegs::ZERO, FpRegs::ZERO);
    // SAFETY: both outlive the calls below.
    unsafe { core.give_to(&mut unit, &mut outer) };
    ta_writes(&mut unit, pattern(3));
    core.trap_until_used(&mut unit);
    core.end_run(&mut unit, &mut inner);
    // SAFETY: as above.
    unsafe { core.give_to(&mut unit, &mut outer) };
    assert_eq!(unit.live, pattern(3));
    core.before_normal_world(&mut unit);
    assert_eq!(outer, pattern(3));
    assert_eq!(unit.live, ns);
}

#[test]
fn a_later_run_never_sees_an_earlier_runs_registers() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let mut first = FpRegs::ZERO;
    // SAFETY: outlives the calls below.
    unsafe { core.give_to(&mut unit, &mut first) };
    ta_writes(&mut unit, pattern(9));
    core.end_run(&mut unit, &mut first);
    // Same secure visit, next run (another TA) on this core.
    let mut second = FpRegs::ZERO;
    core.trap_until_used(&mut unit);
    // SAFETY: as above.
    unsafe { core.give_to(&mut unit, &mut second) };
    assert_eq!(unit.live, FpRegs::ZERO);
    core.end_run(&mut unit, &mut second);
    core.before_normal_world(&mut unit);
    assert_eq!(unit.live, ns);
}

#[test]
fn entries_without_fp_use_do_not_touch_the_registers() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let mut run = FpRegs::ZERO;
    core.trap_until_used(&mut unit);
    core.end_run(&mut unit, &mut run);
    core.before_normal_world(&mut unit);
    assert_eq!(unit.live, ns);
    assert!(!core.holds_normal_world());
}

/// Kernel code inside a section clobbers the registers.
fn kernel_uses_simd(unit: &mut FakeUnit) {
    assert_eq!(unit.access, FpAccess::KernelOnly, "kernel SIMD instruction would trap");
    unit.live = pattern(0xdead);
}

#[test]
fn a_section_before_any_ta_fp_use_keeps_the_normal_worlds_registers() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let mut run = FpRegs::ZERO;
    core.trap_until_used(&mut unit);
    core.begin_kernel_simd(&mut unit);
    kernel_uses_simd(&mut unit);
    core.end_kernel_simd(&mut unit);
    assert_eq!(unit.live, ns, "the normal world's registers are back in place");
    assert_eq!(unit.access, FpAccess::Trapped);
    assert!(!core.holds_normal_world(), "nothing parked: the section is invisible");
    // The TA then uses FP: it starts from zero, the normal world's are intact at the end.
    // SAFETY: `run` outlives the calls below.
    unsafe { core.give_to(&mut unit, &mut run) };
    assert_eq!(unit.live, FpRegs::ZERO);
    ta_writes(&mut unit, pattern(5));
    core.end_run(&mut unit, &mut run);
    core.before_normal_world(&mut unit);
    assert_eq!(unit.live, ns);
}

#[test]
fn a_section_during_a_ta_syscall_keeps_the_tas_registers_and_access() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let mut run = FpRegs::ZERO;
    // SAFETY: `run` outlives the calls below.
    unsafe { core.give_to(&mut unit, &mut run) };
    ta_writes(&mut unit, pattern(11));
    // The TA makes a crypto syscall; the kernel runs sections.
    for _ in 0..3 {
        core.begin_kernel_simd(&mut unit);
        kernel_uses_simd(&mut unit);
        core.end_kernel_simd(&mut unit);
        assert_eq!(unit.live, pattern(11), "the TA sees its registers after the syscall");
        assert_eq!(unit.access, FpAccess::Open, "and may go on using them untrapped");
    }
    // An RPC after the syscall: the TA's registers go with its run.
    core.before_normal_world(&mut unit);
    assert_eq!(run, pattern(11));
    assert_eq!(unit.live, ns);
}

#[test]
fn a_section_after_a_run_ended_leaves_zeroes_not_key_material() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let mut run = FpRegs::ZERO;
    // SAFETY: `run` outlives the calls below.
    unsafe { core.give_to(&mut unit, &mut run) };
    ta_writes(&mut unit, pattern(12));
    core.end_run(&mut unit, &mut run);
    core.begin_kernel_simd(&mut unit);
    kernel_uses_simd(&mut unit);
    core.end_kernel_simd(&mut unit);
    assert_eq!(unit.live, FpRegs::ZERO);
    assert_eq!(unit.access, FpAccess::Trapped);
    // A later run starts from zero and the normal world gets its own.
    let mut next = FpRegs::ZERO;
    // SAFETY: as above.
    unsafe { core.give_to(&mut unit, &mut next) };
    assert_eq!(unit.live, FpRegs::ZERO);
    core.before_normal_world(&mut unit);
    assert_eq!(unit.live, ns);
}

#[test]
fn a_section_in_a_nested_run_without_fp_never_opens_the_outer_registers() {
    let (mut unit, _ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    let mut outer = FpRegs::ZERO;
    // SAFETY: `outer` outlives the calls below.
    unsafe { core.give_to(&mut unit, &mut outer) };
    ta_writes(&mut unit, pattern(13));
    // A nested run starts (trapped) and makes a crypto syscall.
    core.trap_until_used(&mut unit);
    core.begin_kernel_simd(&mut unit);
    kernel_uses_simd(&mut unit);
    core.end_kernel_simd(&mut unit);
    assert_eq!(unit.access, FpAccess::Trapped, "the inner TA must still trap");
    assert_eq!(unit.live, pattern(13));
}

#[test]
#[should_panic(expected = "inside a kernel SIMD section")]
fn leaving_the_core_inside_a_section_stops_with_the_normal_world_intact() {
    let (mut unit, ns) = unit_with_normal_world();
    let mut core = CoreFp::new();
    core.begin_kernel_simd(&mut unit);
    kernel_uses_simd(&mut unit);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| core.before_normal_world(&mut unit)));
    assert_eq!(unit.live, ns);
    std::panic::resume_unwind(r.unwrap_err());
}

#[test]
#[should_panic(expected = "kernel SIMD section inside a kernel SIMD section")]
fn sections_do_not_nest() {
    let (mut unit, _) = unit_with_normal_world();
    let mut core = CoreFp::new();
    core.begin_kernel_simd(&mut unit);
    core.begin_kernel_simd(&mut unit);
}
