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
/*
 * Before each step of a run: a keepalive query on the lock's connection
 * (which reconnects and takes the lock again if the connection broke), then
 * whether the lock held since it was taken.  0 when it did.  When the
 * connection was lost meanwhile (pg_terminate_backend, a restart, a proxy):
 * -SC_EFAIL with e saying so, when the lock is held again and no other run
 * started or changed this run's records in between (rolling back is safe);
 * -SC_EROLLBACK when another run took the lock or touched the records
 * meanwhile (this run must not undo anything: what is done stays, and e
 * says so).  An environment without a database (flock) always holds.
 */
int lock_check(struct state *st, struct err *e);
/* Describe the current holder into buf (empty when free); 1 held, 0 free. */
int lock_holder(struct state *st, const char *project, const char *env, char *buf, size_t len, struct err *e);

#endif
