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
//!   hello_world still opens and answers INC.

use proto::{hello_world, loading};
use teec::{Context, Login, Param, TeeError, Uuid};
use tz_runner::Report;

const CASES: [&str; 6] = [
    "ta-missing-item-not-found",
    "ta-bad-signature-refused",
    "ta-resigned-copy-opens",
    "ta-flipped-byte-security",
    "ta-truncated-refused",
    "ta-valid-open-after-refusals",
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
}
