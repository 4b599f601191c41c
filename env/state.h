/*
 * state: the records of SPEC section 4 in schema `stagecoach` of the
 * environment's database, on the state connection (which also holds the
 * run's advisory lock, see lock.h), in autocommit: a record is durable the
 * moment the call returns, whatever the steps' own transactions do.
 *
 * Tables (created on first use by state_open, versioned in
 * stagecoach.schema_version):
 *   schema_migrations(version, name, checksum, down_sql, applied_at, duration_ms, run_id)
 *   runs(id, env, release, command, status, actor, host, started_at, finished_at,
 *        error, git_commit, promoted_from, content_hash, git_dirty, children)
 *   run_steps(run_id, position, name, kind, status, started_at, finished_at, detail jsonb, error)
 *   artifacts(env, release, kind, name, sha256, content bytea, created_at, run_id)
 *
 * When the connection breaks (PostgreSQL restarted), state_query reconnects
 * for up to 30 s, takes the run's lock again, points the run's row at the
 * new session, and retries the statement once; a lock taken meanwhile by
 * another run is an error, never ignored.
 *
 * An environment without a database keeps the same records as files
 * (state_open_dir, SPEC section 2), under STATE_DIR/ENV/ (mode 0700, files
 * 0600):
 *   runs/RUN_ID.json       the run's row and its step rows, rewritten whole
 *                          on every change (temp file, fsync, rename)
 *   artifacts/index.jsonl  one line per artifact, appended and fsynced;
 *   artifacts/blobs/SHA256 the content, named by its sha256
 *   lock                   flock'ed by the holder for its life; holds its
 *                          run id, command, actor, host and start time
 * Such a state has conn == NULL; state_query fails on it ("environment 'X'
 * has no database").
 *
 * Every text written is redacted first.  Ownership: state_open returns a
 * state the caller frees with state_close (which closes the connection,
 * releasing the lock).  Out-parameters of char* are the caller's.
 */
#ifndef SC_STATE_H
#define SC_STATE_H

#include <stddef.h>
#include <jansson.h>
#include <libpq-fe.h>
#include "../lib/err.h"

struct run;
struct statefile_cache;

struct state {
	PGconn *conn;         /* NULL for a file backend (dir set) */
	char *url;        /* secret: wiped on close */
	char *env;
	int locked;
	long long lock_key;   /* valid when locked: taken again after a reconnect */
	char *lock_lost;      /* why the lock's connection broke during the run
			       * (redacted, owned), NULL while it held: see lock_check */
	char *run_id;         /* the run whose records this connection writes */
	int absent;           /* opened read-only on a database without the schema: no records */
	/* file backend (conn == NULL) */
	char *dir;            /* STATE_DIR/ENV, absolute */
	int lock_fd;          /* the flock'ed lock file while locked, else -1 */
	char *holder_command, *holder_actor, *holder_host;  /* written into the lock file */
	struct statefile_cache *cache;  /* run documents read, private to statefile.c */
};

/* Connect and create/upgrade the schema.  SC_EUNREACHABLE when the database
 * cannot be reached.  application_name is set to "stagecoach" (or given). */
int state_open(const char *url, const char *env, const char *app_name, struct state **out, struct err *e);
/* The file backend: creates state_dir/env/ (mode 0700) and its folders. */
int state_open_dir(const char *state_dir, const char *env, struct state **out, struct err *e);
/* Who this process is, for the lock file of a file backend (copies). */
void state_set_holder(struct state *st, const char *command, const char *actor, const char *host);
/* With create = 0 (read-only commands), a database without the schema is
 * left untouched and reads as having no records (st->absent). */
int state_open_ex(const char *url, const char *env, const char *app_name, int create, struct state **out,
		  struct err *e);
void state_close(struct state *st);
/* state_open_ex started in a thread of its own, so that the connection's
 * round trips (the server's fork, the authentication) overlap work the
 * caller does meanwhile; state_open_wait ends the thread and returns what
 * state_open_ex returned.  Without a thread (pthread_create failed) the
 * open happens in state_open_wait.  Every opening must be waited for. */
struct state_opening;
struct state_opening *state_open_start(const char *url, const char *env, const char *app_name, int create);
int state_open_wait(struct state_opening *o, struct state **out, struct err *e);

/* Run rows */
int state_run_begin(struct state *st, struct run *r, struct err *e);
int state_run_finish(struct state *st, struct run *r, const char *status, const char *error, struct err *e);
/* Set a run's status (a deploy later undone by `rollback` becomes rolled_back). */
int state_run_set_status(struct state *st, const char *run_id, const char *status, struct err *e);
/* Step rows: written before a step starts and after it ends. */
int state_step_write(struct state *st, struct run *r, size_t index, struct err *e);

/* Artifacts (function bundles, down SQL, backups): content may be NULL. */
int state_artifact_put(struct state *st, const char *release, const char *run_id, const char *kind,
		       const char *name, const char *sha256, const void *content, size_t len, struct err *e);
/* Newest artifact of kind/name for this environment; returns 1 found, 0 none, <0 error.
 * *sha256 and *content (if non-NULL pointers) are the caller's. */
int state_artifact_latest(struct state *st, const char *kind, const char *name, char **sha256,
			  unsigned char **content, size_t *len, struct err *e);

/* A run found in the records */
struct state_run {
	char *id, *env, *release, *command, *status, *actor, *host, *error;
	char *started_at, *finished_at, *git_commit, *promoted_from;
	char *content_hash;      /* NULL in records older than schema version 2 */
	int git_dirty;           /* 1, 0, -1 unknown */
	json_t *approvals;       /* [{step, by, at, how}] of its approval steps, owned; NULL: none */
	long long duration_ms;   /* -1 when not finished */
	char *last_step;         /* name of the newest step row, NULL when none */
	char *last_step_status;
};
void state_run_release(struct state_run *sr);
/* Runs newest first; caller frees each with state_run_release and the array with free. */
int state_runs_list(struct state *st, int limit, struct state_run **out, size_t *n, struct err *e);
/* A run left 'running' whose process is gone (no live lock holder): 1 found, 0 none. */
int state_interrupted_run(struct state *st, struct state_run *out, struct err *e);
/* The run of this environment with this id: 1 found, 0 none. */
int state_run_find(struct state *st, const char *run_id, struct state_run *out, struct err *e);
/* The newest run 'paused' at a checkpoint: 1 found, 0 none. */
int state_paused_run(struct state *st, struct state_run *out, struct err *e);
/* Last succeeded deploy/promote run: 1 found, 0 none. */
int state_last_success(struct state *st, struct state_run *out, struct err *e);

/* Step rows of a past run, in position order; details are new references. */
struct state_step {
	int position;
	char *name, *kind, *status;
	json_t *detail;
};
int state_run_steps(struct state *st, const char *run_id, struct state_step **out, size_t *n, struct err *e);
void state_steps_free(struct state_step *steps, size_t n);
/* Replace the detail of one step row of a past run (`approve` records the
 * approval in the paused checkpoint's row).  detail is borrowed. */
int state_step_set_detail(struct state *st, const char *run_id, int position, json_t *detail, struct err *e);

/* The local child processes of a run (its shell steps, hooks, pg_dump...),
 * for the recovery of a killed run (recovery.h): child is one record
 * ({pid, pgid, start, boot, what}, borrowed), appended to the run's
 * runs.children (schema version 4) or its run document's "children".
 * state_run_children gives the run's records as a new array (caller
 * json_decref), empty when none were recorded (an older stagecoach). */
int state_run_child_add(struct state *st, const char *run_id, json_t *child, struct err *e);
int state_run_children(struct state *st, const char *run_id, json_t **out, struct err *e);

/* A libpq notice processor that drops notices (they would reach stderr unredacted). */
void state_quiet_notice(void *arg, const char *message);

/* End the database sessions a killed run left behind (its steps connection
 * may still be running, and committing, what it was sent) and wait for them
 * to be gone.  Called before an interrupted run is rolled back or resumed. */
int state_end_sessions(struct state *st, const char *run_id, struct err *e);

/* Exec SQL on the state connection; fills e with the PostgreSQL message.
 * NULL with e (SC_EUSAGE) on a file backend. */
PGresult *state_query(struct state *st, const char *sql, int nparams, const char *const *params, struct err *e);

#endif
