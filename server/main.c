/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: wsscale-server's flags and logging, then the assembled server (server.c) runs until a
 * signal has drained it.
 * Does not: serve, pace or parse anything itself.
 * Threads: the main thread; it becomes the control loop inside server_run(). */
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rooms.h"
#include "server.h"
#include "wsscale/flags_main.h"
#include "wsscale/hostport_resolve.h"
#include "wsscale/log.h"
#include "wsscale/stop_signals.h"

#define HANDSHAKE_TIMEOUT_MS 10000 /* to send a whole request head */
#define CLOSE_TIMEOUT_MS     3000  /* from our Close or last response to the socket's end */

static struct {
    struct wss_hostport listen;
    int64_t threads, max_message, max_send, drain_seconds, idle_ms, drain_delay_ms;
    const char *shm;
    const char *redis, *redis_prefix;
    int64_t redis_reconnect_max_ms;
    struct wss_log_flags log;
} o;

static const struct wss_flag flag_table[] = {
    WSS_FLAG_HOSTPORT("listen", &o.listen, "0.0.0.0:8080",
                      "Address to serve on; [::]:PORT takes IPv6 and IPv4."),
    WSS_FLAG_INT("threads", &o.threads, "0", 0, ROOMS_MAX_THREADS,
                 "Event-loop threads, each with its own SO_REUSEPORT listener; 0 = one per core."),
    WSS_FLAG_STRING("shm", &o.shm, "/wsscale",
                    "Shared-memory counter for the sidecar: a shm name or a file path; empty "
                    "disables it."),
    WSS_FLAG_INT("max-message-bytes", &o.max_message, "1048576", 1, INT64_C(1) << 30,
                 "Largest message accepted; a larger one closes the connection with 1009."),
    WSS_FLAG_INT("max-send-buffer-bytes", &o.max_send, "4194304", 1024, INT64_C(1) << 32,
                 "Unsent bytes per connection before an echo client stops being read and a room "
                 "member is closed with 1008."),
    WSS_FLAG_DURATION("idle-timeout", &o.idle_ms, "30s",
                      "Silence before the server pings, and again before it drops the "
                      "connection; 0 disables."),
    WSS_FLAG_DURATION("drain-delay", &o.drain_delay_ms, "5s",
                      "After SIGTERM, keep accepting this long (readiness already fails) while "
                      "endpoints update."),
    WSS_FLAG_INT("drain-seconds", &o.drain_seconds, "10", 0, 86400,
                 "Then close connections with 1001 spread evenly over this many seconds. SIGINT: "
                 "no delay and at most 1 s."),
    WSS_FLAG_STRING("redis", &o.redis, "",
                    "host:port of a Redis server that shares room messages with the other "
                    "servers using it (pub/sub); empty keeps rooms within this process."),
    WSS_FLAG_STRING("redis-prefix", &o.redis_prefix, "wsscale:",
                    "Prefix of the Redis channels: rooms are on <prefix>room:<name>; servers "
                    "with different prefixes do not share rooms."),
    WSS_FLAG_DURATION("redis-reconnect-max", &o.redis_reconnect_max_ms, "5s",
                      "Longest wait between attempts to reconnect to Redis (the wait starts at "
                      "100ms and doubles, with jitter).",
                      .min = REDIS_BUS_BACKOFF_FIRST_MS, .max = 3600000),
    WSS_LOG_FLAGS(&o.log, "info"),
};

static const struct wss_flags flags = {
    "wsscale-server",
    "The reference WebSocket server: /ws echo, /ws/rooms/{room} broadcast, / chat page, "
    "/healthz, /readyz, /metrics.",
    flag_table, sizeof(flag_table) / sizeof(flag_table[0])};

int main(int argc, char **argv)
{
    /* Before any thread starts: only the drain's signalfd sees them. */
    if (wss_stop_signals_block() != 0)
        return 1;
    int rc = wss_flags_main_parse(&flags, argc, argv);
    if (rc != WSS_FLAGS_MAIN_CONTINUE)
        goto out;
    wss_log_flags_apply(&o.log);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    struct server_config cfg = {
        .threads = o.threads ? (unsigned)o.threads
                             : (unsigned)(cores < 1                   ? 1
                                          : cores > ROOMS_MAX_THREADS ? ROOMS_MAX_THREADS
                                                                      : cores),
        .shm = o.shm,
        .limits = {(uint64_t)o.max_message, (uint64_t)o.max_send, (uint64_t)o.idle_ms,
                   HANDSHAKE_TIMEOUT_MS, CLOSE_TIMEOUT_MS},
        .drain = {(uint64_t)o.drain_delay_ms, (uint64_t)o.drain_seconds * 1000},
    };
    char err[SERVER_ERR_LEN];
    if (o.redis[0] != '\0') {
        cfg.has_redis = true;
        cfg.redis.reconnect_max_ms = (uint64_t)o.redis_reconnect_max_ms;
        if (redis_bus_resolve(o.redis, o.redis_prefix, &cfg.redis, err, sizeof(err)) != 0) {
            fprintf(stderr, "wsscale-server: --redis %s: %s\n", o.redis, err);
            rc = 2;
            goto out;
        }
    }
    if (wss_hostport_resolve(&o.listen, AF_INET, &cfg.addr, &cfg.addr_len) != 0) {
        fprintf(stderr, "wsscale-server: cannot resolve --listen %.*s\n", (int)o.listen.host_len,
                o.listen.host);
        rc = 2;
        goto out;
    }
    struct server *s = server_new(&cfg, err, sizeof(err));
    if (!s) {
        WSS_ERROR("cannot start", WSS_KV_STR("error", err));
        rc = 1;
        goto out;
    }
    rc = server_run(s) == 0 ? 0 : 1;
    server_free(s);
    if (rc == 0)
        WSS_INFO("drained; exiting");
out:
    wss_flags_free(&flags);
    return rc;
}
