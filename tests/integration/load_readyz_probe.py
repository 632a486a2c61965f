#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# load_readyz_probe.py: sends SIGTERM to a server and measures how long until /readyz on its
#   port answers 503, polling with a fresh connection each time (with SO_REUSEPORT siblings on the
#   same port, each poll reaches one of them; only the draining one can say 503). Prints the
#   milliseconds; exits 1 if no 503 came within --timeout-ms.
# Does not: judge the number; the calling test compares it with its limit. Run with
#   /usr/bin/python3.
# Threads: one.
import argparse
import os
import signal
import socket
import sys
import time

REQUEST = b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
POLL_SOCKET_TIMEOUT_S = 1.0
# Connections per poll: the chance that all of them miss the draining server is 2^-8.
PROBE_FANOUT = 8


def statuses(port):
    """Asks /readyz over PROBE_FANOUT connections at once. Both servers share the port through
    SO_REUSEPORT, so one connection may land on the one that is not draining; several connections
    opened together reach the drained one too unless the kernel hashes every one of them away."""
    socks = []
    try:
        for _ in range(PROBE_FANOUT):
            socks.append(socket.create_connection(("127.0.0.1", port), timeout=POLL_SOCKET_TIMEOUT_S))
        for s in socks:
            s.sendall(REQUEST)
        codes = []
        for s in socks:
            parts = s.recv(64).split(b" ", 2)
            codes.append(int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else 0)
        return codes
    finally:
        for s in socks:
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--timeout-ms", type=int, default=2000)
    args = ap.parse_args()
    start = time.monotonic()
    os.kill(args.pid, signal.SIGTERM)
    deadline = start + args.timeout_ms / 1000.0
    polls = 0
    while time.monotonic() < deadline:
        polls += 1
        try:
            codes = statuses(args.port)
        except OSError:
            continue
        if 503 in codes:
            print("%.1f" % ((time.monotonic() - start) * 1000.0))
            return 0
    print("no 503 after %d polls in %d ms" % (polls, args.timeout_ms), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
