//! Shared bits of the guest test programs: the `TZTEST` report lines that
//! `qemu/init` passes through and `cargo xtask test` counts. The TAs' UUIDs
//! and command IDs are in `tas/proto` (crate `proto`), shared with the TAs.
//!
//! Each program prints one `TZTEST PASS <name>` or `TZTEST FAIL <name>
//! <detail>` per case and exits 0 when every case passed, 1 otherwise. The
//! `tests.d/` wrappers turn exit status 1 into 0 (the FAIL line is the
//! verdict), so that only a crash adds `TZTEST FAIL tests.d/<file>`.

pub mod arch;
pub mod simd;

use std::fmt::Display;

use teec::{Context, Login, Origin, Param, Session, TeecError, Uuid};

/// Counts verdicts and prints them in the harness's format.
///
/// The suite (`tz-xtest`) numbers its cases like upstream xtest: [`test`]
/// opens test `number` (e.g. 4001, "digests"), and every [`case`] after it
/// is sub-case `number.k` (`TZTEST PASS 4001.3 sha256-abc`). Without a test
/// number (the crash checker) a case is reported by its name alone.
///
/// [`test`]: Report::test
/// [`case`]: Report::case
#[derive(Default)]
pub struct Report {
    passed: usize,
    failed: usize,
    current: Option<(u32, u32)>,
}

impl Report {
    /// Starts test `number`; `title` says what its cases cover.
    pub fn test(&mut self, number: u32, title: &str) {
        self.current = Some((number, 0));
        println!("* {number} {title}");
    }

    /// Prints the verdict of case `name`: PASS, or FAIL with the error.
    pub fn case<E: Display>(&mut self, name: &str, result: Result<(), E>) {
        let id = match &mut self.current {
            Some((number, sub)) => {
                *sub += 1;
                format!("{number}.{sub} {name}")
            }
            None => name.to_owned(),
        };
        match result {
            Ok(()) => {
                self.passed += 1;
                println!("TZTEST PASS {id}");
            }
            Err(e) => {
                self.failed += 1;
                // One line, as the harness reads it.
                let detail = e.to_string().replace('\n', " ");
                println!("TZTEST FAIL {id} {detail}");
            }
        }
    }

    /// Cases passed and failed so far.
    pub fn counts(&self) -> (usize, usize) {
        (self.passed, self.failed)
    }

    /// Exit status: 0 if every case passed.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.failed > 0)
    }
}

/// Which trusted OS runs, from `tz.tee=ours|upstream` on the kernel command
/// line (xtask passes it); `None` when absent.
pub fn tee_from_cmdline() -> Option<String> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").ok()?;
    cmdline.split_whitespace().find_map(|w| w.strip_prefix("tz.tee=")).map(str::to_owned)
}

/// True when the suite runs on upstream OP-TEE (`tz.tee=upstream`).
pub fn on_upstream() -> bool {
    tee_from_cmdline().as_deref() == Some("upstream")
}

/// Number of online CPUs (`/sys/devices/system/cpu/online`, e.g. `0-3`),
/// whatever the calling thread's affinity (tests pin threads).
pub fn online_cpus() -> usize {
    let text = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap_or_default();
    let count: usize = text
        .trim()
        .split(',')
        .filter_map(|range| match range.split_once('-') {
            Some((a, b)) => Some(b.parse::<usize>().ok()? + 1 - a.parse::<usize>().ok()?),
            None => range.parse::<usize>().ok().map(|_| 1),
        })
        .sum();
    count.max(1)
}

/// Runs `work(t, context, session)` on `threads` threads at once, each with
/// its own context and a session to `ta`; the first error (by thread order)
/// is the result.
pub fn on_threads_with_session<F>(threads: usize, ta: &Uuid, work: F) -> Result<(), String>
where
    F: Fn(usize, &Context, &mut Session<'_>) -> Result<(), String> + Sync,
{
    let work = &work;
    let results: Vec<Result<(), String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || -> Result<(), String> {
                    let ctx = Context::new().map_err(|e| format!("thread {t}: context: {e}"))?;
                    let mut session =
                        ctx.open_session(ta, Login::Public).map_err(|e| format!("thread {t}: open: {e}"))?;
                    work(t, &ctx, &mut session)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into()))).collect()
    });
    results.into_iter().collect()
}

/// Pins the calling thread to `cpu`.
pub fn pin_to_cpu(cpu: usize) -> Result<(), String> {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET and
    // sched_setaffinity only touch the set passed by reference.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc == 0 { Ok(()) } else { Err(format!("sched_setaffinity(cpu {cpu}): {}", std::io::Error::last_os_error())) }
}

/// Makes the calling thread real-time (SCHED_FIFO) so that it runs as
/// soon as its timer fires; best effort (the gap then includes waiting
/// for a time slice).
pub fn make_realtime() -> bool {
    // SAFETY: a zeroed sched_param is valid (musl's has more fields than
    // the priority); pthread_setschedparam reads it only. (musl's
    // sched_setscheduler is a stub that always fails.)
    unsafe {
        let mut param: libc::sched_param = std::mem::zeroed();
        param.sched_priority = 10;
        libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) == 0
    }
}

/// The bytes of a hex string as published vectors print them (whitespace
/// and line-continuation backslashes ignored).
pub fn hex(s: &str) -> Vec<u8> {
    let s: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'\\').collect();
    s.chunks(2).map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap()).collect()
}

/// Lower-case hex of `b`.
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The verdict of a TA's step-numbered check: the TA answers an error with
/// (failed step, the `TEE_Result` it saw) in the value parameter `out`.
pub fn stepped(result: Result<(), TeecError>, out: &Param<'_>) -> Result<(), String> {
    let Err(e) = result else { return Ok(()) };
    match out {
        Param::ValueOutput { a, b } | Param::ValueInout { a, b } if e.origin() == Some(Origin::TrustedApp) => {
            Err(format!("{e}: step {a} got {b:#010x}"))
        }
        _ => Err(e.to_string()),
    }
}
