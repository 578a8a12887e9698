global-incdirs-y += include
srcs-y += share_c_ta.c
