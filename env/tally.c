/*
 * tally: step counts of a run (see tally.h).
 */
#include <string.h>
#include "run.h"
#include "tally.h"

static void tally_add(const struct run *r, struct run_tally *t)
{
	for (size_t i = 0; i < r->nexecs; i++) {
		const struct step_exec *x = &r->execs[i];
		t->total++;
		if (x->ran) {
			t->ran++;
			if (x->failed)
				t->failed++;
			else if (x->status == STEP_PAUSED)
				t->paused++;
			else if (x->status != STEP_RUNNING && x->status != STEP_PENDING)
				t->succeeded++;
		} else if (x->status == STEP_SKIPPED) {
			t->skipped++;
		} else if (x->status == STEP_PENDING || x->status == STEP_RUNNING) {
			t->not_run++;
		} else {
			t->done_earlier++;
		}
		if (x->status == STEP_ROLLED_BACK)
			t->undone++;
		else if (x->status == STEP_ROLLBACK_FAILED)
			t->undo_failed++;
	}
}

void run_tally(const struct run *r, struct run_tally *t)
{
	*t = r->tally_carried;
	tally_add(r, t);
	t->undoing = r->undoes != NULL;
}

void run_tally_carry(struct run *r)
{
	tally_add(r, &r->tally_carried);
}

static void tally_part(struct buf *out, size_t n, const char *what)
{
	buf_addf(out, "%s%zu %s", out->len ? ", " : "", n, what);
}

void run_tally_text(const struct run_tally *t, struct buf *out)
{
	struct buf b = BUF_INIT;
	if (t->undoing) {
		/* a rollback: what it undid of the runs it undoes */
		tally_part(&b, t->undone, t->undone == 1 ? "step undone" : "steps undone");
		if (t->undo_failed)
			tally_part(&b, t->undo_failed, "could not be undone");
		size_t nothing = t->total - t->undone - t->undo_failed;
		if (nothing)
			tally_part(&b, nothing, "with nothing to undo");
	} else {
		buf_addf(&b, "%zu of %zu step%s ran", t->ran, t->total, t->total == 1 ? "" : "s");
		if (t->ran) {
			buf_addf(&b, " (%zu succeeded", t->succeeded);
			if (t->failed)
				buf_addf(&b, ", %zu failed", t->failed);
			if (t->paused)
				buf_addf(&b, ", %zu paused", t->paused);
			buf_adds(&b, ")");
		}
		if (t->done_earlier)
			tally_part(&b, t->done_earlier, "done earlier");
		if (t->undone || t->undo_failed || t->failed)
			tally_part(&b, t->undone, "undone");
		if (t->undo_failed)
			tally_part(&b, t->undo_failed, "could not be undone");
		if (t->skipped)
			tally_part(&b, t->skipped, "skipped");
		if (t->not_run)
			tally_part(&b, t->not_run, "not reached");
	}
	buf_add(out, b.data, b.len);
	buf_release(&b);
}

json_t *run_tally_json(const struct run_tally *t)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "total", (json_int_t)t->total, "ran",
			 (json_int_t)t->ran, "succeeded", (json_int_t)t->succeeded, "failed", (json_int_t)t->failed,
			 "paused", (json_int_t)t->paused, "undone", (json_int_t)t->undone, "undo_failed",
			 (json_int_t)t->undo_failed, "skipped", (json_int_t)t->skipped, "done_earlier",
			 (json_int_t)t->done_earlier, "not_run", (json_int_t)t->not_run);
}
