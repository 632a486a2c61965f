/* SPDX-License-Identifier: Apache-2.0 */
/* load_profile.c: the staircase plan and the wsscale-load processes that carry it out.
 * Does not: print; the JSON summaries land in out_dir/load-<i>.json.
 * Threads: main's thread only. */
#include "load_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "proc.h"

/* Opening rate when a step has no ramp time to spread its clients over. */
#define FAST_RATE 2000
/* Room the runs get to close their clients and write their summaries at the end. */
#define CLOSE_TIMEOUT "5s"
/* A run's JSON summary is a few hundred bytes; more than this is not one. */
#define SUMMARY_MAX_BYTES 16384

void load_profile_plan(struct load_profile *p, const struct load_profile_config *cfg)
{
    memset(p, 0, sizeof(*p));
    p->cfg = *cfg;
    int64_t s = cfg->steps < 1 ? 1 : cfg->steps;
    if (s > LOAD_PROFILE_MAX_STEPS)
        s = LOAD_PROFILE_MAX_STEPS;
    if (s > cfg->connections)
        s = cfg->connections;
    p->n = (size_t)s;
    for (int64_t i = 0; i < s; i++) {
        struct load_step *st = &p->steps[i];
        st->start_ms = cfg->ramp_up_ms * i / s;
        st->end_ms = cfg->ramp_up_ms + cfg->hold_ms + cfg->ramp_down_ms * (i + 1) / s;
        st->connections = cfg->connections / s + (i < cfg->connections % s ? 1 : 0);
        if (i == s - 1)
            st->end_ms += cfg->tail_ms;
    }
}

int64_t load_profile_wanted(const struct load_profile *p, int64_t t_ms)
{
    int64_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        if (t_ms >= p->steps[i].start_ms && t_ms < p->steps[i].end_ms)
            n += p->steps[i].connections;
    return n;
}

static int start_step(struct load_profile *p, size_t i)
{
    struct load_step *st = &p->steps[i];
    int64_t step_ms = p->n > 0 ? p->cfg.ramp_up_ms / (int64_t)p->n : 0;
    int64_t rate = step_ms > 0 ? st->connections * 1000 / step_ms + 1 : FAST_RATE;
    int64_t procs = (st->connections + LOAD_PROFILE_PER_PROCESS - 1) / LOAD_PROFILE_PER_PROCESS;
    char conns[32], rate_s[32], dur[32], procs_s[32], json[512], log[512];
    snprintf(conns, sizeof(conns), "%lld", (long long)st->connections);
    snprintf(rate_s, sizeof(rate_s), "%lld", (long long)rate);
    snprintf(dur, sizeof(dur), "%lldms", (long long)(st->end_ms - st->start_ms));
    snprintf(procs_s, sizeof(procs_s), "%lld", (long long)procs);
    snprintf(json, sizeof(json), "%s/load-%zu.json", p->cfg.out_dir, i);
    snprintf(log, sizeof(log), "%s/load-%zu.log", p->cfg.out_dir, i);
    char *argv[] = {(char *)p->cfg.load_bin,
                    "--url",
                    p->cfg.url,
                    "--connections",
                    conns,
                    "--rate",
                    rate_s,
                    "--mode",
                    "hold",
                    "--reconnect",
                    "--duration",
                    dur,
                    "--processes",
                    procs_s,
                    "--close-timeout",
                    CLOSE_TIMEOUT,
                    "--progress",
                    "0",
                    "--json",
                    NULL};
    pid_t pid = proc_spawn(argv, NULL, log, json);
    if (pid < 0)
        return pid;
    st->pid = pid;
    return 0;
}

int load_profile_tick(struct load_profile *p, int64_t now_ms)
{
    if (p->start_ms == 0)
        p->start_ms = now_ms;
    int64_t t = now_ms - p->start_ms;
    int changed = 0;
    for (size_t i = 0; i < p->n; i++) {
        struct load_step *st = &p->steps[i];
        if (st->pid == 0 && !st->is_done && t >= st->start_ms) {
            int rc = start_step(p, i);
            if (rc < 0)
                return rc;
            changed++;
        } else if (st->pid > 0) {
            int status = 0;
            if (proc_reap(st->pid, &status) != 0) {
                st->pid = 0;
                st->is_done = true;
                st->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
                changed++;
            }
        }
    }
    return changed;
}

bool load_profile_is_done(const struct load_profile *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (!p->steps[i].is_done)
            return false;
    return true;
}

void load_profile_stop(struct load_profile *p, int64_t timeout_ms)
{
    for (size_t i = 0; i < p->n; i++) {
        struct load_step *st = &p->steps[i];
        if (st->pid > 0) {
            proc_stop(st->pid, timeout_ms);
            st->pid = 0;
            st->is_done = true;
            st->exit_code = -1;
        }
    }
}

static int64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static void add_summary(const cJSON *doc, struct load_results *out)
{
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(doc, "ok");
    if (!cJSON_IsTrue(ok))
        out->is_ok = false;
    out->opened += num(doc, "opened");
    out->reconnects += num(doc, "reconnects");
    out->errors_total += num(cJSON_GetObjectItemCaseSensitive(doc, "errors"), "total");
    const cJSON *codes = cJSON_GetObjectItemCaseSensitive(doc, "close_codes");
    const cJSON *c;
    cJSON_ArrayForEach(c, codes)
    {
        int64_t count = num(c, "count");
        if (strcmp(c->string, "1000") == 0)
            out->close_1000 += count;
        else if (strcmp(c->string, "1001") == 0)
            out->close_1001 += count;
        else
            out->close_other += count;
    }
    out->close_other += num(doc, "close_codes_other");
}

void load_profile_results(const struct load_profile *p, struct load_results *out)
{
    memset(out, 0, sizeof(*out));
    out->is_ok = p->n > 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct load_step *st = &p->steps[i];
        if (!st->is_done || st->exit_code != 0)
            out->is_ok = false;
        char path[512];
        snprintf(path, sizeof(path), "%s/load-%zu.json", p->cfg.out_dir, i);
        FILE *f = fopen(path, "r");
        if (f == NULL) {
            out->is_ok = false;
            continue;
        }
        char buf[SUMMARY_MAX_BYTES];
        size_t len = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[len] = '\0';
        cJSON *doc = cJSON_ParseWithLength(buf, len);
        if (doc == NULL) {
            out->is_ok = false;
            continue;
        }
        out->n_read++;
        add_summary(doc, out);
        cJSON_Delete(doc);
    }
}
