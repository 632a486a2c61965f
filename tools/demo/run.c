/* SPDX-License-Identifier: Apache-2.0 */
/* run.c: the control loop: sampling, the HPA's sync, the ReplicaSet's reconcile, the front's
 * endpoints, and the events, rows and view lines that record it.
 * Does not: start the adapter or the front, or write the summary (main does).
 * Threads: main's thread; front_set_endpoints is the only call into another thread's part. */
#include "run.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "scaler.h"
#include "view.h"
#include "wsscale/clock.h"

/* How often the loop samples the servers and the adapter. */
#define TICK_MS 50
/* The view and the CSV get a line this often. */
#define ROW_MS 1000
/* The first pods must be ready within this, and the run's bound has this much slack. */
#define START_READY_MS 60000
#define END_SLACK_MS   30000
/* Length of the last decision's text. */
#define DECISION_LEN 320

/* What the loop carries between ticks. */
struct loop_state {
    int64_t start_ms;
    int32_t replicas; /* the ReplicaSet's spec.replicas */
    int32_t desired;  /* the HPA's last answer */
    char decision[DECISION_LEN];
    struct metrics_reply reply; /* the adapter's last good answer */
    bool has_reply;
    /* The last phases seen, to log transitions. */
    size_t n_seen;
    struct {
        char name[PODS_NAME_LEN];
        enum pod_phase phase;
    } seen[PODS_MAX];
};

static const char *phase_name(enum pod_phase p)
{
    return p == POD_PENDING ? "Pending" : p == POD_RUNNING ? "Running" : "Terminating";
}

static size_t pod_list(struct pods *pods, const struct pod_info **out)
{
    size_t n = pods_count(pods);
    for (size_t i = 0; i < n; i++)
        out[i] = pods_get(pods, i);
    return n;
}

/* Adds "counts": {pod: connections} of every pod not deleting. */
static void add_counts(cJSON *ev, const struct pod_info *const *pods, size_t n)
{
    cJSON *c = cJSON_AddObjectToObject(ev, "counts");
    for (size_t i = 0; c != NULL && i < n; i++)
        if (pods[i]->phase != POD_DELETING)
            cJSON_AddNumberToObject(c, pods[i]->name, (double)pods[i]->count);
}

/* Logs phase changes and pods that are gone since the last call; the front gets the new set of
 * Running pods when anything changed. */
static void track_phases(const struct run_parts *rp, struct loop_state *ls, int64_t now)
{
    const struct pod_info *pods[PODS_MAX];
    size_t n = pod_list(rp->pods, pods);
    bool is_changed = false;
    for (size_t k = 0; k < ls->n_seen; k++) {
        bool is_present = false;
        for (size_t i = 0; i < n && !is_present; i++)
            is_present = strcmp(pods[i]->name, ls->seen[k].name) == 0;
        if (!is_present) {
            cJSON *ev = events_new(rp->events, "pod_gone", now);
            cJSON_AddStringToObject(ev, "pod", ls->seen[k].name);
            events_emit(rp->events, ev);
            freshness_forget(rp->fresh, ls->seen[k].name);
            is_changed = true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        bool is_known = false;
        for (size_t k = 0; k < ls->n_seen && !is_known; k++)
            is_known =
                strcmp(pods[i]->name, ls->seen[k].name) == 0 && pods[i]->phase == ls->seen[k].phase;
        if (is_known)
            continue;
        cJSON *ev = events_new(rp->events, "pod_phase", now);
        cJSON_AddStringToObject(ev, "pod", pods[i]->name);
        cJSON_AddStringToObject(ev, "phase", phase_name(pods[i]->phase));
        cJSON_AddStringToObject(ev, "ip", pods[i]->ip);
        cJSON_AddNumberToObject(ev, "port", pods[i]->port);
        events_emit(rp->events, ev);
        is_changed = true;
    }
    ls->n_seen = n;
    for (size_t i = 0; i < n; i++) {
        snprintf(ls->seen[i].name, sizeof(ls->seen[i].name), "%s", pods[i]->name);
        ls->seen[i].phase = pods[i]->phase;
    }
    if (!is_changed)
        return;
    int prc = prom_run_set_pods(rp->prom, pods, n);
    if (prc != 0) {
        cJSON *ev = events_new(rp->events, "prometheus_targets_failed", now);
        cJSON_AddNumberToObject(ev, "errno", -prc);
        events_emit(rp->events, ev);
    }
    struct front_endpoint eps[FRONT_MAX_ENDPOINTS];
    size_t m = 0;
    for (size_t i = 0; i < n && m < FRONT_MAX_ENDPOINTS; i++)
        if (pods[i]->phase == POD_RUNNING)
            eps[m++] = (struct front_endpoint){pods[i]->ip, pods[i]->port, pods[i]->name};
    front_set_endpoints(rp->front, eps, m);
}

/* The ReplicaSet: as many live pods as ls->replicas, deleting the emptiest first. */
static int reconcile(const struct run_parts *rp, struct loop_state *ls, int64_t now,
                     struct run_outcome *out)
{
    const struct pod_info *pods[PODS_MAX];
    size_t n = pod_list(rp->pods, pods);
    size_t live = scaler_live_pods(pods, n);
    if (live > (size_t)ls->replicas) {
        size_t victims[PODS_MAX];
        size_t k = scaler_pick_victims(pods, n, live - (size_t)ls->replicas, victims);
        cJSON *ev = events_new(rp->events, "scale_down", now);
        add_counts(ev, pods, n);
        cJSON *names = cJSON_AddArrayToObject(ev, "deleted");
        char del[PODS_MAX][PODS_NAME_LEN];
        for (size_t j = 0; j < k; j++) {
            snprintf(del[j], sizeof(del[j]), "%s", pods[victims[j]]->name);
            cJSON_AddItemToArray(names, cJSON_CreateString(del[j]));
        }
        events_emit(rp->events, ev);
        for (size_t j = 0; j < k; j++) {
            pods_delete(rp->pods, del[j]);
            out->n_pods_deleted++;
        }
    }
    while (live < (size_t)ls->replicas) {
        char err[PODS_ERR_LEN];
        int idx = pods_add(rp->pods, err);
        if (idx < 0) {
            snprintf(out->failure, sizeof(out->failure), "starting a pod: %s", err);
            return -1;
        }
        cJSON *ev = events_new(rp->events, "pod_created", now);
        cJSON_AddStringToObject(ev, "pod", pods_get(rp->pods, (size_t)idx)->name);
        events_emit(rp->events, ev);
        out->n_pods_started++;
        live++;
    }
    return 0;
}

/* One sync of the HPA against the adapter's answer of this tick. */
static void hpa_sync(const struct run_parts *rp, struct loop_state *ls, int64_t now,
                     bool is_reply_fresh, struct run_outcome *out)
{
    const struct pod_info *pods[PODS_MAX];
    size_t n = pod_list(rp->pods, pods);
    struct hpa_pod hp[PODS_MAX + METRICS_READER_MAX_ITEMS];
    size_t m = scaler_hpa_pods(pods, n, is_reply_fresh ? &ls->reply : NULL, hp,
                               sizeof(hp) / sizeof(hp[0]));
    struct hpa_decision d;
    hpa_step(rp->hpa, now - ls->start_ms, ls->replicas, hp, m, &d);
    int32_t before = ls->replicas;
    ls->desired = d.desired;
    snprintf(ls->decision, sizeof(ls->decision), "%d -> %d %s: %s (avg %.1f, ratio %.2f)",
             (int)before, (int)d.desired, d.reason ? d.reason : "", d.message ? d.message : "",
             (double)d.usage_milli / 1000.0, d.calc.ratio);
    cJSON *ev = events_new(rp->events, "hpa", now);
    cJSON_AddNumberToObject(ev, "current", before);
    cJSON_AddNumberToObject(ev, "desired", d.desired);
    cJSON_AddNumberToObject(ev, "recommendation", d.recommendation);
    cJSON_AddNumberToObject(ev, "usage", (double)d.usage_milli / 1000.0);
    cJSON_AddNumberToObject(ev, "ratio", d.calc.ratio);
    cJSON_AddNumberToObject(ev, "ready", d.calc.n_ready);
    cJSON_AddNumberToObject(ev, "unready", d.calc.n_unready);
    cJSON_AddNumberToObject(ev, "missing", d.calc.n_missing);
    cJSON_AddBoolToObject(ev, "valid", !d.is_invalid_metric);
    cJSON_AddStringToObject(ev, "reason", d.reason ? d.reason : "");
    cJSON_AddStringToObject(ev, "message", d.message ? d.message : "");
    cJSON_AddStringToObject(ev, "why", d.calc.why ? d.calc.why : "");
    add_counts(ev, pods, n);
    events_emit(rp->events, ev);
    if (d.is_rescale) {
        ls->replicas = d.desired;
        if (d.desired > before)
            out->n_scale_ups++;
        else
            out->n_scale_downs++;
        if (d.desired > out->max_replicas_seen)
            out->max_replicas_seen = d.desired;
    }
}

/* One CSV row and one view line. */
static void record_row(const struct run_parts *rp, const struct loop_state *ls, int64_t now,
                       const struct run_config *cfg)
{
    const struct pod_info *pods[PODS_MAX];
    size_t n = pod_list(rp->pods, pods);
    struct timeline_row r = {0};
    r.t_s = (double)(now - ls->start_ms) / 1000.0;
    r.target = cfg->target;
    r.replicas = ls->replicas;
    r.desired = ls->desired;
    r.wanted = rp->load->start_ms > 0 ? load_profile_wanted(rp->load, now - rp->load->start_ms) : 0;
    size_t len = 0;
    double lo = INFINITY, hi = 0, sum_ready = 0;
    for (size_t i = 0; i < n; i++) {
        r.total += (int64_t)pods[i]->count;
        if (pods[i]->phase == POD_RUNNING) {
            r.ready++;
            sum_ready += (double)pods[i]->count;
            lo = fmin(lo, (double)pods[i]->count);
            hi = fmax(hi, (double)pods[i]->count);
        }
        int w = snprintf(r.pods + len, sizeof(r.pods) - len, "%s%s=%llu", i ? ";" : "",
                         pods[i]->name, (unsigned long long)pods[i]->count);
        if (w > 0 && (size_t)w < sizeof(r.pods) - len)
            len += (size_t)w;
    }
    r.per_pod_avg = r.ready > 0 ? sum_ready / r.ready : 0;
    r.per_pod_min = r.ready > 0 ? lo : 0;
    r.per_pod_max = hi;
    timeline_add(rp->timeline, &r);
    if (rp->view != NULL) {
        struct view_state v = {r.t_s,       r.total, r.wanted, ls->replicas,
                               ls->desired, pods,    n,        ls->decision};
        view_print(rp->view, &v);
    }
}

/* Steps that started or ended become events. */
static void load_events(const struct run_parts *rp, bool *was_running, int64_t now)
{
    for (size_t i = 0; i < rp->load->n; i++) {
        const struct load_step *st = &rp->load->steps[i];
        bool is_running = st->pid > 0;
        if (is_running == was_running[i])
            continue;
        was_running[i] = is_running;
        cJSON *ev = events_new(rp->events, is_running ? "load_step_start" : "load_step_end", now);
        cJSON_AddNumberToObject(ev, "step", (double)i);
        cJSON_AddNumberToObject(ev, "connections", (double)st->connections);
        if (!is_running)
            cJSON_AddNumberToObject(ev, "exit_code", st->exit_code);
        events_emit(rp->events, ev);
    }
}

static size_t ready_pods(const struct pods *pods)
{
    size_t n = 0;
    for (size_t i = 0; i < pods_count(pods); i++)
        n += pods_get(pods, i)->phase == POD_RUNNING;
    return n;
}

static bool is_settled(const struct run_parts *rp, const struct loop_state *ls,
                       const struct run_config *cfg)
{
    if (ls->replicas != cfg->min_replicas)
        return false;
    for (size_t i = 0; i < pods_count(rp->pods); i++)
        if (pods_get(rp->pods, i)->phase != POD_RUNNING)
            return false;
    return true;
}

int run_loop(const struct run_parts *rp, const struct run_config *cfg, struct run_outcome *out)
{
    static struct loop_state ls; /* large (the reply); main's thread only, one run per process */
    memset(&ls, 0, sizeof(ls));
    memset(out, 0, sizeof(*out));
    int64_t now = wss_clock_mono_ms();
    ls.start_ms = now;
    ls.replicas = ls.desired = cfg->min_replicas;
    out->max_replicas_seen = cfg->min_replicas;
    int64_t next_row = now, next_sync = now + cfg->sync_ms, load_done_ms = 0;
    bool was_running[LOAD_PROFILE_MAX_STEPS] = {0};
    static struct metrics_reply reply; /* as ls */
    bool is_load_on = false;
    int64_t profile_ms = 0;
    for (size_t i = 0; i < rp->load->n; i++)
        profile_ms =
            rp->load->steps[i].end_ms > profile_ms ? rp->load->steps[i].end_ms : profile_ms;
    /* Whatever happens, the loop ends by then (wsscale-load ends itself within its close
     * timeout). */
    int64_t hard_end_ms = now + START_READY_MS + profile_ms + cfg->settle_max_ms + END_SLACK_MS;
    int rc = 0;
    while (!*rp->is_stopping) {
        now = wss_clock_mono_ms();
        if (reconcile(rp, &ls, now, out) != 0) {
            rc = -1;
            break;
        }
        pods_tick(rp->pods);
        track_phases(rp, &ls, now);
        pods_sample(rp->pods);
        for (size_t i = 0; i < pods_count(rp->pods); i++) {
            const struct pod_info *p = pods_get(rp->pods, i);
            if (p->has_count)
                freshness_server(rp->fresh, p->name, p->count, now);
        }
        bool is_fresh = metrics_reader_read(rp->reader, &reply) == 0;
        int64_t read_ms = wss_clock_mono_ms();
        if (is_fresh) {
            ls.reply = reply;
            ls.has_reply = true;
            for (size_t i = 0; i < reply.n; i++)
                freshness_adapter(rp->fresh, reply.items[i].name, reply.items[i].milli_value,
                                  read_ms);
        } else {
            out->n_read_errors++;
        }
        /* Clients come once the first pods are ready, as they would to a Service. */
        is_load_on = is_load_on || ready_pods(rp->pods) >= (size_t)cfg->min_replicas;
        int lrc = is_load_on ? load_profile_tick(rp->load, now) : 0;
        if (lrc < 0) {
            snprintf(out->failure, sizeof(out->failure), "starting wsscale-load failed");
            rc = -1;
            break;
        }
        load_events(rp, was_running, now);
        if (now >= next_sync) {
            hpa_sync(rp, &ls, now, is_fresh, out);
            next_sync += cfg->sync_ms;
        }
        if (now >= next_row) {
            record_row(rp, &ls, now, cfg);
            next_row += ROW_MS;
        }
        if (!is_load_on && now - ls.start_ms > START_READY_MS) {
            snprintf(out->failure, sizeof(out->failure),
                     "the first pods were not ready within %d ms", START_READY_MS);
            rc = -1;
            break;
        }
        if (now > hard_end_ms) {
            snprintf(out->failure, sizeof(out->failure), "the run passed its time bound");
            rc = -1;
            break;
        }
        if (load_profile_is_done(rp->load)) {
            if (load_done_ms == 0)
                load_done_ms = now;
            if (is_settled(rp, &ls, cfg) || now - load_done_ms > cfg->settle_max_ms)
                break;
        }
        int64_t spent = wss_clock_mono_ms() - now;
        if (spent < TICK_MS) {
            struct timespec ts = {0, (long)(TICK_MS - spent) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    out->is_stopped_early = *rp->is_stopping != 0 || rc != 0;
    out->elapsed_ms = wss_clock_mono_ms() - ls.start_ms;
    out->final_replicas = ls.replicas;
    return rc;
}
