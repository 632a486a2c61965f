/* SPDX-License-Identifier: Apache-2.0 */
/* shm_counter_read.c: test helper: reads a shared-memory counter once with counter.h and prints
 *   the status and snapshot as key=value lines for tests/integration/test_shm_counter_doc.sh.
 * Does not: retry or wait; one read, one answer.
 * Threads: one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/counter.h"

#define NS_PER_MS INT64_C(1000000)

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: shm_counter_read NAME STALE_AFTER_MS\n");
        return 2;
    }
    char *end = NULL;
    long long stale_after_ms = strtoll(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || stale_after_ms <= 0) {
        fprintf(stderr, "shm_counter_read: bad STALE_AFTER_MS %s\n", argv[2]);
        return 2;
    }
    struct wss_counter_reader r;
    int rc = wss_counter_reader_open(&r, argv[1]);
    if (rc != 0) {
        fprintf(stderr, "shm_counter_read: %s: %s\n", argv[1], strerror(-rc));
        return 1;
    }
    struct wss_counter_snapshot snap = {0};
    memset(&snap, 0, sizeof(snap));
    int status = wss_counter_read(&r, stale_after_ms * NS_PER_MS, &snap);
    wss_counter_reader_close(&r);
    if (status < 0) {
        fprintf(stderr, "shm_counter_read: %s: %s\n", argv[1], strerror(-status));
        return 1;
    }
    printf("status=%s\n", wss_counter_status_name(status));
    if (status == WSS_COUNTER_MISSING || status == WSS_COUNTER_BAD_LAYOUT)
        return 0;
    printf("active=%llu\n", (unsigned long long)snap.active);
    printf("opened_total=%llu\n", (unsigned long long)snap.opened_total);
    printf("closed_total=%llu\n", (unsigned long long)snap.closed_total);
    printf("state=%s\n", wss_counter_state_name(snap.state));
    printf("is_draining=%d\n", snap.is_draining ? 1 : 0);
    printf("instance_id=%llu\n", (unsigned long long)snap.instance_id);
    printf("slot_count=%u\n", snap.slot_count);
    printf("listen_port=%u\n", snap.listen_port);
    printf("writer_pid=%u\n", snap.writer_pid);
    printf("heartbeat_age_ms=%lld\n", (long long)(snap.heartbeat_age_ns / NS_PER_MS));
    return 0;
}
