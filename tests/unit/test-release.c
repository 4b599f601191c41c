/*
 * test-release: the content hash of a release (orchestrator/release.c): it
 * covers the config file's bytes, the migrations, the functions and each
 * `release` step's artifact (a file hashed as bytes, a folder file by file,
 * dotfiles included); it does not depend on the order files were created
 * in; the manifest names each entry; ${env} in an artifact path is
 * expanded for the environment.
 */
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "../../env/config.h"
#include "../../orchestrator/config.h"
#include "../../orchestrator/release.h"
#include "../../lib/filecache.h"
#include "../../lib/util.h"

static char top[256];

/* writes a file; the process's file cache forgets what it read (a run
 * reads each file once: this test rewrites them within one process) */
static void put(const char *rel, const char *content)
{
	filecache_clear();
	char *path = xasprintf("%s/%s", top, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	for (char *p = path + strlen(top) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
	*slash = '/';
	FILE *f = fopen(path, "w");
	fputs(content, f);
	fclose(f);
	free(path);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static char *hash(struct config *cfg, struct env_config *env)
{
	return release_content_hash(cfg, env);
}

static const char *conf_text =
	"version = 1;\nproject = \"x\";\n"
	"environments = { staging = { }; };\n"
	"steps = ( { name = \"ship\"; kind = \"release\"; artifact = \"build/app.tar.gz\"; path = \"/srv\"; },\n"
	"          { name = \"web\"; kind = \"release\"; artifact = \"dist-${env}\"; path = \"/srv\"; },\n"
	"          { name = \"x\"; kind = \"shell\"; command = \"true\"; } );\n";

int main(void)
{
	snprintf(top, sizeof(top), "/tmp/sc-unit-release.%d", (int)getpid());
	mkdir(top, 0700);
	put("stagecoach.conf", conf_text);
	put("build/app.tar.gz", "tarball bytes v1");
	put("dist-staging/index.html", "<h1>v1</h1>");
	put("dist-staging/.env", "A=1");
	put("dist-staging/js/app.js", "console.log(1)");

	/* a whole file (libcrypto) hashes as its bytes do (the portable code),
	 * across the 1 MiB reads: 3 MB + 17 bytes */
	{
		size_t len = 3000017;
		char *bytes = xmalloc(len), want[65], got[65];
		for (size_t i = 0; i < len; i++)
			bytes[i] = (char)(i * 2654435761u >> 13);
		char *path = xasprintf("%s/big.bin", top);
		FILE *f = fopen(path, "w");
		CHECK(f && fwrite(bytes, 1, len, f) == len);
		if (f)
			fclose(f);
		sha256_hex(bytes, len, want);
		CHECK_INT(sha256_file_hex(path, got), 0);
		CHECK_STR(got, want);
		sha256_hex("", 0, want);
		put("empty", "");
		char *empty = xasprintf("%s/empty", top);
		CHECK_INT(sha256_file_hex(empty, got), 0);
		CHECK_STR(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		CHECK_STR(want, got);
		unlink(path);
		unlink(empty);
		free(path);
		free(empty);
		free(bytes);
	}

	struct config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = xasprintf("%s/stagecoach.conf", top);
	cfg.dir = xstrdup(top);
	struct env_config env;
	memset(&env, 0, sizeof(env));
	env.name = "staging";
	/* the release steps, as config_load parses them (the artifact paths) */
	struct config *loaded = NULL;
	struct err le = ERR_INIT;
	if (config_load(cfg.path, &loaded, &le) < 0) {
		fprintf(stderr, "config_load: %s\n", le.msg);
		return 1;
	}
	cfg.steps = loaded->steps;
	cfg.nsteps = loaded->nsteps;

	char *h1 = hash(&cfg, &env);
	CHECK_INT(strlen(h1), 64);
	char *again = hash(&cfg, &env);
	CHECK_STR(again, h1);
	free(again);

	json_t *m = release_manifest(&cfg, &env);
	CHECK(json_object_get(m, "config/stagecoach.conf") != NULL);
	CHECK(json_object_get(m, "release/ship") != NULL);
	CHECK(json_object_get(m, "release/web/index.html") != NULL);
	CHECK(json_object_get(m, "release/web/.env") != NULL);
	CHECK(json_object_get(m, "release/web/js/app.js") != NULL);
	CHECK(json_object_get(m, "release/x") == NULL);
	json_decref(m);

	/* the tarball's bytes */
	put("build/app.tar.gz", "tarball bytes v2");
	char *h2 = hash(&cfg, &env);
	CHECK(strcmp(h1, h2) != 0);
	/* a file inside the folder artifact, a dotfile too */
	put("dist-staging/.env", "A=2");
	char *h3 = hash(&cfg, &env);
	CHECK(strcmp(h2, h3) != 0);
	/* the config file itself: one more comment */
	char *more = xasprintf("%s# a comment\n", conf_text);
	put("stagecoach.conf", more);
	free(more);
	char *h4 = hash(&cfg, &env);
	CHECK(strcmp(h3, h4) != 0);
	/* migrations and functions folders */
	cfg.migrations = xasprintf("%s/migrations", top);
	put("migrations/001_a.up.sql", "CREATE TABLE a (id int);");
	char *h5 = hash(&cfg, &env);
	CHECK(strcmp(h4, h5) != 0);
	cfg.functions = xasprintf("%s/functions", top);
	put("functions/hello/index.ts", "x");
	char *h6 = hash(&cfg, &env);
	CHECK(strcmp(h5, h6) != 0);
	/* a missing artifact is an entry of its own ("missing"), not an error */
	char *rm = xasprintf("%s/build/app.tar.gz", top);
	unlink(rm);
	filecache_clear();
	free(rm);
	m = release_manifest(&cfg, &env);
	CHECK_STR(json_string_value(json_object_get(m, "release/ship")), "missing");
	json_decref(m);
	char *h7 = hash(&cfg, &env);
	CHECK(strcmp(h6, h7) != 0);

	/* the same content created in another order hashes the same */
	char other[300];
	snprintf(other, sizeof(other), "%s-b", top);
	char saved[256];
	snprintf(saved, sizeof(saved), "%s", top);
	snprintf(top, sizeof(top), "%s", other);
	mkdir(top, 0700);
	put("functions/hello/index.ts", "x");
	put("migrations/001_a.up.sql", "CREATE TABLE a (id int);");
	put("dist-staging/js/app.js", "console.log(1)");
	put("dist-staging/.env", "A=2");
	put("dist-staging/index.html", "<h1>v1</h1>");
	more = xasprintf("%s# a comment\n", conf_text);
	put("stagecoach.conf", more);
	free(more);
	struct config cfg2;
	memset(&cfg2, 0, sizeof(cfg2));
	cfg2.path = xasprintf("%s/stagecoach.conf", top);
	cfg2.dir = xstrdup(top);
	cfg2.migrations = xasprintf("%s/migrations", top);
	cfg2.functions = xasprintf("%s/functions", top);
	cfg2.steps = loaded->steps;
	cfg2.nsteps = loaded->nsteps;
	char *h8 = hash(&cfg2, &env);
	CHECK_STR(h8, h7);

	CHECK_INT(nftw(saved, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	CHECK_INT(nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(h1), free(h2), free(h3), free(h4), free(h5), free(h6), free(h7), free(h8);
	free(cfg.path), free(cfg.dir), free(cfg.migrations), free(cfg.functions);
	free(cfg2.path), free(cfg2.dir), free(cfg2.migrations), free(cfg2.functions);
	config_free(loaded);
	return unit_done();
}
