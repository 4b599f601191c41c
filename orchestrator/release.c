/*
 * release: the local release id and git commit (see release.h).  The git
 * commit is read from .git/HEAD (and refs or packed-refs) without running git.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "config.h"
#include "release.h"
#include "../lib/util.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every regular file below dir, relative paths, sorted */
static void list_files(const char *root, const char *rel, char ***out)
{
	char *path = rel[0] ? xasprintf("%s/%s", root, rel) : xstrdup(root);
	DIR *d = opendir(path);
	free(path);
	if (!d)
		return;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *sub = rel[0] ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		char *full = xasprintf("%s/%s", root, sub);
		struct stat sb;
		if (stat(full, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				list_files(root, sub, out);
			else if (S_ISREG(sb.st_mode))
				strv_push(out, sub);
		}
		free(full);
		free(sub);
	}
	closedir(d);
}

static void hash_tree(struct sha256 *c, const char *label, const char *root)
{
	char **files = NULL;
	if (!root)
		return;
	list_files(root, "", &files);
	size_t n = strv_len(files);
	if (n)
		qsort(files, n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *full = xasprintf("%s/%s", root, files[i]);
		char hex[65] = "";
		if (sha256_file_hex(full, hex) == 0) {
			sha256_update(c, label, strlen(label) + 1);
			sha256_update(c, files[i], strlen(files[i]) + 1);
			sha256_update(c, hex, 64);
		}
		free(full);
	}
	strv_free(files);
}

static void manifest_tree(json_t *m, const char *label, const char *root)
{
	char **files = NULL;
	if (!root)
		return;
	list_files(root, "", &files);
	for (size_t i = 0; files && files[i]; i++) {
		char *full = xasprintf("%s/%s", root, files[i]);
		char hex[65] = "";
		if (sha256_file_hex(full, hex) == 0) {
			char *key = xasprintf("%s/%s", label, files[i]);
			json_object_set_new(m, key, json_string(hex));
			free(key);
		}
		free(full);
	}
	strv_free(files);
}

json_t *release_manifest(const struct config *cfg)
{
	json_t *m = json_object();
	manifest_tree(m, "migrations", cfg->migrations);
	manifest_tree(m, "functions", cfg->functions);
	return m;
}

char *release_local_id(const struct config *cfg)
{
	struct sha256 c;
	unsigned char d[32];
	char hex[65];
	sha256_init(&c);
	hash_tree(&c, "migrations", cfg->migrations);
	hash_tree(&c, "functions", cfg->functions);
	sha256_final(&c, d);
	sha256_to_hex(d, hex);
	return xstrndup(hex, 12);
}

static char *read_line(const char *path)
{
	char *data;
	if (file_read_all(path, &data, NULL) < 0)
		return NULL;
	data[strcspn(data, "\r\n")] = '\0';
	return data;
}

char *release_git_commit(const struct config *cfg)
{
	char *dir = xstrdup(cfg->dir);
	char *gitdir = NULL;
	for (;;) {
		char *cand = xasprintf("%s/.git", dir);
		struct stat sb;
		if (stat(cand, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			gitdir = cand;
			break;
		}
		free(cand);
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	if (!gitdir)
		return NULL;
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
