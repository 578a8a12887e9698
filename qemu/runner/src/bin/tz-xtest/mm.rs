//! Memory management under attack, through `tas/mm_attack_ta`:
//!
//! - 1017 `mm-touch-after-unmap-2m`, `-4m`, `-8m`: the TA asks the system
//!   PTA for MAP_ZI of 2, 4 and 8 MiB (2 MiB-aligned sizes: where a kernel
//!   may use block mappings), finds it zeroed, writes and reads a pattern,
//!   UNMAPs it and reads the old range: the read must fault and the invoke
//!   end in `TEEC_ERROR_TARGET_DEAD`, not return data; a new session then
//!   works. `mm-map-zi-cycles`: 20 rounds of MAP_ZI / touch / UNMAP of
//!   4 KiB to 8 MiB in one instance all succeed (no table or memory runs
//!   out, nothing stays mapped in the way).
//! - 1018 `mm-memref-2m-3m-x10`: INOUT memrefs of 2 MiB and 3 MiB
//!   (registered shared memory), 10 of each alternately on one session:
//!   the TA sees exactly the client's bytes and the client gets every byte
//!   back inverted. `mm-memref-2m-shifted-x512`: 512 times, a MAP_ZI spacer
//!   2 MiB + k pages long (k = 0..511) held by the TA moves where the
//!   kernel allocates, then a 2 MiB INOUT memref goes through (ends checked
//!   and inverted): whichever copy lands on a 2 MiB boundary (a block
//!   mapping for a kernel that uses them) must be unmapped like any other,
//!   so every call succeeds.

use proto::mm_attack_ta;
use teec::{Context, Login, Param, SharedMemory, TeeError, Uuid};
use tz_runner::{Report, stepped};

const MIB: usize = 1 << 20;
const CYCLE_ROUNDS: u32 = 20;
const MEMREF_ROUNDS: u32 = 10;
/// Spacer lengths 2 MiB + k pages, k below this: every 4 KiB offset modulo 2 MiB.
const SHIFTS: u32 = 512;

fn none() -> [Param<'static>; 4] {
    [Param::None, Param::None, Param::None, Param::None]
}

/// MAP_ZI `len`, UNMAP, touch: the instance must die, a new one must work.
fn touch_after_unmap(ctx: &Context, ta: &Uuid, len: usize) -> Result<(), String> {
    let mut session = ctx.open_session(ta, Login::Public).map_err(|e| format!("open session: {e}"))?;
    session.invoke(mm_attack_ta::CMD_PING, &mut none()).map_err(|e| format!("ping before: {e}"))?;
    let mut params =
        [Param::ValueInput { a: len as u32, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    match session.invoke(mm_attack_ta::CMD_TOUCH_AFTER_UNMAP, &mut params) {
        Err(e) if e.is(TeeError::TargetDead) => {}
        Err(e) if e.is_from_ta(TeeError::Security) => {
            let Param::ValueOutput { a, .. } = params[1] else { unreachable!() };
            return Err(format!("the TA read {a:#010x} from its range after UNMAP"));
        }
        Err(e) => return Err(format!("before the read: {}", stepped(Err(e), &params[1]).unwrap_err())),
        Ok(()) => return Err("succeeded".into()),
    }
    drop(session);
    let mut fresh = ctx.open_session(ta, Login::Public).map_err(|e| format!("reopen after death: {e}"))?;
    fresh.invoke(mm_attack_ta::CMD_PING, &mut none()).map_err(|e| format!("ping after reopen: {e}"))
}

fn map_zi_cycles(ctx: &Context, ta: &Uuid) -> Result<(), String> {
    let mut session = ctx.open_session(ta, Login::Public).map_err(|e| format!("open session: {e}"))?;
    let mut params =
        [Param::ValueInput { a: CYCLE_ROUNDS, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    match session.invoke(mm_attack_ta::CMD_MAP_ZI_CYCLES, &mut params) {
        Ok(()) => Ok(()),
        Err(e) => {
            let Param::ValueOutput { a: round, b: size } = params[1] else { unreachable!() };
            Err(format!("round {round}, {size:#x} bytes: {e}"))
        }
    }
}

fn memrefs(ctx: &Context, ta: &Uuid) -> Result<(), String> {
    let mut session = ctx.open_session(ta, Login::Public).map_err(|e| format!("open session: {e}"))?;
    for round in 0..MEMREF_ROUNDS {
        // 3 MiB: a call costs twice its memrefs in the kernel's bounce pool
        // (6 MiB), so 4 MiB is refused at once; 3 MiB is a block and pages.
        for len in [2 * MIB, 3 * MIB] {
            let seed = round * 7 + len as u32 / MIB as u32;
            let mut shm = SharedMemory::register(ctx, len).map_err(|e| format!("register {len:#x}: {e}"))?;
            shm.as_mut_slice().iter_mut().enumerate().for_each(|(i, b)| *b = mm_attack_ta::pattern(i, seed));
            let mut params = [Param::inout(&mut shm), Param::ValueInput { a: seed, b: 0 }, Param::None, Param::None];
            session
                .invoke(mm_attack_ta::CMD_MEMREF_INVERT, &mut params)
                .map_err(|e| format!("round {round}, {len:#x} bytes: {e}"))?;
            if let Some(i) = shm.as_slice().iter().enumerate().position(|(i, b)| *b != !mm_attack_ta::pattern(i, seed))
            {
                return Err(format!(
                    "round {round}, {len:#x} bytes: byte {i:#x} is {:#04x}, want {:#04x}",
                    shm.as_slice()[i],
                    !mm_attack_ta::pattern(i, seed)
                ));
            }
        }
    }
    Ok(())
}

fn spacer(session: &mut teec::Session<'_>, len: usize) -> Result<(), String> {
    let mut params = [Param::ValueInput { a: len as u32, b: 0 }, Param::None, Param::None, Param::None];
    session.invoke(mm_attack_ta::CMD_SPACER, &mut params).map_err(|e| format!("spacer of {len:#x} bytes: {e}"))
}

fn shifted_memrefs(ctx: &Context, ta: &Uuid) -> Result<(), String> {
    let mut session = ctx.open_session(ta, Login::Public).map_err(|e| format!("open session: {e}"))?;
    let len = 2 * MIB;
    let mut shm = SharedMemory::register(ctx, len).map_err(|e| format!("register {len:#x}: {e}"))?;
    for k in 0..SHIFTS {
        spacer(&mut session, 2 * MIB + k as usize * 4096)?;
        let ends = [0, len - 1];
        for i in ends {
            shm.as_mut_slice()[i] = mm_attack_ta::pattern(i, k);
        }
        let mut params = [Param::inout(&mut shm), Param::ValueInput { a: k, b: 0 }, Param::None, Param::None];
        session.invoke(mm_attack_ta::CMD_MEMREF_ENDS, &mut params).map_err(|e| format!("shift {k} pages: {e}"))?;
        if let Some(i) = ends.into_iter().find(|&i| shm.as_slice()[i] != !mm_attack_ta::pattern(i, k)) {
            return Err(format!(
                "shift {k} pages: byte {i:#x} is {:#04x}, want {:#04x}",
                shm.as_slice()[i],
                !mm_attack_ta::pattern(i, k)
            ));
        }
    }
    spacer(&mut session, 0)
}

pub fn run(report: &mut Report) {
    let setup = Context::new().map_err(|e| format!("context: {e}")).map(|ctx| (ctx, mm_attack_ta::UUID));
    let with = |f: &dyn Fn(&Context, &Uuid) -> Result<(), String>| match &setup {
        Ok((ctx, ta)) => f(ctx, ta),
        Err(e) => Err(e.clone()),
    };
    report.test(1017, "MAP_ZI / UNMAP: unmapped memory is gone, tables and memory come back");
    for (name, len) in [
        ("mm-touch-after-unmap-2m", 2 * MIB),
        ("mm-touch-after-unmap-4m", 4 * MIB),
        ("mm-touch-after-unmap-8m", 8 * MIB),
    ] {
        report.case(name, with(&|ctx, ta| touch_after_unmap(ctx, ta, len)));
    }
    report.case("mm-map-zi-cycles", with(&map_zi_cycles));
    report.test(1018, "large client memrefs (2 and 3 MiB) round-trip");
    report.case("mm-memref-2m-3m-x10", with(&memrefs));
    report.case("mm-memref-2m-shifted-x512", with(&shifted_memrefs));
}
