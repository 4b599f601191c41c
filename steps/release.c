/*
 * release: ships the application itself to the environment's hosts,
 * Capistrano/Kamal style, over the SSH connections and rules of the ssh
 * step (steps/sshc.c: known_hosts, key or agent auth, timeouts, `parallel`
 * hosts at once, rolling batches of `batch` hosts).
 *
 * On each host, with PATH its `path` (which may use ${host.name}) and NAME
 * the run's release name:
 *
 *   PATH/releases/NAME/        the release: the artifact's file, the folder's
 *                              contents, or the .tar.gz unpacked with its modes
 *   PATH/releases/.NAME.upload the upload in progress (SFTP, resumed from its
 *                              size by the next try, verified before use)
 *   PATH/releases/.NAME.partial the release being unpacked; renamed to NAME
 *                              only once complete, so no half release exists
 *                              under a name `current` could point to
 *   PATH/current               symlink to releases/NAME, switched atomically
 *                              (symlink current.tmp renamed over current)
 *
 * apply, per batch, in one SSH session per host (`parallel` at once; the
 * connection, host key check and authentication are sshc's, which then
 * drives rel_work() from its poll loop): SFTP reads where `current` points
 * (the host's release before) and streams the artifact into .NAME.upload
 * from a sliding 256 KiB window per host (never the whole file in memory),
 * resuming a previous try's partial upload; then, on a channel of the same
 * session, one shell command checks the sha256 of what landed with
 * `openssl dgst` or `sha256sum` (a mismatch removes it and uploads again, whole, once),
 * unpacks it into .NAME.partial, renames it to NAME, runs `build_command`
 * there, switches `current`, runs `restart_command`, and prunes releases
 * beyond the newest `keep` (never NAME, never the release before); then the
 * `health` gate, once per host of the batch with that host's
 * ${host.name}/${host.address}.  A failure stops the rollout after that
 * batch.  Folders are packed locally with the `tar` program (deterministic
 * order, so a retried upload of the same folder resumes), never with a
 * library: the host unpacks with its own `tar`, which knows its file
 * system's modes and owners best.
 *
 * detail: per host its name, address, port, batch, path, `before` (the
 * release `current` pointed to, null when none), `after`, status
 * (not_run, uploading, uploaded, switching, switched, failed), the bytes
 * sent, and the restart_command; saved after each phase (run_checkpoint),
 * so a run killed half-way is rolled back from the records.
 *
 * rollback: on every host whose `current` may have moved (switching,
 * switched, or failed after the switch), `current` is switched back to
 * `before` and restart_command runs again; where there was no release
 * before, `current` is removed (and nothing is restarted).  Newest batch
 * first; every host is tried even when one fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <jansson.h>
#include <pwd.h>
#include "gate.h"
#include "release.h"
#include "step.h"
#include "sshc.h"
#include "../env/config.h"
#include "../env/run.h"
#include "../lib/proc.h"
#include "../lib/redact.h"
#include "../lib/settings.h"
#include "../lib/util.h"

#define REL_WINDOW (256 * 1024) /* bytes read ahead per host */
#define REL_MISMATCH 97         /* exit status of the install script: checksum mismatch */
#define REL_MISSING 96          /* exit status of the rollback check: the previous release is not there */
#define REL_MARKER ".stagecoach-release" /* in a release folder: "NAME SHA256", written once it is complete */
#define REL_PID_LINE "stagecoach-release-pid:" /* the install command's first line: its pid */

struct release_step {
	char *artifact;         /* raw, as written */
	char *path;             /* raw: PATH of PATH/releases, PATH/current */
	char *build_command;
	char *restart_command;
	char **hosts;
	char *batch;
	char *health;
	long long parallel;
	long long keep;
};

static const char *const release_keys[] = { "artifact", "path", "build_command", "restart_command", "hosts",
					    "parallel", "batch", "health", "keep", NULL };
static const struct cfg_keys release_step_keys[] = { { "release.", release_keys }, { NULL, NULL } };

/* stands for every host where a string is shown once for all */
static const struct host rel_any_host = { (char *)"${host.name}", (char *)"${host.address}", 0 };

static int release_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct release_step *rs = xcalloc(1, sizeof(*rs));
	int rc;
	st->priv = rs;
	st->host_vars = 1;
	rs->parallel = 10;
	rs->keep = 5;
	if ((rc = cfg_check_keys(s, release_keys, e)) < 0 || (rc = cfg_string(s, "artifact", 1, &rs->artifact, e)) < 0 ||
	    (rc = cfg_string(s, "path", 1, &rs->path, e)) < 0 ||
	    (rc = cfg_string(s, "build_command", 0, &rs->build_command, e)) < 0 ||
	    (rc = cfg_string(s, "restart_command", 0, &rs->restart_command, e)) < 0 ||
	    (rc = cfg_strings(s, "hosts", 0, &rs->hosts, e)) < 0 ||
	    (rc = cfg_int(s, "parallel", 0, &rs->parallel, e)) < 0 ||
	    (rc = cfg_int(s, "keep", 0, &rs->keep, e)) < 0 || (rc = cfg_string(s, "health", 0, &rs->health, e)) < 0)
		return rc;
	if (!rs->artifact[0])
		return cfg_error(s, e, "'artifact' is empty");
	if (!rs->path[0])
		return cfg_error(s, e, "'path' is empty");
	if (rs->parallel < 1 || rs->parallel > 1000)
		return cfg_error(s, e, "'parallel' must be between 1 and 1000, not %lld", rs->parallel);
	if (rs->keep < 2 || rs->keep > 1000)
		return cfg_error(s, e, "'keep' must be between 2 and 1000 (the release and the one before it), not %lld",
				 rs->keep);
	if (rs->hosts && !rs->hosts[0])
		return cfg_error(s, e, "'hosts' is empty");
	const config_setting_t *b = config_setting_get_member(s, "batch");
	if (b) {
		size_t n;
		if (config_setting_type(b) == CONFIG_TYPE_INT || config_setting_type(b) == CONFIG_TYPE_INT64)
			rs->batch = xasprintf("%lld", (long long)config_setting_get_int64(b));
		else if (config_setting_type(b) == CONFIG_TYPE_STRING)
			rs->batch = xstrdup(config_setting_get_string(b));
		else
			return cfg_error(b, e, "'batch' must be a number of hosts or a percentage such as \"25%%\"");
		if (sshc_batch_size(rs->batch, 1000000, &n) < 0)
			return cfg_error(b, e, "'batch' must be a positive number of hosts or a percentage from 1%% to "
					       "100%%, not '%s'",
					 rs->batch);
	}
	return 0;
}

const char *release_step_artifact(const struct step *st)
{
	if (!st || !st->ops || strcmp(st->ops->kind, "release") != 0 || !st->priv)
		return NULL;
	return ((const struct release_step *)st->priv)->artifact;
}

/* ------------------------------------------------------------ helpers */

/* 'value' for /bin/sh, as one word */
static void rel_sq(struct buf *b, const char *v)
{
	buf_addc(b, '\'');
	for (const char *p = v; *p; p++) {
		if (*p == '\'')
			buf_adds(b, "'\\''");
		else
			buf_addc(b, *p);
	}
	buf_addc(b, '\'');
}

/* a release name that is safe as one path component */
static int rel_name_ok(const char *n)
{
	if (!n || !n[0] || n[0] == '.' || strlen(n) > 200)
		return 0;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-' || *p == '+'))
			return 0;
	return 1;
}

static const char *rel_user(struct run *r)
{
	if (r->env->ssh.user && r->env->ssh.user[0])
		return r->env->ssh.user;
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		return pw->pw_name;
	const char *u = getenv("USER");
	return u ? u : "root";
}

static int rel_select_hosts(struct step *st, struct run *r, struct host ***out, size_t *n, struct err *e)
{
	struct release_step *rs = st->priv;
	struct env_config *env = r->env;
	if (!env->nhosts)
		return err_set(e, SC_EUSAGE, "environment '%s' has no 'hosts'", env->name);
	size_t k = rs->hosts ? strv_len(rs->hosts) : env->nhosts;
	struct host **v = xcalloc(k, sizeof(*v));
	for (size_t i = 0; i < k; i++) {
		if (!rs->hosts) {
			v[i] = &env->hosts[i];
			continue;
		}
		for (size_t j = 0; j < env->nhosts && !v[i]; j++)
			if (strcmp(env->hosts[j].name, rs->hosts[i]) == 0)
				v[i] = &env->hosts[j];
		if (!v[i]) {
			free(v);
			return err_set(e, SC_EUSAGE, "%s:%d: step '%s': host '%s' is not one of environment '%s''s hosts",
				       st->file, st->line, st->name, rs->hosts[i], env->name);
		}
	}
	*out = v;
	*n = k;
	return 0;
}

/* raw expanded for host h (or for every host, rel_any_host); caller frees.
 * A command (build_command, restart_command) gets each ${...} as one
 * shell-quoted word: values never become code. */
static int rel_expand_for(struct run *r, const struct host *h, const char *raw, int command, char **out,
			  struct err *e)
{
	const struct host *saved = r->host;
	r->host = h;
	int rc = command ? run_expand_command(r, raw, out, NULL, e) : run_expand(r, raw, out, e);
	r->host = saved;
	return rc;
}

/* ------------------------------------------------- the local artifact */

struct rel_art {
	char *src;        /* absolute path of the configured artifact */
	const char *kind; /* "file", "tar.gz", "folder" */
	char *base;       /* file name of a plain file */
	char *upload;     /* the file that is uploaded: src, or the packed folder */
	char *tmpdir;     /* holds the packed folder; removed by rel_art_release */
	int fd;
	unsigned long long size;
	unsigned mode;    /* of a plain file */
	char sha[65];
};

static void rel_art_release(struct rel_art *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->tmpdir) {
		unlink(a->upload);
		rmdir(a->tmpdir);
	}
	free(a->src);
	free(a->base);
	free(a->upload);
	free(a->tmpdir);
	memset(a, 0, sizeof(*a));
	a->fd = -1;
}

static int rel_art_open(struct step *st, struct run *r, struct rel_art *a, int pack, struct err *e)
{
	struct release_step *rs = st->priv;
	char *raw = NULL;
	struct stat sb;
	int rc;
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if ((rc = run_expand(r, rs->artifact, &raw, e)) < 0)
		return rc;
	a->src = path_join(r->cfg->dir, raw);
	free(raw);
	if (stat(a->src, &sb) != 0)
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': artifact '%s': %s", st->file, st->line, st->name, a->src,
			       strerror(errno));
	if (S_ISDIR(sb.st_mode)) {
		a->kind = "folder";
	} else if (S_ISREG(sb.st_mode)) {
		a->kind = ends_with(a->src, ".tar.gz") || ends_with(a->src, ".tgz") ? "tar.gz" : "file";
		const char *sl = strrchr(a->src, '/');
		a->base = xstrdup(sl ? sl + 1 : a->src);
		a->mode = (unsigned)(sb.st_mode & 07777);
		a->size = (unsigned long long)sb.st_size;
	} else {
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': artifact '%s' is neither a file nor a folder", st->file,
			       st->line, st->name, a->src);
	}
	if (!pack)
		return 0;
	if (strcmp(a->kind, "folder") == 0) {
		const char *tmp = getenv("TMPDIR");
		a->tmpdir = xasprintf("%s/stagecoach-release-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(a->tmpdir)) {
			rc = err_set(e, SC_EFAIL, "cannot create a temporary folder '%s': %s", a->tmpdir, strerror(errno));
			free(a->tmpdir);
			a->tmpdir = NULL;
			return rc;
		}
		a->upload = xasprintf("%s/release.tar", a->tmpdir);
		struct buf cmd = BUF_INIT;
		buf_adds(&cmd, "exec tar --sort=name -cf ");
		rel_sq(&cmd, a->upload);
		buf_adds(&cmd, " -C ");
		rel_sq(&cmd, a->src);
		buf_adds(&cmd, " .");
		char **envp = run_child_env(r);
		struct proc_result pr = { 0 };
		rc = proc_run_shell(buf_str(&cmd), envp, NULL, 0, NULL, NULL, &r->stop, &pr, e);
		strv_free(envp);
		buf_release(&cmd);
		if (rc < 0)
			return err_prefix(e, "cannot pack folder '%s' with tar", a->src);
		if (!pr.exited || pr.status != 0) {
			char *tail = proc_tail(&pr, 5);
			rc = err_set(e, SC_EFAIL, "cannot pack folder '%s' with tar: %s", a->src, tail);
			free(tail);
			proc_result_release(&pr);
			return rc;
		}
		proc_result_release(&pr);
	} else {
		a->upload = xstrdup(a->src);
	}
	a->fd = open(a->upload, O_RDONLY | O_CLOEXEC);
	if (a->fd < 0 || fstat(a->fd, &sb) != 0)
		return err_set(e, SC_EFAIL, "cannot read artifact '%s': %s", a->upload, strerror(errno));
	a->size = (unsigned long long)sb.st_size;
	if (sha256_file_hex(a->upload, a->sha) != 0)
		return err_set(e, SC_EFAIL, "cannot read artifact '%s': %s", a->upload, strerror(errno));
	return 0;
}

struct rel_host;
static char *rel_install_script(struct release_step *rs, struct rel_host *rh, struct rel_art *a, const char *name);

/* ------------------------------------- one host's session: upload, install */

enum rel_wstate {
	W_INIT = 0, W_MKDIR, W_LSTAT, W_READLINK, W_STAT, W_OPEN, W_WRITE, W_CLOSE, /* the upload, over SFTP */
	W_SWITCHING, W_CHOPEN, W_EXEC, W_SENDEOF, W_READ, W_CHCLOSE, W_CHWAIT,      /* the install command */
	W_DONE
};

struct rel_host {
	struct host *h;           /* borrowed from the environment */
	json_t *jh;               /* borrowed: its detail object */
	char *path;               /* PATH for this host */
	char *restart;            /* restart_command for this host, NULL */
	char *build;              /* build_command for this host, NULL */
	char *releases, *upload_path, *current; /* remote paths */
	/* SFTP state */
	enum rel_wstate ws;
	LIBSSH2_SFTP *sftp;
	LIBSSH2_SFTP_HANDLE *fh;
	size_t mkpos;             /* how much of `releases` exists (mkdir -p) */
	char before[512];
	int before_read;          /* `before` holds what current pointed to */
	int have_before;
	unsigned long long offset, resumed_from, sent;
	char *win;                /* REL_WINDOW bytes */
	size_t wpos, wlen;
	int switched;             /* the install script said it switched current */
	int installed;            /* the install command succeeded */
	int switching;            /* recorded `switching`: current may move */
	int attempt;              /* 1: uploading again after a sha256 mismatch */
	int exit_status;
	char *script;             /* the install command, owned */
	LIBSSH2_CHANNEL *ch;
	struct buf part;          /* a partial output line */
	long remote_pid;          /* the install command's process group on the host, 0 unknown */
	int remote_cut;           /* the install command was cut: 1 ended, -1 it may still run */
	char *cut_error;          /* why it could not be ended, owned */
};

struct rel_ctx {
	struct run *r;
	struct release_step *rs;
	const char *name;        /* the release name */
	struct rel_art *art;
	int done, total;
	unsigned long long bytes_done, bytes_total;
	long long last_progress;
};

static int rel_sftp_fail(struct sshc_host *sh, LIBSSH2_SESSION *s, struct rel_host *rh, const char *what,
			 const char *path)
{
	char *msg = NULL;
	int len = 0;
	libssh2_session_last_error(s, &msg, &len, 0);
	unsigned long fx = rh->sftp ? libssh2_sftp_last_error(rh->sftp) : 0;
	free(sh->error);
	sh->error = xasprintf("sftp: cannot %s '%s': %s (status %lu)%s", what, path, msg && *msg ? msg : "error", fx,
			      fx == LIBSSH2_FX_PERMISSION_DENIED ? " (permission denied)"
			      : fx == LIBSSH2_FX_NO_SUCH_FILE	 ? " (no such file or folder)"
			      : fx == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM ? " (no space left)"
									 : "");
	return -1;
}

static void rel_progress(struct rel_ctx *x, int force)
{
	long long now = time_mono_ms();
	if (!force && now - x->last_progress < 500)
		return;
	x->last_progress = now;
	run_progress(x->r, "upload %llu/%llu MB, host %d/%d", x->bytes_done >> 20, x->bytes_total >> 20, x->done,
		     x->total);
}

/* the install command's output, line by line: logged, the last lines kept
 * for the error, the switch marker noted */
static void rel_output(struct rel_ctx *x, struct sshc_host *sh, const char *data, size_t len)
{
	struct rel_host *rh = sh->data;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n' && rh->part.len < 8192) {
			buf_addc(&rh->part, data[i]);
			continue;
		}
		if (!rh->part.len)
			continue;
		const char *line = buf_str(&rh->part);
		if (strcmp(line, "stagecoach-release-switched") == 0) {
			rh->switched = 1;
		} else if (!rh->remote_pid && starts_with(line, REL_PID_LINE)) {
			rh->remote_pid = atol(line + strlen(REL_PID_LINE));
		} else {
			run_log(x->r, "%s: %s", sh->name, line);
			if (sh->ntail == SSHC_TAIL) {
				free(sh->tail[0]);
				memmove(sh->tail, sh->tail + 1, (SSHC_TAIL - 1) * sizeof(sh->tail[0]));
				sh->ntail--;
			}
			sh->tail[sh->ntail++] = xstrdup(line);
		}
		buf_reset(&rh->part);
	}
}

static int rel_work(void *ctx, struct sshc_host *sh, LIBSSH2_SESSION *s)
{
	struct rel_ctx *x = ctx;
	struct rel_host *rh = sh->data;
	int rc;
	for (;;) {
		switch (rh->ws) {
		case W_INIT:
			rh->sftp = libssh2_sftp_init(s);
			if (!rh->sftp) {
				if (libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN)
					return 1;
				return rel_sftp_fail(sh, s, rh, "start (does the host's sshd enable the sftp Subsystem?) on",
						     rh->path);
			}
			rh->ws = W_MKDIR;
			rh->mkpos = 0;
			break;
		case W_MKDIR: {
			/* mkdir -p: each prefix of `releases`; an existing one is fine,
			 * and a real failure shows when the upload is opened */
			size_t len = strlen(rh->releases), end = rh->mkpos + 1;
			while (end < len && rh->releases[end] != '/')
				end++;
			if (rh->mkpos >= len) {
				rh->ws = rh->before_read ? W_STAT : W_LSTAT;
				break;
			}
			rc = libssh2_sftp_mkdir_ex(rh->sftp, rh->releases, (unsigned)end, 0755);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			rh->mkpos = end;
			break;
		}
		case W_LSTAT: {
			LIBSSH2_SFTP_ATTRIBUTES at;
			rc = libssh2_sftp_stat_ex(rh->sftp, rh->current, (unsigned)strlen(rh->current),
						  LIBSSH2_SFTP_LSTAT, &at);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL &&
			    libssh2_sftp_last_error(rh->sftp) == LIBSSH2_FX_NO_SUCH_FILE) {
				rh->have_before = 0; /* no release there yet */
				rh->before_read = 1;
				rh->ws = W_STAT;
				break;
			}
			if (rc < 0)
				return rel_sftp_fail(sh, s, rh, "look at", rh->current);
			if (!(at.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) || !LIBSSH2_SFTP_S_ISLNK(at.permissions)) {
				free(sh->error);
				sh->error = xasprintf("'%s' is not a symlink: refusing to replace it", rh->current);
				return -1;
			}
			rh->ws = W_READLINK;
			break;
		}
		case W_READLINK:
			rc = libssh2_sftp_symlink_ex(rh->sftp, rh->current, (unsigned)strlen(rh->current), rh->before,
						     sizeof(rh->before) - 1, LIBSSH2_SFTP_READLINK);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			rh->have_before = 0;
			if (rc > 0) {
				rh->before[rc] = 0;
				char *sl = strrchr(rh->before, '/');
				if (sl)
					memmove(rh->before, sl + 1, strlen(sl + 1) + 1);
				rh->have_before = rh->before[0] != 0;
			} else if (rc == LIBSSH2_ERROR_SFTP_PROTOCOL &&
				   libssh2_sftp_last_error(rh->sftp) != LIBSSH2_FX_NO_SUCH_FILE &&
				   libssh2_sftp_last_error(rh->sftp) != LIBSSH2_FX_FAILURE) {
				/* FAILURE: OpenSSH's answer for a missing link too; a
				 * `current` that is no symlink fails at the switch */
				return rel_sftp_fail(sh, s, rh, "read the symlink", rh->current);
			} else if (rc < 0 && rc != LIBSSH2_ERROR_SFTP_PROTOCOL) {
				return rel_sftp_fail(sh, s, rh, "read the symlink", rh->current);
			}
			rh->before_read = 1;
			rh->ws = W_STAT;
			break;
		case W_STAT: {
			LIBSSH2_SFTP_ATTRIBUTES at;
			rc = libssh2_sftp_stat_ex(rh->sftp, rh->upload_path, (unsigned)strlen(rh->upload_path),
						  LIBSSH2_SFTP_STAT, &at);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			rh->offset = 0;
			if (rc == 0 && !rh->attempt && (at.flags & LIBSSH2_SFTP_ATTR_SIZE) && at.filesize <= x->art->size)
				rh->offset = at.filesize; /* a previous try's: resume it */
			rh->resumed_from = rh->offset;
			rh->ws = W_OPEN;
			break;
		}
		case W_OPEN:
			rh->fh = libssh2_sftp_open_ex(rh->sftp, rh->upload_path, (unsigned)strlen(rh->upload_path),
						      LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT |
							      (rh->offset ? 0 : LIBSSH2_FXF_TRUNC),
						      0600, LIBSSH2_SFTP_OPENFILE);
			if (!rh->fh) {
				if (libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN)
					return 1;
				return rel_sftp_fail(sh, s, rh, "create", rh->upload_path);
			}
			libssh2_sftp_seek64(rh->fh, rh->offset);
			x->bytes_done += rh->offset;
			rh->ws = W_WRITE;
			break;
		case W_WRITE: {
			/* A sliding window: win[wpos, wlen) is the file from offset
			 * on, sent but not acknowledged, or not sent yet.  libssh2
			 * is always handed all of it, starting at the first byte it
			 * has not acknowledged: it skips what it already queued and
			 * queues the rest (write-ahead, 30000-byte requests).  What
			 * it acknowledges leaves the front and the file refills the
			 * back, so its requests in flight never drain to zero every
			 * window (they did: one round trip lost per 256 KiB). */
			if (!rh->win)
				rh->win = xmalloc(REL_WINDOW);
			if (rh->wpos && (rh->wpos >= REL_WINDOW / 2 || rh->wpos == rh->wlen)) {
				memmove(rh->win, rh->win + rh->wpos, rh->wlen - rh->wpos);
				rh->wlen -= rh->wpos;
				rh->wpos = 0;
			}
			unsigned long long file_end = rh->offset + (rh->wlen - rh->wpos);
			if (rh->wlen < REL_WINDOW && file_end < x->art->size) {
				size_t want = REL_WINDOW - rh->wlen;
				if (want > x->art->size - file_end)
					want = (size_t)(x->art->size - file_end);
				ssize_t n = pread(x->art->fd, rh->win + rh->wlen, want, (off_t)file_end);
				if (n <= 0) {
					free(sh->error);
					sh->error = xasprintf("cannot read artifact '%s': %s", x->art->upload,
							      n < 0 ? strerror(errno) : "it shrank while uploading");
					return -1;
				}
				rh->wlen += (size_t)n;
			}
			if (rh->wpos == rh->wlen) { /* all of it acknowledged */
				rh->ws = W_CLOSE;
				break;
			}
			ssize_t w = libssh2_sftp_write(rh->fh, rh->win + rh->wpos, rh->wlen - rh->wpos);
			if (w == LIBSSH2_ERROR_EAGAIN)
				return 1;
			if (w < 0)
				return rel_sftp_fail(sh, s, rh, "write", rh->upload_path);
			rh->wpos += (size_t)w;
			rh->offset += (unsigned long long)w;
			rh->sent += (unsigned long long)w;
			x->bytes_done += (unsigned long long)w;
			rel_progress(x, 0);
			break;
		}
		case W_CLOSE:
			rc = libssh2_sftp_close_handle(rh->fh);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			rh->fh = NULL;
			if (rc)
				return rel_sftp_fail(sh, s, rh, "close", rh->upload_path);
			rh->ws = W_SWITCHING;
			break;
		case W_SWITCHING:
			/* recorded before current may move: a run killed from now on
			 * switches this host back */
			free(rh->script); /* now that `before` is known: the prune keeps it */
			rh->script = rel_install_script(x->rs, rh, x->art, x->name);
			if (!rh->switching) {
				rh->switching = 1;
				/* with `before`: a resumed run, or the rollback of a
				 * killed one, must know where this host goes back to */
				if (rh->before_read && !json_object_get(rh->jh, "before"))
					json_object_set_new(rh->jh, "before",
							    rh->have_before ? json_string(rh->before) : json_null());
				json_object_set_new(rh->jh, "bytes_sent", json_integer((json_int_t)rh->sent));
				json_object_set_new(rh->jh, "status", json_string("switching"));
				run_checkpoint(x->r);
			}
			rh->ws = W_CHOPEN;
			break;
		case W_CHOPEN:
			rh->ch = libssh2_channel_open_session(s);
			if (!rh->ch) {
				if (libssh2_session_last_errno(s) == LIBSSH2_ERROR_EAGAIN)
					return 1;
				return rel_sftp_fail(sh, s, rh, "open a channel for the install command on", sh->name);
			}
			rh->ws = W_EXEC;
			break;
		case W_EXEC:
			rc = libssh2_channel_exec(rh->ch, rh->script);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			if (rc)
				return rel_sftp_fail(sh, s, rh, "start the install command on", sh->name);
			rh->ws = W_SENDEOF;
			break;
		case W_SENDEOF:
			rc = libssh2_channel_send_eof(rh->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			rh->ws = W_READ;
			break;
		case W_READ: {
			char buf[8192];
			int progress = 0;
			for (int stream = 0; stream < 2; stream++) {
				ssize_t n = libssh2_channel_read_ex(rh->ch, stream, buf, sizeof(buf));
				if (n > 0) {
					rel_output(x, sh, buf, (size_t)n);
					progress = 1;
				} else if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
					return rel_sftp_fail(sh, s, rh, "read the install command's output on", sh->name);
				}
			}
			if (progress)
				break;
			if (!libssh2_channel_eof(rh->ch))
				return 1;
			rel_output(x, sh, "\n", 1);
			rh->ws = W_CHCLOSE;
			break;
		}
		case W_CHCLOSE:
			rc = libssh2_channel_close(rh->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			rh->ws = W_CHWAIT;
			break;
		case W_CHWAIT:
			rc = libssh2_channel_wait_closed(rh->ch);
			if (rc == LIBSSH2_ERROR_EAGAIN)
				return 1;
			if (rc)
				return rel_sftp_fail(sh, s, rh, "finish the install command on", sh->name);
			rh->exit_status = libssh2_channel_get_exit_status(rh->ch);
			libssh2_channel_free(rh->ch);
			rh->ch = NULL;
			if (rh->exit_status == 0) {
				rh->installed = 1;
				rh->ws = W_DONE;
				break;
			}
			if (rh->exit_status == REL_MISMATCH && !rh->switched && !rh->attempt) {
				/* what landed is not the artifact (a resumed upload of
				 * other bytes): upload it again, whole, once */
				run_warn(x->r, "host '%s': the uploaded artifact's sha256 did not match; uploading it again",
					 sh->name);
				rh->attempt = 1;
				x->bytes_total += x->art->size;
				rh->ws = W_STAT;
				break;
			}
			free(sh->error);
			sh->error = xasprintf("%s exited with status %d", rh->switched ? "restart" : "install",
					      rh->exit_status);
			return -1;
		case W_DONE:
			return 0;
		}
	}
}

/* The install command was cut (timeout, stop, lost output) while it ran:
 * end its process group from a second channel of the session, as sshc
 * does for an ssh step's command, so that no unpack, build or restart
 * goes on on the host behind the run's back.  Blocking, bounded by the
 * session's timeout. */
static void rel_cut_install(struct rel_host *rh, LIBSSH2_SESSION *s)
{
	const char *why = NULL;
	char *msg = NULL;
	int len = 0;
	if (rh->remote_pid <= 1) {
		why = "its process id never came back";
	} else {
		LIBSSH2_CHANNEL *k = libssh2_channel_open_session(s);
		char *cmd = sshc_kill_command(rh->remote_pid);
		if (!k || libssh2_channel_exec(k, cmd) != 0) {
			libssh2_session_last_error(s, &msg, &len, 0);
			why = msg && *msg ? msg : "cannot open a channel";
		} else {
			char buf[256];
			while (libssh2_channel_read(k, buf, sizeof(buf)) > 0)
				;
			libssh2_channel_close(k);
			if (libssh2_channel_wait_closed(k) != 0) {
				libssh2_session_last_error(s, &msg, &len, 0);
				why = msg && *msg ? msg : "no answer";
			}
		}
		free(cmd);
		if (k)
			libssh2_channel_free(k);
	}
	rh->remote_cut = why ? -1 : 1;
	free(rh->cut_error);
	rh->cut_error = why ? xstrdup(why) : NULL;
}

static void rel_work_end(void *ctx, struct sshc_host *sh, LIBSSH2_SESSION *s)
{
	(void)ctx;
	struct rel_host *rh = sh->data;
	libssh2_session_set_timeout(s, 2000);
	libssh2_session_set_blocking(s, 1);
	if (rh->fh)
		libssh2_sftp_close_handle(rh->fh);
	rh->fh = NULL;
	if (rh->ch && (rh->ws == W_SENDEOF || rh->ws == W_READ)) /* cut while the install command ran */
		rel_cut_install(rh, s);
	if (rh->ch)
		libssh2_channel_free(rh->ch);
	rh->ch = NULL;
	buf_reset(&rh->part);
	if (rh->sftp)
		libssh2_sftp_shutdown(rh->sftp);
	rh->sftp = NULL;
	free(rh->win);
	rh->win = NULL;
	rh->wpos = rh->wlen = 0;
}

/* ---------------------------------------------------- the install command */

static char *rel_install_script(struct release_step *rs, struct rel_host *rh, struct rel_art *a, const char *name)
{
	struct buf b = BUF_INIT;
	/* its pid first: sshd made this shell a session leader, so a cut
	 * (timeout, stop) ends its whole process group (rel_work_end) */
	buf_adds(&b, "echo " REL_PID_LINE "$$; set -e; cd -- ");
	rel_sq(&b, rh->releases);
	buf_adds(&b, "; N=");
	rel_sq(&b, name);
	/* openssl's sha256 where the host has it: 3 to 4 times less CPU
	 * than coreutils' sha256sum (SHA extensions), which is the fallback */
	buf_addf(&b, "; if command -v openssl >/dev/null 2>&1; then H=$(openssl dgst -sha256 -r \".$N.upload\") || H=; "
		     "else H=$(sha256sum \".$N.upload\") || H=; fi; if [ \"${H%%%% *}\" != '%s' ]; then "
		     "rm -f -- \".$N.upload\"; echo \"the upload's sha256 is not %s: removed it\" >&2; exit %d; fi; ",
		 a->sha, a->sha, REL_MISMATCH);
	buf_adds(&b, "rm -rf -- \".$N.partial\"; mkdir -- \".$N.partial\"; ");
	if (strcmp(a->kind, "file") == 0) {
		buf_adds(&b, "mv -- \".$N.upload\" \".$N.partial\"/");
		rel_sq(&b, a->base);
		buf_addf(&b, "; chmod %o \".$N.partial\"/", a->mode);
		rel_sq(&b, a->base);
		buf_adds(&b, "; ");
	} else {
		buf_addf(&b, "tar -x%spf \".$N.upload\" -C \".$N.partial\"; rm -f -- \".$N.upload\"; ",
			 strcmp(a->kind, "tar.gz") == 0 ? "z" : "");
	}
	/* a release of the same name is replaced whole */
	buf_adds(&b, "if [ -e \"$N\" ]; then rm -rf -- \".$N.old\"; mv -- \"$N\" \".$N.old\"; fi; "
		     "mv -- \".$N.partial\" \"$N\"; rm -rf -- \".$N.old\"; ");
	if (rh->build) {
		buf_adds(&b, "( cd -- \"$N\" && ");
		buf_adds(&b, rh->build);
		buf_adds(&b, "\n) || { s=$?; echo \"build_command exited with status $s\" >&2; exit $s; }; ");
	}
	/* the marker of a complete release: what a rollback checks before
	 * switching any host back to it (rel_check_script) */
	buf_addf(&b, "printf '%%s %%s\\n' \"$N\" '%s' > \"$N/\"" REL_MARKER "; ", a->sha);
	buf_adds(&b, "cd ..; rm -f current.tmp; ln -s \"releases/$N\" current.tmp; mv -T current.tmp current; "
		     "echo stagecoach-release-switched; ");
	if (rh->restart) {
		buf_adds(&b, "( cd current && ");
		buf_adds(&b, rh->restart);
		buf_adds(&b, "\n) || { s=$?; echo \"restart_command exited with status $s\" >&2; exit $s; }; ");
	}
	/* keep the newest `keep`; never NAME, never the release before */
	buf_addf(&b, "cd releases; B=");
	rel_sq(&b, rh->have_before ? rh->before : "");
	buf_addf(&b, "; i=1; if [ -n \"$B\" ] && [ \"$B\" != \"$N\" ] && [ -d \"$B\" ]; then i=2; fi; "
		     "for d in $(ls -1t); do case \"$d\" in \"$N\"|\"$B\") continue;; esac; "
		     "i=$((i+1)); if [ $i -gt %lld ]; then rm -rf -- \"$d\"; echo \"pruned release $d\"; fi; done",
		 rs->keep);
	return buf_detach(&b);
}

static void rel_on_line(void *ctx, const struct sshc_host *h, const char *line)
{
	struct rel_ctx *x = ctx;
	run_log(x->r, "%s: %s", h->name, line);
}

static void rel_on_done(void *ctx, const struct sshc_host *h)
{
	struct rel_ctx *x = ctx;
	x->done++;
	rel_progress(x, 1);
	(void)h;
}

static int rel_should_stop(void *ctx)
{
	struct rel_ctx *x = ctx;
	return run_should_stop(x->r);
}

static void rel_opts(struct step *st, struct run *r, struct sshc_opts *o, struct rel_ctx *x)
{
	struct release_step *rs = st->priv;
	memset(o, 0, sizeof(*o));
	o->user = rel_user(r);
	o->identity = r->env->ssh.identity;
	o->passphrase = r->env->ssh.passphrase;
	if (o->passphrase)
		redact_add(o->passphrase);
	o->known_hosts = r->env->ssh.known_hosts;
	o->connect_timeout_ms = r->env->ssh.connect_timeout_ms;
	o->command_timeout_ms = st->timeout_ms;
	o->parallel = (int)rs->parallel;
	o->on_line = rel_on_line;
	o->on_done = rel_on_done;
	o->should_stop = rel_should_stop;
	o->ctx = x;
}

static void rel_describe(struct buf *b, struct sshc_host *hs, size_t n, const char *what)
{
	int shown = 0;
	for (size_t i = 0; i < n; i++) {
		struct sshc_host *h = &hs[i];
		if (h->outcome == SSHC_OK || h->outcome == SSHC_PENDING || h->outcome == SSHC_SKIPPED)
			continue;
		if (shown == 3) {
			buf_adds(b, "; ...");
			break;
		}
		if (shown++)
			buf_adds(b, "; ");
		buf_addf(b, "host '%s' (%s:%d): %s%s", h->name, h->address, h->port, what,
			 h->error ? h->error : sshc_outcome_name(h->outcome));
		for (size_t k = 0; k < h->ntail; k++)
			buf_addf(b, "\n  %s", h->tail[k]);
	}
}

static int rel_refused(const struct sshc_host *h)
{
	return h->outcome == SSHC_UNREACHABLE || h->outcome == SSHC_HOSTKEY || h->outcome == SSHC_AUTH;
}

static void rel_set_status(struct rel_host *rh, const char *status)
{
	json_object_set_new(rh->jh, "status", json_string(status));
}

static void rel_host_free(struct rel_host *rh)
{
	free(rh->path);
	free(rh->restart);
	free(rh->build);
	free(rh->releases);
	free(rh->upload_path);
	free(rh->current);
	free(rh->win);
	free(rh->script);
	free(rh->cut_error);
	buf_release(&rh->part);
}

/* ---------------------------------------------------------------- plan */

static int release_plan(struct step *st, struct run *r, struct err *e)
{
	struct release_step *rs = st->priv;
	struct host **hv;
	size_t n, bsize;
	int rc;
	if ((rc = rel_select_hosts(st, r, &hv, &n, e)) < 0)
		return rc;
	if (r->release && !rel_name_ok(r->release)) {
		free(hv);
		return err_set(e, SC_EUSAGE,
			       "release name '%s' cannot name a folder on the hosts (letters, digits, '.', '_', '-', "
			       "'+'; not starting with '.')",
			       r->release);
	}
	struct rel_art a;
	if ((rc = rel_art_open(st, r, &a, 0, e)) < 0) {
		rel_art_release(&a);
		free(hv);
		return rc;
	}
	char *path = NULL, *restart = NULL, *build = NULL;
	if ((rc = rel_expand_for(r, &rel_any_host, rs->path, 0, &path, e)) < 0 ||
	    (rc = rel_expand_for(r, &rel_any_host, rs->restart_command, 1, &restart, e)) < 0 ||
	    (rc = rel_expand_for(r, &rel_any_host, rs->build_command, 1, &build, e)) < 0) {
		free(path);
		free(restart);
		rel_art_release(&a);
		free(hv);
		return rc;
	}
	if (rs->batch)
		sshc_batch_size(rs->batch, n, &bsize);
	else
		bsize = n;
	size_t nb = (n + bsize - 1) / bsize;
	struct buf names = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_addf(&names, "%s%s (%s:%d)", i ? ", " : "", hv[i]->name, hv[i]->address, hv[i]->port);
	run_plan_line(r, "would ship %s '%s' to %zu host%s as '%s', into %s/releases/%s", a.kind, a.src, n,
		      n == 1 ? "" : "s", rel_user(r), path, r->release ? r->release : "RELEASE");
	run_plan_line(r, "hosts: %s", buf_str(&names));
	if (build)
		run_plan_line(r, "build: %s", build);
	run_plan_line(r, "then switch %s/current%s%s; keep %lld releases", path, restart ? ", restart: " : "",
		      restart ? restart : "", rs->keep);
	run_plan_line(r, "%zu batch%s of up to %zu host%s, %lld at once%s%s%s", nb, nb == 1 ? "" : "es", bsize,
		      bsize == 1 ? "" : "s", rs->parallel, rs->health ? ", gate '" : "", rs->health ? rs->health : "",
		      rs->health ? "' per host after each batch" : "");
	run_plan_line(r, "rollback: switches each touched host back to its previous release%s", restart ? " and restarts it" : "");
	buf_release(&names);
	free(path);
	free(restart);
	free(build);
	rel_art_release(&a);

	/* hosts known_hosts does not know: refused now, before anything */
	char *kh_text = NULL;
	size_t kh_len;
	if (!r->env->ssh.known_hosts || file_read_all(r->env->ssh.known_hosts, &kh_text, &kh_len) != 0)
		kh_text = NULL;
	struct sshc_host *unknown = xcalloc(n, sizeof(*unknown));
	size_t nu = 0;
	for (size_t i = 0; i < n; i++) {
		struct sshc_khentry *v;
		size_t k = sshc_known_hosts_find(kh_text ? kh_text : "", hv[i]->address, hv[i]->port, &v);
		sshc_khentries_free(v, k);
		if (k)
			continue;
		unknown[nu].name = hv[i]->name;
		unknown[nu].address = hv[i]->address;
		unknown[nu].port = hv[i]->port;
		nu++;
	}
	free(kh_text);
	rc = 0;
	if (nu) {
		struct sshc_opts o;
		struct rel_ctx x = { .r = r };
		rel_opts(st, r, &o, &x);
		o.on_done = NULL;
		o.parallel = (int)(nu < 20 ? nu : 20);
		sshc_run(unknown, nu, NULL, &o);
		struct buf b = BUF_INIT;
		rel_describe(&b, unknown, nu, "");
		if (b.len)
			rc = err_set(e, SC_EUNREACHABLE, "%s", buf_str(&b));
		buf_release(&b);
		for (size_t i = 0; i < nu; i++)
			sshc_host_release(&unknown[i]);
	}
	free(unknown);
	free(hv);
	return rc;
}

/* --------------------------------------------------------------- apply */

static json_t *rel_find_host(json_t *jhosts, const char *name)
{
	size_t i;
	json_t *jh;
	json_array_foreach(jhosts, i, jh)
	{
		const char *n = json_string_value(json_object_get(jh, "name"));
		if (n && strcmp(n, name) == 0)
			return jh;
	}
	return NULL;
}

/* Upload, verify, unpack, build, switch, restart and prune on the hosts of
 * one batch, each in one SSH session; 0, or -1 with e */
static int rel_batch(struct step *st, struct run *r, struct rel_art *a, struct rel_host *rhs, size_t cnt,
		     const char *bprefix, int *touched_any, struct err *e)
{
	struct release_step *rs = st->priv;
	struct rel_ctx x = { .r = r, .rs = rs, .name = r->release, .art = a, .total = (int)cnt };
	struct sshc_opts o;
	rel_opts(st, r, &o, &x);
	o.work = rel_work;
	o.work_end = rel_work_end;
	struct sshc_host *hs = xcalloc(cnt, sizeof(*hs));
	struct rel_host **who = xcalloc(cnt, sizeof(*who));
	size_t nh = 0;
	for (size_t i = 0; i < cnt; i++) {
		if (rhs[i].installed) { /* done by the interrupted try (deploy --resume) */
			*touched_any = 1;
			continue;
		}
		hs[nh].name = rhs[i].h->name;
		hs[nh].address = rhs[i].h->address;
		hs[nh].port = rhs[i].h->port;
		hs[nh].data = &rhs[i];
		rhs[i].ws = W_INIT;
		json_object_set_new(rhs[i].jh, "status", json_string("uploading"));
		x.bytes_total += a->size;
		who[nh++] = &rhs[i];
	}
	x.total = (int)nh;
	run_checkpoint(r);
	int failed = nh && sshc_run(hs, nh, NULL, &o) != 0, refused = 0, switching = 0;
	for (size_t i = 0; i < nh; i++) {
		struct rel_host *rh = who[i];
		if (rh->before_read && !json_object_get(rh->jh, "before"))
			json_object_set_new(rh->jh, "before", rh->have_before ? json_string(rh->before) : json_null());
		json_object_set_new(rh->jh, "bytes_sent", json_integer((json_int_t)rh->sent));
		if (rh->resumed_from)
			json_object_set_new(rh->jh, "resumed_from", json_integer((json_int_t)rh->resumed_from));
		switching |= rh->switching;
		if (hs[i].outcome == SSHC_OK) {
			rel_set_status(rh, "switched");
			json_object_set_new(rh->jh, "after", json_string(r->release));
			continue;
		}
		refused |= rel_refused(&hs[i]);
		rel_set_status(rh, rel_refused(&hs[i]) ? "unreachable" : hs[i].touched ? "failed" : "not_run");
		json_object_set_new(rh->jh, "switched", json_boolean(rh->switched));
		if (rh->remote_cut) {
			/* say what became of the install command on the host */
			char *was = hs[i].error ? hs[i].error : xstrdup("cut");
			if (rh->remote_cut > 0)
				hs[i].error = xasprintf("%s; the install command still running on the host was ended "
							"(SIGTERM to its process group %ld)",
							was, rh->remote_pid);
			else
				hs[i].error = xasprintf("%s; the install command may still be running on the host: "
							"ending it failed (%s)",
							was, rh->cut_error);
			free(was);
			json_object_set_new(rh->jh, "install_command",
					    json_string(rh->remote_cut > 0 ? "ended" : "may_still_run"));
		}
		if (hs[i].error) {
			char *red = redact(hs[i].error);
			json_object_set_new(rh->jh, "error", json_string(red));
			free(red);
		}
	}
	run_checkpoint(r);
	int rc = 0;
	if (failed) {
		struct buf m = BUF_INIT;
		buf_adds(&m, bprefix);
		rel_describe(&m, hs, nh, "");
		int nothing = refused && !switching && !*touched_any;
		rc = err_set(e, nothing ? SC_EUNREACHABLE : SC_EFAIL, "%s%s", buf_str(&m),
			     nothing ? " (nothing was switched on any host)" : "");
		buf_release(&m);
	}
	*touched_any |= switching;
	for (size_t i = 0; i < nh; i++)
		sshc_host_release(&hs[i]);
	free(hs);
	free(who);
	return rc;
}

static int release_apply(struct step *st, struct run *r, struct err *e)
{
	struct release_step *rs = st->priv;
	struct host **hv;
	size_t n, bsize;
	int rc;
	if (!rel_name_ok(r->release))
		return err_set(e, SC_EUSAGE, "release name '%s' cannot name a folder on the hosts",
			       r->release ? r->release : "(none)");
	if ((rc = rel_select_hosts(st, r, &hv, &n, e)) < 0)
		return rc;
	if (rs->batch)
		sshc_batch_size(rs->batch, n, &bsize);
	else
		bsize = n;
	size_t nb = (n + bsize - 1) / bsize;
	struct rel_art a;
	if ((rc = rel_art_open(st, r, &a, 1, e)) < 0) {
		rel_art_release(&a);
		free(hv);
		return rc;
	}
	json_t *d = run_detail(r);
	/* deploy --resume: the records of the interrupted try know each host's
	 * release before it (`current` may already point to this one) */
	json_t *old = json_object_get(d, "hosts");
	json_t *jhosts = json_array();
	struct rel_host *rhs = xcalloc(n, sizeof(*rhs));
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct rel_host *rh = &rhs[i];
		rh->h = hv[i];
		json_t *jh = json_pack("{s:s,s:s,s:i,s:I,s:s}", "name", hv[i]->name, "address", hv[i]->address, "port",
				       hv[i]->port, "batch", (json_int_t)(i / bsize + 1), "status", "not_run");
		json_t *prev = json_is_array(old) ? rel_find_host(old, hv[i]->name) : NULL;
		if (prev && json_object_get(prev, "before")) {
			json_t *b = json_object_get(prev, "before");
			json_object_set(jh, "before", b);
			rh->before_read = 1;
			rh->have_before = json_is_string(b);
			if (rh->have_before)
				snprintf(rh->before, sizeof(rh->before), "%s", json_string_value(b));
		}
		/* resumed: a host the interrupted try finished is not shipped again */
		const char *pst = prev ? json_string_value(json_object_get(prev, "status")) : NULL;
		const char *pafter = prev ? json_string_value(json_object_get(prev, "after")) : NULL;
		if (pst && strcmp(pst, "switched") == 0 && pafter && strcmp(pafter, r->release) == 0) {
			rh->installed = 1;
			json_object_set_new(jh, "status", json_string("switched"));
			json_object_set_new(jh, "after", json_string(pafter));
		}
		json_array_append_new(jhosts, jh);
		rh->jh = jh;
		if ((rc = rel_expand_for(r, hv[i], rs->path, 0, &rh->path, e)) < 0 ||
		    (rc = rel_expand_for(r, hv[i], rs->restart_command, 1, &rh->restart, e)) < 0 ||
		    (rc = rel_expand_for(r, hv[i], rs->build_command, 1, &rh->build, e)) < 0)
			break;
		size_t pl = strlen(rh->path);
		while (pl > 1 && rh->path[pl - 1] == '/')
			rh->path[--pl] = 0;
		rh->releases = xasprintf("%s/releases", rh->path);
		rh->upload_path = xasprintf("%s/.%s.upload", rh->releases, r->release);
		rh->current = xasprintf("%s/current", rh->path);
		json_object_set_new(jh, "path", json_string(rh->path));
		if (rh->restart)
			json_object_set_new(jh, "restart_command", json_string(rh->restart));
	}
	json_object_set_new(d, "user", json_string(rel_user(r)));
	json_object_set_new(d, "release", json_string(r->release));
	json_object_set_new(d, "artifact", json_string(a.src));
	json_object_set_new(d, "artifact_kind", json_string(a.kind));
	json_object_set_new(d, "sha256", json_string(a.sha));
	json_object_set_new(d, "bytes", json_integer((json_int_t)a.size));
	json_object_set_new(d, "batch_size", json_integer((json_int_t)bsize));
	json_object_set_new(d, "batches", json_integer((json_int_t)nb));
	json_object_set_new(d, "hosts", jhosts);
	int touched_any = 0;
	for (size_t b = 0; b < nb && rc == 0; b++) {
		size_t first = b * bsize, cnt = first + bsize <= n ? bsize : n - first;
		char prefix[64] = "";
		if (nb > 1) {
			snprintf(prefix, sizeof(prefix), "batch %zu/%zu: ", b + 1, nb);
			run_log(r, "batch %zu/%zu: %zu host%s", b + 1, nb, cnt, cnt == 1 ? "" : "s");
		}
		rc = rel_batch(st, r, &a, rhs + first, cnt, prefix, &touched_any, e);
		if (rc == 0 && rs->health) {
			struct err ge = ERR_INIT;
			if (gate_run_hosts(r, rs->health, hv + first, cnt, &ge) < 0)
				rc = err_set(e, SC_EFAIL, "%s%s; the rollout stopped there", prefix, ge.msg);
		}
		if (rc == 0 && run_should_stop(r) && b + 1 < nb)
			rc = err_set(e, SC_EFAIL, "interrupted after batch %zu/%zu", b + 1, nb);
		run_checkpoint(r);
	}
	for (size_t i = 0; i < n; i++)
		rel_host_free(&rhs[i]);
	free(rhs);
	rel_art_release(&a);
	free(hv);
	return rc;
}

/* ------------------------------------------------------------ rollback */

/* switch `current` back to B (or remove it), restart only if it moved */
static char *rel_rollback_script(const char *path, const char *before, const char *restart)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "set -e; cd -- ");
	rel_sq(&b, path);
	if (!before) {
		buf_adds(&b, "; rm -f current current.tmp; echo 'removed current (no release before)'");
		return buf_detach(&b);
	}
	buf_adds(&b, "; B=");
	rel_sq(&b, before);
	buf_adds(&b, "; if [ ! -d \"releases/$B\" ]; then echo \"the previous release 'releases/$B' is missing\" >&2; "
		     "exit 96; fi; if [ \"$(readlink current 2>/dev/null || true)\" = \"releases/$B\" ]; then "
		     "echo \"current is at $B already\"; exit 0; fi; rm -f current.tmp; ln -s \"releases/$B\" current.tmp; "
		     "mv -T current.tmp current; echo \"switched back to $B\"; ");
	if (restart) {
		buf_adds(&b, "( cd current && ");
		buf_adds(&b, restart);
		buf_adds(&b, "\n) || { s=$?; echo \"restart_command exited with status $s\" >&2; exit $s; }");
	}
	return buf_detach(&b);
}

static int rel_needs_undo(json_t *jh)
{
	const char *s = json_string_value(json_object_get(jh, "status"));
	if (!s)
		return 0;
	return strcmp(s, "switching") == 0 || strcmp(s, "switched") == 0 || strcmp(s, "failed") == 0;
}

/* the read-only check that PATH/releases/B is there and complete (holds
 * the marker the install writes once unpacked and built); exit REL_MISSING
 * with one line saying what is missing */
static char *rel_check_script(const char *path, const char *before)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "P=");
	rel_sq(&b, path);
	buf_adds(&b, "; B=");
	rel_sq(&b, before);
	buf_addf(&b, "; if [ ! -d \"$P/releases/$B\" ]; then echo \"the previous release '$P/releases/$B' is "
		     "missing\" >&2; exit %d; fi; if [ ! -s \"$P/releases/$B/%s\" ]; then echo \"the previous "
		     "release '$P/releases/$B' is incomplete: it has no %s marker (its install never finished)\" >&2; "
		     "exit %d; fi",
		 REL_MISSING, REL_MARKER, REL_MARKER, REL_MISSING);
	return buf_detach(&b);
}

/* Before a rollback touches any host: on every host it would switch back,
 * the release it goes back to must be there and complete.  0, or -1 with
 * e naming each host and what is missing (or why it could not be checked). */
static int rel_preflight(struct step *st, struct run *r, json_t *jhosts, struct err *e)
{
	size_t n = json_array_size(jhosts), cnt = 0;
	struct sshc_host *hs = xcalloc(n ? n : 1, sizeof(*hs));
	char **scripts = xcalloc(n ? n : 1, sizeof(*scripts));
	for (size_t i = 0; i < n; i++) {
		json_t *jh = json_array_get(jhosts, i);
		const char *path = json_string_value(json_object_get(jh, "path"));
		const char *before = json_string_value(json_object_get(jh, "before"));
		if (!rel_needs_undo(jh) || !path || !before) /* no release before: current is removed */
			continue;
		hs[cnt].name = json_string_value(json_object_get(jh, "name"));
		hs[cnt].address = json_string_value(json_object_get(jh, "address"));
		hs[cnt].port = (int)json_integer_value(json_object_get(jh, "port"));
		if (!hs[cnt].name || !hs[cnt].address)
			continue;
		scripts[cnt] = rel_check_script(path, before);
		hs[cnt].command = scripts[cnt];
		cnt++;
	}
	int rc = 0;
	if (cnt) {
		struct rel_ctx x = { .r = r, .total = (int)cnt };
		struct sshc_opts o;
		rel_opts(st, r, &o, &x);
		o.should_stop = NULL;
		o.keep_going = 1;
		o.on_line = NULL; /* the lines are in the error */
		o.on_done = NULL;
		if (sshc_run(hs, cnt, NULL, &o) != 0) {
			struct buf m = BUF_INIT;
			int shown = 0;
			for (size_t i = 0; i < cnt; i++) {
				struct sshc_host *h = &hs[i];
				if (h->outcome == SSHC_OK)
					continue;
				buf_addf(&m, "%shost '%s' (%s:%d): ", shown++ ? "; " : "", h->name, h->address, h->port);
				if (h->outcome == SSHC_EXIT && h->exit_status == REL_MISSING && h->ntail)
					buf_adds(&m, h->tail[h->ntail - 1]);
				else
					buf_addf(&m, "cannot check the previous release: %s",
						 h->error ? h->error : sshc_outcome_name(h->outcome));
			}
			rc = err_set(e, SC_EUSAGE, "step '%s': cannot switch back: %s", st->name, buf_str(&m));
			buf_release(&m);
		}
	}
	for (size_t i = 0; i < cnt; i++) {
		free(scripts[i]);
		sshc_host_release(&hs[i]);
	}
	free(scripts);
	free(hs);
	return rc;
}

/* rollback_plan: each host switched back (or its current removed), after
 * checking on every one of them that its previous release is there */
static int release_rollback_plan(struct step *st, struct run *r, struct err *e)
{
	json_t *jhosts = json_object_get(run_detail(r), "hosts");
	size_t i, n = 0;
	json_t *jh;
	json_array_foreach(jhosts, i, jh) {
		if (!rel_needs_undo(jh) || !json_object_get(jh, "before"))
			continue;
		const char *before = json_string_value(json_object_get(jh, "before"));
		const char *restart = json_string_value(json_object_get(jh, "restart_command"));
		n++;
		if (before)
			run_plan_line(r, "host %s (%s): switch %s/current back to %s%s%s",
				      json_string_value(json_object_get(jh, "name")),
				      json_string_value(json_object_get(jh, "address")),
				      json_string_value(json_object_get(jh, "path")), before,
				      restart ? ", then run " : "", restart ? restart : "");
		else
			run_plan_line(r, "host %s (%s): remove %s/current (no release before)",
				      json_string_value(json_object_get(jh, "name")),
				      json_string_value(json_object_get(jh, "address")),
				      json_string_value(json_object_get(jh, "path")));
	}
	if (!n) {
		run_plan_line(r, "current moved on no host: nothing to undo");
		return 0;
	}
	return rel_preflight(st, r, jhosts, e);
}

static int release_rollback(struct step *st, struct run *r, struct err *e)
{
	json_t *d = run_detail(r);
	json_t *jhosts = json_object_get(d, "hosts");
	if (!json_is_array(jhosts))
		return 0; /* apply recorded nothing: it changed nothing */
	size_t n = json_array_size(jhosts);
	long long maxb = 0;
	for (size_t i = 0; i < n; i++) {
		long long bn = json_integer_value(json_object_get(json_array_get(jhosts, i), "batch"));
		maxb = bn > maxb ? bn : maxb;
	}
	/* nothing is switched back unless every host can be */
	struct err pe = ERR_INIT;
	if (rel_preflight(st, r, jhosts, &pe) < 0)
		return err_set(e, SC_EROLLBACK, "%s; no host was switched back", pe.msg);
	struct rel_ctx x = { .r = r };
	struct sshc_opts o;
	rel_opts(st, r, &o, &x);
	o.should_stop = NULL; /* a signal does not stop a rollback half-way */
	o.keep_going = 1;
	struct buf errs = BUF_INIT;
	int failed = 0;
	for (long long b = maxb; b >= 1; b--) {
		struct sshc_host *hs = xcalloc(n ? n : 1, sizeof(*hs));
		char **scripts = xcalloc(n ? n : 1, sizeof(*scripts));
		size_t *idx = xcalloc(n ? n : 1, sizeof(*idx));
		size_t cnt = 0;
		for (size_t i = 0; i < n; i++) {
			json_t *jh = json_array_get(jhosts, i);
			if (json_integer_value(json_object_get(jh, "batch")) != b || !rel_needs_undo(jh))
				continue;
			const char *path = json_string_value(json_object_get(jh, "path"));
			json_t *before = json_object_get(jh, "before");
			hs[cnt].name = json_string_value(json_object_get(jh, "name"));
			hs[cnt].address = json_string_value(json_object_get(jh, "address"));
			hs[cnt].port = (int)json_integer_value(json_object_get(jh, "port"));
			if (!hs[cnt].name || !hs[cnt].address || !path || !before)
				continue; /* `before` unknown: current was never read, so never moved */
			scripts[cnt] = rel_rollback_script(path, json_string_value(before),
							   json_string_value(json_object_get(jh, "restart_command")));
			hs[cnt].command = scripts[cnt];
			idx[cnt++] = i;
		}
		if (cnt) {
			run_log(r, "rollback of batch %lld: %zu host%s", b, cnt, cnt == 1 ? "" : "s");
			x.total = (int)cnt;
			if (sshc_run(hs, cnt, NULL, &o) != 0) {
				for (size_t i = 0; i < cnt; i++)
					failed += hs[i].outcome != SSHC_OK;
				rel_describe(&errs, hs, cnt, "");
			}
			for (size_t i = 0; i < cnt; i++) {
				json_t *jh = json_array_get(jhosts, idx[i]);
				json_object_set_new(jh, "rollback", json_string(hs[i].outcome == SSHC_OK
											? "switched_back"
											: sshc_outcome_name(hs[i].outcome)));
				if (hs[i].outcome == SSHC_OK)
					json_object_set(jh, "after", json_object_get(jh, "before"));
				sshc_host_release(&hs[i]);
			}
			run_checkpoint(r);
		}
		for (size_t i = 0; i < cnt; i++)
			free(scripts[i]);
		free(scripts);
		free(hs);
		free(idx);
	}
	int rc = 0;
	if (failed)
		rc = err_set(e, SC_EROLLBACK, "rollback failed on %d host%s: %s", failed, failed == 1 ? "" : "s",
			     buf_str(&errs));
	buf_release(&errs);
	return rc;
}

static const char *release_strategy(const struct step *st)
{
	(void)st;
	return "rollback: switches each touched host back to its previous release and runs restart_command";
}

/* at config load: the health gate must be another configured step */
static int release_check(const struct step *st, const struct config *cfg, struct err *e)
{
	const struct release_step *rs = st->priv;
	if (!rs->health)
		return 0;
	struct step *gate = NULL;
	for (size_t i = 0; i < cfg->nsteps; i++)
		if (strcmp(cfg->steps[i].name, rs->health) == 0)
			gate = &cfg->steps[i];
	if (!gate)
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': 'health' names step '%s', which does not exist",
			       st->file, st->line, st->name, rs->health);
	if (gate == st)
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': 'health' names the step itself", st->file, st->line,
			       st->name);
	gate->gate = 1; /* ${host.*} are defined in it */
	return 0;
}

static void release_free(struct step *st)
{
	struct release_step *rs = st->priv;
	if (!rs)
		return;
	free(rs->artifact);
	free(rs->path);
	free(rs->build_command);
	free(rs->restart_command);
	strv_free(rs->hosts);
	free(rs->batch);
	free(rs->health);
	free(rs);
	st->priv = NULL;
}

const struct step_ops step_release_ops = {
	.keys = release_step_keys,
	.kind = "release",
	.parse = release_parse,
	.plan = release_plan,
	.apply = release_apply,
	.rollback = release_rollback,
	.free = release_free,
	.rollback_strategy = release_strategy,
	.rollback_plan = release_rollback_plan,
	.check = release_check,
};
