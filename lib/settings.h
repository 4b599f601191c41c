/*
 * settings: helpers for a step kind's parse(), reading its libconfig group.
 * Each reads `key` of group `s`, copies the value (the caller frees it), and
 * on a wrong type fills e with "FILE:LINE: step 'NAME': ...".  `required`
 * makes a missing key an error; otherwise *out keeps its value.
 */
#ifndef SC_SETTINGS_H
#define SC_SETTINGS_H

#include <libconfig.h>
#include "err.h"

int cfg_string(const config_setting_t *s, const char *key, int required, char **out, struct err *e);
int cfg_int(const config_setting_t *s, const char *key, int required, long long *out, struct err *e);
/* cfg_int, and a value outside [min, max] is an error at the key's line
 * ("'KEY' must be between MIN and MAX, not N"): negative or absurd timeouts,
 * waits, retries and counts never reach a step. */
/* the longest wait any setting may ask for: one day */
#define CFG_MAX_MS 86400000LL

int cfg_int_range(const config_setting_t *s, const char *key, int required, long long min, long long max,
		  long long *out, struct err *e);
int cfg_bool(const config_setting_t *s, const char *key, int required, int *out, struct err *e);
/* a string that is one of `choices` (NULL-terminated): *out its index, left
 * as it is when the key is absent; another string is an error at its line,
 * "'KEY' is \"VALUE\": " then `what` (which says the choices) */
int cfg_choice(const config_setting_t *s, const char *key, const char *const *choices, const char *what, int *out,
	       struct err *e);
/* an array or list of strings; *out NULL-terminated (caller frees with strv_free) */
int cfg_strings(const config_setting_t *s, const char *key, int required, char ***out, struct err *e);
/* Unknown keys of group s are errors naming the closest of `known` (a
 * NULL-terminated list; the common step keys are always accepted). */
int cfg_check_keys(const config_setting_t *s, const char *const *known, struct err *e);
/* The same with `known` and `also` (NULL or a second list) as the only keys. */
int cfg_check_keys_with(const config_setting_t *s, const char *const *known, const char *const *also,
			struct err *e);
/*
 * The keys a group accepts, for the config reference (`stagecoach help
 * config --keys`, checked against docs/config.md by a test): `path` is where
 * the group sits ("environments.NAME.ssh."), put before each key of `keys`.
 * A table of them ends with { NULL, NULL }.  Every table given to
 * cfg_check_keys*() is listed in one, so the reference cannot miss a key.
 */
struct cfg_keys {
	const char *path;
	const char *const *keys;
};
/* the keys every step accepts (name, kind, only, skip, ...) */
extern const char *const cfg_common_step_keys[];

/* Fill e with "FILE:LINE: step 'NAME': <fmt>" for setting s; returns -SC_EUSAGE. */
int cfg_error(const config_setting_t *s, struct err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
