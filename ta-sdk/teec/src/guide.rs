//! How to use `teec`, by example: the GlobalPlatform TEE Client API
//! (GPD_SPE_007) as Rust types. Every example is compiled by `cargo test
//! --doc -p teec`; they need a TEE to run (the guest of `cargo xtask run`).
//! The UUIDs below are the project's test TAs (`tas/proto`).
//!
//! # Contexts and sessions
//!
//! A [`Context`] is an open `/dev/teeN` (`TEEC_InitializeContext`); a
//! [`Session`] borrows it (`TEEC_OpenSession`) and is closed when dropped
//! (`TEEC_CloseSession`). One context may hold many sessions, to one or
//! several TAs; a context and its sessions may be used from several threads
//! (`Context` is `Sync`; a `Session` needs `&mut` to invoke).
//!
//! ```no_run
//! use teec::{Context, Login, Uuid};
//!
//! let ctx = Context::new()?; // the first GP TEE among /dev/tee0..15
//! assert_eq!(ctx.version().impl_id, 1); // 1: OP-TEE (ours says so too)
//! let hello: Uuid = "8aaaf200-2450-11e4-abe2-0002a5d5c51b".parse()?;
//! let first = ctx.open_session(&hello, Login::Public)?;
//! let second = ctx.open_session(&hello, Login::Public)?;
//! assert_ne!(first.id(), second.id());
//! drop(first); // TEEC_CloseSession
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Value parameters
//!
//! Every call takes four [`Param`]s (`TEEC_Operation`); unused ones are
//! [`Param::None`]. Values are two `u32`s; output and in/out values are
//! written back into the array after the call, also when it fails.
//!
//! ```no_run
//! use teec::{Context, Login, Param, Uuid};
//!
//! let ctx = Context::new()?;
//! let uuid: Uuid = "8aaaf200-2450-11e4-abe2-0002a5d5c51b".parse()?;
//! let mut session = ctx.open_session(&uuid, Login::Public)?;
//! let mut params = [Param::ValueInout { a: 41, b: 0 }, Param::None, Param::None, Param::None];
//! session.invoke(0, &mut params)?; // hello_world's INC_VALUE
//! let Param::ValueInout { a, .. } = params[0] else { unreachable!() };
//! assert_eq!(a, 42);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Parameters can go to the TA's open-session entry point too, with
//! [`Context::open_session_with`].
//!
//! # Memory references
//!
//! A memref names a range of a [`SharedMemory`]; the TA reads it in place
//! (no copy through the driver). Two kinds, as in GP:
//!
//! - allocated ([`SharedMemory::alloc`], `TEEC_AllocateSharedMemory`): the
//!   driver allocates the buffer and maps it into the process;
//! - registered ([`SharedMemory::register`], `TEEC_RegisterSharedMemory`):
//!   process memory (page-aligned, zeroed, owned by the `SharedMemory`) the
//!   driver pins and shares.
//!
//! [`Param::input`], [`Param::output`] and [`Param::inout`] cover the whole
//! buffer; `Param::MemrefInput { shm, offset, size }` and the like a part of
//! it (a range past the buffer is refused with `BAD_PARAMETERS`, origin API,
//! before the TEE sees it). After the call an output memref's `size` is what
//! the TA wrote or, with `SHORT_BUFFER`, what it needs.
//!
//! ```no_run
//! use teec::{Context, Login, Param, SharedMemory, TeeError, Uuid};
//!
//! let ctx = Context::new()?;
//! let uuid: Uuid = "fbb98045-b1b8-4d22-bc1c-0dedbfb33a5e".parse()?; // params_ta
//! let mut session = ctx.open_session(&uuid, Login::Public)?;
//!
//! let mut input = SharedMemory::alloc(&ctx, 64)?;
//! input.as_mut_slice()[..5].copy_from_slice(b"hello");
//! let mut output = SharedMemory::register(&ctx, 16)?;
//! let mut params = [
//!     Param::MemrefInput { shm: &input, offset: 0, size: 5 },
//!     Param::output(&mut output),
//!     Param::None,
//!     Param::None,
//! ];
//! // params_ta's REVERSE: the input reversed into the output.
//! match session.invoke(0, &mut params) {
//!     Ok(()) => {
//!         let Param::MemrefOutput { size, .. } = params[1] else { unreachable!() };
//!         assert_eq!(&output.as_slice()[..size], b"olleh");
//!     }
//!     Err(e) if e.is(TeeError::ShortBuffer) => {
//!         let Param::MemrefOutput { size, .. } = &params[1] else { unreachable!() };
//!         eprintln!("the TA needs {size} bytes");
//!     }
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! GP's *temporary* memory references (`TEEC_TempMemoryReference`, a
//! pointer into any client memory) have no type here: libteec implements
//! them by allocating shared memory for the call and copying in and out,
//! which is what a client writes with `teec`:
//!
//! ```no_run
//! use teec::{Context, Param, SharedMemory, Session};
//!
//! /// Sends `data` as a MEMREF_INOUT and copies back what the TA left there.
//! fn call_with_temp_memref(
//!     ctx: &Context,
//!     session: &mut Session<'_>,
//!     cmd: u32,
//!     data: &mut [u8],
//! ) -> Result<usize, teec::TeecError> {
//!     let mut shm = SharedMemory::alloc(ctx, data.len().max(1))?;
//!     shm.as_mut_slice()[..data.len()].copy_from_slice(data);
//!     let inout = Param::MemrefInout { shm: &mut shm, offset: 0, size: data.len() };
//!     let mut params = [inout, Param::None, Param::None, Param::None];
//!     session.invoke(cmd, &mut params)?;
//!     let Param::MemrefInout { size, .. } = params[0] else { unreachable!() };
//!     let n = size.min(data.len());
//!     data[..n].copy_from_slice(&shm.as_slice()[..n]);
//!     Ok(size)
//! }
//! ```
//!
//! # Errors and their origin
//!
//! A failed call is a [`TeecError`]: the `TEEC_Result` code and the
//! `returnOrigin` (who said so), raw as the driver reports them, because a TA
//! may return codes of its own. [`TeecError::error`] and
//! [`TeecError::origin`] turn them into [`TeeError`] and [`Origin`];
//! [`TeecError::is`] and [`TeecError::is_from_ta`] test for one; `Display`
//! prints `0xffff0008 TEEC_ERROR_ITEM_NOT_FOUND (origin tee 3)`.
//!
//! ```no_run
//! use teec::{Context, Login, Origin, TeeError, Uuid};
//!
//! let ctx = Context::new()?;
//! let missing: Uuid = "00000000-0000-0000-0000-000000000001".parse()?;
//! let err = ctx.open_session(&missing, Login::Public).unwrap_err();
//! assert_eq!(err.error(), Some(TeeError::ItemNotFound)); // no such TA file (the trusted OS says so)
//! match err.origin() {
//!     Some(Origin::Api | Origin::Comms) => eprintln!("client side or driver: {err}"),
//!     Some(Origin::Tee) => eprintln!("the trusted OS: {err}"),
//!     Some(Origin::TrustedApp) => eprintln!("the TA itself: {err}"),
//!     None => eprintln!("unknown origin: {err}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `Origin::Comms` marks an `ioctl` that failed (no device, `ENOMEM`,
//! `EINVAL`), as libteec maps them.
//!
//! # Login methods
//!
//! [`Login`] says which identity the driver gives the TA (the TA reads it
//! as `gpd.client.identity`): `Public` (none) or `User` (derived from the
//! process's uid), the two the suite checks on both trusted OSes (test
//! 5003). `Group` asks the driver for a group identity, checked against
//! the connection data of the open-session argument, which `teec` leaves
//! zero (group 0). The `*Application` methods need an application identity
//! that the Linux driver does not provide (it refuses them at the ioctl: an
//! error with origin COMMS). The TA decides which logins it accepts.
//!
//! ```no_run
//! use teec::{Context, Login, Uuid};
//!
//! let ctx = Context::new()?;
//! let uuid: Uuid = "8aaaf200-2450-11e4-abe2-0002a5d5c51b".parse()?;
//! for login in [Login::Public, Login::User] {
//!     let session = ctx.open_session(&uuid, login)?;
//!     drop(session);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Cancellation
//!
//! [`Session::invoke_cancellable`] runs a call under a `cancel_id` of the
//! caller's choosing; another thread's [`Context::request_cancellation`]
//! with the session id and that `cancel_id` asks the TEE to cancel it
//! (`TEEC_RequestCancellation`). The TA sees the request (for instance its
//! `TEE_Wait` ends with `CANCEL`) and decides how to finish; the call then
//! returns what the TA returned, typically `TEEC_ERROR_CANCEL`.
//!
//! ```no_run
//! use std::time::Duration;
//! use teec::{Context, Login, Param, TeeError, Uuid};
//!
//! let ctx = Context::new()?;
//! let uuid: Uuid = "1859c538-cea6-446a-a347-de402cf42252".parse()?; // os_test
//! let mut session = ctx.open_session(&uuid, Login::Public)?;
//! let id = session.id();
//! const CANCEL_ID: u32 = 7;
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         std::thread::sleep(Duration::from_millis(100));
//!         ctx.request_cancellation(id, CANCEL_ID)
//!     });
//!     // os_test's WAIT_CANCELLABLE: TEE_Wait for 5 s (VALUE_INPUT a, in ms).
//!     let mut params =
//!         [Param::ValueInput { a: 5_000, b: 0 }, Param::ValueOutput { a: 0, b: 0 }, Param::None, Param::None];
//!     let result = session.invoke_cancellable(1, &mut params, CANCEL_ID);
//!     assert!(result.is_err_and(|e| e.is(TeeError::Cancel)));
//! });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Context`]: crate::Context
//! [`Session`]: crate::Session
//! [`Param`]: crate::Param
//! [`Param::None`]: crate::Param::None
//! [`Param::input`]: crate::Param::input
//! [`Param::output`]: crate::Param::output
//! [`Param::inout`]: crate::Param::inout
//! [`SharedMemory`]: crate::SharedMemory
//! [`SharedMemory::alloc`]: crate::SharedMemory::alloc
//! [`SharedMemory::register`]: crate::SharedMemory::register
//! [`Context::open_session_with`]: crate::Context::open_session_with
//! [`Context::request_cancellation`]: crate::Context::request_cancellation
//! [`Session::invoke_cancellable`]: crate::Session::invoke_cancellable
//! [`TeecError`]: crate::TeecError
//! [`TeecError::error`]: crate::TeecError::error
//! [`TeecError::origin`]: crate::TeecError::origin
//! [`TeecError::is`]: crate::TeecError::is
//! [`TeecError::is_from_ta`]: crate::TeecError::is_from_ta
//! [`TeeError`]: crate::TeeError
//! [`Origin`]: crate::Origin
//! [`Login`]: crate::Login
