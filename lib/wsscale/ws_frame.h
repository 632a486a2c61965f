/* SPDX-License-Identifier: Apache-2.0 */
/* ws_frame.h: RFC 6455 framing: a streaming decoder that unmasks in place, a header encoder, and
 * close-payload helpers.
 * Does not: read or write sockets, allocate, buffer whole messages, or negotiate extensions.
 * Threads: a decoder belongs to one connection; every function touches only what it is given. */
#ifndef WSSCALE_WS_FRAME_H
#define WSSCALE_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsscale/parse.h"
#include "wsscale/utf8.h"

/* Longest frame header in bytes: 2 fixed, 8 of extended length, 4 of masking key. */
#define WSS_WS_FRAME_HEADER_MAX 14
/* Largest control-frame payload in bytes (RFC 6455 section 5.5). */
#define WSS_WS_FRAME_CONTROL_MAX 125
/* Longest close reason in bytes: the control maximum less the 2-byte code. */
#define WSS_WS_FRAME_CLOSE_REASON_MAX (WSS_WS_FRAME_CONTROL_MAX - 2)

/* Opcodes this codec speaks; every other value is reserved and fails the connection. */
enum wss_ws_opcode {
    WSS_WS_OP_CONTINUATION = 0x0,
    WSS_WS_OP_TEXT = 0x1,
    WSS_WS_OP_BINARY = 0x2,
    WSS_WS_OP_CLOSE = 0x8,
    WSS_WS_OP_PING = 0x9,
    WSS_WS_OP_PONG = 0xA,
};

/* Close codes the server sends or meets (RFC 6455 section 7.4.1). */
enum wss_ws_close_code {
    WSS_WS_CLOSE_NORMAL = 1000,
    WSS_WS_CLOSE_GOING_AWAY = 1001,     /* sent when draining */
    WSS_WS_CLOSE_PROTOCOL_ERROR = 1002, /* bad framing, bad close payload */
    WSS_WS_CLOSE_UNSUPPORTED = 1003,
    WSS_WS_CLOSE_NO_STATUS = 1005, /* never on the wire: a Close frame with an empty payload */
    WSS_WS_CLOSE_ABNORMAL = 1006,  /* never on the wire: TCP dropped without a Close */
    WSS_WS_CLOSE_INVALID_PAYLOAD = 1007, /* text or close reason that is not UTF-8 */
    WSS_WS_CLOSE_POLICY = 1008,
    WSS_WS_CLOSE_TOO_BIG = 1009, /* message over the decoder's max_message_len */
    WSS_WS_CLOSE_MANDATORY_EXT = 1010,
    WSS_WS_CLOSE_INTERNAL_ERROR = 1011,
    WSS_WS_CLOSE_TRY_AGAIN_LATER = 1013, /* IANA-registered, as are 1012 and 1014 */
    WSS_WS_CLOSE_IANA_LAST = 1014,       /* last code in the 1000-range a peer may send */
    WSS_WS_CLOSE_TLS = 1015,             /* never on the wire: the TLS handshake failed */
    WSS_WS_CLOSE_APP_FIRST = 3000,       /* 3000-3999 for libraries, 4000-4999 for applications */
    WSS_WS_CLOSE_APP_LAST = 4999,
};

/* Which side's frames a decoder reads: servers demand masked frames, clients unmasked ones. */
enum wss_ws_frame_role {
    WSS_WS_FRAME_ROLE_SERVER = 0, /* the zero value: decode frames sent by a client */
    WSS_WS_FRAME_ROLE_CLIENT = 1, /* decode frames sent by a server (load generator, tests) */
};

/* Why decoding failed: the close code to send and a message for the log. */
struct wss_ws_frame_err {
    uint16_t close_code;        /* 1002, 1007 or 1009 */
    struct wss_parse_err parse; /* offset into the bytes of the failing call, and the text */
};

enum wss_ws_frame_event_type {
    WSS_WS_FRAME_EV_NONE = 0, /* every byte fed was consumed and nothing is ready: feed more */
    WSS_WS_FRAME_EV_DATA,     /* a chunk of a text or binary message (possibly empty) */
    WSS_WS_FRAME_EV_PING,     /* a whole ping; answer with a pong carrying the same payload */
    WSS_WS_FRAME_EV_PONG,     /* a whole pong */
    WSS_WS_FRAME_EV_CLOSE,    /* a whole, valid Close; later input is ignored */
};

/* One thing the decoder found. Pointers are borrowed and valid until the next decode call and
 * only while the caller's buffer is unchanged. */
struct wss_ws_frame_event {
    enum wss_ws_frame_event_type type;
    enum wss_ws_opcode opcode; /* DATA: the message's WSS_WS_OP_TEXT or WSS_WS_OP_BINARY, also for
                              the continuation frames that carry it; else the frame's opcode */
    uint8_t *data;             /* payload, unmasked: inside the caller's buffer, or inside the
                                  decoder for a control frame that arrived split across calls */
    size_t len;                /* bytes at data; 0 for an empty frame */
    uint64_t frame_len;        /* DATA: payload length of the frame this chunk belongs to */
    bool is_frame_start;       /* DATA: the chunk starts a frame */
    bool is_frame_end;         /* DATA: the chunk ends a frame */
    bool is_message_start;     /* DATA: the chunk starts a message */
    bool is_message_end;       /* DATA: the chunk ends a message (text was checked complete) */
    uint16_t close_code;       /* CLOSE: the peer's code, WSS_WS_CLOSE_NO_STATUS if it sent none */
    const uint8_t *reason;     /* CLOSE: the peer's UTF-8 reason (borrowed, as data) */
    size_t reason_len;         /* CLOSE: bytes at reason, 0..123 */
};

/* Decoder state. Zero-initialise, optionally set the public settings, then feed bytes. */
struct wss_ws_frame_decoder {
    /* public settings; zero is the default */
    uint64_t max_message_len; /* bytes across all fragments of a message; 0 = no limit */
    enum wss_ws_frame_role role;
    /* public, read-only */
    uint16_t fail_code; /* 0, or the close code of the failure; failing is final */
    bool is_closed;     /* a Close was delivered; every later byte is consumed and ignored */
    /* private */
    uint8_t phase;
    uint8_t hdr_len;
    uint8_t hdr_need;
    uint8_t hdr[WSS_WS_FRAME_HEADER_MAX];
    uint8_t frame_opcode;
    bool is_fin;
    bool is_masked;
    uint8_t mask_key[4];
    uint8_t msg_opcode; /* 0 when no data message is open */
    uint64_t frame_len;
    uint64_t frame_done;
    uint64_t msg_len;
    struct wss_utf8 utf8;
    uint8_t ctl_len;
    uint8_t ctl[WSS_WS_FRAME_CONTROL_MAX];
};

/* Decodes from buf[0..len): consumes bytes up to and including the next event, unmasks payload
 * in place (buf must be writable) and validates text as UTF-8 as it arrives. Returns bytes
 * consumed (>= 0; ev->type says whether an event is ready) or WSS_PARSE_INVALID with err filled
 * (close code and reason) and fail_code set; after a failure every call fails the same way.
 * Call again with the unconsumed rest until it returns WSS_WS_FRAME_EV_NONE. At most INT_MAX bytes
 * are looked at per call. Not thread-safe for one decoder. */
int wss_ws_frame_decode(struct wss_ws_frame_decoder *d, uint8_t *buf, size_t len,
                        struct wss_ws_frame_event *ev, struct wss_ws_frame_err *err);

/* Writes the header of one frame into out and returns its length (2..14), or 0 if the frame
 * would be invalid (unknown opcode, control frame fragmented or over 125 bytes, length >= 2^63).
 * mask_key is NULL for server frames, or 4 bytes for client frames (then mask the payload with
 * wss_ws_frame_mask). Pure; thread-safe. */
size_t wss_ws_frame_encode_header(uint8_t out[WSS_WS_FRAME_HEADER_MAX], enum wss_ws_opcode opcode,
                                  bool is_fin, uint64_t payload_len, const uint8_t *mask_key);

/* XORs p[0..n) with the masking key, starting at key byte (key_offset % 4); masking twice
 * restores the bytes. Cannot fail; thread-safe. */
void wss_ws_frame_mask(uint8_t *p, size_t n, const uint8_t key[4], size_t key_offset);

/* True if a peer may send this code in a Close frame: 1000-1003, 1007-1014, 3000-4999. */
bool wss_ws_frame_close_code_is_valid(uint16_t code);

/* Parses a Close payload: empty (code WSS_WS_CLOSE_NO_STATUS), or a valid code plus a UTF-8 reason.
 * Returns len, or WSS_PARSE_INVALID with err->close_code 1002 (1 byte, over 125 bytes, invalid
 * code) or 1007 (reason not UTF-8). The reason is borrowed from p. Pure; thread-safe. */
int wss_ws_frame_close_parse(const uint8_t *p, size_t len, uint16_t *code, const uint8_t **reason,
                             size_t *reason_len, struct wss_ws_frame_err *err);

/* Writes a Close payload into out: nothing for WSS_WS_CLOSE_NO_STATUS, else the code and as much of
 * reason as fits in 123 bytes, cut at a UTF-8 code point boundary. Returns its length (0..125).
 * Pure; thread-safe. */
size_t wss_ws_frame_close_payload(uint8_t out[WSS_WS_FRAME_CONTROL_MAX], uint16_t code,
                                  const char *reason, size_t reason_len);

#endif
