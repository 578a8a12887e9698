// SPDX-License-Identifier: Apache-2.0
/*
 * The C client of the share example, linked against Debian's libteec:
 *   aarch64-linux-gnu-gcc -o share_c_client share_c_client.c -lteec
 * Opens share_c_ta, invokes command 0 with a = 20, b = 2 and prints
 * "share_c_client: 20 * 2 + 2 = 42" (exit status 0), or the failing call.
 */
#include <stdio.h>
#include <string.h>
#include <tee_client_api.h>

static const TEEC_UUID uuid = { 0x9be22956, 0x18f3, 0x4c34,
	{ 0x81, 0xfe, 0xff, 0xd0, 0x29, 0x68, 0x97, 0xb0 } };

int main(void)
{
	TEEC_Context ctx;
	TEEC_Session sess;
	TEEC_Operation op;
	uint32_t origin = 0;
	TEEC_Result res = TEEC_InitializeContext(NULL, &ctx);

	if (res != TEEC_SUCCESS) {
		printf("share_c_client: TEEC_InitializeContext: 0x%08x\n", res);
		return 1;
	}
	res = TEEC_OpenSession(&ctx, &sess, &uuid, TEEC_LOGIN_PUBLIC, NULL, NULL, &origin);
	if (res != TEEC_SUCCESS) {
		printf("share_c_client: TEEC_OpenSession: 0x%08x origin %u\n", res, origin);
		TEEC_FinalizeContext(&ctx);
		return 1;
	}
	memset(&op, 0, sizeof(op));
	op.paramTypes = TEEC_PARAM_TYPES(TEEC_VALUE_INOUT, TEEC_NONE, TEEC_NONE, TEEC_NONE);
	op.params[0].value.a = 20;
	op.params[0].value.b = 2;
	res = TEEC_InvokeCommand(&sess, 0, &op, &origin);
	if (res != TEEC_SUCCESS)
		printf("share_c_client: TEEC_InvokeCommand: 0x%08x origin %u\n", res, origin);
	else
		printf("share_c_client: 20 * 2 + 2 = %u\n", op.params[0].value.a);
	TEEC_CloseSession(&sess);
	TEEC_FinalizeContext(&ctx);
	return res == TEEC_SUCCESS ? 0 : 1;
}
