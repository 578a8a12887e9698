//! Host tests of the utee syscall table through a fake syscall context.

use tee_abi::result::TeeError;
use tee_abi::syscall::Syscall;

use super::ta_session::{read_utee_params, write_utee_params};
use super::*;
use crate::call_env::ArgLocation;
use crate::params::TaParam;
use crate::session::ClientIdentity;
use crate::shm::NsMemory;
use crate::shm::tests::FakeRam;
use crate::user_ta::memory::{Region, Sharing, access};

const RETURN: u64 = Syscall::Return as u64;
const PANIC: u64 = Syscall::Panic as u64;
const CHECK_ACCESS_RIGHTS: u64 = Syscall::CheckAccessRights as u64;
const GET_CANCELLATION_FLAG: u64 = Syscall::GetCancellationFlag as u64;
const UNMASK_CANCELLATION: u64 = Syscall::UnmaskCancellation as u64;
const WAIT: u64 = Syscall::Wait as u64;
const GET_TIME: u64 = Syscall::GetTime as u64;
const SET_TA_TIME: u64 = Syscall::SetTaTime as u64;
const GET_PROPERTY: u64 = Syscall::GetProperty as u64;
const GET_PROPERTY_NAME_TO_INDEX: u64 = Syscall::GetPropertyNameToIndex as u64;
const RANDOM_NUMBER_GENERATE: u64 = Syscall::CrypRandomNumberGenerate as u64;
const ACCESS_READ: u64 = access::READ as u64;
const ACCESS_WRITE: u64 = access::WRITE as u64;

struct Fake {
    regions: UserRegions,
    ram: FakeRam,
    offset: Option<i64>,
    mask: bool,
    cancel: bool,
    handles: crate::handles::HandleTable,
    /// A session with a pseudo-TA.
    pseudo_session: Option<u32>,
}

impl CallEnv for Fake {
    fn mem(&self) -> &dyn NsMemory {
        &self.ram
    }
    fn rpc_arg(&self) -> Option<&ArgLocation> {
        None
    }
    fn switch_to_normal_world(&mut self, _: [u64; 3]) -> [u64; 4] {
        [0; 4]
    }
}

impl SyscallContext for Fake {
    fn regions(&self) -> &UserRegions {
        &self.regions
    }
    fn env(&mut self) -> &mut dyn CallEnv {
        self
    }
    fn log(&self, _: &str) {}
    fn cancelled(&self) -> bool {
        self.cancel && !self.mask
    }
    fn set_cancel_mask(&mut self, masked: bool) -> bool {
        core::mem::replace(&mut self.mask, masked)
    }
    fn system_time(&self) -> (u32, u32) {
        (100, 250)
    }
    fn random(&mut self, buf: &mut [u8]) {
        buf.fill(7);
    }
    fn properties(&self) -> PropContext {
        PropContext { client: ClientIdentity { login: 0, uuid: [0; 16] }, ta: [1; 16] }
    }
    fn ta_time_offset(&self) -> Option<i64> {
        self.offset
    }
    fn set_ta_time_offset(&mut self, offset_ms: i64) {
        self.offset = Some(offset_ms);
    }
    fn handles(&mut self) -> &mut crate::handles::HandleTable {
        &mut self.handles
    }
    fn is_pseudo_ta_session(&self, session: u32) -> bool {
        self.pseudo_session == Some(session)
    }
}

/// A TA with 4 KiB of writable memory at 0x1000 backed by a host buffer.
fn fake(backing: &mut [u8]) -> Fake {
    let kva = backing.as_mut_ptr() as u64;
    Fake {
        regions: UserRegions(alloc::vec![Region {
            va: 0x1000,
            len: backing.len() as u64,
            kva,
            writable: true,
            sharing: Sharing::Private
        }]),
        ram: FakeRam::new(4096),
        offset: None,
        mask: true,
        cancel: false,
        handles: crate::handles::HandleTable::new(),
        pseudo_session: None,
    }
}

fn call(ctx: &mut Fake, nr: u64, a: &[u64]) -> Outcome {
    let mut args = [0u64; 8];
    args[..a.len()].copy_from_slice(a);
    dispatch(ctx, nr, args)
}

#[test]
fn return_and_panic_end_the_run() {
    let mut mem = [0u8; 4096];
    let mut f = fake(&mut mem);
    assert_eq!(call(&mut f, RETURN, &[0x1234]), Outcome::Exit(0x1234));
    assert_eq!(call(&mut f, PANIC, &[7]), Outcome::Panic(7));
    assert_eq!(call(&mut f, 9999, &[]), Outcome::Return(u64::from(TeeError::NotSupported.code())));
}

#[test]
fn pointers_outside_the_ta_are_refused() {
    let mut mem = [0u8; 4096];
    let mut f = fake(&mut mem);
    let denied = Outcome::Return(u64::from(TeeError::AccessDenied.code()));
    assert_eq!(call(&mut f, GET_TIME, &[0, 0x0e10_0000]), denied);
    assert_eq!(call(&mut f, GET_TIME, &[0, 0x1ffc]), denied, "straddles the end");
    assert_eq!(call(&mut f, RANDOM_NUMBER_GENERATE, &[0x1000, 0x2000]), denied);
    assert_eq!(call(&mut f, CHECK_ACCESS_RIGHTS, &[ACCESS_WRITE, 0x1000, 16]), Outcome::Return(0));
    assert_eq!(call(&mut f, CHECK_ACCESS_RIGHTS, &[ACCESS_READ, 0x4000, 16]), denied);
    assert_eq!(
        call(&mut f, CHECK_ACCESS_RIGHTS, &[1 << 8, 0x1000, 16]),
        Outcome::Return(u64::from(TeeError::BadParameters.code()))
    );
}

#[test]
fn wait_ends_early_when_cancelled_and_unmasked() {
    let mut mem = [0u8; 4096];
    let mut f = fake(&mut mem);
    f.cancel = true;
    // Masked (the default): the cancel is not seen; the wait runs (its RPC
    // fails here because the fake has no RPC buffer).
    assert_eq!(call(&mut f, WAIT, &[50]), Outcome::Return(u64::from(TeeError::Communication.code())));
    assert_eq!(call(&mut f, UNMASK_CANCELLATION, &[0x1000]), Outcome::Return(0));
    assert_eq!(f.regions.read(0x1000, 4).unwrap(), [1, 0, 0, 0], "was masked");
    assert_eq!(call(&mut f, WAIT, &[u64::from(u32::MAX)]), Outcome::Return(u64::from(TeeError::Cancel.code())));
    assert_eq!(call(&mut f, GET_CANCELLATION_FLAG, &[0x1004]), Outcome::Return(0));
    assert_eq!(f.regions.read(0x1004, 4).unwrap(), [1, 0, 0, 0]);
}

#[test]
fn ta_to_ta_parameters_are_checked_and_copied_back() {
    let mut mem = [0u8; 4096];
    let mut shared = [0u8; 4096];
    let mut f = fake(&mut mem);
    // A shareable mapping (the system PTA's MAP_ZI) at 0x8000.
    f.regions.0.push(Region {
        va: 0x8000,
        len: 4096,
        kva: shared.as_mut_ptr() as u64,
        writable: true,
        sharing: Sharing::SharedSecure,
    });
    // utee_params at 0x1000: [0] VALUE_INOUT (7, 8), [1] MEMREF_INOUT 4 bytes at 0x8100.
    let mut up = [0u8; 72];
    up[..8].copy_from_slice(&0x73u64.to_le_bytes());
    up[8..16].copy_from_slice(&7u64.to_le_bytes());
    up[16..24].copy_from_slice(&8u64.to_le_bytes());
    up[24..32].copy_from_slice(&0x8100u64.to_le_bytes());
    up[32..40].copy_from_slice(&4u64.to_le_bytes());
    f.regions.write(0x1000, &up).unwrap();
    f.regions.write(0x8100, b"abcd").unwrap();
    let (mut p, refs) = read_utee_params(&f.regions, 0x1000).unwrap();
    assert_eq!(p.types(), 0x73);
    if let TaParam::Value { a, .. } = &mut p.0[0] {
        *a = 70;
    }
    if let TaParam::Memref { buf, size, .. } = &mut p.0[1] {
        assert_eq!(buf, b"abcd");
        buf[0] = b'X';
        *size = 2;
    }
    write_utee_params(&f.regions, 0x1000, &p, &refs).unwrap();
    let back = f.regions.read(0x1000, 72).unwrap();
    assert_eq!(back[8..16], 70u64.to_le_bytes());
    assert_eq!(back[32..40], 2u64.to_le_bytes());
    assert_eq!(f.regions.read(0x8100, 4).unwrap(), b"Xbcd");
    // A size past the buffer (a truncated datagram from the socket PTA):
    // reported, and the buffer holds what the callee wrote.
    if let TaParam::Memref { buf, size, .. } = &mut p.0[1] {
        buf.copy_from_slice(b"WXYZ");
        *size = 9;
    }
    write_utee_params(&f.regions, 0x1000, &p, &refs).unwrap();
    assert_eq!(f.regions.read(0x1000, 72).unwrap()[32..40], 9u64.to_le_bytes());
    assert_eq!(f.regions.read(0x8100, 5).unwrap(), b"WXYZ\0");
    // The caller's private memory is not exposed (as upstream: its
    // library bounces it first), nor is a NULL memref with a size.
    up[24..32].copy_from_slice(&0x1100u64.to_le_bytes());
    f.regions.write(0x1000, &up).unwrap();
    assert_eq!(read_utee_params(&f.regions, 0x1000).unwrap_err(), TeeError::BadParameters);
    up[24..32].copy_from_slice(&0u64.to_le_bytes());
    f.regions.write(0x1000, &up).unwrap();
    assert_eq!(read_utee_params(&f.regions, 0x1000).unwrap_err(), TeeError::BadParameters);
    // A memref into memory the caller does not own is refused.
    up[24..32].copy_from_slice(&0x0e10_0000u64.to_le_bytes());
    f.regions.write(0x1000, &up).unwrap();
    assert_eq!(read_utee_params(&f.regions, 0x1000).unwrap_err(), TeeError::AccessDenied);
}

/// Upstream's pseudo-TAs borrow the caller's mapping and reach memrefs
/// themselves: one they cannot reach is their error (origin TRUSTED_APP),
/// which libutee returns instead of panicking on a TEE refusal.
#[test]
fn unreachable_memrefs_to_a_pseudo_ta_are_its_error() {
    const INVOKE: u64 = Syscall::InvokeTaCommand as u64;
    let mut mem = [0u8; 4096];
    let mut f = fake(&mut mem);
    f.pseudo_session = Some(5);
    // utee_params at 0x1000: [0] MEMREF_INPUT of 1025 bytes at 0x1f00 (past the TA's memory).
    let mut up = [0u8; 72];
    up[..8].copy_from_slice(&5u64.to_le_bytes());
    up[8..16].copy_from_slice(&0x1f00u64.to_le_bytes());
    up[16..24].copy_from_slice(&1025u64.to_le_bytes());
    f.regions.write(0x1000, &up).unwrap();
    f.regions.write(0x1100, &[0xff; 4]).unwrap();
    let denied = Outcome::Return(u64::from(TeeError::AccessDenied.code()));
    assert_eq!(call(&mut f, INVOKE, &[5, 0, 1, 0x1000, 0x1100]), denied);
    assert_eq!(f.regions.read(0x1100, 4).unwrap(), tee_abi::result::Origin::TrustedApp.code().to_le_bytes());
    // Another TA's session: the TEE refuses, no origin is written.
    f.regions.write(0x1100, &[0xff; 4]).unwrap();
    assert_eq!(call(&mut f, INVOKE, &[6, 0, 1, 0x1000, 0x1100]), denied);
    assert_eq!(f.regions.read(0x1100, 4).unwrap(), [0xff; 4]);
}

#[test]
fn ta_persistent_time_round_trip() {
    let mut mem = [0u8; 4096];
    let mut f = fake(&mut mem);
    assert_eq!(call(&mut f, GET_TIME, &[1, 0x1000]), Outcome::Return(u64::from(TeeError::TimeNotSet.code())));
    f.regions.write(0x1010, &[10, 0, 0, 0, 0xf4, 1, 0, 0]).unwrap(); // 10 s 500 ms
    assert_eq!(call(&mut f, SET_TA_TIME, &[0x1010]), Outcome::Return(0));
    assert_eq!(call(&mut f, GET_TIME, &[1, 0x1000]), Outcome::Return(0));
    assert_eq!(f.regions.read(0x1000, 8).unwrap(), [10, 0, 0, 0, 0xf4, 1, 0, 0]);
    f.regions.write(0x1010, &[0, 0, 0, 0, 0xe8, 3, 0, 0]).unwrap(); // 1000 ms: invalid
    assert_eq!(call(&mut f, SET_TA_TIME, &[0x1010]), Outcome::Return(u64::from(TeeError::BadParameters.code())));
}

#[test]
fn properties_with_short_buffers() {
    let mut mem = [0u8; 4096];
    let mut f = fake(&mut mem);
    // name_to_index("gpd.client.endian")
    f.regions.write(0x1100, b"gpd.client.endian\0").unwrap();
    assert_eq!(call(&mut f, GET_PROPERTY_NAME_TO_INDEX, &[0xffff_fffe, 0x1100, 18, 0x1200]), Outcome::Return(0));
    assert_eq!(f.regions.read(0x1200, 4).unwrap(), [1, 0, 0, 0]);
    // get_property(CURRENT_TA, 0) into a 4-byte buffer: SHORT_BUFFER, length 16.
    f.regions.write(0x1300, &4u32.to_le_bytes()).unwrap();
    assert_eq!(
        call(&mut f, GET_PROPERTY, &[0xffff_ffff, 0, 0, 0, 0x1400, 0x1300, 0x1304]),
        Outcome::Return(u64::from(TeeError::ShortBuffer.code()))
    );
    assert_eq!(f.regions.read(0x1300, 4).unwrap(), [16, 0, 0, 0]);
}
