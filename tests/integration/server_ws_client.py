#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# server_ws_client.py: WebSocket clients that drive a running wsscale-server for the
#   test_server_*.sh scripts: echo, rooms, metrics/shm, drain, handshakes, limits, slow consumer,
#   idle timeout. Each subcommand asserts and exits non-zero with a message on the first failure.
# Does not: start or stop the server (the scripts do), or sleep to synchronise: every wait polls a
#   condition against a deadline.
# Threads: one asyncio loop, or plain blocking sockets with timeouts.
import argparse
import asyncio
import base64
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request

import websockets

HOST = "127.0.0.1"
POLL_S = 0.02


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def wait_until(cond, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            fail(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(POLL_S)


async def async_wait_until(cond, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            fail(f"timed out after {timeout_s}s waiting for {what}")
        await asyncio.sleep(POLL_S)


def http_get(port, path):
    """Returns (status, body) of a plain GET; raises OSError if the server is not there."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def metric(port, name):
    status, body = http_get(port, "/metrics")
    check(status == 200, f"/metrics answered {status}")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    fail(f"/metrics has no {name}")


def url(port, path):
    return f"ws://{HOST}:{port}{path}"


# ---- a raw client, for what a library would hide or refuse to send ----------------------------


class Raw:
    def __init__(self, port, path="/ws", rcvbuf=None, extra=b"", request=None):
        self.s = socket.socket()
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.settimeout(5)
        self.s.connect((HOST, port))
        self.buf = b""
        if request is None:
            key = base64.b64encode(os.urandom(16)).decode()
            request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
                       f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                       f"Sec-WebSocket-Version: 13\r\n").encode() + extra + b"\r\n"
        self.s.sendall(request)

    def response(self):
        """Reads the response head: (status, {lower-case name: value})."""
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                break
            self.buf += d
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        check(lines[0].startswith("HTTP/1.1 "), f"bad status line {lines[0]!r}")
        headers = {}
        for l in lines[1:]:
            k, _, v = l.partition(":")
            headers[k.strip().lower()] = v.strip()
        return int(lines[0].split()[1]), headers

    @staticmethod
    def encode(opcode, payload, fin=True, mask=None):
        """A masked client frame; a zero key (cheap for bulk data) leaves the payload as is."""
        mask = os.urandom(4) if mask is None else mask
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", (0x80 if fin else 0) | opcode, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", (0x80 if fin else 0) | opcode, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", (0x80 if fin else 0) | opcode, 0x80 | 127, n)
        if mask == bytes(4):
            return hdr + mask + payload
        return hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    def send(self, opcode, payload, fin=True):
        self.s.sendall(self.encode(opcode, payload, fin))

    def _need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d

    def frame(self):
        """Reads one server frame: (opcode, payload); EOFError when the socket ends."""
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        check(b1 & 0x80 == 0, "server frame is masked")
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._need(4)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self._need(10)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        self._need(off + n)
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return b0 & 0x0F, payload

    def close_code(self):
        """Skips data frames until a Close; returns its code (None if none came before EOF)."""
        while True:
            try:
                op, payload = self.frame()
            except EOFError:
                return None
            if op == 8:
                return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005

    def is_eof(self):
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True


# ---- subcommands ----------------------------------------------------------------------------


async def cmd_echo(a):
    async with websockets.connect(url(a.port, "/ws"), max_size=None, ping_interval=None) as ws:
        cases = ["hello", "", "\u00e9\u20ac\U0001F600" * 1000, b"\x00\xff" * 3,
                 os.urandom(1 << 20), "x" * (1 << 20), bytes(125), bytes(126), bytes(65536)]
        for m in cases:
            await ws.send(m)
            got = await ws.recv()
            check(got == m, f"echo of a {type(m).__name__} of {len(m)} came back different")
        # Many in flight at once: answers arrive in order.
        msgs = [f"m{i}" for i in range(500)]
        for m in msgs:
            await ws.send(m)
        for m in msgs:
            check(await ws.recv() == m, "pipelined echoes out of order")
    # A message fragmented by the client with a ping in the middle.
    r = Raw(a.port)
    check(r.response()[0] == 101, "no 101 for /ws")
    r.send(0x1, b"frag", fin=False)
    r.send(0x9, b"p")
    r.send(0x0, b"mented", fin=True)
    op, p = r.frame()
    check((op, p) == (0xA, b"p"), f"expected the pong first, got {op} {p!r}")
    op, p = r.frame()
    check((op, p) == (0x1, b"fragmented"), f"expected the reassembled echo, got {op} {p!r}")
    r.send(0x8, struct.pack("!H", 1000))
    check(r.close_code() == 1000, "close code not echoed")
    check(r.is_eof(), "server did not end the socket after the close handshake")
    print("echo ok")


async def cmd_rooms(a):
    members = [await websockets.connect(url(a.port, "/ws/rooms/lobby"), ping_interval=None)
               for _ in range(a.n)]
    other = await websockets.connect(url(a.port, "/ws/rooms/other"), ping_interval=None)
    await async_wait_until(lambda: metric(a.port, "wsscale_server_rooms") == 2, 10, "2 rooms")
    for i, ws in enumerate(members):
        await ws.send(f"from {i}")
    want = {f"from {i}" for i in range(a.n)}
    for i, ws in enumerate(members):
        got = set()
        for _ in range(a.n):
            got.add(await asyncio.wait_for(ws.recv(), 10))
        check(got == want, f"member {i} got {len(got)} distinct messages, want {a.n}")
    await other.send("only here")
    check(await asyncio.wait_for(other.recv(), 10) == "only here",
          "a message from another room leaked into 'other'")
    for ws in members + [other]:
        await ws.close()
    await async_wait_until(lambda: metric(a.port, "wsscale_server_rooms") == 0, 10, "0 rooms")
    print("rooms ok")


def shm_read(a):
    out = subprocess.run([a.reader, a.shm, "3000"], capture_output=True, text=True, check=True)
    return dict(l.split("=", 1) for l in out.stdout.split())


async def cmd_metrics(a):
    await async_wait_until(lambda: shm_read(a)["active"] == "0", 10, "shm active == 0")
    base = shm_read(a)
    conns = [await websockets.connect(url(a.port, "/ws"), ping_interval=None) for _ in range(a.n)]
    await async_wait_until(lambda: metric(a.port, "websocket_connections") == a.n, 10,
                           f"websocket_connections == {a.n}")
    check(metric(a.port, "websocket_connections_opened_total") >= a.n, "opened_total too low")
    status, body = http_get(a.port, "/metrics")
    lint = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True)
    check(lint.returncode == 0, "promtool: " + (lint.stdout + lint.stderr).decode())
    snap = await async_wait_until(lambda: (lambda s: s if s["active"] == str(a.n) else None)(
        shm_read(a)), 10, f"shm active == {a.n}")
    check(snap["status"] == "ok" and snap["state"] == "serving", f"shm snapshot {snap}")
    for ws in conns[:3]:
        await ws.close()
    left = a.n - 3
    await async_wait_until(lambda: metric(a.port, "websocket_connections") == left, 10,
                           f"websocket_connections == {left}")
    await async_wait_until(lambda: shm_read(a)["active"] == str(left), 10, f"shm active == {left}")
    snap = shm_read(a)
    opened = int(snap["opened_total"]) - int(base["opened_total"])
    closed = int(snap["closed_total"]) - int(base["closed_total"])
    check((opened, closed) == (a.n, 3), f"shm counted {opened} opened, {closed} closed")
    for ws in conns[3:]:
        await ws.close()
    print("metrics ok")


async def cmd_drain(a):
    closes = []

    async def hold():
        ws = await websockets.connect(url(a.port, "/ws"), ping_interval=None)
        try:
            await ws.recv()
            fail("a held connection received data")
        except websockets.ConnectionClosed:
            closes.append((time.monotonic(), ws.close_code, ws.close_reason))

    tasks = [asyncio.create_task(hold()) for _ in range(a.n)]
    await async_wait_until(lambda: metric(a.port, "websocket_connections") == a.n, 30,
                           f"{a.n} connections")
    check(http_get(a.port, "/readyz")[0] == 200, "/readyz not 200 before the signal")
    t0 = time.monotonic()
    os.kill(a.pid, signal.SIGTERM)
    await async_wait_until(lambda: http_get(a.port, "/readyz")[0] == 503, 2, "/readyz 503")
    ready_ms = (time.monotonic() - t0) * 1000
    check(ready_ms < 100, f"/readyz turned 503 after {ready_ms:.0f} ms, want < 100")
    # During the delay the server still accepts (endpoints may still send clients here).
    late = await websockets.connect(url(a.port, "/ws"), ping_interval=None)
    await late.send("still here")
    check(await late.recv() == "still here", "no echo during the drain delay")
    if a.shm:
        check(shm_read(a)["state"] == "draining", "shm state is not draining")
    await asyncio.wait_for(asyncio.gather(*tasks), a.window + a.delay + 10)
    try:
        await asyncio.wait_for(late.recv(), a.window + 10)
    except websockets.ConnectionClosed:
        closes.append((time.monotonic(), late.close_code, late.close_reason))
    codes = {}
    for _, code, _ in closes:
        codes[code] = codes.get(code, 0) + 1
    check(codes == {1001: a.n + 1}, f"close codes {codes}, want all {a.n + 1} to be 1001")
    check(all(r == "going away" for _, _, r in closes), "close reason is not 'going away'")
    times = sorted(t for t, _, _ in closes)
    first_s = times[0] - t0
    check(first_s >= a.delay * 0.9, f"first close {first_s:.3f}s after SIGTERM, before the delay")
    rel = [t - times[0] for t in times]
    span, n = rel[-1], len(rel)
    check(0.7 * a.window <= span <= a.window + 0.5,
          f"closes spread over {span:.2f}s, want about {a.window}s")
    for q in (0.25, 0.5, 0.75):
        got = rel[int(q * (n - 1))]
        check(abs(got - q * a.window) <= 0.25 * a.window,
              f"{int(q * 100)}% of closes by {got:.2f}s, want about {q * a.window:.2f}s")
    print(json.dumps({"ready_503_ms": round(ready_ms, 1), "span_s": round(span, 3),
                      "quartiles_s": [round(rel[int(q * (n - 1))], 3) for q in (.25, .5, .75)]}))
    print("drain ok")


def cmd_handshakes(a):
    key = base64.b64encode(os.urandom(16)).decode()
    good = (f"Host: {HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\n")
    cases = [
        ("version 8", f"GET /ws HTTP/1.1\r\n{good}Sec-WebSocket-Version: 8\r\n\r\n", 426,
         ("sec-websocket-version", "13")),
        ("no key", f"GET /ws HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\n"
         "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400, None),
        ("short key", f"GET /ws HTTP/1.1\r\nHost: {HOST}\r\nUpgrade: websocket\r\n"
         "Connection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n",
         400, None),
        ("POST", f"POST /ws HTTP/1.1\r\n{good}Sec-WebSocket-Version: 13\r\n\r\n", 405,
         ("allow", "GET, HEAD")),
        ("unknown path", f"GET /wsx HTTP/1.1\r\n{good}Sec-WebSocket-Version: 13\r\n\r\n", 404,
         None),
        ("bad room", f"GET /ws/rooms/a%20b HTTP/1.1\r\n{good}Sec-WebSocket-Version: 13\r\n\r\n",
         404, None),
        ("empty room", f"GET /ws/rooms/ HTTP/1.1\r\n{good}Sec-WebSocket-Version: 13\r\n\r\n",
         404, None),
        ("plain GET of /ws", f"GET /ws HTTP/1.1\r\nHost: {HOST}\r\n\r\n", 426,
         ("upgrade", "websocket")),
        ("HTTP/2.0", f"GET /ws HTTP/2.0\r\n{good}Sec-WebSocket-Version: 13\r\n\r\n", 505, None),
        ("head too large", f"GET /ws HTTP/1.1\r\n{good}X-Big: {'a' * 9000}\r\n\r\n", 431, None),
        ("not HTTP", "HELLO\r\n\r\n", 400, None),
        ("upgrade OK", f"GET /ws/rooms/Room-1 HTTP/1.1\r\n{good}Sec-WebSocket-Version: 13\r\n\r\n",
         101, ("upgrade", "websocket")),
    ]
    for name, req, want, header in cases:
        r = Raw(a.port, request=req.encode())
        status, headers = r.response()
        check(status == want, f"{name}: status {status}, want {want}")
        if header:
            check(headers.get(header[0], "").lower() == header[1].lower(),
                  f"{name}: header {header[0]} is {headers.get(header[0])!r}, want {header[1]!r}")
        if status != 101:
            check(headers.get("connection", "").lower() == "close", f"{name}: not Connection: close")
            check(r.is_eof(), f"{name}: socket left open after the error")
    # A head sent a byte at a time still completes.
    r = Raw(a.port, request=b"")
    req = f"GET /ws HTTP/1.1\r\n{good}Sec-WebSocket-Version: 13\r\n\r\n".encode()
    for i in range(len(req)):
        r.s.sendall(req[i:i + 1])
    check(r.response()[0] == 101, "a head split into 1-byte writes was not accepted")
    print("handshakes ok")


async def cmd_limits(a):
    async with websockets.connect(url(a.port, "/ws"), max_size=None, ping_interval=None) as ws:
        m = "a" * a.max_message
        await ws.send(m)
        check(await ws.recv() == m, "a message of exactly --max-message-bytes was not echoed")
        await ws.send(b"b" * (a.max_message + 1))
        try:
            await asyncio.wait_for(ws.recv(), 10)
            fail("an oversized message was echoed")
        except websockets.ConnectionClosed:
            pass
        check(ws.close_code == 1009, f"oversized message closed with {ws.close_code}, want 1009")
    # Fragments adding up to one byte too many fail the same way.
    r = Raw(a.port)
    check(r.response()[0] == 101, "no 101")
    half = a.max_message // 2
    r.send(0x2, b"x" * half, fin=False)
    r.send(0x0, b"y" * (a.max_message - half + 1), fin=True)
    check(r.close_code() == 1009, "fragmented oversized message did not close with 1009")
    # Invalid UTF-8 in a text message is 1007, a reserved opcode 1002.
    for payload, op, want in ((b"\xc3\x28", 0x1, 1007), (b"", 0x3, 1002)):
        r = Raw(a.port)
        check(r.response()[0] == 101, "no 101")
        r.send(op, payload)
        got = r.close_code()
        check(got == want, f"opcode {op} payload {payload!r}: close {got}, want {want}")
        check(r.is_eof(), "socket left open after failing the connection")
    print("limits ok")


async def cmd_slow(a):
    # The slow member: a tiny receive window and never a read until the drop is counted.
    slow = Raw(a.port, "/ws/rooms/flood", rcvbuf=4096)
    check(slow.response()[0] == 101, "no 101 for the slow member")
    fast = await websockets.connect(url(a.port, "/ws/rooms/flood"), max_size=None,
                                    ping_interval=None)
    chunk = "z" * a.max_message
    drained = 0
    deadline = time.monotonic() + 30
    while metric(a.port, "wsscale_server_send_buffer_drops_total") < 1:
        check(time.monotonic() < deadline, "the slow member was never dropped")
        for _ in range(256):
            await fast.send(chunk)
        for _ in range(256):  # the fast member reads its own copies
            check(await fast.recv() == chunk, "fast member got a wrong message")
            drained += 1
    try:
        code = slow.close_code()
    except ConnectionResetError:
        code = "reset"
    check(code == 1008, f"slow consumer closed with {code}, want 1008")
    # The fast member was never hurt.
    await fast.send("after")
    check(await fast.recv() == "after", "fast member stopped getting messages")
    await fast.close()
    print(f"slow ok after {drained} messages")


def cmd_backpressure(a):
    """An echo client that writes without reading cannot make the server buffer without bound:
    once its unsent echoes pass --max-send-buffer-bytes the server stops reading, so the client's
    writes stall; every echo still arrives, in order, once it reads."""
    r = Raw(a.port, rcvbuf=4096)
    check(r.response()[0] == 101, "no 101")
    r.s.setblocking(False)
    offered = 64 << 20
    payload = bytes(a.max_message)
    frame = Raw.encode(0x2, payload, mask=bytes(4))
    batch = frame * 64
    sent = 0
    deadline = time.monotonic() + 3
    while sent < offered and time.monotonic() < deadline:
        try:
            sent += r.s.send(batch[sent % len(batch):])
        except BlockingIOError:
            time.sleep(POLL_S)  # polling the socket until the deadline, not synchronising
    check(sent < offered, f"the server took all {sent} bytes without anyone reading the echoes")
    # Finish the last partial frame so the stream stays valid, reading echoes meanwhile (the
    # server reads again only once we do), then read every echo back.
    tail = frame[len(frame) - (len(frame) - sent % len(frame)) % len(frame):]
    frames = (sent + len(tail)) // len(frame)
    deadline = time.monotonic() + 10
    while tail:
        check(time.monotonic() < deadline, "could not finish the last frame")
        _, writable, _ = select.select([r.s], [r.s], [], 1)
        if writable:
            try:
                tail = tail[r.s.send(tail):]
            except BlockingIOError:
                pass
        try:
            r.buf += r.s.recv(65536)
        except BlockingIOError:
            pass
    r.s.setblocking(True)
    r.s.settimeout(10)
    for i in range(frames):
        op, p = r.frame()
        check((op, p) == (0x2, payload), f"echo {i} of {frames} differs")
    print(f"backpressure ok: writes stalled after {sent >> 10} KiB of {offered >> 10} KiB offered")


def cmd_idle(a):
    r = Raw(a.port)
    check(r.response()[0] == 101, "no 101")
    t0 = time.monotonic()
    op, payload = r.frame()
    waited = time.monotonic() - t0
    check(op == 0x9, f"expected a ping after {a.idle}s of silence, got opcode {op}")
    check(waited >= a.idle * 0.8, f"ping after {waited:.2f}s, before --idle-timeout")
    # Not answering: the server gives up after another interval.
    check(r.is_eof(), "server kept a connection that never answered its ping")
    gone = time.monotonic() - t0
    check(gone >= 1.6 * a.idle, f"dropped after {gone:.2f}s, want about {2 * a.idle}s")
    # Answering keeps it open past several intervals.
    r = Raw(a.port)
    check(r.response()[0] == 101, "no 101")
    end = time.monotonic() + 3 * a.idle
    pings = 0
    while time.monotonic() < end:
        op, payload = r.frame()
        check(op == 0x9, f"unexpected opcode {op}")
        pings += 1
        r.send(0xA, payload)
    r.send(0x1, b"alive")
    while True:
        op, payload = r.frame()
        if op != 0x9:
            break
        r.send(0xA, payload)
    check((op, payload) == (0x1, b"alive"), "connection that answered pings was not kept")
    print(f"idle ok ({pings} pings answered)")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--n", type=int, default=10)
    p.add_argument("--pid", type=int)
    p.add_argument("--shm", default="")
    p.add_argument("--reader", default="")
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--window", type=float, default=1)
    p.add_argument("--max-message", type=int, default=1000)
    p.add_argument("--idle", type=float, default=0.5)
    a = p.parse_args()
    cmds = {"echo": cmd_echo, "rooms": cmd_rooms, "metrics": cmd_metrics, "drain": cmd_drain,
            "handshakes": cmd_handshakes, "limits": cmd_limits, "slow": cmd_slow,
            "backpressure": cmd_backpressure,
            "idle": cmd_idle}
    f = cmds.get(a.cmd) or fail(f"unknown command {a.cmd}")
    if asyncio.iscoroutinefunction(f):
        asyncio.run(f(a))
    else:
        f(a)


if __name__ == "__main__":
    main()
