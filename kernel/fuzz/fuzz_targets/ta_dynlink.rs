//! The dynamic linker on arbitrary bytes: the input is split into a TA and
//! one library (first byte: where), linked and loaded; must never panic.
#![no_main]

use kernel::ta::Uuid;
use kernel::ta::dynlink::{LinkMap, Object, load_objects, phdr_info_block, place};
use libfuzzer_sys::fuzz_target;

const SPAN: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&cut, rest)) = data.split_first() else { return };
    let at = (usize::from(cut) * rest.len()) / 256;
    let (main, lib) = rest.split_at(at);
    let objs: Vec<Object<'_>> = [main, lib].into_iter().filter_map(|f| Object::parse(f, SPAN).ok()).collect();
    let spans: Vec<u64> = objs.iter().map(Object::span).collect();
    let Ok((bases, end)) = place(&spans, 0x4000_0000) else { return };
    let mut map = LinkMap::new();
    for (i, (o, b)) in objs.into_iter().zip(bases).enumerate() {
        let _ = map.push(Uuid::from_octets([i as u8; 16]), o, b);
    }
    let mut mem = vec![0; (end - 0x4000_0000) as usize];
    let _ = load_objects(&map, 0, 0x4000_0000, &mut mem);
    let _ = phdr_info_block(&map, end + 4096);
    let _ = map.lookup(b"__elf_phdr_info", None);
});
