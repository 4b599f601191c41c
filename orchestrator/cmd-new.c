/*
 * cmd-new: `stagecoach new NAME [--layout L]` creates the next migration of
 * the configured folder in the layout the folder already uses (steps/
 * layout.h), versioned by the current UTC time (YYYYMMDDHHMMSS, or the
 * newest version + 1 when that is not greater), with its down where the
 * layout has one.  Prints the path of each file written (up first),
 * relative to the working folder when inside it (--json: one object
 * {"event":"migration_created","layout","version","up","down"}).  Never overwrites (files
 * are created with O_EXCL).
 *
 * An empty folder whose path says nothing of its tool gets golang-migrate's
 * layout unless --layout says otherwise.  NAME must be [a-z0-9_]+ (it
 * becomes part of file names every tool parses).  Exit 2 with nothing
 * written on any error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "cmd.h"
#include "config.h"
#include "output.h"
#include "../lib/util.h"
#include "../steps/layout.h"

static int new_name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* path shown relative to the working folder when inside it (caller frees) */
static char *new_shown(const char *path)
{
	char cwd[4096];
	if (getcwd(cwd, sizeof cwd)) {
		size_t n = strlen(cwd);
		if (strncmp(path, cwd, n) == 0 && path[n] == '/')
			return xstrdup(path + n + 1);
	}
	return xstrdup(path);
}

static int new_write(const char *path, const char *text, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, SC_EUSAGE, "cannot create '%s': %s", path, strerror(errno));
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int err = errno;
			close(fd);
			unlink(path);
			return err_set(e, SC_EUSAGE, "cannot write '%s': %s", path, strerror(err));
		}
		off += (size_t)w;
	}
	if (close(fd) < 0)
		return err_set(e, SC_EUSAGE, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}

int cmd_new(int argc, char **argv, struct global *g, struct err *e)
{
	const char *name = NULL, *layout_arg = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--layout") == 0 && i + 1 < argc)
			layout_arg = argv[++i];
		else if (strncmp(argv[i], "--layout=", 9) == 0)
			layout_arg = argv[i] + 9;
		else if (argv[i][0] == '-')
			return cmd_unknown_option(g, e, argv[i]);
		else if (name)
			return cmd_usage_error(g, e, "one NAME only ('%s' and '%s')", name, argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return cmd_usage_error(g, e, "the migration's NAME is missing");
	if (!new_name_ok(name))
		return cmd_usage_error(g, e, "'%s' is not a migration name: use lowercase letters, digits and '_' "
				       "(add_user_email)", name);
	enum layout forced = LAYOUT_NONE;
	if (layout_arg) {
		forced = layout_by_name(layout_arg);
		if (forced == LAYOUT_NONE || forced == LAYOUT_ALEMBIC)
			return cmd_usage_error(g, e, "unknown --layout '%s' (golang-migrate, dbmate, prisma, supabase, "
					       "flyway)", layout_arg);
	}
	struct config *cfg;
	int rc = cmd_load_config(g, &cfg, e);
	if (rc < 0)
		return rc;
	if (!cfg->migrations) {
		rc = err_set(e, SC_EUSAGE,
			     "%s: no 'migrations' folder is configured (an Alembic project makes its revisions "
			     "with 'alembic revision -m %s')",
			     cfg->path, name);
		config_free(cfg);
		return rc;
	}
	struct stat sb;
	if (stat(cfg->migrations, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		rc = err_set(e, SC_EUSAGE, "%s:%d: migrations folder '%s' does not exist", cfg->path,
			     cfg->migrations_line, cfg->migrations);
		config_free(cfg);
		return rc;
	}
	unsigned long long newest = 0;
	enum layout l = layout_detect(cfg->migrations, &newest);
	if (forced != LAYOUT_NONE)
		l = forced;
	if (l == LAYOUT_NONE)
		l = LAYOUT_GOLANG;

	/* the version: UTC now, kept above the newest one */
	time_t now = time(NULL);
	struct tm tm;
	char ts[32];
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y%m%d%H%M%S", &tm);
	unsigned long long v = strtoull(ts, NULL, 10);
	if (v <= newest)
		v = newest + 1;
	char ver[32];
	snprintf(ver, sizeof ver, "%llu", v);

	char *up = NULL, *down = NULL, *folder = NULL;
	const char *up_text = NULL, *down_text = NULL;
	switch (l) {
	case LAYOUT_GOLANG:
		up = xasprintf("%s/%s_%s.up.sql", cfg->migrations, ver, name);
		down = xasprintf("%s/%s_%s.down.sql", cfg->migrations, ver, name);
		up_text = "-- the change: runs in one transaction with its history row\n";
		down_text = "-- undoes the .up.sql (run by rollback)\n";
		break;
	case LAYOUT_DBMATE:
		up = xasprintf("%s/%s_%s.sql", cfg->migrations, ver, name);
		up_text = "-- migrate:up\n\n\n-- migrate:down\n\n";
		break;
	case LAYOUT_PRISMA:
		folder = xasprintf("%s/%s_%s", cfg->migrations, ver, name);
		up = xasprintf("%s/migration.sql", folder);
		up_text = "-- the change (Prisma migrations have no down)\n";
		break;
	case LAYOUT_SUPABASE:
		up = xasprintf("%s/%s_%s.sql", cfg->migrations, ver, name);
		up_text = "-- the change: the whole file runs (Supabase migrations have no down)\n";
		break;
	case LAYOUT_FLYWAY:
		up = xasprintf("%s/V%s__%s.sql", cfg->migrations, ver, name);
		down = xasprintf("%s/U%s__%s.sql", cfg->migrations, ver, name);
		up_text = "-- the change (Flyway versioned migration)\n";
		down_text = "-- undoes the V file (Flyway undo migration, run by rollback)\n";
		break;
	default:
		BUG("layout %d", (int)l);
	}
	if (folder && mkdir(folder, 0755) < 0)
		rc = err_set(e, SC_EUSAGE, "cannot create '%s': %s", folder, strerror(errno));
	if (rc == 0)
		rc = new_write(up, up_text, e);
	if (rc == 0 && down && (rc = new_write(down, down_text, e)) < 0)
		unlink(up);
	if (rc < 0 && folder)
		rmdir(folder);
	if (rc == 0 && g->json) {
		char *su = new_shown(up), *sd = down ? new_shown(down) : NULL;
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s?}", "event", "migration_created", "layout", layout_name(l),
				      "version", ver, "up", su, "down", sd);
		out_json(g->out, o);
		free(su);
		free(sd);
	} else if (rc == 0) {
		char *s = new_shown(up);
		printf("%s\n", s);
		free(s);
		if (down) {
			s = new_shown(down);
			printf("%s\n", s);
			free(s);
		}
		if (!g->quiet)
			fprintf(stderr, "new %s migration %s_%s\n", layout_name(l), ver, name);
	}
	free(up);
	free(down);
	free(folder);
	config_free(cfg);
	return rc < 0 ? rc : 0;
}
