/*
 * cmd: the command table (git's builtin/ and commands[]) and what every
 * cmd-NAME.c shares.  A command is `int cmd_NAME(int argc, char **argv,
 * struct global *g, struct err *e)`: argv[0] is the command's name, the rest
 * its arguments.  It returns an exit code (>= 0) or a negative code with e
 * filled; only main.c prints the final error and exits.
 */
#ifndef SC_CMD_H
#define SC_CMD_H

#include <jansson.h>
#include "../lib/err.h"
#include "../steps/history.h"

struct config;
struct run;
struct output;

struct global {
	const char *config_path;  /* -c, else $STAGECOACH_CONFIG, else ./stagecoach.conf */
	int json;
	int color;                /* resolved: 1 colour, 0 none */
	int quiet, verbose;
	struct output *out;
	const struct command *cmd; /* the command being run (its row of the table), set by main */
};

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct global *g, struct err *e);
	const char *usage;        /* "deploy ENV [--release ID] ..." */
	const char *summary;      /* one line */
	const char *help;         /* paragraphs and an example */
};
extern const struct command commands[];
/* commands.c: main and help read the table; the commands never do */
const struct command *command_find(const char *name);
/* Every command's name, NULL-terminated (the array is the caller's to free) */
const char **command_names(void);
int command_print_help(const struct command *c);

/* Load the configuration of g; errors are SC_EUSAGE with FILE:LINE. */
int cmd_load_config(struct global *g, struct config **cfg, struct err *e);

/* Flags every mutating command understands */
struct run_flags {
	const char *release;
	int approve, yes, dry_run, resume, no_rollback;
	const char *approve_steps; /* --approve=STEP[,STEP]: the approval steps (checkpoints) named */
	const char *junit;        /* --junit FILE */
};

/*
 * Open a run of `command` on environment env_name: creates the run, opens
 * the state (SC_EUNREACHABLE when the database cannot be reached), and, when
 * `lock` is set, takes the environment's lock (SC_ELOCKED).  *out is freed
 * with cmd_close_run.
 */
int cmd_open_run(struct global *g, struct config *cfg, const char *env_name, const char *command,
		 const struct run_flags *flags, int lock, struct run **out, struct err *e);
void cmd_close_run(struct run *r);

/*
 * The deploy pipeline of `deploy` and `promote` on env_name: opens the run
 * with its lock, refuses an interrupted run (exit 2) unless flags->resume,
 * runs the pipeline.  promoted_from is recorded (NULL for deploy).
 */
int cmd_deploy_run(struct global *g, struct config *cfg, const char *env_name, const char *command,
		   const struct run_flags *flags, const char *promoted_from, struct err *e);
/* plan --json's last object, "plan_finished", of a run whose preflight ran
 * in dry-run mode; lines: {step: [line, ...]} as output collects them
 * (borrowed, may be NULL).  A new reference. */
json_t *cmd_plan_json(struct run *r, json_t *lines);

/* Parse the run flags of argv[first..]; positional arguments are collected
 * into pos (at most maxpos).  Returns the number of positionals or <0. */
int cmd_parse_flags(const struct global *g, int argc, char **argv, struct run_flags *f, const char **pos, int maxpos,
		    struct err *e);

/* "unknown option 'OPT'" (SC_EUSAGE) with "did you mean --X?" when one of
 * the command's options (from its usage line) or the global ones is close. */
int cmd_unknown_option(const struct global *g, struct err *e, const char *opt);

/* Fill e (SC_EUSAGE) with the message and the usage of g's command. */
int cmd_usage_error(const struct global *g, struct err *e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* 1 when argv holds --help or -h (then the command prints its help) */
int cmd_wants_help(int argc, char **argv);

int cmd_validate(int, char **, struct global *, struct err *);
int cmd_plan(int, char **, struct global *, struct err *);
int cmd_deploy(int, char **, struct global *, struct err *);
int cmd_promote(int, char **, struct global *, struct err *);
int cmd_rollback(int, char **, struct global *, struct err *);
int cmd_status(int, char **, struct global *, struct err *);
int cmd_resolve(int, char **, struct global *, struct err *);
int cmd_history(int, char **, struct global *, struct err *);
int cmd_diff(int, char **, struct global *, struct err *);
int cmd_lint(int, char **, struct global *, struct err *);
int cmd_backup(int, char **, struct global *, struct err *);
int cmd_restore(int, char **, struct global *, struct err *);
int cmd_approve(int, char **, struct global *, struct err *);
int cmd_help(int, char **, struct global *, struct err *);
int cmd_init(int, char **, struct global *, struct err *);
int cmd_new(int, char **, struct global *, struct err *);
int cmd_migrations(int, char **, struct global *, struct err *);
int cmd_baseline(int, char **, struct global *, struct err *);
int cmd_repair(int, char **, struct global *, struct err *);

/*
 * What `migrations`, `baseline` and `repair` share (cmd-migrations.c): the
 * config, a run on ENV (with the lock when `lock`), the folder's migrations
 * and ENV's history (steps/history.h) with one status per migration.
 * Release with cmd_migrations_close().
 */
struct cmd_migrations {
	struct config *cfg;
	struct run *run;
	struct migration *all;
	size_t n;
	char **ignored;
	struct history hist;
	struct history_status *rows;
	size_t nrows;
};
int cmd_migrations_open(struct global *g, const char *env_name, const char *command, const struct run_flags *flags,
			int lock, struct cmd_migrations *cm, struct err *e);
void cmd_migrations_close(struct cmd_migrations *cm);

#endif
