#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_handshake.py: the opening handshake (RFC 6455 section 4.2) over raw sockets: the accept
#   value, case-insensitive names and token lists, then every refusal with its exact status and
#   headers (426 + Sec-WebSocket-Version: 13 for other versions, 400 for bad keys, a missing Host
#   or a missing Connection token, 405 for other methods, 431 past the 8 KiB head limit, 505),
#   the absolute-form and a higher HTTP/1 minor version accepted,
#   each followed by the server ending the connection; frames sent in the head's own write; no
#   subprotocol or extension accepted unasked; and slow heads dropped at the handshake timeout.
# Does not: test routing beyond the WebSocket paths (test_server_echo_rooms.sh) or TLS (none).
# Threads: one; the slow-head case watches two sockets with select.
import base64
import os
import select
import socket
import time

from harness import (HOST, OP_BINARY, OP_TEXT, READ_TIMEOUT_S, Conn, Http, Suite, accept_for,
                     check, frame)

suite = Suite("handshake")
HEAD_MAX = 8192  # WSS_WS_HANDSHAKE_MAX_HEAD: the longest head accepted
HANDSHAKE_TIMEOUT_S = 10  # the server's HANDSHAKE_TIMEOUT_MS, in server/main.c
# RFC 6455 section 1.3's worked example.
RFC_KEY, RFC_ACCEPT = "dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def key():
    return base64.b64encode(os.urandom(16)).decode()


def request(port, method="GET", path="/ws", version="HTTP/1.1", host=True, upgrade="websocket",
            connection="Upgrade", ws_key=None, ws_version="13", extra=""):
    """A request head; None for a header leaves it out."""
    lines = [f"{method} {path} {version}"]
    if host:
        lines.append(f"Host: {HOST}:{port}")
    if upgrade is not None:
        lines.append(f"Upgrade: {upgrade}")
    if connection is not None:
        lines.append(f"Connection: {connection}")
    ws_key = key() if ws_key is None else ws_key
    if ws_key != "":
        lines.append(f"Sec-WebSocket-Key: {ws_key}")
    if ws_version is not None:
        lines.append(f"Sec-WebSocket-Version: {ws_version}")
    return ("\r\n".join(lines) + "\r\n" + extra + "\r\n").encode()


def exchange(port, raw):
    h = Http(port)
    h.send(raw)
    status, headers, _ = h.response()
    return h, status, headers


def refused(port, raw, status, header=None):
    """The exact status (and one header, if given), Connection: close, nothing after the body
    Content-Length announces, then EOF."""
    h, got, headers = exchange(port, raw)
    check(got == status, f"status {got}, want {status}")
    if header:
        name, value = header
        check(headers.get(name) == value, f"{name} is {headers.get(name)!r}, want {value!r}")
    check(headers.get("connection", "").lower() == "close",
          "error response lacks Connection: close")
    check("sec-websocket-accept" not in headers, "an error response carries an accept value")
    length = headers.get("content-length", "")
    check(length.isdigit(), f"error response without a Content-Length ({length!r})")
    h.expect_eof()
    check(len(h.buf) == int(length), f"{len(h.buf)} bytes after the head, want {length}")
    h.close()


def accepted(port, raw, ws_key):
    """101 with the right accept value, and the connection then echoes a frame."""
    h, got, headers = exchange(port, raw)
    check(got == 101, f"status {got}, want 101")
    check(headers.get("sec-websocket-accept") == accept_for(ws_key), "wrong Sec-WebSocket-Accept")
    check(headers.get("upgrade", "").lower() == "websocket", "101 lacks Upgrade: websocket")
    check(headers.get("connection", "").lower() == "upgrade", "101 lacks Connection: Upgrade")
    h.send(frame(OP_TEXT, b"after the handshake"))
    c = Conn.after_101(h)
    c.expect_message(OP_TEXT, b"after the handshake")
    c.close_handshake()
    c.close()
    return headers


@suite.case("H.1", "RFC 6455's sample key gets the RFC's accept value")
def rfc_sample(port):
    check(accept_for(RFC_KEY) == RFC_ACCEPT, "harness accept computation")
    accepted(port, request(port, ws_key=RFC_KEY), RFC_KEY)


@suite.case("H.2", "header names and token values in any case")
def any_case(port):
    k = key()
    raw = (f"GET /ws HTTP/1.1\r\nhOsT: {HOST}\r\nUPGRADE: WebSocket\r\nconnection: UPGRADE\r\n"
           f"SEC-WEBSOCKET-KEY: {k}\r\nsec-websocket-version: 13\r\n\r\n").encode()
    accepted(port, raw, k)


@suite.case("H.3", "Connection and Upgrade as token lists with spaces and empty elements")
def token_lists(port):
    k = key()
    accepted(port, request(port, connection=" , keep-alive ,Upgrade,,", upgrade="h2c, websocket",
                           ws_key=k), k)


@suite.case("H.4", "header values with surrounding spaces and tabs")
def ows(port):
    k = key()
    raw = (f"GET /ws HTTP/1.1\r\nHost:{HOST}\r\nUpgrade: \twebsocket \r\nConnection:Upgrade\r\n"
           f"Sec-WebSocket-Key: \t{k}\t\r\nSec-WebSocket-Version:  13 \r\n\r\n").encode()
    accepted(port, raw, k)


@suite.case("H.5", "a subprotocol and an extension offered: neither is accepted")
def no_negotiation(port):
    k = key()
    headers = accepted(port, request(port, ws_key=k, extra="Sec-WebSocket-Protocol: chat, v2\r\n"
                                     "Sec-WebSocket-Extensions: permessage-deflate\r\n"), k)
    check("sec-websocket-protocol" not in headers, "a subprotocol was selected")
    check("sec-websocket-extensions" not in headers, "an extension was accepted")


@suite.case("H.6", "frames in the same write as the head are processed after the 101")
def frames_in_head_write(port):
    k = key()
    h = Http(port)
    h.send(request(port, ws_key=k) + frame(OP_BINARY, b"\x01\x02") + frame(OP_TEXT, b"second"))
    status, headers, _ = h.response()
    check(status == 101, f"status {status}")
    c = Conn.after_101(h)
    c.expect_message(OP_BINARY, b"\x01\x02")
    c.expect_message(OP_TEXT, b"second")
    c.close_handshake()
    c.close()


@suite.case("H.6b", "a head split over two writes, the second carrying frames too")
def split_head_with_frames(port):
    k = key()
    raw = request(port, ws_key=k)
    h = Http(port)
    h.send(raw[:len(raw) // 2])
    h.send(raw[len(raw) // 2:] + frame(OP_TEXT, b"rides with the head") + frame(OP_BINARY, b"\x00"))
    status, _, _ = h.response()
    check(status == 101, f"status {status}")
    c = Conn.after_101(h)
    c.expect_message(OP_TEXT, b"rides with the head")
    c.expect_message(OP_BINARY, b"\x00")
    c.close_handshake()
    c.close()


@suite.case("H.7", "a head of exactly 8192 bytes is accepted")
def head_at_limit(port):
    k = key()
    base = request(port, ws_key=k, extra="X-Pad: \r\n")
    pad = HEAD_MAX - len(base)
    raw = request(port, ws_key=k, extra=f"X-Pad: {'p' * pad}\r\n")
    check(len(raw) == HEAD_MAX, "test head length")
    accepted(port, raw, k)


REFUSALS = [
    # (id, what, request arguments, status, header)
    ("H.8", "Sec-WebSocket-Version: 8", dict(ws_version="8"), 426,
     ("sec-websocket-version", "13")),
    ("H.9", "no Sec-WebSocket-Version", dict(ws_version=None), 426,
     ("sec-websocket-version", "13")),
    ("H.11", "version 13 and 8 in one list", dict(ws_version="13, 8"), 426,
     ("sec-websocket-version", "13")),
    ("H.12", "no key", dict(ws_key=""), 400, None),
    ("H.13", "key of 15 bytes", dict(ws_key=base64.b64encode(bytes(15)).decode()), 400, None),
    ("H.14", "key of 17 bytes", dict(ws_key=base64.b64encode(bytes(17)).decode()), 400, None),
    ("H.15", "key with a character outside base64", dict(ws_key="AAAAAAAAAAA*AAAAAAAAAA=="), 400,
     None),
    ("H.16", "key of 24 characters without padding", dict(ws_key="A" * 24), 400, None),
    ("H.17", "two keys", dict(extra=f"Sec-WebSocket-Key: {key()}\r\n"), 400, None),
    ("H.18", "no Host", dict(host=False), 400, None),
    ("H.19", "two Hosts", dict(extra=f"Host: {HOST}\r\n"), 400, None),
    ("H.20", "POST", dict(method="POST"), 405, ("allow", "GET, HEAD")),
    ("H.21", "PUT", dict(method="PUT"), 405, ("allow", "GET, HEAD")),
    ("H.22", "HEAD with an upgrade", dict(method="HEAD"), 405, ("allow", "GET, HEAD")),
    ("H.23", "lower-case get (methods are case-sensitive)", dict(method="get"), 405,
     ("allow", "GET, HEAD")),
    ("H.24", "HTTP/1.0", dict(version="HTTP/1.0"), 400, None),
    ("H.25", "HTTP/2.0", dict(version="HTTP/2.0"), 505, None),
    ("H.26", "Connection without the upgrade token", dict(connection="keep-alive"), 400, None),
    ("H.27", "no Connection header", dict(connection=None), 400, None),
    ("H.28", "no Upgrade header (a plain GET of /ws)", dict(upgrade=None), 426,
     ("upgrade", "websocket")),
    ("H.29", "a body announced with Content-Length", dict(extra="Content-Length: 5\r\n"), 400,
     None),
    ("H.30", "a chunked body", dict(extra="Transfer-Encoding: chunked\r\n"), 400, None),
    ("H.31", "an absolute-form target of another scheme", dict(path="ftp://127.0.0.1/ws"), 400,
     None),
    ("H.32", "an unknown path", dict(path="/nowhere"), 404, None),
    ("H.33", "a room name with a space", dict(path="/ws/rooms/a%20b"), 404, None),
    ("H.34", "a header with a control byte", dict(extra="X-Bad: a\x01b\r\n"), 400, None),
    ("H.35", "an obsolete folded header line", dict(extra="X-Folded: a\r\n  b\r\n"), 400, None),
]
for cid, what, kw, status, header in REFUSALS:
    suite.add(cid, f"{what}: {status}", lambda port, kw=kw, s=status, h=header:
              refused(port, request(port, **kw), s, h))


def oversized(port):
    k = key()
    base = request(port, ws_key=k, extra="X-Pad: \r\n")
    raw = request(port, ws_key=k, extra=f"X-Pad: {'p' * (HEAD_MAX + 1 - len(base))}\r\n")
    check(len(raw) == HEAD_MAX + 1, "test head length")
    refused(port, raw, 431)


def bare_lf(port):
    refused(port, request(port).replace(b"\r\n", b"\n"), 400)


suite.add("H.10", "a head of 8193 bytes gets 431", oversized)
suite.add("H.36", "lines ending in a bare LF: 400", bare_lf)
suite.add("H.37", "a 64 KiB head: 431 (not read to the end)",
          lambda port: refused(port, request(port, extra=f"X-Pad: {'p' * 65536}\r\n"), 431))


@suite.case("H.39", "an absolute-form target (RFC 9112 3.2.2) is accepted by its path")
def absolute_form(port):
    k = key()
    accepted(port, request(port, path=f"http://{HOST}:{port}/ws", ws_key=k), k)


@suite.case("H.40", "HTTP/1.2 is served as HTTP/1.1 (RFC 9110 2.5)")
def newer_minor_version(port):
    k = key()
    accepted(port, request(port, version="HTTP/1.2", ws_key=k), k)


@suite.case("H.38", "slow heads are dropped at the handshake timeout, trickling or silent")
def slow_heads(port):
    """One client sends half a head and stops; another sends a byte every half second, which
    never finishes the head. Both must be dropped without an answer about HANDSHAKE_TIMEOUT_S
    after they connected: bytes trickling in do not extend the deadline."""
    raw = request(port)
    silent = socket.create_connection((HOST, port), timeout=READ_TIMEOUT_S)
    trickle = socket.create_connection((HOST, port), timeout=READ_TIMEOUT_S)
    t0 = time.monotonic()
    silent.sendall(raw[:len(raw) // 2])
    ended = {}
    sent = 0
    deadline = t0 + HANDSHAKE_TIMEOUT_S + 5
    next_byte = t0
    while len(ended) < 2:
        now = time.monotonic()
        check(now < deadline, f"still open {now - t0:.1f}s after connecting: {sorted(ended)}")
        if "trickle" not in ended and now >= next_byte and sent < len(raw) - 2:
            trickle.sendall(raw[sent:sent + 1])  # never the final CRLF
            sent += 1
            next_byte = now + 0.5
        socks = [s for name, s in (("silent", silent), ("trickle", trickle)) if name not in ended]
        r, _, _ = select.select(socks, [], [], max(0.0, min(next_byte, deadline) - now))
        for s in r:
            name = "silent" if s is silent else "trickle"
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                data = b""
            check(data == b"", f"{name} client got an answer: {data[:60]!r}")
            ended[name] = time.monotonic() - t0
    for name, at in ended.items():
        check(HANDSHAKE_TIMEOUT_S - 1 <= at <= HANDSHAKE_TIMEOUT_S + 2,
              f"{name} client dropped after {at:.1f}s, want about {HANDSHAKE_TIMEOUT_S}s")
    check(sent >= HANDSHAKE_TIMEOUT_S, f"only {sent} bytes trickled")
    silent.close()
    trickle.close()
    print(f"       slow heads dropped after {ended['silent']:.2f}s (silent) and "
          f"{ended['trickle']:.2f}s (trickle, {sent} bytes)")


if __name__ == "__main__":
    suite.main()
