//! The hello_world TA of upstream's optee_examples, on ta-sdk.
//!
//! UUID `8aaaf200-2450-11e4-abe2-0002a5d5c51b`; command 0 (`INC_VALUE`) adds
//! one to `params[0].value.a`, command 1 (`DEC_VALUE`) subtracts one; both
//! want exactly (VALUE_INOUT, NONE, NONE, NONE), else BAD_PARAMETERS; any
//! other command is NOT_SUPPORTED.
// no_std/no_main on the TA target; a std test binary on the host.
#![cfg_attr(not(test), no_std, no_main)]

use proto::hello_world::{CMD_DEC_VALUE, CMD_INC_VALUE};
use ta_sdk::{ParamType, Params, TeeError, TeeResult, TrustedApp};

const TYPES: [ParamType; 4] = [ParamType::ValueInout, ParamType::None, ParamType::None, ParamType::None];

struct HelloWorld;

impl TrustedApp for HelloWorld {
    type Session = ();

    fn create() -> TeeResult<Self> {
        ta_sdk::debug!("has been called");
        Ok(HelloWorld)
    }

    fn open_session(&mut self, _params: &mut Params<'_>) -> TeeResult<()> {
        ta_sdk::info!("Hello World!");
        Ok(())
    }

    fn invoke(&mut self, _session: &mut (), cmd: u32, params: &mut Params<'_>) -> TeeResult {
        let step: i32 = match cmd {
            CMD_INC_VALUE => 1,
            CMD_DEC_VALUE => -1,
            _ => return Err(TeeError::NotSupported),
        };
        params.expect(TYPES)?;
        let value = params.value_inout(0)?;
        ta_sdk::info!("Got value: {} from NW", value.a);
        value.a = value.a.wrapping_add_signed(step);
        ta_sdk::info!("{} value to: {}", if step > 0 { "Increase" } else { "Decrease" }, value.a);
        Ok(())
    }

    fn close_session(&mut self, _session: ()) {
        ta_sdk::info!("Goodbye!");
    }
}

ta_sdk::ta! {
    uuid: proto::hello_world::UUID,
    flags: SINGLE_INSTANCE | MULTI_SESSION,
    stack: 4096,
    heap: 32768,
    impl: HelloWorld,
}

#[cfg(test)]
mod tests {
    use proto::hello_world::{CMD_DEC_VALUE, CMD_INC_VALUE, UUID};
    use ta_sdk::TeeError;
    use ta_sdk::host::{CallParam, Tee};

    fn value(a: u32) -> [CallParam<'static>; 4] {
        [CallParam::ValueInOut { a, b: 0 }, CallParam::None, CallParam::None, CallParam::None]
    }

    #[test]
    fn increments_and_decrements() {
        let tee = Tee::new();
        tee.install(super::ta_def());
        let session = tee.open(&UUID).unwrap();
        let mut p = value(41);
        session.invoke(CMD_INC_VALUE, &mut p).unwrap();
        assert!(matches!(p[0], CallParam::ValueInOut { a: 42, .. }));
        session.invoke(CMD_DEC_VALUE, &mut p).unwrap();
        session.invoke(CMD_DEC_VALUE, &mut p).unwrap();
        assert!(matches!(p[0], CallParam::ValueInOut { a: 40, .. }));
        // Wraps as the C original's uint32_t.
        let mut p = value(u32::MAX);
        session.invoke(CMD_INC_VALUE, &mut p).unwrap();
        assert!(matches!(p[0], CallParam::ValueInOut { a: 0, .. }));
    }

    #[test]
    fn wrong_types_and_unknown_commands() {
        let tee = Tee::new();
        tee.install(super::ta_def());
        let session = tee.open(&UUID).unwrap();
        let mut p = [CallParam::ValueIn { a: 1, b: 0 }, CallParam::None, CallParam::None, CallParam::None];
        let e = session.invoke(CMD_INC_VALUE, &mut p).unwrap_err();
        assert_eq!((e.code, e.origin), (TeeError::BadParameters, 4));
        assert_eq!(session.invoke(7, &mut value(1)).unwrap_err().code, TeeError::NotSupported);
    }

    #[test]
    fn single_instance_lives_while_a_session_does() {
        let tee = Tee::new();
        tee.install(super::ta_def());
        let (s1, s2) = (tee.open(&UUID).unwrap(), tee.open(&UUID).unwrap());
        assert!(tee.has_instance(&UUID));
        drop(s1);
        assert!(tee.has_instance(&UUID));
        s2.close();
        assert!(!tee.has_instance(&UUID));
    }
}
