/*
 * gitcheck: program_find (PATH lookup) and git_path_ignored (`git
 * check-ignore`), see gitcheck.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "gitcheck.h"
#include "proc.h"
#include "util.h"

extern char **environ;

char *program_find(const char *name)
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

int git_path_ignored(const char *cwd, const char *path)
{
	char *git = program_find("git");
	if (!git)
		return -1;
	/* check-ignore exits 0 when ignored, 1 when not, 128 outside a work tree */
	char *const argv[] = { git, "-C", (char *)cwd, "check-ignore", "-q", "--", (char *)path, NULL };
	struct proc_result res;
	struct err e = ERR_INIT;
	int ignored = -1;
	memset(&res, 0, sizeof(res));
	if (proc_run(argv, environ, NULL, 10000, NULL, NULL, NULL, &res, &e) == 0 && res.exited)
		ignored = res.status == 0 ? 1 : res.status == 1 ? 0 : -1;
	proc_result_release(&res);
	free(git);
	return ignored;
}
