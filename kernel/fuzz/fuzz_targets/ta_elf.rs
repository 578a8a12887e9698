//! `TaImage::parse` + `load` on arbitrary bytes: must never panic.
#![no_main]

use kernel::ta::TaImage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(img) = TaImage::parse(data, 1 << 20) {
        let mut mem = vec![0; img.span()];
        let _ = img.load(0x4000_0000, &mut mem);
    }
});
