#!/usr/bin/env python3
"""Latency receiver and sender for bench/notifier_bench.sh (loopback only).

  receiver.py serve --port P --log FILE
      keep-alive HTTP/1.1 server (ThreadingHTTPServer): every POST is answered 200 "ok" and
      logged as "ARRIVAL_MS EVENT_ID" (event_id taken from the JSON body).

  receiver.py send --url http://127.0.0.1:P/v1/events --key K --rate R --seconds S --log FILE
      posts events at a fixed rate from 4 keep-alive connections; each event's client
      event_id is "lat-SEQ-SENDMS" (SENDMS: wall-clock ms when the request started), and each
      send is logged as "SENDMS EVENT_ID STATUS ACKMS" (ACKMS: when the 202 arrived).

  receiver.py report --sent FILE --received FILE
      prints "sent N received M p50_ms X p99_ms Y max_ms Z ack_p50_ms A ack_p99_ms B":
      (arrival - send), and (arrival - 202 received) which leaves out the API's append time.
"""
import argparse
import http.client
import http.server
import json
import re
import sys
import threading
import time
import urllib.parse

EVENT_ID = re.compile(rb'"event_id"\s*:\s*"([^"]+)"')


def serve(args):
    lock = threading.Lock()
    out = open(args.log, "a", buffering=1)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n > 0 else b""
            now_ms = time.time() * 1000.0
            m = EVENT_ID.search(body)
            eid = m.group(1).decode("ascii", "replace") if m else "-"
            with lock:
                out.write("%.1f %s\n" % (now_ms, eid))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *a):
            pass

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.serve_forever()


def send(args):
    u = urllib.parse.urlsplit(args.url)
    total = int(args.rate * args.seconds)
    threads = 4
    lines = []
    lock = threading.Lock()
    t0 = time.time() + 0.2

    def worker(k):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        for seq in range(k, total, threads):
            at = t0 + seq / args.rate
            d = at - time.time()
            if d > 0:
                time.sleep(d)
            send_ms = time.time() * 1000.0
            eid = "lat-%d-%d" % (seq, int(send_ms))
            body = json.dumps({"event_id": eid, "event_type": "object.created",
                               "metadata": {"source": "notifier_bench latency"}})
            status = 0
            ack_ms = 0.0
            try:
                conn.request("POST", u.path, body=body,
                              headers={"Authorization": "Bearer " + args.key,
                                       "Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                status = r.status
                ack_ms = time.time() * 1000.0
            except Exception:  # noqa: BLE001  (counted as a failed send)
                conn.close()
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            with lock:
                lines.append("%.1f %s %d %.1f" % (send_ms, eid, status, ack_ms))

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(args.log, "w") as f:
        f.write("\n".join(lines) + "\n")
    ok = sum(1 for ln in lines if ln.split()[2] == "202")
    print("sent %d ok %d" % (len(lines), ok))


def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[i]


def report(args):
    sent = {}
    acked = {}
    for ln in open(args.sent):
        f = ln.split()
        if len(f) == 4 and f[2] == "202":
            sent[f[1]] = float(f[0])
            acked[f[1]] = float(f[3])
    first = {}
    for ln in open(args.received):
        f = ln.split()
        if len(f) == 2 and f[1] in sent and f[1] not in first:
            first[f[1]] = float(f[0])
    lat = sorted(first[e] - sent[e] for e in first)
    ack = sorted(first[e] - acked[e] for e in first)
    print("sent %d received %d p50_ms %.1f p99_ms %.1f max_ms %.1f ack_p50_ms %.1f ack_p99_ms %.1f"
          % (len(sent), len(lat), pct(lat, 50), pct(lat, 99), lat[-1] if lat else float("nan"),
             pct(ack, 50), pct(ack, 99)))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--log", required=True)
    c = sub.add_parser("send")
    c.add_argument("--url", required=True)
    c.add_argument("--key", required=True)
    c.add_argument("--rate", type=float, required=True)
    c.add_argument("--seconds", type=float, default=5.0)
    c.add_argument("--log", required=True)
    r = sub.add_parser("report")
    r.add_argument("--sent", required=True)
    r.add_argument("--received", required=True)
    a = ap.parse_args()
    {"serve": serve, "send": send, "report": report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
