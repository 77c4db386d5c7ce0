/* UDP (RFC 768).
 *
 * parse checks, in this order:
 *   1. at least the 8-byte header                 SK_DROP_UDP_TRUNCATED
 *   2. 8 <= length field <= IP payload            SK_DROP_UDP_LENGTH
 * The checksum is over the pseudo-header, the header and the data padded
 * to an even length (RFC 768 "Fields"). A field of 0 means no checksum
 * was computed: allowed over IPv4 (RFC 1122 §4.1.3.4 makes checking one
 * that is present a MUST), refused over IPv6 (RFC 8200 §8.1: "IPv6
 * receivers must discard UDP packets containing a zero checksum"; the
 * tunnel exception of RFC 6935 is not implemented). A sum that comes out
 * 0 is sent as its one's-complement twin 0xffff in both families. */
#include "wire/udp.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/skassert.h"
#include "synack/stats.h"
#include "wire/ipv4.h"

#include <string.h>

int sk_udp_parse(const uint8_t *dgram, size_t len, sk_udp_repr *out)
{
    SK_ASSERT(out != NULL && (dgram != NULL || len == 0));
    if (len < SK_UDP_HDR_LEN)
        return SK_DROP_UDP_TRUNCATED;
    uint16_t ulen = sk_load_be16(dgram + 4);
    if (ulen < SK_UDP_HDR_LEN || ulen > len)
        return SK_DROP_UDP_LENGTH;
    out->src_port = sk_load_be16(dgram);
    out->dst_port = sk_load_be16(dgram + 2);
    out->length = ulen;
    out->checksum = sk_load_be16(dgram + 6);
    out->payload = dgram + SK_UDP_HDR_LEN;
    out->payload_len = (size_t)ulen - SK_UDP_HDR_LEN;
    return 0;
}

size_t sk_udp_emit(const sk_udp_repr *r, uint8_t *buf, size_t cap)
{
    SK_ASSERT(r != NULL && (r->payload != NULL || r->payload_len == 0));
    if (buf == NULL || r->payload_len > 65535u - SK_UDP_HDR_LEN || cap < SK_UDP_HDR_LEN ||
        cap - SK_UDP_HDR_LEN < r->payload_len)
        return 0;
    size_t n = SK_UDP_HDR_LEN + r->payload_len;
    if (r->payload_len > 0 && r->payload != buf + SK_UDP_HDR_LEN)
        memmove(buf + SK_UDP_HDR_LEN, r->payload, r->payload_len);
    sk_store_be16(buf, r->src_port);
    sk_store_be16(buf + 2, r->dst_port);
    sk_store_be16(buf + 4, (uint16_t)n);
    sk_store_be16(buf + 6, 0);
    return n;
}

static uint16_t udp_sum(uint32_t pseudo, uint8_t *dgram, size_t len)
{
    sk_store_be16(dgram + 6, 0);
    uint16_t c = sk_csum_fold(sk_csum_partial(dgram, len, pseudo));
    return c == 0 ? 0xffff : c;
}

void sk_udp_fill_checksum4(sk_ip4 src, sk_ip4 dst, uint8_t *dgram, size_t len)
{
    SK_ASSERT(dgram != NULL && len >= SK_UDP_HDR_LEN && len <= 65535u);
    uint32_t ph = sk_csum_pseudo4(src.b, dst.b, SK_IPPROTO_UDP, (uint16_t)len);
    sk_store_be16(dgram + 6, udp_sum(ph, dgram, len));
}

void sk_udp_fill_checksum6(sk_ip6 src, sk_ip6 dst, uint8_t *dgram, size_t len)
{
    SK_ASSERT(dgram != NULL && len >= SK_UDP_HDR_LEN && len <= 65535u);
    uint32_t ph = sk_csum_pseudo6(src.b, dst.b, SK_IPPROTO_UDP, (uint32_t)len);
    sk_store_be16(dgram + 6, udp_sum(ph, dgram, len));
}

/* A datagram holding a correct checksum (0xffff included) sums to zero. */
int sk_udp_check4(sk_ip4 src, sk_ip4 dst, const uint8_t *dgram, size_t len)
{
    SK_ASSERT(dgram != NULL && len >= SK_UDP_HDR_LEN && len <= 65535u);
    if (sk_load_be16(dgram + 6) == 0)
        return 0;
    uint32_t ph = sk_csum_pseudo4(src.b, dst.b, SK_IPPROTO_UDP, (uint16_t)len);
    return sk_csum_fold(sk_csum_partial(dgram, len, ph)) == 0 ? 0 : SK_DROP_UDP_CHECKSUM;
}

int sk_udp_check6(sk_ip6 src, sk_ip6 dst, const uint8_t *dgram, size_t len)
{
    SK_ASSERT(dgram != NULL && len >= SK_UDP_HDR_LEN && len <= 65535u);
    if (sk_load_be16(dgram + 6) == 0)
        return SK_DROP_UDP_ZERO_CHECKSUM6;
    uint32_t ph = sk_csum_pseudo6(src.b, dst.b, SK_IPPROTO_UDP, (uint32_t)len);
    return sk_csum_fold(sk_csum_partial(dgram, len, ph)) == 0 ? 0 : SK_DROP_UDP_CHECKSUM;
}
