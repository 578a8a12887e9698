//! dlopen()/dlsym() for a running TA, through the system PTA's
//! PTA_SYSTEM_DLOPEN/DLSYM (upstream: `core/pta/system.c` hands them to
//! ldelf's `dlopen_entry`/`dlsym_entry`, `ldelf/dl.c`, 4.5.0; here the
//! kernel's linker `ta::dynlink` does the work).
//!
//! dlopen() of a loaded object succeeds at once; otherwise the library and
//! the part of its `DT_NEEDED` graph not loaded yet are fetched, placed in
//! the upper half of the image area, relocated against the whole link map,
//! mapped, and the `dl_phdr_info` block and `__elf_phdr_info` are rewritten
//! (libdl then runs `__utee_tcb_init` and the new `.init_array`s). Nothing
//! is ever unloaded (upstream: "No unloading on dlclose() currently").

extern crate alloc;

use alloc::vec::Vec;

use tee_abi::result::TeeError;
use tee_abi::uuid::Uuid;

use super::image::{self, LinkedObject, MAX_SPAN, code, fetch_library, link_map, object_segments};
use super::instance::Instance;
use super::memory::{PageBuf, Region, Sharing, UserRegions};
use crate::arch::aarch64::user;
use crate::call_env::CallEnv;
use crate::mm::layout::{TA_AREA_SPAN, TA_IMAGE_VA};
use crate::mm::pagetable::{Attrs, Perm};
use crate::ta::dynlink::{self, Object};

/// Where dlopen()ed objects go: the upper half of the image area (the TA,
/// its libraries and its stack stay far below).
const DL_VA: u64 = TA_IMAGE_VA + TA_AREA_SPAN / 2;

/// The link map of an instance and the memory of dlopen()ed objects.
pub struct Linked {
    objects: Vec<LinkedObject>,
    info_va: u64,
    next_va: u64,
    bufs: Vec<PageBuf>,
    regions: Vec<Region>,
}

impl Linked {
    /// The objects loaded with the TA (bases absolute), its info block at `info_va`.
    pub fn new(objects: Vec<LinkedObject>, info_va: u64) -> Linked {
        Linked { objects, info_va, next_va: DL_VA, bufs: Vec::new(), regions: Vec::new() }
    }

    /// The regions of dlopen()ed objects.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }
}

impl Instance {
    /// PTA_SYSTEM_DLOPEN for library `uuid`; `regions` is the running TA's
    /// view, updated with the new mappings.
    pub(super) fn dlopen(&self, env: &mut dyn CallEnv, uuid: &Uuid, regions: &mut UserRegions) -> Result<(), TeeError> {
        // The fetches and the version check are RPCs: the link map's spin
        // lock is not held across them. What was loaded is read first and
        // checked again afterwards (a TA instance runs one thread at a
        // time, so the map cannot change meanwhile; if it ever did, the
        // call fails with BUSY rather than link against a stale view).
        let known: Vec<Uuid> = {
            let linked = self.linked.lock();
            if linked.objects.iter().any(|o| o.uuid == *uuid) {
                return Ok(());
            }
            let mut known = Vec::new();
            known.try_reserve(linked.objects.len()).map_err(|_| TeeError::OutOfMemory)?;
            known.extend(linked.objects.iter().map(|o| o.uuid));
            known
        };
        let mut fetch = |u: &crate::session::Uuid| super::store::fetch(env, u);
        let mut versions = Vec::new();
        let root = fetch_library(&mut fetch, uuid, &mut versions).map_err(code)?;
        let graph =
            dynlink::collect_graph((*uuid, root), &known, MAX_SPAN, |u| fetch_library(&mut fetch, u, &mut versions))
                .inspect_err(|e| log::warn!("dlopen {uuid} refused: {e:?}"))
                .map_err(code)?;
        super::verdb::check_all(env, &versions)?;
        let mut linked = self.linked.lock();
        if linked.objects.len() != known.len() {
            return Err(TeeError::Busy);
        }
        let mut spans = Vec::new();
        spans.try_reserve(graph.len()).map_err(|_| TeeError::OutOfMemory)?;
        for (_, elf) in &graph {
            spans.push(Object::parse(elf, MAX_SPAN).map_err(code)?.span());
        }
        let start = linked.next_va;
        let (bases, end) = dynlink::place(&spans, start).map_err(code)?;
        if end > TA_IMAGE_VA + TA_AREA_SPAN {
            return Err(TeeError::OutOfMemory);
        }
        let mut buf = PageBuf::new((end - start) as usize)?;
        let old_len = linked.objects.len();
        linked.objects.try_reserve(graph.len()).map_err(|_| TeeError::OutOfMemory)?;
        for ((uuid, elf), base) in graph.into_iter().zip(bases) {
            log::info!("ELF ({uuid}) at {base:#x}");
            linked.objects.push(LinkedObject { uuid, elf, base });
        }
        let result = self.link_new(&mut linked, old_len, start, &mut buf, regions);
        match result {
            Ok(()) => {
                linked.next_va = end + 4096;
                linked.bufs.push(buf);
            }
            Err(_) => {
                linked.objects.truncate(old_len);
                // Part of it may be mapped: never free memory a TA may reach.
                core::mem::forget(buf);
            }
        }
        result
    }

    fn link_new(
        &self,
        linked: &mut Linked,
        from: usize,
        start: u64,
        buf: &mut PageBuf,
        regions: &mut UserRegions,
    ) -> Result<(), TeeError> {
        let map = link_map(&linked.objects, linked.info_va)?;
        dynlink::load_objects(&map, from, start, buf.as_mut_slice()).map_err(code)?;
        let mut segments = Vec::new();
        for p in map.objects().iter().skip(from) {
            object_segments(&p.obj, p.base - start, &mut segments)?;
        }
        for seg in &segments {
            if seg.offset.checked_add(seg.len).is_none_or(|e| e > buf.len() as u64) {
                return Err(TeeError::BadFormat);
            }
            self.map_user(start + seg.offset, buf.addr() + seg.offset, seg.len, Attrs::user(seg.perm))?;
        }
        crate::arch::aarch64::tables_barrier();
        user::sync_icache();
        let mut new_regions = Vec::new();
        new_regions.try_reserve(segments.len()).map_err(|_| TeeError::OutOfMemory)?;
        for seg in &segments {
            new_regions.push(Region {
                va: start + seg.offset,
                len: seg.len,
                kva: buf.addr() + seg.offset,
                writable: seg.perm == Perm::ReadWrite,
                sharing: Sharing::Private,
            });
        }
        regions.0.try_reserve(new_regions.len()).map_err(|_| TeeError::OutOfMemory)?;
        regions.0.extend_from_slice(&new_regions);
        linked.regions.try_reserve(new_regions.len()).map_err(|_| TeeError::OutOfMemory)?;
        linked.regions.extend_from_slice(&new_regions);

        // The loader writes where the TA may not (the info block is read-only to it).
        let loader_view = UserRegions(regions.0.iter().map(|r| Region { writable: true, ..*r }).collect());
        let (block, header) = image::phdr_info(&map, linked.info_va, |va| {
            loader_view.read(va, dynlink::ELF_PHDR_INFO_SIZE as u64).ok()?.try_into().ok()
        })?;
        loader_view.write(linked.info_va, &block)?;
        if let Some((va, bytes)) = header {
            loader_view.write(va, &bytes)?;
        }
        Ok(())
    }

    /// PTA_SYSTEM_DLSYM: `name` in object `uuid` (then in every object), or
    /// in every object for the all-zero UUID (`dlopen(NULL)`).
    pub(super) fn dlsym(&self, uuid: &Uuid, name: &[u8]) -> Result<u64, TeeError> {
        let linked = self.linked.lock();
        let first = if uuid.to_octets() == [0; 16] {
            None
        } else {
            Some(linked.objects.iter().position(|o| o.uuid == *uuid).ok_or(TeeError::ItemNotFound)?)
        };
        let map = link_map(&linked.objects, linked.info_va)?;
        map.lookup(name, first).map_err(code)?.map(|f| f.value).ok_or(TeeError::ItemNotFound)
    }
}
