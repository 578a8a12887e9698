/* dyn_c_ta's TA properties, as the dev kit's user_ta_header.c reads them. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

/* 6e2f0c3a-8b41-4d9e-a7f2-1c5b3d4e6f70 */
#define TA_UUID { 0x6e2f0c3a, 0x8b41, 0x4d9e, \
	{ 0xa7, 0xf2, 0x1c, 0x5b, 0x3d, 0x4e, 0x6f, 0x70 } }
#define TA_FLAGS		(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE		(4 * 1024)
#define TA_DATA_SIZE		(32 * 1024)

#endif
