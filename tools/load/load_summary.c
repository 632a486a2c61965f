/* SPDX-License-Identifier: Apache-2.0 */
/* load_summary.c: formats merged load_stats as text and as JSON (cJSON).
 * Does not: print, count, or read clocks.
 * Threads: any, on stats nobody writes any more. */
#include "load_summary.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#define US_PER_MS 1000.0
#define US_PER_S  1000000.0
#define MS_PER_S  1000.0

/* The quantiles every latency line shows. */
static const struct {
    const char *name;
    double q;
} quantiles[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}};

/* The spots of the close-time distribution the report shows, to judge the spread. */
static const struct {
    const char *name;
    double q;
} spread[] = {{"p10_s", 0.10}, {"p50_s", 0.50}, {"p90_s", 0.90}};

bool load_summary_is_failed(const struct load_stats *s, const struct load_summary_info *info)
{
    return load_stats_error_total(s) > info->max_errors || info->processes_lost > 0;
}

static double per_second(uint64_t n, uint64_t ms)
{
    return ms == 0 ? 0.0 : (double)n * MS_PER_S / (double)ms;
}

/* What rtt_us measures in this mode, or NULL when the mode sends nothing. */
static const char *rtt_name(const char *mode, bool is_json)
{
    if (strcmp(mode, "echo") == 0)
        return is_json ? "rtt_ms" : "message RTT";
    if (strcmp(mode, "room") == 0)
        return is_json ? "delivery_ms" : "delivery latency";
    return NULL;
}

/* ---- text -------------------------------------------------------------------------------------
 */

static void text_latency(struct wss_strbuf *out, const char *label, const struct latency_hist *h)
{
    wss_strbuf_printf(out, "  %-18s", label);
    if (h->count == 0) {
        wss_strbuf_puts(out, "no samples\n");
        return;
    }
    for (size_t i = 0; i < sizeof(quantiles) / sizeof(quantiles[0]); i++)
        wss_strbuf_printf(out, "%s %.3f  ", quantiles[i].name,
                          (double)latency_hist_quantile(h, quantiles[i].q) / US_PER_MS);
    wss_strbuf_printf(out, "max %.3f ms  (n=%llu)\n", (double)h->max_us / US_PER_MS,
                      (unsigned long long)h->count);
}

int load_summary_text(const struct load_stats *s, const struct load_summary_info *info,
                      struct wss_strbuf *out)
{
    const char *rtt = rtt_name(info->mode, false);
    uint64_t errors = load_stats_error_total(s);

    wss_strbuf_printf(out, "wsscale-load: mode %s, %llu connections to %zu URL%s, %.1f s\n",
                      info->mode, (unsigned long long)info->connections, info->nurls,
                      info->nurls == 1 ? "" : "s", (double)info->measured_ms / MS_PER_S);
    wss_strbuf_printf(out,
                      "  connections       opened %llu, open at stop %llu, attempts %llu, "
                      "reconnects %llu\n",
                      (unsigned long long)s->opened, (unsigned long long)info->open_at_stop,
                      (unsigned long long)s->attempts, (unsigned long long)s->reconnects);
    if (info->processes > 1 || info->processes_lost > 0)
        wss_strbuf_printf(out, "  processes         %u, lost %u\n", info->processes,
                          info->processes_lost);
    wss_strbuf_printf(out, "  closes            by us %llu, by the server %llu\n",
                      (unsigned long long)s->closed_by_us, (unsigned long long)s->closed_by_server);
    text_latency(out, "connect latency", &s->connect_us);
    if (rtt != NULL) {
        text_latency(out, rtt, &s->rtt_us);
        wss_strbuf_printf(
            out, "  messages          sent %llu (%.1f/s), received %llu (%.1f/s)",
            (unsigned long long)s->msgs_sent, per_second(s->msgs_sent, info->measured_ms),
            (unsigned long long)s->msgs_received, per_second(s->msgs_received, info->measured_ms));
        if (s->msgs_skipped > 0)
            wss_strbuf_printf(out, ", skipped %llu", (unsigned long long)s->msgs_skipped);
        if (s->msgs_foreign > 0)
            wss_strbuf_printf(out, ", foreign %llu", (unsigned long long)s->msgs_foreign);
        wss_strbuf_puts(out, "\n");
    }
    wss_strbuf_puts(out, "  close codes       ");
    if (s->nclose_codes == 0 && s->close_codes_other == 0)
        wss_strbuf_puts(out, "none");
    for (size_t i = 0; i < s->nclose_codes; i++) {
        const struct load_close_code *c = &s->close_codes[i];
        wss_strbuf_printf(out, "%s%u x%llu (%.2f-%.2f s)", i > 0 ? ", " : "", (unsigned)c->code,
                          (unsigned long long)c->count, (double)c->at_us.min_us / US_PER_S,
                          (double)c->at_us.max_us / US_PER_S);
    }
    if (s->close_codes_other > 0)
        wss_strbuf_printf(out, ", other x%llu", (unsigned long long)s->close_codes_other);
    wss_strbuf_puts(out, "\n");
    wss_strbuf_printf(out, "  errors            %llu", (unsigned long long)errors);
    for (unsigned k = 0; k < LOAD_ERR_KINDS; k++) {
        if (s->errors[k] == 0)
            continue;
        wss_strbuf_printf(out, "\n    %-16s %llu", load_stats_error_name((enum load_error_kind)k),
                          (unsigned long long)s->errors[k]);
        if (s->examples[k][0] != '\0')
            wss_strbuf_printf(out, "  (e.g. %s)", s->examples[k]);
    }
    wss_strbuf_printf(out, "\n  result            %s\n",
                      load_summary_is_failed(s, info) ? "FAIL" : "ok");
    return out->is_failed ? -1 : 0;
}

/* ---- JSON -------------------------------------------------------------------------------------
 */

/* Adds a number; returns false when memory ran out. */
static bool add_num(cJSON *obj, const char *key, double v)
{
    return cJSON_AddNumberToObject(obj, key, v) != NULL;
}

static bool add_latency(cJSON *root, const char *key, const struct latency_hist *h)
{
    cJSON *o = cJSON_AddObjectToObject(root, key);
    if (o == NULL || !add_num(o, "count", (double)h->count))
        return false;
    if (h->count == 0)
        return true;
    bool ok = add_num(o, "min", (double)h->min_us / US_PER_MS) &&
              add_num(o, "mean", (double)h->sum_us / (double)h->count / US_PER_MS);
    for (size_t i = 0; ok && i < sizeof(quantiles) / sizeof(quantiles[0]); i++)
        ok = add_num(o, quantiles[i].name,
                     (double)latency_hist_quantile(h, quantiles[i].q) / US_PER_MS);
    return ok && add_num(o, "max", (double)h->max_us / US_PER_MS);
}

static bool add_close_codes(cJSON *root, const struct load_stats *s)
{
    cJSON *codes = cJSON_AddObjectToObject(root, "close_codes");
    if (codes == NULL)
        return false;
    for (size_t i = 0; i < s->nclose_codes; i++) {
        const struct load_close_code *c = &s->close_codes[i];
        char key[8];
        snprintf(key, sizeof(key), "%u", (unsigned)c->code);
        cJSON *o = cJSON_AddObjectToObject(codes, key);
        bool ok = o != NULL && add_num(o, "count", (double)c->count) &&
                  add_num(o, "first_s", (double)c->at_us.min_us / US_PER_S);
        for (size_t j = 0; ok && j < sizeof(spread) / sizeof(spread[0]); j++)
            ok = add_num(o, spread[j].name,
                         (double)latency_hist_quantile(&c->at_us, spread[j].q) / US_PER_S);
        if (!ok || !add_num(o, "last_s", (double)c->at_us.max_us / US_PER_S))
            return false;
    }
    return add_num(root, "close_codes_other", (double)s->close_codes_other);
}

static bool add_errors(cJSON *root, const struct load_stats *s)
{
    cJSON *e = cJSON_AddObjectToObject(root, "errors");
    cJSON *ex = cJSON_AddObjectToObject(root, "error_examples");
    if (e == NULL || ex == NULL || !add_num(e, "total", (double)load_stats_error_total(s)))
        return false;
    for (unsigned k = 0; k < LOAD_ERR_KINDS; k++) {
        const char *name = load_stats_error_name((enum load_error_kind)k);
        if (!add_num(e, name, (double)s->errors[k]))
            return false;
        if (s->examples[k][0] != '\0' && cJSON_AddStringToObject(ex, name, s->examples[k]) == NULL)
            return false;
    }
    return true;
}

static cJSON *build_json(const struct load_stats *s, const struct load_summary_info *info)
{
    cJSON *root = cJSON_CreateObject();
    const char *rtt = rtt_name(info->mode, true);
    if (root == NULL)
        return NULL;
    bool ok = cJSON_AddStringToObject(root, "mode", info->mode) != NULL &&
              add_num(root, "urls", (double)info->nurls) &&
              add_num(root, "connections", (double)info->connections) &&
              add_num(root, "duration_s", (double)info->measured_ms / MS_PER_S) &&
              add_num(root, "elapsed_s", (double)info->elapsed_ms / MS_PER_S) &&
              add_num(root, "open_at_stop", (double)info->open_at_stop) &&
              add_num(root, "processes", info->processes > 0 ? info->processes : 1) &&
              add_num(root, "processes_lost", info->processes_lost) &&
              add_num(root, "attempts", (double)s->attempts) &&
              add_num(root, "opened", (double)s->opened) &&
              add_num(root, "reconnects", (double)s->reconnects) &&
              add_num(root, "closed_by_us", (double)s->closed_by_us) &&
              add_num(root, "closed_by_server", (double)s->closed_by_server) &&
              add_latency(root, "connect_ms", &s->connect_us) &&
              (rtt == NULL || add_latency(root, rtt, &s->rtt_us));
    cJSON *m = ok ? cJSON_AddObjectToObject(root, "messages") : NULL;
    ok = m != NULL && add_num(m, "sent", (double)s->msgs_sent) &&
         add_num(m, "received", (double)s->msgs_received) &&
         add_num(m, "sent_per_s", per_second(s->msgs_sent, info->measured_ms)) &&
         add_num(m, "received_per_s", per_second(s->msgs_received, info->measured_ms)) &&
         add_num(m, "bytes_sent", (double)s->bytes_sent) &&
         add_num(m, "bytes_received", (double)s->bytes_received) &&
         add_num(m, "foreign", (double)s->msgs_foreign) &&
         add_num(m, "skipped", (double)s->msgs_skipped) &&
         add_num(m, "pings_answered", (double)s->pings_answered) && add_close_codes(root, s) &&
         add_errors(root, s) &&
         cJSON_AddBoolToObject(root, "ok", !load_summary_is_failed(s, info)) != NULL;
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int load_summary_json(const struct load_stats *s, const struct load_summary_info *info,
                      struct wss_strbuf *out)
{
    cJSON *root = build_json(s, info);
    char *text = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
    int rc = -1;
    if (text != NULL) {
        wss_strbuf_puts(out, text);
        wss_strbuf_puts(out, "\n");
        rc = out->is_failed ? -1 : 0;
    }
    cJSON_free(text);
    cJSON_Delete(root);
    return rc;
}
