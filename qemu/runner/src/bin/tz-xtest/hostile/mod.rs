//! 6005: a hostile normal world. tee-supplicant is replaced by
//! [`supp`] (this program run as `tz-xtest --hostile-supp`), which serves
//! the TEE honestly except for one injected fault per case; each client
//! call that meets the fault must end in an error within [`CALL_BOUND`],
//! never a hang or a dead TEE. Afterwards the real tee-supplicant is back
//! (also when a case fails: [`Hostile`]'s drop), a TA opens and a storage
//! round trip works, and on ours the kernel heap is where it was.
//!
//! - `hostile-honest-storage-and-load`: the hostile supplicant without a
//!   fault: a storage write and read back, a TA load (checks the harness).
//! - `hostile-fs-read-past-buffer`, `-read-garbage`, `-read-short`,
//!   `-odd-result`: on a storage_ta session opened honestly, an FS READ
//!   answering 4 KiB more than its buffer, a READ of garbage, a READ giving
//!   half the bytes (a truncated file), every FS request answering 0x1234
//!   (no `TEE_Result` the protocol knows, below the error range): reading
//!   the object fails (ours: COMMUNICATION, CORRUPT_OBJECT, CORRUPT_OBJECT,
//!   GENERIC; upstream: CORRUPT_OBJECT, CORRUPT_OBJECT, CORRUPT_OBJECT,
//!   GENERIC).
//! - `hostile-ta-huge-size`, `-ta-truncated`, `-ta-corrupt`: LOAD_TA
//!   says 1 GiB, gives half the file, or flips a byte: OpenSession fails
//!   (BAD_FORMAT on ours, which bounds TA files at 4 MiB, OUT_OF_MEMORY
//!   upstream; SECURITY on both).
//! - `hostile-ta-past-buffer`: LOAD_TA's second answer claims 4 KiB more
//!   than the buffer: both kernels take the size from the first answer
//!   (optee_os 4.5.0 `core/kernel/ree_fs_ta.c` `rpc_load`), so the TA
//!   loads and works.
//! - `hostile-shm-short`: SHM_ALLOC for the TA file hands out half the size
//!   asked (Linux rounds it up to pages, so a request of a page or less
//!   cannot be made short): OpenSession fails and ours gives the buffer
//!   back (SHM_FREE). Not run on upstream: 4.5.0 keeps it
//!   (`get_rpc_alloc_res`, `core/arch/arm/kernel/thread_optee_smc.c`,
//!   returns without a free), and Linux's reference for the secure world
//!   then keeps the supplicant's context alive: `/dev/teepriv0` stays busy
//!   and no tee-supplicant can start again until a reboot (ours did the
//!   same before `kernel/src/rpc_shm.rs` freed it; this case found it).
//! - `hostile-silent-then-killed`: requests are taken and never answered;
//!   meanwhile another client's session to a multi-instance TA still works
//!   (single-instance TAs wait: both kernels hold upstream's single-instance
//!   lock across an RPC, `tee_ta_manager.c`); when the supplicant dies the
//!   waiting call ends with an error (Linux answers its pending requests
//!   COMMUNICATION, `drivers/tee/optee/supp.c`). On ours at once; upstream
//!   then asks the normal world to free its cached RPC buffer
//!   (`thread_rpc_shm_cache_clear` at the end of the call), a request Linux
//!   holds until a supplicant opens the device: its call ends when the real
//!   tee-supplicant is back.
//! - `hostile-real-supplicant-restored`: the real tee-supplicant again.
//!
//! READDIR faults (endless listings, names past the buffer) are not
//! reachable from a client: neither kernel lists REE FS directories (object
//! enumeration reads `dirf.db`).

mod supp;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use proto::{mm_attack_ta, params_ta, storage_ta};
use tee_abi::pta;
use teec::{Context, Login, Param};
use tz_runner::Report;

use supp::Fault;
pub use supp::main as supp_main;

/// Where the test names the fault for the hostile supplicant.
const FAULT_FILE: &str = "/run/tz-hostile-fault";
/// The hostile supplicant's log (it writes one line per request).
const LOG: &str = "/run/tz-hostile.log";
const REAL: &str = "/usr/sbin/tee-supplicant";
/// Longest wait for a client call that meets a fault.
const CALL_BOUND: Duration = Duration::from_secs(10);

/// The running hostile supplicant; the real one is restarted on drop.
struct Hostile {
    child: Option<Child>,
}

fn pids_of(comm: &str) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == comm))
        .filter(|pid| !is_zombie(*pid))
        .collect()
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| s.rsplit_once(')').is_none_or(|(_, rest)| rest.trim_start().starts_with('Z')))
        .unwrap_or(true)
}

/// Stops the real tee-supplicant (TERM, then KILL after 2 s).
fn stop_real() -> Result<(), String> {
    for signal in [libc::SIGTERM, libc::SIGKILL] {
        let pids = pids_of("tee-supplicant");
        if pids.is_empty() {
            return Ok(());
        }
        for pid in &pids {
            // SAFETY: kill(2) with a pid read from /proc; no memory involved.
            unsafe { libc::kill(*pid, signal) };
        }
        for _ in 0..20 {
            if pids.iter().all(|p| is_zombie(*p)) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Err("the real tee-supplicant did not stop".into())
}

/// Starts the real tee-supplicant as `qemu/init` does (`-d`: it forks once
/// `/dev/teepriv0` is open), retrying while the device is still busy.
fn start_real() -> Result<(), String> {
    for _ in 0..20 {
        if !pids_of("tee-supplicant").is_empty() {
            return Ok(());
        }
        let log = std::fs::OpenOptions::new().append(true).create(true).open("/run/tz-init.log");
        let mut cmd = Command::new(REAL);
        cmd.arg("-d").stdin(Stdio::null()).stdout(Stdio::null());
        cmd.stderr(log.map(Stdio::from).unwrap_or_else(|_| Stdio::null()));
        if cmd.status().is_ok_and(|s| s.success()) && !pids_of("tee-supplicant").is_empty() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err("the real tee-supplicant did not start again".into())
}

impl Hostile {
    fn start() -> Result<Hostile, String> {
        set_fault(Fault::Honest)?;
        stop_real()?;
        let mut hostile = Hostile { child: None };
        let log = std::fs::File::create(LOG).map_err(|e| format!("{LOG}: {e}"))?;
        let child = Command::new("/proc/self/exe")
            .args(["--hostile-supp", FAULT_FILE])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("spawn the hostile supplicant: {e}"))?;
        let out = hostile.child.insert(child).stdout.take();
        let mut line = String::new();
        // Bounded: the child prints `ready` or exits within about 5 s.
        if let Some(out) = out {
            let _ = std::io::BufReader::new(out).read_line(&mut line);
        }
        if line.trim() != "ready" {
            return Err(format!("the hostile supplicant did not start: {}", last_log_line()));
        }
        Ok(hostile)
    }

    /// Kills the hostile supplicant: Linux answers its pending requests.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.kill();
        let _ = set_fault(Fault::Honest);
        if let Err(e) = start_real() {
            println!("tz-hostile: {e}");
        }
    }
}

fn last_log_line() -> String {
    std::fs::read_to_string(LOG).unwrap_or_default().lines().last().unwrap_or("").to_owned()
}

/// The hostile supplicant's buffers the TEE has not freed.
fn live_shms() -> Result<usize, String> {
    let text = std::fs::read_to_string(supp::SHMS_FILE).map_err(|e| format!("{}: {e}", supp::SHMS_FILE))?;
    text.trim().parse().map_err(|_| format!("{}: {text:?}", supp::SHMS_FILE))
}

/// After a call: no supplicant buffer left with the TEE.
fn all_freed(fault: Fault) -> Result<(), String> {
    match live_shms()? {
        0 => Ok(()),
        n => Err(format!("{n} supplicant buffer(s) never freed after {}", fault.name())),
    }
}

fn set_fault(fault: Fault) -> Result<(), String> {
    std::fs::write(FAULT_FILE, fault.name()).map_err(|e| format!("{FAULT_FILE}: {e}"))
}

/// Runs `f` on a thread; its result, or an error after [`CALL_BOUND`].
fn bounded<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(CALL_BOUND).map_err(|_| format!("{what}: no answer in {} s (a hang)", CALL_BOUND.as_secs()))
}

/// storage_ta's `mark` command `cmd` with `arg` in a new context and
/// session: the TA's (step, value), or the client error.
fn mark(cmd: u32, arg: u32) -> Result<(u32, u32), String> {
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    crate::storage::mark(&ctx, &storage_ta::UUID, cmd, arg)
}

fn bounded_mark(cmd: u32, arg: u32) -> Result<Result<(u32, u32), String>, String> {
    bounded(&format!("mark command {cmd}"), move || mark(cmd, arg))
}

/// Opens a session to params_ta and closes it.
fn load_params_ta() -> Result<(), String> {
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    ctx.open_session(&params_ta::UUID, Login::Public).map(drop).map_err(|e| format!("open params_ta: {e}"))
}

/// A storage write and read back.
fn round_trip(byte: u32) -> Result<(), String> {
    let _ = bounded_mark(storage_ta::CMD_DEL_MARK, 0)?;
    match bounded_mark(storage_ta::CMD_PUT_MARK, byte)? {
        Ok((0, 0)) => {}
        other => return Err(format!("PUT_MARK {byte:#x}: {other:x?}")),
    }
    match bounded_mark(storage_ta::CMD_GET_MARK, 0)? {
        Ok((0, got)) if got == byte => Ok(()),
        other => Err(format!("GET_MARK after PUT_MARK {byte:#x}: {other:x?}")),
    }
}

/// storage_ta's `cmd` with `arg` on session `s`: the TA's (step, value).
fn invoke_mark(s: &mut teec::Session<'_>, cmd: u32, arg: u32) -> Result<(u32, u32), String> {
    let mut params = [Param::ValueInput { a: arg, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    s.invoke(cmd, &mut params).map_err(|e| format!("invoke {cmd}: {e}"))?;
    match params[1] {
        Param::ValueOutput { a, b } => Ok((a, b)),
        _ => Err("no value back".into()),
    }
}

/// GET_MARK under `fault`, on a session opened honestly before (so that
/// the fault meets the object's read, not the TA's load).
fn get_mark_under(fault: Fault) -> Result<(u32, u32), String> {
    set_fault(Fault::Honest)?;
    let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
    let mut s = ctx.open_session(&storage_ta::UUID, Login::Public).map_err(|e| format!("open storage_ta: {e}"))?;
    set_fault(fault)?;
    invoke_mark(&mut s, storage_ta::CMD_GET_MARK, 0)
}

/// Writes the mark honestly, then reads it under `fault`: an error.
fn read_under(fault: Fault) -> Result<(), String> {
    set_fault(Fault::Honest)?;
    round_trip(0x5a)?;
    let got = bounded(&format!("GET_MARK under {}", fault.name()), move || get_mark_under(fault))?;
    set_fault(Fault::Honest)?;
    println!("tz-hostile: {}: GET_MARK gave {got:x?}, {} buffer(s) left", fault.name(), live_shms()?);
    match got {
        Ok((0, v)) => Err(format!("GET_MARK succeeded ({v:#x}) under {}", fault.name())),
        _ => all_freed(fault),
    }
}

/// Opens params_ta under `fault`: an error (or, `loads`, a working
/// session); no supplicant buffer left.
fn load_under(fault: Fault, loads: bool) -> Result<(), String> {
    set_fault(fault)?;
    let got = bounded(&format!("open params_ta under {}", fault.name()), load_params_ta)?;
    set_fault(Fault::Honest)?;
    let left = live_shms()?;
    println!("tz-hostile: {}: OpenSession gave {got:?}, {left} buffer(s) left", fault.name());
    match (got, loads) {
        (Ok(()), false) => return Err(format!("params_ta loaded under {}", fault.name())),
        (Err(e), true) => return Err(e),
        _ => {}
    }
    all_freed(fault)
}

/// The witness's two ends: pings in, results out.
type Witness = (mpsc::Sender<()>, mpsc::Receiver<Result<(), String>>);

/// A session to mm_attack_ta (multi-instance: no single-instance lock) on
/// its own thread: a PING for each message, the results back, and one more
/// `Ok` once the session is closed.
fn witness() -> Result<Witness, String> {
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let (res_tx, res_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let run = || -> Result<(), String> {
            let ctx = Context::new().map_err(|e| format!("witness context: {e}"))?;
            let mut s = ctx.open_session(&mm_attack_ta::UUID, Login::Public).map_err(|e| format!("witness: {e}"))?;
            let _ = res_tx.send(Ok(()));
            while go_rx.recv().is_ok() {
                let mut params = [Param::None, Param::None, Param::None, Param::None];
                let r = s.invoke(mm_attack_ta::CMD_PING, &mut params).map_err(|e| format!("witness PING: {e}"));
                let _ = res_tx.send(r);
            }
            Ok(())
        };
        let _ = res_tx.send(run());
    });
    match res_rx.recv_timeout(CALL_BOUND) {
        Ok(Ok(())) => Ok((go_tx, res_rx)),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("witness: open did not answer".into()),
    }
}

/// Requests never answered: another client still works; killing the
/// supplicant ends the waiting call with an error.
fn silent_then_killed(hostile: &mut Hostile) -> Result<(), String> {
    set_fault(Fault::Honest)?;
    let (go, done) = witness()?;
    let (tx, waiting) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(get_mark_under(Fault::Silent));
    });
    std::thread::sleep(Duration::from_millis(1000));
    if let Ok(r) = waiting.try_recv() {
        return Err(format!("GET_MARK answered without the supplicant: {r:x?}"));
    }
    go.send(()).map_err(|_| "witness gone".to_string())?;
    match done.recv_timeout(CALL_BOUND) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("another client while the supplicant is silent: {e}")),
        Err(_) => return Err("another client hangs while the supplicant is silent".into()),
    }
    drop(go);
    if done.recv_timeout(CALL_BOUND).is_err() {
        return Err("the witness's session did not close".into());
    }
    hostile.kill();
    let got = match waiting.recv_timeout(Duration::from_secs(5)) {
        Ok(got) => got,
        Err(_) if tz_runner::on_upstream() => {
            // Its next request (freeing the cached buffer) waits in Linux
            // for a supplicant: the real one answers it.
            start_real()?;
            waiting.recv_timeout(CALL_BOUND).map_err(|_| "GET_MARK still waits with the real supplicant back")?
        }
        Err(_) => return Err("GET_MARK still waits 5 s after the supplicant died".into()),
    };
    println!("tz-hostile: silent, then killed: GET_MARK gave {got:x?}");
    match got {
        Ok((0, v)) => Err(format!("GET_MARK succeeded ({v:#x}) without a supplicant")),
        _ => Ok(()),
    }
}

/// Heap bytes in use from our statistics PTA; `None` on upstream.
fn heap(pta: &mut Option<teec::Session<'_>>) -> Result<Option<u32>, String> {
    let Some(pta) = pta else { return Ok(None) };
    let mut params = [Param::ValueOutput { a: 0, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
    pta.invoke(pta::STATS_CMD_KERNEL_STATS, &mut params).map_err(|e| format!("stats: {e}"))?;
    match params[0] {
        Param::ValueOutput { a, .. } => Ok(Some(a)),
        _ => Ok(None),
    }
}

fn restored(heap_before: Option<u32>, pta: &mut Option<teec::Session<'_>>) -> Result<(), String> {
    if pids_of("tee-supplicant").is_empty() {
        return Err("no tee-supplicant running".into());
    }
    bounded("open params_ta", load_params_ta)??;
    round_trip(0x77)?;
    let _ = bounded_mark(storage_ta::CMD_DEL_MARK, 0)?;
    let after = heap(pta)?;
    match (heap_before, after) {
        (Some(b), Some(a)) if a != b => Err(format!("kernel heap {b} -> {a} B after the hostile supplicant")),
        _ => Ok(()),
    }
}

/// Runs one case; on ours prints how the kernel heap moved across it.
fn case(report: &mut Report, pta: &mut Option<teec::Session<'_>>, name: &str, f: impl FnOnce() -> Result<(), String>) {
    let before = heap(pta).ok().flatten();
    let result = f();
    if let (Some(b), Some(a)) = (before, heap(pta).ok().flatten()) {
        println!("tz-hostile: {name}: kernel heap {b} -> {a} B");
    }
    report.case(name, result);
}

pub fn run(report: &mut Report) {
    report.test(6005, "hostile tee-supplicant: out-of-bounds answers end in errors");
    let started = std::time::Instant::now();
    let upstream = tz_runner::on_upstream();
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => return report.case("hostile-context", Err(format!("context: {e}"))),
    };
    let mut pta = if upstream { None } else { ctx.open_session(&pta::STATS_UUID, Login::Public).ok() };
    // The TAs loaded and an object written once with the real supplicant,
    // so that lazily built kernel state (e.g. ours' cache of passed
    // signature checks, `kernel/src/ta/sig_cache.rs`) is there before the
    // heap is measured.
    let _ = round_trip(0x11);
    let _ = load_params_ta();
    let _ = ctx.open_session(&mm_attack_ta::UUID, Login::Public);
    let heap_before = heap(&mut pta).ok().flatten();
    match Hostile::start() {
        Err(e) => report.case("hostile-honest-storage-and-load", Err::<(), _>(e)),
        Ok(mut hostile) => {
            let pta = &mut pta;
            case(report, pta, "hostile-honest-storage-and-load", || {
                round_trip(0x5a).and_then(|()| bounded("open params_ta", load_params_ta)?)
            });
            case(report, pta, "hostile-fs-read-past-buffer", || read_under(Fault::ReadPastBuffer));
            case(report, pta, "hostile-fs-read-garbage", || read_under(Fault::ReadGarbage));
            case(report, pta, "hostile-fs-read-short", || read_under(Fault::ReadShort));
            case(report, pta, "hostile-fs-odd-result", || read_under(Fault::OddResult));
            case(report, pta, "hostile-ta-huge-size", || load_under(Fault::TaHugeSize, false));
            case(report, pta, "hostile-ta-truncated", || load_under(Fault::TaTruncated, false));
            case(report, pta, "hostile-ta-corrupt", || load_under(Fault::TaCorrupt, false));
            case(report, pta, "hostile-ta-past-buffer", || load_under(Fault::TaPastBuffer, true));
            if !upstream {
                case(report, pta, "hostile-shm-short", || load_under(Fault::ShmShort, false));
            }
            case(report, pta, "hostile-silent-then-killed", || silent_then_killed(&mut hostile));
            drop(hostile);
        }
    }
    report.case("hostile-real-supplicant-restored", restored(heap_before, &mut pta));
    println!("tz-hostile: 6005 took {} ms", started.elapsed().as_millis());
}
