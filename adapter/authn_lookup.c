/* SPDX-License-Identifier: Apache-2.0 */
/* authn_lookup.c: ConfigMap extension-apiserver-authentication JSON -> CA PEMs and header lists,
 * with cJSON for the document and for the JSON arrays its data values hold as strings.
 * Does not: do I/O, keep cJSON's trees past the call, or log.
 * Threads: pure; no state outside the caller's arguments. */
#include "authn_lookup.h"

#include <string.h>

#include <cjson/cJSON.h>

#define PEM_CERT_BEGIN "-----BEGIN CERTIFICATE-----"

size_t authn_lookup_text_cap(size_t len)
{
    /* Every output string is shorter than the quoted JSON it came from, NUL included. */
    return len + 1;
}

static const char *copy_text(struct authn_lookup_values *v, const char *s, size_t n)
{
    if (v->text_cap - v->text_len < n + 1)
        return NULL;
    char *dst = v->text + v->text_len;
    memcpy(dst, s, n);
    dst[n] = '\0';
    v->text_len += n + 1;
    return dst;
}

static bool is_token_char(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Header names are HTTP tokens; allowed names are CNs: printable ASCII or UTF-8, no controls. */
static bool is_valid_entry(const char *s, size_t n, bool is_header)
{
    if (n == 0 || n > AUTHN_LOOKUP_MAX_NAME)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_header ? !is_token_char(c) : (c < 0x20 || c == 0x7f))
            return false;
    }
    return true;
}

/* data.<key>: a string holding a JSON array of strings; absent or "" leaves the list empty. */
static int read_list(const cJSON *data, const char *key, bool is_header,
                     struct authn_lookup_values *v, struct authn_lookup_list *out,
                     struct wss_parse_err *err)
{
    out->n = 0;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(data, key);
    if (item == NULL || item->valuestring[0] == '\0')
        return 0;
    const char *text = item->valuestring;
    cJSON *arr = cJSON_ParseWithLength(text, strlen(text));
    int rc = 0;
    if (arr == NULL || !cJSON_IsArray(arr)) {
        rc = wss_parse_fail(err, 0, "data.%s: not a JSON array of strings", key);
        goto out;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (!cJSON_IsString(e)) {
            rc = wss_parse_fail(err, 0, "data.%s: not a JSON array of strings", key);
            goto out;
        }
        size_t n = strlen(e->valuestring);
        if (!is_valid_entry(e->valuestring, n, is_header)) {
            rc = wss_parse_fail(err, 0, "data.%s: entry %zu is %s", key, out->n,
                                n == 0                      ? "empty"
                                : n > AUTHN_LOOKUP_MAX_NAME ? "too long"
                                : is_header                 ? "not a header name"
                                                            : "not a certificate name");
            goto out;
        }
        if (out->n == AUTHN_LOOKUP_MAX_NAMES) {
            rc = wss_parse_fail(err, 0, "data.%s: more than %d entries", key,
                                AUTHN_LOOKUP_MAX_NAMES);
            goto out;
        }
        const char *copy = copy_text(v, e->valuestring, n);
        if (copy == NULL) {
            rc = wss_parse_fail(err, 0, "data.%s: out of room for the values", key);
            goto out;
        }
        out->items[out->n++] = copy;
    }
out:
    cJSON_Delete(arr);
    if (rc != 0)
        out->n = 0;
    return rc;
}

/* data.<key>: PEM with at least one certificate; absent or "" gives NULL. */
static int read_pem(const cJSON *data, const char *key, struct authn_lookup_values *v,
                    const char **out, size_t *out_len, struct wss_parse_err *err)
{
    *out = NULL;
    *out_len = 0;
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(data, key);
    if (item == NULL || item->valuestring[0] == '\0')
        return 0;
    size_t n = strlen(item->valuestring);
    if (strstr(item->valuestring, PEM_CERT_BEGIN) == NULL)
        return wss_parse_fail(err, 0, "data.%s: no PEM certificate in it", key);
    if ((*out = copy_text(v, item->valuestring, n)) == NULL)
        return wss_parse_fail(err, 0, "data.%s: out of room for the values", key);
    *out_len = n;
    return 0;
}

static void set_default(struct authn_lookup_list *l, const char *value)
{
    if (l->n == 0) {
        l->items[0] = value;
        l->n = 1;
    }
}

int authn_lookup_parse(const char *json, size_t len, struct authn_lookup_values *v,
                       struct wss_parse_err *err)
{
    char *text = v->text;
    size_t cap = v->text_cap;
    *v = (struct authn_lookup_values){.text = text, .text_cap = cap};
    if (len > AUTHN_LOOKUP_MAX_BYTES)
        return wss_parse_fail(err, AUTHN_LOOKUP_MAX_BYTES, "the ConfigMap is larger than %d bytes",
                              AUTHN_LOOKUP_MAX_BYTES);
    cJSON *doc = cJSON_ParseWithLength(json, len);
    if (doc == NULL) /* cJSON's error pointer is a global: not used */
        return wss_parse_fail(err, 0, "the ConfigMap is not JSON");
    int rc = 0;
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(doc, "data");
    if (!cJSON_IsObject(doc)) {
        rc = wss_parse_fail(err, 0, "the ConfigMap is not a JSON object");
        goto out;
    }
    if (kind != NULL && (!cJSON_IsString(kind) || strcmp(kind->valuestring, "ConfigMap") != 0)) {
        rc = wss_parse_fail(err, 0, "not a ConfigMap: kind is %.64s",
                            cJSON_IsString(kind) ? kind->valuestring : "not a string");
        goto out;
    }
    if (data == NULL || cJSON_IsNull(data))
        goto defaults; /* a ConfigMap with no data: nothing to learn, the defaults apply */
    if (!cJSON_IsObject(data)) {
        rc = wss_parse_fail(err, 0, "data is not a JSON object");
        goto out;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, data)
    {
        if (!cJSON_IsString(e)) {
            rc = wss_parse_fail(err, 0, "data.%.64s is not a string", e->string);
            goto out;
        }
    }
    if (read_pem(data, "client-ca-file", v, &v->client_ca, &v->client_ca_len, err) != 0 ||
        read_pem(data, "requestheader-client-ca-file", v, &v->requestheader_ca,
                 &v->requestheader_ca_len, err) != 0 ||
        read_list(data, "requestheader-allowed-names", false, v, &v->allowed_names, err) != 0 ||
        read_list(data, "requestheader-username-headers", true, v, &v->username_headers, err) !=
            0 ||
        read_list(data, "requestheader-group-headers", true, v, &v->group_headers, err) != 0 ||
        read_list(data, "requestheader-extra-headers-prefix", true, v, &v->extra_prefixes, err) !=
            0) {
        rc = WSS_PARSE_INVALID;
        goto out;
    }
defaults:
    set_default(&v->username_headers, AUTHN_LOOKUP_DEFAULT_USERNAME_HEADER);
    set_default(&v->group_headers, AUTHN_LOOKUP_DEFAULT_GROUP_HEADER);
    set_default(&v->extra_prefixes, AUTHN_LOOKUP_DEFAULT_EXTRA_PREFIX);
out:
    cJSON_Delete(doc);
    if (rc != 0) {
        *v = (struct authn_lookup_values){.text = text, .text_cap = cap};
        return WSS_PARSE_INVALID;
    }
    return (int)len;
}

bool authn_lookup_list_equal(const struct authn_lookup_list *a, const struct authn_lookup_list *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i], b->items[i]) != 0)
            return false;
    return true;
}
