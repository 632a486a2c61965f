/* SPDX-License-Identifier: Apache-2.0 */
/* k8s_names.c: checks the shapes Kubernetes allows for names, labels and their keys, and
 * explains a failure with the messages of apimachinery's validation package.
 * Does not: allocate, use locale-dependent ctype, or treat NUL as the end of a string.
 * Threads: any; every function writes only the caller's buffer. */
#include "wsscale/k8s_names.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* The texts below are the apiserver's: clients and humans compare them with what kubectl shows.
 * The double space after each example's comma is in the original. */
#define LABEL_NAME_REGEX_MSG                                                                       \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LABEL_VALUE_REGEX_MSG                                                                      \
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "    \
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "             \
    "'my_value',  or '12345', regex used for validation is "                                       \
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
#define DNS_LABEL_REGEX_MSG                                                                        \
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "   \
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "     \
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define DNS_SUBDOMAIN_REGEX_MSG                                                                    \
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "   \
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "  \
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_KEY_SLASHES_MSG                                                                      \
    "a valid label key " LABEL_NAME_REGEX_MSG                                                      \
    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
#define NON_EMPTY_MSG "must be non-empty"
#define NO_DOTS_MSG   "must not contain dots"

/* Collects reasons into the caller's buffer, "; " between them, as apimachinery joins them. */
struct reasons {
    char *buf;
    size_t cap;
    size_t len;
    int count;
};

static void reasons_init(struct reasons *r, char *buf, size_t cap)
{
    r->buf = buf;
    r->cap = buf != NULL ? cap : 0;
    r->len = 0;
    r->count = 0;
    if (r->cap > 0)
        r->buf[0] = '\0';
}

static void put(struct reasons *r, const char *s)
{
    size_t n = strlen(s);
    if (r->cap == 0 || r->len + 1 >= r->cap)
        return;
    size_t room = r->cap - 1 - r->len;
    if (n > room)
        n = room;
    memcpy(r->buf + r->len, s, n);
    r->len += n;
    r->buf[r->len] = '\0';
}

/* Adds one reason: prefix (may be "") then text. */
static void add_reason(struct reasons *r, const char *prefix, const char *text)
{
    if (r->count++ > 0)
        put(r, "; ");
    put(r, prefix);
    put(r, text);
}

static void add_max_len(struct reasons *r, const char *prefix, size_t max)
{
    /* "must be no more than N bytes", written without printf to keep this file trivially pure */
    char num[24];
    size_t i = sizeof(num) - 1;
    num[i] = '\0';
    do {
        num[--i] = (char)('0' + max % 10);
        max /= 10;
    } while (max > 0 && i > 0);
    if (r->count++ > 0)
        put(r, "; ");
    put(r, prefix);
    put(r, "must be no more than ");
    put(r, num + i);
    put(r, " bytes");
}

static bool is_lower_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(unsigned char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? */
static bool matches_dns_label(const char *s, size_t len)
{
    if (len == 0 || !is_lower_alnum((unsigned char)s[0]) ||
        !is_lower_alnum((unsigned char)s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_lower_alnum(c) && c != '-')
            return false;
    }
    return true;
}

/* dns_label(\.dns_label)*; the regex puts no length limit on the pieces. */
static bool matches_dns_subdomain(const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (!matches_dns_label(s + start, i - start))
                return false;
            start = i + 1;
        }
    }
    return true;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool matches_label_name(const char *s, size_t len)
{
    if (len == 0 || !is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
            return false;
    }
    return true;
}

static void subdomain_reasons(struct reasons *r, const char *prefix, const char *s, size_t len)
{
    if (len > WSS_K8S_NAMES_DNS_SUBDOMAIN_MAX)
        add_max_len(r, prefix, WSS_K8S_NAMES_DNS_SUBDOMAIN_MAX);
    if (!matches_dns_subdomain(s, len))
        add_reason(r, prefix, DNS_SUBDOMAIN_REGEX_MSG);
}

int wss_k8s_names_check_dns_label(const char *s, size_t len, char *msg, size_t msg_len)
{
    struct reasons r;
    reasons_init(&r, msg, msg_len);
    if (len > WSS_K8S_NAMES_DNS_LABEL_MAX)
        add_max_len(&r, "", WSS_K8S_NAMES_DNS_LABEL_MAX);
    if (!matches_dns_label(s, len)) {
        /* A valid subdomain that is no valid label (length was reported above) has dots. */
        add_reason(&r, "", matches_dns_subdomain(s, len) ? NO_DOTS_MSG : DNS_LABEL_REGEX_MSG);
    }
    return r.count == 0 ? 0 : -1;
}

int wss_k8s_names_check_dns_subdomain(const char *s, size_t len, char *msg, size_t msg_len)
{
    struct reasons r;
    reasons_init(&r, msg, msg_len);
    subdomain_reasons(&r, "", s, len);
    return r.count == 0 ? 0 : -1;
}

int wss_k8s_names_check_label_key(const char *s, size_t len, char *msg, size_t msg_len)
{
    struct reasons r;
    reasons_init(&r, msg, msg_len);
    const char *slash = len > 0 ? memchr(s, '/', len) : NULL;
    const char *name = s;
    size_t name_len = len;
    if (slash != NULL) {
        size_t prefix_len = (size_t)(slash - s);
        name = slash + 1;
        name_len = len - prefix_len - 1;
        if (memchr(name, '/', name_len) != NULL) {
            add_reason(&r, "", LABEL_KEY_SLASHES_MSG);
            return -1;
        }
        if (prefix_len == 0)
            add_reason(&r, "prefix part ", NON_EMPTY_MSG);
        else
            subdomain_reasons(&r, "prefix part ", s, prefix_len);
    }
    if (name_len == 0)
        add_reason(&r, "name part ", NON_EMPTY_MSG);
    else if (name_len > WSS_K8S_NAMES_LABEL_NAME_MAX)
        add_max_len(&r, "name part ", WSS_K8S_NAMES_LABEL_NAME_MAX);
    if (!matches_label_name(name, name_len))
        add_reason(&r, "name part ", LABEL_NAME_REGEX_MSG);
    return r.count == 0 ? 0 : -1;
}

int wss_k8s_names_check_label_value(const char *s, size_t len, char *msg, size_t msg_len)
{
    struct reasons r;
    reasons_init(&r, msg, msg_len);
    if (len > WSS_K8S_NAMES_LABEL_VALUE_MAX)
        add_max_len(&r, "", WSS_K8S_NAMES_LABEL_VALUE_MAX);
    if (len > 0 && !matches_label_name(s, len))
        add_reason(&r, "", LABEL_VALUE_REGEX_MSG);
    return r.count == 0 ? 0 : -1;
}

/* Decodes one UTF-8 sequence at s (n bytes available) the way Go does: overlong forms,
 * surrogates and code points past U+10FFFF are invalid. Returns its length, or 0 if invalid. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t need;
    uint32_t min;
    uint32_t v;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        need = 2, min = 0x80, v = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        need = 3, min = 0x800, v = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        need = 4, min = 0x10000, v = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3fu);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return need;
}

struct out {
    char *buf;
    size_t cap; /* bytes usable for text; one more is kept for the NUL */
    size_t len;
};

static void out_bytes(struct out *o, const char *s, size_t n)
{
    if (o->len + n > o->cap)
        n = o->len < o->cap ? o->cap - o->len : 0;
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void out_hex(struct out *o, const char *intro, uint32_t v, int digits)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[12];
    size_t n = strlen(intro);
    memcpy(tmp, intro, n);
    for (int d = digits - 1; d >= 0; d--)
        tmp[n++] = hex[(v >> (4 * d)) & 0xf];
    out_bytes(o, tmp, n);
}

size_t wss_k8s_names_quote(const char *s, size_t len, char *out, size_t out_len)
{
    if (out == NULL || out_len == 0)
        return 0;
    struct out o = {out, out_len - 1, 0};
    out_bytes(&o, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len && o.len < o.cap;) {
        unsigned char c = p[i];
        static const char named[] = "\a\b\f\n\r\t\v";
        static const char letters[] = "abfnrtv";
        const char *hit = c != 0 ? memchr(named, c, sizeof(named) - 1) : NULL;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            out_bytes(&o, esc, 2);
            i++;
        } else if (hit != NULL) {
            char esc[2] = {'\\', letters[hit - named]};
            out_bytes(&o, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            out_hex(&o, "\\x", c, 2);
            i++;
        } else if (c < 0x80) {
            out_bytes(&o, (const char *)p + i, 1);
            i++;
        } else {
            uint32_t cp = 0;
            size_t n = utf8_decode(p + i, len - i, &cp);
            if (n == 0) {
                out_hex(&o, "\\x", c, 2);
                i++;
                continue;
            }
            /* Go also escapes other unprintable runes; C1 controls are the ones that matter
             * for keeping a message on one line. */
            if (cp < 0xa0)
                out_hex(&o, "\\u", cp, 4);
            else
                out_bytes(&o, (const char *)p + i, n);
            i += n;
        }
    }
    out_bytes(&o, "\"", 1);
    out[o.len] = '\0';
    return o.len;
}
