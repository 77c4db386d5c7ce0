/* ARP for Ethernet/IPv4 (RFC 826). Only the one combination we resolve is
 * accepted: hardware type 1 (Ethernet), protocol 0x0800 (IPv4), hardware
 * length 6, protocol length 4, and operation request (1) or reply (2).
 * Everything past the 28 bytes (Ethernet minimum-size padding) is ignored. */
#include "wire/arp.h"

#include "base/bytes.h"
#include "base/skassert.h"
#include "synack/stats.h"
#include "wire/eth.h"

#include <string.h>

#define ARP_HTYPE_ETHER 1

int sk_arp_parse(const uint8_t *pkt, size_t len, sk_arp_repr *out)
{
    SK_ASSERT(out != NULL && (pkt != NULL || len == 0));
    if (len < SK_ARP_LEN)
        return SK_DROP_ARP_TRUNCATED;
    if (sk_load_be16(pkt) != ARP_HTYPE_ETHER || sk_load_be16(pkt + 2) != SK_ETHERTYPE_IPV4 ||
        pkt[4] != 6 || pkt[5] != 4)
        return SK_DROP_ARP_UNSUPPORTED;
    uint16_t op = sk_load_be16(pkt + 6);
    if (op != SK_ARP_REQUEST && op != SK_ARP_REPLY)
        return SK_DROP_ARP_BAD_OP;
    out->op = op;
    memcpy(out->sha.b, pkt + 8, 6);
    memcpy(out->spa.b, pkt + 14, 4);
    memcpy(out->tha.b, pkt + 18, 6);
    memcpy(out->tpa.b, pkt + 24, 4);
    return 0;
}

size_t sk_arp_emit(const sk_arp_repr *r, uint8_t *buf, size_t cap)
{
    SK_ASSERT(r != NULL);
    if (buf == NULL || cap < SK_ARP_LEN)
        return 0;
    sk_store_be16(buf, ARP_HTYPE_ETHER);
    sk_store_be16(buf + 2, SK_ETHERTYPE_IPV4);
    buf[4] = 6;
    buf[5] = 4;
    sk_store_be16(buf + 6, r->op);
    memcpy(buf + 8, r->sha.b, 6);
    memcpy(buf + 14, r->spa.b, 4);
    memcpy(buf + 18, r->tha.b, 6);
    memcpy(buf + 24, r->tpa.b, 4);
    return SK_ARP_LEN;
}
