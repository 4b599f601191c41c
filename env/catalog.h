/*
 * catalog: what an environment's database holds, as `diff` compares it: a
 * sorted list of items (kind, name, value), where the value is everything
 * about the item that must be equal in two environments for them to be the
 * same (a column's type, nullability and default; an index's definition; an
 * enum's labels in order; a function's signature and the md5 of its
 * definition; a deployed function's content hash).
 *
 * catalog_load reads the catalogs of one database (read-only, in one
 * REPEATABLE READ READ ONLY transaction, with search_path = pg_catalog so
 * that every definition names its objects schema-qualified and two databases
 * print the same text for the same object); catalog_load_deployed reads the
 * functions stagecoach last left deployed on an environment from its records.
 * catalog_compare is pure: it lists what one catalog has that the other lacks
 * or has differently, sorted by kind and name.
 *
 * Ownership: a catalog owns its items (catalog_release frees them).  The
 * differences of catalog_compare borrow the items of both catalogs: free the
 * array with free() before releasing the catalogs.  catalog_diff_text returns
 * a string the caller frees.
 */
#ifndef SC_CATALOG_H
#define SC_CATALOG_H

#include <stddef.h>
#include <libpq-fe.h>
#include "../lib/err.h"

/* in the order differences are listed */
enum catalog_kind {
	CATALOG_EXTENSION = 0,
	CATALOG_SCHEMA,
	CATALOG_ENUM,
	CATALOG_TABLE,
	CATALOG_COLUMN,
	CATALOG_CONSTRAINT,
	CATALOG_INDEX,
	CATALOG_TRIGGER,
	CATALOG_POLICY,
	CATALOG_VIEW,
	CATALOG_MATVIEW,
	CATALOG_FUNCTION,
	CATALOG_DEPLOYED_FUNCTION,
	CATALOG_NKINDS
};

/* "materialized view" (for people) and "materialized_view" (for --json) */
const char *catalog_kind_name(enum catalog_kind k);
const char *catalog_kind_json(enum catalog_kind k);
/* the kind named n (either form), or -1 */
int catalog_kind_find(const char *n);

struct catalog_item {
	enum catalog_kind kind;
	char *name;     /* "public.clients.email" */
	char *parent;   /* the table a column/constraint/index/trigger/policy is on; NULL otherwise */
	char *value;    /* never NULL ("" when the name says it all) */
};

struct catalog {
	struct catalog_item *items;
	size_t n, cap;
	int sorted;
};
#define CATALOG_INIT { NULL, 0, 0, 0 }

void catalog_init(struct catalog *c);
void catalog_release(struct catalog *c);
/* copies the strings; parent may be NULL, value NULL means "" */
void catalog_add(struct catalog *c, enum catalog_kind kind, const char *name, const char *parent, const char *value);
/* sort by kind, then name (bytewise: stable whatever the locale) */
void catalog_sort(struct catalog *c);
/* the item of that kind and name, or NULL (sorts c first if needed) */
const struct catalog_item *catalog_find(struct catalog *c, enum catalog_kind kind, const char *name);

/*
 * Read the catalogs of the database on conn: schemas other than stagecoach,
 * pg_catalog, information_schema, pg_toast* and pg_temp*; and in them
 * tables (with row level security), columns, constraints, indexes (other
 * than those of primary key, unique and exclusion constraints, which are
 * listed as constraints), triggers, policies, enum types, views,
 * materialized views, functions; and extensions.  Objects that belong to an
 * extension are left out (the extension stands for them).  Read-only; errors
 * are SC_EFAIL with the PostgreSQL message.
 */
int catalog_load(struct catalog *c, PGconn *conn, struct err *e);

/*
 * The functions stagecoach last left deployed on environment env, from
 * stagecoach.artifacts on conn: per slug the newest artifact of kind
 * "function"; a slug whose newest record is a deletion (no sha256, or the
 * all-zeros sha256 functions_deploy writes when a rollback deleted it) is
 * not deployed.  Items of kind CATALOG_DEPLOYED_FUNCTION, value the sha256.
 * A database without the stagecoach schema has none.
 */
int catalog_load_deployed(struct catalog *c, PGconn *conn, const char *env, struct err *e);

struct catalog_diff {
	enum catalog_kind kind;
	const char *name;
	const char *a, *b;   /* the values on each side; NULL where it lacks the item */
};

/*
 * What a and b hold differently, sorted by kind and name (both are sorted
 * first).  An item missing on one side whose parent table is missing there
 * too is not listed: the table's line says it.  *out is the caller's to free
 * (NULL when there is no difference); returns the number of differences.
 */
size_t catalog_compare(struct catalog *a, struct catalog *b, struct catalog_diff **out);

/* "missing in production", "labels differ", "definition differs", "differs" */
char *catalog_diff_what(const struct catalog_diff *d, const char *env_a, const char *env_b);
/*
 * The difference in words a release manager reads:
 *   production lacks table public.enhanced_lerg
 *   column public.clients.outbound_paused: staging boolean not null default false, production lacks it
 *   enum public.billing_status: labels differ: staging (a, b, c), production (a, b)
 *   view public.v: definition differs
 *       staging:    SELECT ...
 *       production: SELECT ...
 * No final newline.
 */
char *catalog_diff_text(const struct catalog_diff *d, const char *env_a, const char *env_b);

#endif
