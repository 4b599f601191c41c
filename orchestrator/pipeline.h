/*
 * pipeline: the engine.  It runs the configured steps of a run in order,
 * records each step before and after it runs, and on failure undoes the
 * steps done, newest first.  It knows no protocol: steps do the work
 * through their step_ops.
 *
 * Every function returns an exit code (enum sc_exit, >= 0) and fills e
 * when that code is not 0.
 */
#ifndef SC_PIPELINE_H
#define SC_PIPELINE_H

#include "../lib/err.h"

struct run;

/* Check every applicable step (plan) without changing anything; with
 * r->dry_run the steps also say what they would do. */
int pipeline_preflight(struct run *r, struct err *e);
/* deploy/promote: approvals, preflight, hooks, steps, rollback on failure */
int pipeline_deploy(struct run *r, struct err *e);
/* Undo the steps of r->execs whose status is succeeded or failed, newest
 * first.  Returns 0 when all were undone, SC_EROLLBACK otherwise. */
int pipeline_rollback(struct run *r, struct err *e);
/* Record the end of a run (status row, notify, JUnit, the summary line). */
void pipeline_finish(struct run *r, const char *status, const char *error, int code);
/* SIGINT/SIGTERM set r->stop; a second one during rollback is refused. */
void pipeline_signals(struct run *r);
/* Undoes pipeline_signals when the run is closed: SIGINT/SIGTERM end the
 * process again. */
void pipeline_signals_end(void);

#endif
