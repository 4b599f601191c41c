/*
 * layout: which migration tool's file layout a folder holds, from the
 * names (and, for one-file SQL, the markers) of the files present: what
 * `new` needs to write the next migration the way the team's tool would,
 * and what `init` says it found.  Reads the folder; changes nothing.
 *
 *   golang-migrate  VERSION_name.up.sql + VERSION_name.down.sql
 *   dbmate          VERSION_name.sql with "-- migrate:up" / "-- migrate:down"
 *   prisma          VERSION_name/migration.sql
 *   supabase        VERSION_name.sql, VERSION 14 digits, no markers
 *   flyway          VVERSION__desc.sql (+ UVERSION__desc.sql, R__desc.sql)
 *
 * A folder mixing layouts gets the layout of its newest migration (the
 * highest version).  An empty folder is guessed from its path
 * (prisma/migrations, supabase/migrations, .../db/migration is Flyway's,
 * db/migrations dbmate's), else LAYOUT_NONE.
 */
#ifndef SC_LAYOUT_H
#define SC_LAYOUT_H

enum layout {
	LAYOUT_NONE = 0,
	LAYOUT_GOLANG,
	LAYOUT_DBMATE,
	LAYOUT_PRISMA,
	LAYOUT_SUPABASE,
	LAYOUT_FLYWAY,
	LAYOUT_ALEMBIC, /* only as a project kind for `init` (alembic.ini) */
};

/* "golang-migrate", "dbmate", "prisma", "supabase", "flyway", "alembic", "none" */
const char *layout_name(enum layout l);
/* By name (also "golang"); LAYOUT_NONE (0) when unknown. */
enum layout layout_by_name(const char *name);

/*
 * The layout of folder dir.  *newest gets the highest leading version
 * number found (0 when none; may be NULL).  Returns LAYOUT_NONE when the
 * folder holds no migration and its path says nothing, or cannot be read.
 */
enum layout layout_detect(const char *dir, unsigned long long *newest);

/* 1 when dir holds a Flyway versioned file (V1__x.sql) */
int layout_has_flyway(const char *dir);

#endif
