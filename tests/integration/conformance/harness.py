# SPDX-License-Identifier: Apache-2.0
# harness.py: the raw-socket RFC 6455 client and case runner behind the conformance tests: it
#   builds any frame (invalid ones included), reads the server's frames strictly, and grades each
#   case the way Autobahn|Testsuite does, except that a failed connection must carry the exact
#   close code (a bare TCP drop does not pass) and the server must end the TCP connection itself.
# Does not: start the server (run.sh does), use a WebSocket library, or sleep to synchronise:
#   a ping/pong round trip is the barrier, and every read has a deadline.
# Threads: the runner's thread; big messages are written from a helper thread while it reads.
import argparse
import base64
import hashlib
import os
import re
import select
import socket
import struct
import sys
import threading
import time
import traceback
from collections import namedtuple

HOST = "127.0.0.1"
READ_TIMEOUT_S = 10.0  # longest wait for any expected frame
EOF_TIMEOUT_S = 5.0  # the server must end TCP this soon after its Close (its close timeout is 3 s)
# Pause between the pieces of a chopped write, so they tend to reach the server in separate
# reads. Pacing, not synchronisation: a case passes or fails the same if pieces coalesce.
PACE_S = 0.001
ACCEPT_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
DATA_OPS = (OP_CONT, OP_TEXT, OP_BINARY)
CONTROL_OPS = (OP_CLOSE, OP_PING, OP_PONG)
CONTROL_MAX = 125

Frame = namedtuple("Frame", "fin rsv opcode payload")


class CaseFailed(Exception):
    """A case's expectation was not met; the message says what happened instead."""


def check(cond, msg):
    if not cond:
        raise CaseFailed(msg)


def show(b, limit=48):
    """A short printable form of bytes for failure messages."""
    if len(b) <= limit:
        return repr(bytes(b))
    return f"{bytes(b[:limit])!r}... ({len(b)} bytes)"


def mask(payload, key):
    """XORs payload with the 4-byte masking key (as one big integer: fast for 16 MiB)."""
    n = len(payload)
    if n == 0:
        return b""
    k = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(k, "big")).to_bytes(n, "big")


def frame(opcode, payload=b"", fin=True, rsv=0, masked=True, key=None, length=None, form=None):
    """One client frame. rsv is the 3-bit RSV field; length overrides the declared payload length
    (payload is then sent as given); form 7, 16 or 64 forces a length encoding, minimal if None."""
    n = len(payload) if length is None else length
    if form is None:
        form = 7 if n < 126 else 16 if n < 65536 else 64
    b0 = (0x80 if fin else 0) | (rsv & 7) << 4 | (opcode & 0xF)
    mbit = 0x80 if masked else 0
    if form == 7:
        hdr = struct.pack("!BB", b0, mbit | n)
    elif form == 16:
        hdr = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        hdr = struct.pack("!BBQ", b0, mbit | 127, n)
    if not masked:
        return hdr + payload
    key = os.urandom(4) if key is None else key
    return hdr + key + mask(payload, key)


def close_payload(code, reason=b""):
    return struct.pack("!H", code) + reason


def fragments(opcode, payload, sizes):
    """Frames carrying payload as one message split at the given fragment sizes (the last size
    repeats); an empty payload gives one empty frame."""
    out, off, i = [], 0, 0
    while True:
        size = sizes[min(i, len(sizes) - 1)]
        chunk = payload[off:off + size]
        off += len(chunk)
        out.append(frame(opcode if i == 0 else OP_CONT, chunk, fin=off >= len(payload)))
        i += 1
        if off >= len(payload):
            return b"".join(out)


def valid_utf8(b):
    try:
        bytes(b).decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def handshake_request(port, path="/ws", key=None, extra=""):
    key = key or base64.b64encode(os.urandom(16)).decode()
    return (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n{extra}\r\n").encode(), key


def accept_for(key):
    return base64.b64encode(hashlib.sha1(key.encode() + ACCEPT_GUID).digest()).decode()


class Http:
    """A raw HTTP exchange for handshake cases: send bytes, read the response head."""

    def __init__(self, port):
        self.s = socket.create_connection((HOST, port), timeout=READ_TIMEOUT_S)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def response(self):
        """(status, {lower-case name: value}, raw head) of the response."""
        deadline = time.monotonic() + READ_TIMEOUT_S
        while b"\r\n\r\n" not in self.buf:
            check(time.monotonic() < deadline, "no complete response head in time")
            d = self.s.recv(65536)
            check(d, f"connection ended before a response head (got {show(self.buf)})")
            self.buf += d
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"HTTP/1\.1 (\d{3}) [^\r\n]*", lines[0])
        check(m, f"bad status line {lines[0]!r}")
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            check(sep and name == name.strip(), f"bad header line {line!r}")
            check(name.lower() not in headers, f"duplicate response header {name}")
            headers[name.lower()] = value.strip()
        return int(m.group(1)), headers, head

    def expect_eof(self):
        """The server ends the connection: EOF (no reset) within EOF_TIMEOUT_S."""
        deadline = time.monotonic() + EOF_TIMEOUT_S
        while True:
            left = deadline - time.monotonic()
            check(left > 0, f"server kept the connection open over {EOF_TIMEOUT_S}s")
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                continue
            try:
                d = self.s.recv(65536)
            except ConnectionResetError:
                raise CaseFailed("connection reset instead of an orderly close")
            if not d:
                return
            self.buf += d

    def close(self):
        self.s.close()


class Conn:
    """A WebSocket client connection speaking raw frames."""

    def __init__(self, port, path="/ws"):
        """Connects and completes the opening handshake, checking the 101."""
        h = Http(port)
        req, key = handshake_request(port, path)
        h.send(req)
        status, headers, _ = h.response()
        check(status == 101, f"opening handshake answered {status}, want 101")
        check(headers.get("upgrade", "").lower() == "websocket", "101 lacks Upgrade: websocket")
        check("upgrade" in headers.get("connection", "").lower(), "101 lacks Connection: Upgrade")
        check(headers.get("sec-websocket-accept") == accept_for(key),
              f"Sec-WebSocket-Accept {headers.get('sec-websocket-accept')!r} is wrong")
        check("sec-websocket-extensions" not in headers, "an extension was negotiated unasked")
        self._adopt(h)

    def _adopt(self, h):
        self.s = h.s
        self.buf = bytearray(h.buf)
        self.pings = 0

    @classmethod
    def after_101(cls, h):
        """A Conn over an Http exchange whose 101 the caller has already read and checked."""
        c = cls.__new__(cls)
        c._adopt(h)
        return c

    # ---- writing ----

    def send(self, data):
        self.s.sendall(data)

    def send_frame(self, opcode, payload=b"", **kw):
        self.s.sendall(frame(opcode, payload, **kw))

    def send_chopped(self, data, size):
        """Writes data in pieces of size bytes, paced (see PACE_S)."""
        for i in range(0, len(data), size):
            self.s.sendall(data[i:i + size])
            if i + size < len(data):
                time.sleep(PACE_S)

    def send_frames_paced(self, frames):
        """Writes each frame on its own, paced: frame-wise chops."""
        for i, f in enumerate(frames):
            self.s.sendall(f)
            if i + 1 < len(frames):
                time.sleep(PACE_S)

    def send_in_background(self, data, tolerate_reset=False):
        """Starts writing data from a thread (so echoes can be read meanwhile); returns a join
        function that fails the case if the write failed (unless tolerate_reset: the server may
        end the connection once it has seen enough) or did not finish in timeout_s."""
        err = []

        def run():
            try:
                self.s.sendall(data)
            except (BrokenPipeError, ConnectionResetError) as e:
                if not tolerate_reset:
                    err.append(e)
            except OSError as e:
                err.append(e)

        t = threading.Thread(target=run, daemon=True)
        t.start()

        def join(timeout_s=60):
            t.join(timeout_s)
            check(not t.is_alive(), f"writing {len(data)} bytes did not finish in {timeout_s}s")
            check(not err, f"writing failed: {err[0] if err else ''}")

        return join

    # ---- reading ----

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            check(left > 0, f"timed out waiting for a frame (have {show(self.buf)})")
            self.s.settimeout(left)
            try:
                d = self.s.recv(1 << 20)
            except socket.timeout:
                continue
            except ConnectionResetError:
                raise CaseFailed("connection reset by the server (a Close may have been lost)")
            if not d:
                raise EOFError
            self.buf += d

    def recv_frame(self, timeout_s=READ_TIMEOUT_S):
        """The next server frame, checked against RFC 6455's rules for a server; EOFError at EOF."""
        deadline = time.monotonic() + timeout_s
        self._fill(2, deadline)
        b0, b1 = self.buf[0], self.buf[1]
        fin, rsv, op = bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0xF
        check(b1 & 0x80 == 0, "server frame is masked")
        check(rsv == 0, f"server frame has RSV bits {rsv}")
        check(op in DATA_OPS + CONTROL_OPS, f"server frame has reserved opcode {op}")
        n, off = b1 & 0x7F, 2
        if n == 126:
            self._fill(4, deadline)
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
            check(n >= 126, f"server used a non-minimal 16-bit length for {n}")
        elif n == 127:
            self._fill(10, deadline)
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
            check(n >= 65536 and n < 1 << 63, f"server used a bad 64-bit length {n}")
        if op in CONTROL_OPS:
            check(fin and n <= CONTROL_MAX, f"server sent a bad control frame (op {op}, {n} B)")
        self._fill(off + n, deadline)
        payload = bytes(self.buf[off:off + n])
        del self.buf[:off + n]
        return Frame(fin, rsv, op, payload)

    def recv_message(self, timeout_s=READ_TIMEOUT_S):
        """The next data message, reassembled: (opcode, payload). Fails on a control frame."""
        deadline = time.monotonic() + timeout_s
        parts, opcode = [], None
        while True:
            f = self.recv_frame(max(0.0, deadline - time.monotonic()))
            if f.opcode in CONTROL_OPS:
                what = f"Close {self._code(f.payload)}" if f.opcode == OP_CLOSE else \
                    f"opcode {f.opcode} {show(f.payload)}"
                raise CaseFailed(f"expected a data message, got {what}")
            if opcode is None:
                check(f.opcode != OP_CONT, "server sent a continuation with no message open")
                opcode = f.opcode
            else:
                check(f.opcode == OP_CONT, "server began a new message inside a fragmented one")
            parts.append(f.payload)
            if f.fin:
                payload = b"".join(parts)
                if opcode == OP_TEXT:
                    check(valid_utf8(payload), "server sent a text message that is not UTF-8")
                return opcode, payload

    @staticmethod
    def _code(payload):
        return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None

    # ---- expectations ----

    def expect_message(self, opcode, payload, timeout_s=READ_TIMEOUT_S):
        op, got = self.recv_message(timeout_s)
        kind = {OP_TEXT: "text", OP_BINARY: "binary"}
        check(op == opcode, f"echo came back as {kind.get(op, op)}, want {kind.get(opcode)}")
        check(got == payload, f"echo differs: got {show(got)}, want {show(payload)}")

    def expect_pong(self, payload):
        try:
            f = self.recv_frame()
        except EOFError:
            raise CaseFailed(f"connection ended; expected a pong {show(payload)}")
        if f.opcode == OP_CLOSE:
            raise CaseFailed(f"got Close {self._code(f.payload)}; expected a pong")
        check(f.opcode == OP_PONG, f"got opcode {f.opcode} {show(f.payload)}; expected a pong")
        check(f.payload == payload, f"pong carries {show(f.payload)}, want {show(payload)}")

    def barrier(self):
        """A ping/pong round trip: everything sent before it has been processed, and nothing but
        the pong came back meanwhile."""
        self.pings += 1
        token = b"barrier-%d" % self.pings
        self.send_frame(OP_PING, token)
        self.expect_pong(token)

    def expect_close(self, code, reason=None):
        """The server's next frame is a Close with exactly this code (None: an empty Close), then
        the server ends TCP (EOF, not a reset) with nothing after its Close."""
        try:
            f = self.recv_frame()
        except EOFError:
            raise CaseFailed(f"TCP ended without a Close; want Close {code}")
        if f.opcode != OP_CLOSE:
            raise CaseFailed(f"got opcode {f.opcode} {show(f.payload)}; want Close {code}")
        got = self._code(f.payload)
        check(len(f.payload) != 1, "server sent a 1-byte Close payload")
        check(got == code, f"Close code {got}, want {code}")
        check(valid_utf8(f.payload[2:]), "Close reason is not UTF-8")
        if reason is not None:
            check(f.payload[2:] == reason, f"Close reason {show(f.payload[2:])}, want {reason}")
        self.expect_eof()

    def expect_eof(self):
        """Nothing more arrives and the server ends the TCP connection within EOF_TIMEOUT_S."""
        try:
            f = self.recv_frame(EOF_TIMEOUT_S)
        except EOFError:
            check(not self.buf, f"{len(self.buf)} bytes of a partial frame before EOF")
            return
        except CaseFailed as e:
            if "timed out" in str(e):
                raise CaseFailed(f"server did not end TCP within {EOF_TIMEOUT_S}s after Close")
            raise
        raise CaseFailed(f"opcode {f.opcode} {show(f.payload)} arrived after the Close")

    def expect_quiet(self, seconds):
        """Nothing arrives for seconds (used only where Autobahn itself waits: fail-fast checks
        inside one frame, where no ping can be slipped in)."""
        if self.buf:
            raise CaseFailed(f"unexpected bytes {show(self.buf)}")
        r, _, _ = select.select([self.s], [], [], seconds)
        if r:
            try:
                f = self.recv_frame(1)
            except EOFError:
                raise CaseFailed("server ended the connection too early")
            what = f"Close {self._code(f.payload)}" if f.opcode == OP_CLOSE else f"op {f.opcode}"
            raise CaseFailed(f"server sent {what} too early")

    def close_handshake(self, code=1000, reason=b""):
        """Sends Close code; the server must echo the code, then end TCP."""
        self.send_frame(OP_CLOSE, close_payload(code, reason))
        self.expect_close(code)

    def close(self):
        self.s.close()


def echo_ok(port, opcode, payload, raw=None, chop=None):
    """Sends a message (raw frames if given, else one frame), expects the echo, closes cleanly."""
    c = Conn(port)
    data = raw if raw is not None else frame(opcode, payload)
    if chop:
        c.send_chopped(data, chop)
    else:
        c.send(data)
    c.expect_message(opcode, payload)
    c.close_handshake()
    c.close()


def fails_with(port, code, data, chop=None, before=None):
    """Sends data (after the optional good message `before`, whose echo must come first) and
    expects the connection failed with exactly code."""
    c = Conn(port)
    if before is not None:
        data = frame(before[0], before[1]) + data
    if chop:
        c.send_chopped(data, chop)
    else:
        c.send(data)
    if before is not None:
        c.expect_message(*before)
    c.expect_close(code)
    c.close()


class Suite:
    """A list of cases run in order against one server: prints a line per case and a total."""

    def __init__(self, title):
        self.title = title
        self.cases = []

    def add(self, cid, desc, fn, *args):
        self.cases.append((cid, desc, fn, args))

    def case(self, cid, desc):
        def reg(fn):
            self.add(cid, desc, fn)
            return fn
        return reg

    def main(self):
        p = argparse.ArgumentParser(description=f"conformance: {self.title}")
        p.add_argument("--port", type=int, required=True)
        p.add_argument("--only", default="", help="regex over case ids")
        p.add_argument("--list", action="store_true")
        a = p.parse_args()
        ids = set()
        for cid, *_ in self.cases:
            if cid in ids:
                raise SystemExit(f"duplicate case id {cid}")
            ids.add(cid)
        chosen = [c for c in self.cases if re.search(a.only, c[0])]
        if a.list:
            for cid, desc, *_ in chosen:
                print(f"{cid}\t{desc}")
            return
        failed = []
        t0 = time.monotonic()
        for cid, desc, fn, args in chosen:
            t = time.monotonic()
            try:
                fn(a.port, *args)
                print(f"OK     {cid:<10} {desc} ({(time.monotonic() - t) * 1000:.0f} ms)")
            except CaseFailed as e:
                failed.append(cid)
                print(f"FAILED {cid:<10} {desc}: {e}")
            except (OSError, EOFError) as e:
                failed.append(cid)
                print(f"FAILED {cid:<10} {desc}: {type(e).__name__}: {e}")
            except Exception:
                failed.append(cid)
                print(f"FAILED {cid:<10} {desc}: harness error:\n{traceback.format_exc()}")
            sys.stdout.flush()
        n = len(chosen)
        print(f"conformance {self.title}: {n - len(failed)} passed, {len(failed)} failed "
              f"in {time.monotonic() - t0:.1f}s")
        if failed:
            print("failed cases: " + " ".join(failed))
            sys.exit(1)
        if n == 0:
            print("no case matched")
            sys.exit(1)
