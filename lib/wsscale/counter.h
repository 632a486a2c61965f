/* SPDX-License-Identifier: Apache-2.0 */
/* counter.h: the shared-memory connection counter: layout, app-side writer, sidecar-side reader.
 * Does not: allocate, print or lock; needs C11 atomics, POSIX 2008, 64-bit little-endian Linux.
 * Threads: one writing thread per slot, one for heartbeat and state; a reader is one thread's. */
/* Header-only so apps include it without linking wsscale. docs/shm-counter.md specifies the
 * layout byte by byte for apps in other languages. Compile with _GNU_SOURCE or
 * _POSIX_C_SOURCE=200809L. Every call returns 0 or a negative errno (reads: a status). */
#ifndef WSSCALE_COUNTER_H
#define WSSCALE_COUNTER_H

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- Layout (version 1). All integers little-endian, every field naturally aligned. ---- */

/* The bytes "WSSCOUNT" read as a little-endian u64; written last, with release ordering. */
#define WSS_COUNTER_MAGIC   UINT64_C(0x544E554F43535357)
#define WSS_COUNTER_VERSION 1
/* Bytes from the start of the object to slot 0; readers accept larger (fields appended later). */
#define WSS_COUNTER_HEADER_SIZE_BYTES 128
/* Bytes per slot: one cache line, so two writer threads never share a line. */
#define WSS_COUNTER_SLOT_SIZE_BYTES 64
/* Most slots an object may have (64 KiB of slots); more is a bad layout. */
#define WSS_COUNTER_MAX_SLOTS 1024
/* Longest path, NUL included, of the object a name resolves to. */
#define WSS_COUNTER_PATH_MAX_BYTES 256
/* Where POSIX shm names ("/wsscale") live on Linux; rename() into place needs the file path. */
#define WSS_COUNTER_SHM_DIR "/dev/shm"
/* The name an app uses unless told otherwise. */
#define WSS_COUNTER_DEFAULT_NAME "/wsscale"
/* Mode of the object: the sidecar may run as another uid and only reads. */
#define WSS_COUNTER_FILE_MODE 0644
/* The app heartbeats at least this often, from its event loop. */
#define WSS_COUNTER_HEARTBEAT_INTERVAL_NS INT64_C(1000000000)
/* A reader's usual staleness limit: three missed heartbeats. */
#define WSS_COUNTER_STALE_AFTER_NS (3 * WSS_COUNTER_HEARTBEAT_INTERVAL_NS)

#define WSS__COUNTER_NS_PER_S INT64_C(1000000000)

/* The app's lifecycle, stored in the header's state field (u32). */
enum wss_counter_state {
    WSS_COUNTER_STATE_STARTING = 0, /* object created; not accepting yet */
    WSS_COUNTER_STATE_SERVING = 1,  /* accepting connections */
    WSS_COUNTER_STATE_DRAINING = 2, /* shutting down: closing connections, accepting none */
    WSS_COUNTER_STATE_STOPPED = 3,  /* the writer closed the object; the count means nothing now */
};

/* What a read found, best news first. Every status but MISSING and BAD_LAYOUT fills the
 * snapshot. */
enum wss_counter_status {
    WSS_COUNTER_OK = 0,         /* a live writer; the snapshot is current */
    WSS_COUNTER_MISSING = 1,    /* no object at the name (yet) */
    WSS_COUNTER_STALE = 2,      /* heartbeat older than the caller's limit: hung or dead app */
    WSS_COUNTER_BAD_LAYOUT = 3, /* magic, version, sizes or state wrong, or object too short */
    WSS_COUNTER_RESTARTED = 4,  /* a new object (instance id or inode changed) since the last
                                   good read; now mapped, snapshot is from it; reported once */
    WSS_COUNTER_STOPPED = 5,    /* the writer closed cleanly: report 0 connections */
};

/* Bytes 0..127. Line 0 is written once before the magic; line 1 changes while serving. */
struct wss_counter_header {
    _Atomic uint64_t magic;             /* 0: WSS_COUNTER_MAGIC once complete */
    uint32_t version;                   /* 8: WSS_COUNTER_VERSION */
    uint32_t header_size;               /* 12: WSS_COUNTER_HEADER_SIZE_BYTES */
    uint32_t slot_size;                 /* 16: WSS_COUNTER_SLOT_SIZE_BYTES */
    uint32_t slot_count;                /* 20: 1..WSS_COUNTER_MAX_SLOTS */
    uint64_t instance_id;               /* 24: random, non-zero, new on every start */
    uint64_t start_realtime_ns;         /* 32: CLOCK_REALTIME at creation */
    uint32_t writer_pid;                /* 40: informational: pid namespaces differ */
    uint32_t listen_port;               /* 44: the port counted, 0 if not given */
    uint8_t reserved0[16];              /* 48: zero */
    _Atomic uint64_t heartbeat_mono_ns; /* 64: CLOCK_MONOTONIC at the last heartbeat */
    _Atomic uint32_t state;             /* 72: enum wss_counter_state */
    uint8_t reserved1[52];              /* 76: zero */
};

/* One per writer thread, starting at header_size, slot_size bytes apart. */
struct wss_counter_slot {
    _Atomic uint64_t active;       /* 0: open connections now (sum mod 2^64 across slots) */
    _Atomic uint64_t opened_total; /* 8: connections ever opened on this slot */
    _Atomic uint64_t closed_total; /* 16: connections ever closed on this slot */
    uint8_t reserved[40];          /* 24: zero */
};

_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_LONG_LOCK_FREE == 2,
               "64-bit atomics must be lock-free to work across processes");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(sizeof(_Atomic uint64_t) == 8 && _Alignof(_Atomic uint64_t) == 8,
               "an atomic u64 must be laid out as a u64");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "an atomic u32 must be laid out as a u32");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the layout is little-endian");
_Static_assert(offsetof(struct wss_counter_header, version) == 8, "layout");
_Static_assert(offsetof(struct wss_counter_header, header_size) == 12, "layout");
_Static_assert(offsetof(struct wss_counter_header, slot_size) == 16, "layout");
_Static_assert(offsetof(struct wss_counter_header, slot_count) == 20, "layout");
_Static_assert(offsetof(struct wss_counter_header, instance_id) == 24, "layout");
_Static_assert(offsetof(struct wss_counter_header, start_realtime_ns) == 32, "layout");
_Static_assert(offsetof(struct wss_counter_header, writer_pid) == 40, "layout");
_Static_assert(offsetof(struct wss_counter_header, listen_port) == 44, "layout");
_Static_assert(offsetof(struct wss_counter_header, heartbeat_mono_ns) == 64, "layout");
_Static_assert(offsetof(struct wss_counter_header, state) == 72, "layout");
_Static_assert(sizeof(struct wss_counter_header) == WSS_COUNTER_HEADER_SIZE_BYTES, "layout");
_Static_assert(offsetof(struct wss_counter_slot, opened_total) == 8, "layout");
_Static_assert(offsetof(struct wss_counter_slot, closed_total) == 16, "layout");
_Static_assert(sizeof(struct wss_counter_slot) == WSS_COUNTER_SLOT_SIZE_BYTES, "layout");

/* ---- Writer (the app) ---- */

struct wss_counter_writer {
    struct wss_counter_header *hdr; /* private: mapped read-write; NULL when closed */
    struct wss_counter_slot *slots; /* private: inside the same mapping */
    size_t map_len;                 /* private */
    uint32_t slot_count;            /* public, read-only */
};

/* ---- Reader (the sidecar) ---- */

struct wss_counter_snapshot {
    uint64_t active;              /* sum of the slots' active, mod 2^64; 0 if that is negative */
    uint64_t opened_total;        /* sum of the slots' opened_total */
    uint64_t closed_total;        /* sum of the slots' closed_total */
    enum wss_counter_state state; /* as the writer last set it */
    bool is_draining;             /* state == WSS_COUNTER_STATE_DRAINING */
    uint64_t instance_id;         /* which start of the app this is */
    uint32_t writer_pid;          /* informational */
    uint32_t listen_port;         /* 0 if the writer gave none */
    uint32_t slot_count;
    uint64_t start_realtime_ns;
    uint64_t heartbeat_mono_ns;
    int64_t heartbeat_age_ns; /* now - heartbeat; 0 if the heartbeat is ahead of now */
};

struct wss_counter_reader {
    char path[WSS_COUNTER_PATH_MAX_BYTES]; /* private: the object's file */
    const unsigned char *map;              /* private: mapped read-only; NULL if none */
    size_t map_len;                        /* private */
    dev_t dev;                             /* private: identity of the mapped file */
    ino_t ino;                             /* private */
    bool has_seen;                         /* private: a read has found a good layout */
    uint64_t seen_instance_id;             /* private: what that read found */
    dev_t seen_dev;                        /* private */
    ino_t seen_ino;                        /* private */
};

/* ---- Internal helpers (wss__: not part of the API) ---- */

static inline int64_t wss__counter_now_ns(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0)
        return -errno;
    return (int64_t)ts.tv_sec * WSS__COUNTER_NS_PER_S + ts.tv_nsec;
}

/* "/name" (no other '/') is a POSIX shm name, kept in WSS_COUNTER_SHM_DIR; any other absolute
 * path names a plain file, e.g. on a memory-backed emptyDir volume shared by the containers. */
static inline int wss__counter_path(const char *name, char *path, size_t cap)
{
    if (name == NULL)
        return -EINVAL;
    size_t len = strlen(name);
    if (len < 2 || name[0] != '/' || name[len - 1] == '/')
        return -EINVAL;
    int n = strrchr(name, '/') == name ? snprintf(path, cap, "%s%s", WSS_COUNTER_SHM_DIR, name)
                                       : snprintf(path, cap, "%s", name);
    if (n < 0 || (size_t)n >= cap)
        return -ENAMETOOLONG;
    return 0;
}

/* One load of a field another process owns: the compiler may not re-read it later and see a
 * different value from the one that was checked. */
static inline uint32_t wss__counter_load_u32(const uint32_t *p)
{
    return *(const volatile uint32_t *)p;
}

static inline uint64_t wss__counter_load_u64(const uint64_t *p)
{
    return *(const volatile uint64_t *)p;
}

static inline bool wss__counter_state_is_valid(uint32_t state)
{
    return state <= WSS_COUNTER_STATE_STOPPED;
}

/* ---- Writer API ---- */

/* Creates a fresh object at name (a shm name "/wsscale" or a file path) with slot_count slots
 * (1..WSS_COUNTER_MAX_SLOTS), a new instance id, state STARTING and a heartbeat, built under a
 * temporary name and renamed into place so no reader sees it half-built; replaces any old one.
 * Returns 0, -EINVAL (bad argument), -ENAMETOOLONG, or the negative errno of the failed call; on
 * failure nothing is left behind. Not thread-safe for the same w. */
static inline int wss_counter_writer_open(struct wss_counter_writer *w, const char *name,
                                          uint32_t slot_count, uint32_t listen_port)
{
    if (w == NULL)
        return -EINVAL;
    memset(w, 0, sizeof(*w));
    if (slot_count == 0 || slot_count > WSS_COUNTER_MAX_SLOTS)
        return -EINVAL;
    char path[WSS_COUNTER_PATH_MAX_BYTES];
    int rc = wss__counter_path(name, path, sizeof(path));
    if (rc != 0)
        return rc;

    uint64_t instance_id = 0;
    while (instance_id == 0) {
        ssize_t got = getrandom(&instance_id, sizeof(instance_id), 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got != (ssize_t)sizeof(instance_id))
            return got < 0 ? -errno : -EIO;
    }
    int64_t now_real = wss__counter_now_ns(CLOCK_REALTIME);
    int64_t now_mono = wss__counter_now_ns(CLOCK_MONOTONIC);
    if (now_real < 0 || now_mono < 0)
        return (int)(now_real < 0 ? now_real : now_mono);

    /* The temporary lives beside the final name (rename needs one filesystem), hidden by a dot,
     * unique per process and instance. */
    char tmp[WSS_COUNTER_PATH_MAX_BYTES];
    const char *slash = strrchr(path, '/');
    int n = snprintf(tmp, sizeof(tmp), "%.*s/.%s.tmp.%ld.%016llx", (int)(slash - path), path,
                     slash + 1, (long)getpid(), (unsigned long long)instance_id);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return -ENAMETOOLONG;

    size_t map_len =
        WSS_COUNTER_HEADER_SIZE_BYTES + (size_t)slot_count * WSS_COUNTER_SLOT_SIZE_BYTES;
    void *map = MAP_FAILED;
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, WSS_COUNTER_FILE_MODE);
    if (fd < 0)
        return -errno;
    /* open() applied the umask; the reader may be another uid. */
    if (fchmod(fd, WSS_COUNTER_FILE_MODE) != 0 || ftruncate(fd, (off_t)map_len) != 0)
        goto fail;
    map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED)
        goto fail;

    struct wss_counter_header *hdr = (struct wss_counter_header *)map;
    hdr->version = WSS_COUNTER_VERSION;
    hdr->header_size = WSS_COUNTER_HEADER_SIZE_BYTES;
    hdr->slot_size = WSS_COUNTER_SLOT_SIZE_BYTES;
    hdr->slot_count = slot_count;
    hdr->instance_id = instance_id;
    hdr->start_realtime_ns = (uint64_t)now_real;
    hdr->writer_pid = (uint32_t)getpid();
    hdr->listen_port = listen_port;
    atomic_store_explicit(&hdr->heartbeat_mono_ns, (uint64_t)now_mono, memory_order_relaxed);
    atomic_store_explicit(&hdr->state, WSS_COUNTER_STATE_STARTING, memory_order_relaxed);
    /* Publication: every field above is visible to whoever sees the magic. */
    atomic_store_explicit(&hdr->magic, WSS_COUNTER_MAGIC, memory_order_release);

    if (rename(tmp, path) != 0)
        goto fail;
    close(fd);
    w->hdr = hdr;
    w->slots = (struct wss_counter_slot *)((unsigned char *)map + WSS_COUNTER_HEADER_SIZE_BYTES);
    w->map_len = map_len;
    w->slot_count = slot_count;
    return 0;

fail:
    rc = -errno;
    if (map != MAP_FAILED)
        munmap(map, map_len);
    close(fd);
    unlink(tmp);
    return rc;
}

/* Counts a connection opened by the thread that owns slot. Returns 0, or -EINVAL for a closed
 * writer or slot >= slot_count. Only slot's own thread may call it (plain stores, no RMW). */
static inline int wss_counter_conn_opened(struct wss_counter_writer *w, uint32_t slot)
{
    if (w == NULL || w->hdr == NULL || slot >= w->slot_count)
        return -EINVAL;
    struct wss_counter_slot *s = &w->slots[slot];
    uint64_t opened = atomic_load_explicit(&s->opened_total, memory_order_relaxed);
    atomic_store_explicit(&s->opened_total, opened + 1, memory_order_relaxed);
    uint64_t active = atomic_load_explicit(&s->active, memory_order_relaxed);
    atomic_store_explicit(&s->active, active + 1, memory_order_release);
    return 0;
}

/* Counts a connection closed by the thread that owns slot (normally the slot it was opened on;
 * another slot still sums right, as active wraps mod 2^64). Returns 0 or -EINVAL as
 * wss_counter_conn_opened. Only slot's own thread may call it. */
static inline int wss_counter_conn_closed(struct wss_counter_writer *w, uint32_t slot)
{
    if (w == NULL || w->hdr == NULL || slot >= w->slot_count)
        return -EINVAL;
    struct wss_counter_slot *s = &w->slots[slot];
    uint64_t closed = atomic_load_explicit(&s->closed_total, memory_order_relaxed);
    atomic_store_explicit(&s->closed_total, closed + 1, memory_order_relaxed);
    uint64_t active = atomic_load_explicit(&s->active, memory_order_relaxed);
    atomic_store_explicit(&s->active, active - 1, memory_order_release);
    return 0;
}

/* Stamps the heartbeat with CLOCK_MONOTONIC; call at least every
 * WSS_COUNTER_HEARTBEAT_INTERVAL_NS from the event loop, so a hung loop goes stale. Returns 0,
 * -EINVAL for a closed writer, or -errno from clock_gettime. One thread at a time. */
static inline int wss_counter_heartbeat(struct wss_counter_writer *w)
{
    if (w == NULL || w->hdr == NULL)
        return -EINVAL;
    int64_t now = wss__counter_now_ns(CLOCK_MONOTONIC);
    if (now < 0)
        return (int)now;
    atomic_store_explicit(&w->hdr->heartbeat_mono_ns, (uint64_t)now, memory_order_release);
    return 0;
}

/* Publishes the app's state. Returns 0, or -EINVAL for a closed writer or a value outside
 * enum wss_counter_state. One thread at a time. */
static inline int wss_counter_set_state(struct wss_counter_writer *w, enum wss_counter_state state)
{
    if (w == NULL || w->hdr == NULL || !wss__counter_state_is_valid((uint32_t)state))
        return -EINVAL;
    atomic_store_explicit(&w->hdr->state, (uint32_t)state, memory_order_release);
    return 0;
}

/* Marks the app as draining (SIGTERM received); as wss_counter_set_state. */
static inline int wss_counter_set_draining(struct wss_counter_writer *w)
{
    return wss_counter_set_state(w, WSS_COUNTER_STATE_DRAINING);
}

/* Sets state STOPPED, heartbeats once more and unmaps; the object stays so readers see STOPPED
 * (the next start replaces it). Accepts NULL and a closed writer. Returns 0 or -errno from
 * munmap. Not thread-safe with the other writer calls. */
static inline int wss_counter_writer_close(struct wss_counter_writer *w)
{
    if (w == NULL || w->hdr == NULL)
        return 0;
    wss_counter_set_state(w, WSS_COUNTER_STATE_STOPPED);
    wss_counter_heartbeat(w);
    int rc = munmap(w->hdr, w->map_len) == 0 ? 0 : -errno;
    memset(w, 0, sizeof(*w));
    return rc;
}

/* Removes the object at name, e.g. an app that wants readers to see MISSING rather than
 * STOPPED, or test cleanup. Returns 0, -EINVAL, -ENAMETOOLONG or -errno from unlink (-ENOENT
 * if there was none). Thread-safe. */
static inline int wss_counter_unlink(const char *name)
{
    char path[WSS_COUNTER_PATH_MAX_BYTES];
    int rc = wss__counter_path(name, path, sizeof(path));
    if (rc != 0)
        return rc;
    return unlink(path) == 0 ? 0 : -errno;
}

/* ---- Reader API ---- */

/* Prepares r to read the object at name (a shm name or a file path); does no I/O, so the
 * object need not exist yet. Returns 0, -EINVAL or -ENAMETOOLONG. */
static inline int wss_counter_reader_open(struct wss_counter_reader *r, const char *name)
{
    if (r == NULL)
        return -EINVAL;
    memset(r, 0, sizeof(*r));
    return wss__counter_path(name, r->path, sizeof(r->path));
}

static inline void wss__counter_reader_unmap(struct wss_counter_reader *r)
{
    if (r->map != NULL)
        munmap((void *)r->map, r->map_len);
    r->map = NULL;
    r->map_len = 0;
}

/* Maps the file now at r->path. Returns 0, MISSING if it vanished meanwhile, BAD_LAYOUT if it
 * is not a regular file or is shorter than a header, or -errno. */
static inline int wss__counter_reader_map(struct wss_counter_reader *r)
{
    /* O_NONBLOCK: a FIFO put at the name must not hang the reader waiting for a writer. */
    int fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? WSS_COUNTER_MISSING : -errno;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < WSS_COUNTER_HEADER_SIZE_BYTES) {
        close(fd);
        return WSS_COUNTER_BAD_LAYOUT;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    int rc = map == MAP_FAILED ? -errno : 0;
    close(fd);
    if (rc != 0)
        return rc;
    r->map = (const unsigned char *)map;
    r->map_len = (size_t)st.st_size;
    r->dev = st.st_dev;
    r->ino = st.st_ino;
    return 0;
}

/* Reads a snapshot as of now_mono_ns (CLOCK_MONOTONIC; tests pass their own) and classifies it:
 * returns an enum wss_counter_status, or -EINVAL (stale_after_ns <= 0) or -errno when the
 * object exists but cannot be opened or mapped. Follows a replaced object (new inode) or one
 * resized in place by remapping. snap is filled for OK, STALE, RESTARTED and STOPPED, and zeroed
 * otherwise. Not thread-safe for one r. */
static inline int wss_counter_read_at(struct wss_counter_reader *r, int64_t now_mono_ns,
                                      int64_t stale_after_ns, struct wss_counter_snapshot *snap)
{
    if (r == NULL || snap == NULL || stale_after_ns <= 0)
        return -EINVAL;
    memset(snap, 0, sizeof(*snap));
    /* The path is checked on every read: a restarted app renames a new object over it, and the
     * old mapping would otherwise be read for ever. */
    struct stat st;
    if (stat(r->path, &st) != 0) {
        int rc = errno == ENOENT ? WSS_COUNTER_MISSING : -errno;
        wss__counter_reader_unmap(r);
        return rc;
    }
    /* A size changed in place (against the contract, by some other writer) is remapped too: the
     * old mapping would fault past a shrunk end, and never see a grown one. */
    if (r->map == NULL || st.st_dev != r->dev || st.st_ino != r->ino ||
        (size_t)st.st_size != r->map_len) {
        wss__counter_reader_unmap(r);
        int rc = wss__counter_reader_map(r);
        if (rc != 0)
            return rc;
    }

    struct wss_counter_header *hdr = (struct wss_counter_header *)(uintptr_t)r->map;
    if (atomic_load_explicit(&hdr->magic, memory_order_acquire) != WSS_COUNTER_MAGIC)
        return WSS_COUNTER_BAD_LAYOUT;
    /* The sizes are read once: the writer is another process that could change them under us,
     * and the slot loop must stay inside the bytes checked here. */
    uint32_t header_size = wss__counter_load_u32(&hdr->header_size);
    uint32_t slot_size = wss__counter_load_u32(&hdr->slot_size);
    uint32_t slot_count = wss__counter_load_u32(&hdr->slot_count);
    uint64_t slots_end = (uint64_t)header_size + (uint64_t)slot_count * slot_size;
    if (wss__counter_load_u32(&hdr->version) != WSS_COUNTER_VERSION ||
        header_size < WSS_COUNTER_HEADER_SIZE_BYTES ||
        header_size % WSS_COUNTER_SLOT_SIZE_BYTES != 0 || slot_size < WSS_COUNTER_SLOT_SIZE_BYTES ||
        slot_size % WSS_COUNTER_SLOT_SIZE_BYTES != 0 || slot_count == 0 ||
        slot_count > WSS_COUNTER_MAX_SLOTS || slots_end > r->map_len)
        return WSS_COUNTER_BAD_LAYOUT;
    uint32_t state = atomic_load_explicit(&hdr->state, memory_order_acquire);
    if (!wss__counter_state_is_valid(state))
        return WSS_COUNTER_BAD_LAYOUT;

    memset(snap, 0, sizeof(*snap));
    for (uint32_t i = 0; i < slot_count; i++) {
        struct wss_counter_slot *s =
            (struct wss_counter_slot *)(uintptr_t)(r->map + header_size + (size_t)i * slot_size);
        snap->active += atomic_load_explicit(&s->active, memory_order_acquire);
        snap->opened_total += atomic_load_explicit(&s->opened_total, memory_order_relaxed);
        snap->closed_total += atomic_load_explicit(&s->closed_total, memory_order_relaxed);
    }
    /* The slots are read one at a time, so a connection closed on another slot than it was opened
     * on can be seen half-moved: the close counted, the open not yet. The sum then dips below zero
     * and would read as about 2^64 connections; no real count is negative. */
    if ((int64_t)snap->active < 0)
        snap->active = 0;
    snap->state = (enum wss_counter_state)state;
    snap->is_draining = state == WSS_COUNTER_STATE_DRAINING;
    snap->instance_id = wss__counter_load_u64(&hdr->instance_id);
    snap->writer_pid = wss__counter_load_u32(&hdr->writer_pid);
    snap->listen_port = wss__counter_load_u32(&hdr->listen_port);
    snap->slot_count = slot_count;
    snap->start_realtime_ns = wss__counter_load_u64(&hdr->start_realtime_ns);
    snap->heartbeat_mono_ns = atomic_load_explicit(&hdr->heartbeat_mono_ns, memory_order_acquire);
    int64_t age = now_mono_ns - (int64_t)snap->heartbeat_mono_ns;
    snap->heartbeat_age_ns = age > 0 ? age : 0;

    bool is_new = r->has_seen && (snap->instance_id != r->seen_instance_id ||
                                  r->dev != r->seen_dev || r->ino != r->seen_ino);
    r->has_seen = true;
    r->seen_instance_id = snap->instance_id;
    r->seen_dev = r->dev;
    r->seen_ino = r->ino;
    if (is_new)
        return WSS_COUNTER_RESTARTED;
    if (state == WSS_COUNTER_STATE_STOPPED)
        return WSS_COUNTER_STOPPED;
    if (snap->heartbeat_age_ns > stale_after_ns)
        return WSS_COUNTER_STALE;
    return WSS_COUNTER_OK;
}

/* wss_counter_read_at with the current CLOCK_MONOTONIC; as wss_counter_read_at. */
static inline int wss_counter_read(struct wss_counter_reader *r, int64_t stale_after_ns,
                                   struct wss_counter_snapshot *snap)
{
    int64_t now = wss__counter_now_ns(CLOCK_MONOTONIC);
    if (now < 0)
        return (int)now;
    return wss_counter_read_at(r, now, stale_after_ns, snap);
}

/* Unmaps; r may be opened again. Accepts NULL and a closed reader. */
static inline void wss_counter_reader_close(struct wss_counter_reader *r)
{
    if (r == NULL)
        return;
    wss__counter_reader_unmap(r);
    memset(r, 0, sizeof(*r));
}

/* "ok", "missing", "stale", "bad_layout", "restarted", "stopped" (for logs and labels), or
 * "unknown". Thread-safe. */
static inline const char *wss_counter_status_name(int status)
{
    static const char *const names[] = {"ok",         "missing",   "stale",
                                        "bad_layout", "restarted", "stopped"};
    if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[status];
}

/* "starting", "serving", "draining", "stopped", or "unknown". Thread-safe. */
static inline const char *wss_counter_state_name(enum wss_counter_state state)
{
    static const char *const names[] = {"starting", "serving", "draining", "stopped"};
    if (!wss__counter_state_is_valid((uint32_t)state))
        return "unknown";
    return names[state];
}

#endif
