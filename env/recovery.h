/*
 * recovery: what keeps an environment from taking new deploys after a run
 * went wrong, and the exact command that moves it on (SPEC section 4).
 *
 *   interrupted     a run left 'running' by a killed process
 *                   (state_interrupted_run): 'deploy ENV --resume',
 *                   'rollback ENV' or 'resolve ENV'
 *   rollback_failed a deploy/promote whose rollback did not complete:
 *                   'rollback ENV' completes it, or, after a person fixed
 *                   what remained, 'resolve ENV --approve --note TEXT'
 *
 * Works on both record backends (it reads runs through state.h).
 * Ownership: *out is the caller's (state_run_release).
 */
#ifndef SC_RECOVERY_H
#define SC_RECOVERY_H

#include <stddef.h>
#include "state.h"

/* The newest deploy or promote of this environment left rollback_failed:
 * 1 with *out, 0 none. */
int recovery_blocking_run(struct state *st, struct state_run *out, struct err *e);

/* The commands that move env on from a run left `status` ("running" for an
 * interrupted one, "rollback_failed") by `command` (the run's; NULL: a
 * deploy), into buf: "run 'stagecoach ...'".  A killed rollback, backup or
 * restore cannot be resumed: rollback --last or resolve. */
void recovery_next_commands(const char *env, const char *status, const char *command, char *buf, size_t len);

struct run;
/*
 * End the local processes a killed run left behind (its shell steps, hooks,
 * pg_dump, pg_restore and their children), before anything of it is undone,
 * resumed or resolved:
 *  - the children recorded with the run (recovery_watch): each one still
 *    the same process (pid, start time and boot match, so a reused pid is
 *    never touched), with its process group when it leads one;
 *  - as a fallback, every process whose environment holds
 *    STAGECOACH_RUN_ID=<its id>: a process that left its group (setsid, a
 *    daemon) or a child that could not be recorded;
 * SIGTERM, then SIGKILL after 3 s.  A run recorded on another host cannot
 * be checked from here: a warning says so.  Returns how many processes
 * (groups) were found (>= 0); reports them through r's sink.
 */
int recovery_end_children(struct run *r, const struct state_run *killed);

/* Record every child process this run starts (lib/proc.h's watch), in the
 * run's records, before the child runs anything: from the moment its run
 * row exists (state_run_begin) until recovery_unwatch.  A child that
 * cannot be recorded still runs, with a warning. */
void recovery_watch(struct run *r);
void recovery_unwatch(struct run *r);

#endif
