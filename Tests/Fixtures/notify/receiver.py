"""A webhook receiver for the alert tests (Tests/IntegrationTests/NotifyTests.swift): a real listening server.

receiver.py record PORT DIR SOCKET   answers every POST 200 and writes it to DIR/NNNN.json as
                                     {"path", "headers", "body"} (written whole, then renamed)
receiver.py hang PORT DIR SOCKET     accepts connections and never answers (a receiver that is down but listening)

Each mode sends the datagram "listening" to the Unix datagram socket SOCKET once it listens, and "request N"
after it wrote request N, so the test awaits events instead of sleeping.
"""
import http.server
import json
import os
import socket
import sys

mode, port, directory, notify = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def tell(text):
    sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        sender.sendto(text.encode(), notify)
    finally:
        sender.close()


if mode == "hang":
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    tell("listening")
    held = []
    while True:
        connection, _ = server.accept()
        held.append(connection)


class Recorder(http.server.BaseHTTPRequestHandler):
    count = 0

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        Recorder.count += 1
        record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        final = os.path.join(directory, "%04d.json" % Recorder.count)
        with open(final + ".tmp", "w") as out:
            json.dump(record, out)
        os.rename(final + ".tmp", final)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        tell("request %d" % Recorder.count)

    def log_message(self, *args):
        pass


class Server(http.server.HTTPServer):
    allow_reuse_address = True


server = Server(("127.0.0.1", port), Recorder)
tell("listening")
server.serve_forever()
