/* SPDX-License-Identifier: Apache-2.0 */
/* test_counter.c: the shared-memory counter across processes and threads: sums, staleness,
 * restarts, missing and malformed objects, states, and the writer's argument checks.
 * Does not: sleep to synchronise: processes hand off over pipes, and waits poll a deadline.
 * Threads: the test thread, plus writer threads in threads_on_their_own_slots_sum_exactly. */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "wait.h"
#include "wsscale/counter.h"

/* A limit no test run comes near: reads that must be fresh use it. */
#define NS_PER_S       INT64_C(1000000000)
#define FRESH_LIMIT_NS (60 * NS_PER_S)
/* A limit small enough that a writer which stops heartbeating passes it quickly. */
#define SHORT_LIMIT_NS (20 * INT64_C(1000000))
/* Longest wait for a condition that should hold within milliseconds. */
#define WAIT_TIMEOUT_MS 5000
/* Per-thread work in the threaded test. */
#define THREAD_CONNS   20000
#define THREAD_WRITERS 4

/* Each test gets its own object name, removed in teardown. */
struct fixture {
    char name[64];
    char path[WSS_COUNTER_PATH_MAX_BYTES];
};

static int64_t realtime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int setup(void **state)
{
    static int seq;
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    snprintf(f->name, sizeof(f->name), "/wsscale-test-%ld-%d", (long)getpid(), ++seq);
    snprintf(f->path, sizeof(f->path), "%s%s", WSS_COUNTER_SHM_DIR, f->name);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    wss_counter_unlink(f->name);
    free(f);
    return 0;
}

/* ---- A writer in a child process, driven one step at a time over two pipes ---- */

enum child_cmd {
    CMD_HEARTBEAT = 'h',
    CMD_CLOSE = 'c', /* close the writer (state STOPPED) and exit */
};

struct child {
    pid_t pid;
    int cmd_fd;   /* parent writes commands */
    int reply_fd; /* parent reads one byte per completed step */
};

typedef void (*child_setup_cb)(struct wss_counter_writer *w);

static void write_byte(int fd, char c)
{
    if (write(fd, &c, 1) != 1)
        _exit(3);
}

/* Child side: opens the writer, runs setup, reports 'r', then obeys commands until CMD_CLOSE
 * or EOF (the parent died); a failed call exits non-zero, which the parent checks. */
static void child_main(const char *name, uint32_t slots, child_setup_cb setup_cb, int cmd_fd,
                       int reply_fd)
{
    struct wss_counter_writer w;
    if (wss_counter_writer_open(&w, name, slots, 8080) != 0)
        _exit(2);
    setup_cb(&w);
    write_byte(reply_fd, 'r');
    char c;
    while (read(cmd_fd, &c, 1) == 1) {
        if (c == CMD_HEARTBEAT && wss_counter_heartbeat(&w) != 0)
            _exit(4);
        if (c == CMD_CLOSE)
            break;
        write_byte(reply_fd, 'r');
    }
    _exit(wss_counter_writer_close(&w) == 0 ? 0 : 5);
}

static struct child start_child(const char *name, uint32_t slots, child_setup_cb setup_cb)
{
    int to_child[2], from_child[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(from_child), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(to_child[1]);
        close(from_child[0]);
        child_main(name, slots, setup_cb, to_child[0], from_child[1]);
    }
    close(to_child[0]);
    close(from_child[1]);
    struct child c = {.pid = pid, .cmd_fd = to_child[1], .reply_fd = from_child[0]};
    char r = 0;
    assert_int_equal(read(c.reply_fd, &r, 1), 1); /* EOF here means the child failed */
    assert_int_equal(r, 'r');
    return c;
}

static void child_step(struct child *c, char cmd)
{
    char r = 0;
    assert_int_equal(write(c->cmd_fd, &cmd, 1), 1);
    assert_int_equal(read(c->reply_fd, &r, 1), 1);
    assert_int_equal(r, 'r');
}

/* Tells the child to close its writer and exit, and checks it exited cleanly. */
static void child_finish(struct child *c)
{
    char cmd = CMD_CLOSE;
    int status = 0;
    assert_int_equal(write(c->cmd_fd, &cmd, 1), 1);
    assert_int_equal(waitpid(c->pid, &status, 0), c->pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(c->cmd_fd);
    close(c->reply_fd);
}

static void open_some_connections(struct wss_counter_writer *w)
{
    /* slot 0: 3 opened, 1 closed; slot 1: 5 opened; slot 2: idle; slot 3: 2 opened, 2 closed */
    static const uint32_t opens[] = {3, 5, 0, 2};
    static const uint32_t closes[] = {1, 0, 0, 2};
    for (uint32_t s = 0; s < 4; s++) {
        for (uint32_t i = 0; i < opens[s]; i++)
            if (wss_counter_conn_opened(w, s) != 0)
                _exit(6);
        for (uint32_t i = 0; i < closes[s]; i++)
            if (wss_counter_conn_closed(w, s) != 0)
                _exit(6);
    }
    if (wss_counter_set_state(w, WSS_COUNTER_STATE_SERVING) != 0)
        _exit(6);
}

static void do_nothing(struct wss_counter_writer *w)
{
    (void)w;
}

/* ---- Tests ---- */

static void counts_from_a_writer_process_are_summed_across_slots(void **state)
{
    struct fixture *f = *state;
    int64_t before_ns = realtime_ns();
    struct child c = start_child(f->name, 4, open_some_connections);
    int64_t after_ns = realtime_ns();

    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 7);
    assert_int_equal(snap.opened_total, 10);
    assert_int_equal(snap.closed_total, 3);
    assert_int_equal(snap.state, WSS_COUNTER_STATE_SERVING);
    assert_false(snap.is_draining);
    assert_int_equal(snap.slot_count, 4);
    assert_int_equal(snap.writer_pid, (uint32_t)c.pid);
    assert_int_equal(snap.listen_port, 8080);
    assert_true(snap.instance_id != 0);
    assert_true((int64_t)snap.start_realtime_ns >= before_ns);
    assert_true((int64_t)snap.start_realtime_ns <= after_ns);

    /* A clean exit leaves the object in state STOPPED with its last counts. */
    child_finish(&c);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_STOPPED);
    assert_int_equal(snap.state, WSS_COUNTER_STATE_STOPPED);
    assert_int_equal(snap.active, 7);
    wss_counter_reader_close(&r);
}

static void missing_object_reads_missing_until_created(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_MISSING);

    struct wss_counter_writer w;
    assert_int_equal(wss_counter_writer_open(&w, f->name, 1, 0), 0);
    /* The first object a reader sees is not a restart. */
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.state, WSS_COUNTER_STATE_STARTING);
    assert_int_equal(snap.active, 0);

    assert_int_equal(wss_counter_unlink(f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_MISSING);
    assert_int_equal(wss_counter_unlink(f->name), -ENOENT);
    wss_counter_writer_close(&w);
    wss_counter_reader_close(&r);
}

static void heartbeat_older_than_the_limit_reads_stale(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    const int64_t limit_ns = 3 * NS_PER_S;
    assert_int_equal(wss_counter_writer_open(&w, f->name, 1, 0), 0);
    assert_int_equal(wss_counter_heartbeat(&w), 0);
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read_at(&r, 0, limit_ns, &snap), WSS_COUNTER_OK);
    int64_t beat = (int64_t)snap.heartbeat_mono_ns;
    assert_true(beat > 0);

    assert_int_equal(wss_counter_read_at(&r, beat + limit_ns, limit_ns, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.heartbeat_age_ns, limit_ns);
    assert_int_equal(wss_counter_read_at(&r, beat + limit_ns + 1, limit_ns, &snap),
                     WSS_COUNTER_STALE);
    assert_int_equal(snap.heartbeat_age_ns, limit_ns + 1);
    /* Stale data is still handed over, so the caller can show what it was. */
    assert_int_equal(snap.slot_count, 1);
    /* A heartbeat ahead of the reader's clock is age 0, not negative. */
    assert_int_equal(wss_counter_read_at(&r, beat - 5, limit_ns, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.heartbeat_age_ns, 0);
    assert_int_equal(wss_counter_read_at(&r, beat, 0, &snap), -EINVAL);

    wss_counter_writer_close(&w);
    wss_counter_reader_close(&r);
}

struct stale_probe {
    struct wss_counter_reader *r;
    int last;
};

static bool reads_stale(void *arg)
{
    struct stale_probe *p = arg;
    struct wss_counter_snapshot snap = {0};
    p->last = wss_counter_read(p->r, SHORT_LIMIT_NS, &snap);
    return p->last == WSS_COUNTER_STALE;
}

static void writer_that_stops_heartbeating_goes_stale_and_recovers(void **state)
{
    struct fixture *f = *state;
    struct child c = start_child(f->name, 2, do_nothing);
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    uint64_t first_beat = snap.heartbeat_mono_ns;

    struct stale_probe probe = {.r = &r};
    assert_true(wss_wait_until(reads_stale, &probe, WAIT_TIMEOUT_MS));

    child_step(&c, CMD_HEARTBEAT);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_true(snap.heartbeat_mono_ns > first_beat);
    child_finish(&c);
    wss_counter_reader_close(&r);
}

static void new_instance_reads_restarted_once_then_ok(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer old_w, new_w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_writer_open(&old_w, f->name, 2, 0), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(wss_counter_conn_opened(&old_w, 1), 0);
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 3);
    uint64_t old_id = snap.instance_id;

    assert_int_equal(wss_counter_writer_open(&new_w, f->name, 3, 0), 0);
    /* The old process may still run for a while; its writes go to the unlinked old object. */
    assert_int_equal(wss_counter_conn_opened(&old_w, 0), 0);
    assert_int_equal(wss_counter_conn_opened(&new_w, 2), 0);

    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_RESTARTED);
    assert_true(snap.instance_id != old_id);
    assert_int_equal(snap.active, 1);
    assert_int_equal(snap.slot_count, 3);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 1);

    wss_counter_writer_close(&old_w);
    wss_counter_writer_close(&new_w);
    wss_counter_reader_close(&r);
}

/* Reads the whole object at path into buf; returns its length. */
static size_t slurp(const char *path, unsigned char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, cap);
    assert_true(n > 0);
    close(fd);
    return (size_t)n;
}

/* Puts bytes at path the way a writer must: a temporary renamed into place. */
static void install(const char *path, const void *bytes, size_t len)
{
    char tmp[WSS_COUNTER_PATH_MAX_BYTES + 8];
    snprintf(tmp, sizeof(tmp), "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, len), (ssize_t)len);
    close(fd);
    assert_int_equal(rename(tmp, path), 0);
}

static void replaced_file_with_the_same_instance_reads_restarted(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    unsigned char bytes[1024];
    assert_int_equal(wss_counter_writer_open(&w, f->name, 1, 0), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0);
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);

    /* Same bytes, same instance id, new inode: the reader must follow the new file. */
    size_t len = slurp(f->path, bytes, sizeof(bytes));
    install(f->path, bytes, len);
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0); /* goes to the old, unlinked inode */
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_RESTARTED);
    assert_int_equal(snap.active, 1);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    wss_counter_writer_close(&w);
    wss_counter_reader_close(&r);
}

/* Against the contract, another writer resizes the object in place (same inode): the reader
 * remaps, so a shrunk object reads BAD_LAYOUT instead of faulting past its end, and one grown
 * back reads OK again. */
static void object_resized_in_place_is_remapped(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_writer_open(&w, f->name, 100, 0), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0);
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(truncate(f->path, 128), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_BAD_LAYOUT);
    assert_int_equal(truncate(f->path, st.st_size), 0); /* the slots come back zeroed */
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 0);
    wss_counter_writer_close(&w);
    wss_counter_reader_close(&r);
}

static void bad_magic_version_sizes_or_state_read_bad_layout(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    unsigned char good[WSS_COUNTER_HEADER_SIZE_BYTES + 2 * WSS_COUNTER_SLOT_SIZE_BYTES];
    assert_int_equal(wss_counter_writer_open(&w, f->name, 2, 0), 0);
    assert_int_equal(wss_counter_heartbeat(&w), 0);
    assert_int_equal(slurp(f->path, good, sizeof(good)), sizeof(good));

    /* Up to two u32 fields overwritten, and the object cut to len bytes. */
    struct patch {
        const char *what;
        size_t n_fields;
        struct {
            size_t offset;
            uint32_t value;
        } fields[2];
        size_t len;
    };
    const size_t hdr_off = offsetof(struct wss_counter_header, header_size);
    const size_t slot_off = offsetof(struct wss_counter_header, slot_size);
    const size_t count_off = offsetof(struct wss_counter_header, slot_count);
    const struct patch patches[] = {
        {"unchanged (control)", 0, {{0, 0}}, sizeof(good)},
        {"one slot (control)", 1, {{count_off, 1}}, sizeof(good)},
        {"wrong magic", 1, {{0, 0x57535343}}, sizeof(good)},
        {"version 2", 1, {{offsetof(struct wss_counter_header, version), 2}}, sizeof(good)},
        {"header too small", 1, {{hdr_off, 64}}, sizeof(good)},
        {"header not line-aligned", 2, {{hdr_off, 136}, {count_off, 1}}, sizeof(good)},
        {"slot too small", 1, {{slot_off, 32}}, sizeof(good)},
        {"slot not line-aligned", 2, {{slot_off, 96}, {count_off, 1}}, sizeof(good)},
        {"no slots", 1, {{count_off, 0}}, sizeof(good)},
        {"more slots than bytes", 1, {{count_off, 3}}, sizeof(good)},
        {"too many slots", 1, {{count_off, WSS_COUNTER_MAX_SLOTS + 1}}, sizeof(good)},
        {"unknown state", 1, {{offsetof(struct wss_counter_header, state), 9}}, sizeof(good)},
        {"shorter than a header", 0, {{0, 0}}, WSS_COUNTER_HEADER_SIZE_BYTES - 1},
        {"slots cut off", 0, {{0, 0}}, sizeof(good) - 8},
    };
    for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
        const struct patch *p = &patches[i];
        unsigned char bytes[sizeof(good)];
        memcpy(bytes, good, sizeof(good));
        for (size_t k = 0; k < p->n_fields; k++)
            memcpy(bytes + p->fields[k].offset, &p->fields[k].value, sizeof(uint32_t));
        install(f->path, bytes, p->len);

        /* A fresh reader each time, so no case depends on the one before. */
        struct wss_counter_reader r;
        struct wss_counter_snapshot snap = {0};
        assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
        int want = strstr(p->what, "(control)") != NULL ? WSS_COUNTER_OK : WSS_COUNTER_BAD_LAYOUT;
        int got = wss_counter_read(&r, FRESH_LIMIT_NS, &snap);
        if (got != want)
            fail_msg("%s: got %s, want %s", p->what, wss_counter_status_name(got),
                     wss_counter_status_name(want));
        wss_counter_reader_close(&r);
    }
    wss_counter_writer_close(&w);
}

static void draining_and_stopped_states_are_reported(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_writer_open(&w, f->name, 1, 0), 0);
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0);

    assert_int_equal(wss_counter_set_state(&w, WSS_COUNTER_STATE_SERVING), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_false(snap.is_draining);

    assert_int_equal(wss_counter_set_draining(&w), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_true(snap.is_draining);
    assert_int_equal(snap.state, WSS_COUNTER_STATE_DRAINING);
    assert_string_equal(wss_counter_state_name(snap.state), "draining");
    assert_int_equal(snap.active, 1);

    assert_int_equal(wss_counter_set_state(&w, (enum wss_counter_state)4), -EINVAL);
    assert_int_equal(wss_counter_writer_close(&w), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_STOPPED);
    assert_false(snap.is_draining);
    /* Closing twice, and calls on a closed writer, are safe. */
    assert_int_equal(wss_counter_writer_close(&w), 0);
    assert_int_equal(wss_counter_writer_close(NULL), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 0), -EINVAL);
    assert_int_equal(wss_counter_heartbeat(&w), -EINVAL);
    assert_int_equal(wss_counter_set_draining(&w), -EINVAL);
    wss_counter_reader_close(&r);
    wss_counter_reader_close(&r);
    wss_counter_reader_close(NULL);
}

static void writer_and_reader_reject_bad_arguments(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    struct wss_counter_reader r;
    char long_name[WSS_COUNTER_PATH_MAX_BYTES + 2];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[0] = '/';
    long_name[sizeof(long_name) - 1] = '\0';

    assert_int_equal(wss_counter_writer_open(&w, f->name, 0, 0), -EINVAL);
    assert_int_equal(wss_counter_writer_open(&w, f->name, WSS_COUNTER_MAX_SLOTS + 1, 0), -EINVAL);
    assert_int_equal(wss_counter_writer_open(&w, "", 1, 0), -EINVAL);
    assert_int_equal(wss_counter_writer_open(&w, "wsscale", 1, 0), -EINVAL);
    assert_int_equal(wss_counter_writer_open(&w, "/", 1, 0), -EINVAL);
    assert_int_equal(wss_counter_writer_open(&w, "/dir/", 1, 0), -EINVAL);
    assert_int_equal(wss_counter_writer_open(&w, NULL, 1, 0), -EINVAL);
    assert_int_equal(wss_counter_writer_open(&w, long_name, 1, 0), -ENAMETOOLONG);
    assert_int_equal(wss_counter_writer_open(&w, "/no-such-dir-wsscale/counter", 1, 0), -ENOENT);
    assert_int_equal(wss_counter_reader_open(&r, "relative"), -EINVAL);
    assert_int_equal(wss_counter_reader_open(&r, long_name), -ENAMETOOLONG);

    assert_int_equal(wss_counter_writer_open(&w, f->name, 2, 0), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 2), -EINVAL);
    assert_int_equal(wss_counter_conn_closed(&w, UINT32_MAX), -EINVAL);
    assert_int_equal(wss_counter_conn_opened(&w, 1), 0);
    wss_counter_writer_close(&w);

    assert_string_equal(wss_counter_status_name(WSS_COUNTER_BAD_LAYOUT), "bad_layout");
    assert_string_equal(wss_counter_status_name(-EACCES), "unknown");
    assert_string_equal(wss_counter_status_name(6), "unknown");
    assert_string_equal(wss_counter_state_name((enum wss_counter_state)7), "unknown");
}

static void object_is_mode_0644_and_no_temporary_is_left(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    mode_t old_mask = umask(077);
    int rc = wss_counter_writer_open(&w, f->name, 1, 0);
    umask(old_mask);
    assert_int_equal(rc, 0);

    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(st.st_size, WSS_COUNTER_HEADER_SIZE_BYTES + WSS_COUNTER_SLOT_SIZE_BYTES);

    /* Temporaries are named "." + base + ".tmp..."; none may survive the open. */
    char prefix[80];
    snprintf(prefix, sizeof(prefix), ".%s.tmp.", f->name + 1);
    DIR *dir = opendir(WSS_COUNTER_SHM_DIR);
    assert_non_null(dir);
    int leftovers = 0;
    for (struct dirent *e = readdir(dir); e != NULL; e = readdir(dir))
        leftovers += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(dir);
    assert_int_equal(leftovers, 0);
    wss_counter_writer_close(&w);
}

static void closing_on_another_slot_still_sums_right(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_writer_open(&w, f->name, 2, 0), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0);
    assert_int_equal(wss_counter_conn_closed(&w, 1), 0); /* slot 1's active wraps to 2^64-1 */
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 1);
    assert_int_equal(snap.opened_total, 2);
    assert_int_equal(snap.closed_total, 1);
    wss_counter_writer_close(&w);
    wss_counter_reader_close(&r);
}

/* A reader can see a close on one slot before the open it undoes on another (the slots are read
 * one at a time); that sum is below zero and must not read as about 2^64 connections. */
static void half_moved_connection_reads_zero_not_two_to_the_64(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_writer_open(&w, f->name, 2, 0), 0);
    /* what a reader sees between slot 1's close and slot 0's open becoming visible */
    assert_int_equal(wss_counter_conn_closed(&w, 1), 0);
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 0);
    assert_int_equal(snap.closed_total, 1);
    /* once the open is visible too, the sum is exact again */
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 1);
    wss_counter_writer_close(&w);
    wss_counter_reader_close(&r);
}

/* Anything but a regular file at the name (here a FIFO, which open() would wait on for a writer
 * for ever) is a bad layout, reported at once. */
static void fifo_at_the_name_reads_bad_layout_without_blocking(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(mkfifo(f->path, 0644), 0);
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_BAD_LAYOUT);
    wss_counter_reader_close(&r);
}

struct thread_arg {
    struct wss_counter_writer *w;
    uint32_t slot;
    int failures;
};

/* Opens THREAD_CONNS connections on its slot and closes all but `slot` of them. */
static void *slot_writer(void *p)
{
    struct thread_arg *a = p;
    for (uint32_t i = 0; i < THREAD_CONNS; i++) {
        a->failures += wss_counter_conn_opened(a->w, a->slot) != 0;
        if (i >= a->slot)
            a->failures += wss_counter_conn_closed(a->w, a->slot) != 0;
    }
    return NULL;
}

static void threads_on_their_own_slots_sum_exactly(void **state)
{
    struct fixture *f = *state;
    struct wss_counter_writer w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_writer_open(&w, f->name, THREAD_WRITERS, 0), 0);
    assert_int_equal(wss_counter_reader_open(&r, f->name), 0);

    pthread_t threads[THREAD_WRITERS];
    struct thread_arg args[THREAD_WRITERS];
    for (uint32_t i = 0; i < THREAD_WRITERS; i++) {
        args[i] = (struct thread_arg){.w = &w, .slot = i};
        assert_int_equal(pthread_create(&threads[i], NULL, slot_writer, &args[i]), 0);
    }
    /* Reads while the threads write: totals never go backwards. */
    uint64_t last_opened = 0, last_closed = 0;
    for (int i = 0; i < 200; i++) {
        assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
        assert_true(snap.opened_total >= last_opened);
        assert_true(snap.closed_total >= last_closed);
        assert_true(snap.opened_total <= (uint64_t)THREAD_WRITERS * THREAD_CONNS);
        last_opened = snap.opened_total;
        last_closed = snap.closed_total;
    }
    for (uint32_t i = 0; i < THREAD_WRITERS; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 0 + 1 + 2 + 3);
    assert_int_equal(snap.opened_total, THREAD_WRITERS * THREAD_CONNS);
    assert_int_equal(snap.closed_total, THREAD_WRITERS * THREAD_CONNS - (0 + 1 + 2 + 3));
    wss_counter_writer_close(&w);
    wss_counter_reader_close(&r);
}

static void file_path_names_work_for_memory_volumes(void **state)
{
    (void)state;
    char dir[] = "/tmp/wsscale-counter-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char name[sizeof(dir) + 16];
    snprintf(name, sizeof(name), "%s/counter", dir);

    struct wss_counter_writer w;
    struct wss_counter_reader r;
    struct wss_counter_snapshot snap = {0};
    assert_int_equal(wss_counter_writer_open(&w, name, 1, 0), 0);
    assert_int_equal(wss_counter_conn_opened(&w, 0), 0);
    assert_int_equal(wss_counter_reader_open(&r, name), 0);
    assert_int_equal(wss_counter_read(&r, FRESH_LIMIT_NS, &snap), WSS_COUNTER_OK);
    assert_int_equal(snap.active, 1);
    struct stat st;
    assert_int_equal(stat(name, &st), 0);
    wss_counter_writer_close(&w);
    wss_counter_reader_close(&r);
    assert_int_equal(wss_counter_unlink(name), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(counts_from_a_writer_process_are_summed_across_slots, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(missing_object_reads_missing_until_created, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(heartbeat_older_than_the_limit_reads_stale, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(writer_that_stops_heartbeating_goes_stale_and_recovers,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(new_instance_reads_restarted_once_then_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(replaced_file_with_the_same_instance_reads_restarted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(object_resized_in_place_is_remapped, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_magic_version_sizes_or_state_read_bad_layout, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(draining_and_stopped_states_are_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(writer_and_reader_reject_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(object_is_mode_0644_and_no_temporary_is_left, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(closing_on_another_slot_still_sums_right, setup, teardown),
        cmocka_unit_test_setup_teardown(half_moved_connection_reads_zero_not_two_to_the_64, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(fifo_at_the_name_reads_bad_layout_without_blocking, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(threads_on_their_own_slots_sum_exactly, setup, teardown),
        cmocka_unit_test(file_path_names_work_for_memory_volumes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
