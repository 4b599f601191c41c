/*
 * filecache: each file read from disk once per process (see filecache.h).
 * An open-addressing hash table of paths; an entry holds the file's bytes
 * (small files) and its sha256 once computed.  A file is read with one
 * open, one fstat, one read (a short read of a regular file at or past
 * the size fstat gave is its end) and one close.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filecache.h"
#include "util.h"

struct filecache_entry {
	char *path;     /* NULL: free slot */
	char *data;     /* NULL when not kept (large file) */
	size_t len;
	int has_hex;
	char hex[65];
};

static struct filecache_entry *filecache_tab;
static size_t filecache_cap, filecache_count, filecache_kept, filecache_reads;

static uint64_t filecache_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* path with repeated '/' collapsed (caller frees) */
static char *filecache_key(const char *path)
{
	char *k = xstrdup(path), *w = k;
	for (const char *r = path; *r; r++)
		if (!(*r == '/' && w > k && w[-1] == '/'))
			*w++ = *r;
	*w = '\0';
	return k;
}

static struct filecache_entry *filecache_slot(struct filecache_entry *tab, size_t cap, const char *key)
{
	size_t i = (size_t)filecache_hash(key) & (cap - 1);
	while (tab[i].path && strcmp(tab[i].path, key) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void filecache_grow(void)
{
	size_t ncap = filecache_cap ? filecache_cap * 2 : 256;
	struct filecache_entry *ntab = xcalloc(ncap, sizeof(*ntab));
	for (size_t i = 0; i < filecache_cap; i++)
		if (filecache_tab[i].path)
			*filecache_slot(ntab, ncap, filecache_tab[i].path) = filecache_tab[i];
	free(filecache_tab);
	filecache_tab = ntab;
	filecache_cap = ncap;
}

/* The entry of key, added empty when absent. */
static struct filecache_entry *filecache_entry(const char *path)
{
	char *key = strstr(path, "//") ? filecache_key(path) : NULL;
	if ((filecache_count + 1) * 4 > filecache_cap * 3)
		filecache_grow();
	struct filecache_entry *e = filecache_slot(filecache_tab, filecache_cap, key ? key : path);
	if (e->path) {
		free(key);
	} else {
		e->path = key ? key : xstrdup(path);
		filecache_count++;
	}
	return e;
}

/* The entry of path when cached, else NULL. */
static struct filecache_entry *filecache_find(const char *path)
{
	if (!filecache_cap)
		return NULL;
	char *key = strstr(path, "//") ? filecache_key(path) : NULL; /* the common case allocates nothing */
	struct filecache_entry *e = filecache_slot(filecache_tab, filecache_cap, key ? key : path);
	free(key);
	return e->path ? e : NULL;
}

static void filecache_set_hex(struct filecache_entry *e)
{
	sha256_hex(e->data, e->len, e->hex);
	e->has_hex = 1;
}

/*
 * Read path from disk.  want_data: keep the bytes whatever the size (the
 * caller needs them); else only files of at most FILECACHE_KEEP_MAX bytes
 * are kept and a larger one is hashed as a stream.  Fills *e (data, len,
 * hex when streamed).  0, or -1 with errno.
 */
static int filecache_load(const char *path, int want_data, struct filecache_entry *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		return -1;
	}
	filecache_reads++;
	size_t size = (size_t)st.st_size;
	int keep = want_data ||
		   (size <= FILECACHE_KEEP_MAX && filecache_kept + size <= (size_t)FILECACHE_TOTAL_MAX);
	if (!keep) {
		/* hashed as a stream (memory does not follow the file's size),
		 * by sha256_file_hex, which is the fast one for large files */
		close(fd);
		if (sha256_file_hex(path, e->hex) < 0)
			return -1;
		e->has_hex = 1;
		return 0;
	}
	size_t cap = size + 1, total = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		ssize_t n = read(fd, buf + total, cap - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total < cap && total >= size)
			break; /* a short read of a regular file at its size: its end */
		if (total == cap) { /* it grew since fstat */
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
	}
	close(fd);
	buf[total] = '\0';
	e->data = buf;
	e->len = total;
	filecache_kept += total;
	return 0;
}

int filecache_read(const char *path, const char **data, size_t *len)
{
	struct filecache_entry *e = filecache_find(path);
	if (!e || !e->data) {
		struct filecache_entry fresh;
		memset(&fresh, 0, sizeof(fresh));
		if (filecache_load(path, 1, &fresh) < 0)
			return -1;
		e = filecache_entry(path);
		e->data = fresh.data;
		e->len = fresh.len;
	}
	*data = e->data;
	if (len)
		*len = e->len;
	return 0;
}

int filecache_sha256(const char *path, char out[65])
{
	struct filecache_entry *e = filecache_find(path);
	if (!e || (!e->has_hex && !e->data)) {
		struct filecache_entry fresh;
		memset(&fresh, 0, sizeof(fresh));
		if (filecache_load(path, 0, &fresh) < 0)
			return -1;
		e = filecache_entry(path);
		e->data = fresh.data;
		e->len = fresh.len;
		e->has_hex = fresh.has_hex;
		memcpy(e->hex, fresh.hex, sizeof(e->hex));
	}
	if (!e->has_hex)
		filecache_set_hex(e);
	memcpy(out, e->hex, 65);
	return 0;
}

void filecache_clear(void)
{
	for (size_t i = 0; i < filecache_cap; i++) {
		free(filecache_tab[i].path);
		free(filecache_tab[i].data);
	}
	free(filecache_tab);
	filecache_tab = NULL;
	filecache_cap = filecache_count = filecache_kept = filecache_reads = 0;
}

size_t filecache_disk_reads(void)
{
	return filecache_reads;
}
