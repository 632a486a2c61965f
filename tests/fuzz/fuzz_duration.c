/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_duration.c: libFuzzer target for wss_duration_parse and wss_duration_format.
 * Does not: check messages word for word (tests/unit/test_duration.c does).
 * Threads: libFuzzer's one thread. Invariants: consumed == len or INVALID with offset <= len;
 * parse -> format -> parse gives the same milliseconds; any int64 formats to text that parses
 * back when it is in range. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "wsscale/duration.h"

static void check_round_trip(int64_t ms)
{
    char buf[WSS_DURATION_TEXT_MAX];
    int n = wss_duration_format(ms, buf, sizeof(buf));
    CHECK(n > 0 && (size_t)n < sizeof(buf) && buf[n] == '\0' && strlen(buf) == (size_t)n);
    const char *text = buf;
    int64_t want = ms;
    if (ms < 0) {
        CHECK(buf[0] == '-');
        if (ms < -WSS_DURATION_MAX_MS)
            return;
        text++;
        n--;
        want = -ms;
    } else if (ms > WSS_DURATION_MAX_MS) {
        return;
    }
    int64_t back = -1;
    struct wss_parse_err err;
    CHECK(wss_duration_parse(text, (size_t)n, &back, &err) == n);
    CHECK(back == want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct wss_parse_err err;
    int64_t ms = -1;
    int rc = wss_duration_parse(s, size, &ms, &err);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.offset <= size);
        CHECK(err.msg[0] != '\0' && memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
        CHECK(ms == -1);
    } else {
        CHECK(rc >= 0 && (size_t)rc == size);
        CHECK(ms >= 0 && ms <= WSS_DURATION_MAX_MS);
        check_round_trip(ms);
    }
    if (size >= sizeof(int64_t)) {
        int64_t v;
        memcpy(&v, data, sizeof(v));
        check_round_trip(v);
    }
    return 0;
}
