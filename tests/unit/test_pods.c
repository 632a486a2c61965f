/* SPDX-License-Identifier: Apache-2.0 */
/* test_pods.c: the demo's pods as the kubelet would run them: a pod whose processes ignore
 * SIGTERM is killed at the end of its grace period and forgotten; pods never share a name.
 * Does not: start the real server and sidecar (integration.demo_e2e does). */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pods.h"
#include "wait.h"

/* Stands in for both binaries: ignores SIGTERM and every argument, never becomes ready; says
 * when its trap is set (a file ready.PID beside it). */
static const char stubborn[] = "#!/bin/sh\ntrap '' TERM\n: > \"${0%/*}/ready.$$\"\n"
                               "while :; do sleep 1; done\n";

struct fixture {
    char dir[64], bin[96];
    struct pods_config cfg;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test-pods.XXXXXX");
    if (f == NULL || mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->bin, sizeof(f->bin), "%s/stubborn.sh", f->dir);
    FILE *out = fopen(f->bin, "w");
    if (out == NULL || fputs(stubborn, out) < 0 || fclose(out) != 0 || chmod(f->bin, 0755) != 0)
        return -1;
    f->cfg = (struct pods_config){.server_bin = f->bin,
                                  .sidecar_bin = f->bin,
                                  .work_dir = f->dir,
                                  .ns = "demo",
                                  .app = "chat",
                                  .adapter_url = "https://127.0.0.1:1",
                                  .adapter_ca_file = "",
                                  .sample_ms = 1000,
                                  .drain_delay_ms = 0,
                                  .drain_seconds = 0};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

struct ready {
    const char *dir;
    int want;
};

static bool stubs_ready(void *arg)
{
    const struct ready *r = arg;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "test $(ls '%s' | grep -c '^ready\\.') -ge %d", r->dir, r->want);
    return system(cmd) == 0;
}

static bool no_pods(void *arg)
{
    struct pods *p = arg;
    pods_tick(p);
    return pods_count(p) == 0;
}

static void pod_ignoring_sigterm_is_killed_after_its_grace_period(void **state)
{
    struct fixture *f = *state;
    struct pods *p = pods_create(&f->cfg);
    assert_non_null(p);
    char err[PODS_ERR_LEN];
    if (pods_add(p, err) < 0)
        fail_msg("pods_add: %s", err);
    char name[PODS_NAME_LEN];
    snprintf(name, sizeof(name), "%s", pods_get(p, 0)->name);
    struct ready r = {f->dir, 2};
    if (!wss_wait_until(stubs_ready, &r, 10000))
        fail_msg("the stand-in processes did not start");
    assert_int_equal(pods_delete(p, name), 0);
    assert_int_equal(pods_delete(p, name), -ENOENT); /* already deleting */
    long long t0 = wss_wait_now_ms();
    pods_tick(p);
    assert_int_equal(pods_count(p), 1); /* SIGTERM is ignored: still there */
    if (!wss_wait_until(no_pods, p, 15000))
        fail_msg("the pod was not killed at the end of its grace period");
    /* the grace period (5 s past a drain of 0) passed before the kill */
    assert_true(wss_wait_now_ms() - t0 >= 4900);
    pods_destroy(p, 1000);
}

static void pods_never_share_a_name(void **state)
{
    struct fixture *f = *state;
    struct pods *p = pods_create(&f->cfg);
    assert_non_null(p);
    char err[PODS_ERR_LEN];
    for (int i = 0; i < 8; i++)
        if (pods_add(p, err) < 0)
            fail_msg("pods_add: %s", err);
    for (size_t i = 0; i < pods_count(p); i++) {
        const char *name = pods_get(p, i)->name;
        assert_int_equal(strncmp(name, "chat-demo-", 10), 0);
        for (size_t j = i + 1; j < pods_count(p); j++)
            assert_string_not_equal(name, pods_get(p, j)->name);
    }
    pods_destroy(p, 1000);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(pod_ignoring_sigterm_is_killed_after_its_grace_period,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(pods_never_share_a_name, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
