/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_authn_lookup.c: libFuzzer target for the authentication ConfigMap reader: all of the
 * input or invalid, every output string inside the caller's text (or a static default) and
 * NUL-terminated, the text capacity never short, and a round trip (the values written back as a
 * ConfigMap read again to the same values).
 * Does not: fuzz cJSON itself (the system library is not instrumented; our reader is).
 * Threads: one input at a time. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "authn_lookup.h"
#include "fuzz_check.h"

static bool inside(const char *s, const struct authn_lookup_values *v)
{
    return s >= v->text && s + strlen(s) < v->text + v->text_len;
}

static bool is_default(const char *s)
{
    return strcmp(s, AUTHN_LOOKUP_DEFAULT_USERNAME_HEADER) == 0 ||
           strcmp(s, AUTHN_LOOKUP_DEFAULT_GROUP_HEADER) == 0 ||
           strcmp(s, AUTHN_LOOKUP_DEFAULT_EXTRA_PREFIX) == 0;
}

static void check_list(const struct authn_lookup_list *l, const struct authn_lookup_values *v)
{
    CHECK(l->n <= AUTHN_LOOKUP_MAX_NAMES);
    for (size_t i = 0; i < l->n; i++) {
        CHECK(inside(l->items[i], v) || is_default(l->items[i]));
        CHECK(l->items[i][0] != '\0' && strlen(l->items[i]) <= AUTHN_LOOKUP_MAX_NAME);
    }
}

static void check_outputs(const struct authn_lookup_values *v)
{
    CHECK(v->text_len <= v->text_cap);
    CHECK(v->client_ca == NULL ||
          (inside(v->client_ca, v) && strlen(v->client_ca) == v->client_ca_len));
    CHECK(v->requestheader_ca == NULL || (inside(v->requestheader_ca, v) &&
                                          strlen(v->requestheader_ca) == v->requestheader_ca_len));
    check_list(&v->allowed_names, v);
    CHECK(v->username_headers.n >= 1 && v->group_headers.n >= 1 && v->extra_prefixes.n >= 1);
    check_list(&v->username_headers, v);
    check_list(&v->group_headers, v);
    check_list(&v->extra_prefixes, v);
}

static void add_list(cJSON *data, const char *key, const struct authn_lookup_list *l)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < l->n; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(l->items[i]));
    char *text = cJSON_PrintUnformatted(arr);
    CHECK(text != NULL);
    cJSON_AddStringToObject(data, key, text);
    free(text);
    cJSON_Delete(arr);
}

static bool same_list(const struct authn_lookup_list *a, const struct authn_lookup_list *b)
{
    return authn_lookup_list_equal(a, b);
}

/* Writes v back as a ConfigMap and reads it again: the same values come out. */
static void round_trip(const struct authn_lookup_values *v)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "kind", "ConfigMap");
    cJSON *data = cJSON_AddObjectToObject(doc, "data");
    if (v->client_ca != NULL)
        cJSON_AddStringToObject(data, "client-ca-file", v->client_ca);
    if (v->requestheader_ca != NULL)
        cJSON_AddStringToObject(data, "requestheader-client-ca-file", v->requestheader_ca);
    add_list(data, "requestheader-allowed-names", &v->allowed_names);
    add_list(data, "requestheader-username-headers", &v->username_headers);
    add_list(data, "requestheader-group-headers", &v->group_headers);
    add_list(data, "requestheader-extra-headers-prefix", &v->extra_prefixes);
    char *json = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    CHECK(json != NULL);
    size_t len = strlen(json);
    struct authn_lookup_values w = {.text = malloc(authn_lookup_text_cap(len)),
                                    .text_cap = authn_lookup_text_cap(len)};
    CHECK(w.text != NULL);
    struct wss_parse_err err = {0};
    if (len <= AUTHN_LOOKUP_MAX_BYTES) {
        CHECK(authn_lookup_parse(json, len, &w, &err) == (int)len);
        check_outputs(&w);
        CHECK((v->client_ca == NULL) == (w.client_ca == NULL));
        CHECK(v->client_ca == NULL || strcmp(v->client_ca, w.client_ca) == 0);
        CHECK((v->requestheader_ca == NULL) == (w.requestheader_ca == NULL));
        CHECK(v->requestheader_ca == NULL || strcmp(v->requestheader_ca, w.requestheader_ca) == 0);
        CHECK(same_list(&v->allowed_names, &w.allowed_names));
        CHECK(same_list(&v->username_headers, &w.username_headers));
        CHECK(same_list(&v->group_headers, &w.group_headers));
        CHECK(same_list(&v->extra_prefixes, &w.extra_prefixes));
    }
    free(w.text);
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    size_t cap = authn_lookup_text_cap(size);
    struct authn_lookup_values v = {.text = malloc(cap), .text_cap = cap};
    CHECK(v.text != NULL);
    struct wss_parse_err err = {0};
    int rc = authn_lookup_parse(json, size, &v, &err);
    CHECK(rc == WSS_PARSE_INVALID || rc == (int)size);
    if (rc == WSS_PARSE_INVALID) {
        CHECK(err.msg[0] != '\0' && err.offset <= size);
        CHECK(v.client_ca == NULL && v.requestheader_ca == NULL && v.username_headers.n == 0);
        /* a capacity that suffices never fails for lack of room */
        static const char room[] = ": out of room for the values";
        size_t n = strlen(err.msg);
        CHECK(strncmp(err.msg, "data.", 5) != 0 || n < sizeof(room) - 1 ||
              strcmp(err.msg + n - (sizeof(room) - 1), room) != 0);
    } else {
        check_outputs(&v);
        round_trip(&v);
    }
    free(v.text);
    return 0;
}
