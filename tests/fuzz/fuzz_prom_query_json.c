/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_prom_query_json.c: libFuzzer target for the Prometheus query reply reader: all of the input
 * or invalid, outputs inside the caller's storage, caps that never run short, and a round trip
 * (samples written back as a reply read again to the same samples).
 * Does not: fuzz cJSON itself (the system library is not instrumented; our reader is).
 * Threads: one input at a time. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "prom_query_json.h"

struct store {
    struct prom_query_result res;
};

static bool alloc_for(struct store *st, size_t len)
{
    size_t ns, nl, nt;
    prom_query_json_caps(len, &ns, &nl, &nt);
    st->res = (struct prom_query_result){
        .samples = malloc(ns * sizeof(struct prom_sample)),
        .samples_cap = ns,
        .labels = malloc(nl * sizeof(struct wss_label)),
        .labels_cap = nl,
        .text = malloc(nt),
        .text_cap = nt,
    };
    return st->res.samples && st->res.labels && st->res.text;
}

static void release(struct store *st)
{
    free(st->res.samples);
    free(st->res.labels);
    free(st->res.text);
}

static bool inside(const void *p, size_t n, const void *base, size_t cap)
{
    const char *c = p, *b = base;
    return c >= b && c + n <= b + cap;
}

static void check_outputs(const struct prom_query_result *r)
{
    CHECK(r->nsamples <= r->samples_cap);
    CHECK(r->nlabels <= r->labels_cap);
    CHECK(r->text_len <= r->text_cap);
    for (size_t i = 0; i < r->nsamples; i++) {
        const struct prom_sample *s = &r->samples[i];
        CHECK(s->nlabels <= PROM_QUERY_JSON_MAX_LABELS);
        CHECK(s->nlabels == 0 || inside(s->labels, s->nlabels * sizeof(*s->labels), r->labels,
                                        r->nlabels * sizeof(*r->labels)));
        for (size_t j = 0; j < s->nlabels; j++) {
            const struct wss_label *l = &s->labels[j];
            CHECK(l->key_len > 0 && l->key_len <= PROM_QUERY_JSON_MAX_LABEL_BYTES);
            CHECK(l->value_len <= PROM_QUERY_JSON_MAX_LABEL_BYTES);
            CHECK(inside(l->key, l->key_len + 1, r->text, r->text_len));
            CHECK(inside(l->value, l->value_len + 1, r->text, r->text_len));
            CHECK(l->key[l->key_len] == '\0' && l->value[l->value_len] == '\0');
        }
        CHECK(s->timestamp_ms >= 0);
        CHECK(s->invalid_reason == NULL || s->milli_value == 0);
    }
}

/* The reader's own "more ... than the room given" text, not input echoed in another message. */
static bool is_out_of_room(const char *msg)
{
    static const char tail[] = "than the room given";
    size_t n = strlen(msg);
    return strncmp(msg, "result ", 7) == 0 && n >= sizeof(tail) - 1 &&
           strcmp(msg + n - (sizeof(tail) - 1), tail) == 0;
}

static bool same_reason(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The samples of r as a reply of the same shape; NULL if cJSON runs out of memory. */
static char *write_back(const struct prom_query_result *r)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "status", "success");
    cJSON *data = cJSON_AddObjectToObject(doc, "data");
    cJSON_AddStringToObject(data, "resultType", "vector");
    cJSON *result = cJSON_AddArrayToObject(data, "result");
    for (size_t i = 0; result && i < r->nsamples; i++) {
        const struct prom_sample *s = &r->samples[i];
        cJSON *item = cJSON_CreateObject();
        cJSON_AddItemToArray(result, item);
        cJSON *metric = cJSON_AddObjectToObject(item, "metric");
        for (size_t j = 0; metric && j < s->nlabels; j++)
            cJSON_AddStringToObject(metric, s->labels[j].key, s->labels[j].value);
        char ts[48], val[48];
        snprintf(ts, sizeof(ts), "%lld.%03lld", (long long)(s->timestamp_ms / 1000),
                 (long long)(s->timestamp_ms % 1000));
        if (same_reason(s->invalid_reason, PROM_QUERY_JSON_NAN))
            snprintf(val, sizeof(val), "NaN");
        else if (same_reason(s->invalid_reason, PROM_QUERY_JSON_INFINITE))
            snprintf(val, sizeof(val), "+Inf");
        else if (same_reason(s->invalid_reason, PROM_QUERY_JSON_TOO_LARGE))
            snprintf(val, sizeof(val), "99999999999999999999");
        else {
            long long m = s->milli_value;
            unsigned long long a = m < 0 ? 0ULL - (unsigned long long)m : (unsigned long long)m;
            snprintf(val, sizeof(val), "%s%llu.%03llu", m < 0 ? "-" : "", a / 1000, a % 1000);
        }
        cJSON *value = cJSON_AddArrayToObject(item, "value");
        cJSON_AddItemToArray(value, cJSON_CreateRaw(ts));
        cJSON_AddItemToArray(value, cJSON_CreateString(val));
    }
    char *out = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return out;
}

static void check_same(const struct prom_query_result *a, const struct prom_query_result *b)
{
    CHECK(a->nsamples == b->nsamples);
    for (size_t i = 0; i < a->nsamples; i++) {
        const struct prom_sample *x = &a->samples[i], *y = &b->samples[i];
        CHECK(x->nlabels == y->nlabels);
        CHECK(x->timestamp_ms == y->timestamp_ms);
        CHECK(x->milli_value == y->milli_value);
        CHECK(same_reason(x->invalid_reason, y->invalid_reason));
        for (size_t j = 0; j < x->nlabels; j++) {
            CHECK(x->labels[j].key_len == y->labels[j].key_len);
            CHECK(memcmp(x->labels[j].key, y->labels[j].key, x->labels[j].key_len) == 0);
            CHECK(x->labels[j].value_len == y->labels[j].value_len);
            CHECK(memcmp(x->labels[j].value, y->labels[j].value, x->labels[j].value_len) == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct store st;
    if (!alloc_for(&st, size)) {
        release(&st);
        return 0;
    }
    struct wss_parse_err err;
    int rc = prom_query_json_read((const char *)data, size, &st.res, &err);
    CHECK(rc == (int)size || rc == WSS_PARSE_INVALID);
    if (rc < 0) {
        CHECK(st.res.nsamples == 0 && st.res.nlabels == 0);
        CHECK(err.offset <= size);
        CHECK(!is_out_of_room(err.msg)); /* the caps always suffice */
        release(&st);
        return 0;
    }
    check_outputs(&st.res);
    char *again = write_back(&st.res);
    if (again) {
        struct store st2;
        size_t len = strlen(again);
        if (alloc_for(&st2, len)) {
            int rc2 = prom_query_json_read(again, len, &st2.res, &err);
            if (rc2 < 0)
                fprintf(stderr, "round trip: %s\n", err.msg);
            CHECK(rc2 == (int)len);
            check_same(&st.res, &st2.res);
        }
        release(&st2);
        free(again);
    }
    release(&st);
    return 0;
}
