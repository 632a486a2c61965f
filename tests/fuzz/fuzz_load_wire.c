/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_load_wire.c: libFuzzer target for load_wire_parse, the parser wsscale-load's parent runs
 * over each child's pipe, fed the input as a stream of records.
 * Does not: fork or read pipes.
 * Threads: libFuzzer's one thread. Invariants: each record consumed lies inside what is left and
 * is at least a header; an error's offset lies inside what is left; every record parsed encodes
 * back to exactly its bytes (the format is canonical); parsed histograms hold as many samples as
 * they count and merge into a total whose quantiles stay within its min and max. */
#include <stdint.h>
#include <string.h>

#include "fuzz_check.h"
#include "load_wire.h"

/* Static: a load_stats is too large for the stack of every call. */
static struct load_stats parsed, total;

static void check_hist(const struct latency_hist *h)
{
    uint64_t n = 0;
    for (unsigned b = 0; b < LATENCY_HIST_BUCKETS; b++)
        n += h->buckets[b];
    CHECK(n == h->count);
    if (h->count == 0)
        return;
    CHECK(h->min_us <= h->max_us);
    uint64_t p50 = latency_hist_quantile(h, 0.5), p99 = latency_hist_quantile(h, 0.99);
    CHECK(h->min_us <= p50 && p50 <= p99 && p99 <= h->max_us);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t off = 0;
    memset(&total, 0, sizeof(total));
    /* Each pass consumes at least a header, so this ends. */
    while (off < size) {
        struct load_wire_msg msg;
        struct wss_parse_err err;
        size_t left = size - off;
        int rc = load_wire_parse(data + off, left, &msg, &parsed, &err);
        if (rc == WSS_PARSE_INCOMPLETE)
            break;
        if (rc < 0) {
            CHECK(rc == WSS_PARSE_INVALID);
            CHECK(err.offset <= left);
            CHECK(err.msg[0] != '\0');
            break;
        }
        CHECK((size_t)rc <= left && (size_t)rc >= LOAD_WIRE_HEADER_LEN);

        struct wss_strbuf again = {0};
        if (msg.type == LOAD_WIRE_PROGRESS) {
            CHECK(load_wire_put_progress(&again, &msg.progress) == 0);
        } else {
            CHECK(msg.type == LOAD_WIRE_RESULT);
            CHECK(load_wire_put_result(&again, &msg.result, &parsed) == 0);
            CHECK(parsed.nclose_codes <= LOAD_STATS_CLOSE_CODES);
            for (size_t i = 0; i < parsed.nclose_codes; i++)
                check_hist(&parsed.close_codes[i].at_us);
            check_hist(&parsed.connect_us);
            check_hist(&parsed.rtt_us);
            load_stats_merge(&total, &parsed);
            check_hist(&total.rtt_us);
            for (size_t i = 0; i < total.nclose_codes; i++)
                check_hist(&total.close_codes[i].at_us);
        }
        CHECK(again.len == (size_t)rc);
        CHECK(memcmp(again.data, data + off, (size_t)rc) == 0);
        wss_strbuf_free(&again);
        off += (size_t)rc;
    }
    return 0;
}
