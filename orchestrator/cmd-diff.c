/*
 * cmd-diff: `diff ENV_A ENV_B`: what the two environments' databases hold
 * differently (schemas, tables, columns, constraints, indexes, triggers,
 * policies, enums, views, functions, extensions; see env/catalog.h), and the
 * functions stagecoach last deployed on each (slug and content hash, from
 * each environment's own records).  Read-only: no lock is taken; the
 * catalogs are read in READ ONLY transactions.
 *
 * Output: one line per difference, sorted by kind and name, then a summary
 * line; --json: one object {"event": "diff", "a", "b", "identical",
 * "count", "differences": [{kind, name, a, b, what, text}]}.
 * Exit 0 when identical, 1 when not, 2 usage/config, 6 unreachable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/redact.h"
#include "../env/catalog.h"
#include "../env/run.h"
#include "../env/state.h"

/* read both catalogs of one environment into c */
static int diff_load(struct global *g, struct config *cfg, const char *env, struct catalog *c, struct err *e)
{
	struct run *r;
	int rc = cmd_open_run(g, cfg, env, "diff", NULL, 0, &r, e);
	if (rc < 0)
		return rc;
	PGconn *db = run_db(r, e);
	if (!db)
		rc = err_prefix(e, "diff '%s'", env);
	else if ((rc = catalog_load(c, db, e)) < 0 || (rc = catalog_load_deployed(c, db, r->env->name, e)) < 0)
		rc = err_prefix(e, "diff '%s'", env);
	cmd_close_run(r);
	return rc;
}

static json_t *diff_value_json(const char *v)
{
	return v ? json_string(v) : json_null();
}

int cmd_diff(int argc, char **argv, struct global *g, struct err *e)
{
	const char *envs[2] = { NULL, NULL };
	int nenv = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			g->json = 1;
			if (g->out)
				g->out->json = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cmd_unknown_option(g, e, argv[i]);
		} else if (nenv == 2) {
			return cmd_usage_error(g, e, "unexpected argument '%s'", argv[i]);
		} else {
			envs[nenv++] = argv[i];
		}
	}
	if (nenv != 2)
		return cmd_usage_error(g, e, "name the two environments to compare");

	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct catalog cat[2] = { CATALOG_INIT, CATALOG_INIT };
	struct catalog_diff *d = NULL;
	size_t n = 0;
	/* both environments must exist in the config before either is reached */
	struct env_config *ec;
	for (int k = 0; k < 2; k++)
		if ((rc = config_env_get(cfg, envs[k], &ec, e)) < 0)
			goto out;
	for (int k = 0; k < 2; k++)
		if ((rc = diff_load(g, cfg, envs[k], &cat[k], e)) < 0)
			goto out;

	n = catalog_compare(&cat[0], &cat[1], &d);
	if (g->json) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++) {
			char *what = catalog_diff_what(&d[i], envs[0], envs[1]);
			char *text = catalog_diff_text(&d[i], envs[0], envs[1]);
			json_t *o = json_object();
			json_object_set_new(o, "kind", json_string(catalog_kind_json(d[i].kind)));
			json_object_set_new(o, "name", json_string(d[i].name));
			json_object_set_new(o, "a", diff_value_json(d[i].a));
			json_object_set_new(o, "b", diff_value_json(d[i].b));
			json_object_set_new(o, "what", json_string(what));
			json_object_set_new(o, "text", json_string(text));
			json_array_append_new(list, o);
			free(what);
			free(text);
		}
		json_t *o = json_object();
		json_object_set_new(o, "event", json_string("diff"));
		json_object_set_new(o, "a", json_string(envs[0]));
		json_object_set_new(o, "b", json_string(envs[1]));
		json_object_set_new(o, "identical", json_boolean(n == 0));
		json_object_set_new(o, "count", json_integer((json_int_t)n));
		json_object_set_new(o, "differences", list);
		out_json(g->out, o);
	} else {
		for (size_t i = 0; i < n; i++) {
			char *text = catalog_diff_text(&d[i], envs[0], envs[1]);
			char *shown = redact(text);
			printf("%s\n", shown);
			free(shown);
			free(text);
		}
		if (n)
			out_text(g->out, "%zu difference%s between %s and %s", n, n == 1 ? "" : "s", envs[0], envs[1]);
		else
			out_text(g->out, "no differences between %s and %s", envs[0], envs[1]);
	}
	rc = n ? SC_EFAIL : 0;
out:
	free(d);
	catalog_release(&cat[0]);
	catalog_release(&cat[1]);
	config_free(cfg);
	return rc;
}
