//! A loaded TA instance on the target: its address space, its sessions, and
//! running its entry point at S-EL0. Which instance a session uses (the
//! single-instance cache) is the TA manager's business (`ta_manager`), told
//! through the [`InstanceOwner`] that loaded the instance.

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::sync::{OwnerLock, SpinLock};
use tee_abi::result::{Origin, TeeError, TeeResult};

use super::image::{self, Prepared};
use super::memory::{PageBuf, Region, Sharing, UserRegions};
use super::run::UserRun;
use super::tables::{INITIAL_TABLES, Mapping, TaTables};
use super::utee_params::{self, UteeParams};
use crate::arch::aarch64::user::{self, SPSR_EL0, UserEntry};
use crate::call_env::CallEnv;
use crate::mm::layout::{self, TA_AREA_SPAN, TA_IMAGE_VA as IMAGE_VA, TA_PARAM_VA as PARAM_VA, TA_ZI_VA as ZI_VA};
use crate::mm::pagetable::{Attrs, MapError, PageTables, Perm};
use crate::params::{TaParam, TaParams};
use crate::session::{ClientIdentity, Outcome, Resolver, Target, Uuid, raw_error, tee_refusal};
use crate::thread::runtime::{self as thread_runtime, UserExceptionHandler};
use crate::thread::ta_gate;

/// `TA_FLAG_SINGLE_INSTANCE`.
const FLAG_SINGLE_INSTANCE: u32 = 0x4;
/// `TA_FLAG_MULTI_SESSION`.
const FLAG_MULTI_SESSION: u32 = 0x8;
/// `TA_FLAG_INSTANCE_KEEP_ALIVE`.
const FLAG_KEEP_ALIVE: u32 = 0x10;
/// Most sessions one instance holds. Upstream's bound is the TA's own heap
/// (hello_world refuses near 800 sessions with OUT_OF_MEMORY); ours is
/// explicit so that one client cannot exhaust a shared TA's heap.
pub const MAX_SESSIONS_PER_INSTANCE: usize = 512;

/// Entry functions (`UTEE_ENTRY_FUNC_*`).
const FUNC_OPEN_SESSION: u64 = 0;
const FUNC_CLOSE_SESSION: u64 = 1;
const FUNC_INVOKE_COMMAND: u64 = 2;

/// Marks a run that ended with the TA dead (panic or fault).
pub(super) const EXIT_DEAD: u64 = 1 << 32;

struct State {
    dead: bool,
    sessions: usize,
}

/// Zeroed memory mapped for the TA by the system PTA (MAP_ZI).
struct ZiMap {
    va: u64,
    buf: PageBuf,
    sharing: Sharing,
}

impl ZiMap {
    fn region(&self) -> Region {
        Region { va: self.va, len: self.buf.len() as u64, kva: self.buf.addr(), writable: true, sharing: self.sharing }
    }
}

/// Sessions a TA opened to other TAs: by the TA's session id, the target
/// and the target's own session handle.
pub(super) type TaSessions = SpinLock<BTreeMap<u32, (Arc<dyn Target>, u64)>>;

/// What an instance needs from the TA manager that loaded it.
pub trait InstanceOwner: Sync {
    /// Finds what a UUID names, for the sessions this TA opens to others.
    fn resolver(&self) -> Resolver;
    /// The instance of single-instance TA `uuid` is gone (dead, or retired
    /// with its last session): later sessions must load a fresh one.
    fn forget(&self, uuid: &Uuid);
}

/// One instance of a user TA.
pub struct Instance {
    owner: &'static dyn InstanceOwner,
    uuid: Uuid,
    flags: u32,
    entry_va: u64,
    stack_top: u64,
    root: u64,
    /// Its translation tables (`super::tables`: a pool that grows by
    /// chunks). The image, parameter and MAP_ZI areas are `mm::layout`'s TA
    /// window, clear of every kernel mapping.
    tables: OwnerLock<TaTables>,
    regions: UserRegions,
    _image: PageBuf,
    _stack: PageBuf,
    /// Pool thread running inside the instance (one at a time; see
    /// `thread::ta_gate`).
    run_owner: ta_gate::BusyOwner,
    /// Sessions this TA opened to other TAs (TA-to-TA), by its handle.
    ta_sessions: TaSessions,
    state: SpinLock<State>,
    next_session: AtomicU32,
    /// Client identity of each open session (by the TA-side session ID).
    clients: SpinLock<BTreeMap<u64, ClientIdentity>>,
    /// Transient objects and operation states (freed with the instance).
    crypto: OwnerLock<crate::crypto::CryptoState>,
    /// Open persistent objects and enumerators (`crate::storage`).
    storage: OwnerLock<crate::storage::StorageState>,
    /// The system PTA's mappings, by address.
    zi_maps: OwnerLock<Vec<ZiMap>>,
    /// This TA's sessions to the system PTA (served in the instance).
    pub(super) system_sessions: SpinLock<BTreeSet<u32>>,
    /// `TPIDR_EL0` as the TA left it at the end of its last run.
    tpidr: AtomicU64,
    /// The link map: objects loaded at start and by dlopen().
    pub(super) linked: OwnerLock<super::dlopen::Linked>,
}

impl Instance {
    /// Fetches TA `uuid` from the normal world's store, verifies it and
    /// loads it into a fresh address space owned by `owner`.
    pub fn fetch_and_load(
        env: &mut dyn CallEnv,
        uuid: &Uuid,
        owner: &'static dyn InstanceOwner,
    ) -> Result<Instance, Outcome> {
        let file = super::store::fetch(env, uuid).map_err(tee_refusal)?;
        let mut fetch = |u: &Uuid| super::store::fetch(env, u);
        let mut prepared = image::prepare(&file, uuid, &mut fetch).map_err(tee_refusal)?;
        drop(file);
        super::verdb::check_all(env, &prepared.versions).map_err(tee_refusal)?;
        Instance::load(uuid, &mut prepared, owner).map_err(tee_refusal)
    }

    /// Whether sessions share this one instance (`TA_FLAG_SINGLE_INSTANCE`).
    pub fn is_single_instance(&self) -> bool {
        self.flags & FLAG_SINGLE_INSTANCE != 0
    }

    /// Whether the TA died (panic or fault); a dead instance serves nothing.
    pub fn is_dead(&self) -> bool {
        self.state.lock().dead
    }

    /// The resolver for the sessions this TA opens to other TAs.
    pub(super) fn resolver(&self) -> Resolver {
        self.owner.resolver()
    }

    fn load(uuid: &Uuid, p: &mut Prepared, owner: &'static dyn InstanceOwner) -> Result<Instance, TeeError> {
        let mut image = PageBuf::new(p.span as usize)?;
        image::load(p, IMAGE_VA, image.as_mut_slice())?;
        let stack_len = p.stack_size.next_multiple_of(4096).max(4096);
        let stack = PageBuf::new(stack_len as usize)?;
        // One unmapped page between image and stack catches overflows.
        let stack_va = IMAGE_VA + image.len() as u64 + 4096;
        // Image, guard page and stack share the image area.
        if stack_va + stack.len() as u64 > IMAGE_VA + TA_AREA_SPAN {
            return Err(TeeError::OutOfMemory);
        }
        // Not live yet: a failure below frees tables and memory together,
        // and no TLB ever saw them.
        let mut tables = TaTables::new(INITIAL_TABLES)?;
        let root = tables.root();
        tables.edit(|pt| layout::share_kernel_l1(pt, crate::mm::kernel_map::kernel_l1_entry));
        let mut maps = Vec::new();
        maps.try_reserve(p.segments.len() + 1).map_err(|_| TeeError::OutOfMemory)?;
        for seg in p.segments.iter().filter(|seg| seg.len > 0) {
            // Never map past the image's own pages (other heap memory).
            if seg.offset.checked_add(seg.len).is_none_or(|end| end > image.len() as u64) {
                return Err(TeeError::BadFormat);
            }
            let (va, pa, attrs) = (IMAGE_VA + seg.offset, image.addr() + seg.offset, Attrs::user(seg.perm));
            maps.push(Mapping { va, pa, size: seg.len, attrs });
        }
        let stack_attrs = Attrs::user(Perm::ReadWrite);
        maps.push(Mapping { va: stack_va, pa: stack.addr(), size: stack.len() as u64, attrs: stack_attrs });
        tables.map_all(&maps).map_err(|e| match e {
            MapError::OutOfTables => TeeError::OutOfMemory,
            _ => TeeError::BadFormat,
        })?;
        let mut regions = UserRegions::default();
        for seg in &p.segments {
            regions.0.push(Region {
                va: IMAGE_VA + seg.offset,
                len: seg.len,
                kva: image.addr() + seg.offset,
                writable: seg.perm == Perm::ReadWrite,
                sharing: Sharing::Private,
            });
        }
        regions.0.push(Region {
            va: stack_va,
            len: stack.len() as u64,
            kva: stack.addr(),
            writable: true,
            sharing: Sharing::Private,
        });
        user::sync_icache();
        Ok(Instance {
            owner,
            uuid: *uuid,
            flags: p.flags,
            entry_va: IMAGE_VA + p.entry,
            stack_top: stack_va + stack.len() as u64,
            root,
            tables: OwnerLock::new(tables),
            regions,
            _image: image,
            _stack: stack,
            run_owner: SpinLock::new(None),
            ta_sessions: SpinLock::new(BTreeMap::new()),
            state: SpinLock::new(State { dead: false, sessions: 0 }),
            next_session: AtomicU32::new(1),
            clients: SpinLock::new(BTreeMap::new()),
            crypto: OwnerLock::new(crate::crypto::CryptoState::new()),
            storage: OwnerLock::new(crate::storage::StorageState::new()),
            zi_maps: OwnerLock::new(Vec::new()),
            system_sessions: SpinLock::new(BTreeSet::new()),
            tpidr: AtomicU64::new(0),
            linked: OwnerLock::new(super::dlopen::Linked::new(
                core::mem::take(&mut p.objects),
                IMAGE_VA + p.info_offset,
            )),
        })
    }

    fn mark_dead(&self) {
        self.state.lock().dead = true;
        self.owner.forget(&self.uuid);
    }

    /// Runs the entry point with `func`; returns the TA's result.
    fn run(&self, env: &mut dyn CallEnv, func: u64, session: u64, cmd: u32, params: &mut TaParams) -> Outcome {
        // One thread inside a TA at a time, waiting as upstream does (see
        // `thread::ta_gate`: no wait can be part of a cycle). The holder may
        // be parked in the normal world (RPC, preemption), so a waiter must
        // not spin here with interrupts masked: it sleeps in the normal
        // world between attempts.
        let me = thread_runtime::current_thread();
        let single = self.is_single_instance();
        let sleep = || super::syscall::sleep_in_normal_world(env, 1).map_err(raw_error);
        let _busy = match ta_gate::enter(&ta_gate::TA_GATE, &self.run_owner, me, single, sleep) {
            Ok(guard) => guard,
            Err(ta_gate::Refused::Busy) => return tee_refusal(TeeError::Busy),
            Err(ta_gate::Refused::Wait(e)) => return tee_refusal(e),
        };
        // TA-to-TA calls nest on this thread's stack: bounded as upstream.
        let Ok(_nested) = thread_runtime::enter_nested_run() else {
            return tee_refusal(TeeError::OutOfMemory);
        };
        if self.state.lock().dead {
            return tee_refusal(TeeError::TargetDead);
        }
        // A TA-to-TA caller's memrefs are secure memory; a client's are not.
        let from_ta = self.clients.lock().get(&session).is_some_and(|c| c.login == tee_abi::msg::LOGIN_TRUSTED_APP);
        let sharing = if from_ta { Sharing::SharedSecure } else { Sharing::SharedNonSecure };
        // Memory references: page-aligned copies mapped for this run only.
        let mut mapped: Vec<(usize, PageBuf, u64)> = Vec::new();
        let mut block = UteeParams::for_params(params);
        let mut next_va = PARAM_VA;
        let mut regions = self.regions.clone();
        regions.0.extend(self.zi_maps.lock().iter().map(ZiMap::region));
        regions.0.extend(self.linked.lock().regions().iter().copied());
        for (i, p) in params.0.iter().enumerate() {
            match p {
                TaParam::Memref { buf, dir, .. } if p.is_addressable_memref() => {
                    let Ok(mut copy) = PageBuf::new(buf.len()) else {
                        self.unmap_params(mapped);
                        return tee_refusal(TeeError::OutOfMemory);
                    };
                    copy.as_mut_slice()[..buf.len()].copy_from_slice(buf);
                    let perm = if dir.is_output() { Perm::ReadWrite } else { Perm::ReadOnly };
                    // All or nothing: on failure `copy` is not mapped at all.
                    if self.map_pages(next_va, &copy, perm).is_err() {
                        self.unmap_params(mapped);
                        return tee_refusal(TeeError::OutOfMemory);
                    }
                    regions.0.push(Region {
                        va: next_va,
                        len: buf.len() as u64,
                        kva: copy.addr(),
                        writable: dir.is_output(),
                        sharing,
                    });
                    block.set_memref_va(i, next_va);
                    let len = copy.len() as u64;
                    mapped.push((i, copy, next_va));
                    next_va += len + 4096;
                }
                _ => {}
            }
        }
        // struct utee_params at the top of the stack, 128 bytes below it.
        let up = self.stack_top - 128;
        let _ = regions.write(up, &block.to_bytes());

        let tpidr = self.tpidr.load(Ordering::Relaxed);
        let entry =
            UserEntry { args: [func, session, up, u64::from(cmd)], pc: self.entry_va, sp: up, spsr: SPSR_EL0, tpidr };
        let client = self.clients.lock().get(&session).copied().unwrap_or(ClientIdentity { login: 0, uuid: [0; 16] });
        // Held for the run: run_owner already keeps other threads out.
        let mut crypto = self.crypto.lock();
        let mut storage = self.storage.lock();
        let mut run = UserRun {
            instance: self,
            regions: &mut regions,
            env,
            cancel_masked: true,
            client,
            ta: self.uuid,
            crypto: &mut crypto,
            storage: &mut storage,
            ta_sessions: &self.ta_sessions,
            next_ta_session: &self.next_session,
            tpidr,
        };
        // SAFETY: `self.root` is this instance's tables (built by
        // `layout::start_ta_tables`, sharing the kernel's entries), which
        // live as long as `self`, and map the entry point and stack.
        let exit = unsafe { thread_runtime::run_user(self.root, &mut run as &mut dyn UserExceptionHandler, &entry) };
        // The instance's thread pointer for its next run (its TLS block).
        self.tpidr.store(run.tpidr, Ordering::Relaxed);

        // Outputs: values and sizes from utee_params, bytes from the copies.
        if let Some(back) = regions.read(up, utee_params::SIZE as u64).ok().and_then(|b| UteeParams::from_bytes(&b)) {
            back.copy_outputs(params, |i| mapped.iter().find(|(j, ..)| *j == i).map(|(_, copy, _)| copy.as_slice()));
        }
        self.unmap_params(mapped);
        if exit & EXIT_DEAD != 0 {
            self.mark_dead();
            return tee_refusal(TeeError::TargetDead);
        }
        // The TA's own result, whatever code it chose.
        (exit as u32, Origin::TrustedApp.code())
    }

    /// Maps `buf` at `va` for the TA (all or nothing), inside one of its
    /// areas, visible to the table walker before the TA runs again.
    fn map_pages(&self, va: u64, buf: &PageBuf, perm: Perm) -> TeeResult {
        let len = buf.len() as u64;
        if layout::ta_area_of(va, len).is_none() {
            return Err(TeeError::OutOfMemory);
        }
        self.map_user(va, buf.addr(), len, Attrs::user(perm))?;
        crate::arch::aarch64::tables_barrier();
        Ok(())
    }

    /// Unmaps `buf` from `va` and frees it only once no core can reach it:
    /// the tables no longer map it (blocks included) and every TLB has
    /// dropped it. Should the tables disagree, the memory is leaked, never
    /// freed while it might still be mapped.
    fn unmap_pages(&self, va: u64, buf: PageBuf) -> TeeResult {
        let len = buf.len() as u64;
        let unmapped = self.with_tables(|pt| {
            let r = pt.unmap(va, len);
            // Also after a failure: the tables may be live on another core.
            crate::arch::aarch64::invalidate_tlb_all_cores();
            r.map_err(|e| {
                log::error!("TA unmap {va:#x}+{len:#x} failed ({e:?}): leaking the memory");
                TeeError::Generic
            })
        });
        if unmapped.is_err() {
            core::mem::forget(buf);
        }
        unmapped
    }

    /// MAP_ZI: `len` zeroed bytes (whole pages) mapped read-write at the
    /// first free place of the ZI window, a guard page after each mapping.
    pub(super) fn map_zi(&self, len: u64, shareable: bool) -> Result<Region, TeeError> {
        let buf = PageBuf::new(len as usize)?;
        let size = buf.len() as u64;
        let mut maps = self.zi_maps.lock();
        let mut va = ZI_VA;
        for m in maps.iter() {
            if va + size + 4096 <= m.va {
                break;
            }
            va = m.va + m.buf.len() as u64 + 4096;
        }
        if va + size > ZI_VA + TA_AREA_SPAN {
            return Err(TeeError::OutOfMemory);
        }
        // All or nothing: on failure `buf` is not mapped and may be freed.
        self.map_pages(va, &buf, Perm::ReadWrite)?;
        let sharing = if shareable { Sharing::SharedSecure } else { Sharing::Private };
        let map = ZiMap { va, buf, sharing };
        let region = map.region();
        let at = maps.partition_point(|m| m.va < va);
        maps.insert(at, map);
        Ok(region)
    }

    /// UNMAP: exactly one earlier MAP_ZI (`len` rounds up to its pages).
    pub(super) fn unmap_zi(&self, va: u64, len: u64) -> TeeResult {
        let mut maps = self.zi_maps.lock();
        let at = maps
            .iter()
            .position(|m| m.va == va && len.next_multiple_of(4096) == m.buf.len() as u64)
            .ok_or(TeeError::BadParameters)?;
        let map = maps.remove(at);
        self.unmap_pages(map.va, map.buf)
    }

    fn unmap_params(&self, mapped: Vec<(usize, PageBuf, u64)>) {
        for (_, buf, va) in mapped {
            // A failure is logged and the copy leaked; the call goes on.
            let _ = self.unmap_pages(va, buf);
        }
    }

    pub(super) fn with_tables<R>(
        &self,
        f: impl FnOnce(&mut PageTables<'_>) -> Result<R, TeeError>,
    ) -> Result<R, TeeError> {
        self.tables.lock().edit(f)
    }

    /// Maps `[va, va + len)` to `pa` for the TA (all or nothing), its
    /// tables growing if need be; OUT_OF_MEMORY when they cannot.
    pub(super) fn map_user(&self, va: u64, pa: u64, len: u64, attrs: Attrs) -> TeeResult {
        self.tables.lock().map(va, pa, len, attrs).map_err(|_| TeeError::OutOfMemory)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // No run is left, so no core has these tables live; still, drop
        // every cached translation before the image, stack, MAP_ZI buffers
        // and the tables themselves go back to the heap.
        crate::arch::aarch64::invalidate_tlb_all_cores();
    }
}

impl Target for Instance {
    fn open_session(
        &self,
        env: &mut dyn CallEnv,
        client: &ClientIdentity,
        params: &mut TaParams,
    ) -> Result<u64, Outcome> {
        {
            let state = self.state.lock();
            if state.dead {
                return Err(tee_refusal(TeeError::TargetDead));
            }
            if state.sessions > 0 && self.flags & FLAG_MULTI_SESSION == 0 {
                return Err(tee_refusal(TeeError::Busy));
            }
            if state.sessions >= MAX_SESSIONS_PER_INSTANCE {
                return Err(tee_refusal(TeeError::OutOfMemory));
            }
        }
        let id = self.next_session.fetch_add(1, Ordering::Relaxed);
        self.clients.lock().insert(u64::from(id), *client);
        let (ret, origin) = self.run(env, FUNC_OPEN_SESSION, u64::from(id), 0, params);
        if TeeError::from_raw(ret).is_err() {
            self.clients.lock().remove(&u64::from(id));
            self.retire_if_unused();
            return Err((ret, origin));
        }
        self.state.lock().sessions += 1;
        Ok(u64::from(id))
    }

    fn invoke(&self, env: &mut dyn CallEnv, handle: u64, cmd: u32, params: &mut TaParams) -> Outcome {
        self.run(env, FUNC_INVOKE_COMMAND, handle, cmd, params)
    }

    fn close_session(&self, env: &mut dyn CallEnv, handle: u64) {
        if !self.state.lock().dead {
            let _ = self.run(env, FUNC_CLOSE_SESSION, handle, 0, &mut TaParams::none());
        }
        self.clients.lock().remove(&handle);
        {
            let mut state = self.state.lock();
            state.sessions = state.sessions.saturating_sub(1);
        }
        self.retire_if_unused();
    }
}

impl Instance {
    /// Drops a single instance from the cache once no session uses it (unless
    /// it asked to be kept alive); the last `Arc` frees its memory.
    fn retire_if_unused(&self) {
        let state = self.state.lock();
        if state.sessions == 0 && (self.flags & FLAG_KEEP_ALIVE == 0 || state.dead) {
            drop(state);
            self.owner.forget(&self.uuid);
        }
    }
}
