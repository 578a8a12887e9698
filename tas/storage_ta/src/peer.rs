//! The storage test TA under a second UUID
//! (`078b7b0f-0491-4c52-a0f8-2e1c7dcf03e3`): same commands, its own objects.
// no_std/no_main on the TA target; a module of storage_ta's host tests.
#![cfg_attr(not(test), no_std, no_main)]

#[path = "cases.rs"]
mod cases;

ta_sdk::ta! {
    uuid: proto::storage_ta::PEER_UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 8192,
    heap: 524288,
    impl: cases::StorageTa,
}
