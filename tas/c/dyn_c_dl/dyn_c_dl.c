// SPDX-License-Identifier: Apache-2.0
/*
 * A TA shared library loaded with dlopen(): a function and a constructor
 * that must run exactly once, however often it is dlopen()ed.
 */

int dyn_c_dl_mul(int a, int b);
int dyn_c_dl_inits(void);

static int inits;

static void __attribute__((constructor)) dyn_c_dl_init(void)
{
	inits++;
}

int dyn_c_dl_mul(int a, int b)
{
	return a * b;
}

int dyn_c_dl_inits(void)
{
	return inits;
}
