#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# cat_6_utf8.py: Autobahn category 6, UTF-8 handling: empty fragments (6.1), valid text split
#   anywhere (6.2), invalid text whole and in 1-byte frames (6.3), fail-fast (6.4: the Close 1007
#   comes at the fragment or chop that makes the text invalid, before the rest is sent), then
#   tables of vectors built from the UTF-8 definition (utf8_spec.py), each sent three ways: in one
#   frame, in 1-byte fragments with a ping after each (the failing fragment must be exactly the
#   one the oracle names), and byte by byte inside one frame; a sweep of every lead byte against
#   the edges of every second-byte range; and every Unicode scalar value in one message.
# Does not: test close reasons (category 7) or binary messages (never validated).
# Threads: one; see harness.py.
from harness import (OP_BINARY, OP_CONT, OP_PING, OP_TEXT, CaseFailed, Conn, Suite, check,
                     fragments, frame)
from utf8_spec import all_scalar_values, bad_at, groups, sweep

suite = Suite("6 utf8")
QUIET_S = 0.3  # 6.4.3/6.4.4: how long the server must stay silent after a valid chop
MAX_PROBLEMS = 6  # a table stops after this many bad vectors (each may cost a read timeout)


def echo(port, frames, payload, how="one"):
    c = Conn(port)
    if how == "bytes":
        c.send_chopped(b"".join(frames), 1)
    elif how == "frames":
        c.send_frames_paced(frames)
    else:
        c.send(b"".join(frames))
    c.expect_message(OP_TEXT, payload)
    c.close_handshake()
    c.close()


def fails_1007(port, data, how="one"):
    c = Conn(port)
    if how == "bytes":
        c.send_chopped(data, 1)
    else:
        c.send(data)
    c.expect_close(1007)
    c.close()


suite.add("6.1.1", "empty text frame is echoed", echo, [frame(OP_TEXT)], b"")
suite.add("6.1.2", "text in 3 empty fragments is echoed as empty", echo,
          [frame(OP_TEXT, fin=False), frame(OP_CONT, fin=False), frame(OP_CONT)], b"")
suite.add("6.1.3", "empty, non-empty, empty fragments", echo,
          [frame(OP_TEXT, fin=False), frame(OP_CONT, b"middle frame payload", fin=False),
           frame(OP_CONT)], b"middle frame payload")

TEXT = "Grüße aus Köln — κόσμε, 世界, 🌍🚀!".encode()
MID = TEXT.index("κ".encode())
suite.add("6.2.1", "valid multi-byte text in one frame", echo, [frame(OP_TEXT, TEXT)], TEXT)
suite.add("6.2.2", "the same in 2 fragments split at a code point boundary", echo,
          [frame(OP_TEXT, TEXT[:MID], fin=False), frame(OP_CONT, TEXT[MID:])], TEXT)
suite.add("6.2.3", "the same in one frame written byte by byte", echo, [frame(OP_TEXT, TEXT)],
          TEXT, "bytes")
suite.add("6.2.4", "the same as one fragment per byte (code points split across frames)", echo,
          [fragments(OP_TEXT, TEXT, [1])], TEXT)

BAD = "valid start ".encode() + b"\xed\xa0\x80" + " valid end".encode()
suite.add("6.3.1", "text with an encoded surrogate, one frame: 1007", fails_1007,
          frame(OP_TEXT, BAD))
suite.add("6.3.2", "the same as one fragment per byte: 1007", fails_1007,
          fragments(OP_TEXT, BAD, [1]))

# 6.4: a valid part, the part that makes the text invalid, then a valid rest that must never be
# needed. Part 2 is a whole 4-byte sequence past U+10FFFF (6.4.1/6.4.3), or just its second byte,
# where a validator can first tell (6.4.2/6.4.4).
P1 = "κόσμε ".encode()
P2_SEQ, P3_SEQ = b"\xf4\x90\x80\x80", b" edited"
P1_BYTE, P2_BYTE, P3_BYTE = P1 + b"\xf4", b"\x90", b"\x80\x80 edited"


def fail_fast_frames(port, p1, p2):
    c = Conn(port)
    c.send_frame(OP_TEXT, p1, fin=False)
    c.barrier()  # the valid first part is accepted: the server answers a ping after it
    c.send(frame(OP_CONT, p2, fin=False) + frame(OP_PING, b"too late"))
    c.expect_close(1007)  # before any third part, and no pong for the ping behind part 2
    c.close()


def fail_fast_chops(port, p1, p2, p3):
    c = Conn(port)
    whole = frame(OP_TEXT, p1 + p2 + p3)
    head = len(whole) - len(p1 + p2 + p3)
    c.send(whole[:head + len(p1)])
    c.expect_quiet(QUIET_S)
    c.send(whole[head + len(p1):head + len(p1) + len(p2)])
    c.expect_close(1007)  # the frame is unfinished: only fail-fast can produce this Close
    c.close()


suite.add("6.4.1", "fail fast: Close 1007 right after the fragment with U+110000", fail_fast_frames,
          P1, P2_SEQ)
suite.add("6.4.2", "fail fast: Close 1007 right after the 1-byte fragment F4|90",
          fail_fast_frames, P1_BYTE, P2_BYTE)
suite.add("6.4.3", "fail fast inside one frame: 1007 after the chop with U+110000",
          fail_fast_chops, P1, P2_SEQ, P3_SEQ)
suite.add("6.4.4", "fail fast inside one frame: 1007 after the chop F4|90", fail_fast_chops,
          P1_BYTE, P2_BYTE, P3_BYTE)


# ---- vector tables, three ways --------------------------------------------------------------


def fail_index(v):
    bad = bad_at(v)
    return None if bad is None else min(bad, len(v) - 1)


def run_fragments(c, v):
    """1-byte fragments, a ping after each but the last. Returns where the Close came, or None
    after checking the echo."""
    stop = fail_index(v)
    for i in range(len(v)):
        last = i == len(v) - 1
        c.send(frame(OP_TEXT if i == 0 else OP_CONT, v[i:i + 1], fin=last) +
               (b"" if last else frame(OP_PING, b"%d" % i)))
        if i == stop:
            c.expect_close(1007)
            return
        if not last:
            c.expect_pong(b"%d" % i)
    c.expect_message(OP_TEXT, v)


def run_chops(c, v):
    """One frame written byte by byte; an invalid one stops right after the failing byte."""
    stop = fail_index(v)
    whole = frame(OP_TEXT, v)
    head = len(whole) - len(v)
    if stop is None:
        c.send_chopped(whole, 1)
        c.expect_message(OP_TEXT, v)
        return
    c.send_chopped(whole[:head + stop + 1], 1)
    c.expect_close(1007)


def run_one_frame(c, v):
    c.send_frame(OP_TEXT, v)
    if bad_at(v) is None:
        c.expect_message(OP_TEXT, v)
    else:
        c.expect_close(1007)


MODES = {"frame": run_one_frame, "fragments": run_fragments, "chops": run_chops}


def run_vectors(port, vectors, mode):
    """Valid vectors share one connection; each invalid one gets its own. Reports every vector
    that went wrong."""
    run = MODES[mode]
    problems = []
    valid = [v for v in vectors if bad_at(v) is None]
    if valid:
        c = Conn(port)
        for v in valid:
            try:
                run(c, v)
            except (CaseFailed, EOFError, OSError) as e:
                problems.append(f"valid {v.hex()}: {e}")
                break
        else:
            c.close_handshake()
        c.close()
    for v in vectors:
        if bad_at(v) is None:
            continue
        if len(problems) >= MAX_PROBLEMS:
            problems.append("stopped looking")
            break
        c = Conn(port)
        try:
            run(c, v)
        except (CaseFailed, EOFError, OSError) as e:
            problems.append(f"invalid {v.hex()} (fails at byte {bad_at(v)}): {e}")
        c.close()
    check(not problems, f"{len(problems)} of {len(vectors)} vectors went wrong: " +
          " | ".join(problems[:6]))


for gi, (name, vectors) in enumerate(groups(), 5):
    for mode in MODES:
        n_bad = sum(1 for v in vectors if bad_at(v) is not None)
        suite.add(f"6.{gi}.{mode}", f"{name} ({len(vectors) - n_bad} valid, {n_bad} invalid) "
                  f"sent as {mode}", run_vectors, vectors, mode)

SWEEP = sweep()
for mode in ("frame", "fragments"):
    suite.add(f"6.sweep.{mode}", f"{len(SWEEP)} lead/second-byte combinations sent as {mode}",
              run_vectors, SWEEP, mode)


@suite.case("6.all.1", "every Unicode scalar value in one 4.2 MiB text frame is echoed")
def all_values_one(port):
    big = all_scalar_values()
    c = Conn(port)
    join = c.send_in_background(frame(OP_TEXT, big))
    c.expect_message(OP_TEXT, big, timeout_s=60)
    join()
    c.close_handshake()
    c.close()


@suite.case("6.all.2", "the same in 65521-byte fragments, split inside code points")
def all_values_fragments(port):
    big = all_scalar_values()
    c = Conn(port)
    join = c.send_in_background(fragments(OP_TEXT, big, [65521]))
    c.expect_message(OP_TEXT, big, timeout_s=60)
    join()
    c.close_handshake()
    c.close()


@suite.case("6.x.1", "binary messages are not validated: invalid UTF-8 is echoed")
def binary_not_checked(port):
    c = Conn(port)
    for v in (b"\xff\xfe", b"\xed\xa0\x80", b"\xc0\xaf"):
        c.send_frame(OP_BINARY, v)
        c.expect_message(OP_BINARY, v)
    c.close_handshake()
    c.close()


@suite.case("6.x.2", "validation restarts with each message: a valid text after an echo")
def restart(port):
    c = Conn(port)
    c.send(frame(OP_TEXT, "é".encode()[:1], fin=False) + frame(OP_CONT, "é".encode()[1:]))
    c.expect_message(OP_TEXT, "é".encode())
    c.send_frame(OP_TEXT, b"plain")
    c.expect_message(OP_TEXT, b"plain")
    c.close_handshake()
    c.close()


@suite.case("6.x.3", "a text message ending inside a sequence fails at its last fragment")
def ends_inside(port):
    c = Conn(port)
    c.send_frame(OP_TEXT, b"abc\xe2\x82", fin=False)
    c.barrier()
    c.send_frame(OP_CONT, b"")
    c.expect_close(1007)
    c.close()


if __name__ == "__main__":
    suite.main()
