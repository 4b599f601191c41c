/*
 * alembic: what the release identity needs to know of a migrate step that
 * delegates to Alembic (tool = "alembic", steps/alembic.c).
 */
#ifndef SC_ALEMBIC_H
#define SC_ALEMBIC_H

struct step;

/* The step's alembic_ini as configured (raw: relative to the config file's
 * folder), borrowed from the step; NULL when st does not delegate to
 * Alembic.  The content hash covers the ini, env.py and the revisions
 * (orchestrator/release.c). */
const char *alembic_step_ini(const struct step *st);

/* The keys of a migrate step with tool = "alembic" (listed in the migrate
 * kind's key table, for the config reference). */
extern const char *const alembic_step_keys[];

#endif
