//! The Rust libutee: what a trusted application links against.
//!
//! A TA implements [`TrustedApp`] and declares itself with [`ta!`], which
//! emits the OP-TEE TA binary interface (optee_os 4.5.0
//! `lib/libutee/include/user_ta_header.h`, `ta/user_ta_header.c`):
//! the `.ta_head` section and its exported `ta_head` symbol, the
//! `__ta_entry` entry point and a static heap. The SDK decodes the kernel's
//! `struct utee_params` into safe [`Params`], maps results to GP codes
//! ([`TeeError`]), logs through `_utee_log` ([`info!`] etc.), turns a Rust
//! panic into `_utee_panic`, and wraps the utee syscalls in [`sys`].
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! #![forbid(unsafe_code)]
//! use ta_sdk::{ParamType, Params, TeeError, TeeResult, TrustedApp};
//!
//! struct Hello;
//! impl TrustedApp for Hello {
//!     type Session = ();
//!     fn create() -> TeeResult<Self> { Ok(Hello) }
//!     fn open_session(&mut self, _: &mut Params<'_>) -> TeeResult<()> { Ok(()) }
//!     fn invoke(&mut self, _: &mut (), cmd: u32, p: &mut Params<'_>) -> TeeResult {
//!         p.expect([ParamType::ValueInout, ParamType::None, ParamType::None, ParamType::None])?;
//!         match cmd {
//!             0 => { p.value_inout(0)?.a += 1; Ok(()) }
//!             _ => Err(TeeError::NotSupported),
//!         }
//!     }
//! }
//! ta_sdk::ta! {
//!     uuid: "8aaaf200-2450-11e4-abe2-0002a5d5c51b",
//!     flags: SINGLE_INSTANCE | MULTI_SESSION,
//!     stack: 4096,
//!     heap: 32768,
//!     impl: Hello,
//! }
//! ```
//!
//! With the `host` feature, off target, `ta_sdk::host` runs a TA's code in a test
//! process on the kernel's own syscall layer (README: "Testing TA logic on
//! the host").
//!
//! All `unsafe` of the crate lives in [`sys`] (syscalls, the entry
//! trampoline's raw reads, the heap) and `host`; everything else is
//! `deny(unsafe_code)`.
// std only for ta-sdk's own tests and the host backend (`host` feature).
#![cfg_attr(not(any(test, all(feature = "host", not(target_os = "none")))), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod cancel;
pub mod crypto;
pub mod entry;
pub mod error;
// The host backend's `unsafe`: the syscall entry (the kernel dereferences
// the TA's pointers), memref slices for the entry points, the system PTA's
// mappings and the fake normal world's `NsMemory`; each with its SAFETY.
#[cfg(all(feature = "host", not(target_os = "none")))]
#[allow(unsafe_code)]
pub mod host;
pub mod log;
pub mod memory;
pub mod params;
pub mod property;
pub mod simd;
pub mod storage;
#[allow(unsafe_code)]
pub mod sys;
pub mod ta_session;
#[cfg(test)]
use limited_alloc as test_alloc;
pub mod time;
pub mod uuid;

pub use entry::TrustedApp;
pub use error::{TEE_SUCCESS, TeeError, TeeResult};
pub use params::{Memref, Param, ParamType, Params, Value};
/// The contract crate, for the numbers ta-sdk does not wrap (e.g. `tee_abi::pta`).
pub use tee_abi;
pub use uuid::{TaHead, Uuid, flags};

/// `TEE_Panic`: kills this TA instance (its clients get
/// `TEE_ERROR_TARGET_DEAD`).
pub fn panic(code: u32) -> ! {
    sys::panic(code)
}

/// `TEE_GenerateRandom`: fills `buf` from the TEE's RNG (GP says it cannot
/// fail, so a failure panics the TA).
pub fn random_bytes(buf: &mut [u8]) {
    if let Err(e) = sys::random_number_generate(buf) {
        panic(e.code())
    }
}

/// Declares the TA: its `ta_head`, entry point, heap and instance.
///
/// ```ignore
/// ta_sdk::ta! {
///     uuid: "8aaaf200-2450-11e4-abe2-0002a5d5c51b",  // checked at build time (or a `Uuid` constant)
///     flags: SINGLE_INSTANCE | MULTI_SESSION,        // names from ta_sdk::flags (NONE for none)
///     stack: 4096,                                   // bytes; ta_head gets stack + 2048
///     heap: 32768,                                   // bytes of static heap
///     impl: MyTa,                                    // the TrustedApp type
/// }
/// ```
#[macro_export]
macro_rules! ta {
    (
        uuid: $uuid:literal,
        flags: $($flag:ident)|+,
        stack: $stack:expr,
        heap: $heap:expr,
        impl: $ty:ty $(,)?
    ) => {
        $crate::ta! {
            uuid: $crate::Uuid::must($uuid),
            flags: $($flag)|+,
            stack: $stack,
            heap: $heap,
            impl: $ty,
        }
    };
    (
        uuid: $uuid:expr,
        flags: $($flag:ident)|+,
        stack: $stack:expr,
        heap: $heap:expr,
        impl: $ty:ty $(,)?
    ) => {
        const _: () = {
            const UUID: $crate::Uuid = $uuid;
            const FLAGS: u32 = 0 $(| $crate::flags::$flag)+;
            const _: () = assert!(FLAGS & !$crate::flags::MASK == 0, "ta!: flag bits outside TA_FLAGS_MASK");
            // Used on the target; named here so that host builds check it too.
            const _: $crate::Uuid = UUID;

            // Kept by its export (`--export-dynamic-symbol=ta_head`) and
            // KEEP(*(.ta_head)) in linker/ta.ld. Not #[used]: that marks the
            // section SHF_GNU_RETAIN, which makes the ELF ELFOSABI_GNU, and
            // ldelf refuses anything but ELFOSABI_NONE.
            #[cfg(target_os = "none")]
            #[unsafe(export_name = "ta_head")]
            #[unsafe(link_section = ".ta_head")]
            static TA_HEAD: $crate::TaHead = $crate::TaHead::new(UUID, $stack, FLAGS);

            #[cfg(target_os = "none")]
            #[global_allocator]
            static HEAP: $crate::sys::heap::StaticHeap<{ $heap }> = $crate::sys::heap::StaticHeap::new();

            #[cfg(target_os = "none")]
            static INSTANCE: $crate::entry::Instance<$ty> = $crate::entry::Instance::new(FLAGS);

            /// The TA entry point (`e_entry`): x0 = function, x1 = session,
            /// x2 = `struct utee_params *`, x3 = command.
            ///
            /// # Safety
            /// Only the kernel enters here, following OP-TEE's TA entry convention.
            #[cfg(target_os = "none")]
            #[unsafe(no_mangle)]
            unsafe extern "C" fn __ta_entry(func: usize, session_id: usize, params: usize, cmd_id: usize) -> ! {
                // SAFETY: the registers are the kernel's (see above).
                unsafe { $crate::sys::ta_entry::<$ty>(&INSTANCE, func, session_id, params, cmd_id) }
            }
        };

        /// This TA for the host tests' in-process TEE (`ta_sdk::host::Tee`;
        /// ta-sdk README, "Testing TA logic on the host").
        #[cfg(all(test, not(target_os = "none")))]
        #[allow(dead_code)]
        pub(crate) fn ta_def() -> $crate::host::TaDef {
            $crate::host::TaDef::new::<$ty>($uuid, 0 $(| $crate::flags::$flag)+, $stack, $heap)
        }
    };
}
