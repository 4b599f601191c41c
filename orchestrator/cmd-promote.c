/*
 * cmd-promote: `promote FROM TO` deploys to TO exactly the release that last
 * succeeded on FROM.  It refuses (exit 5), changing nothing, unless FROM's
 * last successful run has the local tree's content hash (whatever its
 * name); then it runs TO's pipeline under FROM's release name, as a run of
 * command 'promote' that records promoted_from.  When it can, the refusal
 * names the files that differ: each deploy stores the manifest of the tree
 * it deployed (artifact kind "manifest", named by its content hash).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "config.h"
#include "release.h"
#include "../lib/util.h"
#include "../env/run.h"
#include "../env/state.h"

/* "a.sql changed, b.ts only on staging" from FROM's stored manifest */
static void manifest_differences(struct run *from, const char *name, struct buf *out)
{
	unsigned char *content = NULL;
	size_t len = 0;
	struct err e = ERR_INIT;
	if (state_artifact_latest(from->state, "manifest", name, NULL, &content, &len, &e) != 1 || !content) {
		free(content);
		return;
	}
	json_t *theirs = json_loadb((const char *)content, len, 0, NULL);
	free(content);
	json_t *ours = release_manifest(from->cfg, from->env);
	if (!theirs || !ours) {
		json_decref(theirs);
		json_decref(ours);
		return;
	}
	const char *path;
	json_t *v;
	int shown = 0;
	json_object_foreach(ours, path, v) {
		json_t *t = json_object_get(theirs, path);
		if (shown < 10 && (!t || !json_equal(t, v))) {
			buf_addf(out, "%s%s %s", shown ? ", " : "", path, t ? "differs" : "is new locally");
			shown++;
		}
	}
	json_object_foreach(theirs, path, v) {
		if (shown < 10 && !json_object_get(ours, path)) {
			buf_addf(out, "%s%s is gone locally", shown ? ", " : "", path);
			shown++;
		}
	}
	json_decref(theirs);
	json_decref(ours);
}

int cmd_promote(int argc, char **argv, struct global *g, struct err *e)
{
	struct run_flags f;
	const char *pos[2];
	int n = cmd_parse_flags(g, argc, argv, &f, pos, 2, e);
	if (n < 0)
		return n;
	if (n != 2)
		return cmd_usage_error(g, e, "name FROM and TO");
	char *release_name = NULL;
	if (f.release || f.dry_run)
		return cmd_usage_error(g, e, "the release is FROM's: --release and --dry-run do not "
				       "apply");
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	struct env_config *from_env, *to_env;
	if ((rc = config_env_get(cfg, pos[0], &from_env, e)) < 0 || (rc = config_env_get(cfg, pos[1], &to_env, e)) < 0)
		goto out;
	if (strcmp(pos[0], pos[1]) == 0) {
		rc = cmd_usage_error(g, e, "FROM and TO are the same environment '%s'", pos[0]);
		goto out;
	}
	if (to_env->promote_from && strcmp(to_env->promote_from, pos[0]) != 0) {
		rc = err_set(e, SC_EAPPROVAL, "promote '%s' '%s': refused: '%s' takes releases only from '%s'; nothing "
			     "was changed", pos[0], pos[1], pos[1], to_env->promote_from);
		goto out;
	}
	struct run *from;
	if ((rc = cmd_open_run(g, cfg, pos[0], "promote", NULL, 0, &from, e)) < 0)
		goto out;
	struct state_run last;
	int found = state_last_success(from->state, &last, e);
	if (found < 0) {
		rc = err_prefix(e, "promote '%s' '%s'", pos[0], pos[1]);
	} else if (!found) {
		rc = err_set(e, SC_EAPPROVAL, "promote '%s' '%s': refused: '%s' has no successful deploy; nothing was "
			     "changed: run 'stagecoach deploy %s' first", pos[0], pos[1], pos[0], pos[0]);
	} else if (!last.content_hash) {
		rc = err_set(e, SC_EAPPROVAL,
			     "promote '%s' '%s': refused: '%s' last succeeded with release %s (run %s), recorded "
			     "without a content hash by an older stagecoach; nothing was changed: deploy '%s' again "
			     "first", pos[0], pos[1], pos[0], last.release ? last.release : "-", last.id, pos[0]);
	} else if (strcmp(last.content_hash, from->content_hash) != 0) {
		struct buf diff = BUF_INIT;
		manifest_differences(from, last.content_hash, &diff);
		rc = err_set(e, SC_EAPPROVAL,
			     "promote '%s' '%s': refused: the local tree is content %.12s but '%s' last succeeded "
			     "with %s (content %.12s, run %s); nothing was changed%s%s: deploy the local tree "
			     "to '%s' first, or check out what '%s' has", pos[0], pos[1], from->content_hash, pos[0],
			     last.release ? last.release : "-", last.content_hash, last.id, diff.len ? "; " : "",
			     buf_str(&diff), pos[0], pos[0]);
		buf_release(&diff);
	} else {
		/* TO runs under FROM's release name */
		f.release = release_name = xstrdup(last.release ? last.release : from->release);
		rc = 0;
	}
	if (found > 0)
		state_run_release(&last);
	cmd_close_run(from);
	if (rc == 0)
		rc = cmd_deploy_run(g, cfg, pos[1], "promote", &f, pos[0], e);
out:
	free(release_name);
	config_free(cfg);
	return rc;
}
