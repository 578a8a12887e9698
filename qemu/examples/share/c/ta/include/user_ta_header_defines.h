/* share_c_ta's TA properties, as the dev kit's user_ta_header.c reads them. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

/* 9be22956-18f3-4c34-81fe-ffd0296897b0 */
#define TA_UUID { 0x9be22956, 0x18f3, 0x4c34, \
	{ 0x81, 0xfe, 0xff, 0xd0, 0x29, 0x68, 0x97, 0xb0 } }
#define TA_FLAGS		(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE		(4 * 1024)
#define TA_DATA_SIZE		(32 * 1024)

#endif
