#!/usr/bin/env python3
"""A scriptable HTTP receiver for the notifier integration tests.

Listens on 127.0.0.1:PORT (PORT 0 picks a free one), prints the port alone on the first line of
stdout, and appends every request it gets as one JSON line to the log file:

  {"t": <unix seconds, float>, "method": "POST", "path": "/hook", "query": "",
   "headers": {"lower-case-name": "value", ...}, "body": "<utf-8 text>",
   "body_b64": "<exact bytes, base64>", "n": <1-based count of requests to this path>,
   "action": "<the rule applied>"}

Answers follow per-path rules given as a JSON object (--rules): path -> list of actions, used in
turn, the last one repeating. Paths without a rule get "200". Actions:

  "200", "500", "410", ...       that status, body "ok"
  "429:retry-after=1"            that status with a Retry-After header (any status works)
  "sleep:30"                     wait 30 s, then 200 (a receiver that hangs)
  "slack-ok"                     200 {"ok":true,...} like Slack's chat.postMessage
  "slack-error:CODE"             200 {"ok":false,"error":"CODE"}
  "twilio"                       201 with a Twilio-like message resource

Loopback only; stops on SIGTERM/SIGINT.
"""

import argparse
import base64
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_log_lock = threading.Lock()
_count_lock = threading.Lock()
_counts = {}


def _next_action(rules, path):
    with _count_lock:
        n = _counts.get(path, 0) + 1
        _counts[path] = n
    actions = rules.get(path) or ["200"]
    return n, actions[min(n, len(actions)) - 1]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "it-receiver/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        n, action = _next_action(self.server.rules, path)
        record = {
            "t": time.time(),
            "method": self.command,
            "path": path,
            "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", errors="replace"),
            "body_b64": base64.b64encode(body).decode("ascii"),
            "n": n,
            "action": action,
        }
        line = json.dumps(record) + "\n"
        with _log_lock:
            self.server.log.write(line)
            self.server.log.flush()
        self._answer(action)

    def _answer(self, action):
        status = 200
        headers = {"Content-Type": "text/plain"}
        payload = b"ok"
        if action.startswith("sleep:"):
            time.sleep(float(action.split(":", 1)[1]))
        elif action == "slack-ok":
            headers["Content-Type"] = "application/json"
            payload = json.dumps({"ok": True, "channel": "C0", "ts": "1.0"}).encode()
        elif action.startswith("slack-error:"):
            headers["Content-Type"] = "application/json"
            payload = json.dumps({"ok": False, "error": action.split(":", 1)[1]}).encode()
        elif action == "twilio":
            status = 201
            headers["Content-Type"] = "application/json"
            payload = json.dumps({"sid": "SM" + "0" * 32, "status": "queued"}).encode()
        else:
            code, _, extra = action.partition(":")
            status = int(code)
            if extra.startswith("retry-after="):
                headers["Retry-After"] = extra.split("=", 1)[1]
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_POST = _handle
    do_PUT = _handle
    do_GET = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--log", required=True, help="JSON lines file of received requests")
    parser.add_argument("--rules", default="{}", help="JSON object: path -> list of actions")
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.rules = json.loads(args.rules)
    server.log = open(args.log, "a", encoding="utf-8")
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    server.server_close()
    server.log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
