#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_9_sizes.py: Autobahn 9.1-9.4, message sizes (the server runs with --max-message-bytes
#   16777216): text (9.1.x) and binary (9.2.x) messages of 64 KiB to 16 MiB in one frame, and
#   4 MiB text (9.3.x) and binary (9.4.x) messages in fragments of 64 B to 4 MiB; plus 16 MiB in
#   fragments of varied sizes, and text split inside code points. Every echo is compared whole
#   and the time each case took is printed.
# Does not: time round trips the way 9.7/9.8 do (bench/ measures the server), or go past the
#   limit (cat_10_limits.py).
# Threads: one, plus the harness's writer thread for each big message.
import random

from harness import OP_BINARY, OP_TEXT, Conn, Suite, fragments, frame

suite = Suite("9 sizes")
KIB, MIB = 1 << 10, 1 << 20
SIZES = [64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB, 8 * MIB, 16 * MIB]
FRAGMENT_SIZES = [64, 256, 1 * KIB, 4 * KIB, 16 * KIB, 64 * KIB, 256 * KIB, 1 * MIB, 4 * MIB]
FRAGMENTED_TOTAL = 4 * MIB
ECHO_TIMEOUT_S = 120  # generous: the sanitizer build is several times slower

# Text with 1- to 4-byte code points, so fragment edges fall inside code points.
_UNIT = "wsscale ✓ Grüße 世界 🌍 ".encode()


def text_of(n):
    whole = _UNIT * (n // len(_UNIT) + 1)
    cut = n
    while cut > 0 and (whole[cut] & 0xC0) == 0x80:  # back off to a code point boundary
        cut -= 1
    return whole[:cut] + b"." * (n - cut)


def binary_of(n):
    return random.Random(n).randbytes(n)


def echo_big(port, opcode, payload, sizes=None):
    c = Conn(port)
    data = frame(opcode, payload) if sizes is None else fragments(opcode, payload, sizes)
    join = c.send_in_background(data)
    c.expect_message(opcode, payload, timeout_s=ECHO_TIMEOUT_S)
    join(ECHO_TIMEOUT_S)
    c.close_handshake()
    c.close()


def human(n):
    return f"{n // MIB} MiB" if n >= MIB else f"{n // KIB} KiB" if n >= KIB else f"{n} B"


for group, opcode, make in ((1, OP_TEXT, text_of), (2, OP_BINARY, binary_of)):
    kind = "text" if opcode == OP_TEXT else "binary"
    for i, n in enumerate(SIZES, 1):
        suite.add(f"9.{group}.{i}", f"{kind} message of {human(n)} in one frame",
                  lambda port, op=opcode, mk=make, n=n: echo_big(port, op, mk(n)))

for group, opcode, make in ((3, OP_TEXT, text_of), (4, OP_BINARY, binary_of)):
    kind = "text" if opcode == OP_TEXT else "binary"
    for i, size in enumerate(FRAGMENT_SIZES, 1):
        suite.add(f"9.{group}.{i}", f"{kind} message of 4 MiB in fragments of {human(size)}",
                  lambda port, op=opcode, mk=make, s=size: echo_big(port, op,
                                                                     mk(FRAGMENTED_TOTAL), [s]))


def varied_sizes(total, seed):
    """Fragment sizes from 1 byte to 1 MiB, spread over orders of magnitude."""
    rng = random.Random(seed)
    out, left = [], total
    while left > 0:
        s = min(left, int(2 ** rng.uniform(0, 20)))
        out.append(s)
        left -= s
    return out


suite.add("9.x.1", "16 MiB binary in fragments of varied sizes (1 B to 1 MiB)",
          lambda port: echo_big(port, OP_BINARY, binary_of(16 * MIB), varied_sizes(16 * MIB, 1)))
suite.add("9.x.2", "16 MiB text in fragments of varied sizes, cut inside code points",
          lambda port: echo_big(port, OP_TEXT, text_of(16 * MIB), varied_sizes(16 * MIB, 2)))
suite.add("9.x.3", "1 MiB text in 7-byte fragments (most split a code point)",
          lambda port: echo_big(port, OP_TEXT, text_of(1 * MIB), [7]))

if __name__ == "__main__":
    suite.main()
