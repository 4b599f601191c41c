#!/bin/bash
# Secrets, any bytes.  Secrets holding what encoders change: a token with
# '"', '\', a tab and non-ASCII; a PEM private key (several lines) that a
# step prints with -v; a database password holding '"', '\', '/', '?', '#',
# '@', ':', a blank and non-ASCII, percent-encoded in the environment's
# database URL (a real role: the run connects with it), unencoded in a
# second URL held by a variable whose name is not secret-looking (printed by
# a step), and unencoded as the database of a second environment (a URL
# libpq reads differently and that fails to connect).  A run that fails
# after an http step whose URL holds a secret with '"' and '\\', with --json -v, and -v, and
# --junit, and notify; then status/deploy of the broken environment.
# No secret appears in any form (raw, JSON-escaped, XML-escaped, each PEM
# line, each piece of the password a URL parser can cut it into) in:
# stdout, stderr, --json events, JUnit, notify bodies, every state row
# (runs.error, run_steps.error and detail), and "***" shows where they were.
TD=$(cd "$(dirname "$0")" && pwd); until [ -f "$TD/lib/common.sh" ]; do TD=$(dirname "$TD"); done
. "$TD/lib/common.sh"
sc_setup
pg_start
rnd() { head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
APP_DB=$(pg_createdb app)
PW="pw\"$(rnd)\\x/s2$(rnd)?s3$(rnd)#s4$(rnd)@s5$(rnd) é:s6$(rnd)"
psql $PG_SUPER -qc "CREATE ROLE sc2 LOGIN PASSWORD \$pw\$$PW\$pw\$; GRANT ALL ON DATABASE app TO sc2; ALTER DATABASE app OWNER TO sc2" >/dev/null ||
	fail "cannot create role sc2"
ENC=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$PW")
export SC2_DB="postgresql://sc2:$ENC@127.0.0.1:$PGPORT/app"
export OTHER_URL="postgresql://sc2:$PW@127.0.0.1:$PGPORT/app"
export BROKEN_DB="postgresql://sc2:$PW@127.0.0.1:$PGPORT/app"
export URL_SECRET="ur\"l\\sec-$(rnd)"
export DEPLOY_TOKEN="tok\"en\\with	tab é-$(rnd)"
export SIGNING_KEY="-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ$(rnd)
QyNTUxOQAAACDk1rXhZ3wqmbYvCVLx5T0g2rQWEkr$(rnd)
-----END OPENSSH PRIVATE KEY-----"
psql_q "$SC2_DB" "SELECT 1" >/dev/null || fail "the percent-encoded URL does not connect"
HPORT=$(free_port)
cat >server.py <<'PY'
import sys, http.server, socketserver
port, out = int(sys.argv[1]), sys.argv[2]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "ab") as f: f.write(data + b"\n")
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
S(("127.0.0.1", port), H).serve_forever()
PY
python3 server.py "$HPORT" "$T/scan/notify.bodies" >server.log 2>&1 &
at_exit "kill $!"
mkdir -p scan
for i in $(seq 1 100); do python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$HPORT/', timeout=1)" 2>/dev/null && break; sleep 0.05; done
cat >stagecoach.conf <<CONF
version = 1;
project = "secrets-bytes";
environments = {
  staging = { database = "\${SC2_DB}"; };
  broken = { database = "\${BROKEN_DB}"; };
};
steps = (
  { name = "ping"; kind = "http"; url = "http://127.0.0.1:$HPORT/ping?token=\${URL_SECRET}"; },
  { name = "show"; kind = "shell";
    command = "printf '%s\\\\n' \"\$SIGNING_KEY\"; echo other \$OTHER_URL; echo tok \${DEPLOY_TOKEN}; echo db \$DATABASE_URL; exit \${FAIL:-0}"; }
);
hooks = { notify = [ "http://127.0.0.1:$HPORT/notify" ]; };
CONF
FAIL=3 expect_exit 1 sc --json -v deploy staging --junit "$T/scan/json.xml"
cp "$T/out" scan/json.out; cp "$T/err" scan/json.err
FAIL=3 expect_exit 1 sc -v deploy staging --junit "$T/scan/text.xml"
cp "$T/out" scan/text.out; cp "$T/err" scan/text.err
assert_contains scan/text.out "exited with status 3"
expect_exit 0 sc -v deploy staging
cp "$T/out" scan/ok.out; cp "$T/err" scan/ok.err
for cmd in "status broken" "deploy broken" "history broken" "--json status broken"; do
	sc $cmd >"scan/broken-${cmd// /-}.out" 2>"scan/broken-${cmd// /-}.err"
	rc=$?
	[ "$rc" = 2 ] || [ "$rc" = 6 ] || fail "'$cmd' exited $rc: $(cat "scan/broken-${cmd// /-}.err")"
done
pg_dump "$SC2_DB" -n stagecoach -Fp >scan/state.sql 2>pg_dump.err || fail "pg_dump: $(cat pg_dump.err)"
psql_q "$SC2_DB" "SELECT error, detail FROM stagecoach.run_steps; SELECT error FROM stagecoach.runs" >scan/rows.txt
[ -s scan/notify.bodies ] || fail "no notify body"

# every form a secret can take once encoded, and every piece of the password
python3 - "$PW" "$DEPLOY_TOKEN" "$SIGNING_KEY" "$URL_SECRET" scan/* <<'PY' || fail "a secret leaked"
import sys, json, re, html, urllib.parse
pw, tok, key, url_secret, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
forms = set()
for s in (pw, tok, key, url_secret):
    forms |= {s, json.dumps(s)[1:-1], json.dumps(s, ensure_ascii=False)[1:-1], html.escape(s),
              urllib.parse.quote(s, safe=""), urllib.parse.quote(s)}
forms |= {l for l in key.splitlines() if len(l) >= 8}
forms |= {p for p in re.split(r'[@/?#:&=]', pw) if len(p) >= 3}
bad = 0
for f in files:
    data = open(f, "rb").read().decode("utf-8", "replace")
    for s in forms:
        if s in data:
            i = data.index(s)
            print(f"LEAK of {s[:8]!r}... in {f}: {data[max(0, i - 80):i + 80]!r}", file=sys.stderr)
            bad = 1
sys.exit(bad)
PY
# and redaction really happened where each was printed
grep -q 'tok \*\*\*' scan/text.out || fail "the token was not shown redacted: $(grep 'tok ' scan/text.out)"
grep -q 'other postgresql://sc2:\*\*\*@' scan/text.out || fail "the URL of OTHER_URL: $(grep other scan/text.out)"
grep -q 'db postgresql://sc2:\*\*\*@' scan/text.out || fail "DATABASE_URL: $(grep 'db ' scan/text.out)"
grep -q '\*\*\*' scan/state.sql || fail "nothing redacted in the state rows"
grep -q 'ping?token=\*\*\*' scan/state.sql || fail "the http step's detail: $(grep -o 'ping?token=[^"]*' scan/state.sql | head -2)"
grep -q '\*\*\*' scan/notify.bodies || fail "nothing redacted in the notify bodies"
pass
