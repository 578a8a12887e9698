//! Test 1034: the invoke-tests pseudo-TA (`PTA_INVOKE_TESTS_UUID`), which
//! upstream OP-TEE has and ours implements with the same contracts:
//!
//! - `pta-params-values-and-memref`: VALUE_INOUT a += b; three inputs
//!   summed into the output; a registered MEMREF_INOUT's byte sum (mod 256)
//!   in its first byte;
//! - `pta-self-tests`: the kernel's self tests and the "no DT driver tests"
//!   command succeed;
//! - `pta-storage-corner-cases`: the storage corner cases (FS_HTREE) pass
//!   on the real REE file system;
//! - `pta-rw-mutex-counts`: a writer holds the lock alone; a reader reports
//!   itself among the holders;
//! - `pta-memref-null`: MEMREF_NULL accepts an empty memref into registered
//!   memory (a pseudo-TA sees every empty memref as NULL, unlike a user TA:
//!   test 5004) and refuses a 1-byte one.

use proto::invoke_tests_pta as pta;
use teec::{Context, Login, Param, Session, SharedMemory};
use tz_runner::Report;

type R = Result<(), String>;

fn params(ctx: &Context, s: &mut Session<'_>) -> R {
    let mut p = [Param::ValueInout { a: 40, b: 2 }, Param::None, Param::None, Param::None];
    s.invoke(pta::CMD_PARAMS, &mut p).map_err(|e| format!("inout: {e}"))?;
    let Param::ValueInout { a: 42, .. } = p[0] else { return Err(format!("inout gave {:?}", p[0])) };
    let mut p = [
        Param::ValueInput { a: 1, b: 10 },
        Param::ValueOutput { a: 0, b: 0 },
        Param::ValueInput { a: 2, b: 20 },
        Param::ValueInput { a: 3, b: 30 },
    ];
    s.invoke(pta::CMD_PARAMS, &mut p).map_err(|e| format!("sum: {e}"))?;
    let Param::ValueOutput { a: 6, b: 60 } = p[1] else { return Err(format!("sum gave {:?}", p[1])) };
    let mut shm = SharedMemory::register(ctx, 16 * 1024).map_err(|e| format!("register: {e}"))?;
    let mut want = 0u8;
    for (i, b) in shm.as_mut_slice().iter_mut().enumerate() {
        *b = (i + 1) as u8;
        want = want.wrapping_add(*b);
    }
    let mut p = [Param::inout(&mut shm), Param::None, Param::None, Param::None];
    s.invoke(pta::CMD_PARAMS, &mut p).map_err(|e| format!("memref: {e}"))?;
    match shm.as_slice()[0] {
        got if got == want => Ok(()),
        got => Err(format!("memref sum {got}, want {want}")),
    }
}

fn self_tests(s: &mut Session<'_>) -> R {
    for (command, name) in [(pta::CMD_SELF_TESTS, "self tests"), (pta::CMD_DT_DRIVER_TESTS, "dt driver tests")] {
        let mut p: [Param<'_>; 4] = Default::default();
        s.invoke(command, &mut p).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

fn storage(s: &mut Session<'_>) -> R {
    let mut p: [Param<'_>; 4] = Default::default();
    s.invoke(pta::CMD_FS_HTREE, &mut p).map_err(|e| e.to_string())
}

fn mutex(s: &mut Session<'_>) -> R {
    for (role, name) in [(pta::MUTEX_TEST_WRITER, "writer"), (pta::MUTEX_TEST_READER, "reader")] {
        let mut p =
            [Param::ValueInput { a: role, b: 4096 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
        s.invoke(pta::CMD_MUTEX, &mut p).map_err(|e| format!("{name}: {e}"))?;
        match &p[1] {
            Param::ValueOutput { b: 1, .. } if role == pta::MUTEX_TEST_WRITER => {}
            Param::ValueOutput { b, .. } if role == pta::MUTEX_TEST_READER && *b >= 1 => {}
            other => return Err(format!("{name}: {other:?}")),
        }
    }
    Ok(())
}

fn memref_null(ctx: &Context, s: &mut Session<'_>) -> R {
    let mut shm = SharedMemory::register(ctx, 64).map_err(|e| format!("register: {e}"))?;
    let mut p = [Param::MemrefInout { shm: &mut shm, offset: 0, size: 0 }, Param::None, Param::None, Param::None];
    s.invoke(pta::CMD_MEMREF_NULL, &mut p).map_err(|e| format!("an empty memref: {e}"))?;
    let mut p = [Param::MemrefInout { shm: &mut shm, offset: 0, size: 1 }, Param::None, Param::None, Param::None];
    match s.invoke(pta::CMD_MEMREF_NULL, &mut p) {
        Err(e) if e.code == teec::TeeError::BadParameters.code() => Ok(()),
        other => Err(format!("a 1-byte memref gave {other:?}, want BAD_PARAMETERS")),
    }
}

pub fn run(report: &mut Report) {
    const CASES: [&str; 5] = [
        "pta-params-values-and-memref",
        "pta-self-tests",
        "pta-storage-corner-cases",
        "pta-rw-mutex-counts",
        "pta-memref-null",
    ];
    report.test(1034, "the invoke-tests pseudo-TA: parameters, self tests, storage, mutex");
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => {
            for name in CASES {
                report.case(name, Err(format!("context: {e}")));
            }
            return;
        }
    };
    let mut s = match ctx.open_session(&pta::UUID, Login::Public) {
        Ok(s) => s,
        Err(e) => {
            for name in CASES {
                report.case(name, Err(format!("open: {e}")));
            }
            return;
        }
    };
    report.case(CASES[0], params(&ctx, &mut s));
    report.case(CASES[1], self_tests(&mut s));
    report.case(CASES[2], storage(&mut s));
    report.case(CASES[3], mutex(&mut s));
    report.case(CASES[4], memref_null(&ctx, &mut s));
}
