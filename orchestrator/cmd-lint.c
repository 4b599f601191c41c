/*
 * cmd-lint: `stagecoach lint [PATH ...]`, the migration safety lint of SPEC
 * section 3 without any connection.  With no PATH it lints the configured
 * migrations folder; a PATH is a migrations folder or one .sql file (files
 * given together are linted as one sequence, in version order).
 *
 * Findings go to stdout, one per line, `FILE:LINE: RULE: message (hint:
 * ...)`, or with --json one object per finding and a closing
 * {"event":"lint_finished",...}; the summary goes to stderr (not with -q).
 * Exit 1 when there is an unaccepted error-level finding, 0 otherwise, 2
 * when a folder cannot be read or holds a file that is no migration.
 *
 * --server-version N: the migrations are for a PostgreSQL N server; when N
 * is newer than the lint's grammar (15), a statement that does not parse is
 * a warning naming N, not an error (plan and deploy know the version from
 * the connection).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/util.h"
#include "../steps/lint.h"

/* How a folder is shown before its files: relative to the working folder
 * when it is inside it, always ending in '/'.  Caller frees. */
static char *lint_cmd_prefix(const char *dir)
{
	char cwd[4096];
	const char *shown = dir;
	if (dir[0] == '/' && getcwd(cwd, sizeof(cwd))) {
		size_t n = strlen(cwd);
		if (strncmp(dir, cwd, n) == 0 && dir[n] == '/' && dir[n + 1])
			shown = dir + n + 1;
		else if (strcmp(dir, cwd) == 0)
			return xstrdup("");
	}
	if (strcmp(shown, ".") == 0 || strcmp(shown, "./") == 0)
		return xstrdup("");
	return ends_with(shown, "/") ? xstrdup(shown) : xasprintf("%s/", shown);
}

static void lint_cmd_print(const struct lint_report *r, size_t from, const char *prefix, struct global *g)
{
	for (size_t i = from; i < r->n; i++) {
		if (g->json) {
			out_json(g->out, lint_finding_json(&r->findings[i], prefix));
		} else {
			struct buf b = BUF_INIT;
			lint_finding_format(&r->findings[i], prefix, &b);
			printf("%s\n", buf_str(&b));
			buf_release(&b);
		}
	}
}

static int lint_cmd_version_cmp(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return strcmp(x->file, y->file);
}

/* A .down.sql whose .up.sql is also given: the up brings it along. */
static int lint_cmd_down_of_given(const char *path, int argc, char **argv)
{
	if (!ends_with(path, ".down.sql"))
		return 0;
	size_t stem = strlen(path) - strlen(".down.sql");
	for (int i = 1; i < argc; i++)
		if (strlen(argv[i]) == stem + strlen(".up.sql") && strncmp(argv[i], path, stem) == 0 &&
		    ends_with(argv[i], ".up.sql"))
			return 1;
	return 0;
}

int cmd_lint(int argc, char **argv, struct global *g, struct err *e)
{
	struct lint_report rep = LINT_REPORT_INIT;
	struct config *cfg = NULL;
	struct migration *files = NULL;
	size_t nfiles = 0, cap = 0;
	int npaths = 0, rc = 0;

	struct lint_options opt = { 0, NULL, 0 };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			g->json = 1;
		} else if (strcmp(argv[i], "--server-version") == 0 || starts_with(argv[i], "--server-version=")) {
			const char *v = argv[i][16] == '=' ? argv[i] + 17 : i + 1 < argc ? argv[++i] : "";
			argv[i] = "--"; /* the value is not a path (the loop below skips options) */
			if ((opt.server_version = lint_server_version(v)) < 0)
				return cmd_usage_error(g, e, "--server-version '%s' is not a PostgreSQL version (17, 17.2)",
						       v);
		} else if (argv[i][0] == '-' && argv[i][1])
			return cmd_unknown_option(g, e, argv[i]);
		else
			npaths++;
	}

	if (npaths == 0) {
		if ((rc = cmd_load_config(g, &cfg, e)) < 0)
			return rc;
		if (!cfg->migrations) {
			rc = err_set(e, SC_EUSAGE, "%s: no 'migrations' folder is configured: give 'lint PATH'", cfg->path);
			config_free(cfg);
			return rc;
		}
		char *prefix = lint_cmd_prefix(cfg->migrations);
		rc = lint_folder(cfg->migrations, &opt, &rep, e);
		if (rc == 0)
			lint_cmd_print(&rep, 0, prefix, g);
		free(prefix);
		config_free(cfg);
		if (rc < 0) {
			lint_report_release(&rep);
			return rc;
		}
	}

	for (int i = 1; i < argc && rc == 0; i++) {
		const char *path = argv[i];
		struct stat st;
		if (argv[i][0] == '-' && argv[i][1])
			continue;
		if (stat(path, &st) < 0) {
			rc = err_set(e, SC_EUSAGE, "'%s': %s", path, strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			size_t before = rep.n;
			char *prefix = lint_cmd_prefix(path);
			if ((rc = lint_folder(path, &opt, &rep, e)) == 0)
				lint_cmd_print(&rep, before, prefix, g);
			free(prefix);
		} else {
			if (!ends_with(path, ".sql")) {
				rc = err_set(e, SC_EUSAGE, "'%s': not a folder or a .sql file", path);
				break;
			}
			if (lint_cmd_down_of_given(path, argc, argv))
				continue;
			if (nfiles == cap) {
				cap = cap ? cap * 2 : 16;
				files = xrealloc(files, cap * sizeof(*files));
			}
			if ((rc = migration_load_file(path, path, &files[nfiles], e)) == 0)
				nfiles++;
		}
	}
	if (rc == 0 && nfiles) {
		size_t before = rep.n;
		qsort(files, nfiles, sizeof(*files), lint_cmd_version_cmp);
		lint_migrations(files, nfiles, &opt, &rep);
		lint_cmd_print(&rep, before, NULL, g);
	}
	for (size_t i = 0; i < nfiles; i++)
		migration_release(&files[i]);
	free(files);
	if (rc < 0) {
		lint_report_release(&rep);
		return rc;
	}

	if (g->json) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:i}", "event", "lint_finished", "migrations",
				      (json_int_t)rep.migrations, "errors", (json_int_t)rep.errors, "warnings",
				      (json_int_t)rep.warnings, "destructive", (json_int_t)rep.destructive, "accepted",
				      (json_int_t)rep.accepted, "exit_code", rep.errors ? SC_EFAIL : SC_OK);
		out_json(g->out, o);
	} else if (!g->quiet) {
		fprintf(stderr, "lint: %zu migration%s, %zu error%s, %zu warning%s (%zu destructive), %zu accepted\n",
			rep.migrations, rep.migrations == 1 ? "" : "s", rep.errors, rep.errors == 1 ? "" : "s",
			rep.warnings, rep.warnings == 1 ? "" : "s", rep.destructive, rep.accepted);
	}
	fflush(stdout);
	rc = rep.errors ? SC_EFAIL : SC_OK;
	lint_report_release(&rep);
	return rc;
}
