/*
 * config: loading and checking the libconfig file (see config.h).
 *
 * Main objects: struct config (owns everything), struct env_config per
 * environment (raw strings kept in struct env_raw until resolved), struct
 * step per step (its kind's settings in st->priv), and raw_strings: every
 * string of every step and hook with its FILE:LINE, so that expansion can be
 * checked per environment without keeping the libconfig tree.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "../lib/expand.h"
#include "../lib/redact.h"
#include "../lib/settings.h"
#include "../lib/util.h"
#include "../steps/step.h"

struct raw_string {
	char *value;
	const char *file;   /* borrowed: the config's path */
	int line;
	int step;           /* index into steps, -1 for hooks */
	char *what;         /* "step 'x'" or "hooks" */
};

struct env_raw {
	char *database;
	char *fa_url, *fa_token;
	char *ssh_user, *ssh_identity, *ssh_passphrase, *ssh_known_hosts;
	char **host_addresses;
	char **host_ports;     /* "" when the port was a number, else the raw string */
	int database_line, fa_line, ssh_line, hosts_line;
};

/* ---- raw strings of steps and hooks ---- */

static void add_raw(struct config *cfg, const config_setting_t *s, int step, const char *what)
{
	cfg->raw_strings = xrealloc(cfg->raw_strings, (cfg->nraw_strings + 1) * sizeof(*cfg->raw_strings));
	struct raw_string *r = &cfg->raw_strings[cfg->nraw_strings++];
	r->value = xstrdup(config_setting_get_string(s));
	r->file = cfg->path;
	r->line = (int)config_setting_source_line(s);
	r->step = step;
	r->what = xstrdup(what);
}

static void collect_strings(struct config *cfg, const config_setting_t *s, int step, const char *what)
{
	int t = config_setting_type(s);
	if (t == CONFIG_TYPE_STRING) {
		const char *name = config_setting_name(s);
		if (name && (strcmp(name, "name") == 0 || strcmp(name, "kind") == 0))
			return;
		add_raw(cfg, s, step, what);
		return;
	}
	if (t == CONFIG_TYPE_GROUP || t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY) {
		const char *name = config_setting_name(s);
		if (name && (strcmp(name, "only") == 0 || strcmp(name, "skip") == 0))
			return;
		for (int i = 0; i < config_setting_length(s); i++)
			collect_strings(cfg, config_setting_get_elem(s, (unsigned)i), step, what);
	}
}

/* ---- environments ---- */

static const char *const env_keys[] = { "database", "protected", "promote_from", "functions_api", "ssh", "hosts",
					"vars", "state_dir", "lock_wait_ms", NULL };
static const char *const fa_keys[] = { "url", "token", "insecure_tls", NULL };
static const char *const ssh_keys[] = { "user", "identity", "passphrase", "known_hosts", "connect_timeout_ms", NULL };
static const char *const host_keys[] = { "name", "address", "port", NULL };

static int parse_env(struct config *cfg, config_setting_t *s, struct env_config *env, struct err *e)
{
	int rc;
	long long n;
	env->name = xstrdup(config_setting_name(s));
	env->line = (int)config_setting_source_line(s);
	env->raw = xcalloc(1, sizeof(*env->raw));
	env->ssh.connect_timeout_ms = 10000;
	if (!config_setting_is_group(s))
		return cfg_error(s, e, "environment '%s' must be a group { ... }", env->name);
	if ((rc = cfg_check_keys_with(s, env_keys, NULL, e)) < 0)
		return rc;
	config_setting_t *m;
	if ((m = config_setting_get_member(s, "database"))) {
		if ((rc = cfg_string(s, "database", 0, &env->raw->database, e)) < 0)
			return rc;
		env->raw->database_line = (int)config_setting_source_line(m);
	}
	if ((rc = cfg_bool(s, "protected", 0, &env->protected_env, e)) < 0 ||
	    (rc = cfg_string(s, "promote_from", 0, &env->promote_from, e)) < 0)
		return rc;
	char *state_dir = NULL;
	if ((rc = cfg_string(s, "state_dir", 0, &state_dir, e)) < 0)
		return rc;
	env->state_dir = path_join(cfg->dir, state_dir ? state_dir : ".stagecoach");
	free(state_dir);
	n = 0;
	if ((rc = cfg_int_range(s, "lock_wait_ms", 0, 0, CFG_MAX_MS, &n, e)) < 0)
		return rc;
	env->lock_wait_ms = (int)n;
	if ((m = config_setting_get_member(s, "functions_api"))) {
		if (!config_setting_is_group(m))
			return cfg_error(m, e, "'functions_api' must be a group { url = ...; token = ...; }");
		if ((rc = cfg_check_keys_with(m, fa_keys, NULL, e)) < 0 ||
		    (rc = cfg_string(m, "url", 1, &env->raw->fa_url, e)) < 0 ||
		    (rc = cfg_string(m, "token", 0, &env->raw->fa_token, e)) < 0 ||
		    (rc = cfg_bool(m, "insecure_tls", 0, &env->functions_api.insecure_tls, e)) < 0)
			return rc;
		env->raw->fa_line = (int)config_setting_source_line(m);
	}
	if ((m = config_setting_get_member(s, "ssh"))) {
		if (!config_setting_is_group(m))
			return cfg_error(m, e, "'ssh' must be a group { user = ...; }");
		n = env->ssh.connect_timeout_ms;
		if ((rc = cfg_check_keys_with(m, ssh_keys, NULL, e)) < 0 ||
		    (rc = cfg_string(m, "user", 0, &env->raw->ssh_user, e)) < 0 ||
		    (rc = cfg_string(m, "identity", 0, &env->raw->ssh_identity, e)) < 0 ||
		    (rc = cfg_string(m, "passphrase", 0, &env->raw->ssh_passphrase, e)) < 0 ||
		    (rc = cfg_string(m, "known_hosts", 0, &env->raw->ssh_known_hosts, e)) < 0 ||
		    (rc = cfg_int_range(m, "connect_timeout_ms", 0, 1, 600000, &n, e)) < 0)
			return rc;
		env->ssh.connect_timeout_ms = (int)n;
		env->raw->ssh_line = (int)config_setting_source_line(m);
	}
	if ((m = config_setting_get_member(s, "hosts"))) {
		if (config_setting_type(m) != CONFIG_TYPE_LIST)
			return cfg_error(m, e, "'hosts' must be a list ( { name = ...; address = ...; }, ... )");
		env->raw->hosts_line = (int)config_setting_source_line(m);
		env->nhosts = (size_t)config_setting_length(m);
		env->hosts = xcalloc(env->nhosts, sizeof(*env->hosts));
		for (size_t i = 0; i < env->nhosts; i++) {
			config_setting_t *h = config_setting_get_elem(m, (unsigned)i);
			if (!config_setting_is_group(h))
				return cfg_error(h, e, "each host must be a group { name = ...; address = ...; }");
			long long port = 22;
			char *addr = NULL, *port_raw = NULL;
			config_setting_t *ps = config_setting_get_member(h, "port");
			/* a port may be "${SSH_PORT}": expanded with the environment */
			if (ps && config_setting_type(ps) == CONFIG_TYPE_STRING)
				port_raw = xstrdup(config_setting_get_string(ps));
			if ((rc = cfg_check_keys_with(h, host_keys, NULL, e)) < 0 ||
			    (rc = cfg_string(h, "address", 1, &addr, e)) < 0 ||
			    (rc = cfg_string(h, "name", 0, &env->hosts[i].name, e)) < 0 ||
			    (!port_raw && (rc = cfg_int(h, "port", 0, &port, e)) < 0)) {
				free(addr);
				free(port_raw);
				return rc;
			}
			strv_push(&env->raw->host_ports, port_raw ? port_raw : "");
			free(port_raw);
			if (port < 1 || port > 65535) {
				free(addr);
				return cfg_error(h, e, "host port %lld is not between 1 and 65535", port);
			}
			env->hosts[i].port = (int)port;
			if (!env->hosts[i].name)
				env->hosts[i].name = xstrdup(addr);
			strv_push(&env->raw->host_addresses, addr);
			free(addr);
			for (size_t j = 0; j < i; j++)
				if (strcmp(env->hosts[j].name, env->hosts[i].name) == 0)
					return cfg_error(h, e, "duplicate host name '%s'", env->hosts[i].name);
		}
	}
	if ((m = config_setting_get_member(s, "vars"))) {
		if (!config_setting_is_group(m))
			return cfg_error(m, e, "'vars' must be a group { name = \"value\"; }");
		env->nvars = (size_t)config_setting_length(m);
		env->vars = xcalloc(env->nvars, sizeof(*env->vars));
		for (size_t i = 0; i < env->nvars; i++) {
			config_setting_t *v = config_setting_get_elem(m, (unsigned)i);
			env->vars[i].key = xstrdup(config_setting_name(v));
			int t = config_setting_type(v);
			if (t == CONFIG_TYPE_STRING)
				env->vars[i].value = xstrdup(config_setting_get_string(v));
			else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
				env->vars[i].value = xasprintf("%lld", (long long)config_setting_get_int64(v));
			else if (t == CONFIG_TYPE_BOOL)
				env->vars[i].value = xstrdup(config_setting_get_bool(v) ? "true" : "false");
			else
				return cfg_error(v, e, "var '%s' must be a string or a number", env->vars[i].key);
		}
	}
	return 0;
}

static void expand_ctx_for(struct config *cfg, struct env_config *env, struct expand_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->vars = env->vars;
	ctx->nvars = env->nvars;
	ctx->env = env->name;
	ctx->secret_names = cfg->secrets;
	ctx->placeholders = 1;
}

static int resolve_one(struct config *cfg, struct env_config *env, const char *raw, int line, const char *what,
		       int secret, char **out, struct err *e)
{
	struct expand_ctx ctx;
	if (!raw)
		return 0;
	expand_ctx_for(cfg, env, &ctx);
	free(*out);
	*out = NULL;
	if (expand(raw, &ctx, out, e) < 0)
		return err_prefix(e, "%s:%d: environment '%s': %s", cfg->path, line, env->name, what);
	if (secret)
		redact_add(*out);
	if (*out && strstr(*out, "://"))
		redact_add_url_password(*out);
	return 0;
}

int config_env_resolve(struct config *cfg, struct env_config *env, struct err *e)
{
	struct env_raw *r = env->raw;
	int rc;
	if (env->resolved)
		return 0;
	if ((rc = resolve_one(cfg, env, r->database, r->database_line, "database", 0, &env->database, e)) < 0)
		return rc;
	if (env->database) {
		redact_add_url_password(env->database);
		if (!env->database[0])
			return err_set(e, SC_EUSAGE, "%s:%d: environment '%s': database is empty", cfg->path,
				       r->database_line, env->name);
	}
	if ((rc = resolve_one(cfg, env, r->fa_url, r->fa_line, "functions_api.url", 0, &env->functions_api.url,
			      e)) < 0 ||
	    (rc = resolve_one(cfg, env, r->fa_token, r->fa_line, "functions_api.token", 1,
			      &env->functions_api.token, e)) < 0 ||
	    (rc = resolve_one(cfg, env, r->ssh_user, r->ssh_line, "ssh.user", 0, &env->ssh.user, e)) < 0 ||
	    (rc = resolve_one(cfg, env, r->ssh_identity, r->ssh_line, "ssh.identity", 0, &env->ssh.identity, e)) <
		    0 ||
	    (rc = resolve_one(cfg, env, r->ssh_passphrase, r->ssh_line, "ssh.passphrase", 1, &env->ssh.passphrase,
			      e)) < 0 ||
	    (rc = resolve_one(cfg, env, r->ssh_known_hosts, r->ssh_line, "ssh.known_hosts", 0,
			      &env->ssh.known_hosts, e)) < 0)
		return rc;
	if (env->ssh.identity) {
		char *p = path_join(cfg->dir, env->ssh.identity);
		free(env->ssh.identity);
		env->ssh.identity = p;
	}
	if (env->ssh.known_hosts) {
		char *p = path_join(cfg->dir, env->ssh.known_hosts);
		free(env->ssh.known_hosts);
		env->ssh.known_hosts = p;
	} else if (getenv("HOME")) {
		env->ssh.known_hosts = xasprintf("%s/.ssh/known_hosts", getenv("HOME"));
	}
	for (size_t i = 0; i < env->nhosts; i++) {
		if ((rc = resolve_one(cfg, env, r->host_addresses[i], r->hosts_line, "hosts", 0,
				      &env->hosts[i].address, e)) < 0)
			return rc;
		if (r->host_ports[i][0]) {
			char *port = NULL, *end;
			if ((rc = resolve_one(cfg, env, r->host_ports[i], r->hosts_line, "hosts", 0, &port, e)) < 0)
				return rc;
			long v = strtol(port, &end, 10);
			if (*end || v < 1 || v > 65535) {
				rc = err_set(e, SC_EUSAGE, "%s:%d: environment '%s': host '%s': port '%s' is not a number "
					     "between 1 and 65535", cfg->path, r->hosts_line, env->name, env->hosts[i].name,
					     port);
				free(port);
				return rc;
			}
			env->hosts[i].port = (int)v;
			free(port);
		}
	}
	/* every step string and hook that applies here must expand */
	for (size_t i = 0; i < cfg->nraw_strings; i++) {
		struct raw_string *rs = &cfg->raw_strings[i];
		if (rs->step >= 0 && !config_step_applies(&cfg->steps[rs->step], env) && !cfg->steps[rs->step].gate_only)
			continue;
		struct expand_ctx ctx;
		char *tmp = NULL;
		expand_ctx_for(cfg, env, &ctx);
		ctx.host_placeholders = rs->step >= 0 && (cfg->steps[rs->step].host_vars || cfg->steps[rs->step].gate);
		if (expand(rs->value, &ctx, &tmp, e) < 0)
			return err_prefix(e, "%s:%d: %s", rs->file, rs->line, rs->what);
		explicit_bzero(tmp, strlen(tmp));
		free(tmp);
	}
	env->resolved = 1;
	return 0;
}

/* ---- steps ---- */

/* ${host.name}/${host.address} only where a host is at hand: the strings of
 * ssh and release steps and of the gates they run (which then run only as
 * gates, once per host); anywhere else FILE:LINE */
static int check_host_vars(struct config *cfg, struct err *e)
{
	for (size_t i = 0; i < cfg->nraw_strings; i++) {
		struct raw_string *rs = &cfg->raw_strings[i];
		if (!strstr(rs->value, "${host."))
			continue;
		struct step *st = rs->step >= 0 ? &cfg->steps[rs->step] : NULL;
		if (st && st->host_vars)
			continue;
		if (st && st->gate) {
			st->gate_only = 1;
			continue;
		}
		const char *v = strstr(rs->value, "${host.");
		const char *end = strchr(v, '}');
		return err_set(e, SC_EUSAGE,
			       "%s:%d: %s: '%.*s' is defined only in the commands of ssh and release steps and in the "
			       "gates they run after each batch",
			       rs->file, rs->line, rs->what, end ? (int)(end - v + 1) : (int)strlen(v), v);
	}
	return 0;
}

static int parse_step(struct config *cfg, config_setting_t *s, struct step *st, int index, struct err *e)
{
	int rc;
	st->file = cfg->path;
	st->line = (int)config_setting_source_line(s);
	st->position = index + 1;
	if (!config_setting_is_group(s))
		return cfg_error(s, e, "step %d must be a group { name = ...; kind = ...; }", index + 1);
	if ((rc = cfg_string(s, "name", 1, &st->name, e)) < 0 || (rc = cfg_string(s, "kind", 1, &st->kind, e)) < 0)
		return rc;
	if (!st->name[0])
		return cfg_error(s, e, "step name is empty");
	for (int i = 0; i < index; i++)
		if (strcmp(cfg->steps[i].name, st->name) == 0)
			return cfg_error(s, e, "duplicate step name '%s' (first at line %d)", st->name,
					 cfg->steps[i].line);
	st->ops = step_kind_find(st->kind);
	if (!st->ops) {
		config_setting_t *k = config_setting_get_member(s, "kind");
		return cfg_error(k, e, "unknown step kind '%s' (did you mean '%s'?)", st->kind,
				 step_kind_closest(st->kind));
	}
	if ((rc = cfg_strings(s, "only", 0, &st->only, e)) < 0 || (rc = cfg_strings(s, "skip", 0, &st->skip, e)) < 0 ||
	    (rc = cfg_int_range(s, "timeout_ms", 0, 0, CFG_MAX_MS, &st->timeout_ms, e)) < 0 ||
	    (rc = cfg_bool(s, "continue_on_error", 0, &st->continue_on_error, e)) < 0)
		return rc;
	if (st->timeout_ms < 0)
		return cfg_error(s, e, "timeout_ms must not be negative");
	for (int pass = 0; pass < 2; pass++) {
		char **list = pass ? st->skip : st->only;
		for (size_t i = 0; list && list[i]; i++)
			if (!config_env(cfg, list[i])) {
				config_setting_t *m = config_setting_get_member(s, pass ? "skip" : "only");
				return cfg_error(m, e, "'%s' names unknown environment '%s'", pass ? "skip" : "only",
						 list[i]);
			}
	}
	char *what = xasprintf("step '%s'", st->name);
	collect_strings(cfg, s, index, what);
	free(what);
	return st->ops->parse(st, s, e);
}

/* ---- the file ---- */

static const char *const top_keys[] = { "version", "project", "migrations", "functions", "secrets",
					"environments", "steps", "hooks", NULL };
static const char *const hook_keys[] = { "before", "after", "on_failure", "notify", NULL };
/* an entry of hooks.notify that is a group rather than a URL */
static const char *const notify_keys[] = { "url", "format", "events", "timeout_ms", NULL };

/* One entry of hooks.notify: "URL" (the JSON summary when the run ends),
 * or { url = "URL"; format = "json"|"slack"|"teams"; events = ["start",
 * "end"]; timeout_ms = N; } (slack and teams default to both events). */
static int parse_notify_entry(const config_setting_t *s, struct notify_target *t, struct err *e)
{
	int rc;
	t->on_end = 1;
	t->timeout_ms = 5000;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		t->url = xstrdup(config_setting_get_string(s));
		return 0;
	}
	if (!config_setting_is_group(s))
		return cfg_error(s, e, "'notify' entries are URLs or groups { url = \"...\"; format = \"slack\"; }");
	char *format = NULL;
	char **events = NULL;
	if ((rc = cfg_check_keys_with(s, notify_keys, NULL, e)) < 0 || (rc = cfg_string(s, "url", 1, &t->url, e)) < 0 ||
	    (rc = cfg_string(s, "format", 0, &format, e)) < 0 || (rc = cfg_strings(s, "events", 0, &events, e)) < 0 ||
	    (rc = cfg_int_range(s, "timeout_ms", 0, 100, 60000, &t->timeout_ms, e)) < 0)
		goto out;
	if (!format || strcmp(format, "json") == 0) {
		t->format = NOTIFY_JSON;
	} else if (strcmp(format, "slack") == 0 || strcmp(format, "teams") == 0) {
		t->format = format[0] == 's' ? NOTIFY_SLACK : NOTIFY_TEAMS;
		t->on_start = 1; /* a channel wants to know a release is under way */
	} else {
		rc = cfg_error(config_setting_get_member(s, "format"), e,
			       "'format' must be \"json\", \"slack\" or \"teams\", not '%s'", format);
		goto out;
	}
	if (events) {
		t->on_start = t->on_end = 0;
		for (size_t i = 0; events[i]; i++) {
			if (strcmp(events[i], "start") == 0) {
				t->on_start = 1;
			} else if (strcmp(events[i], "end") == 0) {
				t->on_end = 1;
			} else {
				rc = cfg_error(config_setting_get_member(s, "events"), e,
					       "'events' lists \"start\" and \"end\", not '%s'", events[i]);
				goto out;
			}
		}
	}
out:
	free(format);
	strv_free(events);
	return rc < 0 ? rc : 0;
}

static int parse_notify(const config_setting_t *hooks, struct hooks_config *h, struct err *e)
{
	const config_setting_t *m = config_setting_get_member(hooks, "notify");
	if (!m)
		return 0;
	if (!config_setting_is_list(m) && !config_setting_is_array(m))
		return cfg_error(m, e, "'notify' must be a list [ \"URL\", { url = ...; format = \"slack\"; } ]");
	int n = config_setting_length(m);
	h->notify = xcalloc(n > 0 ? (size_t)n : 1, sizeof(*h->notify));
	for (int i = 0; i < n; i++) {
		int rc = parse_notify_entry(config_setting_get_elem(m, (unsigned)i), &h->notify[h->nnotify++], e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

const struct cfg_keys config_keys[] = {
	{ "", top_keys },
	{ "environments.NAME.", env_keys },
	{ "environments.NAME.functions_api.", fa_keys },
	{ "environments.NAME.ssh.", ssh_keys },
	{ "environments.NAME.hosts[].", host_keys },
	{ "hooks.", hook_keys },
	{ "hooks.notify[].", notify_keys },
	{ "steps[].", cfg_common_step_keys },
	{ NULL, NULL },
};

static int check_file_bytes(const char *path, struct err *e)
{
	char *data;
	size_t len;
	if (file_read_all(path, &data, &len) < 0)
		return err_set(e, SC_EUSAGE, "%s: cannot read the configuration: %s", path, strerror(errno));
	int rc = 0;
	size_t nonspace = 0;
	int line = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\n')
			line++;
		if (c == 0 || (c < 32 && c != '\n' && c != '\r' && c != '\t' && c != '\f')) {
			rc = err_set(e, SC_EUSAGE, "%s:%d: not a text file (byte 0x%02x at offset %zu): is this the "
				     "configuration?", path, line, c, i);
			break;
		}
		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			nonspace++;
	}
	if (rc == 0 && nonspace == 0)
		rc = err_set(e, SC_EUSAGE, "%s:1: the configuration is empty: it needs at least 'environments' "
			     "and 'steps'", path);
	free(data);
	return rc;
}

static int load_tree(struct config *cfg, config_t *lc, struct err *e)
{
	config_setting_t *root = config_root_setting(lc);
	int rc;
	long long version = 1;
	if ((rc = cfg_check_keys_with(root, top_keys, NULL, e)) < 0 || (rc = cfg_int(root, "version", 0, &version, e)) < 0)
		return rc;
	if (version != 1)
		return cfg_error(config_setting_get_member(root, "version"), e,
				 "version %lld is not supported (this stagecoach reads version 1)", version);
	cfg->version = (int)version;
	if ((rc = cfg_string(root, "project", 1, &cfg->project, e)) < 0)
		return rc;
	char *p = NULL;
	if ((rc = cfg_string(root, "migrations", 0, &p, e)) < 0)
		return rc;
	if (p) {
		cfg->migrations = path_join(cfg->dir, p);
		cfg->migrations_line = (int)config_setting_source_line(config_setting_get_member(root, "migrations"));
		free(p);
		p = NULL;
	}
	if ((rc = cfg_string(root, "functions", 0, &p, e)) < 0)
		return rc;
	if (p) {
		cfg->functions = path_join(cfg->dir, p);
		free(p);
	}
	if ((rc = cfg_strings(root, "secrets", 0, &cfg->secrets, e)) < 0)
		return rc;
	for (size_t i = 0; cfg->secrets && cfg->secrets[i]; i++)
		redact_add(getenv(cfg->secrets[i]));

	config_setting_t *envs = config_setting_get_member(root, "environments");
	if (!envs)
		return err_set(e, SC_EUSAGE, "%s:1: missing required key 'environments'", cfg->path);
	if (!config_setting_is_group(envs))
		return cfg_error(envs, e, "'environments' must be a group { staging = { ... }; }");
	cfg->nenvs = (size_t)config_setting_length(envs);
	if (cfg->nenvs == 0)
		return cfg_error(envs, e, "'environments' is empty: name at least one");
	cfg->envs = xcalloc(cfg->nenvs, sizeof(*cfg->envs));
	for (size_t i = 0; i < cfg->nenvs; i++)
		if ((rc = parse_env(cfg, config_setting_get_elem(envs, (unsigned)i), &cfg->envs[i], e)) < 0)
			return rc;
	for (size_t i = 0; i < cfg->nenvs; i++) {
		const char *from = cfg->envs[i].promote_from;
		if (from && (!config_env(cfg, from) || strcmp(from, cfg->envs[i].name) == 0)) {
			config_setting_t *m = config_setting_get_member(config_setting_get_elem(envs, (unsigned)i),
									"promote_from");
			return cfg_error(m, e, "promote_from names %s environment '%s'",
					 config_env(cfg, from) ? "its own" : "unknown", from);
		}
	}

	config_setting_t *steps = config_setting_get_member(root, "steps");
	if (!steps)
		return err_set(e, SC_EUSAGE, "%s:1: missing required key 'steps'", cfg->path);
	if (config_setting_type(steps) != CONFIG_TYPE_LIST)
		return cfg_error(steps, e, "'steps' must be a list ( { name = ...; kind = ...; }, ... )");
	size_t nsteps = (size_t)config_setting_length(steps);
	cfg->steps = xcalloc(nsteps ? nsteps : 1, sizeof(*cfg->steps));
	for (size_t i = 0; i < nsteps; i++) {
		cfg->nsteps = i + 1;
		if ((rc = parse_step(cfg, config_setting_get_elem(steps, (unsigned)i), &cfg->steps[i], (int)i, e)) < 0)
			return rc;
	}

	for (size_t i = 0; i < cfg->nsteps; i++)
		if (cfg->steps[i].ops->check && (rc = cfg->steps[i].ops->check(&cfg->steps[i], cfg, e)) < 0)
			return rc;
	if ((rc = check_host_vars(cfg, e)) < 0)
		return rc;

	config_setting_t *hooks = config_setting_get_member(root, "hooks");
	if (hooks) {
		if (!config_setting_is_group(hooks))
			return cfg_error(hooks, e, "'hooks' must be a group { before = [ ... ]; }");
		if ((rc = cfg_check_keys_with(hooks, hook_keys, NULL, e)) < 0 ||
		    (rc = cfg_strings(hooks, "before", 0, &cfg->hooks.before, e)) < 0 ||
		    (rc = cfg_strings(hooks, "after", 0, &cfg->hooks.after, e)) < 0 ||
		    (rc = cfg_strings(hooks, "on_failure", 0, &cfg->hooks.on_failure, e)) < 0 ||
		    (rc = parse_notify(hooks, &cfg->hooks, e)) < 0)
			return rc;
		collect_strings(cfg, hooks, -1, "hooks");
	}
	return 0;
}

int config_load(const char *path, struct config **out, struct err *e)
{
	struct stat sb;
	if (stat(path, &sb) < 0)
		return err_set(e, SC_EUSAGE, "%s: cannot open the configuration: %s (use -c FILE or "
			       "$STAGECOACH_CONFIG)", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return err_set(e, SC_EUSAGE, "%s: the configuration is not a regular file", path);
	if (sb.st_size > 16 * 1024 * 1024)
		return err_set(e, SC_EUSAGE, "%s: the configuration is %lld bytes: too large (16 MiB at most)", path,
			       (long long)sb.st_size);
	int rc = check_file_bytes(path, e);
	if (rc < 0)
		return rc;

	struct config *cfg = xcalloc(1, sizeof(*cfg));
	cfg->path = xstrdup(path);
	char *abs = realpath(path, NULL);
	if (!abs)
		abs = xstrdup(path);
	char *slash = strrchr(abs, '/');
	cfg->dir = slash ? xstrndup(abs, slash == abs ? 1 : (size_t)(slash - abs)) : xstrdup(".");
	free(abs);

	config_t lc;
	config_init(&lc);
	config_set_include_dir(&lc, cfg->dir);
	if (!config_read_file(&lc, path)) {
		const char *f = config_error_file(&lc);
		const char *text = config_error_text(&lc);
		int same = text && strcmp(text, "syntax error") == 0;
		rc = err_set(e, SC_EUSAGE, "%s:%d: syntax error%s%s", f ? f : path, config_error_line(&lc),
			     same || !text ? "" : ": ", same || !text ? "" : text);
	} else {
		rc = load_tree(cfg, &lc, e);
	}
	config_destroy(&lc);
	if (rc < 0) {
		config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

static void free_wiped(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->nsteps; i++) {
		struct step *st = &cfg->steps[i];
		if (st->ops && st->ops->free)
			st->ops->free(st);
		free(st->name);
		free(st->kind);
		strv_free(st->only);
		strv_free(st->skip);
	}
	free(cfg->steps);
	for (size_t i = 0; i < cfg->nenvs; i++) {
		struct env_config *env = &cfg->envs[i];
		free(env->name);
		free_wiped(env->database);
		free(env->state_dir);
		free(env->promote_from);
		free(env->functions_api.url);
		free_wiped(env->functions_api.token);
		free(env->ssh.user);
		free(env->ssh.identity);
		free_wiped(env->ssh.passphrase);
		free(env->ssh.known_hosts);
		for (size_t h = 0; h < env->nhosts; h++) {
			free(env->hosts[h].name);
			free(env->hosts[h].address);
		}
		free(env->hosts);
		for (size_t v = 0; v < env->nvars; v++) {
			free(env->vars[v].key);
			free_wiped(env->vars[v].value);
		}
		free(env->vars);
		if (env->raw) {
			free_wiped(env->raw->database);
			free(env->raw->fa_url);
			free_wiped(env->raw->fa_token);
			free(env->raw->ssh_user);
			free(env->raw->ssh_identity);
			free_wiped(env->raw->ssh_passphrase);
			free(env->raw->ssh_known_hosts);
			strv_free(env->raw->host_addresses);
			strv_free(env->raw->host_ports);
			free(env->raw);
		}
	}
	free(cfg->envs);
	for (size_t i = 0; i < cfg->nraw_strings; i++) {
		free(cfg->raw_strings[i].value);
		free(cfg->raw_strings[i].what);
	}
	free(cfg->raw_strings);
	strv_free(cfg->hooks.before);
	strv_free(cfg->hooks.after);
	strv_free(cfg->hooks.on_failure);
	for (size_t i = 0; i < cfg->hooks.nnotify; i++)
		free(cfg->hooks.notify[i].url);
	free(cfg->hooks.notify);
	strv_free(cfg->secrets);
	free(cfg->migrations);
	free(cfg->functions);
	free(cfg->project);
	free(cfg->dir);
	free(cfg->path);
	free(cfg);
}

int config_env_get(struct config *cfg, const char *name, struct env_config **out, struct err *e)
{
	*out = config_env(cfg, name);
	if (*out)
		return 0;
	struct buf known = BUF_INIT;
	for (size_t i = 0; i < cfg->nenvs; i++)
		buf_addf(&known, "%s'%s'", i ? ", " : "", cfg->envs[i].name);
	err_set(e, SC_EUSAGE, "%s: no environment '%s' (the configuration has %s)", cfg->path, name,
		buf_str(&known));
	buf_release(&known);
	return -SC_EUSAGE;
}

