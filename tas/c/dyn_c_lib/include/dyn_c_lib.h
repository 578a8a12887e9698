/* dyn_c_lib: what dyn_c_ta calls through DT_NEEDED. */
#ifndef DYN_C_LIB_H
#define DYN_C_LIB_H

int dyn_c_lib_add(int a, int b);
int dyn_c_lib_ready(void);
int dyn_c_lib_ta_magic(void);
/* Returns the library's thread-local dyn_c_lib_tls (initially 9), then
 * increments it; counts its calls in a static thread-local. */
int dyn_c_lib_tls_bump(void);
int dyn_c_lib_tls_bumps(void);
extern __thread int dyn_c_lib_tls;

#endif
