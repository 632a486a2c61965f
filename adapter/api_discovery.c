/* SPDX-License-Identifier: Apache-2.0 */
/* api_discovery.c: the discovery documents as constant JSON text, served as they are.
 * Does not: build anything per request, or depend on the data; a discovery answer never waits.
 * Threads: handlers read string constants only; any worker thread. */
#include "api_discovery.h"

#include <stddef.h>

#include "api_status.h"
#include "wsscale/http_server.h"

#define CM_GROUP "custom.metrics.k8s.io"
#define EM_GROUP "external.metrics.k8s.io"

#define GV(group, version)                                                                         \
    "{\"groupVersion\":\"" group "/" version "\",\"version\":\"" version "\"}"

/* v1beta2 first: it is the preferred version, as the HPA expects. */
#define CM_GROUP_BODY                                                                              \
    "\"name\":\"" CM_GROUP "\",\"versions\":[" GV(CM_GROUP, "v1beta2") "," GV(                     \
        CM_GROUP, "v1beta1") "],\"preferredVersion\":" GV(CM_GROUP, "v1beta2")
#define EM_GROUP_BODY                                                                              \
    "\"name\":\"" EM_GROUP                                                                         \
    "\",\"versions\":[" GV(EM_GROUP, "v1beta1") "],\"preferredVersion\":" GV(EM_GROUP, "v1beta1")

static const char doc_apis[] =
    "{\"kind\":\"APIGroupList\",\"apiVersion\":\"v1\",\"groups\":[{" CM_GROUP_BODY
    "},{" EM_GROUP_BODY "}]}";
static const char doc_cm_group[] =
    "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\"," CM_GROUP_BODY "}";
static const char doc_em_group[] =
    "{\"kind\":\"APIGroup\",\"apiVersion\":\"v1\"," EM_GROUP_BODY "}";

/* Entries sharing a parent resource must agree on `namespaced` (the aggregator builds a synthetic
 * parent per resource), hence pods true and namespaces false. */
#define CM_RESOURCES(version)                                                                      \
    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"" CM_GROUP "/" version \
    "\",\"resources\":["                                                                           \
    "{\"name\":\"pods/" API_DISCOVERY_METRIC "\",\"singularName\":\"\",\"namespaced\":true,"       \
    "\"kind\":\"MetricValueList\",\"verbs\":[\"get\"]},"                                           \
    "{\"name\":\"namespaces/" API_DISCOVERY_METRIC                                                 \
    "\",\"singularName\":\"\",\"namespaced\":false,"                                               \
    "\"kind\":\"MetricValueList\",\"verbs\":[\"get\"]}]}"

static const char doc_cm_v1beta1[] = CM_RESOURCES("v1beta1");
static const char doc_cm_v1beta2[] = CM_RESOURCES("v1beta2");
static const char doc_em_v1beta1[] =
    "{\"kind\":\"APIResourceList\",\"apiVersion\":\"v1\",\"groupVersion\":\"" EM_GROUP
    "/v1beta1\",\"resources\":[{\"name\":\"" API_DISCOVERY_METRIC
    "\",\"singularName\":\"\",\"namespaced\":true,\"kind\":\"ExternalMetricValueList\","
    "\"verbs\":[\"get\"]}]}";

static void serve_doc(struct wss_http_req *req, void *arg)
{
    wss_http_reply_json(req, 200, arg);
}

/* 404 tells the aggregator "no spec": skipped quietly, never retried with backoff. */
static void serve_no_openapi(struct wss_http_req *req, void *arg)
{
    (void)arg;
    api_status_reply(req, 404, "the server could not find the requested resource");
}

struct doc_route {
    const char *path;
    const char *doc;
};

int api_discovery_add_routes(struct wss_http_router *r, struct wss_parse_err *err)
{
    static const struct doc_route docs[] = {
        {"/apis", doc_apis},
        {"/apis/" CM_GROUP, doc_cm_group},
        {"/apis/" CM_GROUP "/v1beta1", doc_cm_v1beta1},
        {"/apis/" CM_GROUP "/v1beta2", doc_cm_v1beta2},
        {"/apis/" EM_GROUP, doc_em_group},
        {"/apis/" EM_GROUP "/v1beta1", doc_em_v1beta1},
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
        if (wss_http_router_add(r, "GET", docs[i].path, serve_doc, (void *)docs[i].doc, err) != 0)
            return WSS_PARSE_INVALID;
    if (wss_http_router_add(r, "GET", "/openapi/v2", serve_no_openapi, NULL, err) != 0 ||
        wss_http_router_add(r, "GET", "/openapi/v3", serve_no_openapi, NULL, err) != 0)
        return WSS_PARSE_INVALID;
    return 0;
}
