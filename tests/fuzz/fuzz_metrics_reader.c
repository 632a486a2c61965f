/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_metrics_reader.c: wsscale-demo's decoder of the adapter's MetricValueList on any bytes:
 * it succeeds or fails with a message, never more items than it keeps, every name NUL-terminated
 * within its field, and a success leaves no error text. */
#include <string.h>

#include "fuzz_check.h"
#include "metrics_reader.h"

static struct metrics_reply reply; /* large: off the stack */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memset(&reply, 0x5a, sizeof(reply));
    int rc = metrics_reader_parse((const char *)data, size, &reply);
    CHECK(rc == 0 || rc == -1);
    CHECK(reply.n <= METRICS_READER_MAX_ITEMS);
    CHECK(memchr(reply.error, '\0', sizeof(reply.error)) != NULL);
    if (rc == 0) {
        CHECK(reply.error[0] == '\0');
        for (size_t i = 0; i < reply.n; i++)
            CHECK(memchr(reply.items[i].name, '\0', sizeof(reply.items[i].name)) != NULL);
    } else {
        CHECK(reply.n == 0 && reply.error[0] != '\0');
    }
    return 0;
}
