//! Dynamic linking of a TA and its shared libraries, as upstream's ldelf
//! does it (optee_os 4.5.0 `ldelf/ta_elf.c`, `ta_elf_rel.c`, `dl.c`), in
//! the kernel and pure: no hardware, no `unsafe`. The caller fetches and
//! verifies each library (a signed `.ta` named by UUID, like a TA), places
//! the objects and maps them.
//!
//! - [`collect_graph`]: the `DT_NEEDED` graph breadth-first from one root,
//!   each library once (cycles end), in ldelf's queue order.
//! - [`LinkMap`]: lookup across objects and relocation of each.
//! - [`phdr_info_block`] / [`elf_phdr_info_header`]: what libutee reads
//!   through `__elf_phdr_info` (`dl_iterate_phdr`, `.init_array`/
//!   `.fini_array` calls, TLS setup: libutee does these itself).

mod link;
mod object;

use alloc::vec::Vec;

use tee_abi::uuid::Uuid;

use super::elf::range;
use super::error::TaError;
pub use link::{Found, LinkMap, Placed, R_AARCH64_TLS_TPREL, R_AARCH64_TLSDESC, TCB_HEAD_SIZE, TLSDESC_RESOLVER_CODE};
pub use object::{Object, TlsSegment};

/// Most objects (the TA and its libraries, dlopen()ed ones included) in one
/// TA. Upstream has no fixed bound (ldelf's heap is the bound).
pub const MAX_OBJECTS: usize = 16;
/// Most `DT_NEEDED` entries one object may carry.
pub const MAX_NEEDED: usize = 64;
/// `sizeof(struct dl_phdr_info)` on AArch64 (`lib/libutee/include/link.h`).
pub const DLPI_SIZE: usize = 64;
/// `sizeof(struct __elf_phdr_info)` (`user_ta_header.h`).
pub const ELF_PHDR_INFO_SIZE: usize = 16;
const PHDR_SIZE: usize = 56;

/// Walks the `DT_NEEDED` graph from `root` (already fetched) breadth-first,
/// as ldelf's queue does: an object is queued once (by UUID), objects in
/// `known` (already loaded) are not queued at all. `fetch` returns the
/// verified ELF of a library (`TaError::LibraryNotFound` if there is none).
/// Returns the objects in load order, `root` first.
pub fn collect_graph<F>(
    root: (Uuid, Vec<u8>),
    known: &[Uuid],
    max_span: usize,
    mut fetch: F,
) -> Result<Vec<(Uuid, Vec<u8>)>, TaError>
where
    F: FnMut(&Uuid) -> Result<Vec<u8>, TaError>,
{
    let mut queue: Vec<(Uuid, Option<Vec<u8>>)> = Vec::new();
    queue.try_reserve(MAX_OBJECTS).map_err(|_| TaError::TooLarge)?;
    queue.push((root.0, Some(root.1)));
    let mut i = 0;
    while let Some((uuid, slot)) = queue.get_mut(i) {
        let uuid = *uuid;
        if slot.is_none() {
            *slot = Some(fetch(&uuid)?);
        }
        let needed = match slot {
            Some(bytes) => Object::parse(bytes, max_span)?.needed,
            None => Vec::new(),
        };
        for dep in needed {
            if known.contains(&dep) || queue.iter().any(|(u, _)| *u == dep) {
                continue;
            }
            if known.len() + queue.len() >= MAX_OBJECTS {
                return Err(TaError::TooManyObjects);
            }
            queue.push((dep, None));
        }
        i += 1;
    }
    Ok(queue.into_iter().filter_map(|(u, b)| b.map(|b| (u, b))).collect())
}

/// Builds the `struct dl_phdr_info` array libutee reads through
/// `__elf_phdr_info.dlpi`, to be mapped at `block_va`: the array, then a
/// copy of each object's program headers and its name. Field values as
/// ldelf's `fill_elf_phdr_info`: `dlpi_adds` 1, `dlpi_subs` 0, no TLS module
/// ID on AArch64 (ldelf assigns them for 32-bit TAs only), `dlpi_tls_data`
/// the unrelocated `PT_TLS` address.
pub fn phdr_info_block(map: &LinkMap<'_>, block_va: u64) -> Result<Vec<u8>, TaError> {
    let objs = map.objects();
    let mut out = Vec::new();
    let array = objs.len().checked_mul(DLPI_SIZE).ok_or(TaError::TooLarge)?;
    out.try_reserve(array + objs.len() * 256).map_err(|_| TaError::TooLarge)?;
    out.resize(array, 0);
    for (i, p) in objs.iter().enumerate() {
        let phnum = p.obj.program_headers().len();
        let phdrs = range(p.obj.image, p.obj.headers.phoff, (phnum * PHDR_SIZE) as u64).ok_or(TaError::BadElfHeader)?;
        out.resize(out.len().next_multiple_of(8), 0);
        let phdr_va = block_va + out.len() as u64;
        out.try_reserve(phdrs.len()).map_err(|_| TaError::TooLarge)?;
        out.extend_from_slice(phdrs);
        let name_va = block_va + out.len() as u64;
        let name = p.obj.soname.unwrap_or_default();
        out.try_reserve(name.len() + 1).map_err(|_| TaError::TooLarge)?;
        out.extend_from_slice(name);
        out.push(0);
        let d = &mut out[i * DLPI_SIZE..(i + 1) * DLPI_SIZE];
        d[0..8].copy_from_slice(&p.base.to_le_bytes());
        d[8..16].copy_from_slice(&name_va.to_le_bytes());
        d[16..24].copy_from_slice(&phdr_va.to_le_bytes());
        d[24..26].copy_from_slice(&(phnum as u16).to_le_bytes());
        d[32..40].copy_from_slice(&1u64.to_le_bytes());
        d[40..48].copy_from_slice(&0u64.to_le_bytes());
        d[48..56].copy_from_slice(&0u64.to_le_bytes());
        d[56..64].copy_from_slice(&p.obj.tls.map_or(0, |t| t.vaddr).to_le_bytes());
    }
    Ok(out)
}

/// The new contents of the TA's `__elf_phdr_info` (`old`: its current
/// bytes): `count` entries at `dlpi_va`. A non-zero `reserved` word is
/// `TEE_ERROR_NOT_SUPPORTED`, as in ldelf's `ta_elf_set_elf_phdr_info`.
pub fn elf_phdr_info_header(
    old: &[u8; ELF_PHDR_INFO_SIZE],
    count: usize,
    dlpi_va: u64,
) -> Result<[u8; ELF_PHDR_INFO_SIZE], TaError> {
    if old[0..4] != [0; 4] {
        return Err(TaError::PhdrInfoReserved);
    }
    let count = u16::try_from(count).map_err(|_| TaError::TooManyObjects)?;
    let mut new = *old;
    new[4..6].copy_from_slice(&count.to_le_bytes());
    new[8..16].copy_from_slice(&dlpi_va.to_le_bytes());
    Ok(new)
}

/// Load addresses for objects of `spans` bytes placed one after another
/// from `start` (page-aligned), one unmapped guard page between them.
/// Returns the bases and the end of the last object.
pub fn place(spans: &[u64], start: u64) -> Result<(Vec<u64>, u64), TaError> {
    let mut bases = Vec::new();
    bases.try_reserve(spans.len()).map_err(|_| TaError::TooLarge)?;
    let mut at = start;
    for (i, &span) in spans.iter().enumerate() {
        if i > 0 {
            at = at.checked_add(4096).ok_or(TaError::TooLarge)?;
        }
        bases.push(at);
        at = at.checked_add(span).ok_or(TaError::TooLarge)?;
    }
    Ok((bases, at))
}

/// Copies the file data of objects `from..` of `map` into `mem` (mapped at
/// `mem_va`; each object's span inside it at its base), zeroes the rest of
/// their spans and applies their relocations.
pub fn load_objects(map: &LinkMap<'_>, from: usize, mem_va: u64, mem: &mut [u8]) -> Result<(), TaError> {
    for (idx, p) in map.objects().iter().enumerate().skip(from) {
        let off = p.base.checked_sub(mem_va).ok_or(TaError::BadLoadBase)?;
        let dst = super::elf::range_mut(mem, off, p.obj.span()).ok_or(TaError::BadBufferSize)?;
        dst.fill(0);
        for s in p.obj.segments() {
            let src = range(p.obj.image, s.offset, s.filesz).ok_or(TaError::BadSegment)?;
            super::elf::range_mut(dst, s.vaddr, s.filesz).ok_or(TaError::BadSegment)?.copy_from_slice(src);
        }
        map.relocate(idx, dst)?;
    }
    Ok(())
}
