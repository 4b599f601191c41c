/*
 * util: allocation wrappers that abort on out of memory (OpenSSH's xmalloc),
 * a growable string buffer (git's strbuf), BUG(), small string helpers,
 * monotonic and wall clocks, and SHA-256.
 *
 * Ownership: every x* function returns memory the caller frees with free().
 * struct buf owns its bytes: buf_release() frees them, buf_detach() hands
 * them to the caller.
 */
#ifndef SC_UTIL_H
#define SC_UTIL_H

#include <stddef.h>
#include <stdarg.h>

#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
_Noreturn void bug_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);          /* xstrdup(NULL) is NULL */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

struct buf {
	char *data;   /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};
#define BUF_INIT { NULL, 0, 0 }
void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
char *buf_detach(struct buf *b);      /* never NULL; caller frees */
const char *buf_str(const struct buf *b); /* "" when empty */

/* NULL-terminated string vectors (argv-like). strv_free(NULL) is a no-op. */
void strv_push(char ***v, const char *s);  /* copies s */
size_t strv_len(char *const *v);
int strv_contains(char *const *v, const char *s);
void strv_free(char **v);

int starts_with(const char *s, const char *prefix);
int ends_with(const char *s, const char *suffix);
/* Levenshtein distance, for "did you mean" hints */
int str_distance(const char *a, const char *b);

long long time_mono_ms(void);
long long time_wall_ms(void);
void time_iso8601(long long wall_ms, char out[32]);

/* Read a whole file; returns 0, or -1 with errno set. *out is NUL-terminated. */
int file_read_all(const char *path, char **out, size_t *len);
/* path joined to dir unless it is absolute; caller frees */
char *path_join(const char *dir, const char *path);

/* SHA-256 */
struct sha256 {
	unsigned int h[8];
	unsigned char block[64];
	size_t used;
	unsigned long long total;
};
void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
void sha256_final(struct sha256 *c, unsigned char out[32]);
void sha256_hex(const void *data, size_t len, char out[65]);
void sha256_to_hex(const unsigned char digest[32], char out[65]);
int sha256_file_hex(const char *path, char out[65]); /* 0, or -1 with errno */

#endif
