/* ICMPv4 (RFC 792, RFC 1191): echo request/reply, destination unreachable
 * (including fragmentation needed with the next-hop MTU), time exceeded.
 * parse checks the length and the checksum over the whole message. */
#ifndef SK_WIRE_ICMP4_H
#define SK_WIRE_ICMP4_H

#include <stddef.h>
#include <stdint.h>

#define SK_ICMP_HDR_LEN 8
#define SK_ICMP_ECHO_REPLY 0
#define SK_ICMP_DEST_UNREACH 3
#define SK_ICMP_ECHO_REQUEST 8
#define SK_ICMP_TIME_EXCEEDED 11

/* Destination unreachable codes */
#define SK_ICMP_UNREACH_NET 0
#define SK_ICMP_UNREACH_HOST 1
#define SK_ICMP_UNREACH_PROTO 2
#define SK_ICMP_UNREACH_PORT 3
#define SK_ICMP_UNREACH_FRAG_NEEDED 4

typedef struct {
    uint8_t type;
    uint8_t code;
    uint16_t checksum; /* as found (parse) */
    /* echo request/reply */
    uint16_t echo_id;
    uint16_t echo_seq;
    /* destination unreachable, code 4 (RFC 1191) */
    uint16_t next_hop_mtu;
    /* Echo: the data after the 8-byte header. Errors: the quoted original
     * datagram (IP header + at least 8 bytes). */
    const uint8_t *data;
    size_t data_len;
} sk_icmp4_repr;

/* Returns 0, or SK_DROP_ICMP_TRUNCATED / _CHECKSUM / _UNHANDLED (a type we do
 * not parse), or _BAD_QUOTE (an error message quoting fewer than 28 bytes). */
int sk_icmp4_parse(const uint8_t *msg, size_t len, sk_icmp4_repr *out);
/* Writes header + data (copied from r->data) with the checksum. Returns bytes
 * written, or 0 when cap is too small. */
size_t sk_icmp4_emit(const sk_icmp4_repr *r, uint8_t *buf, size_t cap);

#endif
