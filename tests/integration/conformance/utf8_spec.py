# SPDX-License-Identifier: Apache-2.0
# utf8_spec.py: UTF-8 test vectors made from the definition (RFC 3629 section 4, the Unicode
#   table of well-formed byte sequences), and an oracle that says at which byte a sequence stops
#   being a prefix of valid UTF-8: the byte where a fail-fast validator must reject it.
# Does not: talk to the server (cat_6_utf8.py does) or trust one source alone: every vector's
#   verdict from the oracle is checked against Python's own strict decoder when the table is built.
# Threads: none (pure functions and data).

# Well-formed sequences: a lead byte fixes the length and the range of the second byte; every
# later byte is 80..BF. Lead bytes not listed (80..C1, F5..FF) never start a valid sequence.
CONT = (0x80, 0xBF)
LEADS = {}
for b in range(0xC2, 0xE0):
    LEADS[b] = (2, CONT)
LEADS[0xE0] = (3, (0xA0, 0xBF))  # below A0 would be overlong
for b in list(range(0xE1, 0xED)) + [0xEE, 0xEF]:
    LEADS[b] = (3, CONT)
LEADS[0xED] = (3, (0x80, 0x9F))  # A0..BF would encode surrogates D800..DFFF
LEADS[0xF0] = (4, (0x90, 0xBF))  # below 90 would be overlong
for b in range(0xF1, 0xF4):
    LEADS[b] = (4, CONT)
LEADS[0xF4] = (4, (0x80, 0x8F))  # 90 and up would pass U+10FFFF


def bad_at(b):
    """None if b is valid UTF-8; else the index of the first byte after which no continuation
    can make it valid, or len(b) if it is a valid prefix that ends inside a sequence."""
    i, n = 0, len(b)
    while i < n:
        lead = b[i]
        if lead < 0x80:
            i += 1
            continue
        if lead not in LEADS:
            return i
        length, second = LEADS[lead]
        for k in range(1, length):
            if i + k >= n:
                return n
            lo, hi = second if k == 1 else CONT
            if not lo <= b[i + k] <= hi:
                return i + k
        i += length
    return None


def encode_scheme(cp, nbytes):
    """cp in exactly nbytes of the original UTF-8 bit scheme (1 to 6 bytes), which can express
    overlong forms, surrogates and values past U+10FFFF: how invalid vectors are built."""
    if nbytes == 1:
        assert cp < 0x80
        return bytes([cp])
    payload_bits = 6 * (nbytes - 1) + (7 - nbytes)
    assert cp < 1 << payload_bits, (hex(cp), nbytes)
    lead = (0xFF << (8 - nbytes)) & 0xFF | cp >> (6 * (nbytes - 1))
    rest = [0x80 | (cp >> (6 * k)) & 0x3F for k in range(nbytes - 2, -1, -1)]
    return bytes([lead] + rest)


def shortest_len(cp):
    return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4 if cp < 0x200000 \
        else 5 if cp < 0x4000000 else 6


def enc(cp):
    """The shortest scheme encoding (real UTF-8 for scalar values)."""
    return encode_scheme(cp, shortest_len(cp))


def _is_valid(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def groups():
    """[(name, [bytes...])]: each vector's verdict comes from bad_at()."""
    g = []
    mixed = "aé中😀z".encode()
    g.append(("one code point of each length inside ASCII text", [
        b"x" + enc(cp) + b"y" for cp in (0x41, 0xE9, 0x4E2D, 0x1F600)] + [mixed]))
    g.append(("every prefix of a string with 1- to 4-byte code points",
              [mixed[:i] for i in range(1, len(mixed) + 1)]))
    g.append(("first and last code point of each length; around the surrogates; U+FFFD", [
        enc(cp) for cp in (0x0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF, 0xD7FF,
                           0xE000, 0xFFFD)]))
    g.append(("the first code point of every supplementary plane", [
        enc(plane << 16) for plane in range(1, 17)]))
    g.append(("values past U+10FFFF in 4, 5 and 6 bytes", [
        encode_scheme(cp, n) for cp, n in ((0x110000, 4), (0x13FFFF, 4), (0x1FFFFF, 4),
                                           (0x200000, 5), (0x3FFFFFF, 5), (0x4000000, 6),
                                           (0x7FFFFFFF, 6))]))
    g.append(("overlong forms: '/', NUL and the largest value of each shorter length", [
        encode_scheme(cp, n) for cp, shortest in ((0x2F, 1), (0x00, 1), (0x7F, 1), (0x7FF, 2),
                                                  (0xFFFF, 3))
        for n in range(shortest + 1, 7)]))
    g.append(("UTF-16 surrogates encoded alone", [
        enc(cp) for cp in (0xD800, 0xDB7F, 0xDB80, 0xDBFF, 0xDC00, 0xDE00, 0xDFFF)]))
    g.append(("UTF-16 surrogate pairs encoded as two 3-byte sequences", [
        enc(hi) + enc(lo) for hi in (0xD800, 0xDBFF) for lo in (0xDC00, 0xDFFF)] +
        [enc(0xDC00) + enc(0xD800)]))
    g.append(("every continuation byte alone", [bytes([b]) for b in range(0x80, 0xC0)]))
    g.append(("runs of continuation bytes", [
        bytes([0x80 + (k * 17) % 64 for k in range(n)]) for n in range(2, 8)] +
        [b"ok" + bytes(range(0x80, 0xC0))]))
    g.append(("every lead byte followed by a space", [
        bytes([b, 0x20]) for b in range(0xC0, 0x100)]))
    truncated = [enc(cp)[:-1] for cp in (0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF, 0xE9,
                                         0x4E2D, 0x1F600)] + \
        [encode_scheme(cp, n)[:-1] for cp, n in ((0x200000, 5), (0x4000000, 6))]
    g.append(("sequences missing their last byte, at the end and mid-text",
              truncated + [b"ab" + t + b"cd" for t in truncated]))
    g.append(("all the truncated sequences concatenated", [b"".join(truncated)]))
    g.append(("bytes that never appear: C0, C1, F5..FF", [
        bytes([b]) for b in [0xC0, 0xC1] + list(range(0xF5, 0x100))] + [b"\xfe\xfe\xff\xff"]))
    g.append(("noncharacters, which are valid: U+FDD0..U+FDEF and U+xFFFE/U+xFFFF", [
        enc(cp) for cp in range(0xFDD0, 0xFDF0)] + [
        enc(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)]))
    g.append(("specials, which are valid: U+FFF9..U+FFFD, the BOM, NUL inside text", [
        enc(cp) for cp in range(0xFFF9, 0xFFFE)] + [enc(0xFEFF) + b"bom", b"a\x00b"]))
    for name, vs in g:
        for v in vs:
            assert (bad_at(v) is None) == _is_valid(v), (name, v.hex())
    return g


def sweep():
    """Every byte 80..FF as a lead, with the second byte at each edge of the ranges above, then
    continuation bytes enough for any length and an ASCII byte."""
    out = []
    for lead in range(0x80, 0x100):
        for second in (0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0):
            out.append(bytes([lead, second, 0x80, 0x80, 0x41]))
    for v in out:
        assert (bad_at(v) is None) == _is_valid(v), v.hex()
    return out


def all_scalar_values():
    """Every Unicode scalar value once, in order: U+0000..U+10FFFF less the surrogates."""
    s = "".join(chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF)
    return s.encode("utf-8")
