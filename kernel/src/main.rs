//! The kernel image: everything lives in the library; this binary only links
//! it for the bare-metal target with `linker/kernel.ld`.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![deny(unsafe_code)]

#[cfg(target_os = "none")]
extern crate kernel;

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("the kernel runs only on aarch64-unknown-none-softfloat; use `cargo xtask build`");
}
