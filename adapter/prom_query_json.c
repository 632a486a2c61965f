/* SPDX-License-Identifier: Apache-2.0 */
/* prom_query_json.c: a Prometheus /api/v1/query reply (an instant vector) into samples.
 * Does not: do I/O, keep cJSON's tree past the call, or decide what a negative count means.
 * Threads: no shared state (cJSON's own last-error pointer aside, which we never read). */
#include "prom_query_json.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "wsscale/quantity.h"

/* The shortest JSON a sample and a label can take: {"metric":{},"value":[0,"0"]} and "a":"". */
#define MIN_SAMPLE_BYTES 29
#define MIN_LABEL_BYTES  6
#define MS_PER_S         1000.0

void prom_query_json_caps(size_t len, size_t *samples_cap, size_t *labels_cap, size_t *text_cap)
{
    *samples_cap = len / MIN_SAMPLE_BYTES + 1;
    *labels_cap = len / MIN_LABEL_BYTES + 1;
    /* A decoded string is never longer than its quoted JSON form, whose quotes pay the NUL. */
    *text_cap = len + 1;
}

static void reset(struct prom_query_result *res)
{
    res->nsamples = 0;
    res->nlabels = 0;
    res->text_len = 0;
}

/* Empties res and fails with a message; every failure path goes through here. */
#define FAIL(res, err, offset, ...) (reset(res), wss_parse_fail((err), (offset), __VA_ARGS__))

/* A field of obj of the given cJSON type, or NULL. */
static const cJSON *field(const cJSON *obj, const char *name, int type)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(obj, name);
    return f != NULL && (f->type & 0xFF) == type ? f : NULL;
}

/* Copies s (NUL-terminated, n bytes) into the arena; NULL when full. */
static const char *copy_text(struct prom_query_result *res, const char *s, size_t n)
{
    if (res->text_cap - res->text_len < n + 1)
        return NULL;
    char *dst = res->text + res->text_len;
    memcpy(dst, s, n);
    dst[n] = '\0';
    res->text_len += n + 1;
    return dst;
}

/* Prometheus writes values with Go's FormatFloat(v, 'f', -1, 64): -?digits(.digits)?; an
 * exponent is accepted too, for servers that speak the same API. */
static bool is_decimal(const char *s)
{
    size_t i = 0;
    if (s[i] == '-')
        i++;
    size_t digits = 0;
    while (s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (s[i] == '.') {
        i++;
        size_t frac = 0;
        while (s[i] >= '0' && s[i] <= '9')
            i++, frac++;
        if (frac == 0)
            return false;
    }
    if (digits == 0)
        return false;
    if (s[i] == 'e' || s[i] == 'E') {
        i++;
        if (s[i] == '+' || s[i] == '-')
            i++;
        size_t exp = 0;
        while (s[i] >= '0' && s[i] <= '9')
            i++, exp++;
        if (exp == 0)
            return false;
    }
    return s[i] == '\0';
}

/* Fills s->milli_value or s->invalid_reason from the value text; false for text that is no
 * number Prometheus writes. */
static bool read_value(const char *text, struct prom_sample *s)
{
    s->milli_value = 0;
    s->invalid_reason = NULL;
    if (strcmp(text, "NaN") == 0) {
        s->invalid_reason = PROM_QUERY_JSON_NAN;
        return true;
    }
    if (strcmp(text, "+Inf") == 0 || strcmp(text, "-Inf") == 0) {
        s->invalid_reason = PROM_QUERY_JSON_INFINITE;
        return true;
    }
    if (!is_decimal(text))
        return false;
    struct wss_parse_err qerr;
    int64_t milli;
    if (wss_quantity_parse_milli(text, strlen(text), &milli, &qerr) < 0)
        s->invalid_reason = PROM_QUERY_JSON_TOO_LARGE;
    else
        s->milli_value = milli;
    return true;
}

static int read_labels(const cJSON *metric, size_t index, struct prom_query_result *res,
                       struct prom_sample *s, struct wss_parse_err *err)
{
    s->labels = res->labels + res->nlabels;
    s->nlabels = 0;
    const cJSON *l;
    cJSON_ArrayForEach(l, metric)
    {
        if (s->nlabels == PROM_QUERY_JSON_MAX_LABELS)
            return FAIL(res, err, 0, "result %zu: more than %d labels", index,
                        PROM_QUERY_JSON_MAX_LABELS);
        if (!cJSON_IsString(l) || l->valuestring == NULL)
            return FAIL(res, err, 0, "result %zu: label %s is not a string", index, l->string);
        size_t klen = strlen(l->string), vlen = strlen(l->valuestring);
        if (klen == 0)
            return FAIL(res, err, 0, "result %zu: an empty label name", index);
        if (klen > PROM_QUERY_JSON_MAX_LABEL_BYTES || vlen > PROM_QUERY_JSON_MAX_LABEL_BYTES)
            return FAIL(res, err, 0, "result %zu: a label longer than %d bytes", index,
                        PROM_QUERY_JSON_MAX_LABEL_BYTES);
        for (size_t i = 0; i < s->nlabels; i++)
            if (s->labels[i].key_len == klen && memcmp(s->labels[i].key, l->string, klen) == 0)
                return FAIL(res, err, 0, "result %zu: label %s appears twice", index, l->string);
        if (res->nlabels == res->labels_cap)
            return FAIL(res, err, 0, "result %zu: more labels than the room given", index);
        const char *k = copy_text(res, l->string, klen);
        const char *v = k ? copy_text(res, l->valuestring, vlen) : NULL;
        if (v == NULL)
            return FAIL(res, err, 0, "result %zu: more label text than the room given", index);
        res->labels[res->nlabels++] = (struct wss_label){k, klen, v, vlen};
        s->nlabels++;
    }
    return 0;
}

static int read_sample(const cJSON *r, size_t index, struct prom_query_result *res,
                       struct wss_parse_err *err)
{
    if (!cJSON_IsObject(r))
        return FAIL(res, err, 0, "result %zu: not an object", index);
    const cJSON *metric = field(r, "metric", cJSON_Object);
    if (metric == NULL)
        return FAIL(res, err, 0, "result %zu: no \"metric\" object", index);
    const cJSON *value = field(r, "value", cJSON_Array);
    if (value == NULL)
        return FAIL(res, err, 0, "result %zu: no \"value\" array", index);
    const cJSON *ts = cJSON_GetArrayItem(value, 0);
    const cJSON *text = cJSON_GetArrayItem(value, 1);
    if (cJSON_GetArraySize(value) != 2 || !cJSON_IsNumber(ts) || !cJSON_IsString(text))
        return FAIL(res, err, 0, "result %zu: \"value\" is not [timestamp, \"value\"]", index);
    if (!(ts->valuedouble >= 0 && ts->valuedouble <= PROM_QUERY_JSON_MAX_UNIX_S))
        return FAIL(res, err, 0, "result %zu: timestamp out of range", index);
    if (res->nsamples == res->samples_cap)
        return FAIL(res, err, 0, "result %zu: more samples than the room given", index);
    struct prom_sample *s = &res->samples[res->nsamples];
    int rc = read_labels(metric, index, res, s, err);
    if (rc < 0)
        return rc;
    s->timestamp_ms = (int64_t)(ts->valuedouble * MS_PER_S + 0.5);
    if (!read_value(text->valuestring, s))
        return FAIL(res, err, 0, "result %zu: value \"%s\" is not a number", index,
                    text->valuestring);
    res->nsamples++;
    return 0;
}

static int read_error_reply(const cJSON *doc, struct prom_query_result *res,
                            struct wss_parse_err *err)
{
    const cJSON *type = field(doc, "errorType", cJSON_String);
    const cJSON *msg = field(doc, "error", cJSON_String);
    return FAIL(res, err, 0, "Prometheus answered error (%s): %s",
                type ? type->valuestring : "no errorType", msg ? msg->valuestring : "no error");
}

int prom_query_json_read(const char *json, size_t len, struct prom_query_result *res,
                         struct wss_parse_err *err)
{
    reset(res);
    if (len > PROM_QUERY_JSON_MAX_BYTES)
        return FAIL(res, err, 0, "reply longer than %d bytes", PROM_QUERY_JSON_MAX_BYTES);
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(json, len, &end, false);
    if (doc == NULL) {
        size_t at = end != NULL && end >= json && end <= json + len ? (size_t)(end - json) : 0;
        return FAIL(res, err, at, "reply is not JSON");
    }
    int rc = (int)len;
    if (end != NULL && end < json + len) {
        /* cJSON stops after the first value; only whitespace may follow it. */
        for (const char *p = end; p < json + len; p++)
            if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
                rc = FAIL(res, err, (size_t)(p - json), "reply has bytes after the JSON");
                goto done;
            }
    }
    if (!cJSON_IsObject(doc)) {
        rc = FAIL(res, err, 0, "reply is not a JSON object");
        goto done;
    }
    const cJSON *status = field(doc, "status", cJSON_String);
    if (status == NULL) {
        rc = FAIL(res, err, 0, "reply has no \"status\" string");
        goto done;
    }
    if (strcmp(status->valuestring, "error") == 0) {
        rc = read_error_reply(doc, res, err);
        goto done;
    }
    if (strcmp(status->valuestring, "success") != 0) {
        rc = FAIL(res, err, 0, "status \"%s\" is neither success nor error", status->valuestring);
        goto done;
    }
    const cJSON *data = field(doc, "data", cJSON_Object);
    const cJSON *type = data ? field(data, "resultType", cJSON_String) : NULL;
    const cJSON *result = data ? field(data, "result", cJSON_Array) : NULL;
    if (type == NULL || result == NULL) {
        rc = FAIL(res, err, 0, "reply has no data.resultType and data.result");
        goto done;
    }
    if (strcmp(type->valuestring, "vector") != 0) {
        rc = FAIL(res, err, 0, "resultType \"%s\" is not a vector", type->valuestring);
        goto done;
    }
    if (cJSON_GetArraySize(result) > PROM_QUERY_JSON_MAX_SERIES) {
        rc = FAIL(res, err, 0, "more than %d series", PROM_QUERY_JSON_MAX_SERIES);
        goto done;
    }
    size_t index = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, result)
    {
        int src = read_sample(r, index++, res, err);
        if (src < 0) {
            rc = src;
            goto done;
        }
    }
done:
    cJSON_Delete(doc);
    return rc;
}

const struct wss_label *prom_sample_label(const struct prom_sample *s, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < s->nlabels; i++)
        if (s->labels[i].key_len == n && memcmp(s->labels[i].key, name, n) == 0)
            return &s->labels[i];
    return NULL;
}
