// SPDX-License-Identifier: Apache-2.0
/*
 * A C TA that uses FP/SIMD the way real TAs do: a variadic call with a
 * double (the callee saves q0-q7), double arithmetic, and a NEON loop.
 *
 * Command 0 (VALUE_INOUT): a = (uint32_t)(a * 1.5 + 0.25) and
 *   b = (uint32_t)(a / 3.0 * 1000.0), computed in double, after a variadic
 *   snprintf call with a double argument.
 * Command 1 (VALUE_INOUT): a = n <= 4096; a = sum of 0..n-1 computed four
 *   lanes at a time with NEON (vaddq_u32), b = the same sum in scalar code.
 * Command 2 (MEMREF_INPUT, MEMREF_OUTPUT, NONE, NONE): success when both
 *   memrefs are empty but not NULL (a client's 0-byte reference into shared
 *   memory is a mapped, non-NULL buffer, as upstream's xtest 1025 expects of
 *   its os_test TA); BAD_PARAMETERS otherwise.
 */
#include <arm_neon.h>
#include <stdio.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>

#define CMD_DOUBLE	0
#define CMD_NEON_SUM	1
#define CMD_EMPTY_MEMREFS	2
#define MAX_N		4096

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
	IMSG("fp_c_ta: session opened, %d and %f", 42, 1.5);
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *session)
{
	(void)session;
}

static TEE_Result do_double(TEE_Param params[4])
{
	char text[64];
	double x = params[0].value.a;

	/* A variadic call with a double: the callee saves q0-q7 on entry
	 * (libutils' formatter prints no floats; the call is what counts). */
	snprintf(text, sizeof(text), "%d %f", (int)params[0].value.a, x * 1.5);
	IMSG("fp_c_ta: %s", text);
	params[0].value.a = (uint32_t)(x * 1.5 + 0.25);
	params[0].value.b = (uint32_t)(x / 3.0 * 1000.0);
	return TEE_SUCCESS;
}

static TEE_Result do_neon_sum(TEE_Param params[4])
{
	uint32_t n = params[0].value.a;
	uint32x4_t acc = vdupq_n_u32(0);
	uint32x4_t idx = { 0, 1, 2, 3 };
	uint32x4_t four = vdupq_n_u32(4);
	uint32_t scalar = 0;
	uint32_t i;

	if (n > MAX_N || n % 4)
		return TEE_ERROR_BAD_PARAMETERS;
	for (i = 0; i < n; i += 4) {
		acc = vaddq_u32(acc, idx);
		idx = vaddq_u32(idx, four);
	}
	for (i = 0; i < n; i++)
		scalar += i;
	params[0].value.a = vaddvq_u32(acc);
	params[0].value.b = scalar;
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *session, uint32_t cmd, uint32_t types, TEE_Param params[4])
{
	(void)session;
	if (cmd == CMD_EMPTY_MEMREFS) {
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_MEMREF_INPUT,
					     TEE_PARAM_TYPE_MEMREF_OUTPUT,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		if (!params[0].memref.buffer || params[0].memref.size ||
		    !params[1].memref.buffer || params[1].memref.size)
			return TEE_ERROR_BAD_PARAMETERS;
		return TEE_SUCCESS;
	}
	if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
				     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
		return TEE_ERROR_BAD_PARAMETERS;
	switch (cmd) {
	case CMD_DOUBLE:
		return do_double(params);
	case CMD_NEON_SUM:
		return do_neon_sum(params);
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
