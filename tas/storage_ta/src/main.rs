//! Secure-storage test TA (`ee81bdd8-3a3a-40df-8a88-df60f1271c2f`); the
//! commands are in `cases.rs`.
// no_std/no_main on the TA target; a std test binary on the host.
#![cfg_attr(not(test), no_std, no_main)]

#[path = "cases.rs"]
mod cases;

ta_sdk::ta! {
    uuid: proto::storage_ta::UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 8192,
    heap: 524288,
    impl: cases::StorageTa,
}

#[cfg(test)]
mod host_tests;
// The peer TA (same code, another UUID), linked into the host tests.
#[cfg(test)]
// The same code under another UUID, on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "peer.rs"]
mod peer;
