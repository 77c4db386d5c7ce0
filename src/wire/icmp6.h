/* ICMPv6 (RFC 4443): the header, its checksum over the IPv6 pseudo-header
 * (RFC 8200 §8.1), echo, and the four error messages with the invoking
 * packet quoted. Neighbour Discovery bodies are in nd6.h, MLDv2 reports in
 * mld6.h; sk_icmp6_parse checks their checksum and passes them on. */
#ifndef SK_WIRE_ICMP6_H
#define SK_WIRE_ICMP6_H

#include "wire/ipv6.h"

#include <stddef.h>
#include <stdint.h>

#define SK_ICMP6_HDR_LEN 8 /* type, code, checksum and the type's first word */

/* Types (RFC 4443 §2.1, RFC 4861 §4, RFC 3810 §5). */
#define SK_ICMP6_DEST_UNREACH 1
#define SK_ICMP6_PACKET_TOO_BIG 2
#define SK_ICMP6_TIME_EXCEEDED 3
#define SK_ICMP6_PARAM_PROBLEM 4
#define SK_ICMP6_ECHO_REQUEST 128
#define SK_ICMP6_ECHO_REPLY 129
#define SK_ICMP6_ND_RS 133
#define SK_ICMP6_ND_RA 134
#define SK_ICMP6_ND_NS 135
#define SK_ICMP6_ND_NA 136
#define SK_ICMP6_ND_REDIRECT 137
#define SK_ICMP6_MLD_QUERY 130
#define SK_ICMP6_MLD2_REPORT 143

/* Destination unreachable codes (RFC 4443 §3.1). */
#define SK_ICMP6_UNREACH_NO_ROUTE 0
#define SK_ICMP6_UNREACH_ADMIN 1
#define SK_ICMP6_UNREACH_BEYOND_SCOPE 2
#define SK_ICMP6_UNREACH_ADDR 3
#define SK_ICMP6_UNREACH_PORT 4
#define SK_ICMP6_UNREACH_POLICY 5
#define SK_ICMP6_UNREACH_REJECT_ROUTE 6
/* Time exceeded codes (RFC 4443 §3.3). */
#define SK_ICMP6_TIME_HOP_LIMIT 0
#define SK_ICMP6_TIME_REASSEMBLY 1

/* The most of the invoking packet an error may quote: the error must fit
 * the IPv6 minimum MTU (RFC 4443 §2.4(c)): 1280 - 40 - 8. */
#define SK_ICMP6_ERR_QUOTE_MAX (SK_IP6_MIN_MTU - SK_IP6_HDR_LEN - SK_ICMP6_HDR_LEN)

typedef struct {
    uint8_t type;
    uint8_t code;
    uint16_t checksum; /* parse: as found */
    uint16_t echo_id;  /* echo request/reply */
    uint16_t echo_seq;
    uint32_t mtu;     /* packet too big */
    uint32_t pointer; /* parameter problem: offset into the invoking packet */
    uint32_t word;    /* parse: the raw first word of the type (bytes 4-7) */
    /* Echo: the data. Errors: the quoted invoking packet (parse: at least
     * its 40-byte header). ND and MLD: the body after byte 8. */
    const uint8_t *data;
    size_t data_len;
} sk_icmp6_repr;

static inline bool sk_icmp6_is_error(uint8_t type)
{
    return type < 128; /* RFC 4443 §2.1 */
}

/* Parse the ICMPv6 message msg[0..len) carried from src to dst. Checks, in
 * this order: 8 bytes (SK_DROP_ICMP6_TRUNCATED), the checksum (_CHECKSUM),
 * a type we pass on (_UNHANDLED: unknown informational types are discarded,
 * RFC 4443 §2.4(b); every error type is passed on, §2.4(a)), and for an
 * error a quote of at least an IPv6 header with version 6 (_BAD_QUOTE,
 * §2.4(d): without it the upper layer cannot be found). Codes are not
 * judged here (ND's code 0 rule is sk_nd_check's). */
int sk_icmp6_parse(sk_ip6 src, sk_ip6 dst, const uint8_t *msg, size_t len,
                   sk_icmp6_repr *out);

/* Write the message with its checksum for src -> dst: the first word from
 * echo_id/echo_seq, mtu or pointer by type, zero for destination
 * unreachable and time exceeded ("unused", RFC 4443 §3.1, §3.3), r->word for
 * any other type; then r->data (moved; it may overlap buf), for an error
 * cut to SK_ICMP6_ERR_QUOTE_MAX bytes. Returns bytes written, or 0 when cap
 * is too small or the message would pass 65535 bytes. */
size_t sk_icmp6_emit(sk_ip6 src, sk_ip6 dst, const sk_icmp6_repr *r, uint8_t *buf,
                     size_t cap);

/* Fill the checksum (bytes 2-3) of the ICMPv6 message msg[0..len). */
void sk_icmp6_fill_checksum(sk_ip6 src, sk_ip6 dst, uint8_t *msg, size_t len);

#endif
