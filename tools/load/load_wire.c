/* SPDX-License-Identifier: Apache-2.0 */
/* load_wire.c: encoding and strict parsing of the child-to-parent records of load_wire.h.
 * Does not: read or write file descriptors, or trust a length it has not checked.
 * Threads: see load_wire.h; no state outside the arguments. */
#include "load_wire.h"

#include <string.h>

/* A uint64_t takes at most ten 7-bit groups. */
#define VARINT_MAX_LEN 10
#define VARINT_MORE    0x80u
#define VARINT_BITS    7u
#define VARINT_MASK    0x7Fu
/* The tenth group of a uint64_t carries only its top bit. */
#define VARINT_LAST_MAX 1u
#define CLOSE_CODE_MAX  65535u

/* ---- encoding ------------------------------------------------------------------------------- */

static void put_varint(struct wss_strbuf *out, uint64_t v)
{
    char b[VARINT_MAX_LEN];
    size_t n = 0;
    do {
        uint8_t byte = (uint8_t)(v & VARINT_MASK);
        v >>= VARINT_BITS;
        if (v != 0)
            byte |= VARINT_MORE;
        b[n++] = (char)byte;
    } while (v != 0);
    wss_strbuf_append(out, b, n);
}

/* Appends the header with a zero length; finish_record fills it in. Returns where it starts. */
static size_t begin_record(struct wss_strbuf *out, enum load_wire_type type)
{
    const char header[LOAD_WIRE_HEADER_LEN] = {(char)type};
    size_t start = out->len;
    wss_strbuf_append(out, header, sizeof(header));
    return start;
}

static int finish_record(struct wss_strbuf *out, size_t start)
{
    if (out->is_failed)
        return -1;
    size_t payload = out->len - start - LOAD_WIRE_HEADER_LEN;
    if (payload > LOAD_WIRE_MAX_PAYLOAD)
        return -1;
    for (unsigned i = 0; i < 4; i++)
        out->data[start + 1 + i] = (char)(uint8_t)(payload >> (8 * i));
    return 0;
}

static void put_hist(struct wss_strbuf *out, const struct latency_hist *h)
{
    size_t nset = 0;
    for (unsigned b = 0; b < LATENCY_HIST_BUCKETS; b++)
        nset += h->buckets[b] != 0;
    put_varint(out, h->count);
    put_varint(out, h->sum_us);
    put_varint(out, h->min_us);
    put_varint(out, h->max_us);
    put_varint(out, nset);
    unsigned next = 0; /* the bucket a gap of 0 means */
    for (unsigned b = 0; b < LATENCY_HIST_BUCKETS; b++) {
        if (h->buckets[b] == 0)
            continue;
        put_varint(out, b - next);
        put_varint(out, h->buckets[b]);
        next = b + 1;
    }
}

/* The plain counters of load_stats, in wire order. */
#define STATS_COUNTERS(X)                                                                          \
    X(attempts)                                                                                    \
    X(reconnects)                                                                                  \
    X(opened)                                                                                      \
    X(closed_by_us)                                                                                \
    X(closed_by_server)                                                                            \
    X(msgs_sent)                                                                                   \
    X(msgs_received)                                                                               \
    X(bytes_sent)                                                                                  \
    X(bytes_received)                                                                              \
    X(msgs_foreign)                                                                                \
    X(msgs_skipped)                                                                                \
    X(pings_answered)

int load_wire_put_progress(struct wss_strbuf *out, const struct load_totals *t)
{
    size_t start = begin_record(out, LOAD_WIRE_PROGRESS);
    put_varint(out, t->open);
    put_varint(out, t->opened);
    put_varint(out, t->msgs_received);
    put_varint(out, t->errors);
    put_varint(out, t->unfinished);
    return finish_record(out, start);
}

int load_wire_put_result(struct wss_strbuf *out, const struct load_wire_result *r,
                         const struct load_stats *s)
{
    size_t start = begin_record(out, LOAD_WIRE_RESULT);
    put_varint(out, r->measured_ms);
    put_varint(out, r->elapsed_ms);
    put_varint(out, r->open_at_stop);
    put_varint(out, r->was_forced ? 1 : 0);
#define PUT_COUNTER(f) put_varint(out, s->f);
    STATS_COUNTERS(PUT_COUNTER)
#undef PUT_COUNTER
    put_varint(out, LOAD_ERR_KINDS);
    for (unsigned k = 0; k < LOAD_ERR_KINDS; k++) {
        size_t n = strnlen(s->examples[k], LOAD_STATS_EXAMPLE_LEN - 1);
        put_varint(out, s->errors[k]);
        put_varint(out, n);
        wss_strbuf_append(out, s->examples[k], n);
    }
    size_t ncodes =
        s->nclose_codes < LOAD_STATS_CLOSE_CODES ? s->nclose_codes : LOAD_STATS_CLOSE_CODES;
    put_varint(out, ncodes);
    for (size_t i = 0; i < ncodes; i++) {
        put_varint(out, s->close_codes[i].code);
        put_varint(out, s->close_codes[i].count);
        put_hist(out, &s->close_codes[i].at_us);
    }
    put_varint(out, s->close_codes_other);
    put_hist(out, &s->connect_us);
    put_hist(out, &s->rtt_us);
    return finish_record(out, start);
}

/* ---- parsing -------------------------------------------------------------------------------- */

/* A read position inside one record's payload; offsets count from the start of the record. */
struct cursor {
    const uint8_t *buf;
    size_t off;
    size_t end;
    struct wss_parse_err *err;
};

static int get_varint(struct cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    size_t start = c->off;
    for (unsigned i = 0; i < VARINT_MAX_LEN; i++) {
        if (c->off >= c->end)
            return wss_parse_fail(c->err, start, "integer runs past the end of the record");
        uint8_t byte = c->buf[c->off++];
        uint64_t group = byte & VARINT_MASK;
        if (i == VARINT_MAX_LEN - 1 && group > VARINT_LAST_MAX)
            return wss_parse_fail(c->err, start, "integer overflows 64 bits");
        v |= group << (VARINT_BITS * i);
        if ((byte & VARINT_MORE) == 0) {
            if (i > 0 && group == 0)
                return wss_parse_fail(c->err, start, "integer is not in its shortest form");
            *out = v;
            return 0;
        }
    }
    return wss_parse_fail(c->err, start, "integer is longer than %d bytes", VARINT_MAX_LEN);
}

/* A varint that must not exceed max; what names the value in the error. */
static int get_bounded(struct cursor *c, uint64_t max, const char *what, uint64_t *out)
{
    size_t start = c->off;
    if (get_varint(c, out) != 0)
        return -1;
    if (*out > max)
        return wss_parse_fail(c->err, start, "%s is %llu, at most %llu", what,
                              (unsigned long long)*out, (unsigned long long)max);
    return 0;
}

static int get_hist(struct cursor *c, struct latency_hist *h, const char *name)
{
    size_t start = c->off;
    uint64_t nset;
    memset(h, 0, sizeof(*h));
    if (get_varint(c, &h->count) != 0 || get_varint(c, &h->sum_us) != 0 ||
        get_varint(c, &h->min_us) != 0 || get_varint(c, &h->max_us) != 0 ||
        get_bounded(c, LATENCY_HIST_BUCKETS, "histogram bucket count", &nset) != 0)
        return -1;
    uint64_t total = 0;
    uint64_t next = 0;
    unsigned first = 0, last = 0;
    for (uint64_t i = 0; i < nset; i++) {
        uint64_t gap, n;
        size_t at = c->off;
        if (get_varint(c, &gap) != 0)
            return -1;
        if (gap >= LATENCY_HIST_BUCKETS - next)
            return wss_parse_fail(c->err, at, "%s: bucket past the last (%u)", name,
                                  LATENCY_HIST_BUCKETS - 1);
        unsigned b = (unsigned)(next + gap);
        at = c->off;
        if (get_varint(c, &n) != 0)
            return -1;
        if (n == 0)
            return wss_parse_fail(c->err, at, "%s: bucket %u is listed with no samples", name, b);
        if (total + n < total)
            return wss_parse_fail(c->err, at, "%s: sample count overflows", name);
        total += n;
        h->buckets[b] = n;
        if (i == 0)
            first = b;
        last = b;
        next = (uint64_t)b + 1;
    }
    if (total != h->count)
        return wss_parse_fail(c->err, start, "%s: buckets hold %llu samples, count says %llu", name,
                              (unsigned long long)total, (unsigned long long)h->count);
    if (h->count == 0) {
        if (h->sum_us != 0 || h->min_us != 0 || h->max_us != 0)
            return wss_parse_fail(c->err, start, "%s: empty but sum, min or max is set", name);
        return 0;
    }
    if (latency_hist_bucket(h->min_us) != first || latency_hist_bucket(h->max_us) != last)
        return wss_parse_fail(c->err, start,
                              "%s: min %llu or max %llu lies outside the first and last buckets",
                              name, (unsigned long long)h->min_us, (unsigned long long)h->max_us);
    return 0;
}

static int get_examples(struct cursor *c, struct load_stats *s)
{
    uint64_t nkinds;
    size_t start = c->off;
    if (get_varint(c, &nkinds) != 0)
        return -1;
    if (nkinds != LOAD_ERR_KINDS)
        return wss_parse_fail(c->err, start, "%llu error kinds, want %d",
                              (unsigned long long)nkinds, LOAD_ERR_KINDS);
    for (unsigned k = 0; k < LOAD_ERR_KINDS; k++) {
        uint64_t n;
        if (get_varint(c, &s->errors[k]) != 0 ||
            get_bounded(c, LOAD_STATS_EXAMPLE_LEN - 1, "error example length", &n) != 0)
            return -1;
        if (n > c->end - c->off)
            return wss_parse_fail(c->err, c->off, "error example runs past the end of the record");
        const uint8_t *text = c->buf + c->off;
        if (memchr(text, '\0', (size_t)n) != NULL)
            return wss_parse_fail(c->err, c->off, "error example holds a NUL byte");
        memcpy(s->examples[k], text, (size_t)n);
        s->examples[k][n] = '\0';
        c->off += (size_t)n;
    }
    return 0;
}

static int get_close_codes(struct cursor *c, struct load_stats *s)
{
    uint64_t n;
    if (get_bounded(c, LOAD_STATS_CLOSE_CODES, "number of close codes", &n) != 0)
        return -1;
    s->nclose_codes = (size_t)n;
    for (size_t i = 0; i < s->nclose_codes; i++) {
        struct load_close_code *e = &s->close_codes[i];
        uint64_t code;
        size_t at = c->off;
        if (get_bounded(c, CLOSE_CODE_MAX, "close code", &code) != 0)
            return -1;
        e->code = (uint16_t)code;
        for (size_t j = 0; j < i; j++)
            if (s->close_codes[j].code == e->code)
                return wss_parse_fail(c->err, at, "close code %u appears twice", (unsigned)e->code);
        at = c->off;
        if (get_varint(c, &e->count) != 0 || get_hist(c, &e->at_us, "close time") != 0)
            return -1;
        if (e->at_us.count != e->count)
            return wss_parse_fail(c->err, at, "close code %u: count %llu but %llu close times",
                                  (unsigned)e->code, (unsigned long long)e->count,
                                  (unsigned long long)e->at_us.count);
    }
    return get_varint(c, &s->close_codes_other);
}

static int get_result(struct cursor *c, struct load_wire_result *r, struct load_stats *s)
{
    uint64_t forced;
    memset(s, 0, sizeof(*s));
    if (get_varint(c, &r->measured_ms) != 0 || get_varint(c, &r->elapsed_ms) != 0 ||
        get_varint(c, &r->open_at_stop) != 0 || get_bounded(c, 1, "was_forced", &forced) != 0)
        return -1;
    r->was_forced = forced == 1;
#define GET_COUNTER(f)                                                                             \
    if (get_varint(c, &s->f) != 0)                                                                 \
        return -1;
    STATS_COUNTERS(GET_COUNTER)
#undef GET_COUNTER
    if (get_examples(c, s) != 0 || get_close_codes(c, s) != 0 ||
        get_hist(c, &s->connect_us, "connect_us") != 0 || get_hist(c, &s->rtt_us, "rtt_us") != 0)
        return -1;
    return 0;
}

static int get_progress(struct cursor *c, struct load_totals *t)
{
    if (get_varint(c, &t->open) != 0 || get_varint(c, &t->opened) != 0 ||
        get_varint(c, &t->msgs_received) != 0 || get_varint(c, &t->errors) != 0 ||
        get_varint(c, &t->unfinished) != 0)
        return -1;
    return 0;
}

int load_wire_parse(const uint8_t *buf, size_t len, struct load_wire_msg *msg,
                    struct load_stats *stats, struct wss_parse_err *err)
{
    if (len < 1)
        return WSS_PARSE_INCOMPLETE;
    if (buf[0] != LOAD_WIRE_PROGRESS && buf[0] != LOAD_WIRE_RESULT)
        return wss_parse_fail(err, 0, "unknown record type %u", (unsigned)buf[0]);
    if (len < LOAD_WIRE_HEADER_LEN)
        return WSS_PARSE_INCOMPLETE;
    uint32_t payload = 0;
    for (unsigned i = 0; i < 4; i++)
        payload |= (uint32_t)buf[1 + i] << (8 * i);
    if (payload > LOAD_WIRE_MAX_PAYLOAD)
        return wss_parse_fail(err, 1, "payload of %u bytes, at most %u", (unsigned)payload,
                              LOAD_WIRE_MAX_PAYLOAD);
    if (len - LOAD_WIRE_HEADER_LEN < payload)
        return WSS_PARSE_INCOMPLETE;
    struct cursor c = {
        .buf = buf, .off = LOAD_WIRE_HEADER_LEN, .end = LOAD_WIRE_HEADER_LEN + payload, .err = err};
    memset(msg, 0, sizeof(*msg));
    msg->type = (enum load_wire_type)buf[0];
    int rc = msg->type == LOAD_WIRE_PROGRESS ? get_progress(&c, &msg->progress)
                                             : get_result(&c, &msg->result, stats);
    if (rc != 0)
        return WSS_PARSE_INVALID;
    if (c.off != c.end)
        return wss_parse_fail(err, c.off, "%zu bytes left over at the end of the record",
                              c.end - c.off);
    return (int)c.end;
}
