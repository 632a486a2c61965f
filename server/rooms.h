/* SPDX-License-Identifier: Apache-2.0 */
/* rooms.h: broadcast rooms: a process-wide registry that knows which threads have members of each
 * room, and per-thread tables of the local members.
 * Does not: send anything or hold messages; conn.c delivers, inbox.h carries between threads.
 * Threads: rooms_count() and rooms_remote_threads() from any thread; a rooms_local and its rooms
 * and members belong to one thread; the registry is under its own lock (join/leave only). */
#ifndef WSSCALE_SERVER_ROOMS_H
#define WSSCALE_SERVER_ROOMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most threads a registry serves: the thread set of a room is one 64-bit mask. */
#define ROOMS_MAX_THREADS 64
/* Longest room name in bytes. */
#define ROOM_NAME_MAX 64

struct rooms;       /* opaque: the registry */
struct rooms_local; /* opaque: one thread's rooms */
struct room;        /* opaque: one room's members on one thread */

/* A connection's place in a room, embedded in the connection; zero-initialised = in no room. */
struct room_member {
    struct room_member *prev, *next; /* private */
    struct room *room;               /* private; NULL when in no room */
};

/* True if s[0..len) is a room name: 1..ROOM_NAME_MAX bytes of A-Z a-z 0-9 . _ ~ -. Pure. */
bool room_name_is_valid(const char *s, size_t len);

/* Creates a registry for nthreads (1..ROOMS_MAX_THREADS) threads; NULL on a bad count or when out
 * of memory. */
struct rooms *rooms_new(unsigned nthreads);

/* Frees the registry; accepts NULL. Every rooms_local must be freed first. */
void rooms_free(struct rooms *g);

/* Rooms with at least one member on any thread. Thread-safe. */
size_t rooms_count(const struct rooms *g);

/* Creates thread number `thread`'s table (each number once); NULL when out of memory or out of
 * range. */
struct rooms_local *rooms_local_new(struct rooms *g, unsigned thread);

/* Told when a room gets its first member on this thread (is_added true, after the join) and when
 * it loses its last (is_added false, before r is freed). */
typedef void (*rooms_watch_cb)(void *arg, struct room *r, bool is_added);

/* Makes cb (NULL: nobody) the one watcher of t's rooms; arg is borrowed. Rooms already present are
 * not reported. Cannot fail. Its thread only. */
void rooms_local_watch(struct rooms_local *t, rooms_watch_cb cb, void *arg);

/* Removes every remaining member (the watcher hears of each room) and frees the table; accepts
 * NULL. Its thread only. */
void rooms_local_free(struct rooms_local *t);

/* Puts m (in no room) into the room named name[0..len), creating the room as needed. 0, -EINVAL
 * (bad name, or m already in a room), -ENOMEM. Its thread only. */
int rooms_join(struct rooms_local *t, const char *name, size_t len, struct room_member *m);

/* Takes m out of its room, freeing the room with its last member; safe if m is in no room. Its
 * thread only. */
void rooms_leave(struct rooms_local *t, struct room_member *m);

/* This thread's part of the room named name[0..len), or NULL if it has no members here. */
struct room *rooms_find(struct rooms_local *t, const char *name, size_t len);

/* The room m is in, or NULL. */
struct room *room_of(const struct room_member *m);

/* The room's name (not NUL-terminated) and its length in *len. */
const char *room_name(const struct room *r, size_t *len);

/* Members of r on this thread. */
size_t room_local_members(const struct room *r);

/* First member of r on this thread, or NULL; oldest first. */
struct room_member *room_first(struct room *r);

/* The member after m, or NULL. Fetch it before doing anything that may take m out. */
struct room_member *room_next(struct room *r, struct room_member *m);

/* Bitmask of the OTHER threads that have members of r, as of now (a thread joining or leaving
 * concurrently may or may not be included). Thread-safe. */
uint64_t rooms_remote_threads(const struct rooms_local *t, const struct room *r);

#endif
