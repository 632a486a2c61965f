/* SPDX-License-Identifier: Apache-2.0 */
/* main.c: wsscale-load's flags, the run's configuration and file budget, the run itself and the
 * summary on stdout; exit 0, 1 when the run had more errors than --max-errors or lost a process,
 * 2 on bad flags.
 * Does not: connect, pace, count or format anything itself.
 * Threads: the main thread; runner_run starts and joins the workers, in this process or (with
 * --processes) in children load_procs_run forks, which return here only to exit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "load_procs.h"
#include "load_summary.h"
#include "load_targets.h"
#include "runner.h"
#include "wsscale/flags_main.h"
#include "wsscale/log.h"

/* Descriptors besides the connections: stdio, and an epoll fd and an eventfd per worker. */
#define FD_OVERHEAD_BASE       16
#define FD_OVERHEAD_PER_THREAD 2
#define MAX_THREADS            64
/* Largest incoming message accepted before it counts as a protocol error (1009). */
#define MAX_MESSAGE_BYTES (16u << 20)
#define MODE_NAMES        "echo", "hold", "room"

static struct {
    struct wss_flag_list urls, sources;
    int64_t connections, rate, duration_ms, interval_ms, payload, in_flight, threads;
    int64_t backoff_ms, backoff_max_ms, connect_timeout_ms, close_timeout_ms, progress_ms;
    int64_t max_errors, processes;
    int mode;
    struct wss_log_flags log;
    bool is_reconnect, is_json;
    const char *origin, *protocol;
} o = {.progress_ms = -1};

static const char *const mode_names[] = {MODE_NAMES, NULL};

static const struct wss_flag flag_table[] = {
    WSS_FLAG_LIST("url", &o.urls, "ws://127.0.0.1:8080/ws",
                  "ws:// URL to load; repeat (or separate with commas) for several, used "
                  "round-robin by connection. wss:// is not supported."),
    WSS_FLAG_INT("connections", &o.connections, "100", 1, 1000000,
                 "Connections to keep open, over every process. One process may open at most its "
                 "file limit (20000 here): for more, run several processes with --processes."),
    WSS_FLAG_INT("rate", &o.rate, "1000", 0, 10000000,
                 "New connections per second while opening; 0 opens them as fast as possible."),
    WSS_FLAG_DURATION("duration", &o.duration_ms, "10s",
                      "Run this long, then close every connection with 1000; 0 runs until SIGINT "
                      "or SIGTERM (a second signal stops at once) or until every connection has "
                      "ended."),
    WSS_FLAG_ENUM("mode", &o.mode, "echo", mode_names,
                  "echo: send stamped messages and time their echoes (/ws). hold: connect and stay "
                  "idle. room: send into the room of the URL (/ws/rooms/NAME) and time the "
                  "deliveries."),
    WSS_FLAG_DURATION("message-interval", &o.interval_ms, "1s",
                      "Each connection sends a message this often (echo, room); 0 sends none."),
    WSS_FLAG_INT("payload-bytes", &o.payload, "32", 16, 1 << 24,
                 "Message size; the first 16 bytes carry the send time."),
    WSS_FLAG_INT("in-flight", &o.in_flight, "0", 0, 1024,
                 "Echo benchmark: keep this many messages outstanding per connection, sending the "
                 "next as soon as an echo arrives (ignores --message-interval); 0 = timed."),
    WSS_FLAG_INT("threads", &o.threads, "1", 1, MAX_THREADS,
                 "Worker threads per process, each with its own epoll loop and share of the "
                 "connections."),
    WSS_FLAG_INT("processes", &o.processes, "1", 1, LOAD_PROCS_MAX,
                 "Processes to spread the run over, each under its own file limit: each gets an "
                 "even share of --connections and --rate and every --url and --source-addrs "
                 "address (connection i still uses URL and address i mod their number). This "
                 "process only gathers their progress and results into one summary; a process "
                 "that dies stops the run and fails it."),
    WSS_FLAG_LIST("source-addrs", &o.sources, NULL,
                  "Local addresses to bind before connecting, used round-robin: 127.0.0.2,"
                  "127.0.0.3 or a range 127.0.0.2-127.0.0.20. Each address reaches one server "
                  "port about 28000 times."),
    WSS_FLAG_BOOL("reconnect", &o.is_reconnect, "false",
                  "After any close or failure, reconnect after a full-jitter backoff: a random "
                  "wait up to --reconnect-backoff, doubling per failed attempt up to "
                  "--reconnect-backoff-max."),
    WSS_FLAG_DURATION("reconnect-backoff", &o.backoff_ms, "100ms",
                      "Ceiling of the first reconnect wait."),
    WSS_FLAG_DURATION("reconnect-backoff-max", &o.backoff_max_ms, "10s",
                      "Largest reconnect wait ceiling."),
    WSS_FLAG_DURATION("connect-timeout", &o.connect_timeout_ms, "10s",
                      "From connect() to the 101 answer; longer counts as a timeout error."),
    WSS_FLAG_DURATION("close-timeout", &o.close_timeout_ms, "5s",
                      "At the end, how long to wait for the server's Close answers; closing tens "
                      "of thousands of connections at once on a busy machine takes seconds."),
    WSS_FLAG_STRING("origin", &o.origin, "", "Origin header to send; empty sends none."),
    WSS_FLAG_STRING("protocol", &o.protocol, "",
                    "Sec-WebSocket-Protocol to offer (comma-separated); empty offers none."),
    WSS_FLAG_BOOL("json", &o.is_json, "false",
                  "Print the summary as one JSON object: connect_ms, rtt_ms (echo) or delivery_ms "
                  "(room) with p50/p90/p99/max, messages, close_codes (code -> count and "
                  "first_s..last_s), errors by kind, processes and processes_lost, ok."),
    WSS_FLAG_DURATION("progress", &o.progress_ms, NULL,
                      "Progress on stderr this often; default 1s when stderr is a terminal, "
                      "else none. 0 disables."),
    WSS_FLAG_INT("max-errors", &o.max_errors, "0", 0, INT64_MAX,
                 "Exit 1 when the run counts more errors than this (connect refused or failed, "
                 "timeouts, handshake failed, protocol error, abrupt close, close code other than "
                 "1000/1001, bad echo)."),
    WSS_LOG_FLAGS(&o.log, "warn"),
};

static const struct wss_flags flags = {
    "wsscale-load",
    "A WebSocket load generator: opens --connections to --url at --rate, sends and times "
    "messages, validates every frame, and prints a summary (text, or --json). Exit status: 0, "
    "1 when errors exceed --max-errors, 2 for bad flags.",
    flag_table, sizeof(flag_table) / sizeof(flag_table[0])};

/* Raises the soft file limit to the hard one; 0 if the connections fit under it, else -1. */
static int fit_file_limit(uint64_t need, uint64_t *limit)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    *limit = rl.rlim_cur;
    return rl.rlim_cur == RLIM_INFINITY || need <= rl.rlim_cur ? 0 : -1;
}

static int usage_error(const char *msg)
{
    fprintf(stderr, "wsscale-load: %s\n", msg);
    return 2;
}

int main(int argc, char **argv)
{
    struct load_target *targets = NULL;
    struct sockaddr_storage *sources = NULL;
    struct load_procs_result res = {0};
    char err[LOAD_TARGETS_ERR_LEN];
    size_t nsources = 0;
    uint64_t fd_limit = 0;

    if (runner_block_signals() != 0)
        return 1;
    signal(SIGPIPE, SIG_IGN);
    int rc = wss_flags_main_parse(&flags, argc, argv);
    if (rc != WSS_FLAGS_MAIN_CONTINUE)
        goto out;
    wss_log_flags_apply(&o.log);
    rc = 2;
    if (o.in_flight > 0 && o.mode != LOAD_MODE_ECHO) {
        usage_error("invalid value for --in-flight: it needs --mode echo");
        goto out;
    }
    targets = load_targets_build(o.urls.items, o.urls.n, o.origin, o.protocol, err, sizeof(err));
    if (targets == NULL || load_targets_sources(o.sources.items, o.sources.n, targets, o.urls.n,
                                                &sources, &nsources, err, sizeof(err)) != 0) {
        usage_error(err);
        goto out;
    }
    unsigned nprocs = (unsigned)o.processes;
    uint64_t connections = (uint64_t)o.connections;
    if (load_procs_check(connections, (uint64_t)o.rate, nprocs, err, sizeof(err)) != 0) {
        usage_error(err);
        goto out;
    }
    /* Each process holds its own share: the first one the largest. */
    uint64_t need = load_procs_share(connections, nprocs, 0) + FD_OVERHEAD_BASE +
                    FD_OVERHEAD_PER_THREAD * (uint64_t)o.threads;
    if (fit_file_limit(need, &fd_limit) != 0) {
        snprintf(err, sizeof(err),
                 "invalid value \"%lld\" for --connections: over %u process%s that is about %llu "
                 "open files per process but one may have %llu; run several processes with "
                 "--processes",
                 (long long)o.connections, nprocs, nprocs == 1 ? "" : "es",
                 (unsigned long long)need, (unsigned long long)fd_limit);
        usage_error(err);
        goto out;
    }

    const struct load_config cfg = {
        .targets = targets,
        .ntargets = o.urls.n,
        .sources = sources,
        .nsources = nsources,
        .mode = (enum load_mode)o.mode,
        .connections = (uint64_t)o.connections,
        .rate_per_s = (uint64_t)o.rate,
        .message_interval_ms = (uint64_t)o.interval_ms,
        .payload_bytes = (size_t)o.payload,
        .in_flight = (unsigned)o.in_flight,
        .is_reconnect = o.is_reconnect,
        .backoff_ms = (uint64_t)o.backoff_ms,
        .backoff_max_ms = (uint64_t)o.backoff_max_ms,
        .connect_timeout_ms = (uint64_t)o.connect_timeout_ms,
        .close_timeout_ms = (uint64_t)o.close_timeout_ms,
        .max_message_bytes = MAX_MESSAGE_BYTES,
    };
    bool is_tty = isatty(STDERR_FILENO) == 1;
    const struct runner_options ropt = {
        .threads = (unsigned)o.threads,
        .duration_ms = (uint64_t)o.duration_ms,
        .progress_ms = o.progress_ms >= 0 ? (uint64_t)o.progress_ms
                       : is_tty           ? 1000
                                          : 0,
        .is_progress_tty = is_tty,
        .progress_fd = STDERR_FILENO,
    };
    char rerr[LOAD_PROCS_ERR_LEN];
    if (load_procs_run(&cfg, &ropt, nprocs, &res, rerr, sizeof(rerr)) != 0) {
        WSS_ERROR("cannot run", WSS_KV_STR("error", rerr));
        rc = 1;
        goto out;
    }
    if (res.is_child) {
        rc = res.child_rc;
        goto out;
    }

    const struct load_summary_info info = {
        .mode = mode_names[o.mode],
        .connections = (uint64_t)o.connections,
        .nurls = o.urls.n,
        .measured_ms = res.run.measured_ms,
        .elapsed_ms = res.run.elapsed_ms,
        .open_at_stop = res.run.open_at_stop,
        .max_errors = (uint64_t)o.max_errors,
        .processes = nprocs,
        .processes_lost = res.lost,
    };
    struct wss_strbuf out = {0};
    int frc = o.is_json ? load_summary_json(res.run.stats, &info, &out)
                        : load_summary_text(res.run.stats, &info, &out);
    if (frc != 0 || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0)
        rc = 1;
    else
        rc = load_summary_is_failed(res.run.stats, &info) ? 1 : 0;
    wss_strbuf_free(&out);
out:
    free(res.run.stats);
    free(sources);
    free(targets);
    wss_flags_free(&flags);
    return rc;
}
