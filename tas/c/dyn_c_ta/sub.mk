global-incdirs-y += include
global-incdirs-y += ../dyn_c_lib/include
srcs-y += dyn_c_ta.c
