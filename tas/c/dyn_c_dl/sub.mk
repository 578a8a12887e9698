srcs-y += dyn_c_dl.c
