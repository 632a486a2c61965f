/* SPDX-License-Identifier: Apache-2.0 */
/* file_watch.h: a small file read whole and re-read only when it changes (device, inode, size or
 * modification time), as the kubelet replaces projected tokens and downward-API files.
 * Does not: use inotify, keep the contents, or parse them.
 * Threads: a watch belongs to one thread. */
#ifndef SIDECAR_FILE_WATCH_H
#define SIDECAR_FILE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the last successful read saw; zero-initialise. */
struct file_watch {
    bool has_read;    /* private */
    dev_t dev;        /* private */
    ino_t ino;        /* private */
    off_t size;       /* private */
    int64_t mtime_ns; /* private */
};

/* True when path (symlinks followed) is not the file the last file_watch_read read: never read,
 * another inode, size or mtime, or gone. One stat(2). */
bool file_watch_is_changed(const struct file_watch *w, const char *path);

/* Reads the whole file (at most max_bytes) into a new NUL-terminated buffer (free with free())
 * and records what it read from the same open file. Returns 0, or a negative errno: -EFBIG past
 * max_bytes, -EAGAIN when the size changed during the read, -EISDIR or -EINVAL when not a regular
 * file, -ENOMEM, or open/read's (as wss_file_read); w is unchanged on failure. */
int file_watch_read(struct file_watch *w, const char *path, size_t max_bytes, char **data,
                    size_t *len);

#endif
