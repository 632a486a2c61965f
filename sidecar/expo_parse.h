/* SPDX-License-Identifier: Apache-2.0 */
/* expo_parse.h: a streaming parser for Prometheus text exposition format 0.0.4, one line per
 * call: comments, # HELP and # TYPE, sample lines with label sets, values and timestamps.
 * Does not: allocate, do I/O, group samples into families, or check HELP/TYPE ordering.
 * Threads: pure; a parser state and its outputs belong to one caller. */
#ifndef SIDECAR_EXPO_PARSE_H
#define SIDECAR_EXPO_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/labels.h"
#include "wsscale/parse.h"

/* Longest value or timestamp token accepted, in bytes; Go prints no float64 longer than 24. */
#define EXPO_NUMBER_MAX 64

enum expo_line_kind {
    EXPO_LINE_BLANK = 0, /* empty, or only blanks */
    EXPO_LINE_COMMENT,   /* '#' and text that is not a HELP or TYPE line */
    EXPO_LINE_HELP,      /* # HELP name docstring */
    EXPO_LINE_TYPE,      /* # TYPE name type */
    EXPO_LINE_SAMPLE,    /* name{labels} value [timestamp] */
};

enum expo_type {
    EXPO_TYPE_UNTYPED = 0,
    EXPO_TYPE_COUNTER,
    EXPO_TYPE_GAUGE,
    EXPO_TYPE_HISTOGRAM,
    EXPO_TYPE_SUMMARY,
};

/* One parsed line. The caller sets the storage fields; the parser sets the rest. */
struct expo_line {
    /* Storage, set by the caller: */
    struct wss_label *labels; /* borrowed; labels_cap entries for a sample's labels */
    size_t labels_cap;
    char *buf; /* borrowed; unescaped label values and help text go here; buf_len >= the
                  line's length always suffices */
    size_t buf_len;
    /* Results, set by the parser: */
    enum expo_line_kind kind;
    const char *name; /* HELP, TYPE, SAMPLE: borrowed from the input; not NUL-terminated */
    size_t name_len;
    const char *help; /* HELP: unescaped; in the input or in buf; not NUL-terminated */
    size_t help_len;
    enum expo_type type;  /* TYPE */
    size_t nlabels;       /* SAMPLE: entries written to labels; values in the input or buf */
    double value;         /* SAMPLE: may be NaN or +-Inf */
    bool has_timestamp;   /* SAMPLE */
    int64_t timestamp_ms; /* SAMPLE, when has_timestamp */
};

/* Where the parser is in the stream; zero-initialise before the first line. */
struct expo_parser {
    size_t line;   /* private: lines consumed so far, for messages */
    size_t offset; /* private: bytes consumed so far, for error offsets */
};

/* Parses the line at s[0..len), which ends at the first '\n' (or at len when is_eof says no more
 * bytes will come; the format wants a final '\n', this parser forgives its absence). Returns the
 * bytes consumed ('\n' included), 0 when len is 0 and is_eof, WSS_PARSE_INCOMPLETE when no '\n'
 * is in s and more may come, or WSS_PARSE_INVALID with err->msg "line N: ..." and err->offset
 * counted from the start of the stream: a bad name, label set, escape, value or timestamp, a
 * duplicate label, more labels than labels_cap, text after the timestamp, invalid UTF-8 in a
 * label value or help text, or a full buf. Pure. */
int expo_parse_line(struct expo_parser *p, const char *s, size_t len, bool is_eof,
                    struct expo_line *out, struct wss_parse_err *err);

/* "counter", "gauge", "histogram", "summary" or "untyped". Pure. */
const char *expo_type_name(enum expo_type t);

#endif
