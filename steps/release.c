/*
 * release: ships the application itself to the environment's hosts,
 * Capistrano/Kamal style (work in progress: parse only).
 */
#include <stdlib.h>
#include <string.h>
#include "release.h"
#include "step.h"
#include "sshc.h"
#include "../lib/settings.h"
#include "../lib/util.h"

struct release_step {
	char *artifact;         /* raw, as written */
	char *path;             /* raw: PATH of PATH/releases, PATH/current */
	char *build_command;
	char *restart_command;
	char **hosts;
	char *batch;
	char *health;
	long long parallel;
	long long keep;
};

static const char *const release_keys[] = { "artifact", "path", "build_command", "restart_command", "hosts",
					    "parallel", "batch", "health", "keep", NULL };

static int release_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct release_step *rs = xcalloc(1, sizeof(*rs));
	int rc;
	st->priv = rs;
	rs->parallel = 10;
	rs->keep = 5;
	if ((rc = cfg_check_keys(s, release_keys, e)) < 0 || (rc = cfg_string(s, "artifact", 1, &rs->artifact, e)) < 0 ||
	    (rc = cfg_string(s, "path", 1, &rs->path, e)) < 0 ||
	    (rc = cfg_string(s, "build_command", 0, &rs->build_command, e)) < 0 ||
	    (rc = cfg_string(s, "restart_command", 0, &rs->restart_command, e)) < 0 ||
	    (rc = cfg_strings(s, "hosts", 0, &rs->hosts, e)) < 0 ||
	    (rc = cfg_int(s, "parallel", 0, &rs->parallel, e)) < 0 ||
	    (rc = cfg_int(s, "keep", 0, &rs->keep, e)) < 0 || (rc = cfg_string(s, "health", 0, &rs->health, e)) < 0)
		return rc;
	return 0;
}

const char *release_step_artifact(const struct step *st)
{
	if (!st || !st->ops || strcmp(st->ops->kind, "release") != 0 || !st->priv)
		return NULL;
	return ((const struct release_step *)st->priv)->artifact;
}

static void release_free(struct step *st)
{
	struct release_step *rs = st->priv;
	if (!rs)
		return;
	free(rs->artifact);
	free(rs->path);
	free(rs->build_command);
	free(rs->restart_command);
	strv_free(rs->hosts);
	free(rs->batch);
	free(rs->health);
	free(rs);
	st->priv = NULL;
}

const struct step_ops step_release_ops = {
	.kind = "release",
	.parse = release_parse,
	.free = release_free,
};
