//! Bounded property tests: arbitrary and mutated inputs never panic, and a
//! mutated signed file never verifies. Case counts keep the run to seconds;
//! deeper fuzzing belongs in `kernel/fuzz/` (cargo-fuzz, nightly).

use proptest::prelude::*;

use super::elf_builder::*;
use super::support::*;
use crate::ta::{TaImage, shdr};

/// Small on purpose: `load` allocates the whole span.
const MAX_SPAN: usize = 64 << 10;

/// Runs parse, and load when parse accepts, at an aligned base.
fn parse_and_load(image: &[u8]) {
    if let Ok(img) = TaImage::parse(image, MAX_SPAN) {
        assert!(img.span() <= MAX_SPAN && img.span().is_multiple_of(4096));
        let mut mem = vec![0; img.span()];
        let _ = img.load(0x4000_0000, &mut mem);
        let _ = img.load(0, &mut mem);
    }
}

/// Applies `(position, xor)` mutations, positions taken modulo the length.
fn mutate(base: &[u8], muts: &[(usize, u8)]) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(at, x) in muts {
        if !v.is_empty() {
            let i = at % v.len();
            v[i] ^= x;
        }
    }
    v
}

fn elf_corpus() -> [Vec<u8>; 4] {
    let mut dynamic_only = ElfSpec::minimal();
    dynamic_only.tables = Tables::DynamicOnly;
    [FIXTURE_PIE.to_vec(), FIXTURE_SHARED.to_vec(), ElfSpec::minimal().build(), dynamic_only.build()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = shdr::verify(&bytes, &HELLO_UUID, &key_a().public());
        parse_and_load(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_an_elf_header_never_panic(
        tail in prop::collection::vec(any::<u8>(), 0..1024),
    ) {
        let mut f = FIXTURE_PIE[..64].to_vec();
        f.extend_from_slice(&tail);
        parse_and_load(&f);
    }

    #[test]
    fn mutated_elfs_never_panic(
        which in 0usize..4,
        muts in prop::collection::vec((any::<usize>(), 1u8..=255), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let corpus = elf_corpus();
        let mut f = mutate(&corpus[which], &muts);
        if truncate {
            let len = cut.index(f.len() + 1);
            f.truncate(len);
        }
        parse_and_load(&f);
    }

    #[test]
    fn mutated_header_fields_never_panic(
        which in 0usize..4,
        // Bytes inside the ELF header and the first program/section headers.
        muts in prop::collection::vec((0usize..0x1c0, any::<u8>()), 1..6),
    ) {
        let corpus = elf_corpus();
        let mut f = corpus[which].clone();
        for (at, v) in muts {
            if at < f.len() {
                f[at] = v;
            }
        }
        parse_and_load(&f);
    }
}

proptest! {
    // RSA verification is the slow part in a debug build: fewer cases.
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_signed_files_never_verify(
        muts in prop::collection::vec((any::<usize>(), 1u8..=255), 1..4),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let good = signed_fixture();
        let mut f = mutate(good, &muts);
        if truncate {
            let len = cut.index(f.len());
            f.truncate(len);
        }
        if f.as_slice() != good {
            let r = shdr::verify(&f, &HELLO_UUID, &key_a().public());
            prop_assert!(r.is_err(), "mutated file verified");
        }
    }
}
