//! TA loading errors, as a client sees them:
//!
//! - `ta-missing-item-not-found`: a UUID without a `.ta` file fails with
//!   `TEEC_ERROR_ITEM_NOT_FOUND`;
//! - `ta-bad-signature-refused`: a `.ta` signed with a key the trusted OS
//!   does not trust fails with `TEEC_ERROR_SECURITY`;
//! - `ta-resigned-copy-opens`: hello_world's image validly signed for another
//!   UUID opens and answers INC (the control for the two damaged copies
//!   below, which are signed the same way);
//! - `ta-flipped-byte-security`: that copy with one image byte flipped after
//!   signing fails with `TEEC_ERROR_SECURITY`;
//! - `ta-truncated-refused`: that copy cut 100 bytes short fails (any
//!   error; the code is printed);
//! - `ta-valid-open-after-refusals`: after each refusal above, a session to
//!   hello_world still opens and answers INC;
//! - `ta-install-bad-params`: the secure-storage TA management PTA's
//!   BOOTSTRAP takes one MEMREF_INPUT (BAD_PARAMETERS for a value);
//! - `ta-install-corrupt-security`: a validly signed file
//!   (`loading::INSTALLED`, not in the TA directory) with one byte flipped
//!   in its header, its hash or its image is refused with SECURITY, and
//!   the TA still does not exist (ITEM_NOT_FOUND);
//! - `ta-install-then-opens`: the intact file installs; the TA, which does
//!   not load before, then opens from secure storage and answers INC;
//! - `ta-rollback-access-conflict`: hello_world signed as the bootstrap TA
//!   `loading::ROLLBACK` with `ta_version` 2, copied into the TA directory,
//!   opens; the same with version 1 in its place is refused with
//!   `TEEC_ERROR_ACCESS_CONFLICT` (`ta_ver.db`, upstream's
//!   `check_update_version` in optee_os 4.5.0 `core/kernel/ree_fs_ta.c`);
//!   version 2 again opens (an equal version passes).

use proto::{hello_world, loading};
use tee_abi::pta::{SECSTOR_TA_MGMT_BOOTSTRAP, SECSTOR_TA_MGMT_UUID};
use teec::{Context, Login, Param, SharedMemory, TeeError, TeecError, Uuid};
use tz_runner::Report;

const CASES: [&str; 10] = [
    "ta-missing-item-not-found",
    "ta-bad-signature-refused",
    "ta-resigned-copy-opens",
    "ta-flipped-byte-security",
    "ta-truncated-refused",
    "ta-valid-open-after-refusals",
    "ta-install-bad-params",
    "ta-install-corrupt-security",
    "ta-install-then-opens",
    "ta-rollback-access-conflict",
];

/// Opening `uuid` fails; `Ok(code)` with the error code.
fn open_fails(ctx: &Context, uuid: &Uuid) -> Result<u32, String> {
    match ctx.open_session(uuid, Login::Public) {
        Err(e) => Ok(e.code),
        Ok(_) => Err(format!("a session to {uuid} opened")),
    }
}

fn open_fails_with(ctx: &Context, uuid: &Uuid, want: TeeError) -> Result<(), String> {
    match open_fails(ctx, uuid)? {
        c if c == want.code() => Ok(()),
        c => Err(format!("got {c:#010x}, want {want}")),
    }
}

/// A session to `uuid` opens and INC 7 gives 8.
fn open_and_inc(ctx: &Context, uuid: &Uuid) -> Result<(), String> {
    let mut session = ctx.open_session(uuid, Login::Public).map_err(|e| format!("open {uuid}: {e}"))?;
    let mut params = [Param::ValueInout { a: 7, b: 0 }, Param::None, Param::None, Param::None];
    session.invoke(hello_world::CMD_INC_VALUE, &mut params).map_err(|e| format!("INC on {uuid}: {e}"))?;
    match params[0] {
        Param::ValueInout { a: 8, .. } => Ok(()),
        ref p => Err(format!("INC 7 on {uuid} gave {p:?}")),
    }
}

pub fn run(report: &mut Report) {
    report.test(1002, "TA loading: missing, badly signed and damaged images");
    let ctx = match Context::new() {
        Ok(ctx) => ctx,
        Err(e) => {
            for name in CASES {
                report.case(name, Err(format!("context: {e}")));
            }
            return;
        }
    };
    // After every refusal, hello_world must still open: the first failure
    // is the verdict of ta-valid-open-after-refusals.
    let mut after: Result<(), String> = Ok(());
    let mut recheck = |what: &str| {
        if after.is_ok() {
            after = open_and_inc(&ctx, &hello_world::UUID).map_err(|e| format!("after {what}: {e}"));
        }
    };
    report.case(CASES[0], open_fails_with(&ctx, &loading::MISSING, TeeError::ItemNotFound));
    recheck("the missing TA");
    report.case(CASES[1], open_fails_with(&ctx, &loading::BAD_SIGNATURE, TeeError::Security));
    recheck("the bad signature");
    report.case(CASES[2], open_and_inc(&ctx, &loading::RESIGNED));
    report.case(CASES[3], open_fails_with(&ctx, &loading::FLIPPED_BYTE, TeeError::Security));
    recheck("the flipped byte");
    let truncated = open_fails(&ctx, &loading::TRUNCATED);
    if let Ok(code) = truncated {
        println!("tz-ta-errors: the truncated TA was refused with {code:#010x}");
    }
    report.case(CASES[4], truncated.map(|_| ()));
    recheck("the truncated file");
    report.case(CASES[5], after);
    install_cases(report, &ctx);
    report.case(CASES[9], rollback(&ctx));
}

/// Puts the `ta_version` `version` file of `loading::ROLLBACK` in the TA
/// directory.
fn place_rollback(version: u32) -> Result<(), String> {
    let uuid = loading::ROLLBACK;
    let from = format!("{}/{uuid}.v{version}.ta", loading::INSTALL_DIR);
    let to = format!("/lib/optee_armtz/{uuid}.ta");
    std::fs::copy(&from, &to).map(|_| ()).map_err(|e| format!("copy {from} to {to}: {e}"))
}

/// The newer version opens, the older is refused, the newer opens again.
fn rollback(ctx: &Context) -> Result<(), String> {
    let uuid = loading::ROLLBACK;
    let result = (|| {
        place_rollback(loading::ROLLBACK_NEW)?;
        open_and_inc(ctx, &uuid).map_err(|e| format!("version {}: {e}", loading::ROLLBACK_NEW))?;
        place_rollback(loading::ROLLBACK_OLD)?;
        open_fails_with(ctx, &uuid, TeeError::AccessConflict)
            .map_err(|e| format!("version {} after {}: {e}", loading::ROLLBACK_OLD, loading::ROLLBACK_NEW))?;
        place_rollback(loading::ROLLBACK_NEW)?;
        open_and_inc(ctx, &uuid).map_err(|e| format!("version {} again: {e}", loading::ROLLBACK_NEW))
    })();
    let _ = std::fs::remove_file(format!("/lib/optee_armtz/{uuid}.ta"));
    result
}

/// BOOTSTRAP of `file` through the secure-storage TA management PTA.
fn install(ctx: &Context, file: &[u8]) -> Result<(), TeecError> {
    let mut session = ctx.open_session(&SECSTOR_TA_MGMT_UUID, Login::Public)?;
    let mut shm = SharedMemory::alloc(ctx, file.len())?;
    shm.as_mut_slice().copy_from_slice(file);
    let mut params = [Param::input(&shm), Param::None, Param::None, Param::None];
    session.invoke(SECSTOR_TA_MGMT_BOOTSTRAP, &mut params)
}

fn install_cases(report: &mut Report, ctx: &Context) {
    let path = format!("{}/{}.ta", loading::INSTALL_DIR, loading::INSTALLED);
    let file = match std::fs::read(&path) {
        Ok(f) => f,
        Err(e) => {
            for name in &CASES[6..] {
                report.case(name, Err(format!("{path}: {e}")));
            }
            return;
        }
    };
    let bad_params = (|| {
        let mut session = ctx.open_session(&SECSTOR_TA_MGMT_UUID, Login::Public).map_err(|e| format!("open: {e}"))?;
        let mut params = [Param::ValueInput { a: 0, b: 0 }, Param::None, Param::None, Param::None];
        match session.invoke(SECSTOR_TA_MGMT_BOOTSTRAP, &mut params) {
            Err(e) if e.code == TeeError::BadParameters.code() => Ok(()),
            r => Err(format!("BOOTSTRAP of a value gave {r:?}")),
        }
    })();
    report.case(CASES[6], bad_params);
    // The header's magic, the hash after it, the middle of the image.
    let corrupt = [0, 20, file.len() / 2].iter().try_for_each(|&at| {
        let mut bad = file.clone();
        bad[at] ^= 1;
        match install(ctx, &bad) {
            Err(e) if e.code == TeeError::Security.code() => Ok(()),
            r => Err(format!("installing with byte {at} flipped gave {r:?}")),
        }
    });
    report.case(CASES[7], corrupt.and_then(|()| open_fails_with(ctx, &loading::INSTALLED, TeeError::ItemNotFound)));
    let installed = install(ctx, &file).map_err(|e| format!("install: {e}"));
    report.case(CASES[8], installed.and_then(|()| open_and_inc(ctx, &loading::INSTALLED)));
}
