/*
 * pgarchive: a pg_dump archive's header and table of contents, read and
 * written back with one more SEARCHPATH entry (see pgarchive.h).
 *
 * The layout is pg_dump's (pg_backup_archiver.c: ReadHead, ReadToc, and
 * the formats' ReadExtraToc): integers are a sign byte then int_size
 * bytes, least significant first; strings an integer length (-1: NULL)
 * then the bytes; a custom archive's entry ends with a data offset (a flag
 * byte then off_size bytes), a directory archive's with its data file's
 * name.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pgarchive.h"
#include "../lib/util.h"

/* pg_dump's constants */
#define PGA_SECTION_PRE_DATA 2
#define PGA_OFFSET_NO_DATA 3
#define PGA_BLK_DATA 1
#define PGA_BLK_BLOBS 3

struct pga_cur {
	const unsigned char *p;
	size_t len, pos;
	int short_read; /* ran past the end of what was read */
	int int_size;
};

static int pga_byte(struct pga_cur *c)
{
	if (c->pos >= c->len) {
		c->short_read = 1;
		return 0;
	}
	return c->p[c->pos++];
}

static long long pga_int(struct pga_cur *c)
{
	int sign = pga_byte(c);
	unsigned long long v = 0;
	for (int b = 0; b < c->int_size; b++) {
		unsigned long long bv = (unsigned long long)pga_byte(c);
		if (b < 8)
			v |= bv << (8 * b);
	}
	return sign ? -(long long)v : (long long)v;
}

/* A string: *out the caller's (NULL for pg_dump's NULL), or skipped when
 * out is NULL.  -1 when its length is impossible. */
static int pga_str(struct pga_cur *c, char **out)
{
	long long l = pga_int(c);
	if (out)
		*out = NULL;
	if (c->short_read)
		return 0;
	if (l < -1 || l > (1LL << 30))
		return -1;
	if (l == -1)
		return 0;
	if (c->pos + (size_t)l > c->len) {
		c->short_read = 1;
		return 0;
	}
	if (out)
		*out = xstrndup((const char *)c->p + c->pos, (size_t)l);
	c->pos += (size_t)l;
	return 0;
}

void pgarchive_release(struct pgarchive *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->entries[i].desc);
		free(a->entries[i].tag);
		free(a->entries[i].nspace);
	}
	free(a->entries);
	free(a->raw);
	memset(a, 0, sizeof *a);
}

#define PGA_SHORT 1 /* pgarchive_parse: more bytes needed */

static int pga_parse(const unsigned char *data, size_t len, int at_eof, const char *what, struct pgarchive *a,
		     struct err *e)
{
	struct pga_cur c = { data, len, 0, 0, 4 };
	memset(a, 0, sizeof *a);
	if (len < 5 && !at_eof)
		return PGA_SHORT;
	if (len < 5 || memcmp(data, "PGDMP", 5) != 0)
		return err_set(e, SC_EUSAGE, "'%s' is not a pg_dump archive (custom or directory format)", what);
	c.pos = 5;
	a->vmaj = pga_byte(&c);
	a->vmin = pga_byte(&c);
	a->vrev = pga_byte(&c);
	a->int_size = pga_byte(&c);
	a->off_size = pga_byte(&c);
	a->format = pga_byte(&c);
	if (c.short_read)
		return at_eof ? err_set(e, SC_EUSAGE, "'%s': the archive ends inside its header", what) : PGA_SHORT;
	if (a->vmaj != 1 || a->vmin < 12 || a->vmin > 16)
		return err_set(e, SC_EUSAGE, "'%s': archive version %d.%d is not one this stagecoach reads (1.12 to 1.16, "
			       "pg_dump 9.0 to 17)", what, a->vmaj, a->vmin);
	if (a->int_size < 1 || a->int_size > 8 || a->off_size < 1 || a->off_size > 8)
		return err_set(e, SC_EUSAGE, "'%s': the archive's header is damaged (integer size %d)", what, a->int_size);
	/* a directory archive's toc.dat says "tar" (3): pg_dump writes that
	 * code there, the two formats' entries being alike */
	if (a->format == 3)
		a->format = PGARCHIVE_DIRECTORY;
	if (a->format != PGARCHIVE_CUSTOM && a->format != PGARCHIVE_DIRECTORY)
		return err_set(e, SC_EUSAGE, "'%s': archive format %d is neither custom nor directory", what, a->format);
	c.int_size = a->int_size;
	if (a->vmin >= 15)
		pga_byte(&c); /* compression algorithm */
	else
		pga_int(&c); /* compression level */
	for (int i = 0; i < 7; i++)
		pga_int(&c); /* creation time */
	int bad = pga_str(&c, NULL) < 0; /* database name */
	bad |= pga_str(&c, NULL) < 0;      /* server version */
	bad |= pga_str(&c, NULL) < 0;      /* pg_dump version */
	a->count_at = c.pos;
	long long count = pga_int(&c);
	if (!bad && !c.short_read && (count < 0 || count > 100000000))
		bad = 1;
	size_t cap = 0;
	for (long long i = 0; !bad && !c.short_read && i < count; i++) {
		struct pgarchive_entry en = { 0 };
		en.dump_id = (int)pga_int(&c);
		en.has_data = (int)pga_int(&c);
		bad |= pga_str(&c, NULL) < 0; /* tableoid */
		bad |= pga_str(&c, NULL) < 0; /* oid */
		bad |= pga_str(&c, &en.tag) < 0;
		bad |= pga_str(&c, &en.desc) < 0;
		pga_int(&c);                  /* section */
		bad |= pga_str(&c, NULL) < 0; /* defn */
		bad |= pga_str(&c, NULL) < 0; /* drop statement */
		bad |= pga_str(&c, NULL) < 0; /* copy statement */
		bad |= pga_str(&c, &en.nspace) < 0;
		bad |= pga_str(&c, NULL) < 0; /* tablespace */
		if (a->vmin >= 14)
			bad |= pga_str(&c, NULL) < 0; /* table access method */
		if (a->vmin >= 16)
			pga_int(&c); /* relkind */
		bad |= pga_str(&c, NULL) < 0; /* owner */
		bad |= pga_str(&c, NULL) < 0; /* "with oids" */
		for (;;) {
			/* dependencies (dump ids as strings), ended by a NULL string */
			long long l = pga_int(&c);
			if (l == -1 || c.short_read)
				break;
			if (l < 0 || l > 64) {
				bad = 1;
				break;
			}
			c.pos += (size_t)l;
			if (c.pos > c.len) {
				c.short_read = 1;
				break;
			}
		}
		if (a->format == PGARCHIVE_CUSTOM) {
			int flag = pga_byte(&c);
			for (int b = 0; b < a->off_size; b++)
				pga_byte(&c);
			if (!c.short_read && (flag < 1 || flag > 3))
				bad = 1;
		} else {
			bad |= pga_str(&c, NULL) < 0; /* data file name */
		}
		if (!en.desc || en.dump_id <= 0)
			bad |= !c.short_read;
		if (!en.nspace)
			en.nspace = xstrdup("");
		if (!en.tag)
			en.tag = xstrdup("");
		if (!en.desc)
			en.desc = xstrdup("");
		if (a->n == cap) {
			cap = cap ? cap * 2 : 64;
			a->entries = xrealloc(a->entries, cap * sizeof *a->entries);
		}
		a->entries[a->n++] = en;
		if (en.dump_id > a->max_dump_id)
			a->max_dump_id = en.dump_id;
	}
	if (bad) {
		int rc = err_set(e, SC_EUSAGE, "'%s': the archive's table of contents is damaged or not understood", what);
		pgarchive_release(a);
		return rc;
	}
	if (c.short_read) {
		pgarchive_release(a);
		return at_eof ? err_set(e, SC_EUSAGE, "'%s': the archive ends inside its table of contents", what)
			      : PGA_SHORT;
	}
	a->raw_len = c.pos;
	/* where the table of contents ends, a custom archive's first data
	 * block begins (or the file ends); a toc.dat ends there */
	if (a->format == PGARCHIVE_CUSTOM && c.pos < len) {
		int type = pga_byte(&c);
		int id = (int)pga_int(&c);
		if (c.short_read && !at_eof) {
			pgarchive_release(a);
			return PGA_SHORT;
		}
		int known = 0;
		for (size_t i = 0; i < a->n && !known; i++)
			known = a->entries[i].dump_id == id;
		if (c.short_read || (type != PGA_BLK_DATA && type != PGA_BLK_BLOBS) || !known) {
			pgarchive_release(a);
			return err_set(e, SC_EUSAGE, "'%s': no data block where the archive's table of contents ends "
				       "(a format this stagecoach does not understand?)", what);
		}
	} else if (a->format == PGARCHIVE_DIRECTORY && (c.pos < len || !at_eof)) {
		if (!at_eof) {
			pgarchive_release(a);
			return PGA_SHORT;
		}
		pgarchive_release(a);
		return err_set(e, SC_EUSAGE, "'%s': bytes after the archive's table of contents (a format this "
			       "stagecoach does not understand?)", what);
	}
	a->raw = xmalloc(a->raw_len ? a->raw_len : 1);
	memcpy(a->raw, data, a->raw_len);
	return 0;
}

int pgarchive_parse(const unsigned char *data, size_t len, const char *what, struct pgarchive *a, struct err *e)
{
	return pga_parse(data, len, 1, what, a, e);
}

int pgarchive_read(int fd, const char *what, struct pgarchive *a, struct err *e)
{
	size_t cap = 256 * 1024, len = 0;
	unsigned char *buf = xmalloc(cap);
	int at_eof = 0, rc;
	memset(a, 0, sizeof *a);
	for (;;) {
		while (len < cap && !at_eof) {
			ssize_t r = pread(fd, buf + len, cap - len, (off_t)len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				rc = err_set(e, SC_EUSAGE, "cannot read '%s': %s", what, strerror(errno));
				free(buf);
				return rc;
			}
			if (r == 0)
				at_eof = 1;
			len += (size_t)r;
		}
		rc = pga_parse(buf, len, at_eof, what, a, e);
		if (rc != PGA_SHORT)
			break;
		if (cap >= (size_t)1 << 31) {
			rc = err_set(e, SC_EUSAGE, "'%s': the archive's table of contents is larger than 2 GB", what);
			break;
		}
		cap *= 4;
		buf = xrealloc(buf, cap);
	}
	free(buf);
	return rc;
}

static void pga_put_int(struct buf *b, int size, long long v)
{
	buf_addc(b, v < 0 ? 1 : 0);
	unsigned long long u = v < 0 ? (unsigned long long)(-v) : (unsigned long long)v;
	for (int i = 0; i < size; i++)
		buf_addc(b, i < 8 ? (char)((u >> (8 * i)) & 0xff) : 0);
}

static void pga_put_str(struct buf *b, int size, const char *s)
{
	if (!s) {
		pga_put_int(b, size, -1);
		return;
	}
	size_t l = strlen(s);
	pga_put_int(b, size, (long long)l);
	buf_add(b, s, l);
}

unsigned char *pgarchive_with_sql(const struct pgarchive *a, const char *sql, size_t *len)
{
	struct buf b = BUF_INIT;
	int is = a->int_size;
	buf_add(&b, a->raw, a->count_at);
	pga_put_int(&b, is, (long long)a->n + 1);
	size_t after_count = a->count_at + 1 + (size_t)is;
	buf_add(&b, a->raw + after_count, a->raw_len - after_count);
	pga_put_int(&b, is, (long long)a->max_dump_id + 1);
	pga_put_int(&b, is, 0);              /* no data */
	pga_put_str(&b, is, "0");            /* tableoid */
	pga_put_str(&b, is, "0");            /* oid */
	pga_put_str(&b, is, "SEARCHPATH");   /* tag */
	pga_put_str(&b, is, "SEARCHPATH");   /* desc */
	pga_put_int(&b, is, PGA_SECTION_PRE_DATA);
	pga_put_str(&b, is, sql);            /* defn */
	pga_put_str(&b, is, "");             /* drop statement */
	pga_put_str(&b, is, "");             /* copy statement */
	pga_put_str(&b, is, "");             /* schema */
	pga_put_str(&b, is, "");             /* tablespace */
	if (a->vmin >= 14)
		pga_put_str(&b, is, "");     /* table access method */
	if (a->vmin >= 16)
		pga_put_int(&b, is, 0);      /* relkind */
	pga_put_str(&b, is, "");             /* owner */
	pga_put_str(&b, is, "false");        /* with oids */
	pga_put_str(&b, is, NULL);           /* no dependencies */
	if (a->format == PGARCHIVE_CUSTOM) {
		buf_addc(&b, PGA_OFFSET_NO_DATA);
		for (int i = 0; i < a->off_size; i++)
			buf_addc(&b, 0);
	} else {
		pga_put_str(&b, is, "");     /* no data file */
	}
	*len = b.len;
	return (unsigned char *)buf_detach(&b);
}
