/* SPDX-License-Identifier: Apache-2.0 */
/* api_status.c: builds Kubernetes `Status` error documents with cJSON and maps source errors.
 * Does not: decide which error a request deserves; routes do, this only writes it down.
 * Threads: no state; any worker thread. */
#include "api_status.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "metric_source.h"

struct reason {
    unsigned code;
    const char *reason;
};

/* The reasons apimachinery's errors package uses for the codes we send. */
static const struct reason reasons[] = {
    {400, "BadRequest"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "NotFound"},
    {405, "MethodNotAllowed"},
    {406, "NotAcceptable"},
    {413, "RequestEntityTooLarge"},
    {429, "TooManyRequests"},
    {500, "InternalError"},
    {503, "ServiceUnavailable"},
    {504, "Timeout"},
};

const char *api_status_reason(unsigned code)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].code == code)
            return reasons[i].reason;
    return "";
}

char *api_status_json(unsigned code, const char *message)
{
    char *out = NULL;
    cJSON *st = cJSON_CreateObject();
    if (st == NULL)
        return NULL;
    if (cJSON_AddStringToObject(st, "kind", "Status") == NULL ||
        cJSON_AddStringToObject(st, "apiVersion", "v1") == NULL ||
        cJSON_AddObjectToObject(st, "metadata") == NULL ||
        cJSON_AddStringToObject(st, "status", "Failure") == NULL ||
        cJSON_AddStringToObject(st, "message", message != NULL ? message : "") == NULL ||
        cJSON_AddStringToObject(st, "reason", api_status_reason(code)) == NULL ||
        cJSON_AddNumberToObject(st, "code", (double)code) == NULL)
        goto fail;
    out = cJSON_PrintUnformatted(st);
fail:
    cJSON_Delete(st);
    return out;
}

int api_status_reply(struct wss_http_req *req, unsigned code, const char *message)
{
    char *json = api_status_json(code, message);
    if (json == NULL)
        return -1;
    size_t len = strlen(json);
    return wss_http_reply_take(req, code, "application/json", json, len);
}

void api_status_on_error(struct wss_http_req *req, unsigned status, const char *message, void *arg)
{
    (void)arg;
    /* The router's own 404 (no route matched) and 405 carry terse texts; use the apiserver's,
     * which client-go users recognise. Other messages are the caller's and pass through. */
    if (status == 404 && wss_http_req_route(req)[0] == '\0')
        message = "the server could not find the requested resource";
    else if (status == 405)
        message = "the server does not allow this method on the requested resource";
    api_status_reply(req, status, message);
}

unsigned api_status_code_for_source(int src_err)
{
    switch (src_err) {
    case WSS_SRC_NOT_FOUND:
    case WSS_SRC_STALE:
        return 404;
    case WSS_SRC_UNAVAILABLE:
        return 503;
    default:
        return 500;
    }
}
