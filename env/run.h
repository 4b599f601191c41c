/*
 * run: one run of a command against one environment, as the steps see it:
 * the environment's config and variables, its database connection, its
 * state records and lock, the step being executed and its detail, and the
 * way to talk to the user (progress, log lines, prompts).
 *
 * Ownership: the orchestrator creates and frees the run (run_new/run_free).
 * Steps borrow everything they get from it.  Strings returned by
 * run_expand() are the caller's to free.
 */
#ifndef SC_RUN_H
#define SC_RUN_H

#include <signal.h>
#include <stddef.h>
#include <jansson.h>
#include <libpq-fe.h>
#include "status.h"
#include "tally.h"
#include "../lib/sink.h"
#include "../lib/err.h"

struct config;
struct env_config;
struct host;
struct step;
struct state;
struct output;

struct step_exec {
	struct step *step;
	enum step_status status;
	json_t *detail;          /* object, owned; what rollback needs */
	long long started_ms;    /* wall clock */
	long long duration_ms;
	long long rollback_ms;   /* how long its rollback took */
	char *error;             /* redacted message of apply's failure, owned */
	char *rollback_error;    /* redacted message of rollback's failure, owned */
	int failed;              /* apply failed (the status may since be rolled_back) */
	int position;            /* row position in run_steps; 0: the step's own */
	int ran;                 /* its apply ran in this command (env/tally.h) */
};

struct run {
	struct config *cfg;          /* borrowed */
	struct env_config *env;      /* borrowed */
	const char *command;         /* "deploy", "promote", "rollback", ... */
	char run_id[48];
	char *release;               /* the release name (--release NAME, else content_hash's first 12) */
	char *content_hash;          /* sha256 of what the pipeline ships (64 hex); NULL: not computed */
	char *git_commit;            /* NULL outside git */
	int git_dirty;               /* shipped files differ from git_commit: 1, 0, -1 unknown */
	char *actor;
	char *hostname;
	char *promoted_from;         /* NULL unless promote */
	int approve, yes, dry_run, resume, no_rollback;
	char **approve_steps;        /* --approve=STEP,...: NULL-terminated names, or NULL */
	int interactive;             /* stdin and stderr are terminals */
	const char *junit;           /* --junit FILE, borrowed; NULL: none */
	int resuming;                /* deploy --resume: the run row exists already */
	char *undoes;                /* rollback: the run ids undone, for the records */
	const char *undoing_run_id;  /* rollback: the run whose steps are being undone now */
	struct output *out;          /* borrowed; the orchestrator's own (env/ and steps/ use sink) */
	struct sink sink;            /* how env/, steps/ and hooks/ report to the user */
	struct state *state;         /* owned; NULL for read-only commands without state */
	PGconn *db;                  /* owned; the environment's database for steps, lazily */
	struct step_exec *execs;     /* one per configured step */
	size_t nexecs;
	struct step_exec *cur;       /* the step being applied or rolled back */
	const struct host *host;     /* the host at hand (${host.name}) in ssh/release commands and gates; NULL */
	volatile sig_atomic_t stop;  /* set by SIGINT/SIGTERM */
	/* restores (steps/pgscope.h): rows written since the backups a rollback
	 * preview would restore; whether the command's user approved
	 * discarding them; no safety backup before a restore */
	long long writes_at_risk;
	int writes_unknown, writes_approved, no_safety_backup;
	struct run_tally tally_carried; /* rollback: counts of the runs undone before the loaded one */
	char *notify_previous;      /* hooks/notify.c: the release before this run, owned; NULL: none */
	int notify_previous_known;  /* notify_previous was looked up */
};

struct run *run_new(struct config *cfg, struct env_config *env, const char *command);
void run_free(struct run *r);

/* Expand ${...} (SPEC section 2) for this run.  *out is the caller's.
 * Values of secret variables are registered for redaction. */
int run_expand(struct run *r, const char *raw, char **out, struct err *e);
/* run_expand for a command a shell runs (shell, ssh, hooks): every ${...}
 * is one shell-quoted word, and when exports is not NULL its NAME=value is
 * pushed onto *exports (lib/shellexpand.h; caller strv_free). */
int run_expand_command(struct run *r, const char *raw, char **out, char ***exports, struct err *e);

/* The environment's database for steps (not the state/lock connection).
 * Connects on first use; NULL with e (SC_EUNREACHABLE) on failure. */
PGconn *run_db(struct run *r, struct err *e);
/* A connection to the same database for reads only (no transaction, no
 * SET): the steps' connection when it is open, else the state connection,
 * which is already authenticated, so that a run that only reads (a no-op
 * deploy's migrate step, `migrations ENV`) opens one connection, not two
 * (a SCRAM exchange costs as much CPU as the rest of such a run).  Falls
 * back to run_db(). */
PGconn *run_db_read(struct run *r, struct err *e);

/* Detail object of the step being executed (never NULL while a step runs). */
json_t *run_detail(struct run *r);

/* A line of what plan/--dry-run would do for the current step. */
void run_plan_line(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Live progress of the current step ("migration 3/12", "1.2 MB"). */
void run_progress(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An output line of the current step (a host's or command's output); shown with -v
 * and kept for errors.  Redacted. */
void run_log(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning shown on every run (stderr, "stagecoach: warning: ..."). */
void run_warn(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Ask for approval (the environment's name typed on a terminal, else
 * --approve).  0 when approved, -SC_EAPPROVAL with e otherwise. */
int run_approval(struct run *r, const char *message, struct err *e);

/* 1 when --approve=STEP,... names step_name. */
int run_step_approved(const struct run *r, const char *step_name);
/* Ask on the terminal for the environment's name to be typed, after
 * message: 1 typed, 0 anything else (or no terminal). */
int run_ask_name(struct run *r, const char *message, const char *prompt);

/* Environment for child processes: the process environment plus
 * STAGECOACH_ENV, STAGECOACH_RELEASE, STAGECOACH_RUN_ID and DATABASE_URL.
 * Caller frees with strv_free(). */
char **run_child_env(struct run *r);

/* Save the current step's detail to the records now (not only when the
 * step ends), so that a run killed in the middle of the step can still be
 * rolled back from what it had done: steps call it after each unit of work
 * (a host, a function).  Failure to save is a warning. */
void run_checkpoint(struct run *r);

/* The run whose work a rollback undoes: the run being rolled back by the
 * `rollback` command, else this run itself. */
const char *run_target_id(const struct run *r);

/* 1 when SIGINT/SIGTERM asked the run to stop: long steps check it. */
int run_should_stop(const struct run *r);

#endif
