# The app of the third-party fixture buildpack, which has no Procfile: the buildpack's default web process starts
# it. It answers "<greeting> from third-party (GREETING_SOURCE=<value>, profile=<value>)" on $PORT, where the
# greeting was read from ENV_DIR at compile time (default "hello"), GREETING_SOURCE comes from the release's
# config_vars ("buildpack") unless the app's config overrides it, and profile from the buildpack's .profile.d.
import http.server
import os

with open("greeting.txt") as file:
    greeting = file.read().strip()


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        source = os.environ.get("GREETING_SOURCE", "unset")
        profile = os.environ.get("THIRDPARTY_PROFILE", "unset")
        body = f"{greeting} from third-party (GREETING_SOURCE={source}, profile={profile})\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


address = (os.environ.get("BIND_ADDRESS", "127.0.0.1"), int(os.environ["PORT"]))
http.server.HTTPServer(address, Hello).serve_forever()
