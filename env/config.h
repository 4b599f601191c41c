/*
 * config (env): the configuration as a run and its steps see it: the
 * environments, their hosts and settings, the steps in order, the hooks;
 * and the lookups over them.  orchestrator/config.c loads it from the file
 * and frees it; everything here is read-only for env/ and steps/.
 */
#ifndef SC_ENV_CONFIG_H
#define SC_ENV_CONFIG_H

#include <stddef.h>
#include "../lib/expand.h"

struct step_ops;

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

/* The payload shape of a notify target (hooks/notify.c) */
enum notify_format {
	NOTIFY_JSON = 0,    /* stagecoach's own summary object */
	NOTIFY_SLACK,       /* Slack incoming webhook: {"text", "blocks"} */
	NOTIFY_TEAMS,       /* Microsoft Teams webhook: an Adaptive Card in an attachment */
};

struct notify_target {
	char *url;              /* raw (expanded per run) */
	enum notify_format format;
	int on_start, on_end;   /* which moments it is sent at */
	long long timeout_ms;   /* per attempt */
};

struct hooks_config {
	char **before;      /* raw commands (expanded per run), NULL-terminated */
	char **after;
	char **on_failure;
	struct notify_target *notify; /* array of nnotify */
	size_t nnotify;
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

/*
 * One configured step.  Its kind's table of operations (steps/step.h) is
 * `ops`; what the kind parsed is `priv`.
 */
struct step {
	const struct step_ops *ops;
	char *name;
	char *kind;
	const char *file;        /* the config file's path (borrowed from config) */
	int line;
	int position;            /* 1-based position in the config */
	char **only;             /* NULL-terminated env names, or NULL */
	char **skip;
	long long timeout_ms;    /* 0: none */
	int continue_on_error;
	int host_vars;           /* ${host.name}/${host.address} are defined in its strings (ssh, release) */
	int gate;                /* the `health` gate of an ssh or release step (set at load) */
	int gate_only;           /* a gate whose strings use ${host.*}: runs only as a gate, per host */
	void *priv;              /* the kind's settings; freed by ops->free */
};

struct env_config *config_env(struct config *cfg, const char *name);
struct step *config_step(struct config *cfg, const char *name);
/* Whether step runs on env (only/skip). */
int config_step_applies(const struct step *st, const struct env_config *env);

#endif
