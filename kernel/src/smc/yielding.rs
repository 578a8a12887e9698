//! Yielding (standard) calls. The thread pool and the message layer come with
//! the std-call milestone; until then every yielding call gets a clean error
//! the Linux driver understands (it maps them to `TEEC_ERROR_COMMUNICATION`).

use tee_abi::smc;
use tee_abi::smccc::FunctionId;

/// Answers the yielding call in `args`; returns `a0..a3`.
pub fn handle(args: &[u64; 8]) -> [u64; 4] {
    let fid = FunctionId::from_x0(args[0]).without_sve_hint().0;
    let a0 = match fid {
        smc::CALL_WITH_ARG | smc::CALL_WITH_RPC_ARG | smc::CALL_WITH_REGD_ARG => smc::RETURN_EBADCMD,
        // No thread is ever suspended yet, so there is nothing to resume.
        smc::RETURN_FROM_RPC => smc::RETURN_ERESUME,
        _ => smc::RETURN_UNKNOWN_FUNCTION,
    };
    [a0, 0, 0, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_yielding_call_fails_cleanly() {
        let call = |fid: u32| handle(&[u64::from(fid), 0, 0, 0, 0, 0, 0, 0])[0];
        assert_eq!(call(smc::CALL_WITH_ARG), smc::RETURN_EBADCMD);
        assert_eq!(call(smc::CALL_WITH_RPC_ARG), smc::RETURN_EBADCMD);
        assert_eq!(call(smc::CALL_WITH_REGD_ARG), smc::RETURN_EBADCMD);
        assert_eq!(call(smc::RETURN_FROM_RPC), smc::RETURN_ERESUME);
        assert_eq!(call(0x3200_0099), smc::RETURN_UNKNOWN_FUNCTION);
    }
}
