/* SPDX-License-Identifier: Apache-2.0 */
/* socktable_count.c: prints what the sidecar's `socket` source counts for some ports, so the
 * integration tests and bench/socktable_cost.sh can compare it with the sockets they opened.
 * Does not: count anything itself; every number comes from source_socktable.
 * Threads: one. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source_socktable.h"
#include "wsscale/log.h"

#define MAX_REPEAT 100000

static void usage(void)
{
    fprintf(stderr,
            "usage: socktable_count [--method auto|sock_diag|proc] [--proc-dir DIR]\n"
            "                       [--repeat N] [--time] PORT...\n"
            "Prints \"COUNT METHOD\" for the last of N samples; --time appends the median, min\n"
            "and max time of one sample in microseconds. Exit 1 when a sample is not OK.\n");
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a;
    long long y = *(const long long *)b;
    return (x > y) - (x < y);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"method", required_argument, NULL, 'm'}, {"proc-dir", required_argument, NULL, 'd'},
        {"repeat", required_argument, NULL, 'r'}, {"time", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct source_socktable_opts opts = {.method = SOURCE_SOCKTABLE_AUTO};
    long repeat = 1;
    int is_timed = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (source_socktable_method_parse(optarg, &opts.method) != 0) {
                fprintf(stderr, "socktable_count: unknown method %s\n", optarg);
                return 2;
            }
            break;
        case 'd':
            opts.proc_net_dir = optarg;
            break;
        case 'r':
            if (parse_long(optarg, 1, MAX_REPEAT, &repeat) != 0) {
                fprintf(stderr, "socktable_count: --repeat wants 1..%d\n", MAX_REPEAT);
                return 2;
            }
            break;
        case 't':
            is_timed = 1;
            break;
        case 'h':
            usage();
            return 0;
        default:
            usage();
            return 2;
        }
    }
    size_t nports = (size_t)(argc - optind);
    uint16_t *ports = calloc(nports > 0 ? nports : 1, sizeof(*ports));
    long long *times = calloc((size_t)repeat, sizeof(*times));
    if (ports == NULL || times == NULL) {
        fprintf(stderr, "socktable_count: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < nports; i++) {
        long v;
        if (parse_long(argv[optind + (int)i], 1, 65535, &v) != 0) {
            fprintf(stderr, "socktable_count: bad port %s\n", argv[optind + (int)i]);
            return 2;
        }
        ports[i] = (uint16_t)v;
    }

    wss_log_configure(WSS_LOG_WARN, WSS_LOG_FORMAT_TEXT);
    char err[256];
    struct source src = source_socktable_new_opts(ports, nports, &opts, err, sizeof(err));
    if (src.ops == NULL) {
        fprintf(stderr, "socktable_count: %s\n", err);
        return 2;
    }
    struct source_sample s;
    int rc = 0;
    for (long i = 0; i < repeat; i++) {
        long long t0 = now_us();
        src.ops->sample(src.self, &s);
        times[i] = now_us() - t0;
        if (s.state != SOURCE_OK) {
            fprintf(stderr, "socktable_count: sample %ld: state %d: %s\n", i, (int)s.state,
                    s.reason);
            rc = 1;
            break;
        }
    }
    if (rc == 0) {
        printf("%llu %s", (unsigned long long)s.active, source_socktable_method(&src));
        if (is_timed) {
            qsort(times, (size_t)repeat, sizeof(*times), cmp_ll);
            printf(" %lld %lld %lld", times[repeat / 2], times[0], times[repeat - 1]);
        }
        printf("\n");
    }
    source_destroy(&src);
    free(ports);
    free(times);
    return rc;
}
