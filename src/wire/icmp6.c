/* ICMPv6 (RFC 4443).
 *
 * parse checks, in this order:
 *   1. at least 8 bytes                           SK_DROP_ICMP6_TRUNCATED
 *   2. checksum over pseudo-header + message      SK_DROP_ICMP6_CHECKSUM
 *      (RFC 4443 §2.3, RFC 8200 §8.1)
 *   3. a type we pass on                          SK_DROP_ICMP6_UNHANDLED
 *   4. errors: the quote holds an IPv6 header     SK_DROP_ICMP6_BAD_QUOTE
 * As for ICMPv4, the checksum comes before the type: a corrupted message's
 * type byte cannot be trusted. Every message type below 128 is an error and
 * is passed on even when unknown (RFC 4443 §2.4(a)); informational types we
 * do not handle are discarded (§2.4(b)). */
#include "wire/icmp6.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/skassert.h"
#include "synack/stats.h"

#include <string.h>

static bool type_handled(uint8_t type)
{
    switch (type) {
    case SK_ICMP6_ECHO_REQUEST:
    case SK_ICMP6_ECHO_REPLY:
    case SK_ICMP6_ND_RS:
    case SK_ICMP6_ND_RA:
    case SK_ICMP6_ND_NS:
    case SK_ICMP6_ND_NA:
    case SK_ICMP6_ND_REDIRECT:
    case SK_ICMP6_MLD_QUERY:
    case SK_ICMP6_MLD2_REPORT:
        return true;
    default:
        return sk_icmp6_is_error(type);
    }
}

static uint16_t icmp6_sum(sk_ip6 src, sk_ip6 dst, const uint8_t *msg, size_t len)
{
    uint32_t ph = sk_csum_pseudo6(src.b, dst.b, SK_IPPROTO_ICMPV6, (uint32_t)len);
    return sk_csum_fold(sk_csum_partial(msg, len, ph));
}

int sk_icmp6_parse(sk_ip6 src, sk_ip6 dst, const uint8_t *msg, size_t len, sk_icmp6_repr *out)
{
    SK_ASSERT(out != NULL && (msg != NULL || len == 0));
    if (len < SK_ICMP6_HDR_LEN)
        return SK_DROP_ICMP6_TRUNCATED;
    if (icmp6_sum(src, dst, msg, len) != 0)
        return SK_DROP_ICMP6_CHECKSUM;
    uint8_t type = msg[0];
    if (!type_handled(type))
        return SK_DROP_ICMP6_UNHANDLED;
    const uint8_t *data = msg + SK_ICMP6_HDR_LEN;
    size_t data_len = len - SK_ICMP6_HDR_LEN;
    if (sk_icmp6_is_error(type) && (data_len < SK_IP6_HDR_LEN || (data[0] >> 4) != 6))
        return SK_DROP_ICMP6_BAD_QUOTE;
    uint32_t word = sk_load_be32(msg + 4);
    memset(out, 0, sizeof *out);
    out->type = type;
    out->code = msg[1];
    out->checksum = sk_load_be16(msg + 2);
    out->word = word;
    if (type == SK_ICMP6_ECHO_REQUEST || type == SK_ICMP6_ECHO_REPLY) {
        out->echo_id = (uint16_t)(word >> 16);
        out->echo_seq = (uint16_t)word;
    } else if (type == SK_ICMP6_PACKET_TOO_BIG) {
        out->mtu = word;
    } else if (type == SK_ICMP6_PARAM_PROBLEM) {
        out->pointer = word;
    }
    out->data = data;
    out->data_len = data_len;
    return 0;
}

static uint32_t first_word(const sk_icmp6_repr *r)
{
    switch (r->type) {
    case SK_ICMP6_ECHO_REQUEST:
    case SK_ICMP6_ECHO_REPLY:
        return (uint32_t)r->echo_id << 16 | r->echo_seq;
    case SK_ICMP6_PACKET_TOO_BIG:
        return r->mtu;
    case SK_ICMP6_PARAM_PROBLEM:
        return r->pointer;
    case SK_ICMP6_DEST_UNREACH:
    case SK_ICMP6_TIME_EXCEEDED:
        return 0;
    default:
        return r->word;
    }
}

void sk_icmp6_fill_checksum(sk_ip6 src, sk_ip6 dst, uint8_t *msg, size_t len)
{
    SK_ASSERT(msg != NULL && len >= 4);
    sk_store_be16(msg + 2, 0);
    sk_store_be16(msg + 2, icmp6_sum(src, dst, msg, len));
}

size_t sk_icmp6_emit(sk_ip6 src, sk_ip6 dst, const sk_icmp6_repr *r, uint8_t *buf, size_t cap)
{
    SK_ASSERT(r != NULL && (r->data != NULL || r->data_len == 0));
    size_t dlen = r->data_len;
    if (sk_icmp6_is_error(r->type) && dlen > SK_ICMP6_ERR_QUOTE_MAX)
        dlen = SK_ICMP6_ERR_QUOTE_MAX; /* RFC 4443 §2.4(c) */
    if (buf == NULL || dlen > 65535u - SK_ICMP6_HDR_LEN || cap < SK_ICMP6_HDR_LEN ||
        cap - SK_ICMP6_HDR_LEN < dlen)
        return 0;
    size_t n = SK_ICMP6_HDR_LEN + dlen;
    if (dlen > 0)
        memmove(buf + SK_ICMP6_HDR_LEN, r->data, dlen);
    buf[0] = r->type;
    buf[1] = r->code;
    sk_store_be32(buf + 4, first_word(r));
    sk_icmp6_fill_checksum(src, dst, buf, n);
    return n;
}
