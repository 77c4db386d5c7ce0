/* ARP for Ethernet/IPv4 (RFC 826): 28-byte packets only. */
#ifndef SK_WIRE_ARP_H
#define SK_WIRE_ARP_H

#include "synack/addr.h"

#include <stddef.h>
#include <stdint.h>

#define SK_ARP_LEN 28
#define SK_ARP_REQUEST 1
#define SK_ARP_REPLY 2

typedef struct {
    uint16_t op;
    sk_mac sha; /* sender hardware address */
    sk_ip4 spa; /* sender protocol address */
    sk_mac tha; /* target hardware address */
    sk_ip4 tpa; /* target protocol address */
} sk_arp_repr;

/* Returns 0, or SK_DROP_ARP_TRUNCATED / _UNSUPPORTED / _BAD_OP. Trailing
 * bytes (Ethernet padding) are ignored. */
int sk_arp_parse(const uint8_t *pkt, size_t len, sk_arp_repr *out);
/* Writes 28 bytes; returns SK_ARP_LEN, or 0 when cap is too small. */
size_t sk_arp_emit(const sk_arp_repr *r, uint8_t *buf, size_t cap);

#endif
