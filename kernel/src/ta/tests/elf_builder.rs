//! A minimal ELF64 writer for hand-made test images, and helpers to run them.

use std::vec::Vec;

use super::support::HELLO_UUID;
use crate::ta::elf::DEFAULT_MAX_SPAN;
use crate::ta::{TaError, TaImage};

pub const BASE: u64 = 0x4000_0000;

pub fn parse(file: &[u8]) -> Result<TaImage<'_>, TaError> {
    TaImage::parse(file, DEFAULT_MAX_SPAN)
}

pub fn loaded(spec: &ElfSpec) -> Vec<u8> {
    let file = spec.build();
    let img = parse(&file).unwrap();
    let mut mem = vec![0x5a; img.span()];
    img.load(BASE, &mut mem).unwrap();
    mem
}

pub fn err(spec: &ElfSpec) -> TaError {
    parse(&spec.build()).unwrap_err()
}

pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;
pub const R_NONE: u32 = 0;
pub const R_ABS64: u32 = 257;
pub const R_GLOB_DAT: u32 = 1025;
pub const R_JUMP_SLOT: u32 = 1026;
pub const R_RELATIVE: u32 = 1027;

#[derive(Clone)]
pub struct Seg {
    pub vaddr: u64,
    pub flags: u32,
    pub data: Vec<u8>,
    pub memsz: u64,
}

#[derive(Clone)]
pub struct Sym {
    pub name: &'static str,
    pub value: u64,
    pub shndx: u16,
    /// `st_info`: bind << 4 | type.
    pub info: u8,
}

#[derive(Clone, Copy)]
pub struct Rela {
    pub offset: u64,
    pub rtype: u32,
    pub sym: u32,
    pub addend: i64,
}

impl Rela {
    /// A relocation record in one line.
    pub const fn new(offset: u64, rtype: u32, sym: u32, addend: i64) -> Rela {
        Rela { offset, rtype, sym, addend }
    }
}

impl Sym {
    /// A symbol in one line.
    pub const fn new(name: &'static str, value: u64, shndx: u16, info: u8) -> Sym {
        Sym { name, value, shndx, info }
    }
}

/// Which tables describe the relocations.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tables {
    /// Section headers (.dynsym, .dynstr, .rela.dyn) and PT_DYNAMIC.
    Sections,
    /// PT_DYNAMIC only, no section headers.
    DynamicOnly,
}

#[derive(Clone)]
pub struct ElfSpec {
    pub segs: Vec<Seg>,
    pub syms: Vec<Sym>,
    pub relas: Vec<Rela>,
    pub entry: u64,
    pub tables: Tables,
    pub needed: bool,
    /// More `DT_NEEDED` strings (library UUIDs, or anything).
    pub needed_names: Vec<&'static str>,
    /// `DT_SONAME`.
    pub soname: Option<&'static str>,
    /// A `PT_TLS` header: (vaddr, filesz, memsz).
    pub tls: Option<(u64, u64, u64)>,
    /// Where the read-only segment holding the tables goes.
    pub meta_vaddr: u64,
}

/// A ta_head for [`HELLO_UUID`]: stack 0x2800, SINGLE_INSTANCE|MULTI_SESSION.
pub fn ta_head_bytes(flags: u32, depr_entry: u64) -> Vec<u8> {
    let o = HELLO_UUID.to_octets();
    let mut b = Vec::new();
    b.extend_from_slice(&[o[3], o[2], o[1], o[0], o[5], o[4], o[7], o[6]]);
    b.extend_from_slice(&o[8..]);
    b.extend_from_slice(&0x2800u32.to_le_bytes());
    b.extend_from_slice(&flags.to_le_bytes());
    b.extend_from_slice(&depr_entry.to_le_bytes());
    b
}

impl ElfSpec {
    /// R segment (ta_head at 0x100), RX text at 0x1000, RW data+bss at
    /// 0x2000; a RELATIVE and an ABS64 relocation in data.
    pub fn minimal() -> Self {
        let mut rodata = vec![0u8; 0x100];
        rodata.extend(ta_head_bytes(0xc, u64::MAX));
        Self {
            segs: vec![
                Seg { vaddr: 0, flags: PF_R, data: rodata, memsz: 0x120 },
                Seg { vaddr: 0x1000, flags: PF_R | PF_X, data: vec![0x1f, 0x20, 0x03, 0xd5], memsz: 4 },
                Seg { vaddr: 0x2000, flags: PF_R | PF_W, data: vec![0xaa; 0x20], memsz: 0x1800 },
            ],
            syms: vec![Sym::new("ta_head", 0x100, 1, 0x11)],
            relas: vec![Rela::new(0x2000, R_RELATIVE, 0, 0x1000), Rela::new(0x2008, R_ABS64, 1, 4)],
            entry: 0x1000,
            tables: Tables::Sections,
            needed: false,
            needed_names: Vec::new(),
            soname: None,
            tls: None,
            meta_vaddr: 0x4000,
        }
    }

    /// Writes the ELF file.
    pub fn build(&self) -> Vec<u8> {
        // Tables: dynsym (null + syms), dynstr, rela, dynamic.
        let mut dynstr = vec![0u8];
        let mut name_offs = Vec::new();
        for s in &self.syms {
            name_offs.push(dynstr.len() as u32);
            dynstr.extend_from_slice(s.name.as_bytes());
            dynstr.push(0);
        }
        let needed_off = dynstr.len() as u64;
        dynstr.extend_from_slice(b"8aaaf200-2450-11e4-abe2-0002a5d5c51b\0");
        let mut extra_names = Vec::new();
        for n in self.needed_names.iter().chain(self.soname.iter()) {
            extra_names.push(dynstr.len() as u64);
            dynstr.extend_from_slice(n.as_bytes());
            dynstr.push(0);
        }
        let mut dynsym = vec![0u8; 24];
        for (s, &n) in self.syms.iter().zip(&name_offs) {
            dynsym.extend_from_slice(&n.to_le_bytes());
            dynsym.push(s.info);
            dynsym.push(0);
            dynsym.extend_from_slice(&s.shndx.to_le_bytes());
            dynsym.extend_from_slice(&s.value.to_le_bytes());
            dynsym.extend_from_slice(&0u64.to_le_bytes());
        }
        let mut rela = Vec::new();
        for r in &self.relas {
            rela.extend_from_slice(&r.offset.to_le_bytes());
            rela.extend_from_slice(&((u64::from(r.sym) << 32) | u64::from(r.rtype)).to_le_bytes());
            rela.extend_from_slice(&r.addend.to_le_bytes());
        }
        // Meta segment layout: dynsym | dynstr (8-aligned) | rela | dynamic.
        let m = self.meta_vaddr;
        let sym_at = 0u64;
        let str_at = sym_at + dynsym.len() as u64;
        let rela_at = (str_at + dynstr.len() as u64 + 7) & !7;
        let dyn_at = rela_at + rela.len() as u64;
        let mut dynamic = Vec::new();
        let mut tag = |t: u64, v: u64| {
            dynamic.extend_from_slice(&t.to_le_bytes());
            dynamic.extend_from_slice(&v.to_le_bytes());
        };
        tag(6, m + sym_at); // DT_SYMTAB
        tag(11, 24); // DT_SYMENT
        tag(5, m + str_at); // DT_STRTAB
        tag(10, dynstr.len() as u64); // DT_STRSZ
        tag(7, m + rela_at); // DT_RELA
        tag(8, rela.len() as u64); // DT_RELASZ
        tag(9, 24); // DT_RELAENT
        if self.needed {
            tag(1, needed_off); // DT_NEEDED
        }
        for &off in &extra_names[..self.needed_names.len()] {
            tag(1, off); // DT_NEEDED
        }
        if self.soname.is_some() {
            tag(14, extra_names[self.needed_names.len()]); // DT_SONAME
        }
        tag(0, 0);
        let mut meta = dynsym.clone();
        meta.extend_from_slice(&dynstr);
        meta.resize(rela_at as usize, 0);
        meta.extend_from_slice(&rela);
        meta.extend_from_slice(&dynamic);

        let mut segs = self.segs.clone();
        segs.push(Seg { vaddr: m, flags: PF_R, memsz: meta.len() as u64, data: meta });
        let phnum = segs.len() + 1 + usize::from(self.tls.is_some());
        let mut file = vec![0u8; 64 + 56 * phnum];
        let mut offs = Vec::new();
        for s in &segs {
            // Next file offset congruent to vaddr modulo the page size.
            let mut o = file.len() as u64;
            o = (o & !0xfff) + (s.vaddr & 0xfff);
            if o < file.len() as u64 {
                o += 0x1000;
            }
            file.resize(o as usize, 0);
            file.extend_from_slice(&s.data);
            offs.push(o);
        }
        let meta_off = *offs.last().unwrap();

        // Section headers: null, .dynsym, .dynstr, .rela.dyn, .shstrtab.
        let shstr = b"\0.dynsym\0.dynstr\0.rela.dyn\0.shstrtab\0";
        let (shnum, shoff) = if self.tables == Tables::Sections {
            let shstr_off = file.len() as u64;
            file.extend_from_slice(shstr);
            file.resize((file.len() + 7) & !7, 0);
            let shoff = file.len() as u64;
            let sh = |name: u32, ty: u32, off: u64, size: u64, link: u32, ent: u64| {
                let mut b = Vec::new();
                b.extend_from_slice(&name.to_le_bytes());
                b.extend_from_slice(&ty.to_le_bytes());
                b.extend_from_slice(&2u64.to_le_bytes()); // SHF_ALLOC
                b.extend_from_slice(&(off - meta_off + m).to_le_bytes()); // sh_addr
                b.extend_from_slice(&off.to_le_bytes());
                b.extend_from_slice(&size.to_le_bytes());
                b.extend_from_slice(&link.to_le_bytes());
                b.extend_from_slice(&0u32.to_le_bytes());
                b.extend_from_slice(&8u64.to_le_bytes());
                b.extend_from_slice(&ent.to_le_bytes());
                b
            };
            file.extend_from_slice(&[0u8; 64]);
            file.extend(sh(1, 11, meta_off + sym_at, dynsym.len() as u64, 2, 24));
            file.extend(sh(9, 3, meta_off + str_at, dynstr.len() as u64, 0, 0));
            file.extend(sh(17, 4, meta_off + rela_at, rela.len() as u64, 1, 24));
            let mut last = sh(27, 3, shstr_off, shstr.len() as u64, 0, 0);
            last[8..24].fill(0);
            file.extend(last);
            (5u16, shoff)
        } else {
            (0, 0)
        };

        // ELF header.
        let h = &mut file[..64];
        h[..8].copy_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
        h[16..18].copy_from_slice(&3u16.to_le_bytes()); // ET_DYN
        h[18..20].copy_from_slice(&183u16.to_le_bytes()); // EM_AARCH64
        h[20..24].copy_from_slice(&1u32.to_le_bytes());
        h[24..32].copy_from_slice(&self.entry.to_le_bytes());
        h[32..40].copy_from_slice(&64u64.to_le_bytes()); // e_phoff
        h[40..48].copy_from_slice(&shoff.to_le_bytes());
        h[52..54].copy_from_slice(&64u16.to_le_bytes());
        h[54..56].copy_from_slice(&56u16.to_le_bytes());
        h[56..58].copy_from_slice(&(phnum as u16).to_le_bytes());
        h[58..60].copy_from_slice(&64u16.to_le_bytes());
        h[60..62].copy_from_slice(&shnum.to_le_bytes());
        h[62..64].copy_from_slice(&(if shnum == 0 { 0u16 } else { 4 }).to_le_bytes());

        // Program headers: the PT_LOADs, then PT_DYNAMIC.
        let mut ph = Vec::new();
        for (s, &o) in segs.iter().zip(&offs) {
            ph.push((1u32, s.flags, o, s.vaddr, s.data.len() as u64, s.memsz));
        }
        ph.push((2, PF_R | PF_W, meta_off + dyn_at, m + dyn_at, dynamic.len() as u64, dynamic.len() as u64));
        if let Some((va, fsz, msz)) = self.tls {
            ph.push((7, PF_R, va, va, fsz, msz)); // PT_TLS (offset = vaddr: tests only)
        }
        for (i, (ty, fl, o, va, fsz, msz)) in ph.into_iter().enumerate() {
            let p = &mut file[64 + 56 * i..64 + 56 * (i + 1)];
            p[0..4].copy_from_slice(&ty.to_le_bytes());
            p[4..8].copy_from_slice(&fl.to_le_bytes());
            p[8..16].copy_from_slice(&o.to_le_bytes());
            p[16..24].copy_from_slice(&va.to_le_bytes());
            p[24..32].copy_from_slice(&va.to_le_bytes());
            p[32..40].copy_from_slice(&fsz.to_le_bytes());
            p[40..48].copy_from_slice(&msz.to_le_bytes());
            p[48..56].copy_from_slice(&0x1000u64.to_le_bytes());
        }
        file
    }
}
