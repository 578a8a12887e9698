// SPDX-License-Identifier: Apache-2.0
/*
 * The C TA of the share example: command 0 (VALUE_INOUT) doubles a and adds
 * b; anything else is NOT_SUPPORTED, other parameter types BAD_PARAMETERS.
 */
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#define CMD_DOUBLE_ADD	0

TEE_Result TA_CreateEntryPoint(void)
{
	return TEE_SUCCESS;
}

void TA_DestroyEntryPoint(void)
{
}

TEE_Result TA_OpenSessionEntryPoint(uint32_t types, TEE_Param params[4], void **session)
{
	(void)types;
	(void)params;
	(void)session;
	IMSG("share_c_ta: session opened");
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *session)
{
	(void)session;
}

TEE_Result TA_InvokeCommandEntryPoint(void *session, uint32_t cmd, uint32_t types, TEE_Param params[4])
{
	(void)session;
	if (cmd != CMD_DOUBLE_ADD)
		return TEE_ERROR_NOT_SUPPORTED;
	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	params[0].value.a = params[0].value.a * 2 + params[0].value.b;
	return TEE_SUCCESS;
}
