/* SPDX-License-Identifier: Apache-2.0 */
/* summary.c: the closing text, one fact a line.
 * Does not: print; the caller sends the text to stdout and summary.txt.
 * Threads: any. */
#include "summary.h"

int summary_format(struct wss_strbuf *out, const struct run_outcome *run,
                   const struct freshness_result *fresh, const struct load_results *load,
                   int64_t sample_ms)
{
    wss_strbuf_printf(out, "wsscale-demo summary\n");
    wss_strbuf_printf(out, "  ran %.1f s%s%s\n", (double)run->elapsed_ms / 1000.0,
                      run->is_stopped_early ? ", stopped early" : "",
                      run->failure[0] ? run->failure : "");
    wss_strbuf_printf(out,
                      "  replicas: up to %d, ended at %d; %d scale-ups, %d scale-downs; %d pods "
                      "started, %d deleted (emptiest first)\n",
                      (int)run->max_replicas_seen, (int)run->final_replicas, run->n_scale_ups,
                      run->n_scale_downs, run->n_pods_started, run->n_pods_deleted);
    wss_strbuf_printf(out,
                      "  clients: %lld connections opened, %lld reconnects; closes sent by the "
                      "servers: %lld x1001 (drained pods), %lld x1000, %lld other; %lld errors; "
                      "%s\n",
                      (long long)load->opened, (long long)load->reconnects,
                      (long long)load->close_1001, (long long)load->close_1000,
                      (long long)load->close_other, (long long)load->errors_total,
                      load->is_ok ? "every load run ok" : "SOME LOAD RUN FAILED");
    wss_strbuf_printf(out, "  adapter reads that failed: %d\n", run->n_read_errors);
    if (fresh->n == 0)
        return wss_strbuf_printf(out, "  freshness: no measurements\n") < 0 ? -1 : 0;
    wss_strbuf_printf(out,
                      "  freshness (server count change -> adapter API shows it, %zu changes, "
                      "%lld ms samples): p50 %.0f ms, p99 %.0f ms, max %.0f ms; goal p99 < "
                      "%.0f ms: %s\n",
                      fresh->n, (long long)sample_ms, fresh->p50_ms, fresh->p99_ms, fresh->max_ms,
                      SUMMARY_FRESHNESS_GOAL_MS,
                      fresh->p99_ms < SUMMARY_FRESHNESS_GOAL_MS ? "met" : "MISSED");
    if (fresh->unmatched > 0)
        wss_strbuf_printf(out,
                          "  (%zu adapter values were never seen in the 50 ms samples of the "
                          "server: not measured)\n",
                          fresh->unmatched);
    return out->is_failed ? -1 : 0;
}
