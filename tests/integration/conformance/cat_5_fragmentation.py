#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_5_fragmentation.py: Autobahn category 5, fragmentation, case by case (5.1-5.20): fragmented
#   control frames fail with 1002; fragmented messages are echoed whole, written in one piece,
#   frame by frame or byte by byte; pings between fragments are answered at once (before the
#   final fragment is even sent); continuations with nothing to continue and a new data frame
#   inside a message fail with 1002.
# Does not: check UTF-8 across fragments (category 6) or fragments adding up past the message
#   limit (category 10).
# Threads: one; see harness.py.
from harness import (OP_BINARY, OP_CONT, OP_PING, OP_PONG, OP_TEXT, Conn, Suite, fragments,
                     frame)

suite = Suite("5 fragmentation")
F1, F2 = b"fragment1", b"fragment2"


def write(c, frames, how):
    if how == "frames":
        c.send_frames_paced(frames)
    elif how == "bytes":
        c.send_chopped(b"".join(frames), 1)
    else:
        c.send(b"".join(frames))


def fails(port, frames, how="one", echoes=()):
    c = Conn(port)
    write(c, frames, how)
    for op, p in echoes:
        c.expect_message(op, p)
    c.expect_close(1002)
    c.close()


def echoes(port, frames, expect, how="one"):
    c = Conn(port)
    write(c, frames, how)
    for kind, op, p in expect:
        if kind == "pong":
            c.expect_pong(p)
        else:
            c.expect_message(op, p)
    c.close_handshake()
    c.close()


suite.add("5.1", "ping fragmented into 2 frames fails with 1002", fails,
          [frame(OP_PING, F1, fin=False), frame(OP_CONT, F2)])
suite.add("5.2", "pong fragmented into 2 frames fails with 1002", fails,
          [frame(OP_PONG, F1, fin=False), frame(OP_CONT, F2)])

TWO = [frame(OP_TEXT, F1, fin=False), frame(OP_CONT, F2)]
WHOLE = [("msg", OP_TEXT, F1 + F2)]
suite.add("5.3", "text in 2 fragments is echoed whole", echoes, TWO, WHOLE)
suite.add("5.4", "as 5.3, written frame by frame", echoes, TWO, WHOLE, "frames")
suite.add("5.5", "as 5.3, written byte by byte", echoes, TWO, WHOLE, "bytes")

PING = b"ping payload"
WITH_PING = [TWO[0], frame(OP_PING, PING), TWO[1]]
PONG_THEN = [("pong", None, PING)] + WHOLE
suite.add("5.6", "text in 2 fragments with a ping between: pong, then the echo", echoes,
          WITH_PING, PONG_THEN)
suite.add("5.7", "as 5.6, written frame by frame", echoes, WITH_PING, PONG_THEN, "frames")
suite.add("5.8", "as 5.6, written byte by byte", echoes, WITH_PING, PONG_THEN, "bytes")

CONT_FIN = [frame(OP_CONT, b"non-continuation payload"), frame(OP_TEXT, b"Hello, world!")]
suite.add("5.9", "continuation (FIN) with nothing to continue, then text: 1002", fails, CONT_FIN)
suite.add("5.10", "as 5.9, written frame by frame", fails, CONT_FIN, "frames")
suite.add("5.11", "as 5.9, written byte by byte", fails, CONT_FIN, "bytes")

CONT_NOFIN = [frame(OP_CONT, b"non-continuation payload", fin=False),
              frame(OP_TEXT, b"Hello, world!")]
suite.add("5.12", "continuation (no FIN) with nothing to continue, then text: 1002", fails,
          CONT_NOFIN)
suite.add("5.13", "as 5.12, written frame by frame", fails, CONT_NOFIN, "frames")
suite.add("5.14", "as 5.12, written byte by byte", fails, CONT_NOFIN, "bytes")

suite.add("5.15", "2-fragment text, a stray continuation, a text: echo, then 1002", fails,
          TWO + [frame(OP_CONT, b"fragment3", fin=False), frame(OP_TEXT, b"fragment4")], "one",
          [(OP_TEXT, F1 + F2)])
suite.add("5.16", "2x (stray continuation no FIN, 2-fragment text): 1002, no echo", fails,
          ([frame(OP_CONT, b"fragment1", fin=False)] + TWO) * 2)
suite.add("5.17", "2x (stray continuation FIN, 2-fragment text): 1002, no echo", fails,
          ([frame(OP_CONT, b"fragment1")] + TWO) * 2)
suite.add("5.18", "a second text opcode inside a fragmented message: 1002", fails,
          [frame(OP_TEXT, F1, fin=False), frame(OP_TEXT, F2)])


def pings_mid_message(port, how):
    """5.19/5.20: each pong must come back while the message is still unfinished: the rest is
    sent only after the first pong arrived."""
    frags = [b"fragment%d" % i for i in range(1, 6)]
    c = Conn(port)
    write(c, [frame(OP_TEXT, frags[0], fin=False), frame(OP_CONT, frags[1], fin=False),
              frame(OP_PING, b"pongme 1!")], how)
    c.expect_pong(b"pongme 1!")
    write(c, [frame(OP_CONT, frags[2], fin=False), frame(OP_CONT, frags[3], fin=False),
              frame(OP_PING, b"pongme 2!")], how)
    c.expect_pong(b"pongme 2!")
    write(c, [frame(OP_CONT, frags[4])], how)
    c.expect_message(OP_TEXT, b"".join(frags))
    c.close_handshake()
    c.close()


suite.add("5.19", "5 fragments, pings after the 2nd and 4th: each pong before the end",
          pings_mid_message, "one")
suite.add("5.20", "as 5.19, written frame by frame", pings_mid_message, "frames")


@suite.case("5.x.1", "binary in 20 fragments with a ping between each two is reassembled")
def many_pings(port):
    parts = [bytes([i]) * (i * 13) for i in range(20)]
    frames = []
    for i, p in enumerate(parts):
        if i > 0:
            frames.append(frame(OP_PING, b"p%d" % i))
        frames.append(frame(OP_BINARY if i == 0 else OP_CONT, p, fin=i == 19))
    echoes(port, frames, [("pong", None, b"p%d" % i) for i in range(1, 20)] +
           [("msg", OP_BINARY, b"".join(parts))])


@suite.case("5.x.2", "empty first, middle and last fragments are allowed")
def empty_fragments(port):
    frames = [frame(OP_BINARY, b"", fin=False), frame(OP_CONT, b"a", fin=False),
              frame(OP_CONT, b"", fin=False), frame(OP_CONT, b"b", fin=False), frame(OP_CONT, b"")]
    echoes(port, frames, [("msg", OP_BINARY, b"ab")])


@suite.case("5.x.3", "a message of 1000 one-byte fragments is echoed whole")
def thousand(port):
    payload = bytes((i * 31) & 0xFF for i in range(1000))
    echoes(port, [fragments(OP_BINARY, payload, [1])], [("msg", OP_BINARY, payload)])


@suite.case("5.x.4", "a binary opcode inside a fragmented text message: 1002")
def binary_inside_text(port):
    fails(port, [frame(OP_TEXT, F1, fin=False), frame(OP_BINARY, F2)])


@suite.case("5.x.5", "messages after a fragmented one start fresh")
def after(port):
    echoes(port, TWO + [frame(OP_BINARY, b"\x00\x01")] + TWO,
           WHOLE + [("msg", OP_BINARY, b"\x00\x01")] + WHOLE)


@suite.case("5.x.6", "in a room: 5.19's pattern, pongs at once, the message broadcast whole")
def room_fragments(port):
    frags = [b"room-fragment%d" % i for i in range(1, 4)]
    c = Conn(port, "/ws/rooms/conformance-5x6")
    c.send(frame(OP_TEXT, frags[0], fin=False) + frame(OP_PING, b"first"))
    c.expect_pong(b"first")
    c.send(frame(OP_CONT, frags[1], fin=False) + frame(OP_PING, b"second") +
           frame(OP_CONT, frags[2]))
    c.expect_pong(b"second")
    c.expect_message(OP_TEXT, b"".join(frags))  # a member hears its own message
    c.close_handshake()
    c.close()


if __name__ == "__main__":
    suite.main()
