/*
 * config: loads the libconfig file of SPEC section 2 into struct config.
 *
 * Loading checks everything that can be checked without a connection:
 * syntax, unknown keys (with the closest known key), types, required keys,
 * step kinds, duplicate step names, only/skip naming unknown environments,
 * and that every ${...} in every string expands for every environment.
 * Every error names FILE:LINE and has code SC_EUSAGE.
 *
 * Strings are copied out of the libconfig tree, which is freed at the end of
 * config_load().  Step strings are kept raw (unexpanded): a step expands them
 * with run_expand() when it runs, since ${env}, ${release}, ${run_id} and
 * ${vars.X} depend on the run.  Environment-level strings (database, token,
 * ssh, hosts) are expanded at load, per environment.
 *
 * config_free() frees everything, wiping secrets.
 */
#ifndef SC_CONFIG_H
#define SC_CONFIG_H

#include <libconfig.h>
#include <stddef.h>
#include "../lib/err.h"

struct step;

struct kv {
	char *key;
	char *value;
};

struct host {
	char *name;
	char *address;
	int port;           /* default 22 */
};

struct env_config {
	char *name;
	int line;
	char *database;     /* expanded URL, NULL when none (then state_dir) */
	char *state_dir;    /* absolute; default <config dir>/.stagecoach */
	int protected_env;
	char *promote_from; /* NULL when any deploy may come in */
	int lock_wait_ms;
	struct {
		char *url;      /* NULL when the environment has no functions API */
		char *token;    /* secret */
		int insecure_tls;
	} functions_api;
	struct {
		char *user;
		char *identity;       /* path, NULL: use ssh-agent */
		char *passphrase;     /* secret, NULL when none */
		char *known_hosts;    /* path; default ~/.ssh/known_hosts */
		int connect_timeout_ms;
	} ssh;
	struct host *hosts;
	size_t nhosts;
	struct kv *vars;    /* raw values as written (may use ${NAME}) */
	size_t nvars;
	struct env_raw *raw; /* private to config.c: the raw strings, for config_env_resolve */
	int resolved;       /* config_env_resolve succeeded */
};

struct hooks_config {
	char **before;      /* raw commands (expanded per run), NULL-terminated */
	char **after;
	char **on_failure;
	char **notify;      /* URLs */
};

struct config {
	char *path;         /* as given */
	char *dir;          /* absolute folder of the file: base of relative paths */
	int version;
	char *project;
	char *migrations;   /* absolute path, NULL when not set */
	int migrations_line; /* line of `migrations = ...`, for errors about the folder */
	char *functions;    /* absolute path, NULL when not set */
	char **secrets;     /* names of secret environment variables */
	struct env_config *envs;
	size_t nenvs;
	struct step *steps; /* array of nsteps */
	size_t nsteps;
	struct hooks_config hooks;
	struct raw_string *raw_strings; /* private to config.c: every step/hook string, for checks */
	size_t nraw_strings;
};

/* Load and check path.  Returns 0 and *out, or -SC_EUSAGE with e filled
 * ("FILE:LINE: ...").  The caller frees *out with config_free(). */
int config_load(const char *path, struct config **out, struct err *e);
void config_free(struct config *cfg);

/*
 * Expand the environment's own strings (database, functions_api, ssh,
 * hosts) and check that every step string and hook that applies to it
 * expands.  Commands that target one environment resolve only that one, so
 * a CI job for staging needs no production secrets; `validate` resolves
 * them all.  Idempotent.
 */
int config_env_resolve(struct config *cfg, struct env_config *env, struct err *e);
struct env_config *config_env(struct config *cfg, const char *name);
/* config_env, with an error naming the known environments when absent */
int config_env_get(struct config *cfg, const char *name, struct env_config **out, struct err *e);
struct step *config_step(struct config *cfg, const char *name);
/* Whether step runs on env (only/skip). */
int config_step_applies(const struct step *st, const struct env_config *env);

/*
 * Helpers for a step kind's parse().  Each reads `key` of group `s`, copies
 * the value, and on a wrong type fills e with "FILE:LINE: step 'NAME': ...".
 * `required` makes a missing key an error; otherwise *out keeps its value.
 */
int cfg_string(const config_setting_t *s, const char *key, int required, char **out, struct err *e);
int cfg_int(const config_setting_t *s, const char *key, int required, long long *out, struct err *e);
int cfg_bool(const config_setting_t *s, const char *key, int required, int *out, struct err *e);
/* an array or list of strings; *out NULL-terminated (caller frees with strv_free) */
int cfg_strings(const config_setting_t *s, const char *key, int required, char ***out, struct err *e);
/* Unknown keys of group s are errors naming the closest of `known` (a
 * NULL-terminated list; the common step keys are always accepted). */
int cfg_check_keys(const config_setting_t *s, const char *const *known, struct err *e);
/* Fill e with "FILE:LINE: step 'NAME': <fmt>" for setting s; returns -SC_EUSAGE. */
int cfg_error(const config_setting_t *s, struct err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
