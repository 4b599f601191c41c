/*
 * gitcheck: what git says of a path, for warnings that keep data out of a
 * repository (a database dump written inside a work tree and not ignored
 * would be committed with the next `git add -A`).  Runs the `git` found
 * in PATH; without git, or outside a work tree, it knows nothing.
 *
 * Ownership: program_find returns a string the caller frees (NULL when not
 * found); arguments are borrowed.
 */
#ifndef SC_GITCHECK_H
#define SC_GITCHECK_H

/* The first NAME in PATH that is executable, as a path; NULL if none. */
char *program_find(const char *name);

/*
 * Whether git ignores PATH (absolute, or relative to CWD; it need not
 * exist): 1 ignored, 0 inside a work tree and not ignored, -1 unknown (no
 * git, not in a work tree, git failed).  Read-only: runs
 * `git -C CWD check-ignore -q -- PATH`.
 */
int git_path_ignored(const char *cwd, const char *path);

#endif
