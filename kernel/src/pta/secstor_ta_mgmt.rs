//! The secure-storage TA management pseudo-TA (`PTA_SECSTOR_TA_MGMT_UUID`),
//! our counterpart of upstream's `core/pta/secstor_ta_mgmt.c` (optee_os
//! 4.5.0): BOOTSTRAP takes a signed bootstrap TA file (one MEMREF_INPUT,
//! otherwise BAD_PARAMETERS) and installs it into the TA database in secure
//! storage (`user_ta::tadb`), from which it is loaded before the normal
//! world's copy. Everything wrong with the file is SECURITY
//! ([`crate::ta::verify_bootstrap`]); a downgrade is ACCESS_CONFLICT. xtest
//! 1008 installs one-bit corruptions of a TA and expects SECURITY for each;
//! `xtest --install-ta` uses it to install TAs.

use tee_abi::pta::SECSTOR_TA_MGMT_BOOTSTRAP;
use tee_abi::result::{Origin, TEE_SUCCESS, TeeError};

use crate::call_env::CallEnv;
use crate::params::{ParamType, TaParam, TaParams};
use crate::session::{ClientIdentity, Outcome, Target, Uuid};
use crate::storage::fs::{ReeFs, RpcFs};
use crate::ta::TaPublicKey;

/// `PTA_SECSTOR_TA_MGMT_UUID`.
pub const UUID: Uuid = tee_abi::pta::SECSTOR_TA_MGMT_UUID.to_octets();

/// The pseudo-TA.
pub struct SecstorTaMgmtPta;

impl Target for SecstorTaMgmtPta {
    fn open_session(&self, _: &mut dyn CallEnv, _: &ClientIdentity, _: &mut TaParams) -> Result<u64, Outcome> {
        Ok(0)
    }

    fn invoke(&self, env: &mut dyn CallEnv, _: u64, cmd: u32, params: &mut TaParams) -> Outcome {
        let origin = Origin::TrustedApp.code();
        if cmd != SECSTOR_TA_MGMT_BOOTSTRAP {
            return (TeeError::NotImplemented.code(), origin);
        }
        let mut nonce = [0u8; 12];
        crate::rng::fill(&mut nonce);
        match bootstrap(&mut RpcFs::new(env), &TaPublicKey::BUILTIN, params, &nonce) {
            Ok(()) => (TEE_SUCCESS, origin),
            Err(e) => (e.code(), origin),
        }
    }

    fn close_session(&self, _: &mut dyn CallEnv, _: u64) {}
}

/// BOOTSTRAP: verifies the file in `params` against `key` and installs it.
fn bootstrap(fs: &mut dyn ReeFs, key: &TaPublicKey<'_>, params: &TaParams, nonce: &[u8; 12]) -> Result<(), TeeError> {
    if params.types() != ParamType::MemrefInput as u32 {
        return Err(TeeError::BadParameters);
    }
    let TaParam::Memref { buf, size, .. } = &params.0[0] else {
        return Err(TeeError::BadParameters);
    };
    // `buf` is the call's private copy: the normal world cannot change it
    // between the check and the install.
    let file = buf.get(..usize::try_from(*size).unwrap_or(usize::MAX)).unwrap_or(buf);
    let bs = crate::ta::verify_bootstrap(file, key).inspect_err(|e| log::info!("TA install refused: {e}"))?;
    crate::user_ta::tadb::install(fs, &bs, file, nonce)?;
    log::info!("TA {} version {} installed in secure storage", bs.uuid, bs.ta_version);
    Ok(())
}

#[cfg(test)]
mod tests;
