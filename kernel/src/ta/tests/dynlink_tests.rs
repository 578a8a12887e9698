//! Dynamic linking on hand-made objects: the `DT_NEEDED` graph, symbol
//! lookup order, every relocation type, the `dl_phdr_info` block.

use std::collections::BTreeMap;
use std::vec::Vec;

use proptest::prelude::*;
use tee_abi::uuid::Uuid;

use super::elf_builder::*;
use super::support::*;
use crate::ta::TaError;
use crate::ta::dynlink::{self, LinkMap, Object, collect_graph, load_objects, phdr_info_block, place};

const SPAN: usize = 1 << 20;
const LIB_A: &str = "ffd2bded-ab7d-4988-95ee-e4962fff7154";
const LIB_B: &str = "b3091a65-9751-4784-abf7-0298a7cc35ba";
const LIB_C: &str = "7e0a0900-586b-11e5-931f-0002a5d5c51b";
/// st_info: GLOBAL FUNC, WEAK FUNC, GLOBAL TLS, GLOBAL NOTYPE (undefined).
const GFUNC: u8 = 0x12;
const WFUNC: u8 = 0x22;
const GTLS: u8 = 0x16;
const GUND: u8 = 0x10;
const R_TPREL: u32 = 1030;

fn uuid(s: &str) -> Uuid {
    Uuid::must(s)
}

/// A library: the minimal layout, no relocations, `syms` exported.
fn lib(soname: &'static str, needed: &[&'static str], syms: Vec<Sym>) -> ElfSpec {
    let mut spec = ElfSpec::minimal();
    spec.soname = Some(soname);
    spec.needed_names = needed.to_vec();
    spec.syms = syms;
    spec.relas.clear();
    spec
}

/// `collect_graph` from `root` over `store` (UUID string -> spec).
fn graph(root: &ElfSpec, store: &BTreeMap<&str, ElfSpec>) -> Result<Vec<Uuid>, TaError> {
    let mut fetched = Vec::new();
    let g = collect_graph((HELLO_UUID, root.build()), &[], SPAN, |u| {
        fetched.push(*u);
        let key = store.keys().find(|k| uuid(k) == *u).ok_or(TaError::LibraryNotFound)?;
        Ok(store[key].build())
    })?;
    // Each library is fetched once, in load order.
    assert_eq!(fetched, g.iter().skip(1).map(|(u, _)| *u).collect::<Vec<_>>());
    Ok(g.into_iter().map(|(u, _)| u).collect())
}

#[test]
fn needed_graph_is_breadth_first_once_each_and_cycles_end() {
    // main -> A, B; A -> C, B; B -> A (cycle); C -> main (cycle to the root).
    let main = ElfSpec { needed_names: vec![LIB_A, LIB_B], ..ElfSpec::minimal() };
    let mut store = BTreeMap::new();
    store.insert(LIB_A, lib(LIB_A, &[LIB_C, LIB_B], vec![]));
    store.insert(LIB_B, lib(LIB_B, &[LIB_A], vec![]));
    store.insert(LIB_C, lib(LIB_C, &["8aaaf200-2450-11e4-abe2-0002a5d5c51b"], vec![]));
    assert_eq!(graph(&main, &store), Ok(vec![HELLO_UUID, uuid(LIB_A), uuid(LIB_B), uuid(LIB_C)]));
    // Already loaded objects (dlopen) are not queued again.
    let g = collect_graph((uuid(LIB_A), store[LIB_A].build()), &[HELLO_UUID, uuid(LIB_B)], SPAN, |u| {
        assert_eq!(*u, uuid(LIB_C));
        Ok(store[LIB_C].build())
    });
    assert_eq!(g.unwrap().len(), 2);
}

#[test]
fn missing_library_and_bad_needed_strings_fail_like_ldelf() {
    let main = ElfSpec { needed_names: vec![LIB_A], ..ElfSpec::minimal() };
    let mut store = BTreeMap::new();
    store.insert(LIB_A, lib(LIB_A, &[LIB_B], vec![]));
    assert_eq!(graph(&main, &store), Err(TaError::LibraryNotFound));
    assert_eq!(TaError::LibraryNotFound.tee_error(), tee_abi::result::TeeError::ItemNotFound);
    // ldelf runs tee_uuid_from_str on DT_NEEDED: "libc.so.6" is BAD_FORMAT.
    let main = ElfSpec { needed_names: vec!["libc.so.6"], ..ElfSpec::minimal() };
    assert_eq!(graph(&main, &BTreeMap::new()), Err(TaError::BadNeeded));
    assert_eq!(TaError::BadNeeded.tee_error(), tee_abi::result::TeeError::BadFormat);
}

#[test]
fn too_many_objects_are_refused() {
    // A chain longer than MAX_OBJECTS: every library needs a new one.
    let names: Vec<&'static str> = (0..dynlink::MAX_OBJECTS + 2)
        .map(|i| &*Box::leak(format!("00000000-0000-0000-0000-{i:012x}").into_boxed_str()))
        .collect();
    let mut store = BTreeMap::new();
    for w in names.windows(2) {
        store.insert(w[0], lib(w[0], &[w[1]], vec![]));
    }
    let main = ElfSpec { needed_names: vec![names[0]], ..ElfSpec::minimal() };
    assert_eq!(graph(&main, &store), Err(TaError::TooManyObjects));
}

/// Links `objs` (specs) at consecutive bases and loads them all.
fn link(specs: &[ElfSpec]) -> (Vec<u64>, Result<Vec<u8>, TaError>) {
    link_with_resolver(specs, None)
}

/// [`link`], with a TLS descriptor resolver at `resolver` if given.
fn link_with_resolver(specs: &[ElfSpec], resolver: Option<u64>) -> (Vec<u64>, Result<Vec<u8>, TaError>) {
    let files: Vec<Vec<u8>> = specs.iter().map(ElfSpec::build).collect();
    let objs: Vec<Object<'_>> = files.iter().map(|f| Object::parse(f, SPAN).unwrap()).collect();
    let spans: Vec<u64> = objs.iter().map(Object::span).collect();
    let (bases, end) = place(&spans, BASE).unwrap();
    let mut map = LinkMap::new();
    if let Some(va) = resolver {
        map.set_tlsdesc_resolver(va);
    }
    let ids = [HELLO_UUID, uuid(LIB_A), uuid(LIB_B), uuid(LIB_C)];
    for ((o, &b), id) in objs.into_iter().zip(&bases).zip(ids) {
        map.push(id, o, b).unwrap();
    }
    let mut mem = vec![0x5a; (end - BASE) as usize];
    let r = load_objects(&map, 0, BASE, &mut mem).map(|()| mem);
    (bases, r)
}

#[test]
fn symbols_resolve_across_objects_in_ldelfs_order() {
    // main: GLOB_DAT f (defined in main and A: main wins), JUMP_SLOT g (only
    // in A, weak in main's view: undefined there), ABS64 h+4 (undefined:
    // found in B, addend ignored as in ldelf), ABS64 of a local symbol.
    let mut main = ElfSpec::minimal();
    main.needed_names = vec![LIB_A, LIB_B];
    main.syms.extend([
        Sym::new("f", 0x1000, 2, GFUNC),
        Sym::new("g", 0, 0, GUND),
        Sym::new("h", 0, 0, GUND),
        Sym::new("weak_nowhere", 0, 0, 0x20),
    ]);
    main.relas = vec![
        Rela::new(0x2000, R_GLOB_DAT, 2, 8),
        Rela::new(0x2008, R_JUMP_SLOT, 3, 0),
        Rela::new(0x2010, R_ABS64, 4, 4),
        Rela::new(0x2018, R_ABS64, 1, 4),
        Rela::new(0x2020, R_GLOB_DAT, 5, 0),
        Rela::new(0x2028, R_RELATIVE, 0, 0x30),
    ];
    // A: f (global), g weak and global-in-B (A's weak g loses to B's
    // global one? No: ldelf searches object by object, so A's weak g wins
    // over B's global g); A also refers to f: the TA's definition wins.
    let mut a = lib(LIB_A, &[], vec![Sym::new("f", 0x1000, 2, GFUNC), Sym::new("g", 0x1004, 2, WFUNC)]);
    a.relas = vec![Rela::new(0x2000, R_GLOB_DAT, 1, 0)];
    let b = lib(LIB_B, &[], vec![Sym::new("g", 0x1000, 2, GFUNC), Sym::new("h", 0x1000, 2, GFUNC)]);
    let (bases, mem) = link(&[main, a, b]);
    let mem = mem.unwrap();
    let at = |obj: usize, off: u64| read_u64(&mem, (bases[obj] - BASE + off) as usize);
    assert_eq!(at(0, 0x2000), bases[0] + 0x1000, "main's own f, addend ignored");
    assert_eq!(at(0, 0x2008), bases[1] + 0x1004, "A's weak g before B's global g");
    assert_eq!(at(0, 0x2010), bases[2] + 0x1000, "B's h, no addend");
    assert_eq!(at(0, 0x2018), bases[0] + 0x100 + 4, "local ABS64: base + value + addend");
    assert_eq!(at(0, 0x2020), 0, "undefined weak nothing defines");
    assert_eq!(at(0, 0x2028), bases[0] + 0x30);
    assert_eq!(at(1, 0x2000), bases[0] + 0x1000, "A's f reference binds to the TA's f");
}

#[test]
fn lookup_is_scoped_then_global_and_global_before_weak() {
    let a = lib(LIB_A, &[], vec![Sym::new("x", 0x1000, 2, WFUNC), Sym::new("tls", 0x10, 2, GTLS)]);
    let b = lib(LIB_B, &[], vec![Sym::new("x", 0x1000, 2, GFUNC), Sym::new("y", 0x1008, 2, GFUNC)]);
    let files = [ElfSpec::minimal().build(), a.build(), b.build()];
    let mut map = LinkMap::new();
    for (i, (f, id)) in files.iter().zip([HELLO_UUID, uuid(LIB_A), uuid(LIB_B)]).enumerate() {
        map.push(id, Object::parse(f, SPAN).unwrap(), 0x10_0000 * (i as u64 + 1)).unwrap();
    }
    let found = |name: &[u8], first| map.lookup(name, first).unwrap().map(|f| (f.value, f.object));
    assert_eq!(found(b"x", None), Some((0x20_1000, 1)), "load order first, weak is enough");
    assert_eq!(found(b"x", Some(2)), Some((0x30_1000, 2)), "scoped to B");
    assert_eq!(found(b"y", Some(1)), Some((0x30_1008, 2)), "not in A: then everywhere");
    assert_eq!(found(b"tls", None), Some((0x10, 1)), "TLS symbols are offsets");
    assert_eq!(found(b"ta_head", None), Some((0x10_0100, 0)));
    assert_eq!(found(b"nowhere", None), None);
    assert_eq!(
        map.push(uuid(LIB_A), Object::parse(&files[1], SPAN).unwrap(), 0x90_0000).err(),
        Some(TaError::DuplicateObject)
    );
}

#[test]
fn missing_strong_symbols_and_unsupported_types_are_refused() {
    let mut main = ElfSpec::minimal();
    main.syms.push(Sym::new("nowhere", 0, 0, GUND));
    main.relas = vec![Rela::new(0x2000, R_JUMP_SLOT, 2, 0)];
    assert_eq!(link(&[main]).1.err(), Some(TaError::SymbolNotFound));
    assert_eq!(TaError::SymbolNotFound.tee_error(), tee_abi::result::TeeError::ItemNotFound);
    // COPY, TLS_DTPMOD64, TLS_DTPREL64 (64-bit ldelf has neither), TLSDESC
    // (without a resolver page), IRELATIVE.
    for rtype in [1024, 1028, 1029, 1031, 1032] {
        let mut main = ElfSpec::minimal();
        main.relas = vec![Rela::new(0x2000, rtype, 1, 0)];
        assert_eq!(link(&[main]).1.err(), Some(TaError::UnsupportedRelocation), "type {rtype}");
    }
    // A relocation outside every segment.
    let mut main = ElfSpec::minimal();
    main.relas = vec![Rela::new(0x3800, R_RELATIVE, 0, 0)];
    assert_eq!(link(&[main]).1.err(), Some(TaError::BadRelocation));
}

#[test]
fn tls_tprel_uses_the_defining_modules_block_offset() {
    // main has a 0x20-byte TLS block, A one of 0x40: offsets 16 and 48.
    let mut main = ElfSpec::minimal();
    main.tls = Some((0x2000, 0x10, 0x20));
    main.syms.push(Sym::new("shlib_tls", 0, 0, GUND));
    main.relas = vec![Rela::new(0x2000, R_TPREL, 2, 4), Rela::new(0x2008, R_TPREL, 0, 8)];
    let mut a = lib(LIB_A, &[], vec![Sym::new("shlib_tls", 0x18, 2, GTLS)]);
    a.tls = Some((0x2000, 0x20, 0x40));
    let (bases, mem) = link(&[main, a]);
    let mem = mem.unwrap();
    assert_eq!(read_u64(&mem, 0x2000), 0x18 + 48 + 4);
    assert_eq!(read_u64(&mem, 0x2008), 16 + 8, "symbol 0: this module");
    assert!(bases[1] > bases[0]);
}

#[test]
fn tlsdesc_points_at_the_resolver_and_holds_the_tprel_value() {
    const R_TLSDESC: u32 = 1031;
    const RESOLVER: u64 = 0x7777_0000;
    // As the TPREL test: main's block at 16, A's at 48.
    let mut main = ElfSpec::minimal();
    main.tls = Some((0x2000, 0x10, 0x20));
    main.syms.push(Sym::new("shlib_tls", 0, 0, GUND));
    main.relas = vec![Rela::new(0x2000, R_TLSDESC, 2, 4), Rela::new(0x2010, R_TLSDESC, 0, 8)];
    let mut a = lib(LIB_A, &[], vec![Sym::new("shlib_tls", 0x18, 2, GTLS)]);
    a.tls = Some((0x2000, 0x20, 0x40));
    let (_, mem) = link_with_resolver(&[main.clone(), a.clone()], Some(RESOLVER));
    let mem = mem.unwrap();
    assert_eq!((read_u64(&mem, 0x2000), read_u64(&mem, 0x2008)), (RESOLVER, 0x18 + 48 + 4));
    assert_eq!((read_u64(&mem, 0x2010), read_u64(&mem, 0x2018)), (RESOLVER, 16 + 8), "symbol 0: this module");
    // No resolver page: refused, as before it existed.
    assert_eq!(link(&[main.clone(), a.clone()]).1.err(), Some(TaError::UnsupportedRelocation));
    // The descriptor's second word must be inside the segment too.
    main.relas = vec![Rela::new(0x37f8, R_TLSDESC, 0, 0)];
    assert_eq!(link_with_resolver(&[main, a], Some(RESOLVER)).1.err(), Some(TaError::BadRelocation));
}

#[test]
fn tlsdesc_resolver_is_ldr_x0_x0_8_then_ret() {
    // LDR (immediate, unsigned offset, 64-bit): 0xf9400000 | imm12 << 10 |
    // Rn << 5 | Rt, imm12 = 8 / 8; RET (x30): 0xd65f03c0.
    let ldr = 0xf940_0000 | (8 / 8) << 10;
    assert_eq!(dynlink::TLSDESC_RESOLVER_CODE, [ldr, 0xd65f_03c0]);
}

#[test]
fn phdr_info_block_matches_dl_phdr_info() {
    let mut a = lib(LIB_A, &[], vec![]);
    a.tls = Some((0x2000, 0x10, 0x20));
    let files = [ElfSpec::minimal().build(), a.build()];
    let mut map = LinkMap::new();
    map.push(HELLO_UUID, Object::parse(&files[0], SPAN).unwrap(), 0x4000_0000).unwrap();
    map.push(uuid(LIB_A), Object::parse(&files[1], SPAN).unwrap(), 0x4010_0000).unwrap();
    let va = 0x4800_0000;
    let block = phdr_info_block(&map, va).unwrap();
    let d = |i: usize, off: usize| read_u64(&block, i * 64 + off);
    assert_eq!(d(0, 0), 0x4000_0000);
    assert_eq!(d(1, 0), 0x4010_0000);
    for i in 0..2 {
        let phnum = u16::from_le_bytes(block[i * 64 + 24..i * 64 + 26].try_into().unwrap());
        let phdrs = (d(i, 16) - va) as usize;
        assert_eq!(&block[phdrs..phdrs + 56 * phnum as usize], &files[i][64..64 + 56 * phnum as usize]);
        assert_eq!((d(i, 32), d(i, 40), d(i, 48)), (1, 0, 0), "adds, subs, no TLS module ID on AArch64");
    }
    let name = (d(1, 8) - va) as usize;
    assert_eq!(&block[name..name + LIB_A.len() + 1], format!("{LIB_A}\0").as_bytes());
    assert_eq!(block[(d(0, 8) - va) as usize], 0, "no soname: empty name");
    assert_eq!(d(1, 56), 0x2000, "dlpi_tls_data: unrelocated PT_TLS address, as ldelf");

    let hdr = dynlink::elf_phdr_info_header(&[0; 16], 2, va).unwrap();
    assert_eq!(u16::from_le_bytes([hdr[4], hdr[5]]), 2);
    assert_eq!(read_u64(&hdr, 8), va);
    let mut reserved = [0u8; 16];
    reserved[0] = 1;
    assert_eq!(dynlink::elf_phdr_info_header(&reserved, 2, va), Err(TaError::PhdrInfoReserved));
}

/// Applies `(position, xor)` mutations, positions taken modulo the length.
fn mutate(base: &[u8], muts: &[(usize, u8)]) -> Vec<u8> {
    let mut v = base.to_vec();
    for &(at, x) in muts {
        let i = at % v.len();
        v[i] ^= x;
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Mutated shared libraries and TAs never make the linker panic, and
    /// whatever it accepts it loads inside the objects' spans.
    #[test]
    fn linker_never_panics_on_mutated_objects(
        main_muts in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        lib_muts in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
    ) {
        let mut main = ElfSpec::minimal();
        main.needed_names = vec![LIB_A];
        main.syms.push(Sym::new("f", 0, 0, GUND));
        main.relas.push(Rela::new(0x2010, R_JUMP_SLOT, 2, 0));
        main.relas.push(Rela::new(0x2018, R_TPREL, 2, 0));
        let mut a = lib(LIB_A, &[LIB_A, LIB_B], vec![Sym::new("f", 0x1000, 2, GFUNC)]);
        a.tls = Some((0x2000, 0x8, 0x10));
        a.relas = vec![Rela::new(0x2000, R_GLOB_DAT, 1, 0)];
        let main_file = mutate(&main.build(), &main_muts);
        let lib_file = mutate(&a.build(), &lib_muts);
        let Ok(g) = collect_graph((HELLO_UUID, main_file), &[], 64 << 10, |u| {
            if *u == uuid(LIB_A) { Ok(lib_file.clone()) } else { Err(TaError::LibraryNotFound) }
        }) else { return Ok(()) };
        let objs: Vec<_> = g.iter().filter_map(|(u, f)| Object::parse(f, 64 << 10).ok().map(|o| (*u, o))).collect();
        let spans: Vec<u64> = objs.iter().map(|(_, o)| o.span()).collect();
        let (bases, end) = place(&spans, BASE).unwrap();
        let mut map = LinkMap::new();
        for ((u, o), b) in objs.into_iter().zip(bases) {
            let _ = map.push(u, o, b);
        }
        let mut mem = vec![0; (end - BASE) as usize];
        let _ = load_objects(&map, 0, BASE, &mut mem);
        let _ = phdr_info_block(&map, end + 4096);
        let _ = map.lookup(b"f", Some(1));
    }
}
