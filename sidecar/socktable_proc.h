/* SPDX-License-Identifier: Apache-2.0 */
/* socktable_proc.h: the /proc/net/tcp and /proc/net/tcp6 text, line by line and as a stream of
 * read() chunks, counting ESTABLISHED sockets whose local port is one of a set. The socket
 * source's fallback when NETLINK_SOCK_DIAG is refused.
 * Does not: open or read the files (source_socktable.c does), or decode addresses to sockaddrs.
 * Threads: pure functions over caller-owned state; any thread, on distinct state. */
#ifndef SIDECAR_SOCKTABLE_PROC_H
#define SIDECAR_SOCKTABLE_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"

/* Longest line accepted, newline included. The kernel pads tcp lines to 150 bytes and writes
 * tcp6 lines of about 180; anything past this is not the kernel's format. */
#define SOCKTABLE_PROC_LINE_MAX 512

/* include/net/tcp_states.h: the "st" column. */
#define SOCKTABLE_PROC_ESTABLISHED 0x01

/* Address digits: four bytes for tcp, sixteen for tcp6, each byte as two hex digits. */
#define SOCKTABLE_PROC_ADDR4_DIGITS 8
#define SOCKTABLE_PROC_ADDR6_DIGITS 32

/* One socket line. The addresses are the kernel's hex words (host byte order), not decoded. */
struct socktable_proc_entry {
    const char *local_addr;  /* borrowed; addr_digits hex digits inside the parsed line */
    const char *remote_addr; /* borrowed; addr_digits hex digits inside the parsed line */
    size_t addr_digits;      /* SOCKTABLE_PROC_ADDR4_DIGITS or SOCKTABLE_PROC_ADDR6_DIGITS */
    uint32_t slot;           /* the "sl" column */
    uint16_t local_port;
    uint16_t remote_port;
    uint8_t state; /* the "st" column; SOCKTABLE_PROC_ESTABLISHED is 0x01 */
};

/* Parses one socket line s[0..len) without its newline ("  12: 0100007F:1F90 ... 01 ...").
 * The columns after "st" are not interpreted. Returns len, or WSS_PARSE_INVALID with err for
 * anything not in the kernel's layout (offset into s). Pure. */
int socktable_proc_parse_line(const char *s, size_t len, struct socktable_proc_entry *out,
                              struct wss_parse_err *err);

/* A count over one file, fed in chunks. Zero it before the first chunk; one per file. */
struct socktable_proc_count {
    uint64_t matched; /* public, read-only: ESTABLISHED lines with a wanted local port */
    uint64_t entries; /* public, read-only: socket lines seen */
    uint64_t lines;   /* private: lines completed, header included */
};

/* Feeds buf[0..len): the bytes not yet consumed by earlier calls followed by new ones. Parses
 * every complete line: the first must be the header, the rest socket lines, counted into c when
 * ESTABLISHED with a local port among ports[0..nports). Returns the bytes consumed (through the
 * last newline); the caller keeps the rest and presents it again, with more, next time.
 * WSS_PARSE_INCOMPLETE when buf holds no newline yet; WSS_PARSE_INVALID with err ("line N: ...",
 * offset into buf) for a bad header or line, or a line over SOCKTABLE_PROC_LINE_MAX. Pure. */
int socktable_proc_feed(struct socktable_proc_count *c, const char *buf, size_t len,
                        const uint16_t *ports, size_t nports, struct wss_parse_err *err);

/* Checks the end of a file: leftover is how many unconsumed bytes remained at EOF. Returns 0,
 * or WSS_PARSE_INVALID with err when the file had no header or ended inside a line. Pure. */
int socktable_proc_end(const struct socktable_proc_count *c, size_t leftover,
                       struct wss_parse_err *err);

#endif
