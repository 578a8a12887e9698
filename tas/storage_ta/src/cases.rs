//! Commands (all: param 0 VALUE_INPUT, param 1 VALUE_OUTPUT; the call itself
//! succeeds, the verdict is in the output: `a` = failing step (0 = pass),
//! `b` = the TEE_Result seen there):
//!
//! - 0 `RUN_CASE(a = case)`: one self-contained case, which cleans up after
//!   itself (see [`run_case`]).
//! - 1 `PUT_MARK(a = byte)`: creates (OVERWRITE) object `mark` = 16 × byte.
//! - 2 `GET_MARK`: opens `mark`; output `a` = 0, `b` = its first byte, or
//!   `a` = 1, `b` = the error (ITEM_NOT_FOUND when this TA has none).
//! - 3 `DEL_MARK`: deletes `mark` if there is one.
//! - 4 `CRASH_WRITE(a = generation, b = index)`: (re)writes object
//!   `crash-<index>` (16 KiB, see [`crash_image`]) with `generation`, in one
//!   `write` over the existing object (created on first use).
//! - 5 `CRASH_VERIFY(a = index)`: reads `crash-<index>` back; output `a` = 0,
//!   `b` = its generation when every word agrees, else the failing step and
//!   what was seen (1: open error, 2: read error, 3: length, 4: index of the
//!   first word of another generation, 5: index word, 6: checksum word).

extern crate alloc;

use alloc::vec::Vec;
use ta_sdk::storage::{Enumerator, MAX_ID_LEN, PersistentObject, Storage, Whence, flags};
use ta_sdk::{ParamType as T, Params, TeeError, TeeResult, TrustedApp};

pub struct StorageTa;

const RW: u32 = flags::ACCESS_READ | flags::ACCESS_WRITE | flags::ACCESS_WRITE_META;
const P: Storage = Storage::Private;

/// A failed step: its number and what it saw.
struct Fail(u32, u32);

type Step<T> = Result<T, Fail>;

fn at<T>(step: u32, r: TeeResult<T>) -> Step<T> {
    r.map_err(|e| Fail(step, e.code()))
}

fn want_err<T>(step: u32, r: TeeResult<T>, want: TeeError) -> Step<()> {
    match r {
        Err(e) if e == want => Ok(()),
        Err(e) => Err(Fail(step, e.code())),
        Ok(_) => Err(Fail(step, 0)),
    }
}

fn check(step: u32, ok: bool) -> Step<()> {
    if ok { Ok(()) } else { Err(Fail(step, 0xffff_ffff)) }
}

fn remove(id: &[u8]) {
    if let Ok(o) = PersistentObject::open(P, id, RW) {
        let _ = o.delete();
    }
}

fn read_all(step: u32, id: &[u8]) -> Step<Vec<u8>> {
    let mut o = at(step, PersistentObject::open(P, id, flags::ACCESS_READ))?;
    at(step, o.read_to_end())
}

fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Size of a crash-test object.
const CRASH_LEN: usize = 16 * 1024;

fn crash_id(index: u32) -> alloc::string::String {
    alloc::format!("crash-{index}")
}

fn crash_check_word(generation: u32, index: u32) -> u32 {
    generation.wrapping_mul(0x9E37_79B1) ^ index ^ 0xC0FF_EE00
}

/// A crash-test object: `generation` in every 4-byte word (little endian)
/// but the last two, which hold `index` and a check word of both.
fn crash_image(generation: u32, index: u32) -> Vec<u8> {
    let words = CRASH_LEN / 4;
    let mut v = Vec::with_capacity(CRASH_LEN);
    for _ in 0..words - 2 {
        v.extend_from_slice(&generation.to_le_bytes());
    }
    v.extend_from_slice(&index.to_le_bytes());
    v.extend_from_slice(&crash_check_word(generation, index).to_le_bytes());
    v
}

fn crash_write(generation: u32, index: u32) -> Step<u32> {
    let id = crash_id(index);
    let data = crash_image(generation, index);
    match PersistentObject::open(P, id.as_bytes(), RW) {
        Ok(mut o) => {
            at(2, o.seek(0, Whence::Set))?;
            at(3, o.write(&data))?;
        }
        Err(TeeError::ItemNotFound) => drop(at(4, PersistentObject::create(P, id.as_bytes(), RW, &data))?),
        Err(e) => return Err(Fail(1, e.code())),
    }
    Ok(0)
}

fn crash_verify(index: u32) -> Step<u32> {
    let id = crash_id(index);
    let mut o = at(1, PersistentObject::open(P, id.as_bytes(), flags::ACCESS_READ))?;
    let d = at(2, o.read_to_end())?;
    if d.len() != CRASH_LEN {
        return Err(Fail(3, d.len() as u32));
    }
    let word = |k: usize| u32::from_le_bytes([d[4 * k], d[4 * k + 1], d[4 * k + 2], d[4 * k + 3]]);
    let words = CRASH_LEN / 4;
    let generation = word(0);
    if let Some(k) = (0..words - 2).find(|&k| word(k) != generation) {
        return Err(Fail(4, k as u32));
    }
    check(5, word(words - 2) == index)?;
    if word(words - 1) != crash_check_word(generation, index) {
        return Err(Fail(6, word(words - 1)));
    }
    Ok(generation)
}

/// The cases, by number.
fn run_case(case: u32) -> Step<()> {
    match case {
        // create / read back
        1 => {
            remove(b"basic");
            let o = at(1, PersistentObject::create(P, b"basic", RW, b"hello storage"))?;
            let info = at(2, o.info())?;
            check(3, info.data_size == 13 && info.data_position == 0)?;
            check(4, info.handle_flags & 0x3_0000 == 0x3_0000)?;
            drop(o);
            check(5, read_all(6, b"basic")? == b"hello storage")?;
            remove(b"basic");
            Ok(())
        }
        // OVERWRITE replaces; without it ACCESS_CONFLICT
        2 => {
            remove(b"ow");
            drop(at(1, PersistentObject::create(P, b"ow", RW, b"first"))?);
            want_err(2, PersistentObject::create(P, b"ow", RW, b"second"), TeeError::AccessConflict)?;
            check(3, read_all(4, b"ow")? == b"first")?;
            drop(at(5, PersistentObject::create(P, b"ow", RW | flags::OVERWRITE, b"second!"))?);
            check(6, read_all(7, b"ow")? == b"second!")?;
            remove(b"ow");
            Ok(())
        }
        // sharing rules: WRITE_META is exclusive, readers need SHARE_READ
        3 => {
            remove(b"share");
            let a = at(1, PersistentObject::create(P, b"share", RW, b"x"))?;
            want_err(2, PersistentObject::open(P, b"share", flags::ACCESS_READ), TeeError::AccessConflict)?;
            // creating an object that is open is a conflict even with OVERWRITE
            want_err(3, PersistentObject::create(P, b"share", RW | flags::OVERWRITE, b"y"), TeeError::AccessConflict)?;
            drop(a);
            let r1 = at(4, PersistentObject::open(P, b"share", flags::ACCESS_READ | flags::SHARE_READ))?;
            let r2 = at(5, PersistentObject::open(P, b"share", flags::ACCESS_READ | flags::SHARE_READ))?;
            want_err(6, PersistentObject::open(P, b"share", flags::ACCESS_READ), TeeError::AccessConflict)?;
            drop((r1, r2));
            remove(b"share");
            Ok(())
        }
        // seek + write + truncate
        4 => {
            remove(b"swt");
            let mut o = at(1, PersistentObject::create(P, b"swt", RW, b"0123456789"))?;
            at(2, o.seek(4, Whence::Set))?;
            at(3, o.write(b"ab"))?;
            at(4, o.seek(-2, Whence::End))?;
            at(5, o.write(b"XYZ"))?;
            at(6, o.seek(0, Whence::Set))?;
            check(7, at(8, o.read_to_end())? == b"0123ab67XYZ")?;
            at(9, o.truncate(5))?;
            let info = at(10, o.info())?;
            check(11, info.data_size == 5 && info.data_position == 11)?;
            // reading past the end gives 0 bytes
            let mut buf = [0u8; 4];
            check(12, at(13, o.read(&mut buf))? == 0)?;
            // a write past the end fills the gap with zeros
            at(14, o.seek(2, Whence::End))?;
            at(15, o.write(b"!"))?;
            drop(o);
            check(16, read_all(17, b"swt")? == b"0123a\0\0!")?;
            // seek before 0 clamps to 0; SEEK_CUR
            let mut o = at(18, PersistentObject::open(P, b"swt", flags::ACCESS_READ))?;
            at(19, o.seek(-100, Whence::Cur))?;
            at(20, o.seek(1, Whence::Cur))?;
            check(21, at(22, o.read(&mut buf))? == 4 && &buf == b"123a")?;
            drop(o);
            remove(b"swt");
            Ok(())
        }
        // rename
        5 => {
            remove(b"r-old");
            remove(b"r-new");
            remove(b"r-taken");
            drop(at(1, PersistentObject::create(P, b"r-taken", RW, b"taken"))?);
            let mut o = at(2, PersistentObject::create(P, b"r-old", RW, b"moving data"))?;
            want_err(3, o.rename(b"r-taken"), TeeError::AccessConflict)?;
            at(4, o.rename(b"r-new"))?;
            drop(o);
            want_err(5, PersistentObject::open(P, b"r-old", flags::ACCESS_READ), TeeError::ItemNotFound)?;
            check(6, read_all(7, b"r-new")? == b"moving data")?;
            check(8, read_all(9, b"r-taken")? == b"taken")?;
            remove(b"r-new");
            remove(b"r-taken");
            Ok(())
        }
        // delete, then open → ITEM_NOT_FOUND; delete needs WRITE_META
        6 => {
            remove(b"del");
            drop(at(1, PersistentObject::create(P, b"del", RW, b"bye"))?);
            let o = at(2, PersistentObject::open(P, b"del", flags::ACCESS_READ))?;
            let o = match o.delete() {
                Err((TeeError::AccessConflict, o)) => o,
                Err((e, _)) => return Err(Fail(3, e.code())),
                Ok(()) => return Err(Fail(3, 0)),
            };
            drop(o);
            let o = at(4, PersistentObject::open(P, b"del", RW))?;
            o.delete().map_err(|(e, _)| Fail(5, e.code()))?;
            want_err(6, PersistentObject::open(P, b"del", RW), TeeError::ItemNotFound)?;
            Ok(())
        }
        // enumerate
        7 => {
            let ids: [&[u8]; 3] = [b"enum-a", b"enum-bb", b"enum-ccc"];
            for (i, id) in ids.iter().enumerate() {
                remove(id);
                drop(at(1, PersistentObject::create(P, id, RW, &pattern(10 * (i + 1))))?);
            }
            let mut e = at(2, Enumerator::new())?;
            at(3, e.start(P))?;
            let mut seen = [false; 3];
            let mut id = [0u8; MAX_ID_LEN];
            loop {
                match e.next_object(&mut id) {
                    Ok((info, n)) => {
                        if let Some(i) = ids.iter().position(|x| *x == &id[..n]) {
                            check(4, info.data_size as usize == 10 * (i + 1))?;
                            check(5, info.object_type == 0xA000_00BF)?;
                            seen[i] = true;
                        }
                    }
                    Err(TeeError::ItemNotFound) => break,
                    Err(e) => return Err(Fail(6, e.code())),
                }
            }
            check(7, seen == [true; 3])?;
            // reset, and a second pass sees at least one again
            at(8, e.reset())?;
            at(9, e.start(P))?;
            at(10, e.next_object(&mut id))?;
            drop(e);
            for id in ids {
                remove(id);
            }
            Ok(())
        }
        // 64 KiB object: created whole, then rewritten through write()
        8 => {
            remove(b"large");
            let big = pattern(64 * 1024);
            drop(at(1, PersistentObject::create(P, b"large", RW, &big))?);
            check(2, read_all(3, b"large")? == big)?;
            let mut o = at(4, PersistentObject::create(P, b"large", RW | flags::OVERWRITE, &[]))?;
            let rev: Vec<u8> = big.iter().rev().copied().collect();
            at(5, o.write(&rev))?;
            drop(o);
            check(6, read_all(7, b"large")? == rev)?;
            remove(b"large");
            Ok(())
        }
        // read-only handle refuses writes; write-only handle refuses reads
        9 => {
            remove(b"ro");
            drop(at(1, PersistentObject::create(P, b"ro", RW, b"const"))?);
            let mut o = at(2, PersistentObject::open(P, b"ro", flags::ACCESS_READ))?;
            want_err(3, o.write(b"x"), TeeError::AccessConflict)?;
            want_err(4, o.truncate(0), TeeError::AccessConflict)?;
            drop(o);
            let mut o = at(5, PersistentObject::open(P, b"ro", flags::ACCESS_WRITE))?;
            let mut buf = [0u8; 4];
            want_err(6, o.read(&mut buf), TeeError::AccessConflict)?;
            drop(o);
            remove(b"ro");
            Ok(())
        }
        // missing objects, unknown storage, bad flags and IDs
        10 => {
            want_err(1, PersistentObject::open(P, b"never-created", flags::ACCESS_READ), TeeError::ItemNotFound)?;
            want_err(
                2,
                PersistentObject::open(Storage::Other(0x1234), b"x", flags::ACCESS_READ),
                TeeError::ItemNotFound,
            )?;
            want_err(3, PersistentObject::create(Storage::Other(0x1234), b"x", RW, b""), TeeError::ItemNotFound)?;
            want_err(4, PersistentObject::open(P, b"x", flags::OVERWRITE), TeeError::BadParameters)?;
            // TEE_STORAGE_PRIVATE_REE is accepted
            remove(b"ree");
            let o = at(5, PersistentObject::create(Storage::PrivateRee, b"ree", RW, b"r"))?;
            o.delete().map_err(|(e, _)| Fail(6, e.code()))?;
            // an empty object and the longest ID
            let long = [b'L'; MAX_ID_LEN];
            remove(&long);
            drop(at(7, PersistentObject::create(P, &long, RW, &[]))?);
            check(8, read_all(9, &long)?.is_empty())?;
            remove(&long);
            Ok(())
        }
        // truncate beyond the end grows the object with zeros
        11 => {
            remove(b"grow");
            let mut o = at(1, PersistentObject::create(P, b"grow", RW, b"abc"))?;
            at(2, o.truncate(6))?;
            check(3, at(4, o.info())?.data_size == 6)?;
            drop(o);
            check(5, read_all(6, b"grow")? == b"abc\0\0\0")?;
            remove(b"grow");
            Ok(())
        }
        // empty writes and reads change nothing
        12 => {
            remove(b"empty-io");
            let mut o = at(1, PersistentObject::create(P, b"empty-io", RW, b"data"))?;
            at(2, o.write(&[]))?;
            let mut none = [0u8; 0];
            check(3, at(4, o.read(&mut none))? == 0)?;
            let info = at(5, o.info())?;
            check(6, info.data_size == 4 && info.data_position == 0)?;
            drop(o);
            remove(b"empty-io");
            Ok(())
        }
        // 20 objects: all enumerated, all gone after deletion
        13 => {
            let id = |i: usize| alloc::format!("many-{i:02}");
            for i in 0..20 {
                remove(id(i).as_bytes());
                drop(at(1, PersistentObject::create(P, id(i).as_bytes(), RW, &[i as u8; 8]))?);
            }
            let count = |step: u32| -> Step<usize> {
                let mut e = at(step, Enumerator::new())?;
                // An empty storage has nothing to start on (GP: ITEM_NOT_FOUND).
                match e.start(P) {
                    Ok(()) => {}
                    Err(TeeError::ItemNotFound) => return Ok(0),
                    Err(e) => return Err(Fail(step, e.code())),
                }
                let mut buf = [0u8; MAX_ID_LEN];
                let mut n = 0;
                loop {
                    match e.next_object(&mut buf) {
                        Ok((_, len)) => n += usize::from(buf[..len].starts_with(b"many-")),
                        Err(TeeError::ItemNotFound) => return Ok(n),
                        Err(e) => return Err(Fail(step + 1, e.code())),
                    }
                }
            };
            check(3, count(4)? == 20)?;
            for i in 0..20 {
                check(6, read_all(7, id(i).as_bytes())? == [i as u8; 8])?;
                remove(id(i).as_bytes());
            }
            // None of them is left.
            check(8, count(9)? == 0)?;
            Ok(())
        }
        // the data position cannot pass TEE_DATA_MAX_POSITION
        14 => {
            remove(b"far");
            let mut o = at(1, PersistentObject::create(P, b"far", RW, b"x"))?;
            at(2, o.seek(i32::MAX, Whence::Set))?;
            at(3, o.seek(i32::MAX, Whence::Cur))?;
            want_err(4, o.seek(i32::MAX, Whence::Cur), TeeError::Overflow)?;
            let info = at(5, o.info())?;
            check(6, info.data_position == 2 * i32::MAX as u32 && info.data_size == 1)?;
            drop(o);
            remove(b"far");
            Ok(())
        }
        // object IDs are bytes: NUL, '/', '..' and 0xff are fine
        15 => {
            let id: &[u8] = b"\0/../\xff.\x01";
            remove(id);
            drop(at(1, PersistentObject::create(P, id, RW, b"binary id"))?);
            check(2, read_all(3, id)? == b"binary id")?;
            want_err(4, PersistentObject::open(P, b"\0/../\xff.", flags::ACCESS_READ), TeeError::ItemNotFound)?;
            remove(id);
            want_err(5, PersistentObject::open(P, id, flags::ACCESS_READ), TeeError::ItemNotFound)?;
            Ok(())
        }
        // reads and writes share one position
        16 => {
            remove(b"pos");
            let mut o = at(1, PersistentObject::create(P, b"pos", RW, b"hello"))?;
            let mut two = [0u8; 2];
            check(2, at(3, o.read(&mut two))? == 2 && &two == b"he")?;
            at(4, o.write(b"XY"))?;
            check(5, at(6, o.info())?.data_position == 4)?;
            drop(o);
            check(7, read_all(8, b"pos")? == b"heXYo")?;
            remove(b"pos");
            Ok(())
        }
        _ => Err(Fail(0xffff, TeeError::NotSupported.code())),
    }
}

impl TrustedApp for StorageTa {
    type Session = ();

    fn create() -> TeeResult<Self> {
        Ok(StorageTa)
    }

    fn open_session(&mut self, _p: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }

    fn invoke(&mut self, _s: &mut (), cmd: u32, p: &mut Params<'_>) -> TeeResult {
        p.expect([T::ValueInput, T::ValueOutput, T::None, T::None])?;
        let arg = p.value_input(0)?.a;
        let arg_b = p.value_input(0)?.b;
        let verdict: Step<u32> = match cmd {
            0 => run_case(arg).map(|()| 0),
            1 => at(1, PersistentObject::create(P, b"mark", RW | flags::OVERWRITE, &[arg as u8; 16]))
                .map(drop)
                .map(|()| 0),
            2 => read_all(1, b"mark").and_then(|d| if d.len() == 16 { Ok(u32::from(d[0])) } else { Err(Fail(2, 0)) }),
            3 => {
                remove(b"mark");
                Ok(0)
            }
            4 => crash_write(arg, arg_b),
            5 => crash_verify(arg),
            _ => return Err(TeeError::NotSupported),
        };
        let out = p.value_output(1)?;
        match verdict {
            Ok(v) => {
                out.a = 0;
                out.b = v;
            }
            Err(Fail(step, code)) => {
                out.a = step;
                out.b = code;
            }
        }
        Ok(())
    }
}
