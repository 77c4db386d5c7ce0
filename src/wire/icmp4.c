/* ICMPv4 (RFC 792), with the next-hop MTU of RFC 1191 §4.
 *
 * parse checks, in this order:
 *   1. at least the 8-byte header                 SK_DROP_ICMP_TRUNCATED
 *   2. checksum over the whole message            SK_DROP_ICMP_CHECKSUM
 *   3. a type we handle                           SK_DROP_ICMP_UNHANDLED
 *   4. errors only: the quote holds an IPv4
 *      header plus 8 bytes                        SK_DROP_ICMP_BAD_QUOTE
 * The checksum comes before the type: a message whose checksum fails cannot
 * be trusted, its type byte included, so it is counted as corrupted rather
 * than as an unknown type. Unknown types are silently discarded (RFC 1122
 * §3.2.2 MUST). Codes are not judged here: every destination-unreachable and
 * time-exceeded code is passed up, because RFC 1122 §3.2.2.1 has the
 * transport layer decide what a code means.
 *
 * The quote (RFC 792: "Internet Header + 64 bits of Original Data Datagram")
 * must be at least 28 bytes, start with version 4, an IHL of at least 5, and
 * hold IHL*4 + 8 bytes, so that the consumer can always read the quoted
 * transport ports and sequence number. */
#include "wire/icmp4.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/skassert.h"
#include "synack/stats.h"
#include "wire/ipv4.h"

#include <string.h>

#define ICMP_QUOTE_MIN (SK_IP4_HDR_LEN + 8)

static int icmp_quote_ok(const uint8_t *q, size_t len)
{
    if (len < ICMP_QUOTE_MIN || (q[0] >> 4) != 4)
        return 0;
    size_t ihl = (size_t)(q[0] & 0x0f) * 4;
    return ihl >= SK_IP4_HDR_LEN && len >= ihl + 8;
}

int sk_icmp4_parse(const uint8_t *msg, size_t len, sk_icmp4_repr *out)
{
    SK_ASSERT(out != NULL && (msg != NULL || len == 0));
    if (len < SK_ICMP_HDR_LEN)
        return SK_DROP_ICMP_TRUNCATED;
    if (sk_csum(msg, len) != 0)
        return SK_DROP_ICMP_CHECKSUM;
    uint8_t type = msg[0];
    const uint8_t *data = msg + SK_ICMP_HDR_LEN;
    size_t data_len = len - SK_ICMP_HDR_LEN;
    uint16_t id = 0, seq = 0, mtu = 0;
    switch (type) {
    case SK_ICMP_ECHO_REQUEST:
    case SK_ICMP_ECHO_REPLY:
        id = sk_load_be16(msg + 4);
        seq = sk_load_be16(msg + 6);
        break;
    case SK_ICMP_DEST_UNREACH:
    case SK_ICMP_TIME_EXCEEDED:
        if (!icmp_quote_ok(data, data_len))
            return SK_DROP_ICMP_BAD_QUOTE;
        /* RFC 1191 §4: code 4 carries the next-hop MTU in the low 16 bits
         * of the word that RFC 792 left unused (0 from pre-1191 routers). */
        if (type == SK_ICMP_DEST_UNREACH && msg[1] == SK_ICMP_UNREACH_FRAG_NEEDED)
            mtu = sk_load_be16(msg + 6);
        break;
    default:
        return SK_DROP_ICMP_UNHANDLED;
    }
    out->type = type;
    out->code = msg[1];
    out->checksum = sk_load_be16(msg + 2);
    out->echo_id = id;
    out->echo_seq = seq;
    out->next_hop_mtu = mtu;
    out->data = data;
    out->data_len = data_len;
    return 0;
}

/* The second header word: echo id and sequence, the RFC 1191 MTU for
 * fragmentation needed, zero otherwise ("unused", RFC 792). */
static void icmp_store_rest(const sk_icmp4_repr *r, uint8_t *p)
{
    uint16_t hi = 0, lo = 0;
    if (r->type == SK_ICMP_ECHO_REQUEST || r->type == SK_ICMP_ECHO_REPLY) {
        hi = r->echo_id;
        lo = r->echo_seq;
    } else if (r->type == SK_ICMP_DEST_UNREACH && r->code == SK_ICMP_UNREACH_FRAG_NEEDED) {
        lo = r->next_hop_mtu;
    }
    sk_store_be16(p, hi);
    sk_store_be16(p + 2, lo);
}

/* r->data may already sit at buf + 8 (or overlap it): it is moved, not
 * copied, so a caller can build the quote in place. */
size_t sk_icmp4_emit(const sk_icmp4_repr *r, uint8_t *buf, size_t cap)
{
    SK_ASSERT(r != NULL && (r->data != NULL || r->data_len == 0));
    if (buf == NULL || cap < SK_ICMP_HDR_LEN || cap - SK_ICMP_HDR_LEN < r->data_len)
        return 0;
    size_t n = SK_ICMP_HDR_LEN + r->data_len;
    if (r->data_len > 0)
        memmove(buf + SK_ICMP_HDR_LEN, r->data, r->data_len);
    buf[0] = r->type;
    buf[1] = r->code;
    sk_store_be16(buf + 2, 0);
    icmp_store_rest(r, buf + 4);
    sk_store_be16(buf + 2, sk_csum(buf, n));
    return n;
}
