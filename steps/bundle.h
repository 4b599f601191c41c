/*
 * bundle: the source of one edge function as it is sent to the Management
 * API, found in the configured `functions` folder.
 *
 * Discovery: every subfolder of the functions folder is one function, its
 * name the slug, except folders whose name starts with "_" (Supabase's
 * `_shared` convention): those hold shared code.  A function's files are
 * every regular file under its folder (names starting with "." skipped),
 * named by their path relative to the folder ("index.ts", "lib/db.ts").  A
 * shared folder `_NAME` is sent with a function when one of the function's
 * files (or of a shared folder already included) contains "../_NAME/"; its
 * files are then named "../_NAME/path".  The entrypoint is "index.ts" unless
 * the step's `settings` name another one for the slug.
 *
 * Content hash: sha256 over a version tag, the entrypoint, verify_jwt, and
 * then, for every file in byte order of its name, the name, its length and
 * its bytes.  So a change of any file sent, of the entrypoint or of
 * verify_jwt changes the hash; nothing else does.
 *
 * A bundle serializes to JSON (bundle_serialize) with each file's content in
 * base64: that is what is stored as the "function" artifact, and what
 * rollback redeploys.  bundle_from_multipart() reads the answer of
 * GET .../functions/SLUG/body.
 *
 * Ownership: bundles returned here are the caller's, freed with
 * bundle_free(); bundle_list_free() frees an array of them.
 */
#ifndef SC_BUNDLE_H
#define SC_BUNDLE_H

#include <stddef.h>
#include "../lib/err.h"

struct bundle_file {
	char *name;              /* relative to the function folder */
	unsigned char *data;     /* NUL-terminated for convenience */
	size_t len;
};

struct bundle {
	char *slug;
	char *entrypoint;        /* "index.ts" */
	int verify_jwt;
	struct bundle_file *files;  /* sorted by name once hashed */
	size_t nfiles;
	char **shared;           /* "_shared", ... included; NULL-terminated or NULL */
	char sha256[65];
};

/* Per-function settings (the step's `settings` list) */
struct bundle_setting {
	char *slug;
	char *entrypoint;        /* NULL: index.ts */
	int verify_jwt;          /* -1: the step's default */
};

/*
 * Find every function under dir.  Only slugs in `only` (NULL-terminated,
 * NULL for all) are returned; a slug in `only` or in settings without a
 * folder is an error.  Returns 0 with *out (sorted by slug), or a negative
 * code with e filled (SC_EUSAGE: folder missing, bad slug, entrypoint
 * missing; SC_EFAIL: a file cannot be read).
 */
int bundle_discover(const char *dir, char *const *only, const struct bundle_setting *settings, size_t nsettings,
		    int default_verify_jwt, struct bundle ***out, size_t *n, struct err *e);

struct bundle *bundle_new(const char *slug, const char *entrypoint, int verify_jwt);
void bundle_free(struct bundle *b);
void bundle_list_free(struct bundle **v, size_t n);
/* copies name and data */
void bundle_add_file(struct bundle *b, const char *name, const void *data, size_t len);
/* sort the files by name and compute b->sha256 */
void bundle_hash(struct bundle *b);

/* 1 when content imports the shared folder `name` (contains "../NAME/") */
int bundle_imports(const void *content, size_t len, const char *name);
/* 1 when s is a valid function slug: a letter, then letters, digits, '-' or '_' */
int bundle_slug_valid(const char *s);

/* JSON with base64 contents; *out is the caller's (NUL-terminated). */
void bundle_serialize(const struct bundle *b, char **out, size_t *len);
/* Read bundle_serialize's output back, hash recomputed. */
int bundle_parse(const void *data, size_t len, struct bundle **out, struct err *e);
/* Read a multipart/form-data answer (a `metadata` JSON part and `file`
 * parts named by their filename), hash computed. */
int bundle_from_multipart(const char *slug, const char *content_type, const void *body, size_t len,
			  struct bundle **out, struct err *e);

/* base64 (standard alphabet, padded); callers free */
char *bundle_base64_encode(const void *data, size_t len);
int bundle_base64_decode(const char *s, unsigned char **out, size_t *len);

#endif
