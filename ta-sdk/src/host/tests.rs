//! The host TEE's own rules, with small TAs defined here
//! (`cargo test -p ta-sdk --features host`).

use super::{CallParam, TaDef, Tee};
use crate::memory::{access, check_slice};
use crate::ta_session::TaSession;
use crate::time::{TeeTime, set_ta_persistent_time, ta_persistent_time};
use crate::uuid::{Uuid, flags};
use crate::{ParamType as T, Params, TeeError, TeeResult, TrustedApp};

const CALLEE: Uuid = Uuid::must("11111111-2222-3333-4444-555555555555");
const CALLER: Uuid = Uuid::must("66666666-7777-8888-9999-aaaaaaaaaaaa");

/// 0: reverse memref 0 into memref 1 (SHORT_BUFFER when small);
/// 1: TEE_Panic; 2: value out = (instance counter, access-rights checks of
/// memref 0 as bits: ANY_OWNER|READ ok, READ alone ok, NONSECURE ok);
/// 3: set then read the TA persistent time; 4: a Rust panic.
struct Callee(u32);

impl TrustedApp for Callee {
    type Session = ();
    fn create() -> TeeResult<Self> {
        Ok(Callee(0))
    }
    fn open_session(&mut self, _: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }
    fn invoke(&mut self, _: &mut (), cmd: u32, p: &mut Params<'_>) -> TeeResult {
        self.0 += 1;
        match cmd {
            0 => {
                let input: Vec<u8> = p.memref_input(0)?.iter().rev().copied().collect();
                let out = p.memref_output(1)?;
                out.set_size(input.len());
                if out.capacity() < input.len() {
                    return Err(TeeError::ShortBuffer);
                }
                out.buffer()[..input.len()].copy_from_slice(&input);
                Ok(())
            }
            1 => crate::panic(0x1234),
            4 => unreachable!("a Rust panic in TA code"),
            2 => {
                p.expect([T::MemrefInput, T::ValueOutput, T::None, T::None])?;
                let buf = p.memref_input(0)?;
                let bit = |flags, n| u32::from(check_slice(flags, buf).is_ok()) << n;
                let checks = bit(access::ANY_OWNER | access::READ, 0)
                    | bit(access::READ, 1)
                    | bit(access::ANY_OWNER | access::READ | access::NONSECURE, 2);
                let private = [0u8; 8];
                let own = u32::from(check_slice(access::READ | access::WRITE, &private).is_ok()) << 3;
                let out = p.value_output(1)?;
                out.a = self.0;
                out.b = checks | own;
                Ok(())
            }
            3 => {
                let before = ta_persistent_time();
                set_ta_persistent_time(&TeeTime { seconds: 1000, millis: 0 })?;
                let t = ta_persistent_time()?;
                let out = p.value_output(0)?;
                out.a = u32::from(before == Err(TeeError::TimeNotSet));
                out.b = t.seconds;
                Ok(())
            }
            _ => Err(TeeError::NotSupported),
        }
    }
}

/// 0: passes its private stack buffers to the callee's command 0 (through
/// the system PTA's shareable mapping, as libutee); value out = (result,
/// size reported), memref 1 out = what came back.
struct Caller;

impl TrustedApp for Caller {
    type Session = ();
    fn create() -> TeeResult<Self> {
        Ok(Caller)
    }
    fn open_session(&mut self, _: &mut Params<'_>) -> TeeResult<()> {
        Ok(())
    }
    fn invoke(&mut self, _: &mut (), _cmd: u32, p: &mut Params<'_>) -> TeeResult {
        let want = p.value_input(0)?.a as usize;
        let input = *b"private!";
        let mut out = [0u8; 16];
        let callee = TaSession::open(&CALLEE)?;
        let mut args =
            [CallParam::MemrefIn(&input), CallParam::MemrefOut(&mut out[..want], 0), CallParam::None, CallParam::None];
        let r = callee.invoke(0, &mut args);
        let size = args[1].size().unwrap_or(0);
        let v = p.value_output(1)?;
        v.a = TeeError::to_raw(r);
        v.b = size as u32;
        p.memref_output(2)?.buffer()[..16].copy_from_slice(&out);
        Ok(())
    }
}

fn tee(callee_flags: u32) -> Tee {
    let tee = Tee::new();
    tee.install(TaDef::new::<Callee>(CALLEE, callee_flags, 4096, 4096));
    tee.install(TaDef::new::<Caller>(CALLER, flags::SINGLE_INSTANCE, 4096, 4096));
    tee
}

#[test]
fn a_panic_kills_the_instance_for_every_session() {
    let tee = tee(flags::SINGLE_INSTANCE | flags::MULTI_SESSION);
    let (s1, s2) = (tee.open(&CALLEE).unwrap(), tee.open(&CALLEE).unwrap());
    let e = s1.invoke(1, &mut CallParam::none4()).unwrap_err();
    assert_eq!((e.code, e.origin), (TeeError::TargetDead, 3));
    assert_eq!(s2.invoke(2, &mut CallParam::none4()).unwrap_err().code, TeeError::TargetDead);
    // A new session gets a new instance (its counter starts again).
    let s3 = tee.open(&CALLEE).unwrap();
    let mut p = [CallParam::MemrefIn(b"x"), CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
    s3.invoke(2, &mut p).unwrap();
    assert_eq!(p[1].value().map(|v| v.0), Some(1));
}

#[test]
fn a_rust_panic_is_target_dead_too() {
    let tee = tee(flags::SINGLE_INSTANCE);
    let s = tee.open(&CALLEE).unwrap();
    let e = s.invoke(4, &mut CallParam::none4()).unwrap_err();
    assert_eq!((e.code, e.origin), (TeeError::TargetDead, 3));
    assert!(!tee.has_instance(&CALLEE));
}

#[test]
fn client_memrefs_are_shared_non_secure_memory() {
    let tee = tee(flags::SINGLE_INSTANCE);
    let s = tee.open(&CALLEE).unwrap();
    let mut p = [CallParam::MemrefIn(b"abc"), CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
    s.invoke(2, &mut p).unwrap();
    // ANY_OWNER|READ yes, READ alone no (not the TA's own), NONSECURE yes;
    // the TA's own stack: yes.
    assert_eq!(p[1].value().map(|v| v.1), Some(0b1101));
}

#[test]
fn instances_per_session_without_single_instance() {
    let tee = tee(flags::NONE);
    let (s1, s2) = (tee.open(&CALLEE).unwrap(), tee.open(&CALLEE).unwrap());
    for s in [&s1, &s2, &s1] {
        let mut p = [CallParam::MemrefIn(b"x"), CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
        s.invoke(2, &mut p).unwrap();
    }
    let mut p = [CallParam::MemrefIn(b"x"), CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None];
    s2.invoke(2, &mut p).unwrap();
    assert_eq!(p[1].value().map(|v| v.0), Some(2));
}

#[test]
fn private_buffers_between_tas_go_through_the_system_pta() {
    let tee = tee(flags::SINGLE_INSTANCE | flags::MULTI_SESSION);
    let s = tee.open(&CALLER).unwrap();
    let run = |want: u32| {
        let mut back = [0u8; 16];
        let mut p = [
            CallParam::ValueIn { a: want, b: 0 },
            CallParam::ValueOut { a: 0, b: 0 },
            CallParam::MemrefOut(&mut back, 0),
            CallParam::None,
        ];
        s.invoke(0, &mut p).unwrap();
        (p[1].value().unwrap(), back)
    };
    let ((code, size), back) = run(16);
    assert_eq!((code, size), (0, 8));
    assert_eq!(&back[..8], b"!etavirp");
    // Too small: the callee's SHORT_BUFFER and size reach the caller.
    let ((code, size), _) = run(4);
    assert_eq!((code, size), (TeeError::ShortBuffer.code(), 8));
}

#[test]
fn ta_persistent_time_starts_unset() {
    let tee = tee(flags::SINGLE_INSTANCE);
    let s = tee.open(&CALLEE).unwrap();
    let mut p = [CallParam::ValueOut { a: 0, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
    s.invoke(3, &mut p).unwrap();
    assert_eq!(p[0].value(), Some((1, 1000)));
}

#[test]
fn unknown_uuid_and_commands() {
    let tee = tee(flags::SINGLE_INSTANCE);
    let e = tee.open(&Uuid::must("00000000-0000-0000-0000-000000000001")).err().unwrap();
    assert_eq!((e.code, e.origin), (TeeError::ItemNotFound, 3));
    let s = tee.open(&CALLEE).unwrap();
    let e = s.invoke(9, &mut CallParam::none4()).unwrap_err();
    assert_eq!((e.code, e.origin), (TeeError::NotSupported, 4));
}

#[test]
#[should_panic(expected = "outside a TA entry call")]
fn syscalls_need_an_entry_call() {
    let _ = crate::sys::random_number_generate(&mut [0u8; 4]);
}
