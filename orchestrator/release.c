/*
 * release: the identity of the local tree (see release.h).
 *
 * Everything the pipeline ships is one sorted list of entries "what/path"
 * -> sha256 of the file's bytes: "config/NAME" (the config file itself),
 * "migrations/...", "functions/..." (every regular file below those
 * folders, dotfiles aside), and "release/STEP" or "release/STEP/..." (each
 * `release` step's artifact: a file such as a .tar.gz is hashed as bytes,
 * a folder file by file, dotfiles included).  The content hash is the
 * sha256 of that list; the manifest is the list itself, stored by each
 * deploy so that `promote` can name the entries that differ.
 *
 * The git commit is read from .git/HEAD (and refs or packed-refs) without
 * running git; whether the shipped files differ from it is asked of
 * `git status --porcelain` (the only way to know), limited to those files.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "release.h"
#include "../steps/release.h"
#include "../lib/expand.h"
#include "../lib/filecache.h"
#include "../lib/proc.h"
#include "../lib/util.h"

extern char **environ;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every regular file below root, relative paths (unsorted) */
static void list_files(const char *root, const char *rel, int dotfiles, char ***out)
{
	char *path = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(path);
	free(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!dotfiles || !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")))
			continue;
		char *sub = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *full = xasprintf("%s/%s", root, sub);
		struct stat sb;
		/* readdir's type spares a stat per file (links and file systems
		 * that do not tell are asked) */
		if (de->d_type == DT_DIR || de->d_type == DT_REG)
			sb.st_mode = de->d_type == DT_DIR ? S_IFDIR : S_IFREG;
		if (de->d_type == DT_DIR || de->d_type == DT_REG || stat(full, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				list_files(root, sub, dotfiles, out);
			else if (S_ISREG(sb.st_mode))
				strv_push(out, sub);
		}
		free(full);
		free(sub);
	}
	closedir(d);
}

/* add label/rel -> sha256 for every file below root (or root itself when it is a file) */
static void add_tree(json_t *m, const char *label, const char *root, int dotfiles)
{
	struct stat sb;
	char hex[65] = "";
	if (!root)
		return;
	if (stat(root, &sb) < 0) {
		json_object_set_new(m, label, json_string("missing"));
		return;
	}
	if (S_ISREG(sb.st_mode)) {
		json_object_set_new(m, label, json_string(filecache_sha256(root, hex) == 0 ? hex : "unreadable"));
		return;
	}
	char **files = NULL;
	list_files(root, "", dotfiles, &files);
	for (size_t i = 0; files && files[i]; i++) {
		char *full = xasprintf("%s/%s", root, files[i]);
		char *key = xasprintf("%s/%s", label, files[i]);
		json_object_set_new(m, key, json_string(filecache_sha256(full, hex) == 0 ? hex : "unreadable"));
		free(key);
		free(full);
	}
	strv_free(files);
}

/*
 * The `release` steps' artifacts: "STEP\tPATH" lines, PATH absolute and
 * expanded for env (the raw path from release_step_artifact()).
 */
static char **release_artifacts(const struct config *cfg, const struct env_config *env)
{
	char **out = NULL;
	for (size_t i = 0; i < cfg->nsteps; i++) {
		const struct step *st = &cfg->steps[i];
		const char *artifact = strcmp(st->kind, "release") == 0 ? release_step_artifact(st) : NULL;
		if (!artifact)
			continue;
		char *path = NULL;
		if (env && strstr(artifact, "${")) {
			struct expand_ctx ctx = { .vars = env->vars, .nvars = env->nvars, .env = env->name,
						  .secret_names = cfg->secrets, .placeholders = 1 };
			struct err e = ERR_INIT;
			if (expand(artifact, &ctx, &path, &e) < 0)
				path = NULL;
		}
		if (!path)
			path = xstrdup(artifact);
		char *abs = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", cfg->dir, path);
		char *line = xasprintf("%s\t%s", st->name, abs);
		strv_push(&out, line);
		free(line);
		free(abs);
		free(path);
	}
	return out;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

json_t *release_manifest(const struct config *cfg, const struct env_config *env)
{
	json_t *m = json_object();
	char *label = xasprintf("config/%s", base_name(cfg->path));
	add_tree(m, label, cfg->path, 0);
	free(label);
	add_tree(m, "migrations", cfg->migrations, 0);
	add_tree(m, "functions", cfg->functions, 0);
	char **arts = release_artifacts(cfg, env);
	for (size_t i = 0; arts && arts[i]; i++) {
		char *tab = strchr(arts[i], '\t');
		*tab = '\0';
		label = xasprintf("release/%s", arts[i]);
		add_tree(m, label, tab + 1, 1);
		free(label);
	}
	strv_free(arts);
	return m;
}

char *release_content_hash(const struct config *cfg, const struct env_config *env)
{
	json_t *m = release_manifest(cfg, env);
	const char **keys = xcalloc(json_object_size(m) + 1, sizeof(char *));
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach(m, k, v)
		keys[n++] = k;
	if (n)
		qsort(keys, n, sizeof(char *), cmp_str);
	struct sha256 c;
	unsigned char d[32];
	char hex[65];
	sha256_init(&c);
	for (size_t i = 0; i < n; i++) {
		const char *h = json_string_value(json_object_get(m, keys[i]));
		sha256_update(&c, keys[i], strlen(keys[i]) + 1);
		sha256_update(&c, h, strlen(h) + 1);
	}
	sha256_final(&c, d);
	sha256_to_hex(d, hex);
	free(keys);
	json_decref(m);
	return xstrdup(hex);
}

static char *read_line(const char *path)
{
	char *data;
	if (file_read_all(path, &data, NULL) < 0)
		return NULL;
	data[strcspn(data, "\r\n")] = '\0';
	return data;
}

/* The folder holding .git at cfg->dir or above (the work tree), NULL outside git. */
static char *work_tree(const struct config *cfg)
{
	char *dir = xstrdup(cfg->dir);
	for (;;) {
		char *cand = xasprintf("%s/.git", dir);
		struct stat sb;
		int found = stat(cand, &sb) == 0 && S_ISDIR(sb.st_mode);
		free(cand);
		if (found)
			return dir;
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	return NULL;
}

char *release_git_commit(const struct config *cfg)
{
	char *top = work_tree(cfg);
	if (!top)
		return NULL;
	char *gitdir = xasprintf("%s/.git", top);
	free(top);
	char *headp = xasprintf("%s/HEAD", gitdir);
	char *head = read_line(headp);
	free(headp);
	char *commit = NULL;
	if (head && starts_with(head, "ref: ")) {
		char *refp = xasprintf("%s/%s", gitdir, head + 5);
		commit = read_line(refp);
		free(refp);
		if (!commit) {
			char *packedp = xasprintf("%s/packed-refs", gitdir);
			char *packed = NULL;
			if (file_read_all(packedp, &packed, NULL) == 0) {
				for (char *line = strtok(packed, "\n"); line; line = strtok(NULL, "\n")) {
					char *sp = strchr(line, ' ');
					if (sp && strcmp(sp + 1, head + 5) == 0) {
						commit = xstrndup(line, (size_t)(sp - line));
						break;
					}
				}
				free(packed);
			}
			free(packedp);
		}
	} else if (head && strlen(head) >= 40) {
		commit = xstrdup(head);
	}
	free(head);
	free(gitdir);
	return commit;
}

static char *find_program(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = xstrdup(path && path[0] ? path : "/usr/bin:/bin");
	char *found = NULL;
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *cand = xasprintf("%s/%s", d, name);
		if (access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return found;
}

int release_git_dirty(const struct config *cfg, const struct env_config *env)
{
	char *top = work_tree(cfg);
	if (!top)
		return -1;
	char *git = find_program("git");
	if (!git) {
		free(top);
		return -1;
	}
	/* only what is shipped counts: state_dir, backups and the like are not the release */
	char **argv = NULL, **paths = NULL;
	const char *fixed[] = { git, "-C", top, "status", "--porcelain", "--untracked-files=all", "--", NULL };
	for (size_t i = 0; fixed[i]; i++)
		strv_push(&argv, fixed[i]);
	char *conf = xasprintf("%s/%s", cfg->dir, base_name(cfg->path)); /* cfg->path may be relative */
	strv_push(&paths, conf);
	free(conf);
	if (cfg->migrations)
		strv_push(&paths, cfg->migrations);
	if (cfg->functions)
		strv_push(&paths, cfg->functions);
	char **arts = release_artifacts(cfg, env);
	for (size_t i = 0; arts && arts[i]; i++)
		strv_push(&paths, strchr(arts[i], '\t') + 1);
	strv_free(arts);
	size_t toplen = strlen(top);
	for (size_t i = 0; paths && paths[i]; i++)
		if (strncmp(paths[i], top, toplen) == 0 && (paths[i][toplen] == '/' || !paths[i][toplen]))
			strv_push(&argv, paths[i]);
	strv_free(paths);
	struct proc_result res;
	struct err e = ERR_INIT;
	int dirty = -1;
	memset(&res, 0, sizeof(res));
	if (proc_run(argv, environ, NULL, 10000, NULL, NULL, NULL, &res, &e) == 0 && res.exited && res.status == 0)
		dirty = res.output && res.output[strspn(res.output, " \n")] != '\0';
	proc_result_release(&res);
	strv_free(argv);
	free(git);
	free(top);
	return dirty;
}
