//! Seeding the kernel RNG ([`crate::rng`]) at cold boot, on the target.
//!
//! Sources, in order: the boot DT's `/secure-chosen` `rng-seed` and
//! `kaslr-seed` (QEMU draws them from the host per boot; the monitor erases
//! them from the normal world's DT before Linux runs), 64 bytes of `RNDR`
//! when the CPU has FEAT_RNG, and the timing of a short hashing loop
//! (counter jitter: some unpredictability on real hardware and under QEMU
//! without `-icount`, none under `-icount`). With neither a DT seed nor
//! `RNDR` the pool is predictable: the kernel boots, but says so loudly in
//! the secure log on every boot.

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::arch::aarch64 as arch;
use crate::dt;
use crate::rng::{self, Source};

/// Counter samples of the jitter loop.
const JITTER_SAMPLES: usize = 64;

/// Mixes every boot source into the pool and logs which were found. `dtb`
/// is the DT the monitor passed, mapped and still holding its secure seeds.
pub fn seed_at_boot(dtb: u64) {
    let mut found: [&str; 4] = [""; 4];
    let mut n = 0;
    if dtb == linker::NS_DTB_BASE {
        let max = linker::NS_DTB_MAX_SIZE as usize;
        // SAFETY: the NS DT area is mapped (non-secure, RW) by the boot
        // tables; only the boot core runs and the normal world has not
        // started, so nothing changes it while it is read.
        let area = unsafe { core::slice::from_raw_parts(dtb as *const u8, max) };
        let seeds = tee_abi::fdt_header::total_size(area, max).map(|len| dt::secure_seeds(&area[..len]));
        if let Some(Ok(seeds)) = seeds {
            if let Some(seed) = &seeds.rng_seed {
                rng::add_entropy(Source::DtRngSeed, seed);
                found[n] = "DT rng-seed";
                n += 1;
            }
            if let Some(seed) = &seeds.kaslr_seed {
                rng::add_entropy(Source::DtKaslrSeed, seed);
                found[n] = "DT kaslr-seed";
                n += 1;
            }
        }
    }
    let mut hw = [0u8; 64];
    let mut hw_ok = 0;
    for chunk in hw.chunks_mut(8) {
        if let Some(r) = arch::entropy::rndr() {
            chunk.copy_from_slice(&r.to_le_bytes());
            hw_ok += 1;
        }
    }
    if hw_ok > 0 {
        rng::add_entropy(Source::Rndr, &hw[..hw_ok * 8]);
        found[n] = "RNDR";
        n += 1;
    }
    hw.zeroize();
    rng::add_entropy(Source::Jitter, &jitter_samples());
    found[n] = "counter jitter";
    n += 1;

    if rng::is_seeded() {
        log::info!("RNG seeded from: {}", Joined(&found[..n]));
    } else {
        log::error!(
            "RNG NOT SEEDED: no /secure-chosen seed in the DT and no RNDR; random numbers, keys and nonces are \
             predictable (counter only)"
        );
    }
}

/// Counter readings around a loop of hashes whose duration varies with
/// caches, interrupts of the host and TCG's translation.
fn jitter_samples() -> [u8; JITTER_SAMPLES * 8] {
    let mut out = [0u8; JITTER_SAMPLES * 8];
    let mut state = [0u8; 32];
    for (i, slot) in out.chunks_mut(8).enumerate() {
        for _ in 0..(i % 7) + 1 {
            state = Sha256::digest(state).into();
        }
        slot.copy_from_slice(&arch::counter().0.to_le_bytes());
    }
    out
}

/// Displays a list of names separated by commas.
struct Joined<'a>(&'a [&'a str]);

impl core::fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}
