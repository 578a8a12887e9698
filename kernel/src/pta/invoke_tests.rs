//! The "invoke tests" pseudo-TA (`PTA_INVOKE_TESTS_UUID`): our counterpart
//! of upstream's `core/pta/tests/invoke.c` (optee_os 4.5.0), the kernel
//! self-test service xtest's 1001-1003, 1015, 1020 and 1025 open. The
//! command numbers and parameter contracts are upstream's; the tests behind
//! them are ours:
//!
//! - TRACE: logs a line;
//! - PARAMS: one VALUE_INOUT `a += b`; three VALUE_INPUTs summed into the
//!   VALUE_OUTPUT; one MEMREF_INOUT whose bytes are summed (mod 256) into
//!   its first byte;
//! - SELF_TESTS: checked arithmetic and the heap's fallible allocation
//!   ([`self_tests`]);
//! - FS_HTREE: corner cases of our secure-storage file format on the real
//!   REE file system ([`fs_corner`]): upstream tests its hash tree there;
//! - MUTEX: a reader/writer lock shared by all sessions, with the waiters
//!   and holders counted as upstream's `core/pta/tests/mutex.c` reports them;
//! - LOCKDEP: NOT_SUPPORTED, as upstream without `CFG_LOCKDEP`;
//! - MEMREF_NULL: success for exactly one empty MEMREF_INOUT (a PTA sees
//!   every empty memref as NULL, as upstream's do);
//! - DT_DRIVER_TESTS: success with a log line: we have no device-tree
//!   driver framework, as upstream without `CFG_DT_DRIVER_EMBEDDED_TEST`.
//!
//! Anything else is BAD_PARAMETERS, as upstream.

use core::sync::atomic::{AtomicU32, Ordering};

use tee_abi::pta::invoke_tests as cmd;
use tee_abi::result::{Origin, TeeError};

use crate::call_env::CallEnv;
use crate::msg::Dir;
use crate::params::{TaParam, TaParams};
use crate::session::{ClientIdentity, Outcome, Target, Uuid};

pub mod fs_corner;
pub mod self_tests;

/// `PTA_INVOKE_TESTS_UUID`.
pub const UUID: Uuid = tee_abi::pta::INVOKE_TESTS_UUID.to_octets();

/// The pseudo-TA.
pub struct InvokeTestsPta;

impl Target for InvokeTestsPta {
    fn open_session(&self, _: &mut dyn CallEnv, _: &ClientIdentity, _: &mut TaParams) -> Result<u64, Outcome> {
        Ok(0)
    }

    fn invoke(&self, env: &mut dyn CallEnv, _: u64, command: u32, params: &mut TaParams) -> Outcome {
        let r = match command {
            cmd::CMD_TRACE => {
                log::info!("invoke-tests PTA: hello");
                Ok(())
            }
            cmd::CMD_PARAMS => test_params(params),
            cmd::CMD_SELF_TESTS => self_tests::run(),
            cmd::CMD_FS_HTREE => fs_corner::run(&mut crate::storage::fs::RpcFs::new(env)),
            cmd::CMD_MUTEX => mutex_test(params),
            cmd::CMD_LOCKDEP => Err(TeeError::NotSupported),
            cmd::CMD_MEMREF_NULL => memref_null(params),
            cmd::CMD_DT_DRIVER_TESTS => {
                log::info!("invoke-tests PTA: no device-tree driver tests are built in");
                Ok(())
            }
            _ => Err(TeeError::BadParameters),
        };
        (TeeError::to_raw(r), Origin::TrustedApp.code())
    }

    fn close_session(&self, _: &mut dyn CallEnv, _: u64) {}
}

/// The parameter types as (kind, direction) per slot, for matching.
fn shape(params: &TaParams) -> [Option<(bool, Dir)>; 4] {
    core::array::from_fn(|i| match &params.0[i] {
        TaParam::None => None,
        TaParam::Value { dir, .. } => Some((false, *dir)),
        TaParam::Memref { dir, .. } => Some((true, *dir)),
    })
}

/// PARAMS: see the module documentation.
pub fn test_params(params: &mut TaParams) -> Result<(), TeeError> {
    let shape = shape(params);
    let used: alloc::vec::Vec<usize> = (0..4).filter(|&i| shape[i].is_some()).collect();
    // One VALUE_INOUT or one MEMREF_INOUT, the rest NONE.
    if let [only] = used[..] {
        match &mut params.0[only] {
            TaParam::Value { dir: Dir::InOut, a, b } => {
                *a = a.wrapping_add(*b);
                return Ok(());
            }
            TaParam::Memref { dir: Dir::InOut, buf, .. } => {
                let sum = buf.iter().fold(0u8, |s, b| s.wrapping_add(*b));
                if let Some(first) = buf.first_mut() {
                    *first = sum;
                }
                return Ok(());
            }
            _ => return Err(TeeError::BadParameters),
        }
    }
    // Three VALUE_INPUTs and one VALUE_OUTPUT, in any slot.
    let outputs: alloc::vec::Vec<usize> = (0..4).filter(|&i| shape[i] == Some((false, Dir::Out))).collect();
    let inputs = (0..4).filter(|&i| shape[i] == Some((false, Dir::In))).count();
    let (&[out], 3) = (&outputs[..], inputs) else {
        return Err(TeeError::BadParameters);
    };
    let (mut sa, mut sb) = (0u32, 0u32);
    for p in &params.0 {
        if let TaParam::Value { dir: Dir::In, a, b } = p {
            sa = sa.wrapping_add(*a);
            sb = sb.wrapping_add(*b);
        }
    }
    params.0[out] = TaParam::Value { dir: Dir::Out, a: sa, b: sb };
    Ok(())
}

/// MEMREF_NULL: exactly (MEMREF_INOUT, NONE, NONE, NONE), NULL and empty.
/// A pseudo-TA sees every empty memref as NULL, whatever memory it names
/// (upstream 4.5.0 `core/kernel/pseudo_ta.c` maps only sized ones), so
/// only the size and the types decide.
pub fn memref_null(params: &TaParams) -> Result<(), TeeError> {
    match &params.0 {
        [TaParam::Memref { dir: Dir::InOut, size: 0, buf, .. }, TaParam::None, TaParam::None, TaParam::None]
            if buf.is_empty() =>
        {
            Ok(())
        }
        _ => Err(TeeError::BadParameters),
    }
}

/// The lock the MUTEX command exercises, the data it guards (`val1` is
/// always twice `val0` outside a writer) and the counters it reports.
/// Not a masking `SpinLock`: a writer holds it for up to [`MAX_ROUNDS`]
/// rounds, and only pool threads, which run with interrupts open, take it
/// (upstream's is a sleeping mutex); one preempted while holding it keeps
/// the others spinning, preemptible, until it is back.
#[allow(clippy::disallowed_types)]
static TEST_LOCK: spin::RwLock<(u64, u64)> = spin::RwLock::new((0, 0));
static BEFORE_LOCK_READERS: AtomicU32 = AtomicU32::new(0);
static DURING_LOCK_READERS: AtomicU32 = AtomicU32::new(0);
static BEFORE_LOCK_WRITERS: AtomicU32 = AtomicU32::new(0);
static DURING_LOCK_WRITERS: AtomicU32 = AtomicU32::new(0);
/// Bound on the rounds a client may ask for (upstream's xtest asks 64 Ki).
const MAX_ROUNDS: u32 = 1 << 20;

/// MUTEX: (VALUE_INPUT (role, rounds), VALUE_OUTPUT, NONE, NONE). out.a is
/// the number of same-role callers waiting when this one arrived (itself
/// included), out.b the number holding the lock with it once it got it.
/// A reader that sees the invariant broken answers BAD_STATE.
pub fn mutex_test(params: &mut TaParams) -> Result<(), TeeError> {
    let (role, rounds) = match &params.0 {
        [TaParam::Value { dir: Dir::In, a, b }, TaParam::Value { dir: Dir::Out, .. }, TaParam::None, TaParam::None] => {
            (*a, (*b).min(MAX_ROUNDS))
        }
        _ => return Err(TeeError::BadParameters),
    };
    let (before, during, result) = match role {
        cmd::MUTEX_TEST_WRITER => {
            let before = BEFORE_LOCK_WRITERS.fetch_add(1, Ordering::SeqCst) + 1;
            let mut data = TEST_LOCK.write();
            BEFORE_LOCK_WRITERS.fetch_sub(1, Ordering::SeqCst);
            let during = DURING_LOCK_WRITERS.fetch_add(1, Ordering::SeqCst) + 1;
            for _ in 0..rounds {
                data.0 = data.0.wrapping_add(1);
                data.1 = data.1.wrapping_add(2);
            }
            DURING_LOCK_WRITERS.fetch_sub(1, Ordering::SeqCst);
            (before, during, Ok(()))
        }
        cmd::MUTEX_TEST_READER => {
            let before = BEFORE_LOCK_READERS.fetch_add(1, Ordering::SeqCst) + 1;
            let data = TEST_LOCK.read();
            BEFORE_LOCK_READERS.fetch_sub(1, Ordering::SeqCst);
            let during = DURING_LOCK_READERS.fetch_add(1, Ordering::SeqCst) + 1;
            let mut result = Ok(());
            for _ in 0..rounds {
                if data.0.wrapping_mul(2) != data.1 {
                    result = Err(TeeError::BadState);
                }
            }
            DURING_LOCK_READERS.fetch_sub(1, Ordering::SeqCst);
            (before, during, result)
        }
        _ => return Err(TeeError::BadParameters),
    };
    params.0[1] = TaParam::Value { dir: Dir::Out, a: before, b: during };
    result
}

#[cfg(test)]
pub(crate) mod tests;
