global-incdirs-y += include
srcs-y += dyn_c_lib.c
