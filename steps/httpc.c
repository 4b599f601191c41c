/*
 * httpc: requests through one curl multi handle with retries, backoff with
 * jitter and Retry-After; see httpc.h.  The multi loop lives in httpc_run():
 * requests wait in the caller's order until a slot is free and their
 * next_at_ms (backoff) has come; each finished attempt is either final or
 * scheduled again.  No threads: curl_multi_poll() sleeps until a socket is
 * ready, curl's own timer fires, or the next retry is due.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "httpc.h"
#include "../lib/redact.h"
#include "../lib/utf8.h"

static int httpc_global_ready;

static void httpc_global_init(void)
{
	if (!httpc_global_ready) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		httpc_global_ready = 1;
	}
}

struct httpc_req *httpc_req_new(const char *method, const char *url)
{
	struct httpc_req *q = xcalloc(1, sizeof(*q));
	q->method = xstrdup(method ? method : "GET");
	q->url = xstrdup(url);
	q->timeout_ms = 60000;
	q->connect_timeout_ms = 10000;
	q->retry_after_ms = -1;
	buf_init(&q->body_in);
	httpc_global_init();
	q->easy = curl_easy_init();
	if (!q->easy)
		BUG("curl_easy_init failed");
	/* curl waits a second for "100 Continue" on big bodies; APIs do not need it */
	httpc_req_header(q, "Expect:");
	return q;
}

static void httpc_wipe_headers(struct curl_slist *h)
{
	for (; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
}

void httpc_req_free(struct httpc_req *q)
{
	if (!q)
		return;
	if (q->easy)
		curl_easy_cleanup(q->easy);
	if (q->mime)
		curl_mime_free(q->mime);
	httpc_wipe_headers(q->headers);
	curl_slist_free_all(q->headers);
	free(q->method);
	free(q->url);
	free(q->body);
	free(q->content_type);
	buf_release(&q->body_in);
	line_cap_release(&q->body_cap);
	free(q);
}

void httpc_req_header(struct httpc_req *q, const char *line)
{
	struct curl_slist *n = curl_slist_append(q->headers, line);
	if (!n)
		BUG("out of memory in curl_slist_append");
	q->headers = n;
}

void httpc_req_bearer(struct httpc_req *q, const char *token)
{
	redact_add(token);
	struct buf b = BUF_INIT;
	buf_addf(&b, "Authorization: Bearer %s", token);
	httpc_req_header(q, b.data);
	explicit_bzero(b.data, b.len);
	buf_release(&b);
}

void httpc_req_body(struct httpc_req *q, const void *data, size_t len, const char *content_type)
{
	free(q->body);
	q->body = xmalloc(len + 1);
	memcpy(q->body, data, len);
	q->body[len] = '\0';
	q->body_len = len;
	if (content_type) {
		char *h = xasprintf("Content-Type: %s", content_type);
		httpc_req_header(q, h);
		free(h);
	}
}

curl_mime *httpc_req_mime(struct httpc_req *q)
{
	if (!q->mime) {
		q->mime = curl_mime_init(q->easy);
		if (!q->mime)
			BUG("curl_mime_init failed");
	}
	return q->mime;
}

int httpc_mask_auth_line(char *line)
{
	static const char *const names[] = { "authorization:", "proxy-authorization:", NULL };
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	for (size_t i = 0; names[i]; i++) {
		size_t n = strlen(names[i]);
		if (strncasecmp(p, names[i], n) == 0) {
			char *v = (char *)p + n;
			while (*v == ' ')
				v++;
			/* keep the scheme ("Bearer"), hide the credentials */
			char *sp = strchr(v, ' ');
			char *start = sp ? sp + 1 : v;
			size_t rest = strlen(start);
			if (rest >= 3) {
				start[0] = '*';
				start[1] = '*';
				start[2] = '*';
				start[3] = '\0';
			} else {
				memset(start, '*', rest);
			}
			return 1;
		}
	}
	return 0;
}

/* curl's verbose output: each line to opts->log, Authorization masked, no bodies */
static int httpc_debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
	struct httpc_req *q = userp;
	const char *mark;
	(void)h;
	switch (type) {
	case CURLINFO_TEXT: mark = "* "; break;
	case CURLINFO_HEADER_IN: mark = "< "; break;
	case CURLINFO_HEADER_OUT: mark = "> "; break;
	default: return 0;
	}
	if (!q->opts || !q->opts->log)
		return 0;
	char *copy = xstrndup(data, size);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
		httpc_mask_auth_line(line);
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s%s", mark, line);
		char *red = redact(b.data);
		q->opts->log(q->opts->ctx, red);
		explicit_bzero(b.data, b.len);
		buf_release(&b);
		free(red);
	}
	explicit_bzero(copy, size);
	free(copy);
	return 0;
}

static size_t httpc_write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct httpc_req *q = userp;
	/* bounded whatever the server sends: the head and the tail are kept */
	q->body_cap.head_max = q->max_body ? q->max_body : HTTPC_BODY_CAP;
	q->body_cap.tail_max = HTTPC_BODY_TAIL;
	q->body_dropped = q->body_cap.dropped;
	line_cap_add_bytes(&q->body_cap, data, size * nmemb);
	return size * nmemb;
}

static size_t httpc_header_cb(char *data, size_t size, size_t nmemb, void *userp)
{
	struct httpc_req *q = userp;
	size_t n = size * nmemb;
	static const char name[] = "retry-after:";
	if (n > 4 && strncmp(data, "HTTP", 4) == 0) /* a new answer (after a redirect or 100): its own body */
		line_cap_release(&q->body_cap);
	if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0) {
		char *v = xstrndup(data + sizeof(name) - 1, n - (sizeof(name) - 1));
		q->retry_after_ms = httpc_parse_retry_after(v, (long long)time(NULL));
		free(v);
	}
	return n;
}

static void httpc_setup_attempt(struct httpc_req *q)
{
	CURL *c = q->easy;
	buf_reset(&q->body_in);
	line_cap_release(&q->body_cap);
	q->body_dropped = 0;
	free(q->content_type);
	q->content_type = NULL;
	q->status = 0;
	q->curl_code = CURLE_OK;
	q->retry_after_ms = -1;
	q->errbuf[0] = '\0';
	if (q->attempts > 0)
		return; /* the options stay on the handle */
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_PRIVATE, q);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, q->errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, q->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, q->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, q->insecure_tls ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, q->insecure_tls ? 0L : 2L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "stagecoach");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, httpc_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, q);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, httpc_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, q);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, q->headers);
	if (q->opts && q->opts->log) {
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, httpc_debug_cb);
		curl_easy_setopt(c, CURLOPT_DEBUGDATA, q);
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	if (q->mime) {
		curl_easy_setopt(c, CURLOPT_MIMEPOST, q->mime);
	} else if (q->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
	}
	if (strcmp(q->method, "GET") == 0) {
		if (!q->body && !q->mime)
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		else
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "GET");
	} else if (strcmp(q->method, "HEAD") == 0) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (strcmp(q->method, "POST") == 0) {
		if (!q->body && !q->mime) {
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		}
	} else {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	}
}

int httpc_retryable(CURLcode cc, long status)
{
	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_COULDNT_CONNECT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
	switch (status) {
	case 408: case 429: case 500: case 502: case 503: case 504:
		return 1;
	default:
		return 0;
	}
}

long long httpc_parse_retry_after(const char *value, long long now_wall_s)
{
	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	char *v = xstrdup(value);
	size_t n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		v[--n] = '\0';
	long long ms = -1;
	if (n == 0) {
		ms = -1;
	} else if (strspn(v, "0123456789") == n) {
		if (n > 9)
			ms = HTTPC_RETRY_AFTER_CAP_MS * 1000; /* absurd: capped later */
		else
			ms = atoll(v) * 1000;
	} else {
		time_t t = curl_getdate(v, NULL);
		if (t != (time_t)-1)
			ms = t <= now_wall_s ? 0 : ((long long)t - now_wall_s) * 1000;
	}
	free(v);
	return ms;
}

long long httpc_backoff_ms(int attempt, long long retry_after_ms, unsigned int rnd)
{
	if (attempt < 1)
		attempt = 1;
	long long base = HTTPC_BACKOFF_BASE_MS;
	for (int i = 1; i < attempt && base < HTTPC_BACKOFF_MAX_MS; i++)
		base *= 2;
	if (base > HTTPC_BACKOFF_MAX_MS)
		base = HTTPC_BACKOFF_MAX_MS;
	/* "equal jitter": half fixed, half random, so parallel retries spread out */
	long long half = base / 2;
	long long wait = half + (long long)(rnd % (unsigned int)(half + 1));
	if (retry_after_ms >= 0) {
		long long ra = retry_after_ms > HTTPC_RETRY_AFTER_CAP_MS ? HTTPC_RETRY_AFTER_CAP_MS : retry_after_ms;
		if (wait < ra)
			wait = ra;
	}
	return wait;
}

static unsigned int httpc_random(void)
{
	static unsigned long long s;
	if (!s)
		s = (unsigned long long)time_mono_ms() * 6364136223846793005ULL ^ (unsigned long long)getpid() ^ 0x9e3779b97f4a7c15ULL;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (unsigned int)(s >> 16);
}

static void httpc_finish_attempt(struct httpc_req *q, CURLcode cc)
{
	q->body_dropped = q->body_cap.dropped;
	line_cap_take_bytes(&q->body_cap, &q->body_in);
	q->curl_code = cc;
	long status = 0;
	curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
	q->status = cc == CURLE_OK ? status : 0;
	curl_off_t t = 0;
	if (curl_easy_getinfo(q->easy, CURLINFO_TOTAL_TIME_T, &t) == CURLE_OK)
		q->latency_ms = (long long)(t / 1000);
	char *ct = NULL;
	if (curl_easy_getinfo(q->easy, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		q->content_type = xstrdup(ct);
	if (cc != CURLE_OK && !q->errbuf[0])
		snprintf(q->errbuf, sizeof(q->errbuf), "%s", curl_easy_strerror(cc));
	/* a multipart body must be readable again by a retry: curl rewinds it */
}

/* Start what may start: in order, a slot free and its backoff over. */
static int httpc_start_due(CURLM *m, struct httpc_req **reqs, size_t n, int parallel, size_t *inflight, struct err *e)
{
	long long now = time_mono_ms();
	for (size_t i = 0; i < n && *inflight < (size_t)parallel; i++) {
		struct httpc_req *q = reqs[i];
		if (q->done || q->in_flight || q->next_at_ms > now)
			continue;
		httpc_setup_attempt(q);
		q->attempts++;
		CURLMcode mc = curl_multi_add_handle(m, q->easy);
		if (mc != CURLM_OK)
			return err_set(e, SC_EFAIL, "curl: %s", curl_multi_strerror(mc));
		q->in_flight = 1;
		(*inflight)++;
	}
	return 0;
}

int httpc_run(struct httpc_req **reqs, size_t n, const struct httpc_opts *opts, struct err *e)
{
	static const struct httpc_opts none = { .parallel = 1 };
	if (!opts)
		opts = &none;
	int parallel = opts->parallel > 0 ? opts->parallel : 1;
	CURLM *m = curl_multi_init();
	if (!m)
		return err_set(e, SC_EFAIL, "cannot create a curl multi handle");
	size_t ndone = 0, inflight = 0;
	for (size_t i = 0; i < n; i++) {
		reqs[i]->opts = opts;
		reqs[i]->attempts = 0;
		reqs[i]->done = 0;
		reqs[i]->in_flight = 0;
		reqs[i]->next_at_ms = 0;
		reqs[i]->waited_ms = 0;
	}
	int rc = 0, refused = 0;
	struct httpc_req **finished = xcalloc(n ? n : 1, sizeof(*finished));
	while (ndone < n) {
		if (opts->should_stop && opts->should_stop(opts->ctx)) {
			rc = err_set(e, SC_EFAIL, "interrupted");
			break;
		}
		long long now;
		if ((rc = httpc_start_due(m, reqs, n, parallel, &inflight, e)) < 0)
			goto out;
		int running = 0;
		size_t nfinished = 0;
		CURLMcode mc = curl_multi_perform(m, &running);
		if (mc != CURLM_OK) {
			rc = err_set(e, SC_EFAIL, "curl: %s", curl_multi_strerror(mc));
			break;
		}
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct httpc_req *q = NULL;
			CURL *easy = msg->easy_handle;
			CURLcode cc = msg->data.result;
			curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&q);
			curl_multi_remove_handle(m, easy);
			q->in_flight = 0;
			inflight--;
			httpc_finish_attempt(q, cc);
			if (q->attempts <= q->retries && httpc_retryable(q->curl_code, q->status)) {
				long long wait = httpc_backoff_ms(q->attempts, q->retry_after_ms, httpc_random());
				q->next_at_ms = time_mono_ms() + wait;
				q->waited_ms += wait;
				if (opts->retrying)
					opts->retrying(opts->ctx, q, wait);
				continue;
			}
			q->done = 1;
			finished[nfinished++] = q;
			if (opts->stop_after_refusal && q->curl_code == CURLE_OK && q->status >= 400 && q->status < 500)
				refused = 1;
		}
		/* the freed slots are taken before the callbacks run: a callback
		 * that writes records (functions_deploy) then overlaps the next
		 * requests instead of delaying them */
		if (nfinished && !refused && !(opts->should_stop && opts->should_stop(opts->ctx))) {
			if ((rc = httpc_start_due(m, reqs, n, parallel, &inflight, e)) < 0)
				goto out;
			if ((mc = curl_multi_perform(m, &running)) != CURLM_OK) {
				rc = err_set(e, SC_EFAIL, "curl: %s", curl_multi_strerror(mc));
				break;
			}
		}
		for (size_t k = 0; k < nfinished; k++) {
			ndone++;
			if (opts->done)
				opts->done(opts->ctx, finished[k], ndone, n);
		}
		/* after a refusal, what has not been sent yet is not sent */
		for (size_t i = 0; refused && i < n; i++) {
			struct httpc_req *q = reqs[i];
			if (q->done || q->in_flight || q->attempts > 0)
				continue;
			q->done = 1;
			q->curl_code = CURLE_ABORTED_BY_CALLBACK;
			snprintf(q->errbuf, sizeof(q->errbuf), "not sent: an earlier request was refused");
			ndone++;
			if (opts->done)
				opts->done(opts->ctx, q, ndone, n);
		}
		if (ndone == n)
			break;
		/* sleep until a socket moves, a backoff ends, or (for the stop
		 * flag) 250 ms pass.  A request that waits only for a slot has no
		 * deadline: a finished transfer frees the slot and wakes the poll.
		 * (Counting it as due made every wait a zero-timeout busy loop.) */
		now = time_mono_ms();
		long long wake = now + 250;
		for (size_t i = 0; i < n; i++) {
			struct httpc_req *q = reqs[i];
			if (q->done || q->in_flight)
				continue;
			if (q->next_at_ms > now) {
				if (q->next_at_ms < wake)
					wake = q->next_at_ms;
			} else if (inflight < (size_t)parallel) {
				wake = now; /* due and a slot is free */
			}
		}
		long long timeout = wake - now;
		if (timeout < 0)
			timeout = 0;
		/* a slot is free and something is due: loop at once */
		if (inflight < (size_t)parallel && timeout == 0)
			continue;
		mc = curl_multi_poll(m, NULL, 0, (int)timeout, NULL);
		if (mc != CURLM_OK) {
			rc = err_set(e, SC_EFAIL, "curl: %s", curl_multi_strerror(mc));
			break;
		}
	}
out:
	for (size_t i = 0; i < n; i++) {
		if (reqs[i]->in_flight) {
			curl_multi_remove_handle(m, reqs[i]->easy);
			reqs[i]->in_flight = 0;
		}
		reqs[i]->opts = NULL; /* the debug callback checks it */
	}
	curl_multi_cleanup(m);
	free(finished);
	return rc;
}

int httpc_run1(struct httpc_req *q, const struct httpc_opts *opts, struct err *e)
{
	return httpc_run(&q, 1, opts, e);
}

int httpc_req_ok(const struct httpc_req *q, long expect)
{
	if (q->curl_code != CURLE_OK)
		return 0;
	if (expect)
		return q->status == expect;
	return q->status >= 200 && q->status < 300;
}

int httpc_req_transport_failed(const struct httpc_req *q)
{
	return q->curl_code != CURLE_OK;
}

static const char *httpc_json_message(json_t *j)
{
	static const char *const keys[] = { "message", "msg", "error_description", "error", NULL };
	if (!json_is_object(j))
		return NULL;
	for (size_t i = 0; keys[i]; i++) {
		json_t *v = json_object_get(j, keys[i]);
		if (json_is_string(v) && json_string_length(v) > 0)
			return json_string_value(v);
		if (json_is_object(v)) {
			const char *inner = httpc_json_message(v);
			if (inner)
				return inner;
		}
	}
	return NULL;
}

char *httpc_api_message(const char *body, size_t len)
{
	if (!body || len == 0)
		return NULL;
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);
	if (j) {
		const char *m = httpc_json_message(j);
		char *out = m ? xstrdup(m) : NULL;
		json_decref(j);
		if (out)
			return out;
	}
	size_t n = 0;
	while (n < len && n < 200 && body[n] != '\n' && body[n] != '\r' && body[n] != '\0')
		n++;
	while (n > 0 && isspace((unsigned char)body[n - 1]))
		n--;
	if (n == 0)
		return NULL;
	/* bytes that are not UTF-8 as U+FFFD, control characters as '?' */
	char *out = utf8_clean(body, n);
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

void httpc_req_describe(const struct httpc_req *q, struct buf *out)
{
	if (q->curl_code != CURLE_OK) {
		buf_adds(out, q->errbuf[0] ? q->errbuf : curl_easy_strerror(q->curl_code));
	} else {
		buf_addf(out, "HTTP %ld", q->status);
		char *m = httpc_api_message(q->body_in.data, q->body_in.len);
		if (m) {
			buf_addf(out, ": %s", m);
			free(m);
		}
	}
	if (q->attempts > 1)
		buf_addf(out, " (after %d attempts)", q->attempts);
}
