global-incdirs-y += include
srcs-y += fp_c_ta.c
