#!/bin/bash
# Any output.  Steps, hosts and HTTP servers that send bytes which are not
# UTF-8 (lone \xff, a cut sequence, an overlong form, a surrogate, NUL) and
# endless output:
#   1. a shell step prints bad bytes and fails, an ssh step prints bad
#      bytes, an http step gets a 500 whose body is bad bytes; the run is
#      rolled back (exit 1, never a BUG), and its records hold U+FFFD where
#      the bad bytes were: runs.error and run_steps.error/detail (PostgreSQL
#      refuses invalid UTF-8: the writes would fail), the --json events (one
#      valid JSON object a line), the JUnit report (valid XML) and the notify
#      body (valid JSON; jansson refuses invalid UTF-8: BUG at notify.c);
#   2. a step printing a 300 MB line without a newline (-v) and a health
#      check reading a 400 MB body stay under 50 MB of RSS
#      (/usr/bin/time -v), the line shown cut with "[... N bytes dropped ...]".
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
. "$TD/lib/sshd.sh"
sc_setup
pg_start
sshd_start
export APP_DB=$(pg_createdb app)
HPORT=$(free_port)
cat >server.py <<'PY'
import sys, http.server, socketserver
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path == "/huge":
            n = 400 * 1024 * 1024
            self.send_response(200); self.send_header("Content-Length", str(n)); self.end_headers()
            chunk = b"healthy " * 131072
            sent = 0
            while sent < n:
                c = chunk[: n - sent]; self.wfile.write(c); sent += len(c)
        elif self.path == "/bin":
            body = b"server \xff\xfe said \xc3\x28 \xe0\x80\xaf \xed\xa0\x80 no\n"
            self.send_response(500); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        data = self.rfile.read(n)
        with open(out, "ab") as f: f.write(data + b"\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
S(("127.0.0.1", port), H).serve_forever()
PY
python3 server.py "$HPORT" "$T/notify.bodies" >server.log 2>&1 &
at_exit "kill $!"
wait_http() { python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$HPORT/', timeout=1)"; }
for i in $(seq 1 100); do wait_http 2>/dev/null && break; sleep 0.05; done
wait_http || fail "test HTTP server did not start"
cat >stagecoach.conf <<CONF
version = 1;
project = "bytes";
environments = {
  staging = {
    database = "\${APP_DB}";
    ssh = { user = "$SSH_USER"; identity = "$SSH_KEY"; known_hosts = "$KNOWN_HOSTS"; };
    $(ssh_hosts_conf app1)
  };
};
steps = (
  { name = "remote"; kind = "ssh"; command = "printf 'host \\\\377\\\\376 out \\\\303\\\\050 end\\\\n'"; },
  { name = "local"; kind = "shell";
    command = "printf 'local \\\\377 bad \\\\300\\\\257 \\\\000 nul\\\\n'; exit \${FAIL:-0}"; },
  { name = "api"; kind = "http"; url = "http://127.0.0.1:$HPORT/\${HTTP_PATH:-ok}"; },
  { name = "big"; kind = "shell"; command = "eval \${BIG_CMD:-true}"; },
  { name = "health"; kind = "health_check"; url = "http://127.0.0.1:$HPORT/\${HEALTH_PATH:-ok}"; retries = 1; }
);
hooks = { notify = [ "http://127.0.0.1:$HPORT/notify" ]; };
CONF
is_utf8() { python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$1"; }

# 1a. the shell step fails with bad bytes
FAIL=3 expect_exit 1 sc --json -v deploy staging --junit "$T/fail.xml"
cp "$T/out" json.out; cp "$T/err" json.err
assert_not_contains json.err "BUG"
python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    json.loads(l)' json.out || fail "--json events are not valid JSON lines"
grep -q 'local � bad' json.out || grep -qi 'local \\ufffd bad' json.out || fail "the bad bytes are not shown as U+FFFD: $(grep local json.out | head -2)"
python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' fail.xml || fail "JUnit report is not valid XML"
is_utf8 fail.xml || fail "JUnit report is not UTF-8"
grep -q 'local � bad' fail.xml || fail "JUnit report lost the output: $(grep -c local fail.xml)"
[ -s notify.bodies ] || fail "no notify body was sent"
python3 -c '
import json, sys
for l in open(sys.argv[1], "rb"):
    j = json.loads(l.decode("utf-8"))
    assert "\ufffd" in (j["error"] or ""), j["error"]' notify.bodies || fail "notify body: $(head -c 600 notify.bodies)"
st=$(psql_q "$APP_DB" "SELECT status FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1")
assert_eq "$st" "rolled_back" "run status"
psql_q "$APP_DB" "SELECT error FROM stagecoach.runs ORDER BY started_at DESC LIMIT 1" | grep -q 'local � bad' ||
	fail "runs.error lost the output: $(psql_q "$APP_DB" "SELECT error FROM stagecoach.runs")"
psql_q "$APP_DB" "SELECT error FROM stagecoach.run_steps WHERE name = 'local' ORDER BY started_at DESC LIMIT 1" | grep -q '�' ||
	fail "run_steps.error: $(psql_q "$APP_DB" "SELECT name, error FROM stagecoach.run_steps")"

# 1b. the same, human output with -v (the ssh output is shown repaired)
FAIL=3 expect_exit 1 sc -v deploy staging
assert_not_contains "$T/err" "BUG"
is_utf8 "$T/out" || fail "stdout is not UTF-8"
is_utf8 "$T/err" || fail "stderr is not UTF-8"
grep -q 'host �� out �( end' "$T/out" "$T/err" || fail "ssh output not repaired: $(grep -h 'host' "$T/out" "$T/err" | head -3)"

# 1c. an HTTP server answers 500 with bad bytes: the error holds them repaired
HTTP_PATH=bin expect_exit 1 sc deploy staging
assert_not_contains "$T/err" "BUG"
is_utf8 "$T/err" || fail "stderr is not UTF-8"
grep -q 'server �� said' "$T/err" || fail "the server's message is not shown repaired: $(cat "$T/err")"
psql_q "$APP_DB" "SELECT error FROM stagecoach.run_steps WHERE name = 'api' ORDER BY started_at DESC LIMIT 1" | grep -q 'server ��' ||
	fail "run_steps.error: $(psql_q "$APP_DB" "SELECT name, error FROM stagecoach.run_steps WHERE name = 'api'")"

# 2. bounded memory: a 300 MB line and a 400 MB body
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
BIG_CMD="head -c 300000000 /dev/zero | tr '\\000' a; echo; echo after-the-line" \
	expect_exit 0 /usr/bin/time -v -o time-line.txt "$SC" -v deploy staging
grep -q 'bytes dropped' "$T/out" "$T/err" || fail "the long line was not cut"
grep -q 'after-the-line' "$T/out" "$T/err" || fail "the next line was lost"
[ "$(rss time-line.txt)" -lt 51200 ] || fail "300 MB line: RSS $(rss time-line.txt) kB"
HEALTH_PATH=huge expect_exit 0 /usr/bin/time -v -o time-body.txt "$SC" deploy staging
[ "$(rss time-body.txt)" -lt 51200 ] || fail "400 MB body: RSS $(rss time-body.txt) kB"
echo "RSS: 300 MB line $(rss time-line.txt) kB, 400 MB body $(rss time-body.txt) kB"
pass
