// SPDX-License-Identifier: Apache-2.0
/*
 * A TA shared library: a function, a constructor (run by libutee through
 * __elf_phdr_info, before the TA's own) and a reference back into the TA
 * (a symbol only the TA defines: the loader resolves it across objects).
 */
#include <dyn_c_lib.h>

extern int dyn_c_ta_magic;

static int ready;

static void __attribute__((constructor)) dyn_c_lib_init(void)
{
	ready = 7;
}

int dyn_c_lib_add(int a, int b)
{
	return a + b;
}

int dyn_c_lib_ready(void)
{
	return ready;
}

int dyn_c_lib_ta_magic(void)
{
	return dyn_c_ta_magic;
}
