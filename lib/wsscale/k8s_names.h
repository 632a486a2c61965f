/* SPDX-License-Identifier: Apache-2.0 */
/* k8s_names.h: Kubernetes name validators (DNS-1123 label and subdomain, label key, label value)
 * that explain a failure in the apiserver's own words.
 * Does not: allocate, look at locale, or know where a name came from (the caller adds context).
 * Threads: every function is pure; any thread may call any of them. */
#ifndef WSSCALE_K8S_NAMES_H
#define WSSCALE_K8S_NAMES_H

#include <stddef.h>

#define WSS_K8S_NAMES_DNS_LABEL_MAX     63  /* bytes in a DNS-1123 label (namespace) */
#define WSS_K8S_NAMES_DNS_SUBDOMAIN_MAX 253 /* bytes in a DNS-1123 subdomain (pod name, prefix) */
#define WSS_K8S_NAMES_LABEL_NAME_MAX    63  /* bytes in a label key's name part */
#define WSS_K8S_NAMES_LABEL_VALUE_MAX   63  /* bytes in a label value */

/* A message buffer this large never truncates a validator's message (the longest, a label key
 * failing in both its prefix and its name, is under 700 bytes). */
#define WSS_K8S_NAMES_MSG_LEN 1024

/* Every validator below returns 0 when s[0..len) is valid, or -1 and writes Kubernetes' reasons,
 * joined by "; ", into msg (msg_len bytes, always NUL-terminated, cut if short; msg may be NULL).
 * Byte strings may hold any byte, NUL included. */

/* A DNS-1123 label as namespaces use it: 1-63 of [a-z0-9-], alphanumeric at both ends. */
int wss_k8s_names_check_dns_label(const char *s, size_t len, char *msg, size_t msg_len);

/* A DNS-1123 subdomain as pod names use it: up to 253 bytes of dot-separated labels. */
int wss_k8s_names_check_dns_subdomain(const char *s, size_t len, char *msg, size_t msg_len);

/* A label key: an optional DNS-1123 subdomain prefix and '/', then a 1-63 byte name of
 * [A-Za-z0-9._-] starting and ending alphanumeric. */
int wss_k8s_names_check_label_key(const char *s, size_t len, char *msg, size_t msg_len);

/* A label value: empty, or up to 63 bytes shaped like a label key's name part. */
int wss_k8s_names_check_label_value(const char *s, size_t len, char *msg, size_t msg_len);

/* Writes s as Go's %q prints it (quotes, \" \\ \n \t ..., \xNN for control and invalid UTF-8
 * bytes, \u for C1 controls), so a message names a bad value as the apiserver would. Writes at
 * most out_len bytes including the NUL, cutting the text if short; returns the length written. */
size_t wss_k8s_names_quote(const char *s, size_t len, char *out, size_t out_len);

#endif
