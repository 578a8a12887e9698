//! 1019: shared libraries as upstream-built TAs use them, through the
//! dev-kit C TA `tas/c/dyn_c_ta` (see its source for each command):
//!
//! - `shared-library-via-dt-needed`: the TA calls into `dyn_c_lib`, loaded
//!   by UUID from its `DT_NEEDED`; the library's constructor ran and it
//!   reads a variable of the TA (symbols resolved across objects).
//! - `dlopen-dlsym-dl-iterate-phdr`: `dlopen()` of `dyn_c_dl` (twice: one
//!   load, one constructor run), `dlsym()` by handle and on `dlopen(NULL)`,
//!   `dl_iterate_phdr()` sees the three objects.
//! - `dlopen-of-a-missing-library-fails`: `dlopen()` returns NULL.
//! - `library-tls-through-tls-descriptors`: `dyn_c_lib`'s `__thread`
//!   variables, which a `-fpic` library reaches through `R_AARCH64_TLSDESC`
//!   (the kernel maps a resolver page for them), keep their values within
//!   one invocation and are distinct from the TA's; the TA reads the
//!   library's global one through its own TLS_TPREL.
//! - `tls-kept-across-invocations`: `__thread` variables of the TA keep
//!   their values from one invocation to the next (the session open already
//!   checked their initial values). Ours only: upstream OP-TEE 4.5.0 leaves
//!   the TA's `TPIDR_EL0` on whatever core ran it last and never restores
//!   it, so the next invocation finds its TLS only by chance.

use proto::dyn_c_ta;
use teec::{Context, Login, Param, Session};
use tz_runner::Report;

fn values(s: &mut Session<'_>, cmd: u32, a: u32, b: u32) -> Result<(u32, u32), String> {
    let mut params = [Param::ValueInout { a, b }, Param::None, Param::None, Param::None];
    s.invoke(cmd, &mut params).map_err(|e| format!("command {cmd}: {e}"))?;
    match params[0] {
        Param::ValueInout { a, b } => Ok((a, b)),
        _ => unreachable!(),
    }
}

fn output(s: &mut Session<'_>, cmd: u32) -> Result<(u32, u32), String> {
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None, Param::None];
    s.invoke(cmd, &mut params).map_err(|e| format!("command {cmd}: {e}"))?;
    match params[0] {
        Param::ValueOutput { a, b } => Ok((a, b)),
        _ => unreachable!(),
    }
}

fn want(what: &str, got: (u32, u32), want: (u32, u32)) -> Result<(), String> {
    if got == want { Ok(()) } else { Err(format!("{what}: got {got:?}, want {want:?}")) }
}

pub fn run(report: &mut Report) {
    report.test(1019, "shared libraries: DT_NEEDED, dlopen/dlsym, TLS (dev-kit C TA)");
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => return report.case("shared-library-via-dt-needed", Err(format!("context: {e}"))),
    };
    let mut s = match ctx.open_session(&dyn_c_ta::UUID, Login::Public) {
        Ok(s) => s,
        Err(e) => return report.case("shared-library-via-dt-needed", Err(format!("open: {e}"))),
    };
    let lib = values(&mut s, dyn_c_ta::CMD_LIB, 20, 22).and_then(|v| want("lib", v, (42, 705)));
    report.case("shared-library-via-dt-needed", lib);
    let lib_tls = output(&mut s, dyn_c_ta::CMD_LIB_TLS).and_then(|v| want("library TLS", v, (910, 2111)));
    report.case("library-tls-through-tls-descriptors", lib_tls);
    let dl = values(&mut s, dyn_c_ta::CMD_DLOPEN, 6, 7).and_then(|v| want("dlopen", v, (42, 31)));
    report.case("dlopen-dlsym-dl-iterate-phdr", dl);
    let missing = output(&mut s, dyn_c_ta::CMD_DLOPEN_MISSING).and_then(|(a, _)| want("NULL", (a, 0), (1, 0)));
    report.case("dlopen-of-a-missing-library-fails", missing);
    if !tz_runner::on_upstream() {
        let tls = output(&mut s, dyn_c_ta::CMD_TLS)
            .and_then(|v| want("first", v, (0, 42)))
            .and_then(|()| output(&mut s, dyn_c_ta::CMD_TLS))
            .and_then(|v| want("second", v, (1, 42)));
        report.case("tls-kept-across-invocations", tls);
    }
}
