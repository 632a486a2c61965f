/* SPDX-License-Identifier: Apache-2.0 */
/* load_stats.c: counting errors and close codes, and merging workers' stats after the run.
 * Does not: format, lock or allocate.
 * Threads: see load_stats.h. */
#include "load_stats.h"

#include <stdio.h>
#include <string.h>

static const char *const error_names[LOAD_ERR_KINDS] = {
    [LOAD_ERR_CONNECT_REFUSED] = "connect_refused",
    [LOAD_ERR_CONNECT_FAILED] = "connect_failed",
    [LOAD_ERR_CONNECT_TIMEOUT] = "connect_timeout",
    [LOAD_ERR_HANDSHAKE_FAILED] = "handshake_failed",
    [LOAD_ERR_HANDSHAKE_TIMEOUT] = "handshake_timeout",
    [LOAD_ERR_PROTOCOL] = "protocol_error",
    [LOAD_ERR_ABRUPT_CLOSE] = "abrupt_close",
    [LOAD_ERR_CLOSE_CODE] = "close_code",
    [LOAD_ERR_BAD_ECHO] = "bad_echo",
    [LOAD_ERR_CLOSE_TIMEOUT] = "close_timeout",
};

const char *load_stats_error_name(enum load_error_kind kind)
{
    if ((unsigned)kind >= LOAD_ERR_KINDS)
        return "unknown";
    return error_names[kind];
}

void load_stats_error(struct load_stats *s, struct load_live *live, enum load_error_kind kind,
                      const char *msg)
{
    if ((unsigned)kind >= LOAD_ERR_KINDS)
        return;
    s->errors[kind]++;
    if (msg != NULL && s->examples[kind][0] == '\0') {
        /* One line of plain text whatever the peer sent (close reasons are the peer's words). */
        char *e = s->examples[kind];
        snprintf(e, LOAD_STATS_EXAMPLE_LEN, "%s", msg);
        for (; *e != '\0'; e++)
            if ((unsigned char)*e < 0x20 || *e == 0x7F)
                *e = '?';
    }
    if (live != NULL)
        atomic_fetch_add_explicit(&live->errors, 1, memory_order_relaxed);
}

/* The entry for code, added if there is room; NULL when the table is full. */
static struct load_close_code *close_entry(struct load_stats *s, uint16_t code)
{
    for (size_t i = 0; i < s->nclose_codes; i++)
        if (s->close_codes[i].code == code)
            return &s->close_codes[i];
    if (s->nclose_codes == LOAD_STATS_CLOSE_CODES)
        return NULL;
    struct load_close_code *e = &s->close_codes[s->nclose_codes++];
    memset(e, 0, sizeof(*e));
    e->code = code;
    return e;
}

void load_stats_close_code(struct load_stats *s, uint16_t code, uint64_t at_us)
{
    struct load_close_code *e = close_entry(s, code);
    if (e == NULL) {
        s->close_codes_other++;
        return;
    }
    e->count++;
    latency_hist_record(&e->at_us, at_us);
}

uint64_t load_stats_error_total(const struct load_stats *s)
{
    uint64_t total = 0;
    for (unsigned k = 0; k < LOAD_ERR_KINDS; k++)
        total += s->errors[k];
    return total;
}

void load_stats_merge(struct load_stats *into, const struct load_stats *from)
{
    into->attempts += from->attempts;
    into->reconnects += from->reconnects;
    into->opened += from->opened;
    into->closed_by_us += from->closed_by_us;
    into->closed_by_server += from->closed_by_server;
    into->msgs_sent += from->msgs_sent;
    into->msgs_received += from->msgs_received;
    into->bytes_sent += from->bytes_sent;
    into->bytes_received += from->bytes_received;
    into->msgs_foreign += from->msgs_foreign;
    into->msgs_skipped += from->msgs_skipped;
    into->pings_answered += from->pings_answered;
    for (unsigned k = 0; k < LOAD_ERR_KINDS; k++) {
        into->errors[k] += from->errors[k];
        if (into->examples[k][0] == '\0')
            memcpy(into->examples[k], from->examples[k], sizeof(into->examples[k]));
    }
    for (size_t i = 0; i < from->nclose_codes; i++) {
        const struct load_close_code *f = &from->close_codes[i];
        struct load_close_code *e = close_entry(into, f->code);
        if (e == NULL) {
            into->close_codes_other += f->count;
            continue;
        }
        e->count += f->count;
        latency_hist_merge(&e->at_us, &f->at_us);
    }
    into->close_codes_other += from->close_codes_other;
    latency_hist_merge(&into->connect_us, &from->connect_us);
    latency_hist_merge(&into->rtt_us, &from->rtt_us);
}
