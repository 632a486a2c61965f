/* SPDX-License-Identifier: Apache-2.0 */
/* events.c: JSON lines through cJSON, flushed per line so a test can follow the file live.
 * Does not: buffer across lines or decide what is an event.
 * Threads: one owner thread. */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>

struct events {
    FILE *f;
    int64_t start_ms;
};

struct events *events_open(const char *path, int64_t start_ms)
{
    struct events *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return NULL;
    e->f = fopen(path, "w");
    if (e->f == NULL) {
        free(e);
        return NULL;
    }
    e->start_ms = start_ms;
    return e;
}

cJSON *events_new(const struct events *e, const char *event, int64_t now_ms)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    if (cJSON_AddNumberToObject(o, "t", (double)(now_ms - e->start_ms) / 1000.0) == NULL ||
        cJSON_AddStringToObject(o, "event", event) == NULL) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int events_emit(struct events *e, cJSON *obj)
{
    if (obj == NULL)
        return 0;
    char *line = cJSON_PrintUnformatted(obj);
    cJSON_Delete(obj);
    if (line == NULL)
        return -1;
    int rc = fprintf(e->f, "%s\n", line) < 0 || fflush(e->f) != 0 ? -1 : 0;
    cJSON_free(line);
    return rc;
}

void events_close(struct events *e)
{
    if (e == NULL)
        return;
    fclose(e->f);
    free(e);
}
