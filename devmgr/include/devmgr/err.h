/*
 * devmgr/err.h - names and explanations for OSErr values.
 *
 * The values themselves come from one table, DM_MAC_ERR_MAP in MacErrors.h,
 * which also generates Apple's enum; these functions are generated from the
 * same table, so a code can never have a value in one place and another name
 * in another.
 */
#ifndef DEVMGR_ERR_H
#define DEVMGR_ERR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Apple's name for err ("abortErr"), or NULL when the table lacks it. */
const char *dm_err_name(int err);
/* A one-line explanation of err; a generic text for unknown codes. Never NULL. */
const char *dm_strerror(int err);
/* The value whose Apple name is `name`; returns 0 and sets *out, or -1 when
 * no code has that name. Also accepts a decimal integer ("-27"). */
int dm_err_from_name(const char *name, int16_t *out);

#ifdef __cplusplus
}
#endif
#endif /* DEVMGR_ERR_H */
