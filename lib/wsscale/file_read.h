/* SPDX-License-Identifier: Apache-2.0 */
/* file_read.h: reads a small regular file whole (certificates, tokens, downward-API files) into a
 * NUL-terminated heap buffer, with a size cap and without blocking on a FIFO.
 * Does not: watch for changes, retry, log, or interpret the bytes.
 * Threads: thread-safe; no shared state. */
#ifndef WSSCALE_FILE_READ_H
#define WSSCALE_FILE_READ_H

#include <stddef.h>
#include <sys/stat.h>

/* Reads path (symlinks followed) to EOF into *data (NUL-terminated, free with free()) and *len,
 * and, when st is not NULL, the fstat(2) of the same open file. Returns 0, or a negative errno
 * with *data NULL and "PATH: reason" in err (err may be NULL): open/fstat/read's, -EISDIR for a
 * directory or -EINVAL for another non-regular file ("not a regular file"), -EFBIG past max_bytes
 * ("larger than N bytes"), -ENOMEM ("out of memory"). An empty file is read. Thread-safe. */
int wss_file_read(const char *path, size_t max_bytes, char **data, size_t *len, struct stat *st,
                  char *err, size_t errlen);

#endif
