#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# sidecar_helper.py: the test_sidecar_*.sh scripts' tools: hold N WebSocket connections open
#   until told to close them, wait for a metric on a /metrics page, and a report receiver that
#   decodes wsscale.v1.Report by hand from the protobuf wire format (proto/wsscale.proto).
# Does not: start the server or the sidecar (the scripts do), or sleep to synchronise: every wait
#   polls a condition against a deadline.
# Threads: one asyncio loop (hold), one polling loop (wait-metric), or the receiver's HTTP threads.
import argparse
import asyncio
import http.server
import json
import sys
import threading
import time
import urllib.request

POLL_S = 0.05


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


# ---- hold: N connections, open until a line arrives on stdin ----

async def hold(args):
    import websockets

    url = f"ws://127.0.0.1:{args.port}{args.path}"
    conns = []
    for _ in range(args.n):
        conns.append(await asyncio.wait_for(websockets.connect(url), timeout=10))
    print(f"open {len(conns)}", flush=True)
    loop = asyncio.get_running_loop()
    # Blocks until the script writes a line (or closes our stdin).
    await loop.run_in_executor(None, sys.stdin.readline)
    await asyncio.gather(*(asyncio.wait_for(c.close(), timeout=10) for c in conns),
                         return_exceptions=True)
    print("closed", flush=True)


# ---- wait-metric: poll a /metrics page ----

def metric_value(url, name):
    """The value of the unlabelled sample `name`, or None when the page does not have it."""
    with urllib.request.urlopen(url, timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return None


def wait_metric(args):
    deadline = time.monotonic() + args.timeout
    start = time.monotonic()
    last = "never read"
    while True:
        try:
            v = metric_value(args.url, args.name)
            last = v
            if (args.absent and v is None) or (not args.absent and v is not None and
                                                (v >= args.value if args.at_least
                                                 else v == args.value)):
                print(f"{time.monotonic() - start:.3f}")
                return
        except OSError as e:
            last = str(e)
        if time.monotonic() >= deadline:
            want = "absent" if args.absent else (">= " if args.at_least else "") + str(args.value)
            fail(f"{args.name} on {args.url}: want {want} within {args.timeout}s, last {last}")
        time.sleep(POLL_S)


# ---- receiver: decode each Report by hand ----

FIELDS = {1: "namespace", 2: "pod", 3: "pod_uid", 4: "labels", 5: "source", 6: "source_state",
          7: "active_connections", 8: "has_totals", 9: "opened_total", 10: "closed_total",
          11: "sample_time_unix_ms", 12: "interval_ms", 13: "sidecar_instance", 14: "sequence",
          15: "draining", 16: "final"}
BOOLS = {"has_totals", "draining", "final"}


def varint(buf, i):
    v = shift = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def fields(buf):
    """Yields (field number, wire type, value) for one message."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(buf, i)
        elif wt == 1:
            v, i = int.from_bytes(buf[i:i + 8], "little"), i + 8
        elif wt == 2:
            n, i = varint(buf, i)
            v, i = bytes(buf[i:i + n]), i + n
        elif wt == 5:
            v, i = int.from_bytes(buf[i:i + 4], "little"), i + 4
        else:
            raise ValueError(f"wire type {wt}")
        yield num, wt, v


def decode_report(buf):
    r = {"labels": {}, "namespace": "", "pod": "", "pod_uid": "", "source": 0, "source_state": 0,
         "active_connections": 0, "has_totals": False, "opened_total": 0, "closed_total": 0,
         "sample_time_unix_ms": 0, "interval_ms": 0, "sidecar_instance": 0, "sequence": 0,
         "draining": False, "final": False}
    for num, wt, v in fields(buf):
        name = FIELDS.get(num)
        if name is None:
            raise ValueError(f"unknown field {num}")
        if name == "labels":
            kv = {n: x.decode() for n, _, x in fields(v)}
            r["labels"][kv.get(1, "")] = kv.get(2, "")
        elif name in ("namespace", "pod", "pod_uid"):
            r[name] = v.decode()
        elif name == "sidecar_instance":
            if wt != 1:
                raise ValueError("sidecar_instance is not fixed64")
            r[name] = v
        elif name == "sample_time_unix_ms":
            r[name] = v - (1 << 64) if v >= 1 << 63 else v
        elif name in BOOLS:
            r[name] = bool(v)
        else:
            r[name] = v
    return r


class Receiver(http.server.BaseHTTPRequestHandler):
    out = None
    lock = threading.Lock()

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            if self.path != "/ingest/v1/reports":
                raise ValueError(f"path {self.path}")
            rec = decode_report(body)
        except ValueError as e:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(str(e).encode())
            return
        rec["auth"] = self.headers.get("Authorization", "")
        rec["content_type"] = self.headers.get("Content-Type", "")
        rec["host"] = self.headers.get("Host", "")
        rec["received_unix_ms"] = int(time.time() * 1000)
        with Receiver.lock, open(Receiver.out, "a") as f:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def receive(args):
    Receiver.out = args.out
    http.server.ThreadingHTTPServer.allow_reuse_address = True
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Receiver)
    print("listening", flush=True)
    srv.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--port", type=int, required=True)
    h.add_argument("--n", type=int, required=True)
    h.add_argument("--path", default="/ws")
    w = sub.add_parser("wait-metric")
    w.add_argument("--url", required=True)
    w.add_argument("--name", required=True)
    w.add_argument("--value", type=float, default=0)
    w.add_argument("--absent", action="store_true")
    w.add_argument("--at-least", action="store_true", help="value or more")
    w.add_argument("--timeout", type=float, required=True)
    r = sub.add_parser("receive")
    r.add_argument("--port", type=int, required=True)
    r.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.cmd == "hold":
        asyncio.run(hold(args))
    elif args.cmd == "wait-metric":
        wait_metric(args)
    else:
        receive(args)


if __name__ == "__main__":
    main()
