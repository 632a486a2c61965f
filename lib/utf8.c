/* SPDX-License-Identifier: Apache-2.0 */
/* utf8.c: validates UTF-8 (RFC 3629) byte by byte with a small table-driven DFA.
 * Does not: allocate, decode, or keep anything but one state byte per stream.
 * Threads: any; each call touches only the caller's validator. */
#include "wsscale/utf8.h"

#include <string.h>

/* DFA states. Each "need" state names the range the next byte must fall in, which is how overlong
 * forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4) are refused at the second byte
 * rather than after the whole sequence has arrived. */
enum {
    ST_ACCEPT = 0, /* at a code point boundary */
    ST_REJECT = 1, /* sink: never valid again */
    ST_NEED1 = 2,  /* one more 80..BF */
    ST_NEED2 = 3,  /* two more 80..BF */
    ST_NEED3 = 4,  /* three more 80..BF */
    ST_E0 = 5,     /* after E0: A0..BF, then one more */
    ST_ED = 6,     /* after ED: 80..9F, then one more */
    ST_F0 = 7,     /* after F0: 90..BF, then two more */
    ST_F4 = 8,     /* after F4: 80..8F, then two more */
    ST_COUNT = 9,
};

/* Byte classes: bytes that behave alike in every state share a class. */
enum {
    CL_ASCII = 0, /* 00..7F */
    CL_C8x = 1,   /* 80..8F */
    CL_C9x = 2,   /* 90..9F */
    CL_CAB = 3,   /* A0..BF */
    CL_BAD = 4,   /* C0, C1, F5..FF: never appear in UTF-8 */
    CL_L2 = 5,    /* C2..DF: lead of a 2-byte sequence */
    CL_E0 = 6,    /* E0 */
    CL_L3 = 7,    /* E1..EC, EE, EF */
    CL_ED = 8,    /* ED */
    CL_F0 = 9,    /* F0 */
    CL_L4 = 10,   /* F1..F3 */
    CL_F4 = 11,   /* F4 */
    CL_COUNT = 12,
};

/* Class of each byte value, CL_* numbers; the row comments give the byte range. */
static const uint8_t byte_class[256] = {
    0, 0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 00..0F */
    0, 0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 10..1F */
    0, 0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 20..2F */
    0, 0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 30..3F */
    0, 0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 40..4F */
    0, 0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 50..5F */
    0, 0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 60..6F */
    0, 0,  0,  0,  0,  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 70..7F */
    1, 1,  1,  1,  1,  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 80..8F */
    2, 2,  2,  2,  2,  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 90..9F */
    3, 3,  3,  3,  3,  3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* A0..AF */
    3, 3,  3,  3,  3,  3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, /* B0..BF */
    4, 4,  5,  5,  5,  5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* C0..CF */
    5, 5,  5,  5,  5,  5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, /* D0..DF */
    6, 7,  7,  7,  7,  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 7, /* E0..EF */
    9, 10, 10, 10, 11, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, /* F0..FF */
};

/* next_state[state][class]. Continuation classes 1..3 advance a "need" state; everything a state
 * does not list goes to ST_REJECT. */
static const uint8_t next_state[ST_COUNT][CL_COUNT] = {
    [ST_ACCEPT] = {ST_ACCEPT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_NEED1, ST_E0, ST_NEED2,
                   ST_ED, ST_F0, ST_NEED3, ST_F4},
    [ST_REJECT] = {ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT,
                   ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT},
    [ST_NEED1] = {ST_REJECT, ST_ACCEPT, ST_ACCEPT, ST_ACCEPT, ST_REJECT, ST_REJECT, ST_REJECT,
                  ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT},
    [ST_NEED2] = {ST_REJECT, ST_NEED1, ST_NEED1, ST_NEED1, ST_REJECT, ST_REJECT, ST_REJECT,
                  ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT},
    [ST_NEED3] = {ST_REJECT, ST_NEED2, ST_NEED2, ST_NEED2, ST_REJECT, ST_REJECT, ST_REJECT,
                  ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT},
    [ST_E0] = {ST_REJECT, ST_REJECT, ST_REJECT, ST_NEED1, ST_REJECT, ST_REJECT, ST_REJECT,
               ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT},
    [ST_ED] = {ST_REJECT, ST_NEED1, ST_NEED1, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT,
               ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT},
    [ST_F0] = {ST_REJECT, ST_REJECT, ST_NEED2, ST_NEED2, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT,
               ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT},
    [ST_F4] = {ST_REJECT, ST_NEED2, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT,
               ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT, ST_REJECT},
};

/* Bytes per ASCII fast-path step, and the mask that finds a high bit among them. */
#define ASCII_WORD_BYTES 8
#define ASCII_HIGH_BITS  UINT64_C(0x8080808080808080)

void wss_utf8_reset(struct wss_utf8 *v)
{
    v->state = ST_ACCEPT;
}

enum wss_utf8_result wss_utf8_feed(struct wss_utf8 *v, const uint8_t *p, size_t n, size_t *bad_at)
{
    uint8_t state = v->state;
    size_t i = 0;

    if (state == ST_REJECT) {
        if (bad_at != NULL)
            *bad_at = 0;
        return WSS_UTF8_INVALID;
    }
    while (i < n) {
        /* Chat text is mostly ASCII: skip it a word at a time while at a boundary. */
        if (state == ST_ACCEPT) {
            while (n - i >= ASCII_WORD_BYTES) {
                uint64_t w;
                memcpy(&w, p + i, sizeof(w));
                if ((w & ASCII_HIGH_BITS) != 0)
                    break;
                i += ASCII_WORD_BYTES;
            }
            if (i == n)
                break;
        }
        state = next_state[state][byte_class[p[i]]];
        if (state == ST_REJECT) {
            v->state = ST_REJECT;
            if (bad_at != NULL)
                *bad_at = i;
            return WSS_UTF8_INVALID;
        }
        i++;
    }
    v->state = state;
    return state == ST_ACCEPT ? WSS_UTF8_OK : WSS_UTF8_INCOMPLETE;
}

enum wss_utf8_result wss_utf8_finish(const struct wss_utf8 *v)
{
    if (v->state == ST_REJECT)
        return WSS_UTF8_INVALID;
    return v->state == ST_ACCEPT ? WSS_UTF8_OK : WSS_UTF8_INCOMPLETE;
}

bool wss_utf8_is_valid(const uint8_t *p, size_t n)
{
    struct wss_utf8 v = {0};
    return wss_utf8_feed(&v, p, n, NULL) == WSS_UTF8_OK;
}
