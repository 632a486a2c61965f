#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_7_close.py: Autobahn category 7, close handling: after the client's Close nothing more is
#   answered (no pong, no echo, no second Close) and the server ends TCP (7.1.x); Close payloads
#   of 0, 1, 2, 2+123 and 2+124 bytes (7.3.x); a reason that is not UTF-8 (7.5.1); every valid
#   code echoed (7.7.x) and every invalid one failed with 1002 (7.9.x, 7.13.x).
# Does not: test the server's own Close on drain (test_server_drain.sh) or on errors (the other
#   categories end with it).
# Threads: one; see harness.py.
from harness import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_TEXT, Conn, Suite, check,
                     close_payload, frame)

suite = Suite("7 close")
HELLO = b"Hello World!"


def sent_then(port, data, echoes=(), code=1000):
    """Writes data (ending after a Close); expects the echoes, then a Close with code, then EOF:
    anything the client wrote after its Close is ignored."""
    c = Conn(port)
    c.send(data)
    for op, p in echoes:
        c.expect_message(op, p)
    c.expect_close(code)
    c.close()


suite.add("7.1.1", "text then Close 1000: echo, then Close 1000", sent_then,
          frame(OP_TEXT, HELLO) + frame(OP_CLOSE, close_payload(1000)), [(OP_TEXT, HELLO)])
suite.add("7.1.2", "two Closes: one Close back, the second ignored", sent_then,
          frame(OP_CLOSE, close_payload(1000)) * 2)
suite.add("7.1.3", "Close then ping: no pong", sent_then,
          frame(OP_CLOSE, close_payload(1000)) + frame(OP_PING, HELLO))
suite.add("7.1.4", "Close then text: no echo", sent_then,
          frame(OP_CLOSE, close_payload(1000)) + frame(OP_TEXT, HELLO))
suite.add("7.1.5", "text fragment, Close, last fragment: Close 1000 (the Close wins)", sent_then,
          frame(OP_TEXT, b"fragment1", fin=False) + frame(OP_CLOSE, close_payload(1000)) +
          frame(OP_CONT, b"fragment2"))
BIG = b"BAsd7&jh23" * (256 * 1024 // 10)
suite.add("7.1.6", "256 KiB text, text, Close, ping: both echoes, Close, no pong", sent_then,
          frame(OP_TEXT, BIG) + frame(OP_TEXT, HELLO) + frame(OP_CLOSE, close_payload(1000)) +
          frame(OP_PING), [(OP_TEXT, BIG), (OP_TEXT, HELLO)])


@suite.case("7.1.7", "Close 1000 and our socket kept open: the server ends TCP first")
def server_ends_tcp(port):
    c = Conn(port)
    c.send_frame(OP_TEXT, HELLO)
    c.expect_message(OP_TEXT, HELLO)
    c.close_handshake()  # expect_eof inside: EOF reached while we never shut down our side
    c.close()


@suite.case("7.3.1", "Close with an empty payload: the server's Close has no code (or 1000)")
def c7_3_1(port):
    c = Conn(port)
    c.send_frame(OP_CLOSE, b"")
    f = c.recv_frame()
    check(f.opcode == OP_CLOSE and f.payload in (b"", close_payload(1000)),
          f"expected an empty Close or Close 1000, got {f}")
    c.expect_eof()
    c.close()


suite.add("7.3.2", "Close with a 1-byte payload: 1002", sent_then,
          frame(OP_CLOSE, b"\x03"), (), 1002)
suite.add("7.3.3", "Close 1000 without a reason: Close 1000", sent_then,
          frame(OP_CLOSE, close_payload(1000)))
suite.add("7.3.4", "Close 1000 with a reason: Close 1000", sent_then,
          frame(OP_CLOSE, close_payload(1000, "bye ✓".encode())))
suite.add("7.3.5", "Close 1000 with a 123-byte reason (the maximum): Close 1000", sent_then,
          frame(OP_CLOSE, close_payload(1000, b"r" * 123)))
suite.add("7.3.6", "Close 1000 with a 124-byte reason (payload 126): 1002", sent_then,
          frame(OP_CLOSE, close_payload(1000, b"r" * 124)), (), 1002)
suite.add("7.5.1", "Close 1000 with a reason that is not UTF-8 (a surrogate): 1007", sent_then,
          frame(OP_CLOSE, close_payload(1000, "κόσμε".encode() + b"\xed\xa0\x80" + b"edited")),
          (), 1007)
suite.add("7.5.x", "Close reason ending inside a UTF-8 sequence: 1007", sent_then,
          frame(OP_CLOSE, close_payload(1000, b"cut \xe2\x82")), (), 1007)

# RFC 6455 section 7.4 and the IANA registry: codes a peer may send. Autobahn's 7.7.x list plus
# the registered 1012-1014.
VALID = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999, 1012,
         1013, 1014]
for i, code in enumerate(VALID, 1):
    suite.add(f"7.7.{i}", f"Close {code} is echoed", sent_then, frame(OP_CLOSE,
              close_payload(code)), (), code)
# Never valid on the wire: unassigned, reserved (1004), internal (1005, 1006, 1015), past 4999.
INVALID = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999]
for i, code in enumerate(INVALID, 1):
    suite.add(f"7.9.{i}", f"Close {code} (invalid): 1002", sent_then,
              frame(OP_CLOSE, close_payload(code)), (), 1002)
suite.add("7.9.x", "Close 1015 (TLS failure, never sent by a peer): 1002", sent_then,
          frame(OP_CLOSE, close_payload(1015)), (), 1002)
suite.add("7.13.1", "Close 5000 (past the application range): 1002", sent_then,
          frame(OP_CLOSE, close_payload(5000)), (), 1002)
suite.add("7.13.2", "Close 65535: 1002", sent_then, frame(OP_CLOSE, close_payload(65535)), (),
          1002)
suite.add("7.x.1", "a Close declaring 126 bytes fails before its payload arrives: 1002",
          sent_then, frame(OP_CLOSE, b"", length=126), (), 1002)
suite.add("7.x.2", "Close after a complete binary message echoes it first", sent_then,
          frame(OP_BINARY, b"\x00\x01\x02") + frame(OP_CLOSE, close_payload(4321)),
          [(OP_BINARY, b"\x00\x01\x02")], 4321)


@suite.case("7.x.3", "Close written byte by byte: Close 1000")
def close_chopped(port):
    c = Conn(port)
    c.send_chopped(frame(OP_CLOSE, close_payload(1000, b"slowly")), 1)
    c.expect_close(1000)
    c.close()


if __name__ == "__main__":
    suite.main()
