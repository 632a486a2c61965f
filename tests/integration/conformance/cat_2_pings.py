#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_2_pings.py: Autobahn category 2, pings and pongs: pings of 0..125 bytes get a pong with the
#   same payload (whole or written byte by byte), a 126-byte ping fails with 1002, unsolicited
#   pongs are ignored, and ten pings in a row get ten pongs in order.
# Does not: test pings between fragments (category 5) or after a Close (category 7).
# Threads: one; see harness.py.
from harness import (OP_PING, OP_PONG, OP_TEXT, Conn, Suite, fails_with, frame)

suite = Suite("2 pings")


def ping_pong(port, payload, chop=None):
    c = Conn(port)
    data = frame(OP_PING, payload)
    if chop:
        c.send_chopped(data, chop)
    else:
        c.send(data)
    c.expect_pong(payload)
    c.close_handshake()
    c.close()


@suite.case("2.1", "ping without payload gets an empty pong")
def c2_1(port):
    ping_pong(port, b"")


@suite.case("2.2", "ping with a short text payload gets it back")
def c2_2(port):
    ping_pong(port, "are you there? ✓".encode())


@suite.case("2.3", "ping with a binary payload gets it back")
def c2_3(port):
    ping_pong(port, bytes([0x00, 0xFF, 0xFE, 0x80, 0x7F, 0x01, 0xC3]))


@suite.case("2.4", "ping with 125 bytes (the control maximum) gets it back")
def c2_4(port):
    ping_pong(port, bytes(range(125)))


@suite.case("2.5", "ping with 126 bytes fails the connection with 1002")
def c2_5(port):
    fails_with(port, 1002, frame(OP_PING, b"x" * 126))


@suite.case("2.6", "ping with 125 bytes written one byte at a time gets it back")
def c2_6(port):
    ping_pong(port, bytes(range(125, 0, -1)), chop=1)


@suite.case("2.7", "an unsolicited empty pong is ignored")
def c2_7(port):
    c = Conn(port)
    c.send_frame(OP_PONG)
    c.barrier()  # the pong after it is the only answer
    c.close_handshake()
    c.close()


@suite.case("2.8", "an unsolicited pong with payload is ignored")
def c2_8(port):
    c = Conn(port)
    c.send_frame(OP_PONG, b"unsolicited")
    c.barrier()
    c.close_handshake()
    c.close()


@suite.case("2.9", "a pong then a ping: only the ping is answered")
def c2_9(port):
    c = Conn(port)
    c.send(frame(OP_PONG, b"unsolicited") + frame(OP_PING, b"ping payload"))
    c.expect_pong(b"ping payload")
    c.barrier()
    c.close_handshake()
    c.close()


def ten_pings(port, chop):
    c = Conn(port)
    payloads = [b"payload-%d" % i for i in range(10)]
    data = b"".join(frame(OP_PING, p) for p in payloads)
    if chop:
        c.send_chopped(data, chop)
    else:
        c.send(data)
    for p in payloads:
        c.expect_pong(p)
    c.close_handshake()
    c.close()


@suite.case("2.10", "ten pings in one write get ten pongs, in order")
def c2_10(port):
    ten_pings(port, None)


@suite.case("2.11", "ten pings written one byte at a time get ten pongs, in order")
def c2_11(port):
    ten_pings(port, 1)


@suite.case("2.x.1", "a ping between two text messages is answered between their echoes")
def ping_between(port):
    c = Conn(port)
    c.send(frame(OP_TEXT, b"one") + frame(OP_PING, b"mid") + frame(OP_TEXT, b"two"))
    c.expect_message(OP_TEXT, b"one")
    c.expect_pong(b"mid")
    c.expect_message(OP_TEXT, b"two")
    c.close_handshake()
    c.close()


@suite.case("2.x.2", "a pong with 126 bytes fails the connection with 1002")
def big_pong(port):
    fails_with(port, 1002, frame(OP_PONG, b"y" * 126))


@suite.case("2.x.3", "a ping declaring 126 bytes fails before its payload arrives")
def big_ping_header(port):
    c = Conn(port)
    c.send(frame(OP_PING, b"", length=126))  # header only: the length alone is the error
    c.expect_close(1002)
    c.close()


if __name__ == "__main__":
    suite.main()
