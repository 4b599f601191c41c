/* Unit tests of pgarchive: a pg_dump archive's table of contents read,
 * and written back with one more SEARCHPATH entry that reads back. */
#include <stdlib.h>
#include "unit.h"
#include "../../lib/util.h"
#include "../../steps/pgarchive.h"

static void put_int(struct buf *b, long long v)
{
	buf_addc(b, v < 0 ? 1 : 0);
	unsigned long long u = v < 0 ? (unsigned long long)-v : (unsigned long long)v;
	for (int i = 0; i < 4; i++)
		buf_addc(b, (char)((u >> (8 * i)) & 0xff));
}

static void put_str(struct buf *b, const char *s)
{
	if (!s) {
		put_int(b, -1);
		return;
	}
	put_int(b, (long long)strlen(s));
	buf_adds(b, s);
}

static void put_entry(struct buf *b, int id, int data, const char *tag, const char *desc, const char *ns, int custom)
{
	put_int(b, id);
	put_int(b, data);
	put_str(b, "1259");
	put_str(b, "16384");
	put_str(b, tag);
	put_str(b, desc);
	put_int(b, 2);
	put_str(b, "CREATE ...;");
	put_str(b, "DROP ...;");
	put_str(b, data ? "COPY x FROM stdin;" : "");
	put_str(b, ns);
	put_str(b, "");
	put_str(b, "heap");
	put_str(b, "owner");
	put_str(b, "false");
	put_str(b, "1");
	put_str(b, "2");
	put_str(b, NULL);
	if (custom) {
		buf_addc(b, data ? 1 : 3);
		for (int i = 0; i < 8; i++)
			buf_addc(b, 0);
	} else {
		put_str(b, data ? "3.dat.gz" : "");
	}
}

/* A version 1.14 archive (pg_dump 15): header, entries, then for custom a
 * data block of entry 3. */
static void archive(struct buf *b, int custom)
{
	buf_adds(b, "PGDMP");
	buf_addc(b, 1);
	buf_addc(b, 14);
	buf_addc(b, 0);
	buf_addc(b, 4);
	buf_addc(b, 8);
	buf_addc(b, custom ? 1 : 3); /* a toc.dat says "tar" */
	put_int(b, -1); /* compression */
	for (int i = 0; i < 7; i++)
		put_int(b, i);
	put_str(b, "app");
	put_str(b, "15.8");
	put_str(b, "15.8");
	put_int(b, 3);
	put_entry(b, 1, 0, "SEARCHPATH", "SEARCHPATH", NULL, custom);
	put_entry(b, 2, 0, "app", "SCHEMA", "", custom);
	put_entry(b, 3, 1, "t", "TABLE DATA", "app", custom);
	if (custom) {
		buf_addc(b, 1); /* a data block of entry 3 */
		put_int(b, 3);
		put_int(b, 0);
	}
}

int main(void)
{
	for (int custom = 1; custom >= 0; custom--) {
		struct buf b = BUF_INIT;
		struct err e = ERR_INIT;
		struct pgarchive a;
		archive(&b, custom);
		CHECK_INT(pgarchive_parse((unsigned char *)b.data, b.len, "x.dump", &a, &e), 0);
		CHECK_INT(a.format, custom ? PGARCHIVE_CUSTOM : PGARCHIVE_DIRECTORY);
		CHECK_INT((long long)a.n, 3);
		CHECK_INT(a.max_dump_id, 3);
		CHECK_STR(a.entries[1].desc, "SCHEMA");
		CHECK_STR(a.entries[1].tag, "app");
		CHECK_STR(a.entries[0].nspace, "");
		CHECK_STR(a.entries[2].nspace, "app");
		CHECK_INT(a.entries[2].has_data, 1);
		CHECK_INT((long long)a.raw_len, (long long)b.len - (custom ? 11 : 0));

		/* written back with one more entry: it reads back, and the data follows */
		size_t hl = 0;
		unsigned char *h = pgarchive_with_sql(&a, "SELECT 1;\nDO $$ BEGIN END $$;\n", &hl);
		struct buf again = BUF_INIT;
		buf_add(&again, h, hl);
		buf_add(&again, b.data + a.raw_len, b.len - a.raw_len);
		struct pgarchive a2;
		CHECK_INT(pgarchive_parse((unsigned char *)again.data, again.len, "y", &a2, &e), 0);
		CHECK_INT((long long)a2.n, 4);
		CHECK_STR(a2.entries[3].desc, "SEARCHPATH");
		CHECK_INT(a2.entries[3].dump_id, 4);
		CHECK_INT(a2.entries[3].has_data, 0);
		CHECK_INT((long long)a2.raw_len, (long long)hl);
		pgarchive_release(&a2);
		free(h);
		buf_release(&again);

		/* cut short: an error, never a guess */
		struct err e2 = ERR_INIT;
		CHECK(pgarchive_parse((unsigned char *)b.data, a.raw_len - 3, "cut.dump", &a2, &e2) < 0);
		CHECK(strstr(e2.msg, "cut.dump") != NULL);
		pgarchive_release(&a);
		buf_release(&b);
	}
	struct err e = ERR_INIT;
	struct pgarchive a;
	CHECK(pgarchive_parse((const unsigned char *)"-- SQL\n", 7, "plain.sql", &a, &e) < 0);
	CHECK(strstr(e.msg, "not a pg_dump archive") != NULL);
	/* a version it does not know */
	struct buf b = BUF_INIT;
	archive(&b, 1);
	b.data[6] = 20;
	CHECK(pgarchive_parse((unsigned char *)b.data, b.len, "new.dump", &a, &e) < 0);
	CHECK(strstr(e.msg, "version 1.20") != NULL);
	/* a custom archive whose entries do not end where data begins */
	buf_reset(&b);
	archive(&b, 1);
	b.data[b.len - 11] = 9; /* the block's type */
	CHECK(pgarchive_parse((unsigned char *)b.data, b.len, "odd.dump", &a, &e) < 0);
	buf_release(&b);
	return unit_done();
}
