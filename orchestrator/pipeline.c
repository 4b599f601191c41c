/*
 * pipeline: preflight, apply, record, roll back (see pipeline.h).
 *
 * A run goes: approval of a protected environment, then `plan` of every
 * step (a failing check changes nothing), the run row, `before` hooks,
 * then each step: its row written as running, apply, its row written with
 * the outcome.  On a failure the done steps (and the failed one, which may
 * have done part of its work) are rolled back newest first.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "junit.h"
#include "output.h"
#include "pipeline.h"
#include "../lib/redact.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../env/lock.h"
#include "../env/state.h"
#include "../hooks/hooks.h"
#include "../hooks/notify.h"
#include "../steps/step.h"

static struct run *signal_run;
static volatile sig_atomic_t rolling_back;

static void on_signal(int sig)
{
	(void)sig;
	if (!signal_run)
		return;
	if (rolling_back || signal_run->stop) {
		static const char msg[] = "\nstagecoach: rolling back: the signal is ignored until the rollback "
					  "ends (kill -9 leaves the run interrupted)\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
		return;
	}
	static const char msg[] = "\nstagecoach: interrupted: stopping the current step, then rolling back\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	signal_run->stop = 1;
}

void pipeline_signals(struct run *r)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	signal_run = r;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void pipeline_signals_end(void)
{
	/* the run is recorded and its lock released: a signal from now on ends
	 * the process at once (and the handler never sees a freed run) */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal_run = NULL;
}

static void set_error(struct step_exec *x, const struct err *e)
{
	free(x->error);
	x->error = redact(e->msg);
}

static void write_step(struct run *r, size_t i)
{
	struct err e = ERR_INIT;
	if (r->state && state_step_write(r->state, r, i, &e) < 0)
		out_warn(r->out, "%s '%s': step '%s': could not record the step: %s", r->command, r->env->name,
			 r->execs[i].step->name, e.msg);
}

int pipeline_preflight(struct run *r, struct err *e)
{
	for (size_t i = 0; i < r->nexecs; i++) {
		struct step_exec *x = &r->execs[i];
		if (!config_step_applies(x->step, r->env)) {
			x->status = STEP_SKIPPED;
			continue;
		}
		if (r->resuming && x->status == STEP_SUCCEEDED)
			continue; /* done before the interruption: its records stand */
		x->status = STEP_PENDING;
		if (r->dry_run && !r->out->json)
			out_text(r->out, "  %-4s %-16s %-16s %s", "plan", x->step->name, x->step->kind,
				 x->step->ops->rollback_strategy ? x->step->ops->rollback_strategy(x->step)
				 : step_undo_of(x->step) == UNDO_NOTHING ? "(a gate: nothing to undo)"
				 : step_undo_of(x->step) == UNDO_ROLLBACK ? "(rollback: yes)"
									  : "(cannot be undone)");
		if (!x->step->ops->plan)
			continue;
		r->cur = x;
		int rc = x->step->ops->plan(x->step, r, e);
		r->cur = NULL;
		if (rc < 0) {
			err_prefix(e, "step '%s'", x->step->name);
			return e->code ? e->code : SC_EUSAGE;
		}
	}
	return 0;
}

static void rollback_one(struct run *r, size_t i, int *failed, struct buf *remains)
{
	struct step_exec *x = &r->execs[i];
	struct err e = ERR_INIT;
	enum step_undo how = x->step ? step_undo_of(x->step) : UNDO_IMPOSSIBLE;
	if (how == UNDO_NOTHING)
		return;
	long long t0 = time_mono_ms();
	int rc;
	if (!x->step)
		BUG("rollback of a step that is not in the config");
	if (how == UNDO_IMPOSSIBLE || !x->step->ops->rollback) {
		rc = err_set(&e, SC_EROLLBACK, "step kind '%s' cannot be undone", x->step->kind);
	} else {
		if (r->undoes) {
			/* a rollback run: its row says what it is doing before it starts */
			enum step_status was = x->status;
			x->status = STEP_RUNNING;
			write_step(r, i);
			x->status = was;
		}
		r->cur = x;
		rc = x->step->ops->rollback(x->step, r, &e);
		r->cur = NULL;
	}
	x->rollback_ms = time_mono_ms() - t0;
	if (rc < 0) {
		x->status = STEP_ROLLBACK_FAILED;
		free(x->rollback_error);
		x->rollback_error = redact(e.msg);
		*failed = 1;
		buf_addf(remains, "%sstep '%s': %s", remains->len ? "; " : "", x->step->name, x->rollback_error);
	} else {
		x->status = STEP_ROLLED_BACK;
	}
	write_step(r, i);
	out_step_rolled_back(r->out, r, x);
}

int pipeline_rollback(struct run *r, struct err *e)
{
	int failed = 0;
	struct buf remains = BUF_INIT;
	/* a signal stopped the steps, not their undoing: rollback commands run
	 * to their end (further signals are refused while rolling_back) */
	sig_atomic_t was_stopped = r->stop;
	rolling_back = 1;
	r->stop = 0;
	out_rollback_started(r->out, r, NULL);
	for (size_t i = r->nexecs; i-- > 0;) {
		struct step_exec *x = &r->execs[i];
		if (x->status == STEP_SUCCEEDED || x->status == STEP_FAILED)
			rollback_one(r, i, &failed, &remains);
	}
	rolling_back = 0;
	r->stop = was_stopped;
	if (failed)
		err_set(e, SC_EROLLBACK, "the rollback did not complete: %s", buf_str(&remains));
	buf_release(&remains);
	return failed ? SC_EROLLBACK : 0;
}

/* Whether the steps up to the failed one (failed_at, maybe r->nexecs) may
 * have changed something a rollback would undo.  The failed step counts
 * unless it failed unreachable: SC_EUNREACHABLE from a step means it
 * changed nothing (a host never connected, a function never sent).  A
 * step that failed under continue_on_error counts: it may have done part
 * of its work. */
static int anything_to_undo(struct run *r, size_t failed_at, int failed_unreachable)
{
	for (size_t i = 0; i <= failed_at && i < r->nexecs; i++) {
		struct step_exec *x = &r->execs[i];
		if (x->status != STEP_SUCCEEDED && x->status != STEP_FAILED)
			continue;
		if (step_undo_of(x->step) == UNDO_NOTHING)
			continue;
		if (i == failed_at && failed_unreachable)
			continue;
		return 1;
	}
	return 0;
}

static void finish(struct run *r, const char *status, const char *error, int code)
{
	struct err e = ERR_INIT;
	if (r->state && state_run_finish(r->state, r, status, error, &e) < 0)
		out_warn(r->out, "%s '%s': could not record the end of run '%s': %s", r->command, r->env->name,
			 r->run_id, e.msg);
	notify_send(r, status, error, code);
	if (r->junit && junit_write(r, r->junit, status, error, &e) < 0)
		out_warn(r->out, "%s", e.msg);
	out_run_finished(r->out, r, status, error, code);
}

void pipeline_finish(struct run *r, const char *status, const char *error, int code)
{
	finish(r, status, error, code);
}

int pipeline_deploy(struct run *r, struct err *e)
{
	int rc;
	pipeline_signals(r);
	out_run_started(r->out, r);
	if (r->env->protected_env && !r->dry_run) {
		char *msg = xasprintf("%s to protected environment '%s' (release %s)", r->command, r->env->name,
				      r->release ? r->release : "-");
		rc = run_approval(r, msg, e);
		free(msg);
		if (rc < 0)
			return SC_EAPPROVAL;
	}
	if ((rc = pipeline_preflight(r, e)) != 0) {
		err_prefix(e, "%s", rc == SC_EAPPROVAL ? "nothing was changed" : "nothing was changed");
		return rc;
	}
	if (r->dry_run) {
		out_text(r->out, "dry run: nothing was changed");
		return 0;
	}
	if (r->state && state_run_begin(r->state, r, e) < 0)
		return e->code ? e->code : SC_EFAIL;
	notify_run_started(r);
	if (hooks_run(r, r->cfg->hooks.before, "before", e) < 0) {
		/* a precondition of the team's refused the run before any step:
		 * exit 5 (a precondition refused, nothing changed), not 1 (which
		 * says a rollback happened); on_failure runs as for any failed run */
		char *why = xstrdup(e->msg);
		err_set(e, SC_EAPPROVAL, "%s; the run stopped before its first step: nothing was changed, so nothing "
			"was rolled back", why);
		free(why);
		struct err he = ERR_INIT;
		if (hooks_run(r, r->cfg->hooks.on_failure, "on_failure", &he) < 0)
			out_warn(r->out, "%s '%s': %s", r->command, r->env->name, he.msg);
		finish(r, "failed", e->msg, SC_EAPPROVAL);
		return SC_EAPPROVAL;
	}

	size_t failed_at = r->nexecs, paused_at = r->nexecs;
	struct err step_err = ERR_INIT;
	int warnings = 0;
	int lock_gone = 0; /* the lock was lost to another run: undo nothing */
	for (size_t i = 0; i < r->nexecs; i++) {
		struct step_exec *x = &r->execs[i];
		if (r->resuming && x->status == STEP_SUCCEEDED) {
			out_text(r->out, "  %-4s %-16s %-16s %8s  done earlier in this run", "ok", x->step->name,
				 x->step->kind, "");
			continue;
		}
		if (x->status == STEP_SKIPPED) {
			write_step(r, i);
			out_step_finished(r->out, r, x);
			continue;
		}
		if (r->stop) {
			err_set(&step_err, SC_EFAIL, "interrupted by a signal before step '%s'", x->step->name);
			failed_at = i;
			break;
		}
		if (r->state && (rc = lock_check(r->state, &step_err)) < 0) {
			err_prefix(&step_err, "before step '%s'", x->step->name);
			lock_gone = rc == -SC_EROLLBACK;
			failed_at = i;
			break;
		}
		x->status = STEP_RUNNING;
		x->started_ms = time_wall_ms();
		if (r->state) {
			struct err we = ERR_INIT;
			if (state_step_write(r->state, r, i, &we) < 0) {
				err_set(&step_err, SC_EFAIL, "step '%s': not started: cannot record it: %s",
					x->step->name, we.msg);
				x->status = STEP_PENDING;
				failed_at = i;
				break;
			}
		}
		out_step_started(r->out, r, x);
		long long t0 = time_mono_ms();
		r->cur = x;
		x->ran = 1;
		struct err se = ERR_INIT;
		rc = x->step->ops->apply(x->step, r, &se);
		r->cur = NULL;
		x->duration_ms = time_mono_ms() - t0;
		if (rc == 0 && r->stop) {
			/* the step finished; stop before the next one */
			x->status = STEP_SUCCEEDED;
		} else if (rc < 0 && se.code == SC_EPAUSED) {
			x->status = STEP_PAUSED; /* a checkpoint nobody gave yet */
		} else if (rc < 0) {
			x->status = STEP_FAILED;
			x->failed = 1;
			if (r->stop && !strstr(se.msg, "interrupt"))
				err_prefix(&se, "interrupted");
			set_error(x, &se);
		} else {
			x->status = STEP_SUCCEEDED;
		}
		write_step(r, i);
		out_step_finished(r->out, r, x);
		if (x->status == STEP_PAUSED) {
			step_err = se;
			paused_at = i;
			break;
		}
		if (rc < 0) {
			if (x->step->continue_on_error && !r->stop) {
				warnings++;
				out_warn(r->out, "%s '%s': step '%s' failed and continue_on_error is set: %s",
					 r->command, r->env->name, x->step->name, x->error);
				continue;
			}
			step_err = se;
			err_prefix(&step_err, "step '%s'", x->step->name);
			failed_at = i;
			break;
		}
	}

	if (paused_at < r->nexecs) {
		/* nothing is undone and no hook runs: the run is not over; the
		 * lock goes when the command returns */
		finish(r, "paused", step_err.msg, SC_EPAUSED);
		err_set(e, SC_EPAUSED, "%s", step_err.msg);
		return SC_EPAUSED;
	}
	if (failed_at == r->nexecs) {
		struct err he = ERR_INIT;
		if (hooks_run(r, r->cfg->hooks.after, "after", &he) < 0)
			out_warn(r->out, "%s '%s': %s", r->command, r->env->name, he.msg);
		finish(r, "succeeded", NULL, 0);
		if (warnings)
			out_warn(r->out, "%s '%s': %d step%s failed with continue_on_error", r->command, r->env->name,
				 warnings, warnings == 1 ? "" : "s");
		return 0;
	}

	/* failure: undo */
	int code;
	const char *status;
	struct buf msg = BUF_INIT;
	buf_adds(&msg, step_err.msg);
	if (step_err.code == SC_EUNREACHABLE && !lock_gone &&
	    !anything_to_undo(r, failed_at, 1)) {
		/* a target unreachable before anything changed: the failed step
		 * changed nothing (what SC_EUNREACHABLE from a step means) nor
		 * did any before it, so there is nothing to undo and the run
		 * is not "rolled back" (exit 6) */
		code = SC_EUNREACHABLE;
		status = "failed";
		buf_addf(&msg, "; nothing was changed, so nothing was rolled back");
	} else if (r->no_rollback || lock_gone) {
		code = SC_EROLLBACK;
		status = "failed";
		buf_addf(&msg, "; not rolled back (%s): the environment is part-way; see 'stagecoach status %s', then "
			 "run 'stagecoach rollback %s' or 'stagecoach deploy %s --resume'",
			 lock_gone ? "another run may hold the environment" : "--no-rollback", r->env->name, r->env->name,
			 r->env->name);
	} else {
		struct err re = ERR_INIT;
		code = pipeline_rollback(r, &re);
		if (code == 0) {
			status = "rolled_back";
			if (step_err.code == SC_EAPPROVAL)
				code = SC_EAPPROVAL;
			else
				code = SC_EFAIL;
			buf_addf(&msg, "; rolled back: '%s' is at its previous release", r->env->name);
		} else {
			status = "rollback_failed";
			buf_addf(&msg, "; %s; manual attention needed: see 'stagecoach status %s'", re.msg,
				 r->env->name);
		}
	}
	struct err he = ERR_INIT;
	if (hooks_run(r, r->cfg->hooks.on_failure, "on_failure", &he) < 0)
		out_warn(r->out, "%s '%s': %s", r->command, r->env->name, he.msg);
	finish(r, status, buf_str(&msg), code);
	err_set(e, code, "%s", buf_str(&msg));
	buf_release(&msg);
	return code;
}
