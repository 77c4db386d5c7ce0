/* IPv4 header (RFC 791). parse checks version, IHL, total length against the
 * buffer and the header checksum; bytes past the total length (Ethernet
 * padding) are excluded from the payload. Options are kept as a view and not
 * interpreted. emit writes a header with the checksum filled in. */
#ifndef SK_WIRE_IPV4_H
#define SK_WIRE_IPV4_H

#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_IP4_HDR_LEN 20
#define SK_IP4_MAX_HDR_LEN 60
#define SK_IPPROTO_ICMP 1
#define SK_IPPROTO_TCP 6
#define SK_IPPROTO_UDP 17

typedef struct {
    uint8_t hdr_len;    /* bytes, 20..60 */
    uint8_t tos;        /* DSCP + ECN */
    uint16_t total_len; /* bytes, header + payload */
    uint16_t id;
    bool df;            /* Don't Fragment */
    bool mf;            /* More Fragments */
    uint16_t frag_off;  /* fragment offset in bytes (multiple of 8) */
    uint8_t ttl;
    uint8_t proto;
    uint16_t checksum;  /* as found (parse) */
    sk_ip4 src;
    sk_ip4 dst;
    const uint8_t *options; /* hdr_len - 20 bytes */
    size_t options_len;
    const uint8_t *payload;
    size_t payload_len; /* total_len - hdr_len */
} sk_ip4_repr;

/* Returns 0, or SK_DROP_IP_TRUNCATED / _VERSION / _HDR_LEN / _TOTAL_LEN /
 * _CHECKSUM / _FRAG_BAD (reserved flag bit set). */
int sk_ip4_parse(const uint8_t *pkt, size_t len, sk_ip4_repr *out);

/* Header length emit will write (20 + options rounded up to 4). */
size_t sk_ip4_emit_len(const sk_ip4_repr *r);
/* Writes the header (20 bytes + options) with the checksum computed from
 * r's fields; total_len is taken from r. Does not write the payload. Returns
 * the header length, or 0 when cap is too small or options exceed 40 bytes. */
size_t sk_ip4_emit(const sk_ip4_repr *r, uint8_t *buf, size_t cap);

bool sk_ip4_is_broadcast(sk_ip4 a);
bool sk_ip4_is_multicast(sk_ip4 a);
bool sk_ip4_eq(sk_ip4 a, sk_ip4 b);
static inline uint32_t sk_ip4_to_u32(sk_ip4 a)
{
    return (uint32_t)a.b[0] << 24 | (uint32_t)a.b[1] << 16 | (uint32_t)a.b[2] << 8 | a.b[3];
}
/* The netmask of a prefix length 0..32, host byte order. */
static inline uint32_t sk_ip4_prefix_mask(uint8_t len)
{
    return len == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - len));
}
/* a and b share their first len bits. */
static inline bool sk_ip4_same_prefix(sk_ip4 a, sk_ip4 b, uint8_t len)
{
    return ((sk_ip4_to_u32(a) ^ sk_ip4_to_u32(b)) & sk_ip4_prefix_mask(len)) == 0;
}
/* The subnet-directed broadcast of net/len (RFC 1122 §3.2.1.3 (d)); a /31
 * or /32 has none (RFC 3021). */
bool sk_ip4_is_subnet_bcast(sk_ip4 a, sk_ip4 net, uint8_t len);
/* a can name one host on net/len (RFC 1122 §3.2.1.3): not 0/8 ("this
 * network"), 127/8, multicast, class E, the limited or the subnet-directed
 * broadcast. */
bool sk_ip4_is_host(sk_ip4 a, sk_ip4 net, uint8_t len);

#endif
