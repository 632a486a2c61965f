#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_1_framing.py: Autobahn category 1, framing: text (1.1.x) and binary (1.2.x) echoes at the
#   7-, 16- and 64-bit length boundaries, one sent in 997-byte chops; plus what the category
#   assumes: headers split byte by byte, pipelined frames, and refused encodings (unmasked
#   frames, non-minimal lengths, a 64-bit length with the top bit set) failing with 1002.
# Does not: fragment messages (category 5) or test size limits (categories 9 and 10).
# Threads: one; see harness.py.
from harness import (OP_BINARY, OP_TEXT, Conn, Suite, check, echo_ok, fails_with, frame)

suite = Suite("1 framing")

# Payload lengths either side of the 125/126 and 65535/65536 length-encoding boundaries.
LENGTHS = [0, 125, 126, 127, 128, 65535, 65536]
CHOP_BYTES = 997  # the chop size Autobahn uses for 1.x.8


def payload(opcode, n):
    if opcode == OP_TEXT:
        return (b"*" * n)
    return bytes((i * 7 + 3) & 0xFF for i in range(n))


for group, opcode in ((1, OP_TEXT), (2, OP_BINARY)):
    kind = "text" if opcode == OP_TEXT else "binary"
    for i, n in enumerate(LENGTHS, 1):
        suite.add(f"1.{group}.{i}", f"{kind} message of {n} bytes is echoed",
                  lambda port, op=opcode, n=n: echo_ok(port, op, payload(op, n)))
    suite.add(f"1.{group}.8", f"{kind} message of 65536 bytes written in {CHOP_BYTES}-byte chops",
              lambda port, op=opcode: echo_ok(port, op, payload(op, 65536), chop=CHOP_BYTES))


@suite.case("1.x.1", "frame header and payload written one byte at a time")
def header_bytewise(port):
    echo_ok(port, OP_TEXT, "héllo wörld".encode(), chop=1)


@suite.case("1.x.2", "200 frames in one write are echoed in order")
def pipelined(port):
    c = Conn(port)
    msgs = [(OP_TEXT if i % 2 else OP_BINARY, b"m%03d" % i * (i % 40)) for i in range(200)]
    c.send(b"".join(frame(op, p) for op, p in msgs))
    for op, p in msgs:
        c.expect_message(op, p)
    c.close_handshake()
    c.close()


@suite.case("1.x.3", "each payload is unmasked with its own frame's key")
def keys_differ(port):
    c = Conn(port)
    data = b"".join(frame(OP_BINARY, bytes(range(256)), key=bytes([k, k ^ 0x5A, 0xFF, k])) for k
                    in range(0, 256, 51))
    c.send(data)
    for _ in range(0, 256, 51):
        c.expect_message(OP_BINARY, bytes(range(256)))
    c.close_handshake()
    c.close()


@suite.case("1.x.4", "an unmasked client frame fails the connection with 1002")
def unmasked(port):
    fails_with(port, 1002, frame(OP_TEXT, b"no mask", masked=False))


@suite.case("1.x.5", "an unmasked frame after a good message: echo first, then 1002")
def unmasked_after(port):
    fails_with(port, 1002, frame(OP_TEXT, b"no mask", masked=False), before=(OP_TEXT, b"ok"))


@suite.case("1.x.6", "a 16-bit length for a 5-byte payload (non-minimal) fails with 1002")
def nonminimal16(port):
    fails_with(port, 1002, frame(OP_TEXT, b"short", form=16))


@suite.case("1.x.7", "a 64-bit length for a 200-byte payload (non-minimal) fails with 1002")
def nonminimal64(port):
    fails_with(port, 1002, frame(OP_BINARY, bytes(200), form=64))


@suite.case("1.x.8", "a 64-bit length with the most significant bit set fails with 1002")
def top_bit(port):
    fails_with(port, 1002, frame(OP_BINARY, b"", length=1 << 63))


@suite.case("1.x.9", "a text frame of 1000 multi-byte code points is echoed exactly")
def multibyte(port):
    p = "Āऄ𐀀z".encode() * 250
    check(len(p) == 2500, "test payload length")
    echo_ok(port, OP_TEXT, p)


if __name__ == "__main__":
    suite.main()
