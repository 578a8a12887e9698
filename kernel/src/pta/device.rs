//! The device-enumeration pseudo-TA the Linux driver queries at probe time
//! (`PTA_CMD_GET_DEVICES`) and when tee-supplicant starts
//! (`PTA_CMD_GET_DEVICES_SUPP`): it lists TAs that want a TEE-bus device.

use tee_abi::result::{Origin, TEE_SUCCESS, TeeError};

use crate::call_env::CallEnv;
use crate::params::{ParamType, TaParam, TaParams};
use crate::session::{ClientIdentity, Outcome, Target, Uuid, tee_refusal};

/// `PTA_DEVICE_UUID`.
pub const UUID: Uuid = tee_abi::pta::DEVICE_UUID.to_octets();
/// `PTA_CMD_GET_DEVICES`.
pub const CMD_GET_DEVICES: u32 = 0;
/// `PTA_CMD_GET_DEVICES_SUPP`.
pub const CMD_GET_DEVICES_SUPP: u32 = 1;
/// `PTA_CMD_GET_DEVICES_RPMB`.
pub const CMD_GET_DEVICES_RPMB: u32 = 2;

/// The pseudo-TA.
pub struct DevicePta;

impl Target for DevicePta {
    fn open_session(&self, _: &mut dyn CallEnv, _: &ClientIdentity, params: &mut TaParams) -> Result<u64, Outcome> {
        if params.types() != 0 {
            return Err(tee_refusal(TeeError::BadParameters));
        }
        Ok(0)
    }

    fn invoke(&self, _: &mut dyn CallEnv, _: u64, cmd: u32, params: &mut TaParams) -> Outcome {
        let origin = Origin::TrustedApp.code();
        if !matches!(cmd, CMD_GET_DEVICES | CMD_GET_DEVICES_SUPP | CMD_GET_DEVICES_RPMB) {
            return (TeeError::NotImplemented.code(), origin);
        }
        if params.types() != ParamType::MemrefOutput as u32 {
            return (TeeError::BadParameters.code(), origin);
        }
        // No TA of ours asks for a TEE-bus device yet: the list is empty.
        let devices: &[Uuid] = &[];
        let TaParam::Memref { buf, size, .. } = &mut params.0[0] else {
            return (TeeError::BadParameters.code(), origin);
        };
        let needed = devices.len() * 16;
        *size = needed as u64;
        if buf.len() < needed {
            return (TeeError::ShortBuffer.code(), origin);
        }
        for (i, d) in devices.iter().enumerate() {
            buf[i * 16..i * 16 + 16].copy_from_slice(d);
        }
        (TEE_SUCCESS, origin)
    }

    fn close_session(&self, _: &mut dyn CallEnv, _: u64) {}
}
