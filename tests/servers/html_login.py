# tests/servers/html_login.py PORT_FILE: answers every request 200 with an HTML
# login page, as a proxy or a wrong URL does in front of an API.
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def _a(self):
        b=b"<!doctype html><html><body>Sign in</body></html>"
        self.send_response(200); self.send_header("Content-Type","text/html"); self.send_header("Content-Length",str(len(b))); self.end_headers(); self.wfile.write(b)
    do_GET=do_POST=do_DELETE=_a
    def log_message(self,*a): pass
s=http.server.HTTPServer(("127.0.0.1",0),H)
with open(sys.argv[1],"w") as f: f.write(str(s.server_address[1]))
s.serve_forever()
