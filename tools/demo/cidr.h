/* SPDX-License-Identifier: Apache-2.0 */
/* cidr.h: an IPv4 network in CIDR notation ("10.213.0.0/24", --pod-cidr) and IPv4 text.
 * Does not: allocate, do I/O, know IPv6, or know which networks the host uses (pod_network.c).
 * Threads: pure functions over caller-owned buffers; safe from any thread. */
#ifndef DEMO_CIDR_H
#define DEMO_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"

/* An IPv4 address in dotted-quad text, NUL included ("255.255.255.255"). */
#define CIDR_IP_TEXT_LEN 16

struct cidr {
    uint32_t addr;   /* the network's first address, host byte order; no bits past prefix */
    unsigned prefix; /* 0..32 */
};

/* Parses all of s[0..len) as "A.B.C.D/P": decimal octets 0-255 and a prefix 0-32, neither with a
 * leading zero (inet_aton would read 010 as octal), and no host bits set. Returns len, or
 * WSS_PARSE_INVALID with err (offset and reason); *out is written only on success. Pure. */
int cidr_parse(const char *s, size_t len, struct cidr *out, struct wss_parse_err *err);

/* The netmask of a prefix length (0..32; larger counts as 32), host byte order. Pure. */
uint32_t cidr_mask(unsigned prefix);

/* True when a and b share at least one address. Pure. */
bool cidr_overlaps(struct cidr a, struct cidr b);

/* Writes addr (host byte order) as dotted-quad text into out. Cannot fail. Pure. */
void cidr_format_ip(uint32_t addr, char out[CIDR_IP_TEXT_LEN]);

#endif
