//! Lets TA binaries find `linker/ta.ld` (`-Tta.ld` in tas/.cargo/config.toml):
//! a library's link search path reaches every binary that depends on it.

use std::env;
use std::path::PathBuf;

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../linker");
    println!("cargo:rerun-if-changed={}", dir.join("ta.ld").display());
    if target.ends_with("-none") || target.ends_with("-none-softfloat") {
        println!("cargo:rustc-link-search=native={}", dir.display());
    }
}
