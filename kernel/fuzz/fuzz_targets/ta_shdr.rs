//! `shdr::verify` (built-in key) then `TaImage::parse` on arbitrary bytes:
//! must never panic.
#![no_main]

use kernel::ta::{TaPublicKey, Uuid, prepare};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let uuid = Uuid::from_octets([0; 16]);
    let _ = prepare(data, &uuid, &TaPublicKey::BUILTIN, 1 << 20);
});
