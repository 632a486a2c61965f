/* SPDX-License-Identifier: Apache-2.0 */
/* report.c: gathers the results, draws the chart, prints and files the summary, logs "end".
 * Does not: format the summary's lines (summary.c) or decide the exit code (main).
 * Threads: main's thread only. */
#include "report.h"

#include "prom_run.h"
#include "summary.h"
#include "wsscale/clock.h"
#include "wsscale/strbuf.h"

/* gnuplot draws a few hundred rows in well under a second; this bounds a hung one. */
#define PLOT_MS 15000
#define GNUPLOT "/usr/bin/gnuplot"

bool report_finish(const struct report_parts *rp)
{
    struct load_results lr;
    load_profile_results(rp->load, &lr);
    struct freshness_result fr;
    freshness_result(rp->fresh, &fr);
    struct wss_strbuf text;
    wss_strbuf_init(&text, 0);
    summary_format(&text, rp->outcome, &fr, &lr, rp->sample_ms);
    char err[256];
    if (timeline_plot(rp->timeline, GNUPLOT, PLOT_MS, err, sizeof(err)) != 0)
        wss_strbuf_printf(&text, "  chart: not drawn: %s\n", err);
    else
        wss_strbuf_printf(&text, "  chart: %s/scaling.png (data: %s/scaling.csv)\n", rp->out_dir,
                          rp->out_dir);
    if (rp->prom_url != NULL)
        wss_strbuf_printf(&text,
                          "  prometheus: was at %s, data in %s/prometheus/data; query e.g. "
                          "max by (pod) (websocket_connections{job=\"%s\"})\n",
                          rp->prom_url, rp->out_dir, PROM_RUN_JOB_SIDECARS);
    const char *s = text.data != NULL ? text.data : "";
    timeline_write_summary(rp->timeline, s);
    fprintf(rp->out, "\n%s", s);
    fflush(rp->out);
    cJSON *ev = events_new(rp->events, "end", wss_clock_mono_ms());
    cJSON_AddNumberToObject(ev, "freshness_p50_ms", fr.p50_ms);
    cJSON_AddNumberToObject(ev, "freshness_p99_ms", fr.p99_ms);
    cJSON_AddNumberToObject(ev, "freshness_n", (double)fr.n);
    cJSON_AddNumberToObject(ev, "final_replicas", rp->outcome->final_replicas);
    cJSON_AddNumberToObject(ev, "close_1001", (double)lr.close_1001);
    cJSON_AddNumberToObject(ev, "reconnects", (double)lr.reconnects);
    cJSON_AddNumberToObject(ev, "load_errors", (double)lr.errors_total);
    cJSON_AddBoolToObject(ev, "load_ok", lr.is_ok);
    cJSON_AddBoolToObject(ev, "stopped_early", rp->outcome->is_stopped_early);
    events_emit(rp->events, ev);
    wss_strbuf_free(&text);
    return lr.is_ok;
}
