// SPDX-License-Identifier: Apache-2.0
/*
 * Dynamic linking as upstream-built TAs use it.
 *
 * Open session: fails unless the TA's TLS variables have their initial
 *   values (0 and 42) and dyn_c_lib's constructor ran.
 * Command 0 (VALUE_INOUT a, b): a = dyn_c_lib_add(a, b) (DT_NEEDED library),
 *   b = 100 * dyn_c_lib_ready() + dyn_c_lib_ta_magic() (its constructor ran;
 *   it reads a variable of this TA): 705.
 * Command 1 (VALUE_INOUT a, b): dlopen()s dyn_c_dl twice, a = its
 *   dyn_c_dl_mul(a, b) found with dlsym(); b = 10 * (objects that
 *   dl_iterate_phdr() reports) + (times dyn_c_dl's constructor ran): 31.
 *   dlsym() on dlopen(NULL) searches every object: it finds dyn_c_dl_mul
 *   and dyn_c_lib_add (at the address the TA's GOT holds); an unknown
 *   name is NULL.
 * Command 2 (VALUE_OUTPUT a): a = 1 when dlopen() of a library that is not
 *   installed fails (NULL), 0 otherwise.
 * Command 3 (VALUE_OUTPUT a, b): a = the TLS counter, then incremented;
 *   b = the TLS variable initialised to 42.
 * Command 4 (VALUE_OUTPUT a, b): the library's TLS through its TLS
 *   descriptors: a = 100 * dyn_c_lib_tls_bump() + dyn_c_lib_tls_bump()
 *   (910 the first time), b = 1000 * dyn_c_lib_tls_bumps() + 10 *
 *   dyn_c_lib_tls (read here directly) + (tls_answer == 42): 2111.
 */
#include <dlfcn.h>
#include <link.h>
#include <tee_internal_api.h>
#include <tee_internal_api_extensions.h>
#include <dyn_c_lib.h>

#define CMD_LIB			0
#define CMD_DLOPEN		1
#define CMD_DLOPEN_MISSING	2
#define CMD_TLS			3
#define CMD_LIB_TLS		4

#define DL_UUID		"9d1e4b7a-2c3f-4e5d-8a6b-7c8d9e0f1a22"
#define MISSING_UUID	"00000000-0000-0000-0000-00000000dead"

int dyn_c_ta_magic = 5;
__thread int tls_counter;
__thread int tls_answer = 42;

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
	if (tls_answer != 42 || dyn_c_lib_ready() != 7) {
		EMSG("dyn_c_ta: TLS %d (want 42), library ready %d (want 7)", tls_answer, dyn_c_lib_ready());
		return TEE_ERROR_GENERIC;
	}
	return TEE_SUCCESS;
}

void TA_CloseSessionEntryPoint(void *session)
{
	(void)session;
}

static int count_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)info;
	(void)size;
	(*(int *)data)++;
	return 0;
}

static TEE_Result do_dlopen(TEE_Param params[4])
{
	int (*mul)(int, int) = NULL;
	int (*inits)(void) = NULL;
	void *again = NULL;
	void *self = NULL;
	void *h = NULL;
	int objects = 0;

	h = dlopen(DL_UUID, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
	if (!h)
		return TEE_ERROR_ITEM_NOT_FOUND;
	mul = (int (*)(int, int))dlsym(h, "dyn_c_dl_mul");
	inits = (int (*)(void))dlsym(h, "dyn_c_dl_inits");
	again = dlopen(DL_UUID, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
	self = dlopen(NULL, RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
	if (!mul || !inits || !again || !self)
		return TEE_ERROR_GENERIC;
	if ((void *)dlsym(self, "dyn_c_dl_mul") != (void *)mul ||
	    (void *)dlsym(self, "dyn_c_lib_add") != (void *)dyn_c_lib_add ||
	    dlsym(h, "no_such_symbol"))
		return TEE_ERROR_GENERIC;
	dl_iterate_phdr(count_cb, &objects);
	params[0].value.a = mul(params[0].value.a, params[0].value.b);
	params[0].value.b = 10 * objects + inits();
	dlclose(self);
	dlclose(again);
	dlclose(h);
	return TEE_SUCCESS;
}

TEE_Result TA_InvokeCommandEntryPoint(void *session, uint32_t cmd, uint32_t types, TEE_Param params[4])
{
	(void)session;
	switch (cmd) {
	case CMD_LIB:
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		params[0].value.a = dyn_c_lib_add(params[0].value.a, params[0].value.b);
		params[0].value.b = 100 * dyn_c_lib_ready() + dyn_c_lib_ta_magic();
		return TEE_SUCCESS;
	case CMD_DLOPEN:
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_INOUT, TEE_PARAM_TYPE_NONE,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		return do_dlopen(params);
	case CMD_DLOPEN_MISSING:
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		params[0].value.a = dlopen(MISSING_UUID, RTLD_NOW | RTLD_GLOBAL) == NULL;
		return TEE_SUCCESS;
	case CMD_TLS:
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		params[0].value.a = tls_counter++;
		params[0].value.b = tls_answer;
		return TEE_SUCCESS;
	case CMD_LIB_TLS:
		if (types != TEE_PARAM_TYPES(TEE_PARAM_TYPE_VALUE_OUTPUT, TEE_PARAM_TYPE_NONE,
					     TEE_PARAM_TYPE_NONE, TEE_PARAM_TYPE_NONE))
			return TEE_ERROR_BAD_PARAMETERS;
		params[0].value.a = 100 * dyn_c_lib_tls_bump();
		params[0].value.a += dyn_c_lib_tls_bump();
		params[0].value.b = 1000 * dyn_c_lib_tls_bumps() + 10 * dyn_c_lib_tls + (tls_answer == 42);
		return TEE_SUCCESS;
	default:
		return TEE_ERROR_NOT_SUPPORTED;
	}
}
