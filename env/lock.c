/*
 * lock: the environment's advisory lock (see lock.h).  The holder is found
 * through pg_locks and pg_stat_activity: every stagecoach connection sets
 * application_name to "stagecoach/RUN_ID", and the run's row (if it was
 * written yet) gives the actor and start time.
 *
 * An environment without a database (st->conn NULL) is locked by flock on
 * STATE_DIR/ENV/lock instead (statefile.c), held for the process's life, so
 * a killed run's lock goes with it too; the file names the holder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lock.h"
#include "state.h"
#include "statefile.h"
#include "../lib/util.h"

long long lock_key(const char *project, const char *env)
{
	unsigned long long h = 1469598103934665603ULL;
	const char *parts[] = { "stagecoach", project, env };
	for (size_t i = 0; i < 3; i++) {
		for (const char *p = parts[i]; *p; p++) {
			h ^= (unsigned char)*p;
			h *= 1099511628211ULL;
		}
		h ^= 0xff;
		h *= 1099511628211ULL;
	}
	return (long long)(h & 0x7fffffffffffffffULL);
}

static int lock_holder_file(struct state *st, char *buf, size_t len, struct err *e)
{
	json_t *h = NULL;
	int held = statefile_lock_probe(st, &h, e);
	if (held <= 0) {
		if (len)
			buf[0] = '\0';
		return held;
	}
	const char *run_id = json_string_value(json_object_get(h, "run_id"));
	const char *actor = json_string_value(json_object_get(h, "actor"));
	const char *host = json_string_value(json_object_get(h, "host"));
	const char *cmd = json_string_value(json_object_get(h, "command"));
	const char *started = json_string_value(json_object_get(h, "started_at"));
	snprintf(buf, len, "%s run '%s' by %s%s%s, started %s", cmd ? cmd : "a run", run_id ? run_id : "?",
		 actor ? actor : "unknown (starting up)", host && host[0] ? " on " : "", host ? host : "",
		 started ? started : "just now");
	json_decref(h);
	return 1;
}

/* flock on the lock file.  A status probing the lock holds it shared for
 * an instant: a busy lock is tried again for a moment even when wait_ms is
 * 0, so that probe is never taken for a run. */
static int lock_acquire_file(struct state *st, const char *env, const char *run_id, int wait_ms, struct err *e)
{
	long long now = time_mono_ms();
	long long deadline = now + (wait_ms > 250 ? wait_ms : 250);
	long long quick = now + 250;
	for (;;) {
		int got = statefile_lock_take(st, run_id, e);
		if (got < 0)
			return err_prefix(e, "taking the lock of environment '%s'", env);
		if (got)
			return 0;
		now = time_mono_ms();
		if (now >= deadline)
			break;
		usleep(now < quick ? 10 * 1000 : 200 * 1000);
	}
	char holder[512];
	if (lock_holder_file(st, holder, sizeof(holder), e) < 0)
		return err_prefix(e, "environment '%s' is locked by another run", env);
	return err_set(e, SC_ELOCKED, "environment '%s' is locked by %s; nothing was changed%s", env,
		       holder[0] ? holder : "another run (it just finished?)",
		       wait_ms > 0 ? "" : " (set lock_wait_ms to wait for it)");
}

int lock_holder(struct state *st, const char *project, const char *env, char *buf, size_t len, struct err *e)
{
	if (!st->conn)
		return lock_holder_file(st, buf, len, e);
	long long key = lock_key(project, env);
	char classid[32], objid[32];
	snprintf(classid, sizeof(classid), "%u", (unsigned)((unsigned long long)key >> 32));
	snprintf(objid, sizeof(objid), "%u", (unsigned)((unsigned long long)key & 0xffffffffu));
	const char *p[] = { classid, objid };
	/* without the schema (read-only on an untouched database) no run row
	 * can exist: the holder is known by its application_name alone */
	const char *runs = st->absent ? "(SELECT NULL::text AS id, NULL::text AS actor, NULL::text AS host, "
					"NULL::timestamptz AS started_at, NULL::text AS command, NULL::int AS backend_pid, "
					"NULL::text AS status)"
				      : "stagecoach.runs";
	char *sql = xasprintf("SELECT a.application_name, r.id, r.actor, r.host, "
			      "to_char(coalesce(r.started_at, a.backend_start) AT TIME ZONE 'UTC', "
			      "'YYYY-MM-DD HH24:MI:SS \"UTC\"'), r.command "
			      "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
			      "LEFT JOIN %s r ON r.backend_pid = a.pid AND r.status = 'running' "
			      "AND 'stagecoach/' || r.id = a.application_name "
			      "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::oid "
			      "AND l.objid = $2::oid AND l.objsubid = 1 AND l.pid <> pg_backend_pid() LIMIT 1", runs);
	PGresult *res = state_query(st, sql, 2, p, e);
	free(sql);
	if (!res)
		return -SC_EFAIL;
	if (PQntuples(res) == 0) {
		PQclear(res);
		if (len)
			buf[0] = '\0';
		return 0;
	}
	const char *app = PQgetvalue(res, 0, 0);
	const char *run_id = PQgetisnull(res, 0, 1) ? (starts_with(app, "stagecoach/") ? app + 11 : app)
						    : PQgetvalue(res, 0, 1);
	const char *actor = PQgetisnull(res, 0, 2) ? "unknown (starting up)" : PQgetvalue(res, 0, 2);
	const char *host = PQgetisnull(res, 0, 3) ? "" : PQgetvalue(res, 0, 3);
	const char *cmd = PQgetisnull(res, 0, 5) ? "" : PQgetvalue(res, 0, 5);
	snprintf(buf, len, "%s%srun '%s' by %s%s%s, started %s", cmd, cmd[0] ? " " : "", run_id, actor,
		 host[0] ? " on " : "", host, PQgetvalue(res, 0, 4));
	PQclear(res);
	return 1;
}

int lock_acquire(struct state *st, const char *project, const char *env, const char *run_id, int wait_ms,
		 struct err *e)
{
	char key[32];
	snprintf(key, sizeof(key), "%lld", lock_key(project, env));
	const char *p[] = { key };
	if (!st->conn)
		return lock_acquire_file(st, env, run_id, wait_ms, e);
	long long deadline = time_mono_ms() + (wait_ms > 0 ? wait_ms : 0);
	(void)run_id;
	for (;;) {
		PGresult *res = state_query(st, "SELECT pg_try_advisory_lock($1::bigint)", 1, p, e);
		if (!res)
			return err_prefix(e, "taking the lock of environment '%s'", env);
		int got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		if (got) {
			st->locked = 1;
			st->lock_key = lock_key(project, env);
			return 0;
		}
		if (time_mono_ms() >= deadline)
			break;
		usleep(200 * 1000);
	}
	char holder[512];
	if (lock_holder(st, project, env, holder, sizeof(holder), e) < 0)
		return err_prefix(e, "environment '%s' is locked by another run", env);
	return err_set(e, SC_ELOCKED, "environment '%s' is locked by %s; nothing was changed%s", env,
		       holder[0] ? holder : "another run (it just finished?)",
		       wait_ms > 0 ? "" : " (set lock_wait_ms to wait for it)");
}

int lock_check(struct state *st, struct err *e)
{
	if (!st || !st->conn || (!st->locked && !st->lock_lost))
		return 0;
	PGresult *res = state_query(st, "SELECT 1", 0, NULL, e);
	if (!res) {
		err_prefix(e, "the lock of environment '%s' was lost during the run", st->env);
		e->code = SC_EROLLBACK;
		return -SC_EROLLBACK;
	}
	PQclear(res);
	if (!st->lock_lost)
		return 0;
	if (!st->locked)
		return err_set(e, SC_EROLLBACK, "the lock of environment '%s' was lost during the run (%s)", st->env,
			       st->lock_lost);
	/* held again: did anyone act on the environment while it was free? */
	if (st->run_id) {
		const char *p[] = { st->run_id, st->env };
		res = state_query(st,
				  "SELECT r.status, (SELECT count(*) FROM stagecoach.runs o WHERE o.env = $2 "
				  "AND o.id <> r.id AND (o.started_at > r.started_at OR o.finished_at > r.started_at)) "
				  "FROM stagecoach.runs r WHERE r.id = $1",
				  2, p, e);
		if (!res)
			return -SC_EROLLBACK;
		int touched = PQntuples(res) != 1 || strcmp(PQgetvalue(res, 0, 0), "running") != 0 ||
			      strcmp(PQgetvalue(res, 0, 1), "0") != 0;
		PQclear(res);
		if (touched)
			return err_set(e, SC_EROLLBACK,
				       "the lock of environment '%s' was lost during the run (%s) and another run acted on "
				       "the environment meanwhile: stopped, nothing undone", st->env, st->lock_lost);
	}
	return err_set(e, SC_EFAIL,
		       "the lock of environment '%s' was lost during the run (%s): stopped rather than carry on "
		       "after another run could have started", st->env, st->lock_lost);
}
