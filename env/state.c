/*
 * state: the stagecoach schema and its records (see state.h).
 *
 * The schema is versioned in stagecoach.schema_version; state_open applies
 * the upgrades it lacks, under a transaction-level advisory lock so that two
 * first runs at once do not race to create it.  Later issues add upgrades by
 * appending to `upgrades`.
 *
 * An environment without a database has the same records as files: every
 * public function here hands a state without a connection (st->conn NULL)
 * to its statefile_* twin (statefile.c).
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "state.h"
#include "statefile.h"
#include "run.h"
#include "../env/config.h"
#include "../lib/redact.h"
#include "../lib/util.h"

static void fill_run(PGresult *res, int row, struct state_run *sr);

static const char *const upgrades[] = {
	/* 1: the tables of SPEC section 4 */
	"CREATE TABLE stagecoach.schema_migrations ("
	"  version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, down_sql text,"
	"  applied_at timestamptz NOT NULL DEFAULT now(), duration_ms bigint, run_id text);"
	"CREATE TABLE stagecoach.runs ("
	"  id text PRIMARY KEY, env text NOT NULL, release text, command text NOT NULL,"
	"  status text NOT NULL CHECK (status IN ('running','succeeded','failed','rolled_back','rollback_failed')),"
	"  actor text, host text, started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz,"
	"  error text, git_commit text, promoted_from text, backend_pid int, pid int);"
	"CREATE INDEX runs_env_started ON stagecoach.runs (env, started_at DESC);"
	"CREATE TABLE stagecoach.run_steps ("
	"  run_id text NOT NULL REFERENCES stagecoach.runs(id), position int NOT NULL, name text NOT NULL,"
	"  kind text NOT NULL, status text NOT NULL, started_at timestamptz, finished_at timestamptz,"
	"  detail jsonb NOT NULL DEFAULT '{}', error text, PRIMARY KEY (run_id, position));"
	"CREATE TABLE stagecoach.artifacts ("
	"  id bigserial PRIMARY KEY, env text NOT NULL, release text, run_id text, kind text NOT NULL,"
	"  name text NOT NULL, sha256 text, content bytea, created_at timestamptz NOT NULL DEFAULT now());"
	"CREATE INDEX artifacts_lookup ON stagecoach.artifacts (env, kind, name, id DESC);",
	/* 2: 'resolved' (by `resolve`) and 'paused' (checkpoints) are statuses too */
	"ALTER TABLE stagecoach.runs DROP CONSTRAINT IF EXISTS runs_status_check;"
	"ALTER TABLE stagecoach.runs ADD CONSTRAINT runs_status_check CHECK (status IN ('running','paused',"
	"'succeeded','failed','rolled_back','rollback_failed','resolved'));",
	/* 3: release identity: the content hash and whether the shipped files were dirty */
	"ALTER TABLE stagecoach.runs ADD COLUMN content_hash text, ADD COLUMN git_dirty boolean;",
	/* 4: the run's local child processes, so that the recovery of a killed
	 * run ends them (env/recovery.h); older runs have none recorded */
	"ALTER TABLE stagecoach.runs ADD COLUMN children jsonb;",
};
#define NUPGRADES (sizeof(upgrades) / sizeof(upgrades[0]))

static int pg_fail(struct err *e, PGconn *c, const char *what)
{
	char *msg = redact(PQerrorMessage(c));
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	err_set(e, SC_EFAIL, "%s: %s", what, msg);
	free(msg);
	return -SC_EFAIL;
}

static int simple_ok(PGconn *c, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(res);
	int ok = (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) &&
		 (s != PGRES_TUPLES_OK || PQntuples(res) == 0 || strcmp(PQgetvalue(res, 0, 0), "f") != 0);
	PQclear(res);
	return ok;
}

/* The state connection holds the run's lock for the whole run: the
 * timeouts a role may set (ALTER ROLE ... SET idle_session_timeout, ...)
 * must not end it, and TCP keepalives (in the connection parameters) keep
 * it alive through idle NAT and firewalls. */
static void state_keep_session(PGconn *c)
{
	PQclear(PQexec(c, PQserverVersion(c) >= 140000
				 ? "SET client_min_messages = warning; SET statement_timeout = 0; "
				   "SET idle_in_transaction_session_timeout = 0; SET idle_session_timeout = 0"
				 : "SET client_min_messages = warning; SET statement_timeout = 0; "
				   "SET idle_in_transaction_session_timeout = 0"));
}

/* The connection broke: reconnect, take the lock again, re-point our run.
 * The lock was not held in between: the run is told (lock_lost) and stops
 * before its next change (lock_check). */
static int state_reconnect(struct state *st, struct err *e)
{
	if (st->locked) {
		char *why = redact(PQerrorMessage(st->conn));
		size_t n = strlen(why);
		while (n && (why[n - 1] == '\n' || why[n - 1] == ' '))
			why[--n] = '\0';
		free(st->lock_lost);
		st->lock_lost = why[0] ? why : xstrdup("the connection ended");
		if (!why[0])
			free(why);
	}
	long long deadline = time_mono_ms() + 30000;
	while (time_mono_ms() < deadline) {
		PQreset(st->conn);
		if (PQstatus(st->conn) == CONNECTION_OK)
			break;
		usleep(500 * 1000);
	}
	if (PQstatus(st->conn) != CONNECTION_OK) {
		char *msg = redact(PQerrorMessage(st->conn));
		err_set(e, SC_EFAIL, "the state database went away and did not come back within 30 s: %s", msg);
		free(msg);
		return -SC_EFAIL;
	}
	state_keep_session(st->conn);
	if (st->locked) {
		char key[32];
		snprintf(key, sizeof(key), "%lld", st->lock_key);
		const char *p[] = { key };
		if (!simple_ok(st->conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, p)) {
			st->locked = 0;
			return err_set(e, SC_EFAIL, "the state database restarted and another run took the lock of "
				       "environment '%s' meanwhile: stopping", st->env);
		}
	}
	if (st->run_id) {
		const char *p[] = { st->run_id };
		simple_ok(st->conn, "SELECT set_config('application_name', 'stagecoach/' || $1, false)", 1, p);
		simple_ok(st->conn, "UPDATE stagecoach.runs SET backend_pid = pg_backend_pid() WHERE id = $1", 1, p);
	}
	return 0;
}

PGresult *state_query(struct state *st, const char *sql, int nparams, const char *const *params, struct err *e)
{
	PGresult *res;
	if (!st->conn) {
		err_set(e, SC_EUSAGE, "environment '%s' has no database", st->env);
		return NULL;
	}
	for (int attempt = 0;; attempt++) {
		res = nparams ? PQexecParams(st->conn, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(st->conn, sql);
		ExecStatusType s = PQresultStatus(res);
		if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
			return res;
		if (attempt > 0 || PQstatus(st->conn) != CONNECTION_BAD)
			break;
		PQclear(res);
		if (state_reconnect(st, e) < 0)
			return NULL;
	}
	char *msg = redact(PQresultErrorMessage(res));
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	err_set(e, SC_EFAIL, "state database: %s", msg[0] ? msg : PQerrorMessage(st->conn));
	free(msg);
	PQclear(res);
	return NULL;
}

static int exec_ok(struct state *st, const char *sql, struct err *e)
{
	PGresult *res = state_query(st, sql, 0, NULL, e);
	if (!res)
		return -SC_EFAIL;
	PQclear(res);
	return 0;
}

static int upgrade_schema(struct state *st, struct err *e)
{
	int rc;
	if ((rc = exec_ok(st, "BEGIN; SELECT pg_advisory_xact_lock(7306744136431011);"
			      "CREATE SCHEMA IF NOT EXISTS stagecoach;"
			      "CREATE TABLE IF NOT EXISTS stagecoach.schema_version (version int NOT NULL);", e)) < 0)
		goto fail;
	PGresult *res = state_query(st, "SELECT coalesce(max(version), 0) FROM stagecoach.schema_version", 0, NULL, e);
	if (!res)
		goto fail;
	int have = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if ((size_t)have > NUPGRADES) {
		exec_ok(st, "ROLLBACK", e);
		return err_set(e, SC_EUSAGE,
			       "the stagecoach records are at schema version %d, newer than this stagecoach "
			       "knows (%zu): upgrade stagecoach", have, NUPGRADES);
	}
	for (size_t v = (size_t)have; v < NUPGRADES; v++) {
		if ((rc = exec_ok(st, upgrades[v], e)) < 0)
			goto fail;
		char sql[128];
		snprintf(sql, sizeof(sql), "INSERT INTO stagecoach.schema_version VALUES (%zu)", v + 1);
		if ((rc = exec_ok(st, sql, e)) < 0)
			goto fail;
	}
	return exec_ok(st, "COMMIT", e);
fail:
	{
		struct err ignore = ERR_INIT;
		exec_ok(st, "ROLLBACK", &ignore);
	}
	return err_prefix(e, "creating the stagecoach schema");
}

void state_quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int state_open(const char *url, const char *env, const char *app_name, struct state **out, struct err *e)
{
	return state_open_ex(url, env, app_name, 1, out, e);
}

int state_open_ex(const char *url, const char *env, const char *app_name, int create, struct state **out,
		  struct err *e)
{
	const char *keys[] = { "dbname", "application_name", "connect_timeout", "keepalives", "keepalives_idle",
			       "keepalives_interval", "keepalives_count", NULL };
	const char *vals[] = { url, app_name ? app_name : "stagecoach", "10", "1", "30", "10", "3", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c) != CONNECTION_OK) {
		char *where = redact_url(url);
		pg_fail(e, c, "cannot connect to the database");
		err_prefix(e, "%s", where);
		free(where);
		e->code = SC_EUNREACHABLE;
		PQfinish(c);
		return -SC_EUNREACHABLE;
	}
	PQsetNoticeProcessor(c, state_quiet_notice, NULL);
	struct state *st = xcalloc(1, sizeof(*st));
	st->conn = c;
	st->url = xstrdup(url);
	st->env = xstrdup(env);
	st->lock_fd = -1;
	state_keep_session(c);
	int rc = exec_ok(st, "SELECT 1", e);
	if (rc == 0 && !create) {
		/* read-only commands leave a database stagecoach never touched as it is */
		PGresult *res = state_query(st, "SELECT to_regclass('stagecoach.schema_version') IS NULL", 0, NULL, e);
		if (!res)
			rc = -SC_EFAIL;
		else {
			st->absent = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
			PQclear(res);
		}
	}
	int read_only = 0;
	if (rc == 0) {
		/* a standby, or default_transaction_read_only: nothing could be
		 * recorded, so a mutating command must not start (exit 6) */
		PGresult *res = state_query(st, "SELECT current_setting('transaction_read_only') = 'on', "
						"pg_catalog.pg_is_in_recovery()", 0, NULL, e);
		if (!res) {
			rc = -SC_EFAIL;
		} else {
			int recovery = PQgetvalue(res, 0, 1)[0] == 't';
			read_only = recovery || PQgetvalue(res, 0, 0)[0] == 't';
			PQclear(res);
			if (read_only && create)
				rc = err_set(e, SC_EUNREACHABLE,
					     "the database accepts no writes (%s): stagecoach cannot record a run there, "
					     "nothing was changed",
					     recovery ? "it is a standby in recovery"
						      : "default_transaction_read_only is on for this role or database");
		}
	}
	if (rc == 0 && !st->absent && !read_only)
		rc = upgrade_schema(st, e);
	if (rc < 0) {
		state_close(st);
		return rc;
	}
	*out = st;
	return 0;
}

struct state_opening {
	char *url, *env, *app;
	int create, threaded, rc;
	pthread_t thread;
	struct state *st;
	struct err e;
};

static void *state_open_thread(void *arg)
{
	struct state_opening *o = arg;
	o->rc = state_open_ex(o->url, o->env, o->app, o->create, &o->st, &o->e);
	return NULL;
}

struct state_opening *state_open_start(const char *url, const char *env, const char *app_name, int create)
{
	struct state_opening *o = xcalloc(1, sizeof(*o));
	o->url = xstrdup(url);
	o->env = xstrdup(env);
	o->app = app_name ? xstrdup(app_name) : NULL;
	o->create = create;
	/* signals (SIGINT, SIGTERM, SIGCHLD) stay with the caller's thread:
	 * the new thread starts with all of them blocked */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	o->threaded = pthread_create(&o->thread, NULL, state_open_thread, o) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return o;
}

int state_open_wait(struct state_opening *o, struct state **out, struct err *e)
{
	if (o->threaded)
		pthread_join(o->thread, NULL);
	else
		state_open_thread(o);
	int rc = o->rc;
	*out = o->st;
	if (rc < 0)
		*e = o->e;
	free(o->url);
	free(o->env);
	free(o->app);
	free(o);
	return rc;
}

int state_open_dir(const char *state_dir, const char *env, struct state **out, struct err *e)
{
	return statefile_open(state_dir, env, out, e);
}

void state_set_holder(struct state *st, const char *command, const char *actor, const char *host)
{
	free(st->holder_command);
	free(st->holder_actor);
	free(st->holder_host);
	st->holder_command = xstrdup(command);
	st->holder_actor = xstrdup(actor);
	st->holder_host = xstrdup(host);
}

void state_close(struct state *st)
{
	if (!st)
		return;
	if (st->conn)
		PQfinish(st->conn);
	if (st->dir)
		statefile_close(st);
	free(st->dir);
	free(st->holder_command);
	free(st->holder_actor);
	free(st->holder_host);
	if (st->url) {
		explicit_bzero(st->url, strlen(st->url));
		free(st->url);
	}
	free(st->env);
	free(st->run_id);
	free(st->lock_lost);
	free(st);
}

int state_run_begin(struct state *st, struct run *r, struct err *e)
{
	if (!st->conn)
		return statefile_run_begin(st, r, e);
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	free(st->run_id);
	st->run_id = xstrdup(r->run_id);
	if (r->resuming) {
		/* deploy --resume: this process takes the interrupted run over */
		const char *q[] = { r->run_id, pid };
		PGresult *res = state_query(st,
					    "WITH me AS (SELECT set_config('application_name', 'stagecoach/' || $1, false)) "
					    "UPDATE stagecoach.runs SET backend_pid = pg_backend_pid(), pid = $2::int, "
					    "status = 'running', finished_at = NULL, error = NULL "
					    "WHERE id = $1 AND EXISTS (SELECT 1 FROM me)",
					    2, q, e);
		if (!res)
			return -SC_EFAIL;
		PQclear(res);
		return 0;
	}
	const char *dirty = r->git_dirty < 0 ? NULL : r->git_dirty ? "true" : "false";
	const char *p[] = { r->run_id, r->env->name, r->release, r->command, r->actor, r->hostname, r->git_commit,
			    r->promoted_from, pid, r->content_hash, dirty };
	PGresult *res = state_query(st,
				    "INSERT INTO stagecoach.runs (id, env, release, command, status, actor, host, "
				    "git_commit, promoted_from, pid, backend_pid, content_hash, git_dirty) "
				    "VALUES ($1,$2,$3,$4,'running',$5,$6,$7,$8,$9::int,pg_backend_pid(),$10,$11::boolean)",
				    11, p, e);
	if (!res)
		return -SC_EFAIL;
	PQclear(res);
	return 0;
}

int state_run_set_status(struct state *st, const char *run_id, const char *status, struct err *e)
{
	if (!st->conn)
		return statefile_run_set_status(st, run_id, status, e);
	const char *p[] = { run_id, status };
	PGresult *res = state_query(st, "UPDATE stagecoach.runs SET status = $2 WHERE id = $1", 2, p, e);
	if (!res)
		return -SC_EFAIL;
	PQclear(res);
	return 0;
}

int state_run_finish(struct state *st, struct run *r, const char *status, const char *error, struct err *e)
{
	if (!st->conn)
		return statefile_run_finish(st, r, status, error, e);
	char *red = redact(error);
	const char *p[] = { r->run_id, status, red };
	PGresult *res = state_query(st,
				    "UPDATE stagecoach.runs SET status = $2, error = $3, finished_at = now() "
				    "WHERE id = $1",
				    3, p, e);
	free(red);
	if (!res)
		return -SC_EFAIL;
	PQclear(res);
	return 0;
}

int state_step_write(struct state *st, struct run *r, size_t index, struct err *e)
{
	if (!st->conn)
		return statefile_step_write(st, r, index, e);
	struct step_exec *x = &r->execs[index];
	char pos[16], started[32];
	snprintf(pos, sizeof(pos), "%d", x->position ? x->position : x->step->position);
	time_iso8601(x->started_ms ? x->started_ms : time_wall_ms(), started);
	/* redacted before it is encoded: a secret holding a quote or a
	 * backslash is escaped in the JSON text, and would no longer match */
	char *detail;
	if (x->detail) {
		json_t *copy = json_deep_copy(x->detail);
		redact_json_tree(copy);
		detail = json_dumps(copy, JSON_COMPACT);
		json_decref(copy);
		redact_inplace(detail, strlen(detail));
	} else {
		detail = xstrdup("{}");
	}
	char *error;
	if (x->rollback_error)
		error = xasprintf("%s%srollback failed: %s", x->error ? x->error : "", x->error ? "; " : "",
				  x->rollback_error);
	else
		error = xstrdup(x->error);
	{
		char *red = redact(error);
		free(error);
		error = red;
	}
	int finished = x->status != STEP_RUNNING && x->status != STEP_PENDING;
	const char *p[] = { r->run_id, pos, x->step->name, x->step->kind, step_status_name(x->status), started,
			    detail, error, finished ? "1" : NULL };
	PGresult *res = state_query(st,
				    "INSERT INTO stagecoach.run_steps (run_id, position, name, kind, status, "
				    "started_at, finished_at, detail, error) VALUES ($1, $2::int, $3, $4, $5, "
				    "$6::timestamptz, CASE WHEN $9::text IS NULL THEN NULL ELSE now() END, $7::jsonb, $8) "
				    "ON CONFLICT (run_id, position) DO UPDATE SET status = EXCLUDED.status, "
				    "finished_at = EXCLUDED.finished_at, detail = EXCLUDED.detail, error = EXCLUDED.error",
				    9, p, e);
	free(detail);
	free(error);
	if (!res)
		return -SC_EFAIL;
	PQclear(res);
	return 0;
}

int state_artifact_put(struct state *st, const char *release, const char *run_id, const char *kind,
		       const char *name, const char *sha256, const void *content, size_t len, struct err *e)
{
	if (!st->conn)
		return statefile_artifact_put(st, release, run_id, kind, name, sha256, content, len, e);
	const char *p[] = { st->env, release, run_id, kind, name, sha256, content };
	int lens[] = { 0, 0, 0, 0, 0, 0, (int)len };
	int fmts[] = { 0, 0, 0, 0, 0, 0, 1 };
	PGresult *res = PQexecParams(st->conn,
				     "INSERT INTO stagecoach.artifacts (env, release, run_id, kind, name, sha256, "
				     "content) VALUES ($1,$2,$3,$4,$5,$6,$7::bytea)",
				     7, NULL, p, lens, fmts, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err_set(e, SC_EFAIL, "storing artifact %s '%s': %s", kind, name, PQresultErrorMessage(res));
		PQclear(res);
		return -SC_EFAIL;
	}
	PQclear(res);
	return 0;
}

int state_artifact_latest(struct state *st, const char *kind, const char *name, char **sha256,
			  unsigned char **content, size_t *len, struct err *e)
{
	if (!st->conn)
		return statefile_artifact_latest(st, kind, name, sha256, content, len, e);
	if (st->absent)
		return 0;
	const char *p[] = { st->env, kind, name };
	/* the content only when asked (a manifest is 300 KB for 3,000 files) */
	PGresult *res = PQexecParams(st->conn,
				     content ? "SELECT sha256, content FROM stagecoach.artifacts WHERE env = $1 AND kind "
					       "= $2 AND name = $3 ORDER BY id DESC LIMIT 1"
					     : "SELECT sha256, NULL FROM stagecoach.artifacts WHERE env = $1 AND kind = $2 "
					       "AND name = $3 ORDER BY id DESC LIMIT 1",
				     3, NULL, p, NULL, NULL, 1);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		err_set(e, SC_EFAIL, "reading artifact %s '%s': %s", kind, name, PQresultErrorMessage(res));
		PQclear(res);
		return -SC_EFAIL;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (sha256)
		*sha256 = PQgetisnull(res, 0, 0) ? NULL : xstrndup(PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
	if (content) {
		*content = NULL;
		if (len)
			*len = 0;
		if (!PQgetisnull(res, 0, 1)) {
			size_t n = (size_t)PQgetlength(res, 0, 1);
			*content = xmalloc(n + 1);
			memcpy(*content, PQgetvalue(res, 0, 1), n);
			(*content)[n] = 0;
			if (len)
				*len = n;
		}
	}
	PQclear(res);
	return 1;
}

void state_run_release(struct state_run *sr)
{
	char **fields[] = { &sr->id, &sr->env, &sr->release, &sr->command, &sr->status, &sr->actor, &sr->host,
			    &sr->error, &sr->started_at, &sr->finished_at, &sr->git_commit, &sr->promoted_from,
			    &sr->last_step, &sr->last_step_status, &sr->content_hash };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
	json_decref(sr->approvals);
	sr->approvals = NULL;
}

#define RUN_COLUMNS                                                                                              \
	"r.id, r.env, r.release, r.command, r.status, r.actor, r.host, r.error, "                               \
	"to_char(r.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "                           \
	"to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), r.git_commit, "             \
	"r.promoted_from, "                                                                                      \
	"coalesce((extract(epoch FROM r.finished_at - r.started_at) * 1000)::bigint, -1), "                     \
	"(SELECT s.name FROM stagecoach.run_steps s WHERE s.run_id = r.id ORDER BY s.started_at DESC NULLS "    \
	"LAST, s.position DESC LIMIT 1), "                                                                       \
	"(SELECT s.status FROM stagecoach.run_steps s WHERE s.run_id = r.id ORDER BY s.started_at DESC NULLS "  \
	"LAST, s.position DESC LIMIT 1), "                                                                       \
	"r.content_hash, r.git_dirty::text, "                                                                    \
	"(SELECT json_agg(json_build_object('step', s.name, 'by', s.detail->>'approved_by', 'at', "              \
	"s.detail->>'approved_at', 'how', s.detail->>'how') ORDER BY s.position) FROM stagecoach.run_steps s "   \
	"WHERE s.run_id = r.id AND s.kind = 'approval' AND s.detail ? 'approved_by') "

static char *col(PGresult *res, int row, int c)
{
	return PQgetisnull(res, row, c) ? NULL : xstrdup(PQgetvalue(res, row, c));
}

static void fill_run(PGresult *res, int row, struct state_run *sr)
{
	sr->id = col(res, row, 0);
	sr->env = col(res, row, 1);
	sr->release = col(res, row, 2);
	sr->command = col(res, row, 3);
	sr->status = col(res, row, 4);
	sr->actor = col(res, row, 5);
	sr->host = col(res, row, 6);
	sr->error = col(res, row, 7);
	sr->started_at = col(res, row, 8);
	sr->finished_at = col(res, row, 9);
	sr->git_commit = col(res, row, 10);
	sr->promoted_from = col(res, row, 11);
	sr->duration_ms = atoll(PQgetvalue(res, row, 12));
	sr->last_step = col(res, row, 13);
	sr->last_step_status = col(res, row, 14);
	sr->content_hash = col(res, row, 15);
	sr->git_dirty = PQgetisnull(res, row, 16) ? -1 : strcmp(PQgetvalue(res, row, 16), "true") == 0;
	sr->approvals = PQgetisnull(res, row, 17) ? NULL : json_loads(PQgetvalue(res, row, 17), 0, NULL);
}

int state_runs_list(struct state *st, int limit, struct state_run **out, size_t *n, struct err *e)
{
	if (!st->conn)
		return statefile_runs_list(st, limit, out, n, e);
	if (st->absent) {
		*n = 0;
		*out = xcalloc(1, sizeof(**out));
		return 0;
	}
	char lim[16];
	snprintf(lim, sizeof(lim), "%d", limit > 0 ? limit : 20);
	const char *p[] = { st->env, lim };
	PGresult *res = state_query(st, "SELECT " RUN_COLUMNS " FROM stagecoach.runs r WHERE r.env = $1 "
					"ORDER BY r.started_at DESC, r.id DESC LIMIT $2::int",
				    2, p, e);
	if (!res)
		return -SC_EFAIL;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		fill_run(res, (int)i, &(*out)[i]);
	PQclear(res);
	return 0;
}

/* The newest run of this environment matching where (which may use $2 = arg). */
static int one_run(struct state *st, const char *where, const char *arg, struct state_run *out, struct err *e)
{
	if (st->absent) {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	char *sql = xasprintf("SELECT " RUN_COLUMNS " FROM stagecoach.runs r WHERE r.env = $1 AND %s "
			      "ORDER BY r.started_at DESC, r.id DESC LIMIT 1", where);
	const char *p[] = { st->env, arg };
	PGresult *res = state_query(st, sql, arg ? 2 : 1, p, e);
	free(sql);
	if (!res)
		return -SC_EFAIL;
	int found = PQntuples(res) > 0;
	memset(out, 0, sizeof(*out));
	if (found)
		fill_run(res, 0, out);
	PQclear(res);
	return found;
}

int state_interrupted_run(struct state *st, struct state_run *out, struct err *e)
{
	if (!st->conn)
		return statefile_interrupted_run(st, out, e);
	/* 'running' while no session of that run is alive: its process was killed */
	return one_run(st, "r.status = 'running' AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a "
			   "WHERE a.pid = r.backend_pid AND a.application_name = 'stagecoach/' || r.id)",
		       NULL, out, e);
}

int state_paused_run(struct state *st, struct state_run *out, struct err *e)
{
	if (!st->conn)
		return statefile_paused_run(st, out, e);
	return one_run(st, "r.status = 'paused'", NULL, out, e);
}

int state_last_success(struct state *st, struct state_run *out, struct err *e)
{
	if (!st->conn)
		return statefile_last_success(st, out, e);
	return one_run(st, "r.status = 'succeeded' AND r.command IN ('deploy', 'promote')", NULL, out, e);
}

int state_run_steps(struct state *st, const char *run_id, struct state_step **out, size_t *n, struct err *e)
{
	if (!st->conn)
		return statefile_run_steps(st, run_id, out, n, e);
	if (st->absent) {
		*n = 0;
		*out = xcalloc(1, sizeof(**out));
		return 0;
	}
	const char *p[] = { run_id };
	PGresult *res = state_query(st, "SELECT position, name, kind, status, detail::text FROM stagecoach.run_steps "
					"WHERE run_id = $1 ORDER BY position",
				    1, p, e);
	if (!res)
		return -SC_EFAIL;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct state_step *s = &(*out)[i];
		s->position = atoi(PQgetvalue(res, (int)i, 0));
		s->name = col(res, (int)i, 1);
		s->kind = col(res, (int)i, 2);
		s->status = col(res, (int)i, 3);
		s->detail = json_loads(PQgetvalue(res, (int)i, 4), 0, NULL);
		if (!s->detail)
			s->detail = json_object();
	}
	PQclear(res);
	return 0;
}

void state_steps_free(struct state_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(steps[i].name);
		free(steps[i].kind);
		free(steps[i].status);
		json_decref(steps[i].detail);
	}
	free(steps);
}

int state_step_set_detail(struct state *st, const char *run_id, int position, json_t *detail, struct err *e)
{
	if (!st->conn)
		return statefile_step_set_detail(st, run_id, position, detail, e);
	char pos[16];
	snprintf(pos, sizeof(pos), "%d", position);
	char *text = json_dumps(detail, JSON_COMPACT);
	redact_inplace(text, strlen(text));
	const char *p[] = { run_id, pos, text };
	PGresult *res = state_query(st, "UPDATE stagecoach.run_steps SET detail = $3::jsonb WHERE run_id = $1 AND "
					"position = $2::int",
				    3, p, e);
	free(text);
	if (!res)
		return -SC_EFAIL;
	PQclear(res);
	return 0;
}

int state_run_find(struct state *st, const char *run_id, struct state_run *out, struct err *e)
{
	if (!st->conn)
		return statefile_run_find(st, run_id, out, e);
	return one_run(st, "r.id = $2", run_id, out, e);
}

int state_end_sessions(struct state *st, const char *run_id, struct err *e)
{
	if (!st->conn || st->absent)
		return 0;
	const char *p[] = { run_id };
	/* a killed run's steps connection can outlive it: the server finishes
	 * (and may commit) what it was sent; end it, and wait until it is gone,
	 * so that what we read next is final */
	PGresult *res = state_query(st, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
					"WHERE application_name IN ('stagecoach/' || $1 || '/steps', 'stagecoach/' || $1) "
					"AND pid <> pg_backend_pid()",
				    1, p, e);
	if (!res)
		return -SC_EFAIL;
	int n = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	for (int i = 0; n > 0 && i < 150; i++) {
		res = state_query(st, "SELECT count(*) FROM pg_stat_activity WHERE application_name IN "
				      "('stagecoach/' || $1 || '/steps', 'stagecoach/' || $1) AND pid <> pg_backend_pid()",
				  1, p, e);
		if (!res)
			return -SC_EFAIL;
		n = atoi(PQgetvalue(res, 0, 0));
		PQclear(res);
		if (n)
			usleep(100 * 1000);
	}
	if (n)
		return err_set(e, SC_EFAIL, "a database session of interrupted run '%s' is still running after 15 s",
			       run_id);
	return 0;
}

int state_run_child_add(struct state *st, const char *run_id, json_t *child, struct err *e)
{
	if (!st->conn)
		return statefile_run_child_add(st, run_id, child, e);
	char *text = json_dumps(child, JSON_COMPACT);
	const char *p[] = { run_id, text };
	PGresult *res = state_query(st,
				    "UPDATE stagecoach.runs SET children = coalesce(children, '[]'::jsonb) || "
				    "jsonb_build_array($2::jsonb) WHERE id = $1",
				    2, p, e);
	free(text);
	if (!res)
		return -SC_EFAIL;
	PQclear(res);
	return 0; /* no run row yet (preflight): no run to recover either */
}

int state_run_children(struct state *st, const char *run_id, json_t **out, struct err *e)
{
	*out = NULL;
	if (!st->conn)
		return statefile_run_children(st, run_id, out, e);
	const char *p[] = { run_id };
	PGresult *res = state_query(st, "SELECT children FROM stagecoach.runs WHERE id = $1", 1, p, e);
	if (!res)
		return -SC_EFAIL;
	if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0))
		*out = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	PQclear(res);
	if (!*out)
		*out = json_array();
	return 0;
}
