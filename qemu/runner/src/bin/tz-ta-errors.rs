//! TA loading errors, as a client sees them:
//!
//! - `ta-missing-item-not-found`: a UUID without a `.ta` file fails with
//!   `TEEC_ERROR_ITEM_NOT_FOUND` (0xffff0008);
//! - `ta-bad-signature-refused`: a `.ta` signed with a key the trusted OS
//!   does not trust fails with `TEEC_ERROR_SECURITY` (0xffff000f).

use teec::{Context, Login, TEEC_ERROR_ITEM_NOT_FOUND, TEEC_ERROR_SECURITY, Uuid};
use tz_runner::{BAD_SIGNATURE_UUID, MISSING_TA_UUID, Report};

fn open_fails_with(ctx: &Context, uuid: &str, code: u32) -> Result<(), String> {
    let parsed: Uuid = uuid.parse().map_err(|e| format!("{e}"))?;
    match ctx.open_session(&parsed, Login::Public) {
        Err(e) if e.code == code => Ok(()),
        Err(e) => Err(format!("got {e}, want {code:#010x}")),
        Ok(_) => Err(format!("a session to {uuid} opened")),
    }
}

fn main() {
    let mut report = Report::default();
    match Context::new() {
        Ok(ctx) => {
            report.case("ta-missing-item-not-found", open_fails_with(&ctx, MISSING_TA_UUID, TEEC_ERROR_ITEM_NOT_FOUND));
            report.case("ta-bad-signature-refused", open_fails_with(&ctx, BAD_SIGNATURE_UUID, TEEC_ERROR_SECURITY));
        }
        Err(e) => {
            for name in ["ta-missing-item-not-found", "ta-bad-signature-refused"] {
                report.case(name, Err(format!("context: {e}")));
            }
        }
    }
    std::process::exit(report.exit_code());
}
