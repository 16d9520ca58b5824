# The example app scripts/up deploys with a git push: answers "Hello from Dokuen" on $PORT.
import http.server
import os


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("Hello from Dokuen: %s, release of %s\n" % (os.environ.get("DYNO"), os.environ.get("DOKUEN_APP"))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer((os.environ.get("BIND_ADDRESS", "127.0.0.1"), int(os.environ["PORT"])), Hello).serve_forever()
