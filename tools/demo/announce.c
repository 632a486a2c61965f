/* SPDX-License-Identifier: Apache-2.0 */
/* announce.c: the start event and the lines printed before the run.
 * Does not: decide any value it prints.
 * Threads: main's thread only. */
#include "announce.h"

void announce_start(struct events *events, int64_t t_ms, FILE *out, const struct announce *a)
{
    cJSON *ev = events_new(events, "start", t_ms);
    cJSON_AddStringToObject(ev, "adapter", a->adapter_url);
    cJSON_AddStringToObject(ev, "kubeconfig", a->kubeconfig);
    cJSON_AddStringToObject(ev, "front", a->front_url);
    cJSON_AddStringToObject(ev, "metrics_url", a->metrics_url);
    cJSON_AddNumberToObject(ev, "target", (double)a->target);
    cJSON_AddNumberToObject(ev, "sample_ms", (double)a->sample_ms);
    if (a->prom_url != NULL)
        cJSON_AddStringToObject(ev, "prometheus", a->prom_url);
    if (a->pod_cidr != NULL) {
        cJSON_AddStringToObject(ev, "pod_cidr", a->pod_cidr);
        cJSON_AddStringToObject(ev, "host_interface", a->host_ifname);
    }
    events_emit(events, ev);
    fprintf(out,
            "wsscale-demo: adapter %s, front %s; %lld clients, target %lld per pod, %lld..%lld "
            "replicas\nwhile it runs, in another terminal:\n  kubectl --kubeconfig %s get --raw "
            "'/apis/custom.metrics.k8s.io/v1beta2/namespaces/%s/pods/*/"
            "websocket_connections?labelSelector=app%%3D%s'\n\n",
            a->adapter_url, a->front_url, (long long)a->connections, (long long)a->target,
            (long long)a->min_replicas, (long long)a->max_replicas, a->kubeconfig, a->ns, a->app);
    if (a->pod_cidr != NULL)
        fprintf(out, "pods: each in its own network namespace on %s (the host is %s on %s)\n\n",
                a->pod_cidr, a->gateway, a->host_ifname);
    if (a->prom_url != NULL)
        fprintf(out,
                "prometheus %s, e.g.:\n  curl -s '%s/api/v1/query' --data-urlencode "
                "'query=max by (pod) (websocket_connections{namespace=\"%s\"})'\n\n",
                a->prom_url, a->prom_url, a->ns);
    fflush(out);
}
