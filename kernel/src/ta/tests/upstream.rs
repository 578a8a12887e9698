//! Upstream-built TAs (GNU ld, libutee, `sign_encrypt.py`) through the whole
//! chain. Not in the default run: needs files outside the repository.
//!
//! ```sh
//! TZ_UPSTREAM_TA_DIR=/path/to/optee_armtz \
//! TZ_UPSTREAM_TA_KEY=/path/to/export-ta_arm64/keys/default_ta.pem \
//!     cargo test -p kernel --lib upstream -- --ignored --nocapture
//! ```
//!
//! Every `<uuid>.ta` in the directory must load (linked with its shared
//! libraries from the same directory when it has some), except the shared
//! libraries themselves (undefined symbols on their own).

use std::string::String;
use std::vec::Vec;
use std::{env, eprintln, fs};

use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};

use crate::ta::dynlink::{LinkMap, Object, collect_graph, load_objects, place};
use crate::ta::{TaError, TaPublicKey, Uuid, prepare, prepare_main, verify_library};

/// Links a TA that needs shared libraries with those of `dir`, as the
/// kernel does; returns the number of objects.
fn link(dir: &str, file: &[u8], uuid: &Uuid, key: &TaPublicKey<'_>) -> usize {
    let (image, _, _) = prepare_main(file, uuid, key, 16 << 20).unwrap();
    let graph = collect_graph((*uuid, image.to_vec()), &[], 16 << 20, |u| {
        let f = fs::read(format!("{dir}/{u}.ta")).map_err(|_| TaError::LibraryNotFound)?;
        verify_library(&f, u, key).map(|(image, _)| image.to_vec())
    })
    .unwrap();
    let objs: Vec<Object<'_>> = graph.iter().map(|(_, f)| Object::parse(f, 16 << 20).unwrap()).collect();
    let spans: Vec<u64> = objs.iter().map(Object::span).collect();
    let (bases, end) = place(&spans, 0x4000_0000).unwrap();
    let mut map = LinkMap::new();
    for ((o, b), (u, _)) in objs.into_iter().zip(bases).zip(&graph) {
        map.push(*u, o, b).unwrap();
    }
    let mut mem = std::vec![0u8; (end - 0x4000_0000) as usize];
    load_objects(&map, 0, 0x4000_0000, &mut mem).unwrap();
    assert!(map.lookup(b"__elf_phdr_info", None).unwrap().is_some());
    graph.len()
}

fn public_key(pem: &str) -> RsaPublicKey {
    RsaPublicKey::from_public_key_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem).map(|k| k.to_public_key()))
        .or_else(|_| RsaPrivateKey::from_pkcs8_pem(pem).map(|k| k.to_public_key()))
        .expect("TZ_UPSTREAM_TA_KEY: not an RSA key in PEM")
}

#[test]
#[ignore = "needs TZ_UPSTREAM_TA_DIR and TZ_UPSTREAM_TA_KEY"]
fn upstream_tas_load() {
    let dir = env::var("TZ_UPSTREAM_TA_DIR").expect("TZ_UPSTREAM_TA_DIR");
    let key = public_key(&fs::read_to_string(env::var("TZ_UPSTREAM_TA_KEY").unwrap()).unwrap());
    let (n, e) = (key.n().to_bytes_be(), key.e().to_bytes_be());
    let key = TaPublicKey { modulus: &n, exponent: &e };
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|d| d.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".ta"))
        .collect();
    names.sort();
    let mut loaded = 0;
    for name in &names {
        let file = fs::read(format!("{dir}/{name}")).unwrap();
        let uuid = name.strip_suffix(".ta").and_then(|n| Uuid::parse(n).ok()).expect("file name is not <uuid>.ta");
        match prepare(&file, &uuid, &key, 16 << 20) {
            Ok((_, img)) => {
                let mut mem = std::vec![0u8; img.span()];
                img.load(0x4000_0000, &mut mem).unwrap();
                let h = img.head();
                eprintln!(
                    "ok   {name}: span {:#x}, {} segments, {} relocations, flags {:#x}, stack {:#x}",
                    img.span(),
                    img.segments().len(),
                    img.relocation_count(),
                    h.flags,
                    h.stack_size
                );
                loaded += 1;
            }
            Err(TaError::SharedLibrariesUnsupported) => {
                let n = link(&dir, &file, &uuid, &key);
                eprintln!("ok   {name}: linked with {} libraries", n - 1);
                loaded += 1;
            }
            Err(e) => {
                eprintln!("skip {name}: {e}");
                // Shared libraries themselves have undefined symbols.
                assert!(matches!(e, TaError::UndefinedSymbol), "{name}: {e}");
            }
        }
    }
    assert!(loaded > 0, "no TA loaded from {dir}");
}
