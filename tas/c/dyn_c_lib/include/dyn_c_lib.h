/* dyn_c_lib: what dyn_c_ta calls through DT_NEEDED. */
#ifndef DYN_C_LIB_H
#define DYN_C_LIB_H

int dyn_c_lib_add(int a, int b);
int dyn_c_lib_ready(void);
int dyn_c_lib_ta_magic(void);

#endif
