/*
 * settings: reading a step's (or any group's) libconfig settings, with
 * FILE:LINE errors that name the step (see settings.h).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "settings.h"
#include "util.h"

const char *const cfg_common_step_keys[] = { "name", "kind", "only", "skip", "timeout_ms", "continue_on_error",
						NULL };

static const char *src_file(const config_setting_t *s, const char *fallback)
{
	const char *f = config_setting_source_file(s);
	return f ? f : fallback;
}

/* The step name for messages, when s is (inside) a step group */
static const char *step_label(const config_setting_t *s)
{
	for (const config_setting_t *p = s; p; p = config_setting_parent(p)) {
		const config_setting_t *parent = config_setting_parent(p);
		if (parent && config_setting_name(parent) && strcmp(config_setting_name(parent), "steps") == 0 &&
		    config_setting_is_group(p)) {
			const char *name = NULL;
			if (config_setting_lookup_string(p, "name", &name))
				return name;
			return NULL;
		}
	}
	return NULL;
}

static int vcfg_error(const config_setting_t *s, struct err *e, const char *fmt, va_list ap)
{
	char msg[2048];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	const char *label = step_label(s);
	const char *file = src_file(s, "stagecoach.conf");
	int line = (int)config_setting_source_line(s);
	if (line <= 0)
		line = 1; /* the root group has no line of its own */
	if (label)
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': %s", file, line, label, msg);
	return err_set(e, SC_EUSAGE, "%s:%d: %s", file, line, msg);
}

int cfg_error(const config_setting_t *s, struct err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vcfg_error(s, e, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_GROUP: return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "true or false";
	case CONFIG_TYPE_ARRAY: return "an array [ ... ]";
	case CONFIG_TYPE_LIST: return "a list ( ... )";
	default: return "a value";
	}
}

static int missing(const config_setting_t *s, const char *key, struct err *e)
{
	return cfg_error(s, e, "missing required key '%s'", key);
}

int cfg_string(const config_setting_t *s, const char *key, int required, char **out, struct err *e)
{
	config_setting_t *v = config_setting_get_member(s, key);
	if (!v)
		return required ? missing(s, key, e) : 0;
	if (config_setting_type(v) != CONFIG_TYPE_STRING)
		return cfg_error(v, e, "'%s' must be a string, not %s", key, type_name(config_setting_type(v)));
	free(*out);
	*out = xstrdup(config_setting_get_string(v));
	return 0;
}

int cfg_choice(const config_setting_t *s, const char *key, const char *const *choices, const char *what, int *out,
	       struct err *e)
{
	char *v = NULL;
	int rc = cfg_string(s, key, 0, &v, e);
	if (rc < 0 || !v)
		return rc;
	for (int i = 0; choices[i]; i++)
		if (strcmp(v, choices[i]) == 0) {
			*out = i;
			free(v);
			return 0;
		}
	rc = cfg_error(config_setting_get_member(s, key), e, "'%s' is \"%s\": %s", key, v, what);
	free(v);
	return rc;
}

int cfg_int(const config_setting_t *s, const char *key, int required, long long *out, struct err *e)
{
	config_setting_t *v = config_setting_get_member(s, key);
	if (!v)
		return required ? missing(s, key, e) : 0;
	int t = config_setting_type(v);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return cfg_error(v, e, "'%s' must be an integer, not %s", key, type_name(t));
	*out = config_setting_get_int64(v);
	return 0;
}

int cfg_int_range(const config_setting_t *s, const char *key, int required, long long min, long long max,
		  long long *out, struct err *e)
{
	long long v = *out;
	int rc = cfg_int(s, key, required, &v, e);
	if (rc < 0)
		return rc;
	config_setting_t *m = config_setting_get_member(s, key);
	if (m && (v < min || v > max))
		return cfg_error(m, e, "'%s' must be between %lld and %lld, not %lld", key, min, max, v);
	*out = v;
	return 0;
}

int cfg_bool(const config_setting_t *s, const char *key, int required, int *out, struct err *e)
{
	config_setting_t *v = config_setting_get_member(s, key);
	if (!v)
		return required ? missing(s, key, e) : 0;
	if (config_setting_type(v) != CONFIG_TYPE_BOOL)
		return cfg_error(v, e, "'%s' must be true or false, not %s", key, type_name(config_setting_type(v)));
	*out = config_setting_get_bool(v);
	return 0;
}

int cfg_strings(const config_setting_t *s, const char *key, int required, char ***out, struct err *e)
{
	config_setting_t *v = config_setting_get_member(s, key);
	if (!v)
		return required ? missing(s, key, e) : 0;
	int t = config_setting_type(v);
	if (t == CONFIG_TYPE_STRING) {
		strv_free(*out);
		*out = NULL;
		strv_push(out, config_setting_get_string(v));
		return 0;
	}
	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return cfg_error(v, e, "'%s' must be a list of strings [ \"a\", \"b\" ], not %s", key, type_name(t));
	char **list = NULL;
	for (int i = 0; i < config_setting_length(v); i++) {
		config_setting_t *item = config_setting_get_elem(v, (unsigned)i);
		if (config_setting_type(item) != CONFIG_TYPE_STRING) {
			strv_free(list);
			return cfg_error(item, e, "'%s' must hold strings only, item %d is %s", key, i + 1,
					 type_name(config_setting_type(item)));
		}
		strv_push(&list, config_setting_get_string(item));
	}
	if (!list)
		list = xcalloc(1, sizeof(char *));
	strv_free(*out);
	*out = list;
	return 0;
}

int cfg_check_keys_with(const config_setting_t *s, const char *const *known, const char *const *also,
			   struct err *e)
{
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(m);
		if (!name)
			continue;
		int ok = 0;
		const char *best = NULL;
		int best_d = INT_MAX;
		for (int pass = 0; pass < 2 && !ok; pass++) {
			const char *const *list = pass ? also : known;
			for (size_t k = 0; list && list[k]; k++) {
				if (strcmp(list[k], name) == 0) {
					ok = 1;
					break;
				}
				int d = str_distance(name, list[k]);
				if (d < best_d) {
					best_d = d;
					best = list[k];
				}
			}
		}
		if (ok)
			continue;
		if (best && best_d <= 3)
			return cfg_error(m, e, "unknown key '%s' (did you mean '%s'?)", name, best);
		return cfg_error(m, e, "unknown key '%s'%s%s%s", name, best ? " (known keys include '" : "",
				 best ? best : "", best ? "')" : "");
	}
	return 0;
}

int cfg_check_keys(const config_setting_t *s, const char *const *known, struct err *e)
{
	return cfg_check_keys_with(s, known, cfg_common_step_keys, e);
}

