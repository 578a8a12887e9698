//! The QEMU command line, and running QEMU under a deadline while reading the
//! normal-world console line by line.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// Guest RAM (`-m`) unless `TZ_QEMU_MEMORY` says otherwise.
pub const DEFAULT_MEMORY: &str = "1G";

/// The `-m` value: `env` (`TZ_QEMU_MEMORY`, QEMU's size syntax, e.g. `4G`;
/// QEMU itself refuses a bad one) or [`DEFAULT_MEMORY`]. Large sizes put
/// normal-world RAM above 4 GiB (virt's RAM starts at 1 GiB).
pub fn memory_size(env: Option<&str>) -> &str {
    env.map(str::trim).filter(|m| !m.is_empty()).unwrap_or(DEFAULT_MEMORY)
}

/// One QEMU boot of the whole stack.
#[derive(Clone, Debug)]
pub struct Machine {
    /// `qemu-system-aarch64`.
    pub qemu: PathBuf,
    /// The `-bios` firmware image (monitor + trusted OS).
    pub firmware: PathBuf,
    /// The Linux `Image`.
    pub kernel: PathBuf,
    /// The gzip'd cpio initramfs.
    pub initrd: PathBuf,
    /// Extra kernel command-line words.
    pub append: String,
    /// Number of cores.
    pub smp: u32,
    /// Where the secure UART (monitor and trusted-OS log) goes.
    pub secure_log: PathBuf,
    /// Extra QEMU arguments (e.g. `-icount` for benchmarks).
    pub extra: Vec<String>,
}

impl Machine {
    /// The full command. `interactive` puts the QEMU monitor on stdio too
    /// (Ctrl-A X quits).
    pub fn command(&self, interactive: bool) -> Command {
        let mut cmd = Command::new(&self.qemu);
        cmd.args(["-M", "virt,secure=on,gic-version=3,virtualization=off,acpi=off"])
            // One TCG thread for all vCPUs: QEMU 7.2's multi-threaded TCG can
            // deadlock in a broadcast TLB invalidation while secure-timer FIQs
            // are being taken at EL3 (seen with upstream OP-TEE, -smp >= 2),
            // and on a 2-core host it is faster anyway; -icount needs it too.
            .args(["-accel", "tcg,thread=single"])
            .args(["-cpu", "cortex-a57"])
            .args(["-smp", &self.smp.to_string()])
            .args(["-m", memory_size(std::env::var("TZ_QEMU_MEMORY").ok().as_deref())])
            .arg("-bios")
            .arg(&self.firmware)
            .arg("-kernel")
            .arg(&self.kernel)
            .arg("-initrd")
            .arg(&self.initrd)
            .args(["-append", &format!("console=ttyAMA0 rdinit=/init panic=-1 {}", self.append)])
            .args(["-display", "none", "-no-reboot", "-nic", "none"])
            .args(["-serial", if interactive { "mon:stdio" } else { "stdio" }])
            .arg("-serial")
            .arg(format!("file:{}", self.secure_log.display()));
        if !interactive {
            cmd.args(["-monitor", "none"]);
        }
        cmd.args(&self.extra);
        cmd
    }
}

/// What one bounded QEMU run produced.
#[derive(Debug)]
pub struct RunOutput {
    /// Console lines with their arrival time since QEMU started.
    pub lines: Vec<(Duration, String)>,
    /// QEMU's exit status, or `None` when it was killed at the deadline.
    pub status: Option<ExitStatus>,
    /// Wall-clock time of the run.
    pub elapsed: Duration,
    /// QEMU was killed because the observer asked for it.
    pub stopped: bool,
}

/// What a console observer wants after a line.
pub enum Verdict {
    /// Keep running.
    Continue,
    /// Kill QEMU now.
    Stop,
    /// Kill QEMU at this instant (the earliest requested wins).
    StopAt(Instant),
}

/// How often a bounded run says it is still waiting (rarely: CI logs stay short).
const HEARTBEAT: Duration = Duration::from_secs(30);

/// The progress line of a bounded run: how long out of how long, how much
/// console came, and where the secure side's log is.
pub fn progress_line(elapsed: Duration, deadline: Duration, console_lines: usize, secure_log: &Path) -> String {
    format!(
        "xtask: QEMU running {} s / {} s, {console_lines} console lines so far (secure log: {})",
        elapsed.as_secs(),
        deadline.as_secs(),
        secure_log.display()
    )
}

/// Runs the machine non-interactively until QEMU exits or `deadline` passes
/// (then QEMU is killed). Console lines are echoed to `echo` as they arrive.
pub fn run_bounded(machine: &Machine, deadline: Duration, echo: &mut dyn FnMut(&str)) -> Result<RunOutput> {
    run_watched(machine, deadline, &mut |_, line| {
        echo(line);
        Verdict::Continue
    })
}

/// Like [`run_bounded`], but `watch` sees every line with its arrival time
/// and may have QEMU killed (SIGKILL: nothing gets flushed), as the storage
/// crash test does.
pub fn run_watched(
    machine: &Machine,
    deadline: Duration,
    watch: &mut dyn FnMut(Duration, &str) -> Verdict,
) -> Result<RunOutput> {
    let start = Instant::now();
    let mut child = machine
        .command(false)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting qemu-system-aarch64")?;
    let stdout = child.stdout.take().context("no stdout")?;
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).split(b'\n') {
            let Ok(line) = line else { break };
            let text = String::from_utf8_lossy(&line).trim_end_matches('\r').to_string();
            if tx.send((start.elapsed(), text)).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let mut status = None;
    let mut kill_at: Option<Instant> = None;
    let mut next_heartbeat = HEARTBEAT;
    loop {
        if start.elapsed() >= next_heartbeat {
            eprintln!("{}", progress_line(start.elapsed(), deadline, lines.len(), &machine.secure_log));
            next_heartbeat += HEARTBEAT;
        }
        if let Ok((t, line)) = rx.recv_timeout(Duration::from_millis(20)) {
            match watch(t, &line) {
                Verdict::Continue => {}
                Verdict::Stop => kill_at = Some(Instant::now()),
                Verdict::StopAt(at) => kill_at = Some(kill_at.map_or(at, |k| k.min(at))),
            }
            lines.push((t, line));
        }
        if let Some(s) = child.try_wait()? {
            status = Some(s);
            break;
        }
        if start.elapsed() > deadline || kill_at.is_some_and(|k| Instant::now() >= k) {
            if kill_at.is_none() {
                eprintln!(
                    "xtask: QEMU killed at the {} s deadline; the secure side's log is {}",
                    deadline.as_secs(),
                    machine.secure_log.display()
                );
            }
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
    }
    let _ = reader.join();
    while let Ok((t, line)) = rx.try_recv() {
        let _ = watch(t, &line);
        lines.push((t, line));
    }
    Ok(RunOutput { lines, status, elapsed: start.elapsed(), stopped: kill_at.is_some() && status.is_none() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_has_the_required_machine() {
        let m = Machine {
            qemu: "qemu-system-aarch64".into(),
            firmware: "fw.bin".into(),
            kernel: "Image".into(),
            initrd: "initrd.gz".into(),
            append: "tz.mode=test".into(),
            smp: 4,
            secure_log: "secure.log".into(),
            extra: vec![],
        };
        let args: Vec<String> = m.command(false).get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let joined = args.join(" ");
        assert!(joined.contains("-M virt,secure=on,gic-version=3"));
        assert!(joined.contains("-smp 4 -m 1G"));
        assert!(joined.contains("-bios fw.bin"));
        assert!(joined.contains("-serial stdio -serial file:secure.log"));
        assert!(joined.contains("tz.mode=test"));
    }

    #[test]
    fn progress_names_time_bound_and_secure_log() {
        let line =
            progress_line(Duration::from_millis(42_500), Duration::from_secs(180), 7, Path::new("/t/secure.log"));
        assert_eq!(line, "xtask: QEMU running 42 s / 180 s, 7 console lines so far (secure log: /t/secure.log)");
    }

    #[test]
    fn memory_size_defaults_to_1g() {
        assert_eq!(memory_size(None), "1G");
        assert_eq!(memory_size(Some("")), "1G");
        assert_eq!(memory_size(Some(" 4G ")), "4G");
    }
}
