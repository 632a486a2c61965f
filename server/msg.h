/* SPDX-License-Identifier: Apache-2.0 */
/* msg.h: a reference-counted byte buffer: one encoded frame shared by every connection and thread
 * it is sent to, with a short routing tag (the room name).
 * Does not: encode frames or know about connections; callers fill data before sharing it.
 * Threads: msg_ref/msg_unref are atomic and thread-safe; the bytes and tag are read-only once a
 * second reference exists. */
#ifndef WSSCALE_SERVER_MSG_H
#define WSSCALE_SERVER_MSG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Largest msg in bytes; frames of larger messages cannot be built. */
#define MSG_MAX_LEN (UINT32_MAX - 4096u)
/* Longest tag in bytes (a room name). */
#define MSG_TAG_MAX 64

struct msg {
    atomic_uint refs;      /* private */
    uint32_t len;          /* public: bytes at data in use (the sole owner may shrink it) */
    uint32_t start;        /* public: where the frame begins; bytes before it are headroom */
    uint8_t tag_len;       /* public, read-only */
    char tag[MSG_TAG_MAX]; /* public, read-only: not NUL-terminated */
    uint8_t data[];        /* public: len bytes, written by the sole owner before sharing */
};

/* Allocates a msg of len bytes (contents undefined, start 0, empty tag) holding one reference. NULL
 * when out of memory or len > MSG_MAX_LEN. Thread-safe. */
struct msg *msg_new(size_t len);

/* Reallocates a msg nobody else references to len bytes (len is set to it), keeping the first
 * bytes; returns the moved msg, or NULL (m unchanged and still owned) when out of memory or len >
 * MSG_MAX_LEN. */
struct msg *msg_resize(struct msg *m, size_t len);

/* Copies tag[0..len) into m before it is shared. 0, or -EINVAL if len > MSG_TAG_MAX. */
int msg_set_tag(struct msg *m, const char *tag, size_t len);

/* Takes another reference and returns m. Thread-safe. */
struct msg *msg_ref(struct msg *m);

/* Drops a reference, freeing m with the last; accepts NULL. Thread-safe. */
void msg_unref(struct msg *m);

#endif
