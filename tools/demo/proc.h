/* SPDX-License-Identifier: Apache-2.0 */
/* proc.h: the demo's child processes: start one with its output in a log file, signal it, reap it
 * without blocking, and wait for it with a deadline.
 * Does not: know what the child is (pods.c and main.c decide), or retry anything.
 * Threads: main's thread only (fork from one thread; no other thread waits for children). */
#ifndef DEMO_PROC_H
#define DEMO_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Starts argv[0] (a path) with argv and, added to this process's environment, env ("K=V", NULL-
 * terminated, may be NULL), stdout and stderr appended to log_path (stdout to out_path instead
 * when not NULL). The child gets SIGKILL if the demo dies. Returns the pid, or -errno. */
pid_t proc_spawn(char *const argv[], char *const env[], const char *log_path, const char *out_path);

/* proc_spawn, with the child joining the network namespace netns_fd (when >= 0) before exec, as a
 * container joins its pod's sandbox. A child that cannot join writes why to its log and exits 126.
 */
pid_t proc_spawn_in(char *const argv[], char *const env[], const char *log_path,
                    const char *out_path, int netns_fd);

/* Reaps pid if it has exited: 1 with *status (waitpid's), 0 while it runs, -errno. */
int proc_reap(pid_t pid, int *status);

/* Waits up to timeout_ms for pid to exit, polling every few ms: 1 with *status, 0 on timeout. */
int proc_wait(pid_t pid, int64_t timeout_ms, int *status);

/* What proc_wait_ready saw first. */
enum proc_ready {
    PROC_READY = 0,     /* ready(arg) said yes */
    PROC_EXITED = 1,    /* pid exited first (it is reaped) */
    PROC_TIMED_OUT = 2, /* timeout_ms passed; pid still runs */
};

/* Asks ready(arg) every 50 ms until it is true, pid exits, or timeout_ms passes: a child that
 * has been started and must answer (a /healthz, a /-/ready) before the demo goes on. */
enum proc_ready proc_wait_ready(pid_t pid, bool (*ready)(void *arg), void *arg, int64_t timeout_ms);

/* SIGTERM, then proc_wait(timeout_ms), then SIGKILL and reap; returns proc_wait's status (or -1
 * when killed). Cannot fail beyond that. */
int proc_stop(pid_t pid, int64_t timeout_ms);

#endif
