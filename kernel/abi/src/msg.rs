//! `optee_msg.h` / `optee_rpc_cmd.h`: the message layout constants.

/// Size of the `optee_msg_arg` header.
pub const ARG_HEADER_SIZE: usize = 32;
/// Size of one `optee_msg_param`.
pub const PARAM_SIZE: usize = 32;
/// `OPTEE_MSG_GET_ARG_SIZE(n)`.
pub const fn arg_size(num_params: usize) -> usize {
    ARG_HEADER_SIZE + PARAM_SIZE * num_params
}
/// Most parameters a message may carry (`OPTEE_MSG_MAX_NUM_PARAMS`).
pub const MAX_NUM_PARAMS: usize = 127;
/// `OPTEE_MSG_NONCONTIG_PAGE_SIZE`.
pub const NONCONTIG_PAGE_SIZE: u64 = 4096;

/// `OPTEE_MSG_CMD_OPEN_SESSION`.
pub const CMD_OPEN_SESSION: u32 = 0;
/// `OPTEE_MSG_CMD_INVOKE_COMMAND`.
pub const CMD_INVOKE_COMMAND: u32 = 1;
/// `OPTEE_MSG_CMD_CLOSE_SESSION`.
pub const CMD_CLOSE_SESSION: u32 = 2;
/// `OPTEE_MSG_CMD_CANCEL`.
pub const CMD_CANCEL: u32 = 3;
/// `OPTEE_MSG_CMD_REGISTER_SHM`.
pub const CMD_REGISTER_SHM: u32 = 4;
/// `OPTEE_MSG_CMD_UNREGISTER_SHM`.
pub const CMD_UNREGISTER_SHM: u32 = 5;
/// `OPTEE_MSG_CMD_DO_BOTTOM_HALF`.
pub const CMD_DO_BOTTOM_HALF: u32 = 6;
/// `OPTEE_MSG_CMD_STOP_ASYNC_NOTIF`.
pub const CMD_STOP_ASYNC_NOTIF: u32 = 7;

/// Parameter types (`attr` bits 7:0).
pub const ATTR_TYPE_NONE: u64 = 0x0;
/// `OPTEE_MSG_ATTR_TYPE_VALUE_INPUT`.
pub const ATTR_TYPE_VALUE_INPUT: u64 = 0x1;
/// `OPTEE_MSG_ATTR_TYPE_VALUE_OUTPUT`.
pub const ATTR_TYPE_VALUE_OUTPUT: u64 = 0x2;
/// `OPTEE_MSG_ATTR_TYPE_VALUE_INOUT`.
pub const ATTR_TYPE_VALUE_INOUT: u64 = 0x3;
/// `OPTEE_MSG_ATTR_TYPE_RMEM_INPUT`.
pub const ATTR_TYPE_RMEM_INPUT: u64 = 0x5;
/// `OPTEE_MSG_ATTR_TYPE_RMEM_OUTPUT`.
pub const ATTR_TYPE_RMEM_OUTPUT: u64 = 0x6;
/// `OPTEE_MSG_ATTR_TYPE_RMEM_INOUT`.
pub const ATTR_TYPE_RMEM_INOUT: u64 = 0x7;
/// `OPTEE_MSG_ATTR_TYPE_TMEM_INPUT`.
pub const ATTR_TYPE_TMEM_INPUT: u64 = 0x9;
/// `OPTEE_MSG_ATTR_TYPE_TMEM_OUTPUT`.
pub const ATTR_TYPE_TMEM_OUTPUT: u64 = 0xa;
/// `OPTEE_MSG_ATTR_TYPE_TMEM_INOUT`.
pub const ATTR_TYPE_TMEM_INOUT: u64 = 0xb;
/// Mask of the type field.
pub const ATTR_TYPE_MASK: u64 = 0xff;
/// `OPTEE_MSG_ATTR_META`.
pub const ATTR_META: u64 = 1 << 8;
/// `OPTEE_MSG_ATTR_NONCONTIG`.
pub const ATTR_NONCONTIG: u64 = 1 << 9;

/// `OPTEE_MSG_LOGIN_PUBLIC`.
pub const LOGIN_PUBLIC: u32 = 0;
/// `OPTEE_MSG_LOGIN_USER`.
pub const LOGIN_USER: u32 = 1;
/// `OPTEE_MSG_LOGIN_GROUP`.
pub const LOGIN_GROUP: u32 = 2;
/// `OPTEE_MSG_LOGIN_APPLICATION`.
pub const LOGIN_APPLICATION: u32 = 4;
/// `OPTEE_MSG_LOGIN_APPLICATION_USER`.
pub const LOGIN_APPLICATION_USER: u32 = 5;
/// `OPTEE_MSG_LOGIN_APPLICATION_GROUP`.
pub const LOGIN_APPLICATION_GROUP: u32 = 6;
/// `TEE_LOGIN_REE_KERNEL`.
pub const LOGIN_REE_KERNEL: u32 = 0x8000_0000;
/// `TEE_LOGIN_TRUSTED_APP` (TA-to-TA, never on the wire).
pub const LOGIN_TRUSTED_APP: u32 = 0xf000_0000;

/// RPC: `OPTEE_RPC_CMD_LOAD_TA`.
pub const RPC_CMD_LOAD_TA: u32 = 0;
/// RPC: `OPTEE_RPC_CMD_FS`.
pub const RPC_CMD_FS: u32 = 2;
/// RPC: `OPTEE_RPC_CMD_GET_TIME`.
pub const RPC_CMD_GET_TIME: u32 = 3;
/// RPC: `OPTEE_RPC_CMD_NOTIFICATION`.
pub const RPC_CMD_NOTIFICATION: u32 = 4;
/// RPC: `OPTEE_RPC_CMD_SUSPEND`.
pub const RPC_CMD_SUSPEND: u32 = 5;
/// RPC: `OPTEE_RPC_CMD_SHM_ALLOC`.
pub const RPC_CMD_SHM_ALLOC: u32 = 6;
/// RPC: `OPTEE_RPC_CMD_SHM_FREE`.
pub const RPC_CMD_SHM_FREE: u32 = 7;
/// RPC: `OPTEE_RPC_CMD_SUPP_PLUGIN` (optee_os 4.5.0
/// `core/include/optee_rpc_cmd.h`): a tee-supplicant plugin call.
pub const RPC_CMD_SUPP_PLUGIN: u32 = 12;
/// `OPTEE_RPC_SUPP_PLUGIN_INVOKE`: value[0].a of a SUPP_PLUGIN request.
pub const RPC_SUPP_PLUGIN_INVOKE: u64 = 0;
/// `OPTEE_RPC_SHM_TYPE_APPL`: memory the supplicant can see.
pub const RPC_SHM_TYPE_APPL: u64 = 0;
/// `OPTEE_RPC_SHM_TYPE_KERNEL`.
pub const RPC_SHM_TYPE_KERNEL: u64 = 1;

/// `OPTEE_SMC_RETURN_RPC_ALLOC` etc.: `0xFFFF0000 | func`.
pub const RPC_FUNC_ALLOC: u64 = 0xffff_0000;
/// `OPTEE_SMC_RETURN_RPC_FREE`.
pub const RPC_FUNC_FREE: u64 = 0xffff_0002;
/// `OPTEE_SMC_RETURN_RPC_FOREIGN_INTR`.
pub const RPC_FUNC_FOREIGN_INTR: u64 = 0xffff_0004;
/// `OPTEE_SMC_RETURN_RPC_CMD`.
pub const RPC_FUNC_CMD: u64 = 0xffff_0005;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpc_command_numbers_match_optee_rpc_cmd_h() {
        assert_eq!((RPC_CMD_LOAD_TA, RPC_CMD_FS, RPC_CMD_GET_TIME, RPC_CMD_SUSPEND), (0, 2, 3, 5));
        assert_eq!((RPC_CMD_SHM_ALLOC, RPC_CMD_SHM_FREE, RPC_CMD_SUPP_PLUGIN), (6, 7, 12));
        assert_eq!(RPC_SUPP_PLUGIN_INVOKE, 0);
    }
}
