/* Ethernet II framing. parse validates and fills a representation (views into
 * the buffer, valid while the buffer is); emit writes the 14-byte header. */
#ifndef SK_WIRE_ETH_H
#define SK_WIRE_ETH_H

#include "synack/addr.h"

#include <stddef.h>
#include <stdint.h>

#define SK_ETH_HDR_LEN 14
#define SK_ETHERTYPE_IPV4 0x0800
#define SK_ETHERTYPE_ARP 0x0806
#define SK_ETHERTYPE_IPV6 0x86DD

typedef struct {
    sk_mac dst;
    sk_mac src;
    uint16_t ethertype;
    const uint8_t *payload;
    size_t payload_len;
} sk_eth_repr;

/* Returns 0, or SK_DROP_ETH_TRUNCATED. */
int sk_eth_parse(const uint8_t *frame, size_t len, sk_eth_repr *out);
/* Writes the header; returns SK_ETH_HDR_LEN, or 0 when cap is too small. */
size_t sk_eth_emit(const sk_eth_repr *r, uint8_t *buf, size_t cap);

extern const sk_mac sk_mac_broadcast;
int sk_mac_is_broadcast(sk_mac m);
int sk_mac_is_multicast(sk_mac m);
int sk_mac_eq(sk_mac a, sk_mac b);

#endif
