/* SPDX-License-Identifier: Apache-2.0 */
/* load_wire.h: the records a wsscale-load child process sends its parent over a pipe with
 * --processes: live progress totals now and then, and one result at the end carrying the full
 * stats, histograms bucket by bucket, so the parent's merged percentiles are exact.
 * Does not: do I/O, merge (load_stats_merge does), or allocate when parsing.
 * Threads: pure functions over caller-owned buffers; safe from any thread.
 *
 * A record is a type byte, a 4-byte little-endian payload length, then the payload: unsigned
 * LEB128 integers (shortest form only), and error examples as a length and that many bytes.
 * Every value has exactly one encoding, so parse then put gives back the same bytes. */
#ifndef WSSCALE_LOAD_WIRE_H
#define WSSCALE_LOAD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load_stats.h"
#include "wsscale/parse.h"
#include "wsscale/strbuf.h"

/* Bytes before every payload: the type and the length. */
#define LOAD_WIRE_HEADER_LEN 5
/* Largest payload accepted: a full result (every bucket of 18 histograms set) is about 230 KiB. */
#define LOAD_WIRE_MAX_PAYLOAD (1u << 20)

enum load_wire_type {
    LOAD_WIRE_PROGRESS = 1, /* struct load_totals */
    LOAD_WIRE_RESULT = 2,   /* struct load_wire_result and a struct load_stats */
};

/* What a child's run says besides its stats (runner_result without the pointer). */
struct load_wire_result {
    uint64_t measured_ms;  /* the run's start to the stop request */
    uint64_t elapsed_ms;   /* the run's start to the last worker joined */
    uint64_t open_at_stop; /* connections open when the stop began */
    bool was_forced;       /* a second signal or the stop deadline forced the end */
};

/* One parsed record; only the member of its type is set. */
struct load_wire_msg {
    enum load_wire_type type;
    struct load_totals progress;    /* LOAD_WIRE_PROGRESS */
    struct load_wire_result result; /* LOAD_WIRE_RESULT; the stats go to the caller's struct */
};

/* Appends one progress record. 0, or -1 when the buffer fails. Not thread-safe per buffer. */
int load_wire_put_progress(struct wss_strbuf *out, const struct load_totals *t);

/* Appends one result record: r and every field of s. 0, or -1 when the buffer fails. */
int load_wire_put_result(struct wss_strbuf *out, const struct load_wire_result *r,
                         const struct load_stats *s);

/* Parses the record at the start of buf[0..len) into *msg, and for a result into *stats (every
 * field overwritten). Returns the bytes of the record, WSS_PARSE_INCOMPLETE when more bytes are
 * needed, or WSS_PARSE_INVALID with err set (unknown type, payload too long, a bad integer,
 * a value out of range, histogram counts that do not add up, bytes left over). Pure. */
int load_wire_parse(const uint8_t *buf, size_t len, struct load_wire_msg *msg,
                    struct load_stats *stats, struct wss_parse_err *err);

#endif
