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

/* Reaps pid if it has exited: 1 with *status (waitpid's), 0 while it runs, -errno. */
int proc_reap(pid_t pid, int *status);

/* Waits up to timeout_ms for pid to exit, polling every few ms: 1 with *status, 0 on timeout. */
int proc_wait(pid_t pid, int64_t timeout_ms, int *status);

/* SIGTERM, then proc_wait(timeout_ms), then SIGKILL and reap; returns proc_wait's status (or -1
 * when killed). Cannot fail beyond that. */
int proc_stop(pid_t pid, int64_t timeout_ms);

#endif
