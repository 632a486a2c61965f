/* SPDX-License-Identifier: Apache-2.0 */
/* file_watch.c: stat-based change detection and whole-file reads for the token and labels files.
 * Does not: retry, log or interpret the bytes.
 * Threads: the caller's; no shared state. */
#include "file_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "wsscale/file_read.h"

#define NS_PER_S INT64_C(1000000000)

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * NS_PER_S + st->st_mtim.tv_nsec;
}

bool file_watch_is_changed(const struct file_watch *w, const char *path)
{
    struct stat st;
    if (!w->has_read || stat(path, &st) != 0)
        return true;
    return st.st_dev != w->dev || st.st_ino != w->ino || st.st_size != w->size ||
           mtime_ns(&st) != w->mtime_ns;
}

int file_watch_read(struct file_watch *w, const char *path, size_t max_bytes, char **data,
                    size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    struct stat st;
    int rc = wss_file_read(path, max_bytes, &buf, &n, &st, NULL, 0);
    if (rc != 0)
        return rc;
    if (n != (size_t)st.st_size) {
        free(buf);
        return -EAGAIN; /* rewritten in place while being read: the next change check retries */
    }
    *data = buf;
    *len = n;
    *w = (struct file_watch){.has_read = true,
                             .dev = st.st_dev,
                             .ino = st.st_ino,
                             .size = st.st_size,
                             .mtime_ns = mtime_ns(&st)};
    return 0;
}
