//! Links the bare-metal monitor with `linker/monitor.ld`.

use std::env;
use std::path::PathBuf;

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let script = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("../linker/monitor.ld");
    println!("cargo:rerun-if-changed={}", script.display());
    if target.ends_with("-none") || target.ends_with("-none-softfloat") {
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
        println!("cargo:rustc-link-arg-bins=--undefined=_start");
    }
}
