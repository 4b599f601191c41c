#!/usr/bin/env python3
"""fake_supabase: a loopback stand-in for the Supabase Management API's edge
function endpoints, and a generic HTTP target for the http, health_check and
notify tests.  Python 3 standard library only.

API (documented shape), all under /v1/projects/REF, with Authorization: Bearer TOKEN
(else 401 {"message": "..."}):
  POST   /functions/deploy?slug=SLUG   multipart/form-data: `metadata` JSON part
                                       (entrypoint_path, name, verify_jwt) and `file`
                                       parts named by their path; 201 with the function
  GET    /functions                    the list of functions
  GET    /functions/SLUG               one function
  GET    /functions/SLUG/body          its source, as multipart/form-data
  DELETE /functions/SLUG               remove it
Any other path (e.g. /health, /notify) answers 200 "ok" (configurable, see below).

Control (never logged, never failed, never delayed):
  GET  /_control/log        {"requests": [...], "max_concurrency": N, "max_concurrency_deploy": N}
                            each request: method, path, query, start, end (seconds), status,
                            body (text, for non-API paths), headers (Authorization removed)
  POST /_control/reset      forget the log and the concurrency marks
  GET  /_control/functions  {slug: {"metadata": {...}, "files": {name: text}, "deploys": N}}
  POST /_control/seed       {"slug": .., "files": {name: text}, "entrypoint_path": ..}: a function
                            that exists without stagecoach having deployed it
  POST /_control/fail       {"match": "deploy"|"health"|PATH-PREFIX|"*", "method": optional,
                             "count": N, "status": 500, "retry_after": "2", "drop": false,
                             "delay_ms": 0, "body": optional, "unheld": false}: the next N
                            matching requests fail like this (rules are used in order);
                            "unheld": such a request is answered even while /_control/hold
                            holds the others (to order a refusal before another's answer)
  POST /_control/config     {"delay_ms": N, "delay_match": "*"|"deploy"|PATH-PREFIX,
                             "health_status": N, "health_delay_ms": N,
                             "health_body": "..."}
  POST /_control/hold       {"match": "*"|"deploy"|PATH-PREFIX}: matching requests wait
                            (logged, end null) until /_control/release (at most 120 s),
                            then go on as usual; for a test that acts while they are in
                            flight without racing a delay
  POST /_control/release    let the held requests go on; hold no more

Command line: --port-file FILE (binds port 0, writes the port there), --token TOKEN,
--ref REF (default "testref"; "*": any project), --delay-ms N (every request, or those of --delay-match), --fail-500 N,
--fail-429 N --retry-after S, --drop N, --fail-401 N (these act on deploy requests).
"""
import argparse
import email.parser
import email.policy
import json
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs

LOCK = threading.Lock()
RELEASED = threading.Event()  # cleared by /_control/hold, set by /_control/release
RELEASED.set()
STATE = {
    "functions": {},     # slug -> {"metadata": {}, "files": {name: bytes}, "deploys": n, ...}
    "log": [],
    "inflight": 0, "inflight_deploy": 0,
    "max_concurrency": 0, "max_concurrency_deploy": 0,
    "rules": [],         # failure rules
    "hold": None,        # the match of /_control/hold, None when not holding
    "config": {"delay_ms": 0, "delay_match": "*", "health_status": 200, "health_delay_ms": 0, "health_body": "ok"},
}
ARGS = None


def now():
    return time.time()


def function_object(slug, f):
    return {
        "id": f["id"], "slug": slug, "name": f["metadata"].get("name", slug), "status": "ACTIVE",
        "version": f["deploys"], "created_at": f["created_at"], "updated_at": f["updated_at"],
        "verify_jwt": f["metadata"].get("verify_jwt", True),
        "entrypoint_path": f["metadata"].get("entrypoint_path", "index.ts"),
    }


def parse_multipart(content_type, body):
    """[(name, filename, bytes)] of a multipart/form-data body"""
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        raise ValueError("not multipart")
    parts = []
    for part in msg.iter_parts():
        cd = part.get("Content-Disposition", "")
        name = part.get_param("name", header="content-disposition")
        filename = part.get_param("filename", header="content-disposition")
        if not cd or name is None:
            raise ValueError("part without content-disposition name")
        parts.append((name, filename, part.get_payload(decode=True) or b""))
    return parts


def build_multipart(metadata, files):
    boundary = "fakesb" + uuid.uuid4().hex
    out = []
    out.append(("--%s\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
                "Content-Type: application/json\r\n\r\n" % boundary).encode())
    out.append(json.dumps(metadata).encode() + b"\r\n")
    for name in sorted(files):
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n"
                    "Content-Type: application/octet-stream\r\n\r\n" % (boundary, name)).encode())
        out.append(files[name] + b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return "multipart/form-data; boundary=%s" % boundary, b"".join(out)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY: http.server writes the headers and the body apart; with
    # Nagle on, the body of an answer on a kept-alive connection waited for
    # the client's delayed ACK (40 ms on Linux), which bench/functions.sh
    # counted against stagecoach (a real API answers in one go)
    disable_nagle_algorithm = True
    server_version = "fake-supabase/1"

    def log_message(self, fmt, *args):
        if os.environ.get("FAKE_API_VERBOSE"):
            sys.stderr.write("fake_supabase: " + fmt % args + "\n")

    # one entry point for every method
    def do_GET(self): self.handle_any()
    def do_POST(self): self.handle_any()
    def do_DELETE(self): self.handle_any()
    def do_PUT(self): self.handle_any()
    def do_PATCH(self): self.handle_any()
    def do_HEAD(self): self.handle_any()

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            return self.rfile.read(n)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return data
        return b""

    def send(self, status, body=b"", ctype="application/json", extra=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status

    def handle_any(self):
        url = urlsplit(self.path)
        path, query = url.path, parse_qs(url.query)
        body = self.read_body()
        if path.startswith("/_control/"):
            return self.control(path, body)
        is_api = path.startswith("/v1/")
        is_deploy = is_api and path.endswith("/functions/deploy")
        entry = {"method": self.command, "path": path, "query": url.query, "start": now(), "end": None,
                 "status": None,
                 "headers": {k: v for k, v in self.headers.items() if k.lower() != "authorization"}}
        if not is_api:
            entry["body"] = body.decode("utf-8", "replace")
        with LOCK:
            STATE["log"].append(entry)
            STATE["inflight"] += 1
            STATE["max_concurrency"] = max(STATE["max_concurrency"], STATE["inflight"])
            if is_deploy:
                STATE["inflight_deploy"] += 1
                STATE["max_concurrency_deploy"] = max(STATE["max_concurrency_deploy"], STATE["inflight_deploy"])
            rule = self.take_rule(path, is_deploy)
            delay = STATE["config"]["delay_ms"] if self.matches(STATE["config"]["delay_match"], path, is_deploy) else 0
            hold = (STATE["hold"] is not None and self.matches(STATE["hold"], path, is_deploy)
                    and not (rule and rule.get("unheld")))
        try:
            if hold:
                RELEASED.wait(120)
            if delay:
                time.sleep(delay / 1000.0)
            if rule:
                if rule.get("delay_ms"):
                    time.sleep(rule["delay_ms"] / 1000.0)
                if rule.get("drop"):
                    entry["status"] = "dropped"
                    self.close_connection = True
                    try:
                        self.connection.shutdown(2)
                    except OSError:
                        pass
                    return
                if rule.get("status"):
                    extra = {}
                    if rule.get("retry_after") is not None:
                        extra["Retry-After"] = str(rule["retry_after"])
                    msg = rule.get("body") or {"message": "injected failure %d" % rule["status"]}
                    entry["status"] = self.send(rule["status"], msg, extra=extra)
                    return
            if is_api:
                entry["status"] = self.api(path, query, body)
            else:
                entry["status"] = self.generic(path)
        finally:
            entry["end"] = now()
            with LOCK:
                STATE["inflight"] -= 1
                if is_deploy:
                    STATE["inflight_deploy"] -= 1

    @staticmethod
    def matches(m, path, is_deploy):
        return (m == "*" or (m == "deploy" and is_deploy) or (m == "health" and path == "/health")
                or (m not in ("deploy", "health") and path.startswith(m)))

    def take_rule(self, path, is_deploy):
        for r in STATE["rules"]:
            if r["count"] <= 0:
                continue
            ok = self.matches(r.get("match", "*"), path, is_deploy)
            if ok and r.get("method") and r["method"] != self.command:
                ok = False
            if ok:
                r["count"] -= 1
                return r
        return None

    def generic(self, path):
        cfg = STATE["config"]
        if path == "/health":
            if cfg["health_delay_ms"]:
                time.sleep(cfg["health_delay_ms"] / 1000.0)
            return self.send(cfg["health_status"], cfg["health_body"], ctype="text/plain")
        if path.startswith("/status/"):
            return self.send(int(path.split("/")[2]), "status", ctype="text/plain")
        return self.send(200, "ok", ctype="text/plain")

    def api(self, path, query, body):
        auth = self.headers.get("Authorization", "")
        if auth != "Bearer " + ARGS.token:
            return self.send(401, {"message": "unauthorized: invalid or missing access token"})
        m = re.match(r"^/v1/projects/([^/]+)/functions(?:/([^/]+))?(?:/(body))?$", path)
        if not m:
            return self.send(404, {"message": "not found: " + path})
        ref, slug, sub = m.group(1), m.group(2), m.group(3)
        if ARGS.ref != "*" and ref != ARGS.ref:
            return self.send(404, {"message": "project '%s' not found" % ref})
        fns = STATE["functions"]
        if slug == "deploy" and sub is None and self.command == "POST":
            slug = (query.get("slug") or [None])[0]
            if not slug:
                return self.send(400, {"message": "slug is required"})
            try:
                parts = parse_multipart(self.headers.get("Content-Type", ""), body)
            except Exception as ex:  # noqa
                return self.send(400, {"message": "bad multipart: %s" % ex})
            meta, files = None, {}
            for name, filename, data in parts:
                if name == "metadata":
                    meta = json.loads(data.decode())
                elif name == "file":
                    if not filename:
                        return self.send(400, {"message": "file part without filename"})
                    files[filename] = data
            if meta is None or "entrypoint_path" not in meta:
                return self.send(400, {"message": "metadata with entrypoint_path is required"})
            if meta["entrypoint_path"] not in files:
                return self.send(400, {"message": "entrypoint '%s' not among the files" % meta["entrypoint_path"]})
            with LOCK:
                f = fns.get(slug)
                t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                if f is None:
                    f = {"id": str(uuid.uuid4()), "created_at": t, "deploys": 0}
                    fns[slug] = f
                f.update({"metadata": meta, "files": files, "updated_at": t})
                f["deploys"] += 1
                obj = function_object(slug, f)
            return self.send(201, obj)
        if slug is None:
            if self.command != "GET":
                return self.send(405, {"message": "method not allowed"})
            with LOCK:
                lst = [function_object(s, f) for s, f in sorted(fns.items())]
            return self.send(200, lst)
        with LOCK:
            f = fns.get(slug)
        if f is None:
            return self.send(404, {"message": "function '%s' not found" % slug})
        if sub == "body" and self.command == "GET":
            ctype, data = build_multipart(f["metadata"], f["files"])
            return self.send(200, data, ctype=ctype)
        if sub is None and self.command == "GET":
            return self.send(200, function_object(slug, f))
        if sub is None and self.command == "DELETE":
            with LOCK:
                fns.pop(slug, None)
            return self.send(200, {"message": "function '%s' deleted" % slug})
        return self.send(405, {"message": "method not allowed"})

    def control(self, path, body):
        req = json.loads(body.decode() or "{}") if body else {}
        if path == "/_control/log":
            with LOCK:
                return self.send(200, {"requests": STATE["log"], "max_concurrency": STATE["max_concurrency"],
                                       "max_concurrency_deploy": STATE["max_concurrency_deploy"]})
        if path == "/_control/reset":
            with LOCK:
                STATE["log"] = []
                STATE["max_concurrency"] = STATE["max_concurrency_deploy"] = 0
            return self.send(200, {"ok": True})
        if path == "/_control/functions":
            with LOCK:
                out = {s: {"metadata": f["metadata"], "deploys": f["deploys"],
                           "files": {n: d.decode("utf-8", "replace") for n, d in f["files"].items()}}
                       for s, f in STATE["functions"].items()}
            return self.send(200, out)
        if path == "/_control/seed":
            t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            with LOCK:
                STATE["functions"][req["slug"]] = {
                    "id": str(uuid.uuid4()), "created_at": t, "updated_at": t, "deploys": 1,
                    "metadata": {"entrypoint_path": req.get("entrypoint_path", "index.ts"),
                                 "name": req["slug"], "verify_jwt": req.get("verify_jwt", True)},
                    "files": {n: v.encode() for n, v in req["files"].items()}}
            return self.send(200, {"ok": True})
        if path == "/_control/fail":
            with LOCK:
                req.setdefault("count", 1)
                STATE["rules"].append(req)
            return self.send(200, {"ok": True})
        if path == "/_control/hold":
            with LOCK:
                STATE["hold"] = req.get("match", "*")
                RELEASED.clear()
            return self.send(200, {"ok": True})
        if path == "/_control/release":
            with LOCK:
                STATE["hold"] = None
                RELEASED.set()
            return self.send(200, {"ok": True})
        if path == "/_control/config":
            with LOCK:
                STATE["config"].update(req)
            return self.send(200, {"ok": True})
        return self.send(404, {"message": "unknown control path"})


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--ref", default="testref")
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--delay-match", default="*", help='"*", "deploy", "health" or a path prefix')
    ap.add_argument("--fail-500", type=int, default=0)
    ap.add_argument("--fail-429", type=int, default=0)
    ap.add_argument("--retry-after", default="1")
    ap.add_argument("--drop", type=int, default=0)
    ap.add_argument("--fail-401", type=int, default=0)
    ARGS = ap.parse_args()
    STATE["config"]["delay_ms"] = ARGS.delay_ms
    STATE["config"]["delay_match"] = ARGS.delay_match
    if ARGS.fail_500:
        STATE["rules"].append({"match": "deploy", "count": ARGS.fail_500, "status": 500})
    if ARGS.fail_429:
        STATE["rules"].append({"match": "deploy", "count": ARGS.fail_429, "status": 429,
                               "retry_after": ARGS.retry_after})
    if ARGS.drop:
        STATE["rules"].append({"match": "deploy", "count": ARGS.drop, "drop": True})
    if ARGS.fail_401:
        STATE["rules"].append({"match": "deploy", "count": ARGS.fail_401, "status": 401,
                               "body": {"message": "unauthorized: token expired"}})
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 64
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, ARGS.port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
