#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_4_opcodes.py: Autobahn category 4, opcodes: reserved data opcodes 3-7 (4.1.x) and reserved
#   control opcodes 11-15 (4.2.x) fail the connection with 1002, alone or after a good message
#   (which is still echoed, the strict outcome) and before a ping (never answered).
# Does not: test the known opcodes' rules (categories 2, 5, 7).
# Threads: one; see harness.py.
from harness import OP_PING, OP_TEXT, Conn, Suite, fails_with, frame

suite = Suite("4 opcodes")
GOOD = b"before the bad frame"


def alone(port, opcode, payload):
    fails_with(port, 1002, frame(opcode, payload))


def sandwich(port, opcode, payload, chop=None):
    c = Conn(port)
    data = frame(OP_TEXT, GOOD) + frame(opcode, payload) + frame(OP_PING, b"no pong")
    if chop:
        c.send_chopped(data, chop)
    else:
        c.send(data)
    c.expect_message(OP_TEXT, GOOD)
    c.expect_close(1002)
    c.close()


# Autobahn's layout: x.1 and x.2 alone (empty, then with payload), x.3-x.5 after a good message.
for group, first in ((1, 3), (2, 11)):
    kind = "data" if group == 1 else "control"
    for i in range(5):
        op = first + i
        payload = b"" if i in (0, 2) else b"reserved!"
        if i < 2:
            suite.add(f"4.{group}.{i + 1}", f"reserved {kind} opcode {op} fails with 1002", alone,
                      op, payload)
        else:
            suite.add(f"4.{group}.{i + 1}",
                      f"text, reserved opcode {op}, ping: echo, 1002, no pong", sandwich, op,
                      payload)

# Every reserved opcode both ways, the sandwich also written byte by byte.
for op in list(range(3, 8)) + list(range(11, 16)):
    suite.add(f"4.x.{op}.a", f"reserved opcode {op} alone, with payload: 1002", alone, op,
              b"reserved!")
    suite.add(f"4.x.{op}.b", f"reserved opcode {op} after a good message, byte by byte", sandwich,
              op, b"", 1)


if __name__ == "__main__":
    suite.main()
