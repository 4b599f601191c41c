/*
 * run: a run as the steps see it (see run.h).
 */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run.h"
#include "state.h"
#include "config.h"
#include "../lib/expand.h"
#include "../lib/shellexpand.h"
#include "../lib/sink.h"
#include "../lib/redact.h"
#include "../lib/util.h"

extern char **environ;

static char *actor_name(void)
{
	const char *names[] = { "STAGECOACH_ACTOR", "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "USER", "LOGNAME", NULL };
	for (size_t i = 0; names[i]; i++) {
		const char *v = getenv(names[i]);
		if (v && v[0])
			return xstrdup(v);
	}
	struct passwd *pw = getpwuid(getuid());
	return xstrdup(pw ? pw->pw_name : "unknown");
}

struct run *run_new(struct config *cfg, struct env_config *env, const char *command)
{
	struct run *r = xcalloc(1, sizeof(*r));
	r->cfg = cfg;
	r->env = env;
	r->command = command;
	char t[32];
	long long now = time_wall_ms();
	time_iso8601(now, t);
	unsigned char rnd[3] = { 0, 0, 0 };
	FILE *f = fopen("/dev/urandom", "rb");
	if (f) {
		if (fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd))
			rnd[0] = (unsigned char)getpid();
		fclose(f);
	}
	/* 20261201T163700Z-a1b2c3: sortable, unique enough, safe in file names */
	snprintf(r->run_id, sizeof(r->run_id), "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%02x%02x%02x", t, t + 5, t + 8, t + 11,
		 t + 14, t + 17, rnd[0], rnd[1], rnd[2]);
	r->actor = actor_name();
	r->git_dirty = -1;
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	r->hostname = xstrdup(host);
	r->interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
	r->nexecs = cfg->nsteps;
	r->execs = xcalloc(r->nexecs ? r->nexecs : 1, sizeof(*r->execs));
	for (size_t i = 0; i < r->nexecs; i++) {
		r->execs[i].step = &cfg->steps[i];
		r->execs[i].detail = json_object();
	}
	return r;
}

void run_free(struct run *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nexecs; i++) {
		json_decref(r->execs[i].detail);
		free(r->execs[i].error);
		free(r->execs[i].rollback_error);
	}
	free(r->execs);
	if (r->db)
		PQfinish(r->db);
	state_close(r->state);
	free(r->release);
	free(r->git_commit);
	free(r->content_hash);
	strv_free(r->approve_steps);
	free(r->actor);
	free(r->hostname);
	free(r->promoted_from);
	free(r->undoes);
	free(r->notify_previous);
	free(r);
}

/* The expansion context of this run (and of the host at hand) */
static struct expand_ctx run_expand_ctx(const struct run *r)
{
	struct expand_ctx ctx = {
		.vars = r->env->vars,
		.nvars = r->env->nvars,
		.env = r->env->name,
		.release = r->release,
		.run_id = r->run_id,
		.secret_names = r->cfg->secrets,
		.placeholders = r->release == NULL,
	};
	if (r->host) {
		ctx.host_name = r->host->name;
		ctx.host_address = r->host->address;
	}
	return ctx;
}

/* Expand raw (NULL: *out NULL) as a command or not; a URL's password in the
 * result is a secret, whatever holds it. */
static int run_expand_as(struct run *r, const char *raw, int command, char **out, char ***exports, struct err *e)
{
	struct expand_ctx ctx = run_expand_ctx(r);
	if (!raw) {
		*out = NULL;
		return 0;
	}
	int rc = command ? expand_command(raw, &ctx, out, exports, e) : expand(raw, &ctx, out, e);
	if (rc == 0 && strstr(*out, "://"))
		redact_add_url_password(*out);
	return rc;
}

int run_expand(struct run *r, const char *raw, char **out, struct err *e)
{
	return run_expand_as(r, raw, 0, out, NULL, e);
}

int run_expand_command(struct run *r, const char *raw, char **out, char ***exports, struct err *e)
{
	return run_expand_as(r, raw, 1, out, exports, e);
}

PGconn *run_db(struct run *r, struct err *e)
{
	if (r->db && PQstatus(r->db) == CONNECTION_OK) {
		/* a server restart shows only on the next query: ask once */
		PGresult *ping = PQexec(r->db, "");
		int alive = PQresultStatus(ping) == PGRES_EMPTY_QUERY;
		PQclear(ping);
		if (alive)
			return r->db;
	}
	if (r->db) {
		PQreset(r->db);
		if (PQstatus(r->db) == CONNECTION_OK)
			return r->db;
		PQfinish(r->db);
		r->db = NULL;
	}
	if (!r->env->database) {
		err_set(e, SC_EUSAGE, "environment '%s' has no database", r->env->name);
		return NULL;
	}
	char app[80];
	snprintf(app, sizeof(app), "stagecoach/%s/steps", r->run_id);
	const char *keys[] = { "dbname", "application_name", "connect_timeout", NULL };
	const char *vals[] = { r->env->database, app, "10", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c) != CONNECTION_OK) {
		char *where = redact_url(r->env->database);
		char *msg = redact(PQerrorMessage(c));
		size_t n = strlen(msg);
		while (n && msg[n - 1] == '\n')
			msg[--n] = '\0';
		err_set(e, SC_EUNREACHABLE, "cannot connect to %s: %s", where, msg);
		free(where);
		free(msg);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, state_quiet_notice, NULL);
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	r->db = c;
	return c;
}

PGconn *run_db_read(struct run *r, struct err *e)
{
	if (!r->db && r->state && r->state->conn && PQstatus(r->state->conn) == CONNECTION_OK &&
	    PQtransactionStatus(r->state->conn) == PQTRANS_IDLE)
		return r->state->conn;
	return run_db(r, e);
}

json_t *run_detail(struct run *r)
{
	if (!r->cur)
		BUG("run_detail outside a step");
	return r->cur->detail;
}

#define VFORMAT(fmt, s)                                                                                          \
	va_list ap;                                                                                              \
	va_start(ap, fmt);                                                                                       \
	char *s = xvasprintf(fmt, ap);                                                                           \
	va_end(ap)

void run_plan_line(struct run *r, const char *fmt, ...)
{
	VFORMAT(fmt, s);
	if (r->dry_run && r->cur)
		sink_plan_line(&r->sink, r, r->cur, s);
	free(s);
}

void run_progress(struct run *r, const char *fmt, ...)
{
	VFORMAT(fmt, s);
	if (r->cur)
		sink_progress(&r->sink, r, r->cur, s);
	free(s);
}

void run_log(struct run *r, const char *fmt, ...)
{
	VFORMAT(fmt, s);
	if (r->cur)
		sink_log(&r->sink, r, r->cur, s);
	free(s);
}

void run_warn(struct run *r, const char *fmt, ...)
{
	VFORMAT(fmt, s);
	sink_warn(&r->sink, "%s '%s': %s", r->command, r->env->name, s);
	free(s);
}

int run_approval(struct run *r, const char *message, struct err *e)
{
	if (r->approve)
		return 0;
	if (!r->interactive)
		return err_set(e, SC_EAPPROVAL,
			       "%s: approval needed and there is no terminal to ask: pass --approve "
			       "(nothing was changed by this check)", message);
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return err_set(e, SC_EAPPROVAL, "%s: approval needed and /dev/tty cannot be opened: %s; pass --approve",
			       message, strerror(errno));
	sink_prompt(&r->sink); /* not after a step's progress text */
	fprintf(tty, "%s\nType the environment's name ('%s') to approve: ", message, r->env->name);
	fflush(tty);
	char line[256] = "";
	char *got = fgets(line, sizeof(line), tty);
	fclose(tty);
	if (got) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, r->env->name) == 0)
			return 0;
	}
	return err_set(e, SC_EAPPROVAL, "%s: not approved (typed '%s', expected '%s')", message, got ? line : "",
		       r->env->name);
}

int run_step_approved(const struct run *r, const char *step_name)
{
	for (size_t i = 0; r->approve_steps && r->approve_steps[i]; i++)
		if (strcmp(r->approve_steps[i], step_name) == 0)
			return 1;
	return 0;
}

int run_ask_name(struct run *r, const char *message, const char *prompt)
{
	if (!r->interactive)
		return 0;
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return 0;
	sink_prompt(&r->sink); /* not after a step's progress text */
	fprintf(tty, "%s\n%s ", message, prompt);
	fflush(tty);
	char line[256] = "";
	char *got = fgets(line, sizeof(line), tty);
	fclose(tty);
	if (!got)
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return strcmp(line, r->env->name) == 0;
}

char **run_child_env(struct run *r)
{
	char **env = NULL;
	static const char *const ours[] = { "STAGECOACH_ENV=", "STAGECOACH_RELEASE=", "STAGECOACH_RUN_ID=",
					    "DATABASE_URL=", NULL };
	for (char **p = environ; p && *p; p++) {
		int skip = 0;
		for (size_t i = 0; ours[i]; i++)
			if (starts_with(*p, ours[i]))
				skip = 1;
		if (!skip)
			strv_push(&env, *p);
	}
	char *v = xasprintf("STAGECOACH_ENV=%s", r->env->name);
	strv_push(&env, v);
	free(v);
	v = xasprintf("STAGECOACH_RELEASE=%s", r->release ? r->release : "");
	strv_push(&env, v);
	free(v);
	v = xasprintf("STAGECOACH_RUN_ID=%s", r->run_id);
	strv_push(&env, v);
	free(v);
	if (r->env->database) {
		v = xasprintf("DATABASE_URL=%s", r->env->database);
		strv_push(&env, v);
		explicit_bzero(v, strlen(v));
		free(v);
	}
	return env;
}

void run_checkpoint(struct run *r)
{
	struct err e = ERR_INIT;
	if (!r->state || !r->cur || r->cur < r->execs || r->cur >= r->execs + r->nexecs)
		return;
	if (state_step_write(r->state, r, (size_t)(r->cur - r->execs), &e) < 0)
		run_warn(r, "step '%s': could not save its progress: %s", r->cur->step->name, e.msg);
}

const char *run_target_id(const struct run *r)
{
	return r->undoing_run_id ? r->undoing_run_id : r->run_id;
}

int run_should_stop(const struct run *r)
{
	return r->stop != 0;
}
