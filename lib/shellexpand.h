/*
 * shellexpand: ${...} variables in a command that a shell will run (shell
 * and ssh steps' command and rollback_command, hooks).  Values never become
 * code: each ${...} is replaced by its value as one single-quoted shell
 * word ('it'\''s'), whatever it holds (`;`, `$( )`, backquotes, `|`,
 * newlines), and each is also listed as an environment variable for the
 * child:
 *
 *   ${env} ${release} ${run_id}  STAGECOACH_ENV, STAGECOACH_RELEASE, STAGECOACH_RUN_ID
 *   ${vars.NAME}                 STAGECOACH_VAR_NAME (NAME upper-cased)
 *   ${a.b} (other dotted names)  STAGECOACH_A_B
 *   ${NAME}                      NAME itself (from the process environment,
 *                                or its :-default when unset)
 *
 * Text outside ${...} is kept as it is ($$ is a literal $, as in expand()).
 * A quoted value that holds a secret is registered with redact too, so the
 * command shown in errors never shows a secret cut by the quoting.
 */
#ifndef SC_SHELLEXPAND_H
#define SC_SHELLEXPAND_H

#include "err.h"
#include "expand.h"
#include "util.h"

/* Append s to b as one single-quoted shell word. */
void shell_quote(struct buf *b, const char *s);

/* Expand raw for a shell into *out (caller frees).  When exports is not
 * NULL, "NAME=value" strings are pushed onto *exports (caller strv_free);
 * a name already there is not repeated.  Errors as expand(). */
int expand_command(const char *raw, const struct expand_ctx *ctx, char **out, char ***exports, struct err *e);

/* Add each "NAME=value" of exports to *envp, unless NAME is set there
 * already (the child's STAGECOACH_* and DATABASE_URL are the run's, other
 * names are the process environment's: the same values). */
void expand_env_merge(char ***envp, char *const *exports);

/* The exported name of variable `name` (see above); caller frees. */
char *expand_export_name(const char *name);

#endif
