//! Shared bits of the guest test programs: the `TZTEST` report lines that
//! `qemu/init` passes through and `cargo xtask test` counts, and the UUIDs of
//! the TAs under test.
//!
//! Each program prints one `TZTEST PASS <name>` or `TZTEST FAIL <name>
//! <detail>` per case and exits 0 when every case passed, 1 otherwise. The
//! `tests.d/` wrappers turn exit status 1 into 0 (the FAIL line is the
//! verdict), so that only a crash adds `TZTEST FAIL tests.d/<file>`.

pub mod simd;

use std::fmt::Display;

use teec::{Context, Login, Param, Session, TEEC_ORIGIN_TRUSTED_APP, TeecError, Uuid};

/// `optee_examples`' hello_world TA (ours in `tas/hello_world`).
pub const HELLO_WORLD_UUID: &str = "8aaaf200-2450-11e4-abe2-0002a5d5c51b";
/// hello_world's `TA_HELLO_WORLD_CMD_INC_VALUE`.
pub const HELLO_CMD_INC_VALUE: u32 = 0;
/// hello_world's `TA_HELLO_WORLD_CMD_DEC_VALUE`.
pub const HELLO_CMD_DEC_VALUE: u32 = 1;

/// A UUID that no TA has (no `/lib/optee_armtz/<uuid>.ta`): random, version 4.
pub const MISSING_TA_UUID: &str = "3cb1b7a6-1f0e-4d5a-9c3e-6b2f0a9d7e41";

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

/// A `.ta` file holding hello_world signed with a key the trusted OS does not
/// trust (xtask's `tas::BAD_SIGNATURE_UUID`): loading it must fail.
pub const BAD_SIGNATURE_UUID: &str = "347aee43-b98a-449b-abb6-11678aa70734";

/// `tas/panic_ta`: commands that kill the instance.
pub const PANIC_TA_UUID: &str = "6e8f3bb2-3406-40f7-a3b9-368262e2884e";
/// panic_ta: `TEE_Panic`.
pub const PANIC_CMD_PANIC: u32 = 0;
/// panic_ta: read kernel memory (a data abort at EL0).
pub const PANIC_CMD_READ_KERNEL: u32 = 1;
/// panic_ta: a Rust `panic!`.
pub const PANIC_CMD_RUST_PANIC: u32 = 2;
/// panic_ta: succeed.
pub const PANIC_CMD_PING: u32 = 3;

/// `tas/params_ta`: memref paths and ta-sdk's syscall wrappers.
pub const PARAMS_TA_UUID: &str = "fbb98045-b1b8-4d22-bc1c-0dedbfb33a5e";
/// params_ta: MEMREF_INPUT reversed into MEMREF_OUTPUT.
pub const PARAMS_CMD_REVERSE: u32 = 0;
/// params_ta: MEMREF_INOUT uppercased; VALUE_OUTPUT (changed, size).
pub const PARAMS_CMD_UPPER: u32 = 1;
/// params_ta: VALUE_INPUT (a, b) → VALUE_OUTPUT (a + b, ADDs so far).
pub const PARAMS_CMD_ADD: u32 = 2;
/// params_ta: properties, time, random, heap; VALUE_OUTPUT (step, code) on failure.
pub const PARAMS_CMD_SELF_TEST: u32 = 3;
/// params_ta: VALUE_INPUT a = milliseconds to spin → VALUE_OUTPUT (elapsed ms, time reads).
pub const PARAMS_CMD_BUSY_LOOP: u32 = 4;

/// `tas/bench_ta`: single instance, kept alive; command 0 does nothing,
/// 1-5 are in-TA workloads (crypto, storage).
pub const BENCH_TA_UUID: &str = "e3b7c2d4-5f16-4a8e-9c07-b1d2f3a4c5e6";
/// bench_ta: the null command.
pub const BENCH_CMD_NULL: u32 = 0;
/// bench_ta: SHA-256 over 1 MiB of TA memory (16 updates of 64 KiB).
pub const BENCH_CMD_SHA256_1MIB: u32 = 1;
/// bench_ta: AES-128-CBC encryption of 1 MiB of TA memory (16 updates of 64 KiB).
pub const BENCH_CMD_AES128_CBC_1MIB: u32 = 2;
/// bench_ta: a 64 KiB private persistent object created, written, closed,
/// reopened, read back (compared) and deleted.
pub const BENCH_CMD_STORAGE_64K: u32 = 3;
/// bench_ta: AES-128-GCM encryption of 1 MiB of TA memory (16 updates of 64 KiB, then the tag).
pub const BENCH_CMD_AES128_GCM_1MIB: u32 = 4;
/// bench_ta: AES-128-CTR encryption of 1 MiB of TA memory (16 updates of 64 KiB).
pub const BENCH_CMD_AES128_CTR_1MIB: u32 = 5;

/// hello_world's image validly signed for another UUID (xtask's
/// `tas::RESIGNED_UUID`): it loads.
pub const RESIGNED_UUID: &str = "5b0c64f1-8e2d-4c7a-b3f9-0a6d1e7c2b58";
/// Like [`RESIGNED_UUID`] but with one image byte flipped after signing
/// (`tas::FLIPPED_BYTE_UUID`): refused with `TEEC_ERROR_SECURITY`.
pub const FLIPPED_BYTE_UUID: &str = "d2e4a8c1-39b7-4f06-8e5a-71c3b9f04d26";
/// Like [`RESIGNED_UUID`] but 100 bytes short (`tas::TRUNCATED_UUID`): refused.
pub const TRUNCATED_UUID: &str = "a71f3e92-6c48-4b1d-95e0-2f8b7d4c6a13";

/// `tas/mm_attack_ta`: memory-management attacks and large memrefs.
pub const MM_ATTACK_TA_UUID: &str = "b5311d21-55ce-45a1-98b0-7dcb8bd62fc6";
/// mm_attack_ta: succeed.
pub const MM_CMD_PING: u32 = 0;
/// mm_attack_ta: MAP_ZI value0.a bytes, fill, UNMAP, read the old range (must die).
pub const MM_CMD_TOUCH_AFTER_UNMAP: u32 = 1;
/// mm_attack_ta: value0.a rounds of MAP_ZI / UNMAP from 4 KiB to 8 MiB.
pub const MM_CMD_MAP_ZI_CYCLES: u32 = 2;
/// mm_attack_ta: check memref 0 against [`mm_pattern`] (seed value1.a), invert it.
pub const MM_CMD_MEMREF_INVERT: u32 = 3;
/// mm_attack_ta: replace this session's MAP_ZI spacer by one of value0.a bytes (0: none).
pub const MM_CMD_SPACER: u32 = 4;
/// mm_attack_ta: as [`MM_CMD_MEMREF_INVERT`] for the first and last byte only.
pub const MM_CMD_MEMREF_ENDS: u32 = 5;

/// The byte at offset `i` of an mm_attack_ta test buffer (the TA computes
/// the same): differs between neighbouring bytes and between pages.
pub fn mm_pattern(i: usize, seed: u32) -> u8 {
    (i as u8).wrapping_mul(31) ^ (i >> 12) as u8 ^ seed as u8
}

/// Our kernel's statistics pseudo-TA (upstream has none).
pub const STATS_PTA_UUID: &str = "c0a7b1e2-74d5-4e6f-9a18-5f3b2d0c9e41";
/// Stats PTA: (VALUE_OUTPUT, VALUE_OUTPUT): [0].a heap bytes in use, [0].b
/// open sessions, [1].a registered shared-memory objects, [1].b heap size.
pub const STATS_CMD_KERNEL_STATS: u32 = 0;

/// Which trusted OS runs, from `tz.tee=ours|upstream` on the kernel command
/// line (xtask passes it); `None` when absent.
pub fn tee_from_cmdline() -> Option<String> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").ok()?;
    cmdline.split_whitespace().find_map(|w| w.strip_prefix("tz.tee=")).map(str::to_owned)
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

/// A UUID of the suite's constants, parse errors as text.
pub fn uuid(s: &str) -> Result<Uuid, String> {
    s.parse().map_err(|e| format!("{e}"))
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
        Param::ValueOutput { a, b } | Param::ValueInout { a, b } if e.origin == TEEC_ORIGIN_TRUSTED_APP => {
            Err(format!("{e}: step {a} got {b:#010x}"))
        }
        _ => Err(e.to_string()),
    }
}
