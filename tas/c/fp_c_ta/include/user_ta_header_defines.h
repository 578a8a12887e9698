/* fp_c_ta's TA properties, as the dev kit's user_ta_header.c reads them. */
#ifndef USER_TA_HEADER_DEFINES_H
#define USER_TA_HEADER_DEFINES_H

/* d958c6ae-d5c3-4cf9-b3e3-cc8096f6b680 */
#define TA_UUID { 0xd958c6ae, 0xd5c3, 0x4cf9, \
	{ 0xb3, 0xe3, 0xcc, 0x80, 0x96, 0xf6, 0xb6, 0x80 } }
#define TA_FLAGS		(TA_FLAG_SINGLE_INSTANCE | TA_FLAG_MULTI_SESSION)
#define TA_STACK_SIZE		(4 * 1024)
#define TA_DATA_SIZE		(32 * 1024)

#endif
