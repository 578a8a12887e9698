//! A hostile tee-supplicant: `tz-xtest --hostile-supp FAULT_FILE`, run by
//! test 6005 in place of the real one. It serves what our kernel and
//! upstream OP-TEE ask of tee-supplicant (protocol facts from optee_client
//! 4.5.0 `tee-supplicant/src/tee_supplicant.c`, `tee_supp_fs.c`; optee_os
//! 4.5.0 `core/include/optee_rpc_cmd.h`): shared memory (`SHM_ALLOC` /
//! `SHM_FREE`), an in-memory REE file system (`FS`) and TA files from
//! `/lib/optee_armtz` (`LOAD_TA`) — honestly, except for the [`Fault`]
//! named in `FAULT_FILE` when a request arrives (the test rewrites it).

use std::collections::BTreeMap;
use std::os::fd::{AsFd, OwnedFd};

use teec::uapi::attr::{META as ATTR_META, TYPE_MASK as ATTR_TYPE_MASK};
use teec::uapi::{self, AllocatedShm as Shm, IoctlParam as Param, SUPP_MAX_PARAMS, SuppArg};

/// `OPTEE_RPC_CMD_*`.
const CMD_LOAD_TA: u32 = 0;
const CMD_FS: u32 = 2;
const CMD_SHM_ALLOC: u32 = 6;
const CMD_SHM_FREE: u32 = 7;

/// `TEEC_*` results.
const OK: u32 = 0;
const BAD_PARAMETERS: u32 = 0xFFFF_0006;
const ITEM_NOT_FOUND: u32 = 0xFFFF_0008;
const NOT_SUPPORTED: u32 = 0xFFFF_000A;
const OUT_OF_MEMORY: u32 = 0xFFFF_000C;
const ACCESS_CONFLICT: u32 = 0xFFFF_0003;
const SHORT_BUFFER: u32 = 0xFFFF_0010;
/// What [`Fault::OddResult`] answers: no `TEE_Result` the protocol knows,
/// and below the error range (GP's 0x0000_0001..0x7FFF_FFFF are reserved).
pub const ODD_RESULT: u32 = 0x0000_1234;

/// Where tee-supplicant finds TA files (its default `TEEC_LOAD_PATH`).
const TA_DIR: &str = "/lib/optee_armtz";

/// How the supplicant lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// None: serve honestly.
    Honest,
    /// FS READ answers a size 4 KiB past the buffer it was given.
    ReadPastBuffer,
    /// FS READ fills the buffer with garbage (honest size).
    ReadGarbage,
    /// FS READ gives half the bytes it has, as if the file ended there.
    ReadShort,
    /// Every FS request answers [`ODD_RESULT`].
    OddResult,
    /// LOAD_TA's size query answers 1 GiB.
    TaHugeSize,
    /// LOAD_TA gives the first half of the file, as if it were all.
    TaTruncated,
    /// LOAD_TA's file has one byte flipped in the middle.
    TaCorrupt,
    /// LOAD_TA's second answer says the file is 4 KiB longer than the buffer.
    TaPastBuffer,
    /// SHM_ALLOC hands out half the size asked, for buffers of more than a page.
    ShmShort,
    /// Requests are taken and never answered (until the supplicant dies).
    Silent,
}

impl Fault {
    pub const ALL: [(Fault, &'static str); 11] = [
        (Fault::Honest, "honest"),
        (Fault::ReadPastBuffer, "read-past-buffer"),
        (Fault::ReadGarbage, "read-garbage"),
        (Fault::ReadShort, "read-short"),
        (Fault::OddResult, "odd-result"),
        (Fault::TaHugeSize, "ta-huge-size"),
        (Fault::TaTruncated, "ta-truncated"),
        (Fault::TaCorrupt, "ta-corrupt"),
        (Fault::TaPastBuffer, "ta-past-buffer"),
        (Fault::ShmShort, "shm-short"),
        (Fault::Silent, "silent"),
    ];

    pub fn name(self) -> &'static str {
        Fault::ALL.iter().find(|(f, _)| *f == self).map_or("?", |(_, n)| n)
    }

    fn parse(s: &str) -> Fault {
        Fault::ALL.iter().find(|(_, n)| *n == s.trim()).map_or(Fault::Honest, |(f, _)| *f)
    }
}

/// The in-memory REE file system: files by name, open descriptors.
#[derive(Default)]
struct MemFs {
    files: BTreeMap<String, Vec<u8>>,
    fds: BTreeMap<u64, String>,
    dirs: BTreeMap<u64, Vec<String>>,
    next: u64,
}

struct Supplicant {
    dev: OwnedFd,
    shms: BTreeMap<i32, Shm>,
    fs: MemFs,
    fault: Fault,
}

fn is_memref(p: &Param) -> bool {
    (5..=7).contains(&(p.attr & ATTR_TYPE_MASK))
}

impl Supplicant {
    /// The bytes of memref `p` in our buffers; `None` for a null or
    /// unknown buffer or a range outside it.
    fn buf(&mut self, p: &Param) -> Option<&mut [u8]> {
        if !is_memref(p) {
            return None;
        }
        let shm = self.shms.get_mut(&i32::try_from(p.c).ok()?)?;
        let end = p.a.checked_add(p.b)?;
        shm.bytes().get_mut(usize::try_from(p.a).ok()?..usize::try_from(end).ok()?)
    }

    fn name(&mut self, p: &Param) -> Option<String> {
        let raw = self.buf(p)?;
        let end = raw.iter().position(|b| *b == 0).unwrap_or(raw.len());
        String::from_utf8(raw[..end].to_vec()).ok()
    }

    fn handle(&mut self, func: u32, p: &mut [Param]) -> u32 {
        match func {
            CMD_SHM_ALLOC => self.shm_alloc(p),
            CMD_SHM_FREE => match p {
                [v] => self.shms.remove(&(v.b as i32)).map_or(BAD_PARAMETERS, |_| OK),
                _ => BAD_PARAMETERS,
            },
            CMD_LOAD_TA => self.load_ta(p),
            CMD_FS if self.fault == Fault::OddResult => ODD_RESULT,
            CMD_FS => self.fs(p),
            _ => NOT_SUPPORTED,
        }
    }

    fn shm_alloc(&mut self, p: &mut [Param]) -> u32 {
        let [v] = p else { return BAD_PARAMETERS };
        let mut size = v.b as usize;
        // Linux rounds buffers up to whole pages, so only one of more than a
        // page can be made short; smaller ones stay honest.
        if self.fault == Fault::ShmShort && size > 4096 {
            size /= 2;
        }
        match Shm::new(self.dev.as_fd(), size) {
            Ok(shm) => {
                v.c = shm.id as u64;
                self.shms.insert(shm.id, shm);
                OK
            }
            Err(_) => OUT_OF_MEMORY,
        }
    }

    /// Two phases, as tee-supplicant: without a buffer, the file's size;
    /// with one, the file in it (SHORT_BUFFER if it does not fit).
    fn load_ta(&mut self, p: &mut [Param]) -> u32 {
        let [uuid, mem] = p else { return BAD_PARAMETERS };
        let mut octets = [0u8; 16];
        octets[..8].copy_from_slice(&uuid.a.to_le_bytes());
        octets[8..].copy_from_slice(&uuid.b.to_le_bytes());
        let h: String = octets.iter().map(|b| format!("{b:02x}")).collect();
        let path = format!("{TA_DIR}/{}-{}-{}-{}-{}.ta", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]);
        let Ok(mut file) = std::fs::read(&path) else { return ITEM_NOT_FOUND };
        match self.fault {
            Fault::TaTruncated => file.truncate(file.len() / 2),
            Fault::TaCorrupt => {
                let mid = file.len() / 2;
                file[mid] ^= 0x5a;
            }
            _ => {}
        }
        let mem_param = *mem;
        let fault = self.fault;
        let Some(buf) = self.buf(&mem_param) else {
            mem.b = if fault == Fault::TaHugeSize { 1 << 30 } else { file.len() as u64 };
            return OK;
        };
        if buf.len() < file.len() {
            mem.b = file.len() as u64;
            return SHORT_BUFFER;
        }
        buf[..file.len()].copy_from_slice(&file);
        mem.b = file.len() as u64 + if fault == Fault::TaPastBuffer { 4096 } else { 0 };
        OK
    }

    fn fs(&mut self, p: &mut [Param]) -> u32 {
        const OPEN: u64 = 0;
        const CREATE: u64 = 1;
        const CLOSE: u64 = 2;
        const READ: u64 = 3;
        const WRITE: u64 = 4;
        const TRUNCATE: u64 = 5;
        const REMOVE: u64 = 6;
        const RENAME: u64 = 7;
        const OPENDIR: u64 = 8;
        const CLOSEDIR: u64 = 9;
        const READDIR: u64 = 10;
        let Some(&head) = p.first() else { return BAD_PARAMETERS };
        let fs_fd = head.b;
        match (head.a, p.len()) {
            (OPEN | CREATE | OPENDIR, 3) => {
                let Some(name) = self.name(&p[1]) else { return BAD_PARAMETERS };
                let fs = &mut self.fs;
                fs.next += 1;
                let handle = fs.next;
                match head.a {
                    OPEN if !fs.files.contains_key(&name) => return ITEM_NOT_FOUND,
                    CREATE => {
                        fs.files.insert(name.clone(), Vec::new());
                    }
                    OPENDIR => {
                        let prefix = format!("{}/", name.trim_end_matches('/'));
                        let entries: Vec<String> = fs
                            .files
                            .keys()
                            .filter_map(|k| k.strip_prefix(&prefix))
                            .map(|rest| rest.split('/').next().unwrap_or(rest).to_owned())
                            .collect();
                        if entries.is_empty() {
                            return ITEM_NOT_FOUND;
                        }
                        fs.dirs.insert(handle, entries);
                        p[2].a = handle;
                        return OK;
                    }
                    _ => {}
                }
                fs.fds.insert(handle, name);
                p[2].a = handle;
                OK
            }
            (CLOSE, 1) => self.fs.fds.remove(&fs_fd).map_or(BAD_PARAMETERS, |_| OK),
            (CLOSEDIR, 1) => self.fs.dirs.remove(&fs_fd).map_or(BAD_PARAMETERS, |_| OK),
            (READ, 2) => {
                let Some(name) = self.fs.fds.get(&fs_fd).cloned() else { return BAD_PARAMETERS };
                let data = self.fs.files.get(&name).cloned().unwrap_or_default();
                let fault = self.fault;
                let mem = p[1];
                let Some(buf) = self.buf(&mem) else { return BAD_PARAMETERS };
                let from = (head.c as usize).min(data.len());
                let mut n = (data.len() - from).min(buf.len());
                if fault == Fault::ReadShort {
                    n /= 2;
                }
                buf[..n].copy_from_slice(&data[from..from + n]);
                if fault == Fault::ReadGarbage {
                    buf[..n].iter_mut().enumerate().for_each(|(i, b)| *b = (i as u8).wrapping_mul(37) ^ 0xa5);
                }
                p[1].b = n as u64 + if fault == Fault::ReadPastBuffer { 4096 } else { 0 };
                OK
            }
            (WRITE, 2) => {
                let Some(name) = self.fs.fds.get(&fs_fd).cloned() else { return BAD_PARAMETERS };
                let mem = p[1];
                let Some(data) = self.buf(&mem).map(|b| b.to_vec()) else { return BAD_PARAMETERS };
                let file = self.fs.files.entry(name).or_default();
                let at = head.c as usize;
                let Some(end) = at.checked_add(data.len()).filter(|e| *e <= 64 << 20) else { return BAD_PARAMETERS };
                if file.len() < end {
                    file.resize(end, 0);
                }
                file[at..end].copy_from_slice(&data);
                OK
            }
            (TRUNCATE, 1) => {
                let Some(name) = self.fs.fds.get(&fs_fd).cloned() else { return BAD_PARAMETERS };
                if head.c > 64 << 20 {
                    return BAD_PARAMETERS;
                }
                self.fs.files.entry(name).or_default().resize(head.c as usize, 0);
                OK
            }
            (REMOVE, 2) => {
                let Some(name) = self.name(&p[1]) else { return BAD_PARAMETERS };
                self.fs.files.remove(&name).map_or(ITEM_NOT_FOUND, |_| OK)
            }
            (RENAME, 3) => {
                let (Some(old), Some(new)) = (self.name(&p[1]), self.name(&p[2])) else { return BAD_PARAMETERS };
                let fs = &mut self.fs;
                if head.b == 0 && fs.files.contains_key(&new) {
                    return ACCESS_CONFLICT;
                }
                let Some(data) = fs.files.remove(&old) else { return ITEM_NOT_FOUND };
                fs.files.insert(new, data);
                OK
            }
            (READDIR, 2) => {
                let Some(next) = self.fs.dirs.get_mut(&fs_fd).and_then(|d| d.pop()) else { return ITEM_NOT_FOUND };
                let mem = p[1];
                let Some(buf) = self.buf(&mem) else { return BAD_PARAMETERS };
                let needed = next.len() + 1;
                p[1].b = needed as u64;
                if buf.len() < needed {
                    return SHORT_BUFFER;
                }
                buf[..next.len()].copy_from_slice(next.as_bytes());
                buf[next.len()] = 0;
                OK
            }
            _ => BAD_PARAMETERS,
        }
    }
}

/// Opens `/dev/teepriv0`, retrying while the previous supplicant's
/// descriptor is still being released (EBUSY), for up to 5 s.
fn open_dev() -> std::io::Result<OwnedFd> {
    let mut tries = 0;
    loop {
        match std::fs::OpenOptions::new().read(true).write(true).open("/dev/teepriv0") {
            Ok(f) => return Ok(f.into()),
            Err(e) if tries < 50 => {
                tries += 1;
                let _ = e;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Where the supplicant writes how many of its buffers the TEE holds,
/// after each request.
pub const SHMS_FILE: &str = "/run/tz-hostile-shms";

/// `tz-xtest --hostile-supp FAULT_FILE`: prints `ready` once the device is
/// open, then serves until killed.
pub fn main(fault_file: &str) -> ! {
    let dev = match open_dev() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("hostile-supp: /dev/teepriv0: {e}");
            std::process::exit(2);
        }
    };
    let _ = std::fs::write(SHMS_FILE, "0");
    println!("ready");
    let mut s = Supplicant { dev, shms: BTreeMap::new(), fs: MemFs::default(), fault: Fault::Honest };
    let mut arg = SuppArg::default();
    loop {
        if let Err(e) = uapi::supp_recv(s.dev.as_fd(), &mut arg) {
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            eprintln!("hostile-supp: SUPPL_RECV: {e}");
            std::process::exit(3);
        }
        s.fault = Fault::parse(&std::fs::read_to_string(fault_file).unwrap_or_default());
        if s.fault == Fault::Silent {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(60));
            }
        }
        let n = (arg.num_params as usize).min(SUPP_MAX_PARAMS);
        let meta = usize::from(n > 0 && arg.params[0].attr & ATTR_META != 0);
        let func = arg.func_or_ret;
        let ret = s.handle(func, &mut arg.params[meta..n]);
        eprintln!("hostile-supp: {} func {func} -> {ret:#x}", s.fault.name());
        let _ = std::fs::write(SHMS_FILE, s.shms.len().to_string());
        arg.func_or_ret = ret;
        if let Err(e) = uapi::supp_send(s.dev.as_fd(), &mut arg) {
            eprintln!("hostile-supp: SUPPL_SEND: {e}");
        }
    }
}
