/* Unit tests of catalog's pure parts: sorting, comparison, covered children, and the words. */
#include <stdlib.h>
#include "unit.h"
#include "../../env/catalog.h"

static char *text_of(struct catalog_diff *d)
{
	return catalog_diff_text(d, "staging", "production");
}

int main(void)
{
	struct catalog a = CATALOG_INIT, b = CATALOG_INIT;

	CHECK_INT(catalog_kind_find("materialized view"), CATALOG_MATVIEW);
	CHECK_INT(catalog_kind_find("deployed_function"), CATALOG_DEPLOYED_FUNCTION);
	CHECK_INT(catalog_kind_find("nope"), -1);

	/* identical catalogs, added in different orders */
	catalog_add(&a, CATALOG_TABLE, "public.t", NULL, "row level security disabled");
	catalog_add(&a, CATALOG_COLUMN, "public.t.id", "public.t", "integer not null");
	catalog_add(&b, CATALOG_COLUMN, "public.t.id", "public.t", "integer not null");
	catalog_add(&b, CATALOG_TABLE, "public.t", NULL, "row level security disabled");
	struct catalog_diff *d;
	CHECK_INT(catalog_compare(&a, &b, &d), 0);
	CHECK(d == NULL);
	CHECK(catalog_find(&a, CATALOG_TABLE, "public.t") != NULL);
	CHECK(catalog_find(&a, CATALOG_TABLE, "public.u") == NULL);
	catalog_release(&a);
	catalog_release(&b);

	/* staging has more */
	catalog_add(&a, CATALOG_TABLE, "public.enhanced_lerg", NULL, "row level security disabled");
	catalog_add(&a, CATALOG_COLUMN, "public.enhanced_lerg.npa", "public.enhanced_lerg", "text not null");
	catalog_add(&a, CATALOG_INDEX, "public.lerg_npa_idx", "public.enhanced_lerg", "on public.enhanced_lerg USING btree (npa)");
	catalog_add(&a, CATALOG_TABLE, "public.clients", NULL, "row level security disabled");
	catalog_add(&b, CATALOG_TABLE, "public.clients", NULL, "row level security enabled");
	catalog_add(&a, CATALOG_COLUMN, "public.clients.outbound_paused", "public.clients", "boolean not null default false");
	catalog_add(&a, CATALOG_COLUMN, "public.clients.name", "public.clients", "text");
	catalog_add(&b, CATALOG_COLUMN, "public.clients.name", "public.clients", "character varying(40)");
	catalog_add(&a, CATALOG_ENUM, "public.billing_status", NULL, "(a, b, c)");
	catalog_add(&b, CATALOG_ENUM, "public.billing_status", NULL, "(a, b)");
	catalog_add(&b, CATALOG_EXTENSION, "citext", NULL, "version 1.6");
	catalog_add(&a, CATALOG_VIEW, "public.v", NULL, "SELECT 1");
	catalog_add(&b, CATALOG_VIEW, "public.v", NULL, "SELECT 2");
	catalog_add(&a, CATALOG_DEPLOYED_FUNCTION, "get-npa-location", NULL,
		    "3f9a00000000000000000000000000000000000000000000000000000000aaaa");
	catalog_add(&b, CATALOG_DEPLOYED_FUNCTION, "get-npa-location", NULL,
		    "71c000000000000000000000000000000000000000000000000000000000bbbb");
	catalog_add(&a, CATALOG_DEPLOYED_FUNCTION, "stripe-webhook", NULL,
		    "1234567890ab0000000000000000000000000000000000000000000000000000");
	size_t n = catalog_compare(&a, &b, &d);
	/* the enhanced_lerg column and index go unsaid: the table's line covers them */
	CHECK_INT(n, 9);
	const char *want[] = {
		"extension citext: production version 1.6, staging lacks it",
		"enum public.billing_status: labels differ: staging (a, b, c), production (a, b)",
		"table public.clients: staging row level security disabled, production row level security enabled",
		"production lacks table public.enhanced_lerg",
		"column public.clients.name: staging text, production character varying(40)",
		"column public.clients.outbound_paused: staging boolean not null default false, production lacks it",
		"view public.v: definition differs\n    staging:    SELECT 1\n    production: SELECT 2",
		"deployed function get-npa-location: content differs: staging 3f9a00000000, production 71c000000000",
		"deployed function stripe-webhook: staging 1234567890ab, production has no record of it",
	};
	for (size_t i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++) {
		char *t = text_of(&d[i]);
		CHECK_STR(t, want[i]);
		free(t);
	}
	char *w = catalog_diff_what(&d[3], "staging", "production");
	CHECK_STR(w, "missing in production");
	free(w);
	w = catalog_diff_what(&d[0], "staging", "production");
	CHECK_STR(w, "missing in staging");
	free(w);
	CHECK(d[0].a == NULL);
	CHECK_STR(d[0].b, "version 1.6");
	free(d);

	/* a column of a table both have is said even when the other lacks it */
	catalog_add(&b, CATALOG_COLUMN, "public.clients.extra", "public.clients", "integer");
	n = catalog_compare(&a, &b, &d);
	CHECK_INT(n, 10);
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		char *t = text_of(&d[i]);
		if (strcmp(t, "column public.clients.extra: production integer, staging lacks it") == 0)
			found = 1;
		free(t);
	}
	CHECK(found);
	free(d);

	/* the comparison is symmetric in count */
	n = catalog_compare(&b, &a, &d);
	CHECK_INT(n, 10);
	free(d);
	catalog_release(&a);
	catalog_release(&b);
	catalog_release(&a); /* twice is harmless */
	return unit_done();
}
