//! From a signed TA file to a memory image: signature checks and the
//! dynamic link of the TA with its shared libraries (`crate::ta`,
//! `crate::ta::dynlink`), expressed as the page ranges the instance maps.
//!
//! The image area holds, from its base: the TA, then each library of its
//! `DT_NEEDED` graph in ldelf's load order (a guard page between objects),
//! then the `dl_phdr_info` block libutee reads through `__elf_phdr_info`,
//! then one executable page with the TLS descriptor resolver (the
//! `R_AARCH64_TLSDESC` relocations of every object, dlopen()ed ones too,
//! point at it; upstream's point into ldelf, which we do not map).

extern crate alloc;

use alloc::vec::Vec;

use tee_abi::result::TeeError;

use crate::mm::pagetable::Perm;
use crate::session::Uuid;
use crate::ta::dynlink::{self, LinkMap, Object};
use crate::ta::{self, TaError, TaPublicKey, Versions};

use super::store::Fetched;

/// Largest span one object (TA or library) may have.
pub const MAX_SPAN: usize = 4 << 20;
/// Bytes reserved for the `dl_phdr_info` block (grows on dlopen()).
pub const INFO_BYTES: u64 = 4 * 4096;

/// Bytes of the TLS descriptor resolver page.
pub const RESOLVER_BYTES: u64 = 4096;

/// One page-aligned range of the image and how the TA may use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Offset from the image base.
    pub offset: u64,
    /// Length (whole pages).
    pub len: u64,
    /// Permissions.
    pub perm: Perm,
}

/// One object of the link map: its UUID, verified ELF and load offset.
pub struct LinkedObject {
    /// The UUID it was loaded as.
    pub uuid: tee_abi::uuid::Uuid,
    /// The verified ELF (a private copy).
    pub elf: Vec<u8>,
    /// Its load address.
    pub base: u64,
}

/// A verified TA and its libraries, ready to be copied into memory.
pub struct Prepared {
    /// Bytes the image spans (whole pages): objects and the info block.
    pub span: u64,
    /// Its segments (page ranges of equal permissions merged).
    pub segments: Vec<Segment>,
    /// Entry point offset.
    pub entry: u64,
    /// Stack bytes from `ta_head`.
    pub stack_size: u64,
    /// `ta_head.flags`.
    pub flags: u32,
    /// Offset of the `dl_phdr_info` block ([`INFO_BYTES`], read-only); the
    /// TLS descriptor resolver page follows it ([`resolver_va`]).
    pub info_offset: u64,
    /// The objects (bases are offsets until [`load`] places them).
    pub objects: Vec<LinkedObject>,
    /// The versions of the objects fetched from the REE store, for the
    /// anti-rollback check (`super::verdb`).
    pub versions: Vec<Versions>,
}

pub(super) fn code(e: TaError) -> TeeError {
    crate::session::raw_error(u32::from(e.tee_error()))
}

/// Page ranges of `obj` at `base` (an offset in the mapping), merged.
pub(super) fn object_segments(obj: &Object<'_>, base: u64, out: &mut Vec<Segment>) -> Result<(), TeeError> {
    out.try_reserve(obj.segments().len()).map_err(|_| TeeError::OutOfMemory)?;
    for s in obj.segments() {
        let (start, end) = s.page_range();
        let perm = if s.perms.exec {
            Perm::ReadExecute
        } else if s.perms.write {
            Perm::ReadWrite
        } else {
            Perm::ReadOnly
        };
        let (start, end) = (base + start, base + end);
        // Segments of equal permissions may share a page: map it once.
        match out.last_mut() {
            Some(last) if last.perm == perm && start < last.offset + last.len => {
                last.len = end.max(last.offset + last.len) - last.offset;
            }
            _ => out.push(Segment { offset: start, len: end - start, perm }),
        }
    }
    Ok(())
}

/// Adds `v` to `versions` when the file came from the REE store.
fn note_versions(versions: &mut Vec<Versions>, from_ree: bool, v: Versions) -> Result<(), TaError> {
    if from_ree {
        versions.try_reserve(1).map_err(|_| TaError::TooLarge)?;
        versions.push(v);
    }
    Ok(())
}

/// Fetches and verifies the signed library `uuid`; the versions of a file
/// from the REE store go to `versions`.
pub(super) fn fetch_library(
    fetch: &mut dyn FnMut(&Uuid) -> Result<Fetched, TeeError>,
    uuid: &tee_abi::uuid::Uuid,
    versions: &mut Vec<Versions>,
) -> Result<Vec<u8>, TaError> {
    let fetched = fetch(&uuid.to_octets()).map_err(|e| match e {
        TeeError::OutOfMemory => TaError::TooLarge,
        _ => TaError::LibraryNotFound,
    })?;
    let (image, v) = ta::verify_library(&fetched.file, uuid, &TaPublicKey::BUILTIN)
        .inspect_err(|e| log::warn!("TA library {uuid} refused: {e:?}"))?;
    note_versions(versions, fetched.from_ree, v)?;
    let mut copy = Vec::new();
    copy.try_reserve_exact(image.len()).map_err(|_| TaError::TooLarge)?;
    copy.extend_from_slice(image);
    Ok(copy)
}

/// Verifies `main` as the signed TA `uuid` with the kernel's built-in key,
/// fetches its libraries through `fetch` and lays everything out. The
/// versions are kept, not checked: the caller checks them
/// ([`Prepared::versions`]).
pub fn prepare(
    main: &Fetched,
    uuid: &Uuid,
    fetch: &mut dyn FnMut(&Uuid) -> Result<Fetched, TeeError>,
) -> Result<Prepared, TeeError> {
    let uuid = tee_abi::uuid::Uuid::from_octets(*uuid);
    let (image, head, v) = ta::prepare_main(&main.file, &uuid, &TaPublicKey::BUILTIN, MAX_SPAN)
        .inspect_err(|e| log::warn!("TA {uuid} refused: {e:?}"))
        .map_err(code)?;
    let mut versions = Vec::new();
    note_versions(&mut versions, main.from_ree, v).map_err(|_| TeeError::OutOfMemory)?;
    let image = crate::params::try_copy(image).map_err(|_| TeeError::OutOfMemory)?;
    let graph = dynlink::collect_graph((uuid, image), &[], MAX_SPAN, |u| fetch_library(fetch, u, &mut versions))
        .inspect_err(|e| log::warn!("TA {uuid}: shared libraries refused: {e:?}"))
        .map_err(code)?;
    let mut spans = Vec::new();
    spans.try_reserve(graph.len()).map_err(|_| TeeError::OutOfMemory)?;
    for (_, elf) in &graph {
        spans.push(Object::parse(elf, MAX_SPAN).map_err(code)?.span());
    }
    let (bases, end) = dynlink::place(&spans, 0).map_err(code)?;
    let mut segments = Vec::new();
    let mut entry = 0;
    for (i, ((_, elf), &base)) in graph.iter().zip(&bases).enumerate() {
        let obj = Object::parse(elf, MAX_SPAN).map_err(code)?;
        if i == 0 {
            entry = obj.entry();
        }
        object_segments(&obj, base, &mut segments)?;
    }
    let info_offset = end + 4096;
    segments.push(Segment { offset: info_offset, len: INFO_BYTES, perm: Perm::ReadOnly });
    segments.push(Segment { offset: info_offset + INFO_BYTES, len: RESOLVER_BYTES, perm: Perm::ReadExecute });
    let mut objects = Vec::new();
    objects.try_reserve(graph.len()).map_err(|_| TeeError::OutOfMemory)?;
    for ((uuid, elf), base) in graph.into_iter().zip(bases) {
        objects.push(LinkedObject { uuid, elf, base });
    }
    Ok(Prepared {
        span: info_offset + INFO_BYTES + RESOLVER_BYTES,
        segments,
        entry,
        stack_size: u64::from(head.stack_size),
        flags: head.flags,
        info_offset,
        objects,
        versions,
    })
}

/// Where the TLS descriptor resolver is for an info block at `info_va`.
pub(super) fn resolver_va(info_va: u64) -> u64 {
    info_va + INFO_BYTES
}

/// Builds the link map of `objects` (bases absolute); the image's info
/// block is at `info_va`.
pub(super) fn link_map(objects: &[LinkedObject], info_va: u64) -> Result<LinkMap<'_>, TeeError> {
    let mut map = LinkMap::new();
    map.set_tlsdesc_resolver(resolver_va(info_va));
    for o in objects {
        map.push(o.uuid, Object::parse(&o.elf, MAX_SPAN).map_err(code)?, o.base).map_err(code)?;
    }
    Ok(map)
}

/// Copies the image into `buf` (mapped at `base`), links and relocates it
/// and fills the `dl_phdr_info` block and `__elf_phdr_info`. Object bases
/// become absolute.
pub fn load(p: &mut Prepared, base: u64, buf: &mut [u8]) -> Result<(), TeeError> {
    for o in &mut p.objects {
        o.base += base;
        // Where a debugger needs the ELF's symbols (`cargo xtask run
        // --gdb-ta` reads this line); upstream's ldelf logs the same at debug
        // level (optee_os 4.5.0 `ldelf/main.c`).
        log::info!("ELF ({}) at {:#x}", o.uuid, o.base);
    }
    let map = link_map(&p.objects, base + p.info_offset)?;
    dynlink::load_objects(&map, 0, base, buf).map_err(code)?;
    let at = |va: u64, len: usize| {
        let off = usize::try_from(va.checked_sub(base)?).ok()?;
        Some(off..off.checked_add(len)?)
    };
    let code_bytes: Vec<u8> = dynlink::TLSDESC_RESOLVER_CODE.iter().flat_map(|w| w.to_le_bytes()).collect();
    buf.get_mut(at(resolver_va(base + p.info_offset), code_bytes.len()).ok_or(TeeError::BadState)?)
        .ok_or(TeeError::BadState)?
        .copy_from_slice(&code_bytes);
    let (block, header) =
        phdr_info(&map, base + p.info_offset, |va| buf.get(at(va, dynlink::ELF_PHDR_INFO_SIZE)?)?.try_into().ok())?;
    let info = at(base + p.info_offset, block.len()).ok_or(TeeError::BadState)?;
    buf.get_mut(info).ok_or(TeeError::BadState)?.copy_from_slice(&block);
    if let Some((va, bytes)) = header {
        buf.get_mut(at(va, bytes.len()).ok_or(TeeError::BadFormat)?)
            .ok_or(TeeError::BadFormat)?
            .copy_from_slice(&bytes);
    }
    Ok(())
}

/// The TA's `__elf_phdr_info`: where it is and its new bytes.
pub(super) type PhdrInfoHeader = (u64, [u8; dynlink::ELF_PHDR_INFO_SIZE]);

/// The `dl_phdr_info` block for `info_va`, and where the TA's
/// `__elf_phdr_info` is with its new contents (`None`: the TA has none,
/// an older TA). `read(va)` gives the TA's current 16 bytes at `va`.
pub(super) fn phdr_info(
    map: &LinkMap<'_>,
    info_va: u64,
    read: impl FnOnce(u64) -> Option<[u8; dynlink::ELF_PHDR_INFO_SIZE]>,
) -> Result<(Vec<u8>, Option<PhdrInfoHeader>), TeeError> {
    let block = dynlink::phdr_info_block(map, info_va).map_err(code)?;
    if block.len() as u64 > INFO_BYTES {
        return Err(TeeError::OutOfMemory);
    }
    let Some(found) = map.lookup(b"__elf_phdr_info", None).map_err(code)? else {
        return Ok((block, None));
    };
    let old = read(found.value).ok_or(TeeError::BadFormat)?;
    let new = dynlink::elf_phdr_info_header(&old, map.objects().len(), info_va).map_err(code)?;
    Ok((block, Some((found.value, new))))
}
