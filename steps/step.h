/*
 * step: one step of the pipeline, and the table of operations of its kind
 * (curl's protocol handlers).  A kind is one file in steps/ exporting one
 * `const struct step_ops step_KIND_ops` and one row in steps/registry.c.
 *
 * Lifecycle:
 *   parse    at config load; no I/O.  Copies what it needs into st->priv.
 *   plan     read-only: says what apply would do (run_plan_line), and checks
 *            every precondition it can (checksums, lint, approvals).  The
 *            engine calls plan for every step of a deploy before anything
 *            changes; an error there changes nothing.
 *   apply    does the work.  Records in run_detail(run) whatever rollback
 *            needs later (it is stored in run_steps.detail, so `rollback`
 *            can act from the records alone, from any checkout).
 *   rollback undoes apply, reading run_detail(run) (which the engine loads
 *            from the records when rolling back a past run).  NULL: the step
 *            changes nothing, or cannot be undone (see `undo` below).
 *   free     frees st->priv.
 *
 * A step expands its raw strings with run_expand() in plan/apply/rollback.
 */
#ifndef SC_STEP_H
#define SC_STEP_H

#include <libconfig.h>
#include "../env/config.h"
#include "../lib/err.h"
#include "../lib/settings.h"

struct run;

enum step_undo {
	UNDO_NOTHING = 0,  /* a gate: changes nothing, nothing to undo */
	UNDO_ROLLBACK,     /* has a rollback */
	UNDO_IMPOSSIBLE,   /* changes things it cannot undo */
};

struct step_ops {
	const char *kind;
	int (*parse)(struct step *, const config_setting_t *, struct err *);
	int (*plan)(struct step *, struct run *, struct err *);
	int (*apply)(struct step *, struct run *, struct err *);
	int (*rollback)(struct step *, struct run *, struct err *);
	void (*free)(struct step *);
	/* optional: how this configured step is undone, for plan and rollback
	 * checks; NULL means UNDO_ROLLBACK if rollback is set, else NOTHING. */
	enum step_undo (*undo)(const struct step *);
	/* optional: a short phrase of the rollback strategy, for `plan` */
	const char *(*rollback_strategy)(const struct step *);
	/* optional: checks against the other steps, at config load once every
	 * step is parsed (no I/O); errors are FILE:LINE, SC_EUSAGE */
	int (*check)(const struct step *, const struct config *, struct err *);
	/* optional, read-only: what rollback would do with run_detail(run) of a
	 * past run (run_plan_line: each down, restore, function, host), after
	 * checking that everything it needs exists (backup files and their
	 * sha256, stored downs, bundles); SC_EUSAGE naming what is missing.
	 * NULL: the rollback strategy phrase is shown. */
	int (*rollback_plan)(struct step *, struct run *, struct err *);
	/* the keys parse accepts besides the common ones, as groups (the step
	 * itself, nested groups such as sql_check's checks), for the config
	 * reference; ends with { NULL, NULL } (lib/settings.h) */
	const struct cfg_keys *keys;
};


/* steps/registry.c */
const struct step_ops *step_kind_find(const char *kind);
const char *step_kind_closest(const char *kind);
extern const struct step_ops *const step_kinds[];

enum step_undo step_undo_of(const struct step *st);

#endif
