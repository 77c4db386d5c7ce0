/* The IPv6 fixed header (RFC 8200 §3), checked in this order, each failure
 * with its own drop reason:
 *   1. at least 40 bytes                          SK_DROP_IP6_TRUNCATED
 *   2. version 6                                  SK_DROP_IP6_VERSION
 *   3. 40 + payload length <= buffer              SK_DROP_IP6_PAYLOAD_LEN
 *   4. source not multicast (RFC 4291 §2.7)       SK_DROP_IP6_BAD_SRC
 * There is no header checksum (RFC 8200 §8.1 moves it into the upper layer's
 * pseudo-header). The flow label (RFC 6437) and traffic class are reported
 * as found; RFC 6437 §3 makes a flow label a value to carry, not judge.
 * Address classes follow RFC 4291; extension headers are in ip6_ext.c. */
#include "wire/ipv6.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/stats.h"

#include <string.h>

int sk_ip6_parse(const uint8_t *pkt, size_t len, sk_ip6_repr *out)
{
    SK_ASSERT(out != NULL && (pkt != NULL || len == 0));
    if (len < SK_IP6_HDR_LEN)
        return SK_DROP_IP6_TRUNCATED;
    if ((pkt[0] >> 4) != 6)
        return SK_DROP_IP6_VERSION;
    uint16_t plen = sk_load_be16(pkt + 4);
    if (plen > len - SK_IP6_HDR_LEN)
        return SK_DROP_IP6_PAYLOAD_LEN;
    if (pkt[8] == 0xff)
        return SK_DROP_IP6_BAD_SRC;
    uint32_t w0 = sk_load_be32(pkt);
    out->traffic_class = (uint8_t)(w0 >> 20);
    out->flow_label = w0 & 0xfffffu;
    out->payload_len = plen;
    out->next_header = pkt[6];
    out->hop_limit = pkt[7];
    memcpy(out->src.b, pkt + 8, 16);
    memcpy(out->dst.b, pkt + 24, 16);
    out->payload = pkt + SK_IP6_HDR_LEN;
    return 0;
}

size_t sk_ip6_emit(const sk_ip6_repr *r, uint8_t *buf, size_t cap)
{
    SK_ASSERT(r != NULL);
    if (buf == NULL || cap < SK_IP6_HDR_LEN)
        return 0;
    sk_store_be32(buf, 6u << 28 | (uint32_t)r->traffic_class << 20 | (r->flow_label & 0xfffffu));
    sk_store_be16(buf + 4, r->payload_len);
    buf[6] = r->next_header;
    buf[7] = r->hop_limit;
    memcpy(buf + 8, r->src.b, 16);
    memcpy(buf + 24, r->dst.b, 16);
    return SK_IP6_HDR_LEN;
}

bool sk_ip6_eq(sk_ip6 a, sk_ip6 b)
{
    return memcmp(a.b, b.b, sizeof a.b) == 0;
}

uint8_t sk_ip6_mcast_scope(sk_ip6 a)
{
    return sk_ip6_is_multicast(a) ? (uint8_t)(a.b[1] & 0x0f) : 0;
}

static const uint8_t solicited_prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};

sk_ip6 sk_ip6_solicited_node(sk_ip6 a)
{
    sk_ip6 r;
    memcpy(r.b, solicited_prefix, sizeof solicited_prefix);
    memcpy(r.b + 13, a.b + 13, 3);
    return r;
}

bool sk_ip6_is_solicited_node(sk_ip6 a)
{
    return memcmp(a.b, solicited_prefix, sizeof solicited_prefix) == 0;
}

static sk_ip6 link_scope_group(uint8_t last)
{
    sk_ip6 r;
    memset(r.b, 0, sizeof r.b);
    r.b[0] = 0xff;
    r.b[1] = 0x02;
    r.b[15] = last;
    return r;
}

sk_ip6 sk_ip6_all_nodes(void)
{
    return link_scope_group(1);
}

sk_ip6 sk_ip6_all_routers(void)
{
    return link_scope_group(2);
}

sk_ip6 sk_ip6_mld2_routers(void)
{
    return link_scope_group(0x16);
}

bool sk_ip6_same_prefix(sk_ip6 a, sk_ip6 b, uint8_t len)
{
    SK_ASSERT(len <= 128);
    size_t whole = len / 8u;
    if (memcmp(a.b, b.b, whole) != 0)
        return false;
    if (len % 8u == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> (len % 8u));
    return ((a.b[whole] ^ b.b[whole]) & mask) == 0;
}

sk_mac sk_ip6_mcast_mac(sk_ip6 a)
{
    sk_mac m = {{0x33, 0x33, a.b[12], a.b[13], a.b[14], a.b[15]}};
    return m;
}

sk_ip6 sk_ip6_link_local_from_mac(sk_mac m)
{
    sk_ip6 r;
    memset(r.b, 0, sizeof r.b);
    r.b[0] = 0xfe;
    r.b[1] = 0x80;
    r.b[8] = (uint8_t)(m.b[0] ^ 0x02); /* the universal/local bit, inverted */
    r.b[9] = m.b[1];
    r.b[10] = m.b[2];
    r.b[11] = 0xff;
    r.b[12] = 0xfe;
    r.b[13] = m.b[3];
    r.b[14] = m.b[4];
    r.b[15] = m.b[5];
    return r;
}
