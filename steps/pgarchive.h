/*
 * pgarchive: the header and table of contents of a pg_dump archive (a
 * custom-format file, or the toc.dat of a directory-format one), read to
 * list its entries, and written back with one more entry.
 *
 * Why: a restore straight into the database (`pg_restore -d
 * --single-transaction`) runs on pg_restore's own connection, where nothing
 * of ours can run, yet the clean-up that makes the database hold exactly
 * what the backup holds (pgtools.c) must be in that same transaction.
 * pg_restore runs an archive's SEARCHPATH entry right after its BEGIN (it
 * sets the dump-time search_path on the connection), so the restore is
 * handed the archive with a SEARCHPATH entry appended whose SQL is the
 * secure search_path followed by the clean-up: the last SEARCHPATH entry
 * read is the one pg_restore runs.  Everything else, data included, is
 * passed on byte for byte.
 *
 * Archive versions 1.12 to 1.16 (pg_dump 9.0 to 17) are read; a table of
 * contents that does not end where data (custom) or the file (toc.dat)
 * begins is refused as not understood, never guessed at.
 *
 * Ownership: pgarchive_read fills a struct the caller releases with
 * pgarchive_release; pgarchive_with_sql returns a buffer the caller frees.
 */
#ifndef SC_PGARCHIVE_H
#define SC_PGARCHIVE_H

#include <stddef.h>
#include "../lib/err.h"

enum { PGARCHIVE_CUSTOM = 1, PGARCHIVE_DIRECTORY = 5 };

struct pgarchive_entry {
	int dump_id;
	int has_data;    /* pg_dump had a data dumper for it */
	char *desc;      /* "TABLE DATA", "SCHEMA", ... */
	char *tag;       /* the object's name ("SCHEMA x" for a comment on a schema) */
	char *nspace;    /* its schema, "" when none */
};

struct pgarchive {
	int format;                 /* PGARCHIVE_CUSTOM or PGARCHIVE_DIRECTORY */
	int vmaj, vmin, vrev;
	int int_size, off_size;
	struct pgarchive_entry *entries;
	size_t n;
	int max_dump_id;
	unsigned char *raw;         /* the header and table of contents as read */
	size_t raw_len;             /* where they end: a custom archive's data starts there */
	size_t count_at;            /* offset of the entry count in raw */
};

/* Read the header and table of contents of the archive open on fd (read
 * with pread from offset 0; fd's own offset is not moved).  what names the
 * file in messages.  0, or a negative code with e filled (SC_EUSAGE: not an
 * archive this reads). */
int pgarchive_read(int fd, const char *what, struct pgarchive *a, struct err *e);
void pgarchive_release(struct pgarchive *a);

/* The header and table of contents of a with one more SEARCHPATH entry
 * whose SQL is sql; *len gets the length.  The caller frees the result. */
unsigned char *pgarchive_with_sql(const struct pgarchive *a, const char *sql, size_t *len);

/* Parse from memory (the unit tests): like pgarchive_read. */
int pgarchive_parse(const unsigned char *data, size_t len, const char *what, struct pgarchive *a, struct err *e);

#endif
