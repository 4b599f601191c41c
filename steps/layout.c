/*
 * layout: which tool's file layout a migrations folder holds (layout.h).
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "layout.h"
#include "../lib/util.h"

static const char *const layout_names[] = { "none", "golang-migrate", "dbmate", "prisma", "supabase", "flyway",
					    "alembic" };

const char *layout_name(enum layout l)
{
	return (unsigned)l < sizeof layout_names / sizeof layout_names[0] ? layout_names[l] : "none";
}

enum layout layout_by_name(const char *name)
{
	if (strcmp(name, "golang") == 0)
		return LAYOUT_GOLANG;
	for (size_t i = 1; i < sizeof layout_names / sizeof layout_names[0]; i++)
		if (strcmp(name, layout_names[i]) == 0)
			return (enum layout)i;
	return LAYOUT_NONE;
}

/* Leading digits of s: their count, and the value in *v. */
static size_t layout_digits(const char *s, unsigned long long *v)
{
	size_t n = 0;
	*v = 0;
	while (isdigit((unsigned char)s[n])) {
		*v = *v * 10 + (unsigned long long)(s[n] - '0');
		n++;
	}
	return n;
}

/* Flyway: V1__x.sql, V1.2__x.sql, V1_2__x.sql; the major number in *v. */
static int layout_is_flyway(const char *name, unsigned long long *v)
{
	if (name[0] != 'V' || !isdigit((unsigned char)name[1]) || !ends_with(name, ".sql"))
		return 0;
	layout_digits(name + 1, v);
	return strstr(name, "__") != NULL;
}

static int layout_file_has(const char *path, const char *needle)
{
	char *text = NULL;
	size_t len;
	if (file_read_all(path, &text, &len) < 0)
		return 0;
	int has = strstr(text, needle) != NULL;
	free(text);
	return has;
}

int layout_has_flyway(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned long long v;
	int found = 0;
	if (!d)
		return 0;
	while (!found && (de = readdir(d)) != NULL)
		found = layout_is_flyway(de->d_name, &v);
	closedir(d);
	return found;
}

enum layout layout_detect(const char *dir, unsigned long long *newest)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	enum layout found = LAYOUT_NONE;
	unsigned long long best = 0;
	int any = 0;
	if (newest)
		*newest = 0;
	if (!d)
		return LAYOUT_NONE;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		unsigned long long v;
		enum layout l = LAYOUT_NONE;
		if (n[0] == '.')
			continue;
		if (layout_is_flyway(n, &v)) {
			l = LAYOUT_FLYWAY;
		} else {
			size_t nd = layout_digits(n, &v);
			if (!nd || n[nd] != '_')
				continue;
			char *path = path_join(dir, n);
			struct stat sb;
			if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				char *mig = path_join(path, "migration.sql");
				if (stat(mig, &sb) == 0)
					l = LAYOUT_PRISMA;
				free(mig);
			} else if (ends_with(n, ".up.sql") || ends_with(n, ".down.sql")) {
				l = LAYOUT_GOLANG;
			} else if (ends_with(n, ".sql")) {
				if (layout_file_has(path, "-- migrate:up"))
					l = LAYOUT_DBMATE;
				else if (nd == 14)
					l = LAYOUT_SUPABASE;
			}
			free(path);
		}
		if (l == LAYOUT_NONE)
			continue;
		if (!any || v >= best) {
			/* the newest migration decides */
			found = l;
			best = v;
		}
		any = 1;
	}
	closedir(d);
	if (newest)
		*newest = best;
	if (found != LAYOUT_NONE)
		return found;
	if (ends_with(dir, "prisma/migrations") || ends_with(dir, "prisma/migrations/"))
		return LAYOUT_PRISMA;
	if (ends_with(dir, "supabase/migrations") || ends_with(dir, "supabase/migrations/"))
		return LAYOUT_SUPABASE;
	if (ends_with(dir, "db/migration") || ends_with(dir, "db/migration/"))
		return LAYOUT_FLYWAY;
	if (ends_with(dir, "db/migrations") || ends_with(dir, "db/migrations/"))
		return LAYOUT_DBMATE; /* dbmate's default folder */
	return LAYOUT_NONE;
}
