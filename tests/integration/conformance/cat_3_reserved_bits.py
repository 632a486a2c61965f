#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_3_reserved_bits.py: Autobahn category 3, reserved bits: with no extension negotiated, any
#   RSV bit on a text, binary, ping or close frame fails the connection with 1002; a good message
#   before it is still echoed (the strict outcome), and the ping after it is never answered.
# Does not: negotiate extensions (the server accepts none: cat_handshake.py H.5).
# Threads: one; see harness.py.
from harness import (OP_BINARY, OP_CLOSE, OP_PING, OP_TEXT, Conn, Suite, close_payload,
                     fails_with, frame)

suite = Suite("3 reserved bits")
HELLO = b"Hello, conformance!"


def sandwich(port, rsv, opcode, how):
    """A good text message, the frame with RSV bits, then a ping; written in one piece, frame by
    frame, or byte by byte. Strict: the echo, then Close 1002, and no pong."""
    bad = close_payload(1000) if opcode == OP_CLOSE else b"" if opcode == OP_PING else HELLO
    frames = [frame(OP_TEXT, HELLO), frame(opcode, bad, rsv=rsv), frame(OP_PING, b"no pong")]
    c = Conn(port)
    if how == "frames":
        c.send_frames_paced(frames)
    elif how == "bytes":
        c.send_chopped(b"".join(frames), 1)
    else:
        c.send(b"".join(frames))
    c.expect_message(OP_TEXT, HELLO)
    c.expect_close(1002)  # also proves no pong came between the echo and the Close
    c.close()


@suite.case("3.1", "text frame with RSV=1 fails with 1002")
def c3_1(port):
    fails_with(port, 1002, frame(OP_TEXT, HELLO, rsv=1))


suite.add("3.2", "text, text with RSV=2, ping: echo, 1002, no pong", sandwich, 2, OP_TEXT, "one")
suite.add("3.3", "as 3.2 with RSV=3, written frame by frame", sandwich, 3, OP_TEXT, "frames")
suite.add("3.4", "as 3.2 with RSV=4, written byte by byte", sandwich, 4, OP_TEXT, "bytes")


@suite.case("3.5", "binary frame with RSV=5 fails with 1002")
def c3_5(port):
    fails_with(port, 1002, frame(OP_BINARY, bytes(range(8)), rsv=5))


@suite.case("3.6", "ping with RSV=6 fails with 1002 and gets no pong")
def c3_6(port):
    fails_with(port, 1002, frame(OP_PING, b"ping", rsv=6))


@suite.case("3.7", "close with RSV=7 fails with 1002 (not a clean 1000)")
def c3_7(port):
    fails_with(port, 1002, frame(OP_CLOSE, close_payload(1000), rsv=7))


# Every RSV value on every frame type, after a good message.
for rsv in range(1, 8):
    for op, name in ((OP_TEXT, "text"), (OP_BINARY, "binary"), (OP_PING, "ping"),
                     (OP_CLOSE, "close")):
        suite.add(f"3.x.{rsv}.{name}", f"{name} with RSV={rsv} after a good message: echo, 1002",
                  sandwich, rsv, op, "one")


@suite.case("3.x.9", "RSV bits on a continuation frame fail with 1002")
def continuation(port):
    fails_with(port, 1002, frame(OP_TEXT, b"part", fin=False) + frame(0, b"rest", rsv=1))


if __name__ == "__main__":
    suite.main()
