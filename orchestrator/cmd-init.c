/*
 * cmd-init: `stagecoach init [--layout L]` writes a commented starter
 * config (stagecoach.conf, or -c FILE) for the folder the file goes in,
 * from what that folder holds:
 *
 *   prisma/migrations                          Prisma
 *   supabase/migrations, supabase/functions    Supabase (migrations, edge functions)
 *   src/main/resources/db/migration, ... V1__x.sql   Flyway
 *   db/migrations, migrations/                 dbmate / golang-migrate (from the files)
 *   alembic.ini                                Alembic (a migrate step with tool = "alembic")
 *
 * Every database URL and token is a ${VARIABLE} (never a literal secret),
 * named after its environment: STAGING_DATABASE_URL, ...  When several
 * migration layouts are found, --layout chooses (exit 2 without it).  With
 * --layout naming a layout not found, its usual folder is created empty.
 *
 * The file is created with O_EXCL: init never overwrites (exit 2).  It
 * prints the path written and the variables to set, then `validate`
 * (--json: one object {"event":"config_written","path","layout",
 * "migrations","functions"}).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "cmd.h"
#include "output.h"
#include "../lib/util.h"
#include "../steps/layout.h"

struct init_found {
	enum layout layout;
	const char *dir;      /* relative to the config's folder; NULL for alembic */
};

static int init_isdir(const char *base, const char *rel)
{
	struct stat sb;
	char *p = path_join(base, rel);
	int r = stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
	free(p);
	return r;
}

static int init_isfile(const char *base, const char *rel)
{
	struct stat sb;
	char *p = path_join(base, rel);
	int r = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
	free(p);
	return r;
}

/* The folders a layout usually lives in, first the default. */
static const char *init_default_dir(enum layout l)
{
	switch (l) {
	case LAYOUT_PRISMA:
		return "prisma/migrations";
	case LAYOUT_SUPABASE:
		return "supabase/migrations";
	case LAYOUT_FLYWAY:
		return "src/main/resources/db/migration";
	case LAYOUT_DBMATE:
		return "db/migrations";
	default:
		return "migrations";
	}
}

static size_t init_detect(const char *base, struct init_found *f)
{
	static const char *const flyway_dirs[] = { "src/main/resources/db/migration", "db/migration", "sql",
						   "migrations", "db/migrations", NULL };
	size_t n = 0;
	if (init_isdir(base, "prisma/migrations"))
		f[n++] = (struct init_found){ LAYOUT_PRISMA, "prisma/migrations" };
	if (init_isdir(base, "supabase/migrations"))
		f[n++] = (struct init_found){ LAYOUT_SUPABASE, "supabase/migrations" };
	const char *flyway = NULL;
	for (size_t i = 0; flyway_dirs[i] && !flyway; i++) {
		char *p = path_join(base, flyway_dirs[i]);
		if (layout_has_flyway(p))
			flyway = flyway_dirs[i];
		free(p);
	}
	if (flyway)
		f[n++] = (struct init_found){ LAYOUT_FLYWAY, flyway };
	static const char *const plain[] = { "db/migrations", "migrations", NULL };
	for (size_t i = 0; plain[i]; i++) {
		if (!init_isdir(base, plain[i]) || (flyway && strcmp(flyway, plain[i]) == 0))
			continue;
		char *p = path_join(base, plain[i]);
		enum layout l = layout_detect(p, NULL);
		free(p);
		if (l == LAYOUT_NONE)
			l = LAYOUT_GOLANG;
		f[n++] = (struct init_found){ l, plain[i] };
	}
	if (init_isfile(base, "alembic.ini"))
		f[n++] = (struct init_found){ LAYOUT_ALEMBIC, NULL };
	return n;
}

/* A project name from the folder's name: [a-z0-9-], "app" when nothing is left. */
static char *init_project(const char *base)
{
	const char *slash = strrchr(base, '/');
	const char *name = slash && slash[1] ? slash + 1 : base;
	struct buf b = BUF_INIT;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c))
			buf_addc(&b, (char)tolower(c));
		else if (b.len && b.data[b.len - 1] != '-')
			buf_addc(&b, '-');
	}
	while (b.len && b.data[b.len - 1] == '-')
		b.len--;
	if (!b.len)
		buf_adds(&b, "app");
	return buf_detach(&b);
}

static const char *init_describe(enum layout l)
{
	switch (l) {
	case LAYOUT_PRISMA:
		return "Prisma: VERSION_name/migration.sql, up only";
	case LAYOUT_SUPABASE:
		return "Supabase CLI: VERSION_name.sql, the whole file is the up";
	case LAYOUT_FLYWAY:
		return "Flyway: V<version>__desc.sql, U<version>__desc.sql as its down";
	case LAYOUT_DBMATE:
		return "dbmate: VERSION_name.sql with -- migrate:up / -- migrate:down";
	case LAYOUT_GOLANG:
		return "golang-migrate: VERSION_name.up.sql + VERSION_name.down.sql";
	default:
		return "";
	}
}

static void init_text(struct buf *b, const char *project, const struct init_found *mig, int functions)
{
	buf_addf(b, "# stagecoach.conf for '%s', written by `stagecoach init`.\n", project);
	buf_adds(b, "# Every value in ${...} comes from the environment of the process that runs\n"
		    "# stagecoach (a CI secret, a shell export): keep URLs and tokens out of this file.\n"
		    "# Check it with `stagecoach validate`; see what a deploy would do with\n"
		    "# `stagecoach plan staging`.  Every key is in docs/config.md.\n"
		    "version = 1;\n");
	buf_addf(b, "project = \"%s\";\n\n", project);
	if (mig && mig->layout != LAYOUT_ALEMBIC) {
		buf_addf(b, "# %s\nmigrations = \"%s\";\n", init_describe(mig->layout), mig->dir);
	} else if (mig) {
		buf_adds(b, "# Alembic (alembic.ini): the migrate step below runs `alembic upgrade head`;\n"
			    "# env.py must connect to os.environ[\"DATABASE_URL\"] (docs/steps/migrate.md).\n");
	} else {
		buf_adds(b, "# No migration folder was found; name yours here (docs/steps/migrate.md):\n"
			    "# migrations = \"migrations\";\n");
	}
	if (functions)
		buf_adds(b, "# Supabase edge functions: one folder per function (_shared is sent along)\n"
			    "functions = \"supabase/functions\";\n");
	buf_adds(b, "\nenvironments = {\n");
	static const char *const envs[] = { "staging", "production" };
	for (int i = 0; i < 2; i++) {
		char up[32];
		size_t k = 0;
		for (; envs[i][k] && k + 1 < sizeof up; k++)
			up[k] = (char)toupper((unsigned char)envs[i][k]);
		up[k] = 0;
		buf_addf(b, "  %s = {\n", envs[i]);
		buf_addf(b, "    database = \"${%s_DATABASE_URL}\";\n", up);
		if (functions) {
			buf_addf(b, "    functions_api = {\n"
				    "      url   = \"https://api.supabase.com/v1/projects/${%s_SUPABASE_PROJECT_REF}\";\n"
				    "      token = \"${SUPABASE_ACCESS_TOKEN}\";\n"
				    "    };\n",
				 up);
		}
		if (i == 1)
			buf_adds(b, "    protected = true;          # approval required; destructive lint findings stop the deploy\n"
				    "    promote_from = \"staging\";  # only `stagecoach promote staging production` deploys here\n");
		buf_addf(b, "  };\n");
	}
	buf_adds(b, "};\n\nsteps = (\n"
		    "  # a verified pg_dump before anything changes (what rollback = \"restore\" restores)\n"
		    "  { name = \"backup\"; kind = \"pg_backup\"; dir = \"backups\"; keep = 5; }");
	if (mig && mig->layout == LAYOUT_ALEMBIC)
		buf_adds(b, ",\n  # alembic upgrade head; rollback: alembic downgrade to the revision before\n"
			    "  { name = \"migrate\"; kind = \"migrate\"; tool = \"alembic\"; alembic_ini = \"alembic.ini\"; }");
	else if (mig)
		buf_adds(b, ",\n  # pending migrations, each in a transaction with its history row;\n"
			    "  # rollback runs their down SQL (or restores the backup where there is none)\n"
			    "  { name = \"migrate\"; kind = \"migrate\"; lock_timeout_ms = 5000; }");
	if (functions)
		buf_adds(b, ",\n  # deploys the functions whose content changed; rollback redeploys the previous ones\n"
			    "  { name = \"functions\"; kind = \"functions_deploy\"; parallel = 4; }");
	buf_adds(b, "\n  # a gate after the release, for example (with a comma after the step above):\n"
		    "  # { name = \"health\"; kind = \"health_check\"; url = \"https://staging.example.com/health\"; }\n"
		    ");\n");
}

int cmd_init(int argc, char **argv, struct global *g, struct err *e)
{
	const char *layout_arg = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--layout") == 0 && i + 1 < argc)
			layout_arg = argv[++i];
		else if (strncmp(argv[i], "--layout=", 9) == 0)
			layout_arg = argv[i] + 9;
		else if (argv[i][0] == '-' && argv[i][1])
			return cmd_unknown_option(g, e, argv[i]);
		else
			return cmd_usage_error(g, e, "unknown argument '%s'", argv[i]);
	}
	enum layout want = LAYOUT_NONE;
	if (layout_arg && (want = layout_by_name(layout_arg)) == LAYOUT_NONE)
		return cmd_usage_error(g, e, "unknown --layout '%s' (prisma, supabase, dbmate, golang-migrate, flyway, "
				       "alembic)", layout_arg);
	/* the folder the config goes in: relative paths in it start there */
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return err_set(e, SC_EUSAGE, "init: cannot read the working folder: %s", strerror(errno));
	char *path = path_join(cwd, g->config_path);
	char *base = xstrndup(path, (size_t)(strrchr(path, '/') - path));
	int rc = 0;
	struct init_found found[8], chosen = { LAYOUT_NONE, NULL };
	size_t n = init_detect(base, found);
	int have = 0;
	if (want != LAYOUT_NONE) {
		for (size_t i = 0; i < n && !have; i++)
			if (found[i].layout == want) {
				chosen = found[i];
				have = 1;
			}
		if (!have && want != LAYOUT_ALEMBIC) {
			/* not here yet: its usual folder, made empty */
			chosen = (struct init_found){ want, init_default_dir(want) };
			have = 1;
		} else if (!have) {
			rc = err_set(e, SC_EUSAGE, "init: --layout alembic, but '%s' has no alembic.ini (run 'alembic "
				     "init alembic' first)", base);
			goto out;
		}
	} else if (n > 1) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < n; i++)
			buf_addf(&b, "%s%s (%s)", i ? ", " : "", found[i].dir ? found[i].dir : "alembic.ini",
				 layout_name(found[i].layout));
		rc = err_set(e, SC_EUSAGE, "init: '%s' holds several migration layouts: %s; choose one with --layout",
			     base, buf_str(&b));
		buf_release(&b);
		goto out;
	} else if (n == 1) {
		chosen = found[0];
		have = 1;
	}
	int functions = init_isdir(base, "supabase/functions");
	if (access(path, F_OK) == 0) {
		rc = err_set(e, SC_EUSAGE, "init: '%s' exists: init never overwrites it (remove it, or write another "
			     "with -c FILE)", g->config_path);
		goto out;
	}
	if (have && chosen.dir && !init_isdir(base, chosen.dir)) {
		char *p = path_join(base, chosen.dir);
		/* mkdir -p */
		for (char *s = p + strlen(base) + 1; (s = strchr(s, '/')); s++) {
			*s = 0;
			mkdir(p, 0755);
			*s = '/';
		}
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			rc = err_set(e, SC_EUSAGE, "init: cannot create '%s': %s", p, strerror(errno));
		free(p);
		if (rc < 0)
			goto out;
	}
	char *project = init_project(base);
	struct buf text = BUF_INIT;
	init_text(&text, project, have ? &chosen : NULL, functions);
	free(project);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = err_set(e, SC_EUSAGE, "init: cannot create '%s': %s", g->config_path, strerror(errno));
	} else {
		size_t off = 0;
		while (off < text.len && rc == 0) {
			ssize_t w = write(fd, text.data + off, text.len - off);
			if (w < 0 && errno != EINTR)
				rc = err_set(e, SC_EUSAGE, "init: cannot write '%s': %s", g->config_path, strerror(errno));
			else if (w > 0)
				off += (size_t)w;
		}
		if (close(fd) < 0 && rc == 0)
			rc = err_set(e, SC_EUSAGE, "init: cannot write '%s': %s", g->config_path, strerror(errno));
		if (rc < 0)
			unlink(path);
	}
	buf_release(&text);
	if (rc == 0 && g->json) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s?,s:b}", "event", "config_written", "path", g->config_path,
				      "layout", have ? layout_name(chosen.layout) : "none", "migrations",
				      have ? chosen.dir : NULL, "functions", functions);
		out_json(g->out, o);
	} else if (rc == 0) {
		printf("%s\n", g->config_path);
		if (!g->quiet) {
			fprintf(stderr, "wrote %s (%s%s)\n", g->config_path,
				have ? (chosen.dir ? chosen.dir : "alembic.ini") : "no migrations found",
				functions ? ", supabase/functions" : "");
			fprintf(stderr, "set STAGING_DATABASE_URL, PRODUCTION_DATABASE_URL%s, then run "
				"'stagecoach validate'\n",
				functions ? ", STAGING_SUPABASE_PROJECT_REF, PRODUCTION_SUPABASE_PROJECT_REF, "
					    "SUPABASE_ACCESS_TOKEN" : "");
		}
	}
out:
	free(path);
	free(base);
	return rc;
}
