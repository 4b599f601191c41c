# tests/lib/real-folders.sh: real, unmodified migration folders of public
# projects, for the tests/e2e/real-*.sh scripts.  Their contents are never
# committed: they are laid out by hand (or by a CI job) under $SC_REAL
# (default /tmp/sc-real), one folder each, from the repositories below at
# the commits in $SC_REAL/SOURCES, and a test whose folder is absent is
# skipped, saying so.
#
#   prisma-documenso/prisma/migrations          github.com/documenso/documenso
#       packages/prisma/migrations (Prisma, 160+ migrations)
#   supabase-employee/supabase/migrations       github.com/mdsamialsohan/EmployeeManagementBackend
#       supabase/migrations (Supabase CLI: auth.users, RLS policies, storage.objects)
#   flyway-conductor/src/main/resources/db/migration   github.com/conductor-oss/conductor
#       postgres-persistence/src/main/resources/db/migration_postgres (Flyway, dotted versions)
#
#   real_folder NAME      print $SC_REAL/NAME, or end the test as skipped
#   schema_of URL         the schema as pg_dump sees it, without the
#                         history tables and schema stagecoach
SC_REAL=${SC_REAL:-/tmp/sc-real}

real_folder() {
	local d="$SC_REAL/$1"
	if [ ! -d "$d" ]; then
		echo "skip: real folder '$1' is absent ($d): lay it out as tests/lib/real-folders.sh says" >&2
		exit 0
	fi
	echo "$d"
}

schema_of() {
	"$PG_BIN/pg_dump" --schema-only --no-owner --no-privileges -d "$1" -N stagecoach -N supabase_migrations \
		-T _prisma_migrations -T flyway_schema_history -T schema_migrations |
		grep -v -E '^(--|SET |SELECT pg_catalog.set_config|\\(un)?restrict )' | sed '/^$/d'
}
