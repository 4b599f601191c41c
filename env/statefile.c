/*
 * statefile: the records of SPEC section 4 for an environment without a
 * database (SPEC section 2), as files under STATE_DIR/ENV/:
 *
 *   runs/RUN_ID.json        one document per run: the runs row (id, env,
 *                           release, command, status, actor, host, times,
 *                           error, git_commit, promoted_from, pid) and its
 *                           run_steps rows in "steps", rewritten whole on
 *                           every change: temp file, fsync, rename, fsync
 *                           of the folder, so a reader (or a crash) sees the
 *                           old document or the new one, never half of one
 *   artifacts/index.jsonl   one JSON line per artifact (kind, name, release,
 *                           run_id, sha256, blob, len, created_at), appended
 *                           and fsynced; the newest line of a kind/name wins
 *   artifacts/blobs/SHA256  the content, named by its own sha256 (written
 *                           atomically before its index line; checked when
 *                           read back)
 *   lock                    flock(LOCK_EX) by the run that holds the
 *                           environment, for its life; holds the holder's
 *                           run id, command, actor, host and start time
 *
 * Folders are mode 0700, files 0600: the records hold what rollback needs
 * (function bundles), which is nobody else's business.  Every string
 * written is redacted first.  Whoever holds the lock is the only writer;
 * readers (status, history, plan) need no lock.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "statefile.h"
#include "run.h"
#include "../env/config.h"
#include "../lib/redact.h"
#include "../lib/util.h"

static int sys_fail(struct err *e, const char *what, const char *path)
{
	return err_set(e, SC_EFAIL, "%s '%s': %s", what, path, strerror(errno));
}

/* mkdir -p with mode 0700 for what it creates */
static int mkdir_p(const char *path, struct err *e)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST) {
			rc = sys_fail(e, "cannot create the state folder", p);
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (rc == 0) {
		struct stat sb;
		if (stat(p, &sb) < 0)
			rc = sys_fail(e, "cannot create the state folder", p);
		else if (!S_ISDIR(sb.st_mode))
			rc = err_set(e, SC_EFAIL, "state folder '%s' is not a folder", p);
	}
	free(p);
	return rc < 0 ? -SC_EFAIL : 0;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* dir/name replaced by data: temp file, fsync, rename, fsync of dir */
static int write_atomic(const char *dir, const char *name, const void *data, size_t len, struct err *e)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *tmp = xasprintf("%s/.%s.tmp-%d", dir, name, (int)getpid());
	int rc = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = sys_fail(e, "cannot write state file", tmp);
		goto out;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		rc = sys_fail(e, "cannot write state file", tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		rc = sys_fail(e, "cannot write state file", path);
		unlink(tmp);
		goto out;
	}
	fsync_dir(dir);
out:
	free(path);
	free(tmp);
	return rc < 0 ? -SC_EFAIL : 0;
}

/* every string of v (values, not keys) redacted, in place */
static void redact_json(json_t *v)
{
	if (json_is_string(v)) {
		char *r = redact(json_string_value(v));
		if (strcmp(r, json_string_value(v)) != 0)
			json_string_set(v, r);
		free(r);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x)
			redact_json(x);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x)
			redact_json(x);
	}
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *jget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static char *jdup(const json_t *o, const char *key)
{
	return xstrdup(jget(o, key));
}

static long long jint(const json_t *o, const char *key, long long dflt)
{
	json_t *v = json_object_get(o, key);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

/* a run id from the records or the command line names a file: no paths */
static int run_id_ok(const char *id)
{
	return id && id[0] && id[0] != '.' && !strchr(id, '/') && strlen(id) < 200;
}

int statefile_open(const char *state_dir, const char *env, struct state **out, struct err *e)
{
	char *dir = xasprintf("%s/%s", state_dir, env);
	const char *subs[] = { "runs", "artifacts", "artifacts/blobs" };
	int rc = mkdir_p(dir, e);
	/* the environment's folder is ours: whatever umask made it, 0700 */
	if (rc == 0)
		chmod(dir, 0700);
	for (size_t i = 0; rc == 0 && i < sizeof(subs) / sizeof(subs[0]); i++) {
		char *p = xasprintf("%s/%s", dir, subs[i]);
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			rc = sys_fail(e, "cannot create the state folder", p);
		free(p);
	}
	if (rc < 0) {
		free(dir);
		return err_prefix(e, "environment '%s'", env);
	}
	struct state *st = xcalloc(1, sizeof(*st));
	st->dir = dir;
	st->env = xstrdup(env);
	st->lock_fd = -1;
	*out = st;
	return 0;
}

/* ---- run documents ---- */

static char *run_file(const char *run_id)
{
	return xasprintf("%s.json", run_id);
}

/* 1 loaded, 0 no such run, <0 error */
static int run_load(struct state *st, const char *run_id, json_t **doc, struct err *e)
{
	*doc = NULL;
	if (!run_id_ok(run_id))
		return 0;
	char *path = xasprintf("%s/runs/%s.json", st->dir, run_id);
	char *text = NULL;
	size_t len = 0;
	if (file_read_all(path, &text, &len) < 0) {
		int rc = errno == ENOENT ? 0 : sys_fail(e, "cannot read state file", path);
		free(path);
		return rc;
	}
	json_error_t je;
	*doc = json_loadb(text, len, 0, &je);
	free(text);
	if (!*doc || !json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		err_set(e, SC_EFAIL, "state file '%s': line %d: %s", path, je.line, je.text);
		free(path);
		return -SC_EFAIL;
	}
	free(path);
	return 1;
}

static void cache_forget(struct state *st, const char *run_id);

static int run_save(struct state *st, json_t *doc, struct err *e)
{
	cache_forget(st, jget(doc, "id"));
	redact_json(doc);
	char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	char *dir = xasprintf("%s/runs", st->dir);
	char *name = run_file(jget(doc, "id"));
	size_t len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	int rc = write_atomic(dir, name, text, len, e);
	free(text);
	free(dir);
	free(name);
	return rc;
}

static void fmt_time(long long ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* the newest step: started latest, then highest position (as the SQL) */
static json_t *last_step(json_t *doc)
{
	json_t *steps = json_object_get(doc, "steps"), *best = NULL, *s;
	size_t i;
	json_array_foreach(steps, i, s) {
		if (!best || jint(s, "started_ms", 0) > jint(best, "started_ms", 0) ||
		    (jint(s, "started_ms", 0) == jint(best, "started_ms", 0) &&
		     jint(s, "position", 0) > jint(best, "position", 0)))
			best = s;
	}
	return best;
}

static void fill_run(json_t *doc, struct state_run *sr)
{
	char t[32];
	memset(sr, 0, sizeof(*sr));
	sr->id = jdup(doc, "id");
	sr->env = jdup(doc, "env");
	sr->release = jdup(doc, "release");
	sr->command = jdup(doc, "command");
	sr->status = jdup(doc, "status");
	sr->actor = jdup(doc, "actor");
	sr->host = jdup(doc, "host");
	sr->error = jdup(doc, "error");
	sr->git_commit = jdup(doc, "git_commit");
	sr->promoted_from = jdup(doc, "promoted_from");
	sr->content_hash = jdup(doc, "content_hash");
	json_t *dirty = json_object_get(doc, "git_dirty");
	sr->git_dirty = json_is_boolean(dirty) ? json_is_true(dirty) : -1;
	json_t *steps = json_object_get(doc, "steps"), *s;
	size_t i;
	json_array_foreach(steps, i, s) {
		json_t *d = json_object_get(s, "detail");
		const char *kind = jget(s, "kind");
		if (!kind || strcmp(kind, "approval") != 0 || !jget(d, "approved_by"))
			continue;
		if (!sr->approvals)
			sr->approvals = json_array();
		json_array_append_new(sr->approvals,
				      json_pack("{s:s?, s:s?, s:s?, s:s?}", "step", jget(s, "name"), "by",
						jget(d, "approved_by"), "at", jget(d, "approved_at"), "how", jget(d, "how")));
	}
	long long started = jint(doc, "started_ms", 0), finished = jint(doc, "finished_ms", -1);
	fmt_time(started, t);
	sr->started_at = xstrdup(t);
	if (finished >= 0) {
		fmt_time(finished, t);
		sr->finished_at = xstrdup(t);
	}
	sr->duration_ms = finished >= 0 ? finished - started : -1;
	json_t *ls = last_step(doc);
	if (ls) {
		sr->last_step = jdup(ls, "name");
		sr->last_step_status = jdup(ls, "status");
	}
}

static int newest_first(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	long long tx = jint(x, "started_ms", 0), ty = jint(y, "started_ms", 0);
	if (tx != ty)
		return tx > ty ? -1 : 1;
	const char *ix = jget(x, "id"), *iy = jget(y, "id");
	return -strcmp(ix ? ix : "", iy ? iy : "");
}

/*
 * The run documents read so far, by file name, each with the identity of the
 * file it came from (inode, size, mtime): `status` asks for the runs three
 * times, and a document is parsed again only when its file was replaced (a
 * write is a rename: a new inode).  Sorted by name.
 */
struct statefile_cache {
	struct cached_run {
		char *name;
		ino_t ino;
		off_t size;
		struct timespec mtim;
		json_t *doc;
	} *v;
	size_t n;
};

static void cache_clear(struct statefile_cache *c)
{
	for (size_t i = 0; c && i < c->n; i++) {
		free(c->v[i].name);
		json_decref(c->v[i].doc);
	}
	if (c) {
		free(c->v);
		c->v = NULL;
		c->n = 0;
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct cached_run *)a)->name, ((const struct cached_run *)b)->name);
}

/* our own write: never trust the file's identity (an inode is reused, a
 * timestamp is coarse) */
static void cache_forget(struct state *st, const char *run_id)
{
	if (!st->cache || !st->cache->n || !run_id)
		return;
	struct cached_run key = { .name = run_file(run_id) };
	struct cached_run *hit = bsearch(&key, st->cache->v, st->cache->n, sizeof(*st->cache->v), by_name);
	if (hit) {
		json_decref(hit->doc);
		hit->doc = NULL;
	}
	free(key.name);
}

/* every run document, newest first; caller json_decref's each and frees */
static int runs_load_all(struct state *st, json_t ***docs, size_t *n, struct err *e)
{
	char *dir = xasprintf("%s/runs", st->dir);
	DIR *d = opendir(dir);
	*docs = NULL;
	*n = 0;
	if (!d) {
		int rc = errno == ENOENT ? 0 : sys_fail(e, "cannot read the state folder", dir);
		free(dir);
		return rc;
	}
	if (!st->cache)
		st->cache = xcalloc(1, sizeof(*st->cache));
	struct statefile_cache *old = st->cache, fresh = { NULL, 0 };
	size_t cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !ends_with(de->d_name, ".json"))
			continue;
		struct stat sb;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode))
			continue;  /* renamed away meanwhile */
		if (fresh.n == cap) {
			cap = cap ? cap * 2 : 64;
			fresh.v = xrealloc(fresh.v, cap * sizeof(*fresh.v));
		}
		struct cached_run *c = &fresh.v[fresh.n++];
		c->name = xstrdup(de->d_name);
		c->ino = sb.st_ino;
		c->size = sb.st_size;
		c->mtim = sb.st_mtim;
		c->doc = NULL;
	}
	closedir(d);
	free(dir);
	if (fresh.n)
		qsort(fresh.v, fresh.n, sizeof(*fresh.v), by_name);
	for (size_t i = 0; i < fresh.n; i++) {
		struct cached_run *c = &fresh.v[i];
		struct cached_run *hit = old->n ? bsearch(c, old->v, old->n, sizeof(*old->v), by_name) : NULL;
		if (hit && hit->doc && hit->ino == c->ino && hit->size == c->size &&
		    hit->mtim.tv_sec == c->mtim.tv_sec && hit->mtim.tv_nsec == c->mtim.tv_nsec) {
			c->doc = json_incref(hit->doc);
			continue;
		}
		char *id = xstrndup(c->name, strlen(c->name) - 5);
		int got = run_load(st, id, &c->doc, e);
		free(id);
		if (got < 0) {
			rc = got;
			break;
		}
	}
	cache_clear(old);
	if (rc < 0) {
		cache_clear(&fresh);
		return rc;
	}
	*old = fresh;
	*docs = xcalloc(fresh.n ? fresh.n : 1, sizeof(**docs));
	for (size_t i = 0; i < fresh.n; i++)
		if (fresh.v[i].doc)
			(*docs)[(*n)++] = json_incref(fresh.v[i].doc);
	if (*n)
		qsort(*docs, *n, sizeof(**docs), newest_first);
	return 0;
}

static void docs_free(json_t **docs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		json_decref(docs[i]);
	free(docs);
}

static int lock_write(struct state *st, struct err *e);

int statefile_run_begin(struct state *st, struct run *r, struct err *e)
{
	json_t *doc;
	int rc = run_load(st, r->run_id, &doc, e);
	if (rc < 0)
		return rc;
	free(st->run_id);
	st->run_id = xstrdup(r->run_id);
	if (r->resuming) {
		/* deploy --resume: this process takes the interrupted run over */
		if (rc == 0)
			return err_set(e, SC_EFAIL, "run '%s' is not in the records of environment '%s'", r->run_id,
				       st->env);
		json_object_set_new(doc, "status", json_string("running"));
		json_object_set_new(doc, "finished_at", json_null());
		json_object_set_new(doc, "finished_ms", json_null());
		json_object_set_new(doc, "error", json_null());
		json_object_set_new(doc, "pid", json_integer(getpid()));
	} else {
		if (rc == 1) {
			json_decref(doc);
			return err_set(e, SC_EFAIL, "run '%s' is already in the records of environment '%s'",
				       r->run_id, st->env);
		}
		long long now = time_wall_ms();
		char t[32];
		time_iso8601(now, t);
		doc = json_object();
		json_object_set_new(doc, "id", json_string(r->run_id));
		json_object_set_new(doc, "env", json_string(r->env->name));
		json_object_set_new(doc, "release", jstr(r->release));
		json_object_set_new(doc, "command", json_string(r->command));
		json_object_set_new(doc, "status", json_string("running"));
		json_object_set_new(doc, "actor", jstr(r->actor));
		json_object_set_new(doc, "host", jstr(r->hostname));
		json_object_set_new(doc, "started_at", json_string(t));
		json_object_set_new(doc, "started_ms", json_integer(now));
		json_object_set_new(doc, "finished_at", json_null());
		json_object_set_new(doc, "finished_ms", json_null());
		json_object_set_new(doc, "error", json_null());
		json_object_set_new(doc, "git_commit", jstr(r->git_commit));
		json_object_set_new(doc, "promoted_from", jstr(r->promoted_from));
		json_object_set_new(doc, "content_hash", jstr(r->content_hash));
		json_object_set_new(doc, "git_dirty", r->git_dirty < 0 ? json_null() : json_boolean(r->git_dirty));
		json_object_set_new(doc, "pid", json_integer(getpid()));
		json_object_set_new(doc, "steps", json_array());
	}
	rc = run_save(st, doc, e);
	json_decref(doc);
	/* the lock file names the run this process now writes */
	if (rc == 0 && st->lock_fd >= 0)
		rc = lock_write(st, e);
	return rc;
}

static int run_update(struct state *st, const char *run_id, const char *status, const char *error, int finish,
		      struct err *e)
{
	json_t *doc;
	int rc = run_load(st, run_id, &doc, e);
	if (rc <= 0)
		return rc;  /* as an UPDATE of no row: nothing to do */
	json_object_set_new(doc, "status", json_string(status));
	if (finish) {
		long long now = time_wall_ms();
		char t[32];
		time_iso8601(now, t);
		json_object_set_new(doc, "error", jstr(error));
		json_object_set_new(doc, "finished_at", json_string(t));
		json_object_set_new(doc, "finished_ms", json_integer(now));
	}
	rc = run_save(st, doc, e);
	json_decref(doc);
	return rc;
}

int statefile_run_finish(struct state *st, struct run *r, const char *status, const char *error, struct err *e)
{
	return run_update(st, r->run_id, status, error, 1, e);
}

int statefile_run_set_status(struct state *st, const char *run_id, const char *status, struct err *e)
{
	return run_update(st, run_id, status, NULL, 0, e);
}

int statefile_step_write(struct state *st, struct run *r, size_t index, struct err *e)
{
	struct step_exec *x = &r->execs[index];
	json_t *doc;
	int rc = run_load(st, r->run_id, &doc, e);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(e, SC_EFAIL, "recording step '%s': run '%s' is not in the records", x->step->name,
			       r->run_id);
	int pos = x->position ? x->position : x->step->position;
	json_t *steps = json_object_get(doc, "steps");
	if (!json_is_array(steps)) {
		steps = json_array();
		json_object_set_new(doc, "steps", steps);
	}
	json_t *row = NULL, *s;
	size_t i, at = json_array_size(steps);
	json_array_foreach(steps, i, s) {
		long long p = jint(s, "position", 0);
		if (p == pos) {
			row = s;
			break;
		}
		if (p > pos && at == json_array_size(steps))
			at = i;
	}
	if (!row) {
		/* a new row: started_at is written once, as the SQL's ON CONFLICT keeps it */
		long long started = x->started_ms ? x->started_ms : time_wall_ms();
		char t[32];
		time_iso8601(started, t);
		row = json_object();
		json_object_set_new(row, "position", json_integer(pos));
		json_object_set_new(row, "name", json_string(x->step->name));
		json_object_set_new(row, "kind", json_string(x->step->kind));
		json_object_set_new(row, "started_at", json_string(t));
		json_object_set_new(row, "started_ms", json_integer(started));
		json_array_insert_new(steps, at, row);
	}
	int finished = x->status != STEP_RUNNING && x->status != STEP_PENDING;
	json_object_set_new(row, "status", json_string(step_status_name(x->status)));
	if (finished) {
		char t[32];
		time_iso8601(time_wall_ms(), t);
		json_object_set_new(row, "finished_at", json_string(t));
	} else {
		json_object_set_new(row, "finished_at", json_null());
	}
	json_object_set_new(row, "detail", x->detail ? json_deep_copy(x->detail) : json_object());
	json_object_set_new(row, "error", jstr(x->error));
	rc = run_save(st, doc, e);
	json_decref(doc);
	return rc;
}

/* ---- runs read back ---- */

int statefile_runs_list(struct state *st, int limit, struct state_run **out, size_t *n, struct err *e)
{
	json_t **docs;
	size_t nd;
	int rc = runs_load_all(st, &docs, &nd, e);
	if (rc < 0)
		return rc;
	size_t lim = (size_t)(limit > 0 ? limit : 20);
	*n = nd < lim ? nd : lim;
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		fill_run(docs[i], &(*out)[i]);
	docs_free(docs, nd);
	return 0;
}

/* the newest run for which want(doc) holds: 1 found, 0 none */
static int one_run(struct state *st, int (*want)(json_t *, const char *), const char *arg, struct state_run *out,
		   struct err *e)
{
	json_t **docs;
	size_t nd;
	memset(out, 0, sizeof(*out));
	int rc = runs_load_all(st, &docs, &nd, e);
	if (rc < 0)
		return rc;
	int found = 0;
	for (size_t i = 0; i < nd && !found; i++)
		if (want(docs[i], arg)) {
			fill_run(docs[i], out);
			found = 1;
		}
	docs_free(docs, nd);
	return found;
}

static int want_interrupted(json_t *doc, const char *holder_run)
{
	const char *status = jget(doc, "status"), *id = jget(doc, "id");
	return status && strcmp(status, "running") == 0 && (!holder_run || !id || strcmp(id, holder_run) != 0);
}

static int want_success(json_t *doc, const char *arg)
{
	const char *status = jget(doc, "status"), *cmd = jget(doc, "command");
	(void)arg;
	return status && cmd && strcmp(status, "succeeded") == 0 &&
	       (strcmp(cmd, "deploy") == 0 || strcmp(cmd, "promote") == 0);
}

int statefile_interrupted_run(struct state *st, struct state_run *out, struct err *e)
{
	/* 'running' while no live process holds the lock for that run: killed */
	char *holder_run = NULL;
	if (st->lock_fd >= 0) {
		holder_run = xstrdup(st->run_id);
	} else {
		json_t *h = NULL;
		int held = statefile_lock_probe(st, &h, e);
		if (held < 0)
			return held;
		if (held)
			/* held but unreadable (just taken): its run has no record yet */
			holder_run = xstrdup(h && jget(h, "run_id") ? jget(h, "run_id") : "");
		json_decref(h);
	}
	int rc = one_run(st, want_interrupted, holder_run, out, e);
	free(holder_run);
	return rc;
}

static int want_paused(json_t *doc, const char *arg)
{
	const char *status = jget(doc, "status");
	(void)arg;
	return status && strcmp(status, "paused") == 0;
}

int statefile_paused_run(struct state *st, struct state_run *out, struct err *e)
{
	return one_run(st, want_paused, NULL, out, e);
}

int statefile_step_set_detail(struct state *st, const char *run_id, int position, json_t *detail, struct err *e)
{
	json_t *doc;
	int rc = run_load(st, run_id, &doc, e);
	if (rc <= 0)
		return rc;  /* as an UPDATE of no row */
	json_t *steps = json_object_get(doc, "steps"), *s;
	size_t i;
	json_array_foreach(steps, i, s) {
		if (jint(s, "position", 0) == position)
			json_object_set_new(s, "detail", json_deep_copy(detail)); /* run_save redacts */
	}
	rc = run_save(st, doc, e);
	json_decref(doc);
	return rc;
}

int statefile_last_success(struct state *st, struct state_run *out, struct err *e)
{
	return one_run(st, want_success, NULL, out, e);
}

int statefile_run_find(struct state *st, const char *run_id, struct state_run *out, struct err *e)
{
	json_t *doc;
	memset(out, 0, sizeof(*out));
	int rc = run_load(st, run_id, &doc, e);
	if (rc <= 0)
		return rc;
	const char *env = jget(doc, "env");
	int found = env && strcmp(env, st->env) == 0;
	if (found)
		fill_run(doc, out);
	json_decref(doc);
	return found;
}

int statefile_run_steps(struct state *st, const char *run_id, struct state_step **out, size_t *n, struct err *e)
{
	json_t *doc;
	int rc = run_load(st, run_id, &doc, e);
	*out = NULL;
	*n = 0;
	if (rc < 0)
		return rc;
	json_t *steps = rc ? json_object_get(doc, "steps") : NULL;
	*n = json_array_size(steps);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		json_t *s = json_array_get(steps, i);
		struct state_step *ss = &(*out)[i];
		ss->position = (int)jint(s, "position", 0);
		ss->name = jdup(s, "name");
		ss->kind = jdup(s, "kind");
		ss->status = jdup(s, "status");
		json_t *d = json_object_get(s, "detail");
		ss->detail = json_is_object(d) ? json_deep_copy(d) : json_object();
	}
	json_decref(doc);
	return 0;
}

/* ---- artifacts ---- */

int statefile_artifact_put(struct state *st, const char *release, const char *run_id, const char *kind,
			   const char *name, const char *sha256, const void *content, size_t len, struct err *e)
{
	char blob[65] = "";
	int rc;
	if (content) {
		sha256_hex(content, len, blob);
		char *dir = xasprintf("%s/artifacts/blobs", st->dir);
		char *path = xasprintf("%s/%s", dir, blob);
		struct stat sb;
		/* content-addressed: the same bundle twice is stored once */
		rc = stat(path, &sb) == 0 && (size_t)sb.st_size == len ? 0 : write_atomic(dir, blob, content, len, e);
		free(path);
		free(dir);
		if (rc < 0)
			return err_prefix(e, "storing artifact %s '%s'", kind, name);
	}
	char t[32];
	time_iso8601(time_wall_ms(), t);
	json_t *row = json_object();
	json_object_set_new(row, "kind", json_string(kind));
	json_object_set_new(row, "name", json_string(name));
	json_object_set_new(row, "release", jstr(release));
	json_object_set_new(row, "run_id", jstr(run_id));
	json_object_set_new(row, "sha256", jstr(sha256));
	json_object_set_new(row, "blob", content ? json_string(blob) : json_null());
	json_object_set_new(row, "len", json_integer((json_int_t)len));
	json_object_set_new(row, "created_at", json_string(t));
	redact_json(row);
	char *line = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(row);
	struct buf b = BUF_INIT;
	char *path = xasprintf("%s/artifacts/index.jsonl", st->dir);
	int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	rc = 0;
	if (fd < 0) {
		rc = sys_fail(e, "cannot write state file", path);
		goto out;
	}
	/* a line torn by a crash must not swallow this one */
	struct stat sb;
	char last = '\n';
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 && pread(fd, &last, 1, sb.st_size - 1) != 1)
		last = '\n';
	if (last != '\n')
		buf_addc(&b, '\n');
	buf_adds(&b, line);
	buf_addc(&b, '\n');
	if (write_all(fd, b.data, b.len) < 0 || fsync(fd) < 0)
		rc = sys_fail(e, "cannot write state file", path);
	close(fd);
	if (rc == 0 && sb.st_size == 0) {
		char *dir = xasprintf("%s/artifacts", st->dir);
		fsync_dir(dir);
		free(dir);
	}
out:
	buf_release(&b);
	free(line);
	free(path);
	return rc < 0 ? err_prefix(e, "storing artifact %s '%s'", kind, name) : 0;
}

int statefile_artifact_latest(struct state *st, const char *kind, const char *name, char **sha256,
			      unsigned char **content, size_t *len, struct err *e)
{
	char *path = xasprintf("%s/artifacts/index.jsonl", st->dir);
	char *text = NULL;
	size_t tlen = 0;
	if (file_read_all(path, &text, &tlen) < 0) {
		int rc = errno == ENOENT ? 0 : sys_fail(e, "cannot read state file", path);
		free(path);
		return rc < 0 ? err_prefix(e, "reading artifact %s '%s'", kind, name) : 0;
	}
	json_t *best = NULL;
	for (char *line = text, *nl; line < text + tlen; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(text + tlen - line));
		if (!nl)
			break;  /* a line torn by a crash: never fsynced, never used */
		json_t *row = json_loadb(line, (size_t)(nl - line), 0, NULL);
		const char *k = jget(row, "kind"), *nm = jget(row, "name");
		if (k && nm && strcmp(k, kind) == 0 && strcmp(nm, name) == 0) {
			json_decref(best);
			best = row;
		} else {
			json_decref(row);
		}
	}
	free(text);
	if (!best) {
		free(path);
		return 0;
	}
	int rc = 1;
	if (sha256)
		*sha256 = jdup(best, "sha256");
	if (content) {
		*content = NULL;
		if (len)
			*len = 0;
		const char *blob = jget(best, "blob");
		if (blob) {
			char *bpath = xasprintf("%s/artifacts/blobs/%s", st->dir, blob);
			char *data = NULL;
			size_t n = 0;
			char got[65];
			if (strchr(blob, '/') || file_read_all(bpath, &data, &n) < 0) {
				rc = sys_fail(e, "cannot read artifact content", bpath);
			} else if (sha256_hex(data, n, got), strcmp(got, blob) != 0) {
				rc = err_set(e, SC_EFAIL, "artifact content '%s' is damaged (its sha256 is %s)", bpath, got);
				free(data);
			} else {
				*content = (unsigned char *)data;
				if (len)
					*len = n;
			}
			free(bpath);
		}
		if (rc < 0 && sha256) {
			free(*sha256);
			*sha256 = NULL;
		}
	}
	json_decref(best);
	free(path);
	return rc < 0 ? err_prefix(e, "reading artifact %s '%s'", kind, name) : rc;
}

/* ---- the lock file ---- */

static char *lock_path(struct state *st)
{
	return xasprintf("%s/lock", st->dir);
}

/* the holder's description, written over the lock file (st->lock_fd) */
static int lock_write(struct state *st, struct err *e)
{
	char t[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S UTC", &tm);
	json_t *h = json_object();
	json_object_set_new(h, "run_id", jstr(st->run_id));
	json_object_set_new(h, "command", jstr(st->holder_command));
	json_object_set_new(h, "actor", jstr(st->holder_actor));
	json_object_set_new(h, "host", jstr(st->holder_host));
	json_object_set_new(h, "started_at", json_string(t));
	json_object_set_new(h, "pid", json_integer(getpid()));
	redact_json(h);
	char *text = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(h);
	size_t len = strlen(text);
	text = xrealloc(text, len + 2);
	text[len++] = '\n';
	/* write over, then cut: a reader never sees an empty file (it reads
	 * one JSON value and ignores what follows) */
	int rc = 0;
	if (pwrite(st->lock_fd, text, len, 0) != (ssize_t)len || ftruncate(st->lock_fd, (off_t)len) < 0 ||
	    fsync(st->lock_fd) < 0) {
		char *p = lock_path(st);
		rc = sys_fail(e, "cannot write the lock file", p);
		free(p);
	}
	free(text);
	return rc < 0 ? -SC_EFAIL : 0;
}

int statefile_lock_take(struct state *st, const char *run_id, struct err *e)
{
	if (st->lock_fd >= 0)
		return 1;
	char *path = lock_path(st);
	/* O_CLOEXEC: a child (a shell step's command) must not keep the lock
	 * of a killed run */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int rc = sys_fail(e, "cannot open the lock file", path);
		free(path);
		return rc;
	}
	free(path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int busy = errno == EWOULDBLOCK || errno == EINTR;
		int saved = errno;
		close(fd);
		if (busy)
			return 0;
		errno = saved;
		char *p = lock_path(st);
		int rc = sys_fail(e, "cannot lock", p);
		free(p);
		return rc;
	}
	st->lock_fd = fd;
	st->locked = 1;
	free(st->run_id);
	st->run_id = xstrdup(run_id);
	if (lock_write(st, e) < 0) {
		statefile_lock_release(st);
		return -SC_EFAIL;
	}
	return 1;
}

int statefile_lock_probe(struct state *st, json_t **holder, struct err *e)
{
	*holder = NULL;
	if (st->lock_fd >= 0)
		return 0;
	char *path = lock_path(st);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		int rc = errno == ENOENT ? 0 : sys_fail(e, "cannot open the lock file", path);
		free(path);
		return rc;
	}
	/* a shared lock for an instant: granted unless a run holds it (a run
	 * trying to take it meanwhile retries for a moment, see lock.c) */
	int held = 0;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			int rc = sys_fail(e, "cannot probe the lock file", path);
			close(fd);
			free(path);
			return rc;
		}
		held = 1;
		char buf[4096];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		if (n > 0) {
			json_t *h = json_loadb(buf, (size_t)n, JSON_DISABLE_EOF_CHECK, NULL);
			if (json_is_object(h))
				*holder = h;
			else
				json_decref(h);
		}
	}
	close(fd);
	free(path);
	return held;
}

void statefile_close(struct state *st)
{
	statefile_lock_release(st);
	cache_clear(st->cache);
	free(st->cache);
	st->cache = NULL;
}

void statefile_lock_release(struct state *st)
{
	if (st->lock_fd < 0)
		return;
	if (ftruncate(st->lock_fd, 0) == 0)
		fsync(st->lock_fd);
	close(st->lock_fd);
	st->lock_fd = -1;
	st->locked = 0;
}

int statefile_run_child_add(struct state *st, const char *run_id, json_t *child, struct err *e)
{
	json_t *doc;
	int rc = run_load(st, run_id, &doc, e);
	if (rc <= 0)
		return rc; /* no run document yet (preflight): no run to recover either */
	json_t *kids = json_object_get(doc, "children");
	if (!json_is_array(kids)) {
		kids = json_array();
		json_object_set_new(doc, "children", kids);
	}
	json_array_append(kids, child);
	rc = run_save(st, doc, e);
	json_decref(doc);
	return rc;
}

int statefile_run_children(struct state *st, const char *run_id, json_t **out, struct err *e)
{
	json_t *doc;
	int rc = run_load(st, run_id, &doc, e);
	if (rc < 0)
		return rc;
	json_t *kids = rc == 1 ? json_object_get(doc, "children") : NULL;
	*out = json_is_array(kids) ? json_incref(kids) : json_array();
	if (rc == 1)
		json_decref(doc);
	return 0;
}
