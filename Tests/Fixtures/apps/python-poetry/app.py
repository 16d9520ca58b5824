# A Python app whose lockfile pins six 1.16.0 (the newest is 1.17.0): answers "hello from python-poetry (six 1.16.0)"
# on $PORT. `python` (not python3) and `six` come from the virtualenv that the buildpack's .profile.d script puts
# on PATH.
import http.server
import os

import six


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"hello from python-poetry (six {six.__version__})\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


address = (os.environ.get("BIND_ADDRESS", "127.0.0.1"), int(os.environ["PORT"]))
http.server.HTTPServer(address, Hello).serve_forever()
