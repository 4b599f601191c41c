/*
 * statefile: the records of an environment without a database, as files
 * under STATE_DIR/ENV/ (see state.h for the layout).  state.c and lock.c
 * call these when st->conn is NULL; nothing else should.  Same contracts
 * (ownership, return values) as the state_* and lock_* functions they back.
 */
#ifndef SC_STATEFILE_H
#define SC_STATEFILE_H

#include <stddef.h>
#include <jansson.h>
#include "state.h"

int statefile_open(const char *state_dir, const char *env, struct state **out, struct err *e);
int statefile_run_begin(struct state *st, struct run *r, struct err *e);
int statefile_run_finish(struct state *st, struct run *r, const char *status, const char *error, struct err *e);
int statefile_run_set_status(struct state *st, const char *run_id, const char *status, struct err *e);
int statefile_step_write(struct state *st, struct run *r, size_t index, struct err *e);
int statefile_artifact_put(struct state *st, const char *release, const char *run_id, const char *kind,
			   const char *name, const char *sha256, const void *content, size_t len, struct err *e);
int statefile_artifact_latest(struct state *st, const char *kind, const char *name, char **sha256,
			      unsigned char **content, size_t *len, struct err *e);
int statefile_runs_list(struct state *st, int limit, struct state_run **out, size_t *n, struct err *e);
int statefile_interrupted_run(struct state *st, struct state_run *out, struct err *e);
int statefile_run_find(struct state *st, const char *run_id, struct state_run *out, struct err *e);
int statefile_paused_run(struct state *st, struct state_run *out, struct err *e);
int statefile_step_set_detail(struct state *st, const char *run_id, int position, json_t *detail, struct err *e);
int statefile_last_success(struct state *st, struct state_run *out, struct err *e);
int statefile_run_child_add(struct state *st, const char *run_id, json_t *child, struct err *e);
int statefile_run_children(struct state *st, const char *run_id, json_t **out, struct err *e);
int statefile_run_steps(struct state *st, const char *run_id, struct state_step **out, size_t *n, struct err *e);

/* The lock file, flock'ed for the holder's life (closing st->lock_fd, or
 * the process dying, releases it).  take: 1 taken (st->lock_fd set, the
 * holder written), 0 held by another process, <0 error. */
int statefile_lock_take(struct state *st, const char *run_id, struct err *e);
/* 1 held by another process (*holder: its lock file as JSON, or NULL when
 * unreadable; the caller's), 0 free or held by this state. */
int statefile_lock_probe(struct state *st, json_t **holder, struct err *e);
/* Release on close: empties and closes the lock file. */
void statefile_lock_release(struct state *st);
/* state_close of a file backend: the lock released, what was read freed. */
void statefile_close(struct state *st);

#endif
