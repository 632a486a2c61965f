/* SPDX-License-Identifier: Apache-2.0 */
/* events.h: the demo's machine-readable event log, one JSON object per line (events.jsonl): every
 * pod started, ready, deleted (with every pod's count at that moment), every HPA decision, the
 * load steps, the freshness result; tests read it.
 * Does not: decide what happens, or print to the terminal (view.c does).
 * Threads: one owner thread. */
#ifndef DEMO_EVENTS_H
#define DEMO_EVENTS_H

#include <cjson/cJSON.h>
#include <stdint.h>

struct events;

/* Opens (truncates) path; t in every line counts from start_ms (monotonic). NULL with errno. */
struct events *events_open(const char *path, int64_t start_ms);

/* A new line's object with "t" (seconds, 3 decimals) and "event": add fields, then events_emit.
 * NULL when out of memory. */
cJSON *events_new(const struct events *e, const char *event, int64_t now_ms);

/* Writes obj as one line and frees it (takes ownership; NULL is a no-op). Returns 0 or -1. */
int events_emit(struct events *e, cJSON *obj);

/* Flushes and closes; accepts NULL. */
void events_close(struct events *e);

#endif
