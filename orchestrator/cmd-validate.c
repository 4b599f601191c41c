/*
 * cmd-validate: the config and everything in it, with no connection at
 * all: every environment's variables (or only the ENVs named), every step's
 * settings (their plan is not called: it may read targets).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/util.h"
#include "../steps/lint.h"
#include "../steps/step.h"
#include <sys/stat.h>

/* Parse every migration with the PostgreSQL grammar and lint them: an
 * error-level finding (syntax, concurrently-in-transaction) is a validation
 * error; warnings are shown. */
static int validate_migrations(struct global *g, struct config *cfg, const struct lint_options *opt, size_t *count,
			       size_t *warnings, struct err *e)
{
	struct stat sb;
	*count = 0;
	*warnings = 0;
	if (!cfg->migrations)
		return 0;
	if (stat(cfg->migrations, &sb) < 0)
		return err_set(e, SC_EUSAGE, "%s:%d: migrations folder '%s' does not exist", cfg->path,
			       cfg->migrations_line, cfg->migrations);
	if (!S_ISDIR(sb.st_mode))
		return err_set(e, SC_EUSAGE, "%s:%d: migrations '%s' is not a folder", cfg->path, cfg->migrations_line,
			       cfg->migrations);
	struct lint_report rep = LINT_REPORT_INIT;
	int rc = lint_folder(cfg->migrations, opt, &rep, e);
	if (rc < 0)
		return rc;
	*count = rep.migrations;
	*warnings = rep.warnings;
	if (rep.migrations == 0)
		out_warn(g->out, "%s:%d: migrations folder '%s' holds no migration (VERSION_name.up.sql, "
			 "VERSION_name.sql or VERSION_name/migration.sql)", cfg->path, cfg->migrations_line,
			 cfg->migrations);
	const struct lint_finding *first_error = NULL;
	for (size_t i = 0; i < rep.n; i++) {
		const struct lint_finding *f = &rep.findings[i];
		if (f->accepted)
			continue;
		if (f->severity == LINT_ERROR && !first_error)
			first_error = f;
		if (g->json) {
			/* the objects of `lint --json`, then "validated" or the error */
			char *prefix = xasprintf("%s/", cfg->migrations);
			out_json(g->out, lint_finding_json(f, prefix));
			free(prefix);
			continue;
		}
		struct buf line = BUF_INIT;
		lint_finding_format(f, NULL, &line);
		if (f->severity == LINT_ERROR)
			fprintf(stderr, "%s/%s\n", cfg->migrations, buf_str(&line));
		else
			out_text(g->out, "%s/%s", cfg->migrations, buf_str(&line));
		buf_release(&line);
	}
	if (first_error)
		rc = err_set(e, SC_EUSAGE, "%s/%s:%d: %s: %s (%zu error%s in the migrations)", cfg->migrations,
			     first_error->file, first_error->line, first_error->rule, first_error->message, rep.errors,
			     rep.errors == 1 ? "" : "s");
	lint_report_release(&rep);
	return rc;
}

int cmd_validate(int argc, char **argv, struct global *g, struct err *e)
{
	struct config *cfg;
	int rc;
	struct lint_options opt = { 0, NULL, 0 };
	char **envs = xcalloc((size_t)argc + 1, sizeof *envs);
	int nenv = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--server-version") == 0 || starts_with(argv[i], "--server-version=")) {
			/* the target is PostgreSQL N: grammar newer than the lint's is a warning */
			const char *v = argv[i][16] == '=' ? argv[i] + 17 : i + 1 < argc ? argv[++i] : "";
			if ((opt.server_version = lint_server_version(v)) < 0) {
				free(envs);
				return cmd_usage_error(g, e, "--server-version '%s' is not a PostgreSQL version (17, 17.2)",
						       v);
			}
		} else if (argv[i][0] == '-') {
			free(envs);
			return cmd_unknown_option(g, e, argv[i]);
		} else {
			envs[nenv++] = argv[i];
		}
	}
	if ((rc = cmd_load_config(g, &cfg, e)) < 0) {
		free(envs);
		return rc;
	}
	if (nenv) {
		for (int i = 0; i < nenv && rc == 0; i++) {
			struct env_config *env;
			if ((rc = config_env_get(cfg, envs[i], &env, e)) == 0)
				rc = config_env_resolve(cfg, env, e);
		}
	} else {
		for (size_t i = 0; i < cfg->nenvs && rc == 0; i++)
			rc = config_env_resolve(cfg, &cfg->envs[i], e);
	}
	size_t nmig = 0, nwarn = 0;
	if (rc == 0)
		rc = validate_migrations(g, cfg, &opt, &nmig, &nwarn, e);
	if (rc == 0 && g->json) {
		json_t *names = json_array(), *steps = json_array();
		for (size_t i = 0; i < cfg->nenvs; i++)
			json_array_append_new(names, json_string(cfg->envs[i].name));
		for (size_t i = 0; i < cfg->nsteps; i++)
			json_array_append_new(steps, json_pack("{s:s,s:s}", "step", cfg->steps[i].name, "kind",
							       cfg->steps[i].kind));
		json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:I,s:I}", "event", "validated", "config", cfg->path,
				      "project", cfg->project, "environments", names, "steps", steps, "migrations",
				      (json_int_t)nmig, "warnings", (json_int_t)nwarn);
		if (nenv) {
			json_t *checked = json_array();
			for (int i = 0; i < nenv; i++)
				json_array_append_new(checked, json_string(envs[i]));
			json_object_set_new(o, "checked_environments", checked);
		}
		out_json(g->out, o);
	}
	if (rc == 0)
		out_text(g->out, "%s: valid: project '%s', %zu environment%s, %zu step%s, %zu migration%s", cfg->path,
			 cfg->project, cfg->nenvs, cfg->nenvs == 1 ? "" : "s", cfg->nsteps, cfg->nsteps == 1 ? "" : "s",
			 nmig, nmig == 1 ? "" : "s");
	config_free(cfg);
	free(envs);
	return rc < 0 ? rc : 0;
}
