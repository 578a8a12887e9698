//! Which implementation the AES, GHASH and SHA-1/SHA-256 primitives use:
//! the Armv8 Cryptographic Extension (`arch::aarch64::crypto_ce`, inside
//! kernel SIMD sections) where the core has it and it is not switched off,
//! else the constant-time software of the RustCrypto crates. Chosen once
//! at boot ([`init`]); on the host always software, which the known-answer
//! tests check; the guest suite runs the extension path (and, once, the
//! software path with `tz.crypto=soft`).

use core::sync::atomic::{AtomicU8, Ordering};

const AES: u8 = 1;
const PMULL: u8 = 2;
const SHA1: u8 = 4;
const SHA256: u8 = 8;

static ENABLED: AtomicU8 = AtomicU8::new(0);

fn on(bit: u8) -> bool {
    cfg!(target_os = "none") && ENABLED.load(Ordering::Relaxed) & bit != 0
}

/// AES rounds on AESE/AESD.
pub fn aes() -> bool {
    on(AES)
}

/// GHASH on PMULL.
pub fn pmull() -> bool {
    on(PMULL)
}

/// SHA-1 on SHA1C/P/M.
pub fn sha1() -> bool {
    on(SHA1)
}

/// SHA-224/256 on SHA256H/H2.
pub fn sha256() -> bool {
    on(SHA256)
}

/// Whether `bootargs` (the boot DT's `/chosen/bootargs`) asks for the
/// software implementations: a `tz.crypto=soft` word. Only a switch to the
/// slower, equally constant-time path, so the normal world may flip it.
pub fn soft_requested(bootargs: &str) -> bool {
    bootargs.split_ascii_whitespace().any(|w| w == "tz.crypto=soft")
}

/// [`soft_requested`] on the `/chosen/bootargs` of the DT `blob`.
pub fn soft_requested_in_dt(blob: &[u8]) -> bool {
    use dtoolkit::fdt::Fdt;
    use dtoolkit::{Node, Property};
    let Ok(fdt) = Fdt::new(blob) else { return false };
    let Some(args) = fdt.find_node("/chosen").and_then(|c| c.property("bootargs")) else { return false };
    let text = args.value().split(|b| *b == 0).next().unwrap_or(&[]);
    core::str::from_utf8(text).is_ok_and(soft_requested)
}

/// Picks the backends from the core's features unless `soft`, after a
/// known-answer self-test of each instruction family (one that fails stays
/// off). Returns a line for the boot log.
#[cfg(target_os = "none")]
pub fn init(soft: bool) -> alloc::string::String {
    use alloc::format;

    use crate::arch::aarch64::crypto_ce;
    let f = crypto_ce::features();
    if soft {
        ENABLED.store(0, Ordering::Relaxed);
        return format!("crypto: constant-time software (tz.crypto=soft; core has {f:?})");
    }
    let mut bits = 0;
    let mut failed = alloc::vec::Vec::new();
    let mut pick = |have: bool, bit: u8, name: &'static str, ok: fn() -> bool| {
        if have {
            if ok() {
                bits |= bit;
            } else {
                failed.push(name);
            }
        }
    };
    pick(f.aes, AES, "AES", super::selftest::aes);
    pick(f.aes && f.pmull, PMULL, "PMULL", super::selftest::ghash);
    pick(f.sha1, SHA1, "SHA1", super::selftest::sha1);
    pick(f.sha256, SHA256, "SHA256", super::selftest::sha256);
    ENABLED.store(bits, Ordering::Relaxed);
    let names: alloc::vec::Vec<&str> = [(AES, "AES"), (PMULL, "PMULL-GHASH"), (SHA1, "SHA1"), (SHA256, "SHA256")]
        .iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, n)| *n)
        .collect();
    format!(
        "crypto: Armv8 crypto extension for [{}], constant-time software for the rest{}",
        names.join(", "),
        if failed.is_empty() { alloc::string::String::new() } else { format!(" (SELF-TEST FAILED: {failed:?})") }
    )
}

/// Runs `f` over `data` in `preempt::CHUNK` pieces, each in its own kernel
/// SIMD section, with a preemption point between pieces.
#[cfg(target_os = "none")]
pub(crate) fn chunked_mut(data: &mut [u8], mut f: impl FnMut(&crate::thread::fpu::KernelSimd, &mut [u8])) {
    for piece in data.chunks_mut(crate::thread::preempt::CHUNK) {
        crate::thread::fpu::with_kernel_simd(|simd| f(simd, piece));
        crate::thread::preempt::point();
    }
}

/// As [`chunked_mut`] for input-only data.
#[cfg(target_os = "none")]
pub(crate) fn chunked(data: &[u8], mut f: impl FnMut(&crate::thread::fpu::KernelSimd, &[u8])) {
    for piece in data.chunks(crate::thread::preempt::CHUNK) {
        crate::thread::fpu::with_kernel_simd(|simd| f(simd, piece));
        crate::thread::preempt::point();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_uses_software_and_the_switch_is_one_word() {
        assert!(!aes() && !pmull() && !sha1() && !sha256());
        assert!(soft_requested("console=ttyAMA0 tz.crypto=soft tz.mode=test"));
        assert!(!soft_requested("tz.crypto=softer tz.mode=test"));
        assert!(!soft_requested(""));
    }
}
