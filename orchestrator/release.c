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
#include "../steps/alembic.h"
#include "../steps/release.h"
#include "../lib/expand.h"
#include "../lib/filecache.h"
#include "../lib/gitcheck.h"
#include "../lib/proc.h"
#include "../lib/util.h"

extern char **environ;

/* The manifest as entries "label/path" -> sha256 hex (or "missing",
 * "unreadable"), in the order found; seq breaks ties of a key given twice
 * (the last one wins, as a JSON object's set does). */
struct release_entry {
	char *key;
	char hex[65];
	size_t seq;
};
struct release_entries {
	struct release_entry *v;
	size_t n, cap;
};

static void entries_add(struct release_entries *es, const char *label, const char *rel, const char *hex)
{
	if (es->n == es->cap) {
		es->cap = es->cap ? es->cap * 2 : 256;
		es->v = xrealloc(es->v, es->cap * sizeof(*es->v));
	}
	struct release_entry *x = &es->v[es->n];
	size_t ll = strlen(label), rl = rel ? strlen(rel) : 0;
	x->key = xmalloc(ll + rl + 2);
	memcpy(x->key, label, ll);
	if (rel) {
		x->key[ll] = '/';
		memcpy(x->key + ll + 1, rel, rl + 1);
	} else {
		x->key[ll] = '\0';
	}
	snprintf(x->hex, sizeof(x->hex), "%s", hex);
	x->seq = es->n++;
}

static void entries_release(struct release_entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->v[i].key);
	free(es->v);
	memset(es, 0, sizeof(*es));
}

static int entry_cmp(const void *a, const void *b)
{
	const struct release_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort by key and keep the last of each key. */
static void entries_sort(struct release_entries *es)
{
	if (es->n > 1)
		qsort(es->v, es->n, sizeof(*es->v), entry_cmp);
	size_t k = 0;
	for (size_t i = 0; i < es->n; i++) {
		if (i + 1 < es->n && strcmp(es->v[i].key, es->v[i + 1].key) == 0) {
			free(es->v[i].key);
			continue;
		}
		es->v[k++] = es->v[i];
	}
	es->n = k;
}

/*
 * Every regular file below the folder in path (path->data: root, then
 * "/sub/..." as the walk goes down; rootlen: the root's length), hashed
 * through the file cache (migration discovery reads the same bytes).  One
 * path buffer for the whole walk and readdir's d_type: on 3,000 migrations
 * the walk was as costly as the hashing.
 */
static void walk_files(struct release_entries *es, const char *label, struct buf *path, size_t rootlen, int dotfiles,
		       int only_py)
{
	DIR *d = opendir(path->data);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!dotfiles || !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")))
			continue;
		size_t save = path->len;
		buf_addc(path, '/');
		buf_adds(path, de->d_name);
		struct stat sb;
		/* readdir's type spares a stat per file (links and file systems
		 * that do not tell are asked) */
		if (de->d_type == DT_DIR || de->d_type == DT_REG)
			sb.st_mode = de->d_type == DT_DIR ? S_IFDIR : S_IFREG;
		if (de->d_type == DT_DIR || de->d_type == DT_REG || stat(path->data, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				if (!(only_py && strcmp(de->d_name, "__pycache__") == 0))
					walk_files(es, label, path, rootlen, dotfiles, only_py);
			} else if (S_ISREG(sb.st_mode) && (!only_py || ends_with(de->d_name, ".py"))) {
				char hex[65];
				entries_add(es, label, path->data + rootlen + 1,
					    filecache_sha256(path->data, hex) == 0 ? hex : "unreadable");
			}
		}
		path->len = save;
		path->data[save] = '\0';
	}
	closedir(d);
}

/* add label/rel -> sha256 for every file below root (or root itself when
 * it is a file); only_py: *.py files alone, __pycache__ left out */
static void add_tree_py(struct release_entries *es, const char *label, const char *root, int dotfiles, int only_py)
{
	struct stat sb;
	char hex[65] = "";
	if (!root)
		return;
	if (stat(root, &sb) < 0) {
		entries_add(es, label, NULL, "missing");
		return;
	}
	if (S_ISREG(sb.st_mode)) {
		entries_add(es, label, NULL, filecache_sha256(root, hex) == 0 ? hex : "unreadable");
		return;
	}
	struct buf path = BUF_INIT;
	buf_adds(&path, root);
	walk_files(es, label, &path, path.len, dotfiles, only_py);
	buf_release(&path);
}

static void add_tree(struct release_entries *es, const char *label, const char *root, int dotfiles)
{
	add_tree_py(es, label, root, dotfiles, 0);
}

/*
 * An Alembic project's script folder: script_location of the [alembic]
 * section of the ini (%(here)s is the ini's folder; relative paths are
 * relative to it, as alembic runs there).  NULL when the ini cannot be
 * read or names none.
 */
static char *alembic_script_dir(const char *ini)
{
	const char *text;
	size_t len;
	if (filecache_read(ini, &text, &len) < 0)
		return NULL;
	char *here = xstrdup(ini);
	char *slash = strrchr(here, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(here, strlen(here) + 1, ".");
	char *dir = NULL;
	int in_alembic = 0;
	for (const char *p = text; *p && !dir;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		char *line = xstrndup(p, n);
		char *l = line + strspn(line, " \t");
		l[strcspn(l, "\r")] = '\0';
		if (l[0] == '[')
			in_alembic = strncmp(l, "[alembic]", 9) == 0;
		else if (in_alembic && starts_with(l, "script_location")) {
			char *v = l + strlen("script_location");
			v += strspn(v, " \t");
			if (*v == '=' || *v == ':') {
				v++;
				v += strspn(v, " \t");
				size_t vl = strlen(v);
				while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
					v[--vl] = '\0';
				struct buf b = BUF_INIT;
				for (const char *c = v; *c; c++) {
					if (starts_with(c, "%(here)s")) {
						buf_adds(&b, here);
						c += strlen("%(here)s") - 1;
					} else {
						buf_addc(&b, *c);
					}
				}
				char *val = buf_detach(&b);
				dir = val && val[0] == '/' ? xstrdup(val) : path_join(here, val ? val : "");
				free(val);
			}
		}
		free(line);
		p = eol ? eol + 1 : p + n;
	}
	free(here);
	return dir;
}

/* "STEP\tINI\tSCRIPT_DIR" of each migrate step that delegates to Alembic
 * (SCRIPT_DIR empty when the ini names none) */
static char **alembic_projects(const struct config *cfg)
{
	char **out = NULL;
	for (size_t i = 0; i < cfg->nsteps; i++) {
		const char *ini = alembic_step_ini(&cfg->steps[i]);
		if (!ini)
			continue;
		char *abs = ini[0] == '/' ? xstrdup(ini) : path_join(cfg->dir, ini);
		char *dir = alembic_script_dir(abs);
		char *line = xasprintf("%s\t%s\t%s", cfg->steps[i].name, abs, dir ? dir : "");
		strv_push(&out, line);
		free(line);
		free(dir);
		free(abs);
	}
	return out;
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

static void release_entries(const struct config *cfg, const struct env_config *env, struct release_entries *es)
{
	memset(es, 0, sizeof(*es));
	char *label = xasprintf("config/%s", base_name(cfg->path));
	add_tree(es, label, cfg->path, 0);
	free(label);
	add_tree(es, "migrations", cfg->migrations, 0);
	add_tree(es, "functions", cfg->functions, 0);
	/* an Alembic project ships its ini, env.py and its revisions */
	char **alembic = alembic_projects(cfg);
	for (size_t i = 0; alembic && alembic[i]; i++) {
		char *ini = strchr(alembic[i], '\t');
		*ini++ = '\0';
		char *dir = strchr(ini, '\t');
		*dir++ = '\0';
		label = xasprintf("alembic/%s/%s", alembic[i], base_name(ini));
		add_tree(es, label, ini, 0);
		free(label);
		if (dir[0]) {
			char *envpy = path_join(dir, "env.py"), *versions = path_join(dir, "versions");
			label = xasprintf("alembic/%s/env.py", alembic[i]);
			add_tree(es, label, envpy, 0);
			free(label);
			label = xasprintf("alembic/%s/versions", alembic[i]);
			add_tree_py(es, label, versions, 0, 1);
			free(label);
			free(envpy);
			free(versions);
		}
	}
	strv_free(alembic);
	char **arts = release_artifacts(cfg, env);
	for (size_t i = 0; arts && arts[i]; i++) {
		char *tab = strchr(arts[i], '\t');
		*tab = '\0';
		label = xasprintf("release/%s", arts[i]);
		add_tree(es, label, tab + 1, 1);
		free(label);
	}
	strv_free(arts);
	entries_sort(es);
}

json_t *release_manifest(const struct config *cfg, const struct env_config *env)
{
	struct release_entries es;
	release_entries(cfg, env, &es);
	json_t *m = json_object();
	for (size_t i = 0; i < es.n; i++)
		json_object_set_new(m, es.v[i].key, json_string(es.v[i].hex));
	entries_release(&es);
	return m;
}

char *release_content_hash(const struct config *cfg, const struct env_config *env)
{
	struct release_entries es;
	release_entries(cfg, env, &es);
	struct sha256 c;
	unsigned char d[32];
	char hex[65];
	sha256_init(&c);
	for (size_t i = 0; i < es.n; i++) {
		sha256_update(&c, es.v[i].key, strlen(es.v[i].key) + 1);
		sha256_update(&c, es.v[i].hex, strlen(es.v[i].hex) + 1);
	}
	sha256_final(&c, d);
	sha256_to_hex(d, hex);
	entries_release(&es);
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

int release_git_dirty(const struct config *cfg, const struct env_config *env)
{
	char *top = work_tree(cfg);
	if (!top)
		return -1;
	char *git = program_find("git");
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
	char **alembic = alembic_projects(cfg);
	for (size_t i = 0; alembic && alembic[i]; i++) {
		char *ini = strchr(alembic[i], '\t') + 1;
		char *dir = strchr(ini, '\t');
		*dir++ = '\0';
		strv_push(&paths, ini);
		if (dir[0])
			strv_push(&paths, dir);
	}
	strv_free(alembic);
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
