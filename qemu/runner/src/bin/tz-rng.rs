//! `tz-rng`: the TEE's RNG as the normal world sees it, for `cargo xtask
//! test`'s two-boot check (guest `tz.mode=rng`).
//!
//! Prints `TZRNG SAMPLE <hex>`: the first 32 bytes of `TEE_GenerateRandom`
//! this boot (through `tas/rng_ta`), which xtask compares across boots; and
//! `TZTEST` cases:
//! - `rng-draws-differ`: a second draw differs from the first;
//! - `rng-add-entropy`: the system PTA's ADD_RNG_ENTROPY accepts bytes and
//!   the stream goes on;
//! - `dt-secure-seeds-erased`: neither `/proc/device-tree` nor the raw blob
//!   Linux booted with (`/sys/firmware/fdt`) has `/secure-chosen`'s
//!   `rng-seed` or `kaslr-seed`, while `/secure-chosen` itself is there.

use proto::rng_ta;
use teec::{Context, Login, Param, SharedMemory};
use tz_runner::{Report, to_hex};

const SEEDS: [&str; 2] = ["rng-seed", "kaslr-seed"];

fn draw(session: &mut teec::Session<'_>, ctx: &Context) -> Result<Vec<u8>, String> {
    let mut shm = SharedMemory::alloc(ctx, 32).map_err(|e| format!("shm: {e}"))?;
    let mut params = [Param::output(&mut shm), Param::None, Param::None, Param::None];
    session.invoke(rng_ta::CMD_GENERATE, &mut params).map_err(|e| format!("GENERATE: {e}"))?;
    Ok(shm.as_slice().to_vec())
}

fn add_entropy(session: &mut teec::Session<'_>, ctx: &Context) -> Result<(), String> {
    let mut shm = SharedMemory::alloc(ctx, 16).map_err(|e| format!("shm: {e}"))?;
    shm.as_mut_slice().copy_from_slice(b"normal-world 123");
    let mut params = [Param::input(&shm), Param::None, Param::None, Param::None];
    session.invoke(rng_ta::CMD_ADD_ENTROPY, &mut params).map_err(|e| format!("ADD_ENTROPY: {e}"))
}

/// Names of the properties of the root's child `node` in the FDT `blob`
/// (a plain walk of the structure block; `None` if the blob is malformed).
fn fdt_node_properties(blob: &[u8], node: &str) -> Option<Vec<String>> {
    let be32 = |at: usize| blob.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    if be32(0)? != 0xd00d_feed {
        return None;
    }
    let (off_struct, off_strings) = (be32(8)? as usize, be32(12)? as usize);
    let c_str = |at: usize| -> Option<&[u8]> {
        let rest = blob.get(at..)?;
        Some(&rest[..rest.iter().position(|b| *b == 0)?])
    };
    let (mut at, mut depth, mut inside, mut props) = (off_struct, 0usize, false, Vec::new());
    loop {
        match be32(at)? {
            1 => {
                let name = c_str(at + 4)?;
                depth += 1;
                if depth == 2 {
                    inside = name == node.as_bytes();
                }
                at = (at + 4 + name.len() + 1 + 3) & !3;
            }
            2 => {
                depth = depth.checked_sub(1)?;
                at += 4;
            }
            3 => {
                let len = be32(at + 4)? as usize;
                if inside && depth == 2 {
                    let name = c_str(off_strings + be32(at + 8)? as usize)?;
                    props.push(String::from_utf8_lossy(name).into_owned());
                }
                at = (at + 12 + len + 3) & !3;
            }
            4 => at += 4,
            9 => return Some(props),
            _ => return None,
        }
    }
}

fn seeds_erased() -> Result<(), String> {
    let dir = std::path::Path::new("/proc/device-tree/secure-chosen");
    if !dir.join("stdout-path").exists() {
        return Err("no /proc/device-tree/secure-chosen/stdout-path: looking in the wrong place".into());
    }
    for seed in SEEDS {
        if dir.join(seed).exists() {
            return Err(format!("/proc/device-tree/secure-chosen/{seed} is readable"));
        }
    }
    let blob = std::fs::read("/sys/firmware/fdt").map_err(|e| format!("/sys/firmware/fdt: {e}"))?;
    let props = fdt_node_properties(&blob, "secure-chosen").ok_or("/sys/firmware/fdt: malformed")?;
    if !props.iter().any(|p| p == "stdout-path") {
        return Err(format!("/sys/firmware/fdt /secure-chosen has {props:?}, no stdout-path"));
    }
    match props.iter().find(|p| SEEDS.contains(&p.as_str())) {
        Some(p) => Err(format!("/sys/firmware/fdt /secure-chosen still has {p}")),
        None => Ok(()),
    }
}

fn main() {
    let mut report = Report::default();
    let result = (|| -> Result<(), String> {
        let ctx = Context::new().map_err(|e| format!("context: {e}"))?;
        let mut session = ctx.open_session(&rng_ta::UUID, Login::Public).map_err(|e| format!("open: {e}"))?;
        let first = draw(&mut session, &ctx)?;
        println!("TZRNG SAMPLE {}", to_hex(&first));
        let second = draw(&mut session, &ctx)?;
        report.case("rng-draws-differ", if first == second { Err("two draws are equal".to_owned()) } else { Ok(()) });
        let added = add_entropy(&mut session, &ctx).and_then(|()| {
            let third = draw(&mut session, &ctx)?;
            if third == second { Err("draw after ADD_ENTROPY repeats".into()) } else { Ok(()) }
        });
        report.case("rng-add-entropy", added);
        Ok(())
    })();
    if let Err(e) = result {
        report.case("rng-ta", Err(e));
    }
    report.case("dt-secure-seeds-erased", seeds_erased());
    std::process::exit(report.exit_code());
}
