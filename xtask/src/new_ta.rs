//! `cargo xtask new-ta <name>`: a new TA crate `tas/<name>/` (ta-sdk, a
//! fresh random UUID, one command that adds one to a VALUE_INOUT) and its
//! client `tas/<name>/client/` (Rust, `teec`), which the guest gets as
//! `/usr/bin/<name>`.
//!
//! The TA is a member of the `tas/` workspace (built for the TA target);
//! the client is a member of the root workspace (new-ta adds
//! `tas/<name>/client` to its members; its `package.workspace` says so),
//! built for `aarch64-unknown-linux-musl` like `qemu/runner`. Both read the UUID and command number from the TA's
//! `src/protocol.rs`, so no number is written twice. xtask finds clients by
//! that layout ([`client_packages`]): nothing else to edit.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, ensure};
use tee_abi::uuid::Uuid;

/// Names a new TA may not take: crates and programs of this repository,
/// directories of `tas/`, and the guest's own programs.
const RESERVED: &[&str] = &[
    "proto",
    "c",
    "target",
    "kernel",
    "monitor",
    "xtask",
    "linker",
    "teec",
    "ta_sdk",
    "tee_abi",
    "tz_runner",
    "test",
    "init",
    "sh",
    "busybox",
    "xtest",
    "tee",
    "tee_supplicant",
    "std",
    "core",
    "alloc",
];

/// Rust's keywords (2024 edition, strict and reserved), which are no crate names.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Longest name accepted (it becomes a crate, a program and a file name).
const MAX_NAME: usize = 40;

/// Checks `name` as a new TA's name: a Rust identifier usable as a crate and
/// program name (lowercase ASCII letters, digits, `_`, a letter first), no
/// keyword, nothing reserved, and `tas/<name>` must not exist.
pub fn validate_name(name: &str, tas_dir: &Path) -> Result<()> {
    ensure!(!name.is_empty(), "the TA needs a name");
    ensure!(name.len() <= MAX_NAME, "{name:?} is longer than {MAX_NAME} characters");
    ensure!(name.starts_with(|c: char| c.is_ascii_lowercase()), "{name:?} must start with a lowercase ASCII letter");
    ensure!(
        name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
        "{name:?}: use lowercase ASCII letters, digits and `_` only (a Rust crate name, e.g. my_ta)"
    );
    ensure!(!KEYWORDS.contains(&name), "{name:?} is a Rust keyword");
    ensure!(!RESERVED.contains(&name), "{name:?} is taken by this repository or the guest");
    let dir = tas_dir.join(name);
    ensure!(!dir.exists(), "{} exists: pick another name (nothing was written)", dir.display());
    Ok(())
}

/// A random (version 4, RFC 9562) UUID from the OS's RNG.
pub fn random_uuid() -> Uuid {
    let mut b = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_octets(b)
}

/// `my_ta` -> `MyTa`: the TA's type name.
fn type_name(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

const TA_CARGO: &str = include_str!("new_ta/ta.Cargo.toml");
const TA_MAIN: &str = include_str!("new_ta/ta_main.rs.txt");
const TA_PROTOCOL: &str = include_str!("new_ta/protocol.rs.txt");
const CLIENT_CARGO: &str = include_str!("new_ta/client.Cargo.toml");
const CLIENT_MAIN: &str = include_str!("new_ta/client_main.rs.txt");

/// The files of a new TA `name` with `uuid`, as (path under `tas/`, text).
pub fn render(name: &str, uuid: Uuid) -> Vec<(PathBuf, String)> {
    let fill = |t: &str| {
        t.replace("{{name}}", name).replace("{{Type}}", &type_name(name)).replace("{{uuid}}", &uuid.to_string())
    };
    let dir = PathBuf::from(name);
    vec![
        (dir.join("Cargo.toml"), fill(TA_CARGO)),
        (dir.join("src/main.rs"), fill(TA_MAIN)),
        (dir.join("src/protocol.rs"), fill(TA_PROTOCOL)),
        (dir.join("client/Cargo.toml"), fill(CLIENT_CARGO)),
        (dir.join("client/src/main.rs"), fill(CLIENT_MAIN)),
    ]
}

/// A manifest's text with `entry` added to its `[workspace] members`: in
/// sorted order, one per line (`tas/Cargo.toml`), or else appended.
pub fn add_member(manifest: &str, entry: &str, sorted: bool) -> Result<String> {
    let start = manifest.find("members = [").context("no `members = [` in the manifest")?;
    let open = start + "members = [".len();
    let close = open + manifest[open..].find(']').context("`members = [` is never closed")?;
    let members: Vec<&str> = manifest[open..close]
        .lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split(','))
        .map(|m| m.trim().trim_matches('"'))
        .filter(|m| !m.is_empty())
        .collect();
    ensure!(!members.contains(&entry), "{entry} is already a workspace member");
    if !sorted {
        let head = manifest[..close].trim_end();
        let comma = if head.ends_with([',', '[']) { "" } else { "," };
        return Ok(format!("{head}{comma}\n    \"{entry}\",\n{}", &manifest[close..]));
    }
    let mut members = members;
    members.push(entry);
    members.sort();
    let list: String = members.iter().map(|m| format!("    \"{m}\",\n")).collect();
    Ok(format!("{}\n{list}{}", &manifest[..open], &manifest[close..]))
}

/// Writes TA `name` (fresh UUID) and its client into `root`'s `tas/` and
/// adds it to `tas/Cargo.toml`. Returns the UUID.
pub fn generate(root: &Path, name: &str) -> Result<Uuid> {
    let tas = root.join("tas");
    validate_name(name, &tas)?;
    let read = |path: &Path| std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()));
    let (tas_manifest, root_manifest) = (tas.join("Cargo.toml"), root.join("Cargo.toml"));
    let tas_text = add_member(&read(&tas_manifest)?, name, true)?;
    let root_text = add_member(&read(&root_manifest)?, &format!("tas/{name}/client"), false)?;
    let uuid = random_uuid();
    for (path, text) in render(name, uuid) {
        let path = tas.join(path);
        std::fs::create_dir_all(path.parent().context("file directory")?)?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    for (path, text) in [(&tas_manifest, tas_text), (&root_manifest, root_text)] {
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(uuid)
}

/// `cargo xtask new-ta <name>`.
pub fn new_ta_command(root: &Path, name: &str) -> Result<()> {
    let uuid = generate(root, name)?;
    println!(
        "new-ta: created tas/{name}/ (TA, UUID {uuid}) and tas/{name}/client/ (the guest's /usr/bin/{name});\n\
         added them to tas/Cargo.toml and Cargo.toml.\n\
         Next: cargo xtask run, then `{name}` at the guest's shell; cargo xtask test runs it too\n\
         (case boot[<tee>]/client-{name}). See ta-sdk/README.md, \"Your first TA\"."
    );
    Ok(())
}

/// The package names of the TA clients under `root`'s `tas/*/client/`
/// (sorted), for the guest build.
pub fn client_packages(root: &Path) -> Result<Vec<String>> {
    let tas = root.join("tas");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&tas).with_context(|| format!("reading {}", tas.display()))?.flatten() {
        let manifest = entry.path().join("client/Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else { continue };
        let name = package_name(&text).with_context(|| format!("{}: no package name", manifest.display()))?;
        out.push(name);
    }
    out.sort();
    Ok(out)
}

/// `[package] name` of a manifest.
fn package_name(manifest: &str) -> Option<String> {
    let package = &manifest[manifest.find("[package]")?..];
    package.lines().find_map(|l| {
        let (key, value) = l.split_once('=')?;
        (key.trim() == "name").then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The guest's `/etc/tz/tests.d` wrapper that runs client `program` in
/// `cargo xtask test` (a `TZTEST` case `client-<program>`).
pub fn client_test_wrapper(program: &str) -> String {
    format!(
        "#!/bin/sh\n# Made by xtask: runs the client of tas/{program} (cargo xtask new-ta) as a test case.\n\
         if out=\"$(/usr/bin/{program} 2>&1)\"; then\n    echo \"TZTEST PASS client-{program}\"\n\
         else\n    echo \"TZTEST FAIL client-{program} $(printf '%s' \"$out\" | tr '\\n' ' ' | cut -c1-120)\"\nfi\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_tas(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-new-ta-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("tas/taken")).unwrap();
        dir
    }

    #[test]
    fn names_follow_crate_rules() {
        let root = temp_tas("names");
        let tas = root.join("tas");
        for ok in ["my_ta", "a", "counter2", "a_b_c"] {
            assert!(validate_name(ok, &tas).is_ok(), "{ok}");
        }
        for bad in ["", "My_ta", "2ta", "_ta", "my-ta", "my ta", "tä", "fn", "self", "proto", "kernel", "taken"] {
            assert!(validate_name(bad, &tas).is_err(), "{bad:?}");
        }
        assert!(validate_name(&"a".repeat(MAX_NAME + 1), &tas).is_err());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn uuids_are_random_version_4() {
        let (a, b) = (random_uuid().to_string(), random_uuid().to_string());
        assert_ne!(a, b);
        for u in [&a, &b] {
            assert_eq!(u.len(), 36);
            for (i, c) in u.chars().enumerate() {
                match i {
                    8 | 13 | 18 | 23 => assert_eq!(c, '-'),
                    14 => assert_eq!(c, '4', "{u}: version"),
                    19 => assert!("89ab".contains(c), "{u}: variant"),
                    _ => assert!(c.is_ascii_hexdigit() && !c.is_ascii_uppercase(), "{u}"),
                }
            }
            assert_eq!(Uuid::parse(u).unwrap().to_string(), *u);
        }
    }

    #[test]
    fn templates_are_filled() {
        let uuid = Uuid::parse("0b9d4c1e-7a3f-4e2b-9c8d-1f2e3a4b5c6d").unwrap();
        let files = render("my_counter", uuid);
        let paths: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(
            paths,
            [
                "my_counter/Cargo.toml",
                "my_counter/src/main.rs",
                "my_counter/src/protocol.rs",
                "my_counter/client/Cargo.toml",
                "my_counter/client/src/main.rs"
            ]
        );
        for (path, text) in &files {
            assert!(!text.contains("{{"), "{} has an unfilled placeholder", path.display());
        }
        let text = |end: &str| &files.iter().find(|(p, _)| p.ends_with(end)).unwrap().1;
        assert!(text("src/protocol.rs").contains("pub const UUID: &str = \"0b9d4c1e-7a3f-4e2b-9c8d-1f2e3a4b5c6d\";"));
        assert!(text("src/main.rs").contains("struct MyCounter;"));
        assert!(text("my_counter/Cargo.toml").contains("name = \"my_counter\""));
        let client = text("client/Cargo.toml");
        assert!(client.contains("name = \"my_counter_client\"") && client.contains("workspace = \"../../..\""));
        assert_eq!(package_name(client).as_deref(), Some("my_counter_client"));
        assert!(client_test_wrapper("my_counter").contains("TZTEST PASS client-my_counter"));
        assert_eq!(type_name("a_b2_c"), "AB2C");
    }

    #[test]
    fn members_are_added_once() {
        let tas =
            "[workspace]\nresolver = \"2\"\nmembers = [\n    \"b\",\n    \"d\",\n]\n\n[workspace.package]\nx = 1\n";
        let added = add_member(tas, "c", true).unwrap();
        assert_eq!(added, tas.replace("\"b\",\n", "\"b\",\n    \"c\",\n"));
        assert!(add_member(&added, "c", true).is_err());
        let root = "[workspace]\nmembers = [\n    \"linker\",\n    # a comment, \"x\"\n    \"xtask\",\n]\nrest = 1\n";
        let added = add_member(root, "tas/c/client", false).unwrap();
        assert!(added.contains("    \"xtask\",\n    \"tas/c/client\",\n]\nrest = 1\n"), "{added}");
        assert!(add_member(&added, "tas/c/client", false).is_err());
        assert!(add_member("[package]\n", "c", true).is_err());
    }

    #[test]
    fn generate_writes_the_crates_and_refuses_to_clobber() {
        let root = temp_tas("generate");
        std::fs::write(root.join("tas/Cargo.toml"), "[workspace]\nmembers = [\n    \"taken\",\n]\n").unwrap();
        std::fs::write(root.join("Cargo.toml"), "[workspace]\nmembers = [\n    \"xtask\",\n]\n").unwrap();
        let uuid = generate(&root, "fresh").unwrap();
        let protocol = std::fs::read_to_string(root.join("tas/fresh/src/protocol.rs")).unwrap();
        assert!(protocol.contains(&uuid.to_string()));
        assert!(std::fs::read_to_string(root.join("tas/Cargo.toml")).unwrap().contains("\"fresh\","));
        assert!(std::fs::read_to_string(root.join("Cargo.toml")).unwrap().contains("\"tas/fresh/client\","));
        assert_eq!(client_packages(&root).unwrap(), ["fresh_client"]);
        let before = std::fs::read_to_string(root.join("tas/fresh/src/main.rs")).unwrap();
        assert!(generate(&root, "fresh").is_err());
        assert_eq!(std::fs::read_to_string(root.join("tas/fresh/src/main.rs")).unwrap(), before);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
