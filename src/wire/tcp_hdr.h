/* The TCP header and its options (RFC 9293 §3.1, RFC 7323, RFC 2018).
 *
 * Options parsed: EOL, NOP, MSS (2), window scale (3), SACK-permitted (4),
 * SACK (5), timestamps (8). Unknown options are skipped by their length.
 *
 * Malformed option lists (RFC 9293 §3.1, MUST-7 "robust against illegal
 * option lengths"): we do what Linux does, because that is what peers expect.
 * The segment is kept; parsing stops at an option whose length is below 2 or
 * runs past the header (or has no room for its length byte), keeping the
 * options read before it; a known option with the wrong length (MSS not 4,
 * window scale not 3, SACK-permitted not 2, timestamps not 10, SACK not 2+8n
 * with n >= 1) is ignored and parsing goes on. Either case sets
 * opts.malformed so that the stack can count it. EOL ends the list: bytes
 * after it are padding and never looked at. The parser reports MSS, window
 * scale and SACK-permitted on any segment; honouring them only on a SYN
 * (RFC 9293 §3.7.1, RFC 7323 §2.2) is the TCP layer's job.
 * See docs/rfc-coverage.md. */
#ifndef SK_WIRE_TCP_HDR_H
#define SK_WIRE_TCP_HDR_H

#include "base/seq.h"
#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_TCP_HDR_LEN 20
#define SK_TCP_CSUM_OFF 16 /* offset of the checksum field */
#define SK_TCP_MAX_HDR_LEN 60
#define SK_TCP_MAX_SACK 4

enum {
    SK_TCP_FIN = 0x01,
    SK_TCP_SYN = 0x02,
    SK_TCP_RST = 0x04,
    SK_TCP_PSH = 0x08,
    SK_TCP_ACK = 0x10,
    SK_TCP_URG = 0x20,
    SK_TCP_ECE = 0x40,
    SK_TCP_CWR = 0x80,
};

enum {
    SK_TCPOPT_EOL = 0,
    SK_TCPOPT_NOP = 1,
    SK_TCPOPT_MSS = 2,
    SK_TCPOPT_WSCALE = 3,
    SK_TCPOPT_SACK_PERM = 4,
    SK_TCPOPT_SACK = 5,
    SK_TCPOPT_TS = 8,
};

typedef struct {
    sk_seq left;  /* first sequence number of the block */
    sk_seq right; /* sequence number just past the block */
} sk_sack_block;

typedef struct {
    bool has_mss;
    bool has_wscale;
    bool sack_permitted;
    bool has_ts;
    bool malformed; /* parse: the option list broke a rule (see above) */
    uint8_t wscale; /* as sent; RFC 7323 §2.3 clamps use above 14 */
    uint16_t mss;
    uint32_t ts_val;
    uint32_t ts_ecr;
    uint8_t n_sack; /* 0..SK_TCP_MAX_SACK */
    sk_sack_block sack[SK_TCP_MAX_SACK];
} sk_tcp_opts;

typedef struct {
    uint16_t src_port;
    uint16_t dst_port;
    sk_seq seq;
    sk_seq ack;
    uint8_t hdr_len; /* parse: data offset in bytes; emit: ignored */
    uint8_t flags;   /* SK_TCP_* */
    uint16_t window; /* raw 16-bit field (unscaled) */
    uint16_t checksum; /* parse: as found */
    uint16_t urgent;
    sk_tcp_opts opts;
    const uint8_t *payload;
    size_t payload_len;
    /* not on the wire: a super-segment (TSO out, GRO in) stands for
     * segments of gso_size payload bytes each (the last may be shorter);
     * 0: one segment. Parse sets 0, emit ignores it. */
    uint16_t gso_size;
} sk_tcp_repr;

/* Parse a TCP segment (header + payload) of `len` bytes. Does not check the
 * checksum (see sk_tcp_checksum_ok4). Returns 0, or SK_DROP_TCP_TRUNCATED /
 * _DATA_OFFSET / _SYN_RST. SYN+FIN is parsed: its meaning depends on the
 * state (the TCP layer counts TCP_SYN_FIN where it drops one). */
int sk_tcp_parse(const uint8_t *seg, size_t len, sk_tcp_repr *out);

/* Bytes of options the layout below needs for `o` (a multiple of 4). Above
 * 40 (e.g. timestamps + 4 SACK blocks = 48) emit refuses: with timestamps
 * the caller must send at most 3 SACK blocks (RFC 2018 §3). */
size_t sk_tcp_opts_len(const sk_tcp_opts *o);

/* How many SACK blocks fit beside the other options of a data or ACK
 * segment (RFC 2018 §3): 40 bytes of option space hold 4 (2 NOPs, kind,
 * length, 8 bytes a block), 3 beside the 12 bytes of timestamps. */
static inline uint8_t sk_tcp_sack_room(const sk_tcp_opts *o)
{
    return o->has_ts ? 3 : SK_TCP_MAX_SACK;
}
/* Header length (20 + options). */
size_t sk_tcp_hdr_len(const sk_tcp_repr *r);

/* Write the header and options, then the payload if r->payload is non-NULL
 * and not already at buf + header length (it may overlap buf). The checksum
 * field is written as zero (see sk_tcp_fill_checksum4). Option layout follows
 * Linux: MSS, then SACK-permitted+timestamps (or NOP NOP timestamps, or NOP
 * NOP SACK-permitted), NOP + window scale, then NOP NOP + SACK blocks.
 * Returns bytes written (header + payload), or 0 (nothing written) when cap
 * is too small, the options do not fit in 40 bytes, n_sack exceeds
 * SK_TCP_MAX_SACK, or payload is NULL with payload_len > 0. */
size_t sk_tcp_emit(const sk_tcp_repr *r, uint8_t *buf, size_t cap);

/* Fill the checksum of the segment seg[0..len) using the IPv4 pseudo-header. */
void sk_tcp_fill_checksum4(sk_ip4 src, sk_ip4 dst, uint8_t *seg, size_t len);
/* True when the segment's checksum is right for the IPv4 pseudo-header. */
bool sk_tcp_checksum_ok4(sk_ip4 src, sk_ip4 dst, const uint8_t *seg, size_t len);

/* Sequence space the segment occupies: payload + 1 for SYN + 1 for FIN. */
static inline uint32_t sk_tcp_seg_len(const sk_tcp_repr *r)
{
    return (uint32_t)r->payload_len + ((r->flags & SK_TCP_SYN) ? 1u : 0u) +
           ((r->flags & SK_TCP_FIN) ? 1u : 0u);
}

#endif
