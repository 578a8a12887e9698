// SPDX-License-Identifier: Apache-2.0
/*
 * A TA shared library: a function, a constructor (run by libutee through
 * __elf_phdr_info, before the TA's own) and a reference back into the TA
 * (a symbol only the TA defines: the loader resolves it across objects),
 * and thread-local variables: built with -fpic and GCC's default TLS
 * dialect, a shared library reaches them through TLS descriptors
 * (R_AARCH64_TLSDESC), one for a global variable (the TA also reads it,
 * through its own TLS_TPREL) and one for a static one.
 */
#include <dyn_c_lib.h>

extern int dyn_c_ta_magic;

static int ready;

__thread int dyn_c_lib_tls = 9;
static __thread int tls_bumps;

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

int dyn_c_lib_tls_bump(void)
{
	tls_bumps++;
	return dyn_c_lib_tls++;
}

int dyn_c_lib_tls_bumps(void)
{
	return tls_bumps;
}
