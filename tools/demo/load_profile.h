/* SPDX-License-Identifier: Apache-2.0 */
/* load_profile.h: the demo's load: a staircase up, a hold, a staircase down, made of one
 * `wsscale-load --mode hold --reconnect` run per step, each started when its step comes and
 * ending (its --duration) when its step down comes.
 * Does not: route (the front does) or read the runs' results beyond their exit and JSON file.
 * Threads: main's thread only. */
#ifndef DEMO_LOAD_PROFILE_H
#define DEMO_LOAD_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most steps; each is one wsscale-load process (group). */
#define LOAD_PROFILE_MAX_STEPS 16
/* Clients one wsscale-load process takes; more use --processes. */
#define LOAD_PROFILE_PER_PROCESS 9000

struct load_profile_config {
    const char *load_bin, *out_dir; /* borrowed */
    char url[128];                  /* ws://127.0.0.1:<front>/ws */
    int64_t connections, steps, ramp_up_ms, hold_ms, ramp_down_ms;
    int64_t tail_ms; /* the last step stays this much longer: a floor of clients while the
                        replicas come down, so a scale-down drains pods that have clients */
};

/* One step's plan and fate. */
struct load_step {
    int64_t start_ms, end_ms; /* from the profile's start */
    int64_t connections;
    int pid;       /* 0 before start and after reaping */
    bool is_done;  /* reaped */
    int exit_code; /* when done: the exit status, -1 when killed by a signal */
};

struct load_profile {
    struct load_profile_config cfg;
    int64_t start_ms; /* monotonic, set by load_profile_tick's first call */
    size_t n;
    struct load_step steps[LOAD_PROFILE_MAX_STEPS];
};

/* Plans the steps (pure): step i starts at i/steps of the ramp up and ends at the hold's end plus
 * (i+1)/steps of the ramp down (the last step tail_ms later): the oldest clients leave first, as
 * users of a chat do, so the pods started last keep some clients and a scale-down drains them.
 * The first steps take the remainder of the connections. */
void load_profile_plan(struct load_profile *p, const struct load_profile_config *cfg);

/* The clients the plan wants open at t_ms from the start (pure). */
int64_t load_profile_wanted(const struct load_profile *p, int64_t t_ms);

/* Starts the steps whose time has come and reaps the finished ones at now_ms (monotonic).
 * Returns how many steps started or ended in this call, or -errno when a start failed. */
int load_profile_tick(struct load_profile *p, int64_t now_ms);

/* True once every step has ended and been reaped. */
bool load_profile_is_done(const struct load_profile *p);

/* What the steps' JSON summaries say, summed. */
struct load_results {
    size_t n_read; /* summaries found and parsed */
    int64_t opened, reconnects, errors_total, close_1000, close_1001, close_other;
    bool is_ok; /* every summary has "ok": true and every step exited 0 */
};

/* Reads out_dir/load-<i>.json of every ended step (cJSON). Cannot fail: a missing or bad file
 * leaves is_ok false. */
void load_profile_results(const struct load_profile *p, struct load_results *out);

/* Stops running steps (SIGTERM, then SIGKILL after timeout_ms) and reaps them. */
void load_profile_stop(struct load_profile *p, int64_t timeout_ms);

#endif
