#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_10_limits.py: Autobahn category 10 (10.1.1: a 64 KiB message auto-fragmented into 1300-byte
#   frames is echoed whole) and the message limit (the server runs with --max-message-bytes
#   16777216): a message of exactly the limit is echoed, one byte more fails with 1009, decided
#   from the frame header before the payload is sent, whether in one frame or in fragments, and
#   the count starts again with each message.
# Does not: test memory or send-buffer limits (test_server_limits.sh).
# Threads: one, plus the harness's writer thread for each big message.
from harness import (OP_BINARY, OP_CONT, OP_PING, OP_TEXT, Conn, Suite, fragments, frame)

suite = Suite("10 limits")
LIMIT = 16 * 1024 * 1024  # run.sh starts the server with this --max-message-bytes
AUTO_FRAGMENT = 1300  # Autobahn 10.1.1's fragment size
ECHO_TIMEOUT_S = 120


@suite.case("10.1.1", "64 KiB text auto-fragmented into 1300-byte frames is echoed whole")
def c10_1_1(port):
    payload = ("*" * 65536).encode()
    c = Conn(port)
    c.send(fragments(OP_TEXT, payload, [AUTO_FRAGMENT]))
    c.expect_message(OP_TEXT, payload)
    c.close_handshake()
    c.close()


def big_echo(c, opcode, payload, sizes=None):
    data = frame(opcode, payload) if sizes is None else fragments(opcode, payload, sizes)
    join = c.send_in_background(data)
    c.expect_message(opcode, payload, timeout_s=ECHO_TIMEOUT_S)
    join(ECHO_TIMEOUT_S)


@suite.case("10.2.1", "a binary message of exactly the limit is echoed")
def at_limit(port):
    c = Conn(port)
    big_echo(c, OP_BINARY, bytes(LIMIT))
    c.close_handshake()
    c.close()


@suite.case("10.2.2", "a message of exactly the limit in 3 fragments, then another: both echoed")
def at_limit_twice(port):
    c = Conn(port)
    third = LIMIT // 3
    big_echo(c, OP_BINARY, b"\x01" * LIMIT, [third, third, LIMIT - 2 * third])
    big_echo(c, OP_TEXT, b"t" * LIMIT, [LIMIT // 2])
    c.close_handshake()
    c.close()


@suite.case("10.2.3", "a binary frame header declaring limit+1 bytes: 1009 before any payload")
def header_over(port):
    c = Conn(port)
    c.send(frame(OP_BINARY, b"", length=LIMIT + 1))
    c.expect_close(1009)
    c.close()


@suite.case("10.2.4", "a text frame header declaring limit+1 bytes: 1009, not 1007")
def text_header_over(port):
    c = Conn(port)
    c.send(frame(OP_TEXT, b"", length=LIMIT + 1) + b"\xff")  # a bad byte it must not look at
    c.expect_close(1009)
    c.close()


@suite.case("10.2.4b", "limit+1 bytes sent in full anyway: Close 1009 still arrives, then EOF")
def over_sent_anyway(port):
    """The server stops after the header, but the client goes on writing 16 MiB: the server must
    keep reading (and dropping) until it has closed cleanly, or the client's unread bytes turn its
    close into a reset that can destroy the Close frame in flight."""
    c = Conn(port)
    join = c.send_in_background(frame(OP_BINARY, bytes(LIMIT + 1)), tolerate_reset=True)
    c.expect_close(1009)
    join(ECHO_TIMEOUT_S)
    c.close()


@suite.case("10.2.5", "a header declaring 2^63-1 bytes: 1009")
def huge_header(port):
    c = Conn(port)
    c.send(frame(OP_BINARY, b"", length=(1 << 63) - 1))
    c.expect_close(1009)
    c.close()


@suite.case("10.2.6", "fragments reaching the limit, then one more byte: 1009 at that fragment")
def fragments_over(port):
    c = Conn(port)
    half = LIMIT // 2
    join = c.send_in_background(frame(OP_BINARY, bytes(half), fin=False) +
                                frame(OP_CONT, bytes(LIMIT - half), fin=False) +
                                frame(OP_PING, b"still open"))
    c.expect_pong(b"still open")  # the limit itself is fine
    join(ECHO_TIMEOUT_S)
    c.send(frame(OP_CONT, b"", length=1))  # header only: the length alone is over
    c.expect_close(1009)
    c.close()


@suite.case("10.2.7", "pings inside a message of exactly the limit do not count towards it")
def pings_not_counted(port):
    c = Conn(port)
    half = LIMIT // 2
    join = c.send_in_background(frame(OP_TEXT, b"a" * half, fin=False) +
                                frame(OP_PING, b"x" * 125) +
                                frame(OP_CONT, b"b" * (LIMIT - half)))
    c.expect_pong(b"x" * 125)
    c.expect_message(OP_TEXT, b"a" * half + b"b" * (LIMIT - half), timeout_s=ECHO_TIMEOUT_S)
    join(ECHO_TIMEOUT_S)
    c.close_handshake()
    c.close()


if __name__ == "__main__":
    suite.main()
