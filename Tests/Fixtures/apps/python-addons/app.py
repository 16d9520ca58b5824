# A Python app linked to a PostgreSQL and a Redis add-on (docs/ADDONS.md), through DATABASE_URL and REDIS_URL only:
# GET /write?n=N inserts row N and counts the write in Redis; GET /read answers "rows=R sum=S writes=W".
import http.server
import os
import urllib.parse

import psycopg2
import redis

cache = redis.Redis.from_url(os.environ["REDIS_URL"])


def database():
    return psycopg2.connect(os.environ["DATABASE_URL"])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        with database() as connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS items (n integer NOT NULL)")
            if url.path == "/write":
                n = int(urllib.parse.parse_qs(url.query)["n"][0])
                cursor.execute("INSERT INTO items (n) VALUES (%s)", (n,))
                cache.incr("writes")
            cursor.execute("SELECT count(*), coalesce(sum(n), 0) FROM items")
            rows, total = cursor.fetchone()
        writes = int(cache.get("writes") or 0)
        body = f"rows={rows} sum={total} writes={writes}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


address = (os.environ.get("BIND_ADDRESS", "127.0.0.1"), int(os.environ["PORT"]))
http.server.HTTPServer(address, Handler).serve_forever()
