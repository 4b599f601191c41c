/*
 * lock: the environment's session-level advisory lock (SPEC section 4),
 * taken with pg_try_advisory_lock on the state connection, on a key derived
 * from the project and environment names.  It lasts as long as the
 * connection: a killed run's lock goes with it.  An environment without a
 * database is locked by flock(LOCK_EX) on STATE_DIR/ENV/lock instead, held
 * for the process's life (a killed process's lock goes with it too); the
 * file names the holder's run id, command, actor, host and start time.
 */
#ifndef SC_LOCK_H
#define SC_LOCK_H

#include "../lib/err.h"

struct state;

/* 64-bit key from project and env (FNV-1a), stable across versions. */
long long lock_key(const char *project, const char *env);
/* Try to take the lock, retrying until wait_ms.  -SC_ELOCKED naming the
 * holder's run id, actor and start time when another run holds it. */
int lock_acquire(struct state *st, const char *project, const char *env, const char *run_id, int wait_ms,
		 struct err *e);
/* Describe the current holder into buf (empty when free); 1 held, 0 free. */
int lock_holder(struct state *st, const char *project, const char *env, char *buf, size_t len, struct err *e);

#endif
