/*
 * tally: how many steps of a run ran, succeeded, failed, were undone and
 * were skipped, counted from the run's steps, for the summary line, the
 * run_finished event and notifications: one count for all of them.
 *
 * Every step of the pipeline is exactly one of: ran (its apply ran in this
 * command), done_earlier (deploy --resume: done before the interruption;
 * rollback: done by the run being undone), skipped (not for this
 * environment, or nothing of it to undo), not_run (the run stopped before
 * it).  Those that ran ended succeeded, failed or paused; undone and
 * undo_failed count the rollbacks of this command, whatever the step's
 * apply did.
 */
#ifndef SC_TALLY_H
#define SC_TALLY_H

#include <stddef.h>
#include <jansson.h>
#include "../lib/util.h"

struct run;

struct run_tally {
	size_t total;
	size_t ran, succeeded, failed, paused;
	size_t undone, undo_failed;
	size_t skipped, done_earlier, not_run;
	int undoing;           /* the `rollback` command: it undoes, it applies nothing */
};

/* The counts of r's steps, plus r->tally_carried (the runs a rollback
 * undid before the one loaded now). */
void run_tally(const struct run *r, struct run_tally *t);
/* Add r's steps as they are now to r->tally_carried (the rollback command,
 * before it loads the next run's steps). */
void run_tally_carry(struct run *r);
/* "3 of 5 steps ran (2 succeeded, 1 failed), 3 undone, 1 skipped, 1 not
 * reached": the counts a reader needs, appended to out. */
void run_tally_text(const struct run_tally *t, struct buf *out);
/* {"total", "ran", "succeeded", "failed", "paused", "undone", "undo_failed",
 * "skipped", "done_earlier", "not_run"}: a new reference. */
json_t *run_tally_json(const struct run_tally *t);

#endif
