//! The checks behind `CMD_RUN_CASE`, by number. Each returns
//! `Err((step, error))` at the first step that fails; an unexpected success
//! is reported as `BadState`, an unexpected value as `Generic`.

use alloc::vec;
use ta_sdk::TeeError;
use ta_sdk::memory::{self, access};
use ta_sdk::property::{self, PropSet, prop_type};
use ta_sdk::ta_session::{CallParam, TaSession};
use ta_sdk::time::{self, Category, TeeTime};

type Check = Result<(), (u32, TeeError)>;

/// Where the trusted OS itself lives on QEMU virt (ours and upstream).
const SECURE_KERNEL_ADDRESS: usize = 0x0e10_0000;
/// A read-only constant: lands in the TA's read-only segment.
static RODATA: [u8; 32] = *b"os_test: a read-only constant...";

fn step(n: u32) -> impl Fn(TeeError) -> (u32, TeeError) {
    move |e| (n, e)
}

fn ensure(n: u32, ok: bool) -> Check {
    if ok { Ok(()) } else { Err((n, TeeError::Generic)) }
}

/// `result` must be exactly `Err(want)`.
fn refused<T>(n: u32, result: Result<T, TeeError>, want: TeeError) -> Check {
    match result {
        Err(e) if e == want => Ok(()),
        Err(e) => Err((n, e)),
        Ok(_) => Err((n, TeeError::BadState)),
    }
}

fn millis(t: TeeTime) -> u64 {
    u64::from(t.seconds) * 1000 + u64::from(t.millis)
}

/// Runs check `case` with its `arg` and, for the memory cases, the
/// client's shared input buffer.
pub fn run(case: u32, arg: u32, shared: Option<&[u8]>) -> Check {
    match case {
        0 => ta_app_id(),
        1 => tee_device_id(),
        2 => tee_u32_properties(),
        3 => refused(
            1,
            property::get_u32(PropSet::TeeImplementation, "org.example.no.such.property"),
            TeeError::ItemNotFound,
        ),
        // A U32 property read as a bool.
        4 => refused(
            1,
            property::get_bool(PropSet::TeeImplementation, "gpd.tee.systemTime.protectionLevel"),
            TeeError::BadFormat,
        ),
        5 => string_short_buffer(),
        6 => enumerate(PropSet::TeeImplementation),
        7 => system_time_monotonic(),
        8 => wait_elapses(arg),
        9 => ta_persistent_time(),
        10 => ree_time_near(arg),
        11 => own_memory(),
        12 => rodata_read_only(),
        13 => kernel_and_null_denied(),
        14 => refused(1, memory::check(access::READ, usize::MAX - 7, 64), TeeError::AccessDenied),
        15 => shared_buffer(shared),
        16 => ta_shared_buffer(shared),
        proto::os_test::CASE_SUPP_PLUGIN => supp_plugin(),
        _ => Err((0, TeeError::NotSupported)),
    }
}

fn ta_app_id() -> Check {
    let id = property::get_uuid(PropSet::CurrentTa, "gpd.ta.appID").map_err(step(1))?;
    ensure(2, id == proto::os_test::UUID)
}

fn tee_device_id() -> Check {
    let mut buf = [0u8; 16];
    let (ty, len) = property::get_raw(PropSet::TeeImplementation, "gpd.tee.deviceID", &mut buf).map_err(step(1))?;
    ensure(2, ty == prop_type::UUID && len == 16)
}

fn tee_u32_properties() -> Check {
    // GP: 100 (REE-protected) or 1000 (TEE-protected).
    let level = property::get_u32(PropSet::TeeImplementation, "gpd.tee.systemTime.protectionLevel").map_err(step(1))?;
    ensure(2, level == 100 || level == 1000)?;
    let version = property::get_u32(PropSet::TeeImplementation, "gpd.tee.internalCore.version").map_err(step(3))?;
    ensure(4, version != 0)
}

fn string_short_buffer() -> Check {
    let mut small = [0u8; 2];
    refused(
        1,
        property::get_string(PropSet::TeeImplementation, "gpd.tee.apiversion", &mut small),
        TeeError::ShortBuffer,
    )?;
    let mut buf = [0u8; 64];
    let s = property::get_string(PropSet::TeeImplementation, "gpd.tee.apiversion", &mut buf).map_err(step(2))?;
    ensure(3, s.len() > 2)
}

/// Walks the set with ta-sdk's enumerator until ITEM_NOT_FOUND: every
/// entry has a printable dotted name (upstream adds
/// `org.trustedfirmware.optee.*` to the `gpd.*` ones), the kernel's
/// `gpd.tee.deviceID` and the library's `gpd.tee.internalCore.version` are
/// among them, and a name too long for the buffer is SHORT_BUFFER.
fn enumerate(set: PropSet) -> Check {
    let mut names = property::Enumerator::new(set);
    let mut found = 0u32;
    let (mut seen_device_id, mut seen_core_version) = (false, false);
    loop {
        let mut buf = [0u8; 128];
        let name = match names.next_name(&mut buf) {
            Ok((name, _type)) => name,
            Err(TeeError::ItemNotFound) => break,
            Err(e) => return Err((1, e)),
        };
        ensure(2, name.contains('.') && name.bytes().all(|c| c.is_ascii_graphic()))?;
        seen_device_id |= name == "gpd.tee.deviceID";
        seen_core_version |= name == "gpd.tee.internalCore.version";
        found += 1;
        ensure(3, found < 256)?;
    }
    // A name that does not fit is SHORT_BUFFER.
    let mut tiny = [0u8; 2];
    refused(4, property::Enumerator::new(set).next_name(&mut tiny), TeeError::ShortBuffer)?;
    ensure(5, found >= 5 && seen_device_id && seen_core_version)
}

fn system_time_monotonic() -> Check {
    let mut last = time::get_time(Category::System).map_err(step(1))?;
    for _ in 0..100 {
        let now = time::get_time(Category::System).map_err(step(2))?;
        ensure(3, now >= last)?;
        last = now;
    }
    Ok(())
}

/// `TEE_Wait(arg)` lasts at least `arg` ms of system time, and not absurdly long.
fn wait_elapses(ms: u32) -> Check {
    let t0 = time::get_time(Category::System).map_err(step(1))?;
    time::wait(ms).map_err(step(2))?;
    let t1 = time::get_time(Category::System).map_err(step(3))?;
    let elapsed = millis(t1).saturating_sub(millis(t0));
    ensure(4, elapsed >= u64::from(ms) && elapsed < u64::from(ms) + 5_000)
}

/// Not set at first (a fresh boot), then set to 1000 s and read back.
fn ta_persistent_time() -> Check {
    match time::ta_persistent_time() {
        Err(TeeError::TimeNotSet) | Ok(_) => {}
        Err(e) => return Err((1, e)),
    }
    time::set_ta_persistent_time(&TeeTime { seconds: 1000, millis: 0 }).map_err(step(2))?;
    let t = time::ta_persistent_time().map_err(step(3))?;
    ensure(4, (1000..1005).contains(&t.seconds))
}

/// REE time within 5 s of the client's clock (`client_seconds`).
fn ree_time_near(client_seconds: u32) -> Check {
    let ree = time::get_time(Category::Ree).map_err(step(1))?;
    ensure(2, ree.seconds.abs_diff(client_seconds) <= 5)
}

/// The stack and the heap are the TA's own: readable and writable, also
/// without ANY_OWNER.
fn own_memory() -> Check {
    let stack = [0u8; 64];
    memory::check_slice(access::READ | access::WRITE, &stack).map_err(step(1))?;
    let heap = vec![0u8; 4096];
    memory::check_slice(access::READ | access::WRITE, &heap).map_err(step(2))?;
    memory::check_slice(access::READ | access::WRITE | access::SECURE, &heap).map_err(step(3))?;
    refused(4, memory::check_slice(access::READ | access::NONSECURE, &heap), TeeError::AccessDenied)
}

/// Read-only data and code may be read, not written.
fn rodata_read_only() -> Check {
    memory::check_slice(access::READ, &RODATA).map_err(step(1))?;
    refused(2, memory::check_slice(access::WRITE, &RODATA), TeeError::AccessDenied)?;
    let code = run as fn(u32, u32, Option<&[u8]>) -> Check as usize;
    memory::check(access::READ, code, 4).map_err(step(3))?;
    refused(4, memory::check(access::WRITE, code, 4), TeeError::AccessDenied)
}

fn kernel_and_null_denied() -> Check {
    refused(1, memory::check(access::READ, SECURE_KERNEL_ADDRESS, 16), TeeError::AccessDenied)?;
    refused(2, memory::check(access::READ, 0, 16), TeeError::AccessDenied)
}

/// The client's input memref is shared normal-world memory: refused
/// without ANY_OWNER, granted with it, and it is not secure memory.
fn shared_buffer(shared: Option<&[u8]>) -> Check {
    let buf = shared.ok_or((1, TeeError::BadParameters))?;
    ensure(1, !buf.is_empty())?;
    refused(2, memory::check_slice(access::READ, buf), TeeError::AccessDenied)?;
    memory::check_slice(access::READ | access::ANY_OWNER, buf).map_err(step(3))?;
    memory::check_slice(access::READ | access::ANY_OWNER | access::NONSECURE, buf).map_err(step(4))?;
    refused(5, memory::check_slice(access::READ | access::ANY_OWNER | access::SECURE, buf), TeeError::AccessDenied)
}

/// A memref from another TA: secure memory, but shared (ANY_OWNER needed).
fn ta_shared_buffer(shared: Option<&[u8]>) -> Check {
    let buf = shared.ok_or((1, TeeError::BadParameters))?;
    ensure(1, !buf.is_empty())?;
    refused(2, memory::check_slice(access::READ, buf), TeeError::AccessDenied)?;
    memory::check_slice(access::READ | access::ANY_OWNER | access::SECURE, buf).map_err(step(3))?;
    refused(4, memory::check_slice(access::READ | access::ANY_OWNER | access::NONSECURE, buf), TeeError::AccessDenied)
}

/// One SUPP_PLUGIN_INVOKE of the system PTA: (plugin, cmd, sub_cmd, data);
/// the length the plugin wrote.
fn plugin_call(sys: &TaSession, plugin: &[u8; 16], cmd: u32, sub_cmd: u32, data: &mut [u8]) -> Result<u32, TeeError> {
    let mut params = [
        CallParam::MemrefIn(plugin),
        CallParam::ValueIn { a: cmd, b: sub_cmd },
        CallParam::MemrefInOut(data, 0),
        CallParam::ValueOut { a: 0, b: 0 },
    ];
    sys.invoke(proto::os_test::SYSTEM_CMD_SUPP_PLUGIN_INVOKE, &mut params)?;
    match params[3] {
        CallParam::ValueOut { a, .. } => Ok(a),
        _ => Err(TeeError::Generic),
    }
}

/// tee-supplicant's test plugin through the system PTA (what upstream's
/// `tee_invoke_supp_plugin` does): 20 + 10 = 30 and 20 - 10 = 10 with
/// 4 bytes written back, its fixed array, and an unknown plugin is
/// ITEM_NOT_FOUND.
fn supp_plugin() -> Check {
    use proto::os_test::{TEST_PLUGIN, TEST_PLUGIN_CMD_GET_ARR, TEST_PLUGIN_CMD_PASS_VALUES};
    let sys = TaSession::open(&proto::os_test::SYSTEM_UUID).map_err(step(1))?;
    let plugin = TEST_PLUGIN.to_struct_bytes();
    for (op, want) in [(b'+', 30u32), (b'-', 10)] {
        let mut values = [0u8; 8];
        values[..4].copy_from_slice(&20u32.to_le_bytes());
        values[4..].copy_from_slice(&10u32.to_le_bytes());
        let written =
            plugin_call(&sys, &plugin, TEST_PLUGIN_CMD_PASS_VALUES, u32::from(op), &mut values).map_err(step(2))?;
        ensure(3, written == 4 && values[..4] == want.to_le_bytes())?;
    }
    let mut array = [0u8; 64];
    let written = plugin_call(&sys, &plugin, TEST_PLUGIN_CMD_GET_ARR, 0, &mut array).map_err(step(4))?;
    let expected = b"Array from plugin\0";
    ensure(5, written as usize == expected.len() && array[..expected.len()] == expected[..])?;
    let mut data = [0u8; 32];
    refused(6, plugin_call(&sys, &[0; 16], TEST_PLUGIN_CMD_PASS_VALUES, 0, &mut data), TeeError::ItemNotFound)
}
