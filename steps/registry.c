/*
 * registry: the table of step kinds.  Adding a kind is its file in steps/
 * and one row here.
 */
#include <string.h>
#include "step.h"
#include "../lib/util.h"

extern const struct step_ops step_shell_ops, step_approval_ops, step_sql_check_ops, step_pg_backup_ops,
	step_migrate_ops, step_functions_deploy_ops, step_http_ops, step_health_check_ops, step_ssh_ops,
	step_release_ops;

const struct step_ops *const step_kinds[] = {
	&step_pg_backup_ops,
	&step_migrate_ops,
	&step_sql_check_ops,
	&step_functions_deploy_ops,
	&step_http_ops,
	&step_health_check_ops,
	&step_ssh_ops,
	&step_release_ops,
	&step_shell_ops,
	&step_approval_ops,
	NULL,
};

const struct step_ops *step_kind_find(const char *kind)
{
	for (size_t i = 0; step_kinds[i]; i++)
		if (strcmp(step_kinds[i]->kind, kind) == 0)
			return step_kinds[i];
	return NULL;
}

const char *step_kind_closest(const char *kind)
{
	const char *best = NULL;
	int best_d = 1 << 30;
	for (size_t i = 0; step_kinds[i]; i++) {
		int d = str_distance(kind, step_kinds[i]->kind);
		if (d < best_d) {
			best_d = d;
			best = step_kinds[i]->kind;
		}
	}
	return best;
}

enum step_undo step_undo_of(const struct step *st)
{
	if (st->ops->undo)
		return st->ops->undo(st);
	return st->ops->rollback ? UNDO_ROLLBACK : UNDO_NOTHING;
}
