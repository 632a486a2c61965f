#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# load_fake_server.py: a misbehaving WebSocket server on 127.0.0.1 for test_load_errors.sh: each
#   --mode answers the upgrade (or not) and then breaks one rule, so the test can check how
#   wsscale-load classifies it.
# Does not: implement WebSocket beyond what each mode needs; run with /usr/bin/python3.
# Threads: one thread per connection, daemonic; the main thread accepts until killed.
import argparse
import base64
import hashlib
import socket
import struct
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HEAD_MAX = 8192
READ_TIMEOUT_S = 10


def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < HEAD_MAX:
        chunk = conn.recv(4096)
        if not chunk:
            return None, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def accept_for(head):
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            digest = hashlib.sha1(value.strip().encode() + GUID).digest()
            return base64.b64encode(digest).decode()
    return ""


def response(accept):
    return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode()


def frame(opcode, payload, masked=False):
    head = bytes([0x80 | opcode])
    n = len(payload)
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([mask_bit | n])
    else:
        head += bytes([mask_bit | 126]) + struct.pack("!H", n)
    if masked:
        key = b"\x01\x02\x03\x04"
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


def read_frames(conn, buf):
    """Yields (opcode, payload) of client frames (masked) until EOF."""
    while True:
        while len(buf) >= 2:
            n = buf[1] & 0x7F
            pos = 2
            if n == 126:
                if len(buf) < 4:
                    break
                n = struct.unpack("!H", buf[2:4])[0]
                pos = 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n = struct.unpack("!Q", buf[2:10])[0]
                pos = 10
            if len(buf) < pos + 4 + n:
                break
            key = buf[pos:pos + 4]
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(buf[pos + 4:pos + 4 + n]))
            opcode = buf[0] & 0x0F
            buf = buf[pos + 4 + n:]
            yield opcode, payload
        chunk = conn.recv(65536)
        if not chunk:
            return
        buf += chunk


def serve(conn, mode, log):
    conn.settimeout(READ_TIMEOUT_S)
    head, rest = read_head(conn)
    if head is None:
        return
    accept = accept_for(head)
    if mode == "bad-accept":
        conn.sendall(response(base64.b64encode(b"x" * 20).decode()))
        while conn.recv(4096):  # until the client gives up and hangs up
            pass
        return
    if mode == "split-101":
        whole = response(accept) + frame(0x1, b"hello")
        cut1, cut2 = 10, len(whole) - 9
        # The pauses are not synchronisation: they make the client read the answer in pieces.
        for part in (whole[:cut1], whole[cut1:cut2], whole[cut2:]):
            conn.sendall(part)
            time.sleep(0.05)
    else:
        conn.sendall(response(accept))
    if mode == "abrupt":
        conn.close()
        return
    if mode == "masked-frame":
        conn.sendall(frame(0x1, b"hi", masked=True))
    elif mode == "reserved-opcode":
        conn.sendall(bytes([0x83, 0x00]))
    elif mode == "close-1011":
        conn.sendall(frame(0x8, struct.pack("!H", 1011) + b"boom"))
    elif mode == "ping":
        conn.sendall(frame(0x9, b"are you there"))
    for opcode, payload in read_frames(conn, rest):
        if opcode == 0x8:
            if mode != "close-1011":
                conn.sendall(frame(0x8, payload[:2]))
            log.write("close %s\n" % (struct.unpack("!H", payload[:2])[0] if payload else 1005))
            log.flush()
            break
        if opcode == 0xA:
            log.write("pong %s\n" % payload.decode("latin-1"))
            log.flush()
        elif opcode in (0x1, 0x2):
            conn.sendall(frame(opcode, payload))
    conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", required=True,
                    choices=["bad-accept", "split-101", "abrupt", "masked-frame",
                             "reserved-opcode", "close-1011", "ping"])
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(64)
    with open(args.log, "a") as log:
        log.write("ready\n")
        log.flush()
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=serve, args=(conn, args.mode, log), daemon=True).start()


if __name__ == "__main__":
    main()
