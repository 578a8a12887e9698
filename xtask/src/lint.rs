//! The gates `cargo xtask test` starts with: `cargo fmt --check` and
//! `cargo clippy -D warnings` over every crate, each for the target it is
//! built for (host crates and host tests; monitor and kernel bare-metal; the
//! guest programs for musl; the TAs, a workspace of their own).

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::tas::{GUEST_TARGET, TA_TARGET};

/// One gate: a name for the tally and the cargo arguments, run in `dir`
/// (relative to the workspace root).
struct Gate {
    name: &'static str,
    dir: &'static str,
    args: &'static [&'static str],
}

const GATES: &[Gate] = &[
    Gate { name: "lint/fmt", dir: ".", args: &["fmt", "--all", "--check"] },
    Gate { name: "lint/fmt-tas", dir: "tas", args: &["fmt", "--all", "--check"] },
    Gate { name: "lint/fmt-example-ta", dir: "qemu/examples/share/rust/ta", args: &["fmt", "--all", "--check"] },
    Gate {
        name: "lint/clippy-host",
        dir: ".",
        args: &["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"],
    },
    Gate {
        name: "lint/clippy-firmware",
        dir: ".",
        args: &["clippy", "--target", TA_TARGET, "-p", "kernel", "-p", "monitor", "--quiet", "--", "-D", "warnings"],
    },
    Gate {
        name: "lint/clippy-guest",
        dir: ".",
        args: &[
            "clippy",
            "--target",
            GUEST_TARGET,
            "-p",
            "tz-runner",
            "-p",
            "teec",
            "-p",
            "share-rust-client",
            "--quiet",
            "--",
            "-D",
            "warnings",
        ],
    },
    Gate { name: "lint/clippy-tas", dir: "tas", args: &["clippy", "--quiet", "--", "-D", "warnings"] },
    Gate {
        name: "lint/clippy-example-ta",
        dir: "qemu/examples/share/rust/ta",
        args: &["clippy", "--quiet", "--", "-D", "warnings"],
    },
];

/// Runs every gate; returns (name, passed, what it printed when it failed).
pub fn run(root: &Path) -> Result<Vec<(String, bool, String)>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut results = Vec::new();
    for gate in GATES {
        let out = Command::new(&cargo)
            .current_dir(root.join(gate.dir))
            .args(gate.args)
            .output()
            .with_context(|| format!("running cargo {}", gate.args.join(" ")))?;
        let mut detail = String::from_utf8_lossy(&out.stdout).into_owned();
        detail.push_str(&String::from_utf8_lossy(&out.stderr));
        // Enough to act on without flooding the test log.
        let detail: String = detail.lines().take(40).collect::<Vec<_>>().join("\n");
        results.push((gate.name.to_string(), out.status.success(), detail));
    }
    // The kernel's layering: nothing imports `boot`, no cycle across folders.
    let (layered, report) = crate::modgraph::check(root)?;
    results.push(("lint/modgraph".to_string(), layered, report));
    Ok(results)
}
