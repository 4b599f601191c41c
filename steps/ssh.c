/*
 * ssh: runs `command` on the environment's hosts (or the step's `hosts`)
 * over SSH, `parallel` hosts at once, in rolling batches of `batch` hosts,
 * with the `health` step run as a gate after each batch.  The SSH work
 * (strict known_hosts, key or agent auth, exit status, timeouts, fan-out)
 * is steps/sshc.c.
 *
 * apply: for each batch, connects to and authenticates with every host of
 * the batch, and only then runs the command on them; a host that fails
 * (exit status, signal, timeout, lost connection) stops the rollout after
 * the hosts already running finish; then the health gate.  The step's
 * detail records every host (name, address, port, batch, status ran /
 * failed / unreachable / not_run, exit code), updated after each batch.
 *
 * rollback: runs `rollback_command` on every host whose status is ran or
 * failed (the command was started there), newest batch first, from the
 * detail alone (addresses included).  Without rollback_command the step is
 * taken as changing nothing stagecoach can undo, as for `shell`.
 *
 * Exit codes: a host unreachable, with a refused host key or refused
 * credentials before the command ran anywhere in this step is
 * SC_EUNREACHABLE (6 when nothing else changed); anything else SC_EFAIL.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "gate.h"
#include "step.h"
#include "sshc.h"
#include "../env/run.h"
#include "../env/config.h"
#include "../lib/fdlimit.h"
#include "../lib/settings.h"
#include "../lib/redact.h"
#include "../lib/shellexpand.h"
#include "../lib/util.h"

struct ssh_step {
	char *command;
	char *rollback_command;
	char **hosts;     /* NULL: every host of the environment */
	char *batch;      /* "N" or "P%"; NULL: one batch of every host */
	char *health;     /* gate step name, NULL */
	long long parallel;
	int exit_marker;
};

/* stands for every host where a string is shown or stored once for all */
static const struct host ssh_any_host = { (char *)"${host.name}", (char *)"${host.address}", 0 };

static const char *const ssh_keys[] = { "command", "rollback_command", "hosts", "parallel", "batch",
					"health", "exit_marker", NULL };
static const struct cfg_keys ssh_step_keys[] = { { "ssh.", ssh_keys }, { NULL, NULL } };

static int ssh_parse(struct step *st, const config_setting_t *s, struct err *e)
{
	struct ssh_step *sh = xcalloc(1, sizeof(*sh));
	int rc;
	st->priv = sh;
	st->host_vars = 1;
	sh->parallel = 10;
	sh->exit_marker = 1;
	if ((rc = cfg_check_keys(s, ssh_keys, e)) < 0 || (rc = cfg_string(s, "command", 1, &sh->command, e)) < 0 ||
	    (rc = cfg_string(s, "rollback_command", 0, &sh->rollback_command, e)) < 0 ||
	    (rc = cfg_strings(s, "hosts", 0, &sh->hosts, e)) < 0 ||
	    (rc = cfg_int_range(s, "parallel", 0, 1, 1000, &sh->parallel, e)) < 0 ||
	    (rc = cfg_string(s, "health", 0, &sh->health, e)) < 0 ||
	    (rc = cfg_bool(s, "exit_marker", 0, &sh->exit_marker, e)) < 0)
		return rc;
	if (!sh->command[0])
		return cfg_error(s, e, "'command' is empty");
	if (sh->parallel < 1 || sh->parallel > 1000)
		return cfg_error(s, e, "'parallel' must be between 1 and 1000, not %lld", sh->parallel);
	if (sh->hosts && !sh->hosts[0])
		return cfg_error(s, e, "'hosts' is empty");
	if (sh->health && strcmp(sh->health, st->name) == 0)
		return cfg_error(s, e, "'health' names this step itself");
	const config_setting_t *b = config_setting_get_member(s, "batch");
	if (b) {
		size_t n;
		if (config_setting_type(b) == CONFIG_TYPE_INT || config_setting_type(b) == CONFIG_TYPE_INT64)
			sh->batch = xasprintf("%lld", (long long)config_setting_get_int64(b));
		else if (config_setting_type(b) == CONFIG_TYPE_STRING)
			sh->batch = xstrdup(config_setting_get_string(b));
		else
			return cfg_error(b, e, "'batch' must be a number of hosts or a percentage such as \"25%%\"");
		if (sshc_batch_size(sh->batch, 1000000, &n) < 0)
			return cfg_error(b, e, "'batch' must be a positive number of hosts or a percentage from 1%% to "
					       "100%%, not '%s'",
					 sh->batch);
		if (!strchr(sh->batch, '%') && strtoll(sh->batch, NULL, 10) > 100000)
			return cfg_error(b, e, "'batch' must be between 1 and 100000 hosts, not %s", sh->batch);
	}
	return 0;
}

/* A command for the hosts: each ${...} one shell-quoted word, and the
 * STAGECOACH_* variables it used exported in front of it (a host's sshd
 * takes no environment from us; the process environment stays local). */
static int ssh_expand(struct run *r, const char *raw, char **out, struct err *e)
{
	char **exports = NULL, *cmd = NULL;
	int rc = run_expand_command(r, raw, &cmd, &exports, e);
	if (rc < 0) {
		strv_free(exports);
		return rc;
	}
	struct buf b = BUF_INIT;
	for (size_t i = 0; exports && exports[i]; i++) {
		if (!starts_with(exports[i], "STAGECOACH_"))
			continue;
		size_t nl = strcspn(exports[i], "=");
		buf_adds(&b, b.len ? " " : "export ");
		buf_add(&b, exports[i], nl + 1);
		shell_quote(&b, exports[i] + nl + 1);
	}
	if (b.len)
		buf_adds(&b, "; ");
	buf_adds(&b, cmd);
	free(cmd);
	for (size_t i = 0; exports && exports[i]; i++)
		explicit_bzero(exports[i], strlen(exports[i]));
	strv_free(exports);
	*out = buf_detach(&b);
	return 0;
}

/* The hosts this step runs on, in order (borrowed from the environment). */
static int ssh_select_hosts(struct step *st, struct run *r, struct host ***out, size_t *n, struct err *e)
{
	struct ssh_step *sh = st->priv;
	struct env_config *env = r->env;
	struct host **v;
	if (!env->nhosts)
		return err_set(e, SC_EUSAGE, "environment '%s' has no 'hosts'", env->name);
	if (!sh->hosts) {
		v = xcalloc(env->nhosts, sizeof(*v));
		for (size_t i = 0; i < env->nhosts; i++)
			v[i] = &env->hosts[i];
		*out = v;
		*n = env->nhosts;
		return 0;
	}
	size_t k = strv_len(sh->hosts);
	v = xcalloc(k, sizeof(*v));
	for (size_t i = 0; i < k; i++) {
		for (size_t j = 0; j < env->nhosts && !v[i]; j++)
			if (strcmp(env->hosts[j].name, sh->hosts[i]) == 0)
				v[i] = &env->hosts[j];
		if (!v[i]) {
			struct buf known = BUF_INIT;
			for (size_t j = 0; j < env->nhosts; j++)
				buf_addf(&known, "%s'%s'", j ? ", " : "", env->hosts[j].name);
			err_set(e, SC_EUSAGE, "%s:%d: step '%s': host '%s' is not one of environment '%s''s hosts (%s)",
				st->file, st->line, st->name, sh->hosts[i], env->name, buf_str(&known));
			buf_release(&known);
			free(v);
			return -SC_EUSAGE;
		}
	}
	*out = v;
	*n = k;
	return 0;
}

static const char *ssh_user(struct run *r)
{
	if (r->env->ssh.user && r->env->ssh.user[0])
		return r->env->ssh.user;
	/* as OpenSSH: the local user name */
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		return pw->pw_name;
	const char *u = getenv("USER");
	return u ? u : "root";
}

struct ssh_progress {
	struct run *r;
	int done, total;
};

static void ssh_on_line(void *ctx, const struct sshc_host *h, const char *line)
{
	struct ssh_progress *p = ctx;
	run_log(p->r, "%s: %s", h->name, line);
}

static void ssh_on_done(void *ctx, const struct sshc_host *h)
{
	struct ssh_progress *p = ctx;
	p->done++;
	run_progress(p->r, "host %d/%d", p->done, p->total);
}

static int ssh_should_stop(void *ctx)
{
	struct ssh_progress *p = ctx;
	return run_should_stop(p->r);
}

static void ssh_opts(struct step *st, struct run *r, struct sshc_opts *o, struct ssh_progress *p)
{
	struct ssh_step *sh = st->priv;
	memset(o, 0, sizeof(*o));
	o->user = ssh_user(r);
	o->identity = r->env->ssh.identity;
	o->passphrase = r->env->ssh.passphrase;
	if (o->passphrase)
		redact_add(o->passphrase);
	o->known_hosts = r->env->ssh.known_hosts;
	o->connect_timeout_ms = r->env->ssh.connect_timeout_ms;
	o->command_timeout_ms = st->timeout_ms;
	o->parallel = (int)sh->parallel;
	o->no_marker = !sh->exit_marker;
	o->on_line = ssh_on_line;
	o->on_done = ssh_on_done;
	o->should_stop = ssh_should_stop;
	o->ctx = p;
}

static const char *ssh_status_name(const struct sshc_host *h)
{
	if (h->outcome == SSHC_OK)
		return "ran";
	if (h->touched)
		return "failed";
	if (h->outcome == SSHC_UNREACHABLE || h->outcome == SSHC_HOSTKEY || h->outcome == SSHC_AUTH)
		return "unreachable";
	return "not_run";
}

/* The identity, read once for every host and batch of this step (*key NULL
 * with the agent); unreadable: an error naming the file, before any host is
 * contacted.  Free with sshc_identity_free. */
static int ssh_read_key(struct step *st, struct run *r, char **key, size_t *len, struct err *e)
{
	*key = NULL;
	*len = 0;
	if (!r->env->ssh.identity)
		return 0;
	if (sshc_identity_read(r->env->ssh.identity, key, len) != 0)
		return err_set(e, SC_EUSAGE, "%s:%d: environment '%s': cannot read the key ssh.identity '%s': %s",
			       st->file, r->env->line, r->env->name, r->env->ssh.identity, strerror(errno));
	return 0;
}

/* Descriptors for a batch of bsize hosts (each holds its socket until its
 * command ends, so that a host refused in phase 1 means the batch ran
 * nowhere): raise the soft RLIMIT_NOFILE when needed, refuse (exit 2)
 * when even the hard limit is too low.  A margin covers what the run opens
 * beside them (known_hosts, name lookups, the gate's connections). */
#define SSH_FD_MARGIN 16
static int ssh_reserve_fds(struct step *st, struct run *r, size_t bsize, struct err *e)
{
	struct sshc_opts o = { 0 };
	struct fdlimit f;
	o.identity = r->env->ssh.identity;
	size_t per = sshc_fds_per_host(&o), need = bsize * per + SSH_FD_MARGIN;
	if (fdlimit_reserve(need, &f) == 0) {
		if (f.raised)
			run_log(r, "raised the open files limit (ulimit -n) to %zu for batches of %zu hosts", f.soft, bsize);
		return 0;
	}
	size_t fits = f.hard > f.in_use + SSH_FD_MARGIN ? (f.hard - f.in_use - SSH_FD_MARGIN) / per : 0;
	struct buf hint = BUF_INIT;
	if (fits)
		buf_addf(&hint, "set 'batch' to at most %zu hosts, or raise the hard limit", fits);
	else
		buf_adds(&hint, "raise the hard limit");
	int rc = err_set(e, SC_EUSAGE,
			 "%s:%d: step '%s': a batch of %zu hosts needs %zu more file descriptors (%zu per host%s, and "
			 "%d beside them) and %zu are open, but the open files limit is %zu even raised to the hard "
			 "limit (ulimit -Hn): %s; no host was contacted",
			 st->file, st->line, st->name, bsize, need, per, o.identity ? "" : " with the ssh-agent",
			 SSH_FD_MARGIN, f.in_use, f.hard, buf_str(&hint));
	buf_release(&hint);
	return rc;
}

/* "host 'app2' (127.0.0.1:2222): command exited with status 42:\n<last lines>" for the
 * failed hosts (the first few), into b */
static int ssh_describe_failures(struct buf *b, struct sshc_host *hs, size_t n, const char *what)
{
	int shown = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		struct sshc_host *h = &hs[i];
		if (h->outcome == SSHC_OK || h->outcome == SSHC_SKIPPED || h->outcome == SSHC_PENDING)
			continue;
		failed++;
		if (shown == 3)
			continue;
		if (shown++)
			buf_adds(b, "; ");
		buf_addf(b, "host '%s' (%s:%d): %s%s", h->name, h->address, h->port, what ? what : "",
			 h->error ? h->error : sshc_outcome_name(h->outcome));
		if (h->ntail) {
			buf_adds(b, ":");
			for (size_t k = 0; k < h->ntail; k++)
				buf_addf(b, "\n  %s", h->tail[k]);
		}
	}
	if (failed > shown)
		buf_addf(b, "; and %d more host%s failed", failed - shown, failed - shown == 1 ? "" : "s");
	return failed;
}

static int ssh_plan(struct step *st, struct run *r, struct err *e)
{
	struct ssh_step *sh = st->priv;
	struct host **hv;
	size_t n, bsize;
	char *cmd = NULL, *rcmd = NULL;
	int rc;
	if ((rc = ssh_select_hosts(st, r, &hv, &n, e)) < 0)
		return rc;
	if (sh->health && !config_step(r->cfg, sh->health)) {
		free(hv);
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': 'health' names step '%s', which does not exist", st->file,
			       st->line, st->name, sh->health);
	}
	if (sh->batch)
		sshc_batch_size(sh->batch, n, &bsize);
	else
		bsize = n;
	r->host = &ssh_any_host;
	if ((rc = ssh_expand(r, sh->command, &cmd, e)) < 0 ||
	    (sh->rollback_command && (rc = ssh_expand(r, sh->rollback_command, &rcmd, e)) < 0)) {
		r->host = NULL;
		free(hv);
		free(cmd);
		return rc;
	}
	r->host = NULL;
	struct buf names = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_addf(&names, "%s%s (%s:%d)", i ? ", " : "", hv[i]->name, hv[i]->address, hv[i]->port);
	run_plan_line(r, "would run on %zu host%s as '%s': %s", n, n == 1 ? "" : "s", ssh_user(r), cmd);
	run_plan_line(r, "hosts: %s", buf_str(&names));
	size_t nb = (n + bsize - 1) / bsize;
	run_plan_line(r, "%zu batch%s of up to %zu host%s, %lld at once%s%s%s", nb, nb == 1 ? "" : "es", bsize,
		      bsize == 1 ? "" : "s", sh->parallel, sh->health ? ", gate '" : "", sh->health ? sh->health : "",
		      sh->health ? "' after each batch" : "");
	if (rcmd)
		run_plan_line(r, "rollback: runs on the hosts where the command ran, newest batch first: %s", rcmd);
	else
		run_plan_line(r, "rollback: none (no rollback_command)");
	buf_release(&names);

	/* before any host is contacted: the key can be read, and a batch's
	 * sockets fit under the open files limit */
	char *key;
	size_t key_len;
	if ((rc = ssh_read_key(st, r, &key, &key_len, e)) < 0 || (rc = ssh_reserve_fds(st, r, bsize, e)) < 0) {
		sshc_identity_free(key, key_len);
		free(hv);
		free(cmd);
		free(rcmd);
		return rc;
	}
	sshc_identity_free(key, key_len);

	/* hosts known_hosts does not know: fetch their keys now (no
	 * authentication, nothing run), so that the refusal, with the
	 * fingerprints and the lines to add, comes before anything changes */
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
		struct ssh_progress p = { r, 0, (int)nu };
		ssh_opts(st, r, &o, &p);
		o.on_done = NULL;
		o.parallel = (int)(nu < 20 ? nu : 20);
		sshc_run(unknown, nu, NULL, &o);
		struct buf b = BUF_INIT;
		int failed = ssh_describe_failures(&b, unknown, nu, NULL);
		if (failed)
			rc = err_set(e, SC_EUNREACHABLE, "%s", buf_str(&b));
		buf_release(&b);
		for (size_t i = 0; i < nu; i++)
			sshc_host_release(&unknown[i]);
	}
	free(unknown);
	free(hv);
	free(cmd);
	free(rcmd);
	return rc;
}

static json_t *ssh_detail_host(const struct host *h, size_t batch)
{
	return json_pack("{s:s,s:s,s:i,s:I,s:s,s:n}", "name", h->name, "address", h->address, "port", h->port, "batch",
			 (json_int_t)batch, "status", "not_run", "exit_code");
}

static void ssh_detail_update(json_t *jh, const struct sshc_host *h)
{
	json_object_set_new(jh, "status", json_string(ssh_status_name(h)));
	json_object_set_new(jh, "outcome", json_string(sshc_outcome_name(h->outcome)));
	if (h->outcome == SSHC_OK || h->outcome == SSHC_EXIT)
		json_object_set_new(jh, "exit_code", json_integer(h->exit_status));
	if (h->exit_signal[0])
		json_object_set_new(jh, "signal", json_string(h->exit_signal));
	if (h->error && h->outcome != SSHC_OK) {
		char *red = redact(h->error);
		json_object_set_new(jh, "error", json_string(red));
		free(red);
	}
	json_object_set_new(jh, "duration_ms", json_integer(h->duration_ms));
}

/* The command of host h when it uses ${host.name}/${host.address} (*out,
 * caller frees; NULL: the step's shared command), and its rollback_command
 * into the host's detail. */
static int ssh_host_strings(struct step *st, struct run *r, const struct host *h, json_t *jh, char **out,
			    struct err *e)
{
	struct ssh_step *sh = st->priv;
	char *rcmd = NULL;
	int rc = 0;
	*out = NULL;
	r->host = h;
	if (strstr(sh->command, "${host."))
		rc = ssh_expand(r, sh->command, out, e);
	if (rc == 0 && sh->rollback_command && strstr(sh->rollback_command, "${host.") &&
	    (rc = ssh_expand(r, sh->rollback_command, &rcmd, e)) == 0) {
		json_object_set_new(jh, "rollback_command", json_string(rcmd));
		free(rcmd);
	}
	r->host = NULL;
	return rc;
}

static int ssh_apply(struct step *st, struct run *r, struct err *e)
{
	struct ssh_step *sh = st->priv;
	struct host **hv;
	size_t n, bsize;
	char *cmd = NULL, *rcmd = NULL;
	int rc;
	if ((rc = ssh_select_hosts(st, r, &hv, &n, e)) < 0)
		return rc;
	if (sh->batch)
		sshc_batch_size(sh->batch, n, &bsize);
	else
		bsize = n;
	r->host = &ssh_any_host;
	if ((rc = ssh_expand(r, sh->command, &cmd, e)) < 0 ||
	    (sh->rollback_command && (rc = ssh_expand(r, sh->rollback_command, &rcmd, e)) < 0)) {
		r->host = NULL;
		free(hv);
		free(cmd);
		return rc;
	}
	r->host = NULL;
	size_t nb = (n + bsize - 1) / bsize;
	json_t *d = run_detail(r);
	json_t *jhosts = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(jhosts, ssh_detail_host(hv[i], i / bsize + 1));
	json_object_set_new(d, "user", json_string(ssh_user(r)));
	json_object_set_new(d, "command", json_string(cmd));
	if (rcmd)
		json_object_set_new(d, "rollback_command", json_string(rcmd));
	json_object_set_new(d, "batch_size", json_integer((json_int_t)bsize));
	json_object_set_new(d, "batches", json_integer((json_int_t)nb));
	json_object_set_new(d, "hosts", jhosts);

	struct ssh_progress p = { r, 0, (int)n };
	struct sshc_opts o;
	char *key = NULL;
	size_t key_len = 0;
	ssh_opts(st, r, &o, &p);
	/* the key once for every batch; the descriptors of the largest batch
	 * (the first) before any host is contacted */
	if ((rc = ssh_read_key(st, r, &key, &key_len, e)) < 0 || (rc = ssh_reserve_fds(st, r, bsize, e)) < 0) {
		sshc_identity_free(key, key_len);
		free(hv);
		free(cmd);
		free(rcmd);
		return rc;
	}
	o.identity_data = key;
	o.identity_len = key_len;
	int touched_any = 0;
	rc = 0;
	for (size_t b = 0; b < nb && rc == 0; b++) {
		size_t first = b * bsize, cnt = first + bsize <= n ? bsize : n - first;
		struct sshc_host *hs = xcalloc(cnt, sizeof(*hs));
		char **hcmd = xcalloc(cnt, sizeof(*hcmd));
		for (size_t i = 0; i < cnt && rc == 0; i++) {
			hs[i].name = hv[first + i]->name;
			hs[i].address = hv[first + i]->address;
			hs[i].port = hv[first + i]->port;
			rc = ssh_host_strings(st, r, hv[first + i], json_array_get(jhosts, first + i), &hcmd[i], e);
			hs[i].command = hcmd[i];
		}
		if (rc < 0) {
			for (size_t i = 0; i < cnt; i++)
				free(hcmd[i]);
			free(hcmd);
			free(hs);
			break;
		}
		if (nb > 1)
			run_log(r, "batch %zu/%zu: %zu host%s", b + 1, nb, cnt, cnt == 1 ? "" : "s");
		/* recorded before the command starts: a run killed mid-batch is
		 * rolled back on these hosts too (rollback_command must be safe
		 * to run where command did not finish) */
		for (size_t i = 0; i < cnt; i++)
			json_object_set_new(json_array_get(jhosts, first + i), "status", json_string("started"));
		run_checkpoint(r);
		int failed = sshc_run(hs, cnt, cmd, &o) != 0;
		int touched = 0, refused = 0;
		for (size_t i = 0; i < cnt; i++) {
			ssh_detail_update(json_array_get(jhosts, first + i), &hs[i]);
			touched |= hs[i].touched;
			refused |= hs[i].outcome == SSHC_UNREACHABLE || hs[i].outcome == SSHC_HOSTKEY ||
				   hs[i].outcome == SSHC_AUTH;
		}
		if (failed) {
			struct buf m = BUF_INIT;
			if (nb > 1)
				buf_addf(&m, "batch %zu/%zu: ", b + 1, nb);
			if (!ssh_describe_failures(&m, hs, cnt, NULL)) /* only skipped hosts */
				buf_adds(&m, "stopped");
			if (!touched && !touched_any && refused)
				buf_adds(&m, " (the command ran on no host)");
			rc = err_set(e, !touched && !touched_any && refused ? SC_EUNREACHABLE : SC_EFAIL, "%s",
				     buf_str(&m));
			buf_release(&m);
		}
		touched_any |= touched;
		run_checkpoint(r);
		for (size_t i = 0; i < cnt; i++) {
			sshc_host_release(&hs[i]);
			free(hcmd[i]);
		}
		free(hcmd);
		free(hs);
		if (rc == 0 && sh->health) {
			struct err ge = ERR_INIT;
			if (gate_run_hosts(r, sh->health, hv + first, cnt, &ge) < 0) {
				rc = err_set(e, SC_EFAIL, "batch %zu/%zu: %s; the rollout stopped there", b + 1, nb, ge.msg);
			}
		}
		if (rc == 0 && run_should_stop(r) && b + 1 < nb)
			rc = err_set(e, SC_EFAIL, "interrupted after batch %zu/%zu", b + 1, nb);
	}
	sshc_identity_free(key, key_len);
	free(hv);
	free(cmd);
	free(rcmd);
	return rc;
}

/* rollback_plan: the hosts where rollback_command would run. */
static int ssh_rollback_plan(struct step *st, struct run *r, struct err *e)
{
	struct ssh_step *sh = st->priv;
	json_t *d = run_detail(r);
	json_t *jhosts = json_object_get(d, "hosts");
	const char *stored = json_string_value(json_object_get(d, "rollback_command"));
	const char *cmd = stored ? stored : sh ? sh->rollback_command : NULL;
	size_t i, n = 0;
	json_t *jh;
	json_array_foreach(jhosts, i, jh) {
		const char *s = json_string_value(json_object_get(jh, "status"));
		if (!s || (strcmp(s, "ran") != 0 && strcmp(s, "failed") != 0 && strcmp(s, "started") != 0))
			continue;
		n++;
		if (cmd)
			run_plan_line(r, "host %s (%s): run %s", json_string_value(json_object_get(jh, "name")),
				      json_string_value(json_object_get(jh, "address")), cmd);
	}
	if (!cmd && n)
		run_plan_line(r, "no rollback_command: nothing is undone on the %zu host%s it ran on", n, n == 1 ? "" : "s");
	else if (!n)
		run_plan_line(r, "the command ran on no host: nothing to undo");
	(void)e;
	return 0;
}

static int ssh_rollback(struct step *st, struct run *r, struct err *e)
{
	struct ssh_step *sh = st->priv;
	json_t *d = run_detail(r);
	json_t *jhosts = json_object_get(d, "hosts");
	const char *stored = json_string_value(json_object_get(d, "rollback_command"));
	char *rcmd = NULL;
	int rc;
	if (!json_is_array(jhosts))
		return 0; /* apply recorded nothing: it ran nowhere */
	/* the command as expanded at apply time, from the records; the
	 * config's if the records hold none (or a redacted one) */
	if (stored && !strstr(stored, "***")) {
		rcmd = xstrdup(stored);
	} else if (sh && sh->rollback_command) {
		r->host = &ssh_any_host;
		rc = ssh_expand(r, sh->rollback_command, &rcmd, e);
		r->host = NULL;
		if (rc < 0)
			return rc;
	} else {
		return 0;
	}
	size_t n = json_array_size(jhosts);
	long long maxb = 0;
	for (size_t i = 0; i < n; i++) {
		long long bn = json_integer_value(json_object_get(json_array_get(jhosts, i), "batch"));
		if (bn > maxb)
			maxb = bn;
	}
	struct ssh_progress p = { r, 0, 0 };
	struct sshc_opts o;
	ssh_opts(st, r, &o, &p);
	/* timeout_ms still cuts a hung rollback command, but a signal does not
	 * stop the rollback half-way (the one that stopped the run is set) */
	o.should_stop = NULL;
	o.keep_going = 1;
	/* the key once for every batch; unreadable, each host says so */
	char *key = NULL;
	size_t key_len = 0;
	if (o.identity && sshc_identity_read(o.identity, &key, &key_len) == 0) {
		o.identity_data = key;
		o.identity_len = key_len;
	}
	/* room for the sockets if the limit allows (the rollback is never
	 * refused for it: a host without a socket says so) */
	struct fdlimit fl;
	fdlimit_reserve(n * sshc_fds_per_host(&o) + SSH_FD_MARGIN, &fl);
	struct buf errs = BUF_INIT;
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_object_get(json_array_get(jhosts, i), "status"));
		if (s && (strcmp(s, "ran") == 0 || strcmp(s, "failed") == 0 || strcmp(s, "started") == 0))
			p.total++;
	}
	for (long long b = maxb; b >= 1; b--) {
		struct sshc_host *hs = xcalloc(n ? n : 1, sizeof(*hs));
		size_t *idx = xcalloc(n ? n : 1, sizeof(*idx));
		size_t cnt = 0;
		for (size_t i = 0; i < n; i++) {
			json_t *jh = json_array_get(jhosts, i);
			const char *s = json_string_value(json_object_get(jh, "status"));
			if (json_integer_value(json_object_get(jh, "batch")) != b || !s ||
			    (strcmp(s, "ran") != 0 && strcmp(s, "failed") != 0 && strcmp(s, "started") != 0))
				continue;
			hs[cnt].name = json_string_value(json_object_get(jh, "name"));
			hs[cnt].address = json_string_value(json_object_get(jh, "address"));
			hs[cnt].port = (int)json_integer_value(json_object_get(jh, "port"));
			hs[cnt].command = json_string_value(json_object_get(jh, "rollback_command"));
			if (!hs[cnt].name || !hs[cnt].address)
				continue;
			idx[cnt++] = i;
		}
		if (cnt) {
			run_log(r, "rollback of batch %lld: %zu host%s", b, cnt, cnt == 1 ? "" : "s");
			/* every host of the batch gets the rollback, even if one fails */
			if (sshc_run(hs, cnt, rcmd, &o) != 0) {
				if (errs.len)
					buf_adds(&errs, "; ");
				failed += ssh_describe_failures(&errs, hs, cnt, "rollback_command: ");
			}
			for (size_t i = 0; i < cnt; i++) {
				json_t *jh = json_array_get(jhosts, idx[i]);
				json_object_set_new(jh, "rollback",
						    json_string(hs[i].outcome == SSHC_OK ? "ran" : sshc_outcome_name(hs[i].outcome)));
				sshc_host_release(&hs[i]);
			}
		}
		free(hs);
		free(idx);
	}
	free(rcmd);
	sshc_identity_free(key, key_len);
	rc = 0;
	if (failed)
		rc = err_set(e, SC_EROLLBACK, "rollback failed on %d host%s: %s", failed, failed == 1 ? "" : "s",
			     buf_str(&errs));
	buf_release(&errs);
	return rc;
}

static enum step_undo ssh_undo(const struct step *st)
{
	/* a command without rollback_command is taken as changing nothing */
	return ((struct ssh_step *)st->priv)->rollback_command ? UNDO_ROLLBACK : UNDO_NOTHING;
}

static const char *ssh_strategy(const struct step *st)
{
	return ((struct ssh_step *)st->priv)->rollback_command
		       ? "rollback: runs rollback_command on the hosts where command ran"
		       : "rollback: none (no rollback_command)";
}

static void ssh_free(struct step *st)
{
	struct ssh_step *sh = st->priv;
	if (!sh)
		return;
	free(sh->command);
	free(sh->rollback_command);
	strv_free(sh->hosts);
	free(sh->batch);
	free(sh->health);
	free(sh);
	st->priv = NULL;
}

/* at config load: the health gate must be another configured step */
static int ssh_check(const struct step *st, const struct config *cfg, struct err *e)
{
	const struct ssh_step *sh = st->priv;
	if (!sh->health)
		return 0;
	struct step *gate = NULL;
	for (size_t i = 0; i < cfg->nsteps; i++)
		if (strcmp(cfg->steps[i].name, sh->health) == 0)
			gate = &cfg->steps[i];
	if (!gate)
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': 'health' names step '%s', which does not exist",
			       st->file, st->line, st->name, sh->health);
	if (gate == st)
		return err_set(e, SC_EUSAGE, "%s:%d: step '%s': 'health' names the step itself", st->file, st->line,
			       st->name);
	gate->gate = 1; /* ${host.*} are defined in it */
	return 0;
}

const struct step_ops step_ssh_ops = {
	.keys = ssh_step_keys,
	.check = ssh_check,
	.kind = "ssh",
	.parse = ssh_parse,
	.plan = ssh_plan,
	.apply = ssh_apply,
	.rollback = ssh_rollback,
	.free = ssh_free,
	.undo = ssh_undo,
	.rollback_strategy = ssh_strategy,
	.rollback_plan = ssh_rollback_plan,
};
