/* Ethernet II framing (IEEE 802.3 clause 3.2.6 "Length/Type" >= 0x0600).
 * No FCS: the NIC, TAP device or pcap hands us frames without it. Frames
 * shorter than 60 bytes are not rejected here: veth and TAP deliver them
 * unpadded, and the minimum size is the sender's concern (RFC 894). */
#include "wire/eth.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/stats.h"

#include <string.h>

const sk_mac sk_mac_broadcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

int sk_eth_parse(const uint8_t *frame, size_t len, sk_eth_repr *out)
{
    SK_ASSERT(out != NULL && (frame != NULL || len == 0));
    if (len < SK_ETH_HDR_LEN)
        return SK_DROP_ETH_TRUNCATED;
    memcpy(out->dst.b, frame, 6);
    memcpy(out->src.b, frame + 6, 6);
    out->ethertype = sk_load_be16(frame + 12);
    out->payload = frame + SK_ETH_HDR_LEN;
    out->payload_len = len - SK_ETH_HDR_LEN;
    return 0;
}

size_t sk_eth_emit(const sk_eth_repr *r, uint8_t *buf, size_t cap)
{
    SK_ASSERT(r != NULL);
    if (buf == NULL || cap < SK_ETH_HDR_LEN)
        return 0;
    memcpy(buf, r->dst.b, 6);
    memcpy(buf + 6, r->src.b, 6);
    sk_store_be16(buf + 12, r->ethertype);
    return SK_ETH_HDR_LEN;
}

int sk_mac_is_broadcast(sk_mac m)
{
    return sk_mac_eq(m, sk_mac_broadcast);
}

/* The I/G bit is the least significant bit of the first octet (IEEE 802
 * bit order). Broadcast is a multicast address too. */
int sk_mac_is_multicast(sk_mac m)
{
    return (m.b[0] & 0x01) != 0;
}

int sk_mac_eq(sk_mac a, sk_mac b)
{
    return memcmp(a.b, b.b, sizeof a.b) == 0;
}
