/* SPDX-License-Identifier: Apache-2.0 */
/* test_prom_run.c: the demo's Prometheus files: the file_sd targets of each kind (the sidecar's or
 * the server's port, the namespace and pod labels, pods without a port left out, JSON escaping, an
 * empty set) and prom.yml's jobs, intervals, file paths and the adapter's target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "prom_run.h"

static struct pod_info pod(const char *name, uint16_t port, uint16_t metrics_port)
{
    struct pod_info p = {0};
    snprintf(p.name, sizeof(p.name), "%s", name);
    p.port = port;
    p.metrics_port = metrics_port;
    return p;
}

/* The targets text for kind and pods, in a static buffer (one call per assertion). */
static const char *targets(enum prom_run_kind kind, const char *ns, const struct pod_info *pods,
                           size_t n)
{
    static char text[1024];
    const struct pod_info *ptrs[8];
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &pods[i];
    struct wss_strbuf b;
    wss_strbuf_init(&b, 0);
    assert_int_equal(prom_run_format_targets(&b, kind, ns, ptrs, n), 0);
    snprintf(text, sizeof(text), "%s", b.data != NULL ? b.data : "");
    wss_strbuf_free(&b);
    return text;
}

static void targets_list_each_pods_sidecar_or_server_with_namespace_and_pod(void **state)
{
    (void)state;
    struct pod_info pods[] = {pod("chat-demo-abcde", 4001, 5001),
                              pod("chat-demo-fghjk", 4002, 5002)};
    assert_string_equal(
        targets(PROM_RUN_SIDECARS, "demo", pods, 2),
        "[{\"targets\":[\"127.0.0.1:5001\"],\"labels\":{\"namespace\":\"demo\",\"pod\":"
        "\"chat-demo-abcde\"}},{\"targets\":[\"127.0.0.1:5002\"],\"labels\":{\"namespace\":"
        "\"demo\",\"pod\":\"chat-demo-fghjk\"}}]\n");
    assert_string_equal(targets(PROM_RUN_SERVERS, "demo", pods, 1),
                        "[{\"targets\":[\"127.0.0.1:4001\"],\"labels\":{\"namespace\":\"demo\","
                        "\"pod\":\"chat-demo-abcde\"}}]\n");
}

static void targets_leave_out_a_pod_without_that_port(void **state)
{
    (void)state;
    struct pod_info pods[] = {pod("a", 4001, 0), pod("b", 4002, 5002)};
    assert_string_equal(targets(PROM_RUN_SIDECARS, "ns", pods, 2),
                        "[{\"targets\":[\"127.0.0.1:5002\"],\"labels\":{\"namespace\":\"ns\","
                        "\"pod\":\"b\"}}]\n");
}

static void no_pods_give_an_empty_array(void **state)
{
    (void)state;
    assert_string_equal(targets(PROM_RUN_SERVERS, "demo", NULL, 0), "[]\n");
}

static void a_namespace_with_quotes_is_escaped(void **state)
{
    (void)state;
    struct pod_info pods[] = {pod("p", 1, 2)};
    assert_non_null(strstr(targets(PROM_RUN_SERVERS, "a\"b", pods, 1), "\"namespace\":\"a\\\"b\""));
}

static void config_has_three_jobs_file_sd_and_the_adapter_target(void **state)
{
    (void)state;
    struct prom_run_config cfg = {"/bin/prometheus", "/o/prometheus", "demo", 0, 9443, 500, 1000};
    struct wss_strbuf b;
    wss_strbuf_init(&b, 0);
    assert_int_equal(prom_run_format_config(&b, &cfg, "/o/prometheus/targets"), 0);
    assert_non_null(strstr(b.data, "scrape_interval: 500ms"));
    assert_non_null(strstr(b.data, "  - job_name: wsscale-sidecars\n    file_sd_configs:\n      - "
                                   "files: ['/o/prometheus/targets/sidecars.json']\n"));
    assert_non_null(strstr(b.data, "  - job_name: wsscale-server\n    file_sd_configs:\n      - "
                                   "files: ['/o/prometheus/targets/servers.json']\n"));
    assert_non_null(strstr(b.data, "  - job_name: wsscale-adapter\n    static_configs:\n      - "
                                   "targets: ['127.0.0.1:9443']\n        labels: {namespace: "
                                   "wsscale-system, pod: wsscale-adapter-demo}\n"));
    wss_strbuf_free(&b);
}

static void set_pods_on_a_stopped_run_does_nothing(void **state)
{
    (void)state;
    struct prom_run p = {0};
    struct pod_info a = pod("a", 1, 2);
    const struct pod_info *pods[] = {&a};
    assert_int_equal(prom_run_set_pods(&p, pods, 1), 0);
    assert_int_equal(prom_run_set_pods(NULL, pods, 1), 0);
    assert_int_equal(p.n_writes, 0);
    prom_run_stop(&p, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(targets_list_each_pods_sidecar_or_server_with_namespace_and_pod),
        cmocka_unit_test(targets_leave_out_a_pod_without_that_port),
        cmocka_unit_test(no_pods_give_an_empty_array),
        cmocka_unit_test(a_namespace_with_quotes_is_escaped),
        cmocka_unit_test(config_has_three_jobs_file_sd_and_the_adapter_target),
        cmocka_unit_test(set_pods_on_a_stopped_run_does_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
