/*
 * commands: the command table (git's commands[]).  A new command is its
 * cmd-NAME.c and one row here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "help.h"
#include "../lib/suggest.h"
#include "../lib/util.h"

const struct command commands[] = {
	{ "validate", cmd_validate, "validate [--server-version N] [ENV ...]",
	  "check the config, every step's settings and every migration, without connecting anywhere",
	  "Parses the config, expands every variable for every environment (or only the\n"
	  "ENVs named), checks each step's settings, parses every migration with the\n"
	  "PostgreSQL grammar and runs the lint. Exit 0 when valid, 2 with FILE:LINE otherwise.\n"
	  "--server-version N: the target is PostgreSQL N; a statement the lint's grammar\n"
	  "(PostgreSQL 15) cannot parse is then a warning, when N is newer.\n\n"
	  "example:\n  stagecoach -c stagecoach.conf validate" },
	{ "plan", cmd_plan, "plan ENV",
	  "show what 'deploy ENV' would do (read-only)",
	  "Pending migrations with lint findings, functions whose content differs, hosts,\n"
	  "gates and the rollback strategy of each step. Changes nothing.\n\n"
	  "example:\n  stagecoach plan production" },
	{ "deploy", cmd_deploy, "deploy ENV [--release NAME] [--approve[=STEP,...]] [--yes] [--dry-run] [--resume] [--no-rollback] [--junit FILE]",
	  "run the pipeline on ENV; on failure roll back",
	  "Takes the environment's lock, checks every step, then runs them in order,\n"
	  "recording each in ENV's database. When a step fails, the steps done are undone\n"
	  "newest first (exit 1), or the rollback's failure is reported (exit 3).\n"
	  "--approve gives the approval a protected environment or an approval step needs\n"
	  "when there is no terminal; --approve=STEP,... gives the named approval steps,\n"
	  "checkpoints (pause = true) included, which plain --approve never gives. A run\n"
	  "that reaches a checkpoint nobody gave pauses (exit 7, lock released): 'approve\n"
	  "ENV STEP' then 'deploy ENV --resume' continues it. --release NAME names the\n"
	  "release (default: its content hash's first 12 hex digits); --dry-run is 'plan'.\n\n"
	  "example:\n  stagecoach deploy staging --release v1.2.3\n  stagecoach deploy staging --json --approve\n"
	  "  stagecoach deploy production --resume" },
	{ "promote", cmd_promote, "promote FROM TO [--approve[=STEP,...]] [--yes] [--resume] [--junit FILE]",
	  "deploy to TO exactly the release that last succeeded on FROM",
	  "Refuses (exit 5) unless FROM's last successful run has the local tree's content\n"
	  "hash (the config, migrations, functions and release artifacts); then runs TO's\n"
	  "pipeline under FROM's release name and records promoted_from.\n\n"
	  "example:\n  stagecoach promote staging production --approve" },
	{ "rollback", cmd_rollback,
	  "rollback ENV --to RELEASE | --last [--dry-run] [--no-safety-backup] [--approve] [--yes] [--junit FILE]",
	  "bring ENV back to RELEASE (--last: to the release before the newest run) from the records",
	  "Works from the records alone, from any checkout. Without a terminal, --to or --last is required;\n"
	  "--to the release ENV is at does nothing. --dry-run shows each down, restore (with the rows written\n"
	  "since the backup that it discards), function and host, and changes nothing. Everything it needs is\n"
	  "checked first. Restoring over rows written since a backup needs --approve.\n\n"
	  "example:\n  stagecoach rollback production --last --approve" },
	{ "status", cmd_status, "status ENV",
	  "current release, last run, interrupted run, lock holder",
	  "Read-only. With --json, one object.\n\nexample:\n  stagecoach status production" },
	{ "history", cmd_history, "history ENV [--limit N]",
	  "the runs on ENV, newest first",
	  "Read-only. With --json, one object per run.\n\nexample:\n  stagecoach history production --limit 5" },
	{ "diff", cmd_diff, "diff ENV_A ENV_B",
	  "schema and functions differences between two environments",
	  "Exit 0 when identical, 1 when they differ.\n\nexample:\n  stagecoach diff staging production" },
	{ "lint", cmd_lint, "lint [--server-version N] [PATH ...]",
	  "migration safety lint (default: the configured migrations)",
	  "Exit 1 on error-level findings. --server-version N: the target is PostgreSQL N;\n"
	  "when it is newer than the lint's grammar (15), a statement that does not parse\n"
	  "is a warning naming N, not an error.\n\nexample:\n  stagecoach lint migrations/" },
	{ "backup", cmd_backup, "backup ENV",
	  "take an on-demand backup of ENV's database",
	  "example:\n  stagecoach backup production" },
	{ "restore", cmd_restore, "restore ENV FILE [--yes] [--approve] [--no-safety-backup]",
	  "restore a backup into ENV's database",
	  "A protected environment needs approval.\n\nexample:\n  stagecoach restore staging backups/staging-RUN.dump --yes" },
	{ "init", cmd_init, "init [--layout L]",
	  "write a starter stagecoach.conf for the folder it stands in",
	  "Detects prisma/migrations, supabase/migrations and supabase/functions,\n"
	  "db/migrations, migrations/, Flyway's V1__x.sql (src/main/resources/db/migration)\n"
	  "and alembic.ini, and writes a commented stagecoach.conf (or -c FILE) with\n"
	  "${...} variables for every database URL and token. Never overwrites (exit 2).\n"
	  "--layout L (prisma, supabase, dbmate, golang-migrate, flyway, alembic) picks one\n"
	  "when several are found.\n\n"
	  "example:\n  cd my-app && stagecoach init && stagecoach validate" },
	{ "new", cmd_new, "new NAME [--layout L]",
	  "create the next migration file in the configured folder's layout",
	  "The version is the UTC time (YYYYMMDDHHMMSS); the layout is the one the folder\n"
	  "already uses (golang-migrate's up and down files for an empty folder, unless\n"
	  "--layout says otherwise); a down file is written where the layout has one.\n"
	  "Prints the path of each file. NAME is lowercase letters, digits and '_'.\n\n"
	  "example:\n  stagecoach new add_user_email" },
	{ "resolve", cmd_resolve, "resolve ENV --approve --note TEXT [--yes]",
	  "record that a person fixed what an interrupted or rollback_failed run left, so deploys are allowed again",
	  "The run that blocks deploys (an interrupted run, else the newest deploy left\n"
	  "rollback_failed) becomes 'resolved'; who did it and the note are recorded.\n"
	  "Nothing is undone or redone: use it after fixing by hand what 'status' named.\n"
	  "Without a terminal --approve is required.\n\n"
	  "example:\n  stagecoach resolve production --approve --note \"dropped table tmp_import by hand\"" },
	{ "migrations", cmd_migrations, "migrations ENV",
	  "every migration: applied (when, by which run, which tool), pending, changed, missing, baselined",
	  "Read-only, like 'flyway info': reads stagecoach's records and the history table\n"
	  "of the tool the migrate step keeps (_prisma_migrations, flyway_schema_history...).\n"
	  "With --json, one object (docs/commands/migrations.md).\n\n"
	  "example:\n  stagecoach migrations production" },
	{ "baseline", cmd_baseline, "baseline ENV [--to VERSION] [--approve]",
	  "record migrations as applied without running them (a database older than stagecoach)",
	  "Records every pending migration up to VERSION (default: all) in stagecoach's\n"
	  "records and the tool's table, in one transaction. Runs nothing else.\n"
	  "A protected environment needs approval.\n\n"
	  "example:\n  stagecoach baseline production --to 20240101000000 --approve" },
	{ "repair", cmd_repair, "repair ENV [--approve]",
	  "accept the current checksums of changed migrations; drop records of missing ones",
	  "After a person reviewed the changes: prints each one, changes only the records.\n"
	  "A protected environment needs approval.\n\n"
	  "example:\n  stagecoach repair staging" },
	{ "approve", cmd_approve, "approve ENV STEP",
	  "give the checkpoint a paused run on ENV waits for",
	  "A run that reached an approval step with pause = true, with no terminal and\n"
	  "no --approve=STEP, is paused (exit 7). approve records who gave the checkpoint\n"
	  "(STAGECOACH_ACTOR, else the CI user, else the login name) and when; then\n"
	  "'deploy ENV --resume' continues the run after it. Refused (exit 2) when no run\n"
	  "is paused or it waits at another step. Records only.\n\n"
	  "example:\n  stagecoach approve production verify-data\n  stagecoach deploy production --resume" },
	{ "help", cmd_help, "help [COMMAND | TOPIC]", "show help for stagecoach, one command, or a reference page",
	  "TOPIC is a page of the reference, printed as it is (markdown): config (every\n"
	  "key of the file), exit-codes, json (the --json output), hooks, lint-rules,\n"
	  "layouts and each migration layout (golang-migrate, dbmate, prisma, supabase,\n"
	  "flyway, alembic), and each step kind (pg_backup, migrate, ssh, ...).\n"
	  "'stagecoach help' lists them all.\n\n"
	  "example:\n  stagecoach help deploy\n  stagecoach help config | less\n  stagecoach help prisma" },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct command *command_find(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

const char **command_names(void)
{
	size_t n = 0;
	while (commands[n].name)
		n++;
	const char **names = xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = commands[i].name;
	return names;
}

int cmd_help(int argc, char **argv, struct global *g, struct err *e)
{
	(void)g;
	if (argc >= 2) {
		if (command_find(argv[1]))
			return command_print_help(command_find(argv[1]));
		/* hidden: every key the config parser accepts (a test holds
		 * docs/config.md to it) */
		if (argc >= 3 && strcmp(argv[1], "config") == 0 && strcmp(argv[2], "--keys") == 0) {
			help_print_config_keys();
			return 0;
		}
		if (help_is_topic(argv[1]))
			return help_show_topic(argv[1], e);
		struct buf b = BUF_INIT;
		for (const struct command *c = commands; c->name; c++)
			buf_addf(&b, "%s%s", b.len ? ", " : "", c->name);
		char *topics = help_topic_list();
		/* did you mean: the closest command or topic */
		char **names = NULL;
		for (const struct command *c = commands; c->name; c++)
			strv_push(&names, c->name);
		char *list = xstrdup(topics);
		for (char *save = NULL, *t = strtok_r(list, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			strv_push(&names, t);
		const char *near = suggest_closest(argv[1], (const char *const *)names);
		err_set(e, SC_EUSAGE, "help: unknown command or topic '%s'%s%s%s\ncommands: %s\ntopics: %s", argv[1],
			near ? ": did you mean " : "", near ? near : "", near ? "?" : "", buf_str(&b), topics);
		strv_free(names);
		free(list);
		free(topics);
		buf_release(&b);
		return -SC_EUSAGE;
	}
	printf("usage: stagecoach [-c FILE] [--json] [--color=auto|always|never] [-q] [-v] COMMAND [ARGS]\n\n"
	       "The config is -c FILE, else $STAGECOACH_CONFIG, else ./stagecoach.conf.\n\ncommands:\n");
	for (const struct command *c = commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	char *topics = help_topic_list();
	printf("\ntopics (stagecoach help TOPIC: the reference pages of docs/):\n  %s\n", topics);
	free(topics);
	printf("\nexit codes: 0 success, 1 failed and rolled back, 2 usage/config error (nothing changed),\n"
	       "3 rollback incomplete, 4 locked by another run, 5 approval or promotion refused,\n"
	       "6 target unreachable before anything changed, 7 paused at a checkpoint nobody gave yet\n"
	       "(stagecoach help exit-codes)\n");
	return 0;
}

int command_print_help(const struct command *c)
{
	printf("usage: stagecoach %s\n\n%s\n\n%s\n", c->usage, c->summary, c->help);
	return 0;
}
