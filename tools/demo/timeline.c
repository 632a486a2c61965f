/* SPDX-License-Identifier: Apache-2.0 */
/* timeline.c: the CSV writer, the gnuplot script and its run, the summary file.
 * Does not: print to the terminal; gnuplot's own messages go to dir/gnuplot.log.
 * Threads: one owner thread. */
#include "timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "proc.h"

/* Longest path built under dir. */
#define PATH_LEN 1024

struct timeline {
    char dir[PATH_LEN];
    FILE *csv; /* NULL once closed */
};

static const char header[] = "t_s,connections_total,clients_wanted,target_per_pod,replicas,"
                             "desired,ready,per_pod_avg,per_pod_min,per_pod_max,pods\n";

struct timeline *timeline_open(const char *dir)
{
    struct timeline *tl = calloc(1, sizeof(*tl));
    if (tl == NULL)
        return NULL;
    snprintf(tl->dir, sizeof(tl->dir), "%s", dir);
    char path[PATH_LEN + 32];
    snprintf(path, sizeof(path), "%s/scaling.csv", dir);
    tl->csv = fopen(path, "w");
    if (tl->csv == NULL || fputs(header, tl->csv) < 0) {
        int e = errno;
        if (tl->csv != NULL)
            fclose(tl->csv);
        free(tl);
        errno = e;
        return NULL;
    }
    return tl;
}

int timeline_add(struct timeline *tl, const struct timeline_row *r)
{
    if (tl->csv == NULL)
        return -1;
    int n = fprintf(tl->csv, "%.3f,%lld,%lld,%lld,%d,%d,%d,%.1f,%.0f,%.0f,\"%s\"\n", r->t_s,
                    (long long)r->total, (long long)r->wanted, (long long)r->target,
                    (int)r->replicas, (int)r->desired, (int)r->ready, r->per_pod_avg,
                    r->per_pod_min, r->per_pod_max, r->pods);
    return n < 0 || fflush(tl->csv) != 0 ? -1 : 0;
}

/* Connections per pod (avg, min..max band) and the target on the left axis, replicas on the
 * right; columns by the CSV header's order. */
#define PLOT_SCRIPT                                                                                \
    "set datafile separator ','\n"                                                                 \
    "set key autotitle columnhead outside bottom center horizontal\n"                              \
    "set terminal png size 1200,600\n"                                                             \
    "set output '%s/scaling.png'\n"                                                                \
    "set title 'wsscale-demo: WebSocket connections per pod and replicas'\n"                       \
    "set xlabel 'time (s)'\n"                                                                      \
    "set ylabel 'connections per pod'\n"                                                           \
    "set y2label 'replicas'\n"                                                                     \
    "set ytics nomirror\n"                                                                         \
    "set y2tics\n"                                                                                 \
    "set yrange [0:*]\n"                                                                           \
    "set y2range [0:*]\n"                                                                          \
    "set grid\n"                                                                                   \
    "set style fill transparent solid 0.5 noborder\n"                                              \
    "plot '%s/scaling.csv' using 1:9:10 with filledcurves lc rgb '#cfe2f3' title 'per pod "        \
    "min..max', \\\n"                                                                              \
    "  '' using 1:4 with lines lw 2 dt 2 lc rgb '#d62728' title 'target', \\\n"                    \
    "  '' using 1:8 with lines lw 2 lc rgb '#1f77b4' title 'per pod (avg)', \\\n"                  \
    "  '' using 1:5 axes x1y2 with steps lw 2 lc rgb '#2ca02c' title 'replicas', \\\n"             \
    "  '' using 1:6 axes x1y2 with steps lw 1 dt 3 lc rgb '#9467bd' title 'desired (HPA)'\n"

int timeline_plot(struct timeline *tl, const char *gnuplot_bin, int64_t timeout_ms, char *err,
                  size_t errlen)
{
    if (tl->csv != NULL) {
        fclose(tl->csv);
        tl->csv = NULL;
    }
    char path[PATH_LEN + 32], log[PATH_LEN + 32];
    snprintf(path, sizeof(path), "%s/scaling.gp", tl->dir);
    snprintf(log, sizeof(log), "%s/gnuplot.log", tl->dir);
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int n = fprintf(f, PLOT_SCRIPT, tl->dir, tl->dir);
    if (fclose(f) != 0 || n < 0) {
        snprintf(err, errlen, "%s: write failed", path);
        return -1;
    }
    char *argv[] = {(char *)gnuplot_bin, path, NULL};
    pid_t pid = proc_spawn(argv, NULL, log, NULL);
    if (pid < 0) {
        snprintf(err, errlen, "%s: %s", gnuplot_bin, strerror(-pid));
        return -1;
    }
    int status = 0;
    if (proc_wait(pid, timeout_ms, &status) == 0) {
        proc_stop(pid, 0);
        snprintf(err, errlen, "gnuplot took longer than %lld ms", (long long)timeout_ms);
        return -1;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "gnuplot failed (see %s); is gnuplot-nox installed?", log);
        return -1;
    }
    return 0;
}

int timeline_write_summary(const struct timeline *tl, const char *text)
{
    char path[PATH_LEN + 32];
    snprintf(path, sizeof(path), "%s/summary.txt", tl->dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    int n = fputs(text, f);
    return fclose(f) != 0 || n < 0 ? -1 : 0;
}

void timeline_close(struct timeline *tl)
{
    if (tl == NULL)
        return;
    if (tl->csv != NULL)
        fclose(tl->csv);
    free(tl);
}
