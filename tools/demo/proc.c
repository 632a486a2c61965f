/* SPDX-License-Identifier: Apache-2.0 */
/* proc.c: fork/exec with log files, PR_SET_PDEATHSIG so nothing outlives the demo, a network
 * namespace to join, bounded waits.
 * Does not: print (the child's output goes to its files) or block without a deadline.
 * Threads: main's thread only. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wsscale/clock.h"

/* How often proc_wait looks again. */
#define WAIT_POLL_NS (5 * 1000 * 1000)
/* How often proc_wait_ready asks again (each ask is a request to the child). */
#define READY_POLL_NS (50 * 1000 * 1000)

/* Runs in the child between fork and exec: only async-signal-safe calls, then _exit. */
static void exec_child(char *const argv[], char *const envp[], int log_fd, int out_fd, int netns_fd,
                       pid_t parent)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO); /* dup2's copy is not close-on-exec; the original goes */
    dup2(out_fd >= 0 ? out_fd : log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) {
        static const char msg[] = "wsscale-demo: cannot join the pod's network namespace\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)w;
        _exit(126);
    }
    execve(argv[0], argv, envp);
    _exit(127);
}

pid_t proc_spawn(char *const argv[], char *const env[], const char *log_path, const char *out_path)
{
    return proc_spawn_in(argv, env, log_path, out_path, -1);
}

pid_t proc_spawn_in(char *const argv[], char *const env[], const char *log_path,
                    const char *out_path, int netns_fd)
{
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0)
        return -errno;
    int out_fd = -1;
    if (out_path != NULL) {
        out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out_fd < 0) {
            int e = errno;
            close(log_fd);
            return -e;
        }
    }
    /* The environment is built before fork: the front's thread may hold malloc's lock. */
    size_t n_own = 0, n_add = 0;
    while (environ[n_own] != NULL)
        n_own++;
    while (env != NULL && env[n_add] != NULL)
        n_add++;
    char **envp = calloc(n_own + n_add + 1, sizeof(*envp));
    if (envp == NULL) {
        close(log_fd);
        if (out_fd >= 0)
            close(out_fd);
        return -ENOMEM;
    }
    for (size_t i = 0; i < n_add; i++)
        envp[i] = env[i];
    for (size_t i = 0; i < n_own; i++)
        envp[n_add + i] = environ[i];
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
        exec_child(argv, envp, log_fd, out_fd, netns_fd, parent);
    int e = errno;
    free(envp);
    close(log_fd);
    if (out_fd >= 0)
        close(out_fd);
    return pid < 0 ? -e : pid;
}

int proc_reap(pid_t pid, int *status)
{
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r < 0)
        return -errno;
    return r == pid ? 1 : 0;
}

int proc_wait(pid_t pid, int64_t timeout_ms, int *status)
{
    int64_t deadline = wss_clock_mono_ms() + timeout_ms;
    for (;;) {
        int r = proc_reap(pid, status);
        if (r != 0)
            return r;
        if (wss_clock_mono_ms() >= deadline)
            return 0;
        struct timespec ts = {0, WAIT_POLL_NS};
        nanosleep(&ts, NULL);
    }
}

enum proc_ready proc_wait_ready(pid_t pid, bool (*ready)(void *arg), void *arg, int64_t timeout_ms)
{
    int64_t deadline = wss_clock_mono_ms() + timeout_ms;
    int status = 0;
    while (!ready(arg)) {
        if (proc_reap(pid, &status) != 0)
            return PROC_EXITED;
        if (wss_clock_mono_ms() >= deadline)
            return PROC_TIMED_OUT;
        struct timespec ts = {0, READY_POLL_NS};
        nanosleep(&ts, NULL);
    }
    return PROC_READY;
}

int proc_stop(pid_t pid, int64_t timeout_ms)
{
    int status = 0;
    if (pid <= 0)
        return -1;
    kill(pid, SIGTERM);
    if (proc_wait(pid, timeout_ms, &status) != 0)
        return status;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}
