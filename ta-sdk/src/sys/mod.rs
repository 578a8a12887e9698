//! The utee syscalls (`svc #0`, number in `x8`, arguments in `x0..x7`,
//! `TEE_Result` back in `x0`; optee_os 4.5.0 `lib/libutee/arch/arm/utee_syscalls_asm.S`,
//! `lib/libutee/include/tee_syscall_numbers.h`) and
//! everything else in ta-sdk that needs `unsafe`: the entry trampoline that
//! reads the kernel's `struct utee_params`, and the static heap.
//!
//! The wrappers here are safe: each passes only pointers derived from Rust
//! references for the duration of the call, and the kernel checks every user
//! pointer against the TA's mappings anyway. Off target (host unit tests) the
//! syscalls are stubs that panic.

use tee_abi::syscall::Syscall;

use crate::error::{TeeError, TeeResult};

pub mod cryp;
pub mod cryp_asym;
pub mod heap;
pub mod os;
pub mod shared_mem;
pub mod simd;
pub mod storage;
pub mod ta_session;

#[cfg(all(target_arch = "aarch64", target_os = "none"))]
mod arch {
    use core::arch::asm;

    use super::Syscall;

    /// One syscall with up to eight arguments.
    ///
    /// # Safety
    /// The arguments must be what syscall `nr` expects; every pointer among
    /// them must be valid for the accesses the kernel makes for that call.
    #[inline(always)]
    pub(super) unsafe fn svc(nr: Syscall, a: [usize; 8]) -> u32 {
        let ret: usize;
        // SAFETY: `svc #0` traps to the kernel, which follows the AAPCS64 call
        // convention towards us (clobber_abi("C")); the caller vouches for
        // the arguments. No stack is used.
        unsafe {
            asm!(
                "svc #0",
                in("x8") nr as usize,
                inlateout("x0") a[0] => ret,
                in("x1") a[1], in("x2") a[2], in("x3") a[3],
                in("x4") a[4], in("x5") a[5], in("x6") a[6], in("x7") a[7],
                clobber_abi("C"),
                options(nostack),
            );
        }
        // TEE_Result is 32-bit; the upper half of x0 is not part of it.
        ret as u32
    }

    /// `_utee_return(ret)`: ends the entry call, never comes back.
    #[inline(always)]
    pub(super) fn utee_return(ret: u32) -> ! {
        // SAFETY: syscall 0 takes one integer and does not return to the TA.
        unsafe { asm!("svc #0", in("x8") Syscall::Return as usize, in("x0") ret as usize, options(noreturn, nostack)) }
    }

    /// `_utee_panic(code)`: like libutee, pushes the frame record `{x29,
    /// x30}` and passes its address in `x1` so the kernel can unwind the TA
    /// stack in its report.
    #[inline(always)]
    pub(super) fn utee_panic(code: u32) -> ! {
        // SAFETY: syscall 2 takes the code and a pointer to a frame record on
        // our own stack (pushed just before); it kills the instance and never
        // returns.
        unsafe {
            asm!(
                "stp x29, x30, [sp, #-16]!",
                "mov x1, sp",
                "svc #0",
                in("x8") Syscall::Panic as usize,
                in("x0") code as usize,
                options(noreturn),
            )
        }
    }

    /// Reads `TPIDR_EL0`.
    #[inline(always)]
    pub(super) fn read_tpidr_el0() -> u64 {
        let value: u64;
        // SAFETY: reading the EL0 thread-pointer register has no effects.
        unsafe { asm!("mrs {0}, tpidr_el0", out(reg) value, options(nomem, nostack, preserves_flags)) };
        value
    }

    /// Writes `TPIDR_EL0`.
    #[inline(always)]
    pub(super) fn write_tpidr_el0(value: u64) {
        // SAFETY: nothing in a ta-sdk TA reads TPIDR_EL0 (no thread-local
        // storage in `no_std`), so its value cannot break any invariant.
        unsafe { asm!("msr tpidr_el0, {0}", in(reg) value, options(nomem, nostack, preserves_flags)) };
    }
}

#[cfg(not(all(target_arch = "aarch64", target_os = "none")))]
mod arch {
    use super::Syscall;

    /// Host stand-in: without the `host` feature there is no TEE kernel to
    /// call; with it, the in-process kernel of [`crate::host`] answers.
    ///
    /// # Safety
    /// As on the target: every pointer among the arguments must be valid
    /// for the accesses syscall `nr` makes (the host kernel dereferences
    /// them in this process).
    pub(super) unsafe fn svc(nr: Syscall, a: [usize; 8]) -> u32 {
        #[cfg(feature = "host")]
        // SAFETY: the caller's contract is the host kernel's.
        return unsafe { crate::host::syscall(nr, a) };
        #[cfg(not(feature = "host"))]
        {
            let _ = a;
            panic!("utee syscall {nr:?} called outside a TA (host build)")
        }
    }

    pub(super) fn utee_return(ret: u32) -> ! {
        panic!("_utee_return({ret:#x}) called outside a TA (host build)")
    }

    pub(super) fn utee_panic(code: u32) -> ! {
        #[cfg(feature = "host")]
        crate::host::ta_panic(code);
        #[cfg(not(feature = "host"))]
        panic!("TA panic {code:#x} (host build)")
    }

    /// Host stand-in for the register.
    static TPIDR_EL0: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

    pub(super) fn read_tpidr_el0() -> u64 {
        TPIDR_EL0.load(core::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn write_tpidr_el0(value: u64) {
        TPIDR_EL0.store(value, core::sync::atomic::Ordering::Relaxed)
    }
}

/// The EL0 thread-pointer register `TPIDR_EL0`. ta-sdk TAs have no
/// thread-local storage, so it is free for a TA's own use; the kernel starts
/// every entry-point call with it zero and keeps it per run (tests check
/// that nothing leaks between TAs through it).
pub fn thread_pointer() -> u64 {
    arch::read_tpidr_el0()
}

/// Sets `TPIDR_EL0` (see [`thread_pointer`]).
pub fn set_thread_pointer(value: u64) {
    arch::write_tpidr_el0(value)
}

/// `_utee_return` (syscall 0): finish the current entry with `ret`.
pub fn utee_return(ret: u32) -> ! {
    arch::utee_return(ret)
}

/// `_utee_log` (syscall 1): print `msg` on the secure console (only when the
/// kernel is built with TA tracing).
pub fn log(msg: &[u8]) {
    // SAFETY: (buf, len) describe `msg`, which the kernel only reads.
    unsafe { arch::svc(Syscall::Log, [msg.as_ptr() as usize, msg.len(), 0, 0, 0, 0, 0, 0]) };
}

/// `_utee_panic` (syscall 2): kill this TA instance; its clients see
/// `TEE_ERROR_TARGET_DEAD`.
pub fn panic(code: u32) -> ! {
    arch::utee_panic(code)
}

/// What `_utee_get_property` reported besides its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PropertyInfo {
    /// `USER_TA_PROP_TYPE_*`.
    pub prop_type: u32,
    /// Bytes of the value (the size needed when the result is `ShortBuffer`).
    pub value_len: u32,
    /// Bytes of the NUL-terminated name.
    pub name_len: u32,
}

/// `_utee_get_property` (syscall 3): property `index` of the kernel's list
/// for `prop_set`; the value goes to `value`, the NUL-terminated name to
/// `name` when given. `ShortBuffer` comes with the needed sizes.
pub fn get_property(
    prop_set: u32,
    index: u32,
    name: Option<&mut [u8]>,
    value: Option<&mut [u8]>,
) -> (TeeResult, PropertyInfo) {
    let clamp = |len: usize| u32::try_from(len).unwrap_or(u32::MAX);
    let mut info = PropertyInfo {
        prop_type: 0,
        value_len: value.as_ref().map_or(0, |v| clamp(v.len())),
        name_len: name.as_ref().map_or(0, |n| clamp(n.len())),
    };
    let name_ptr = name.map_or(0, |n| n.as_mut_ptr() as usize);
    let value_ptr = value.map_or(0, |v| v.as_mut_ptr() as usize);
    let name_len_ptr = if name_ptr != 0 { &raw mut info.name_len as usize } else { 0 };
    let value_len_ptr = if value_ptr != 0 { &raw mut info.value_len as usize } else { 0 };
    // SAFETY: every pointer is either 0 (absent) or points into a live
    // exclusive borrow (`name`, `value`, fields of `info`) whose length is
    // what the kernel is told.
    let ret = unsafe {
        arch::svc(
            Syscall::GetProperty,
            [
                prop_set as usize,
                index as usize,
                name_ptr,
                name_len_ptr,
                value_ptr,
                value_len_ptr,
                &raw mut info.prop_type as usize,
                0,
            ],
        )
    };
    (TeeError::from_raw(ret), info)
}

/// `_utee_get_property_name_to_index` (syscall 4): the index of the property
/// called `name` (without NUL; at most 127 bytes) in the kernel's list for
/// `prop_set`.
pub fn get_property_name_to_index(prop_set: u32, name: &str) -> TeeResult<u32> {
    let mut buf = [0u8; 128];
    if name.len() >= buf.len() || name.as_bytes().contains(&0) {
        return Err(TeeError::BadParameters);
    }
    buf[..name.len()].copy_from_slice(name.as_bytes());
    let mut index: u32 = 0;
    // SAFETY: `buf` holds `name` and its NUL (name_len counts the NUL, as
    // libutee passes it); `index` is a live u32 the kernel writes.
    let ret = unsafe {
        arch::svc(
            Syscall::GetPropertyNameToIndex,
            [prop_set as usize, buf.as_ptr() as usize, name.len() + 1, &raw mut index as usize, 0, 0, 0, 0],
        )
    };
    TeeError::from_raw(ret).map(|()| index)
}

/// `TEE_Time`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct TeeTime {
    pub seconds: u32,
    pub millis: u32,
}

/// `_utee_get_time` (syscall 13) for a `UTEE_TIME_CAT_*` category. The time
/// is returned even with `Overflow` (TA persistent time), as GP specifies.
pub fn get_time(category: u32) -> (TeeResult, TeeTime) {
    let mut t = TeeTime::default();
    // SAFETY: `t` is a live 8-byte `TEE_Time` the kernel writes.
    let ret = unsafe { arch::svc(Syscall::GetTime, [category as usize, &raw mut t as usize, 0, 0, 0, 0, 0, 0]) };
    (TeeError::from_raw(ret), t)
}

/// `_utee_cryp_random_number_generate` (syscall 33): fill `buf`.
pub fn random_number_generate(buf: &mut [u8]) -> TeeResult {
    // SAFETY: (buf, len) describe an exclusive borrow the kernel writes.
    let ret = unsafe {
        arch::svc(Syscall::CrypRandomNumberGenerate, [buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0, 0, 0, 0])
    };
    TeeError::from_raw(ret)
}

/// The entry trampoline behind [`crate::ta!`]'s `__ta_entry`: reads the
/// kernel's `struct utee_params`, runs [`crate::entry::dispatch`], writes
/// the outputs back and leaves through `_utee_return`.
///
/// # Safety
/// Only for `__ta_entry`, with the registers the kernel entered it with:
/// `params` must be the address of the `struct utee_params` the kernel wrote
/// (or 0), and every memref in it must be mapped readable and writable by the
/// TA for the duration of this call, as OP-TEE's kernel guarantees.
#[doc(hidden)]
pub unsafe fn ta_entry<T: crate::TrustedApp>(
    instance: &crate::entry::Instance<T>,
    func: usize,
    session_id: usize,
    params: usize,
    cmd_id: usize,
) -> ! {
    let slot = params as *mut crate::params::RawParams;
    let mut raw = if slot.is_null() {
        crate::params::RawParams::default()
    } else {
        // SAFETY: per the contract, the kernel wrote a utee_params there, on
        // our stack, 8-byte aligned.
        unsafe { slot.read_volatile() }
    };
    let ret = crate::entry::dispatch(instance, func, session_id as u32, &mut raw, cmd_id as u32, |addr, len| {
        // SAFETY: per the contract the range is mapped for this call;
        // `Params::decode` only asks for non-empty, non-wrapping ranges that
        // do not overlap one another, so no two slices alias; the slices live
        // in `Params`, which `dispatch` drops before returning.
        unsafe { core::slice::from_raw_parts_mut(addr as *mut u8, len) }
    });
    if !slot.is_null() {
        // SAFETY: same location as read above.
        unsafe { slot.write_volatile(raw) };
    }
    utee_return(ret)
}

#[cfg(all(target_os = "none", not(test)))]
#[panic_handler]
fn on_panic(info: &core::panic::PanicInfo<'_>) -> ! {
    crate::log::write_fmt(crate::log::Level::Error, format_args!("panicked: {info}"));
    panic(TeeError::Generic.code())
}
