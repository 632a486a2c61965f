/* SPDX-License-Identifier: Apache-2.0 */
/* prom_sample.c: builds a registry with every kind of family, nasty label values and special
 * numbers, and prints its exposition on stdout for prom_promtool.sh to feed to promtool.
 * Does not: serve HTTP or check anything itself; promtool is the judge.
 * Threads: one. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsscale/prom.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A label value long enough to cross any fixed-size buffer a renderer might use. */
#define LONG_VALUE_LEN 3000

static const char *const nasty_values[] = {
    "back\\slash\\",
    "say \"hi\"",
    "two\nlines\n",
    "tab\tand\rcarriage return",
    "",
    "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x9a\x80",
    "} { , = # HELP x y",
    "\\n is not a newline",
};

static int failed(const char *what, const struct wss_parse_err *err)
{
    fprintf(stderr, "prom_sample: %s: %s\n", what, err->msg);
    return 1;
}

static void collect_frames(struct wss_prom_writer *w, void *arg)
{
    (void)arg;
    static const uint64_t per_thread[] = {10, 20, 12};
    uint64_t total = 0;
    for (size_t i = 0; i < COUNT(per_thread); i++)
        total += per_thread[i];
    wss_prom_writer_sample(w, WSS_PROM_VALUES("text"), (double)total);
    wss_prom_writer_sample(w, WSS_PROM_VALUES("binary \"frames\"\n"), 3);
}

static void collect_store_size(struct wss_prom_writer *w, void *arg)
{
    (void)arg;
    wss_prom_writer_sample(w, NULL, 0, 1234);
}

static void collect_latency(struct wss_prom_writer *w, void *arg)
{
    (void)arg;
    static const uint64_t buckets[] = {5, 0, 7, 1};
    wss_prom_writer_histogram(w, WSS_PROM_VALUES("/ws"), buckets, 3.25);
    wss_prom_writer_histogram(w, WSS_PROM_VALUES("/ws/rooms/{room}"), buckets, 0.5);
}

static void collect_nothing(struct wss_prom_writer *w, void *arg)
{
    (void)w;
    (void)arg;
}

/* Registers a family or reports why not. */
static struct wss_prom_family *family(struct wss_prom_registry *r, struct wss_prom_desc d, int *rc)
{
    struct wss_parse_err err = {0};
    struct wss_prom_family *f = wss_prom_family_new(r, &d, &err);
    if (f == NULL)
        *rc = failed(d.name, &err);
    return f;
}

static int build(struct wss_prom_registry *r)
{
    static const char *const code_method[] = {"code", "method"};
    static const char *const room[] = {"room"};
    static const char *const kind[] = {"kind"};
    static const char *const route[] = {"route"};
    static const double duration_bounds[] = {0.0005, 0.001, 0.01, 0.1, 1, 2.5, 10, INFINITY};
    static const double size_bounds[] = {1e-9, 1, 1024, 1e6, 1.5e12};
    static const double latency_bounds[] = {0.01, 0.1, 1};
    int rc = 0;
    struct wss_parse_err err = {0};

    struct wss_prom_family *requests =
        family(r,
               (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                      .name = "wsscale_sample_requests_total",
                                      .help = "Requests by code and method; help with \\ and\n"
                                              "a second line, \"quotes\" and caf\xc3\xa9.",
                                      .label_names = code_method,
                                      .nlabels = 2},
               &rc);
    family(r,
           (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                  .name = "wsscale_sample_restarts_total",
                                  .help = "An unlabelled counter never touched."},
           &rc);
    struct wss_prom_family *members =
        family(r,
               (struct wss_prom_desc){.type = WSS_PROM_GAUGE,
                                      .name = "wsscale_sample_room_members",
                                      .help = "Members per room, with nasty room names.",
                                      .label_names = room,
                                      .nlabels = 1},
               &rc);
    struct wss_prom_family *special =
        family(r,
               (struct wss_prom_desc){.type = WSS_PROM_GAUGE,
                                      .name = "wsscale_sample_special_values",
                                      .help = "Special and extreme numbers.",
                                      .label_names = kind,
                                      .nlabels = 1},
               &rc);
    struct wss_prom_family *durations =
        family(r,
               (struct wss_prom_desc){.type = WSS_PROM_HISTOGRAM,
                                      .name = "wsscale_sample_duration_seconds",
                                      .help = "Request durations.",
                                      .label_names = route,
                                      .nlabels = 1,
                                      .bounds = duration_bounds,
                                      .nbounds = COUNT(duration_bounds)},
               &rc);
    family(r,
           (struct wss_prom_desc){.type = WSS_PROM_HISTOGRAM,
                                  .name = "wsscale_sample_message_size_bytes",
                                  .help = "An unlabelled histogram never observed.",
                                  .bounds = size_bounds,
                                  .nbounds = COUNT(size_bounds)},
           &rc);
    family(r,
           (struct wss_prom_desc){.type = WSS_PROM_COUNTER,
                                  .name = "wsscale_sample_frames_total",
                                  .help = "Frames summed over threads at scrape time.",
                                  .label_names = kind,
                                  .nlabels = 1,
                                  .collect = collect_frames},
           &rc);
    family(r,
           (struct wss_prom_desc){.type = WSS_PROM_GAUGE,
                                  .name = "wsscale_sample_store_pods",
                                  .help = "A store's size, read at scrape time.",
                                  .collect = collect_store_size},
           &rc);
    family(r,
           (struct wss_prom_desc){.type = WSS_PROM_HISTOGRAM,
                                  .name = "wsscale_sample_latency_seconds",
                                  .help = "Per-thread histograms merged at scrape time.",
                                  .label_names = route,
                                  .nlabels = 1,
                                  .bounds = latency_bounds,
                                  .nbounds = COUNT(latency_bounds),
                                  .collect = collect_latency},
           &rc);
    family(r,
           (struct wss_prom_desc){.type = WSS_PROM_GAUGE,
                                  .name = "wsscale_sample_silent",
                                  .help = "A callback that writes nothing is not rendered.",
                                  .collect = collect_nothing},
           &rc);
    if (rc != 0)
        return rc;

    for (size_t i = 0; i < COUNT(nasty_values); i++) {
        struct wss_prom_counter *c =
            wss_prom_counter_get(requests, WSS_PROM_VALUES("200", nasty_values[i]), &err);
        struct wss_prom_gauge *g = wss_prom_gauge_get(members, &nasty_values[i], 1, &err);
        if (c == NULL || g == NULL)
            return failed("nasty child", &err);
        wss_prom_counter_add(c, i + 1);
        wss_prom_gauge_set(g, (double)i - 2.5);
    }
    static char long_value[LONG_VALUE_LEN + 1];
    for (size_t i = 0; i < LONG_VALUE_LEN; i++)
        long_value[i] = "a\"\\\n"[i % 4];
    struct wss_prom_gauge *long_gauge =
        wss_prom_gauge_get(members, WSS_PROM_VALUES(long_value), &err);
    if (long_gauge == NULL)
        return failed("long child", &err);
    wss_prom_gauge_set(long_gauge, 1);

    static const struct {
        const char *kind;
        double v;
    } specials[] = {
        {"pos_inf", INFINITY},
        {"neg_inf", -INFINITY},
        {"nan", NAN},
        {"tiny", 5e-324},
        {"huge", 1.7976931348623157e308},
        {"third", 1.0 / 3},
        {"big_int", 9007199254740993.0},
        {"negative", -42},
        {"micro", 1e-7},
        {"zero", 0},
    };
    for (size_t i = 0; i < COUNT(specials); i++) {
        struct wss_prom_gauge *g =
            wss_prom_gauge_get(special, WSS_PROM_VALUES(specials[i].kind), &err);
        if (g == NULL)
            return failed("special child", &err);
        wss_prom_gauge_set(g, specials[i].v);
    }

    static const char *const routes[] = {"/ws", "/ws/rooms/{room}", "", "\"\\\n"};
    static const double observations[] = {0.0001, 0.0005, 0.003, 0.2, 2.5, 7, 99, NAN};
    for (size_t i = 0; i < COUNT(routes); i++) {
        struct wss_prom_histogram *h = wss_prom_histogram_get(durations, &routes[i], 1, &err);
        if (h == NULL)
            return failed("histogram child", &err);
        for (size_t k = 0; k < COUNT(observations) - (i == 0 ? 0 : 1); k++)
            wss_prom_histogram_observe(h, observations[k] * (double)(i + 1));
    }
    return 0;
}

int main(void)
{
    struct wss_prom_registry *r = wss_prom_registry_new();
    if (r == NULL) {
        fprintf(stderr, "prom_sample: out of memory\n");
        return 1;
    }
    int rc = build(r);
    struct wss_strbuf out = {0};
    if (rc == 0 && wss_prom_render(r, &out) != 0) {
        fprintf(stderr, "prom_sample: render failed\n");
        rc = 1;
    }
    if (rc == 0 && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0)) {
        fprintf(stderr, "prom_sample: writing stdout failed\n");
        rc = 1;
    }
    wss_strbuf_free(&out);
    wss_prom_registry_free(r);
    return rc;
}
