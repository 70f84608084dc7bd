#!/usr/bin/env python3
"""A recommendation service for Microcosm's shop, written in Python with the
standard library only: an example of an external service (README, "External
services"). Microcosm's gateway forwards the routes that the architecture
gives it to this process over HTTP.

  GET /recommendations/{user}  -> 200 {"user": ..., "products": [ids]}
  GET /health                  -> 200 {"status": "ok"}

The products suggested to a user are deterministic: the same user always
gets the same five product ids (1..60, the shop's catalogue). It binds
127.0.0.1 only, logs one line per request to stderr and exits cleanly on
SIGTERM (or Ctrl+C).

    python3 examples/recommendation/recommendation.py --port 8090
"""

import argparse
import hashlib
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CATALOGUE_SIZE = 60  # the shop's product ids are 1..60
SUGGESTIONS = 5


def recommend(user):
    """Five distinct product ids for a user, the same every time."""
    ids = []
    counter = 0
    while len(ids) < SUGGESTIONS:
        digest = hashlib.sha256(f"{user}:{counter}".encode()).digest()
        pid = int.from_bytes(digest[:4], "big") % CATALOGUE_SIZE + 1
        if pid not in ids:
            ids.append(pid)
        counter += 1
    return ids


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.1: keep-alive, so each Microcosm worker keeps one connection.
    protocol_version = "HTTP/1.1"
    server_version = "microcosm-recommendation/1"

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        started = time.monotonic()
        path = self.path.split("?", 1)[0]
        parts = [p for p in path.split("/") if p]
        if parts == ["health"]:
            self.answer(200, {"status": "ok"})
        elif len(parts) == 2 and parts[0] == "recommendations":
            user = parts[1]
            self.answer(200, {"user": user, "products": recommend(user),
                              "by": "recommendation.py"})
        else:
            self.answer(404, {"error": f"no route GET {path}"})
        self.log_timing(started)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.answer(404, {"error": f"no route POST {self.path}"})

    def log_timing(self, started):
        sys.stderr.write("%s %s -> %.2f ms (replica %s, traceparent %s)\n" % (
            self.command, self.path, (time.monotonic() - started) * 1000,
            self.headers.get("X-Microcosm-Replica", "-"),
            self.headers.get("traceparent", "-")))

    def log_message(self, format, *args):  # one line per request is log_timing's
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8090,
                        help="port on 127.0.0.1 to listen on (default 8090)")
    parser.add_argument("--quiet", action="store_true", help="log nothing per request")
    args = parser.parse_args()
    if not 1 <= args.port <= 65535:
        parser.error(f"--port must be 1..65535, not {args.port}")
    if args.quiet:
        Handler.log_timing = lambda self, started: None

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    sys.stderr.write(f"recommendation listening on http://127.0.0.1:{args.port}\n")
    sys.stderr.flush()
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        sys.stderr.write("recommendation stopped\n")


if __name__ == "__main__":
    main()
