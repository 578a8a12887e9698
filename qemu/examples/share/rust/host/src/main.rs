//! The share example's Rust client: opens `share_rust_ta`, invokes command 0
//! with a = 20, b = 2 and prints `share_rust_client: 20 * 2 + 2 = 42`.
//! Static (aarch64-unknown-linux-musl), so it runs from the share as is.

use teec::{Context, Login, Param, Uuid};

const TA: &str = "c2e84d7e-c3f9-4406-a9d4-a032a5a1f673";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = Context::new().map_err(|e| format!("share_rust_client: context: {e:?}"))?;
    let uuid: Uuid = TA.parse().map_err(|e| format!("{e:?}"))?;
    let mut session =
        ctx.open_session(&uuid, Login::Public).map_err(|e| format!("share_rust_client: open session: {e:?}"))?;
    let mut params = [Param::ValueInout { a: 20, b: 2 }, Param::None, Param::None, Param::None];
    session.invoke(0, &mut params).map_err(|e| format!("share_rust_client: invoke: {e:?}"))?;
    let Param::ValueInout { a, .. } = params[0] else {
        return Err("share_rust_client: no value back".into());
    };
    println!("share_rust_client: 20 * 2 + 2 = {a}");
    Ok(())
}
