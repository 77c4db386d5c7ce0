/* udp_fixture: what the stack-level UDP tests (tests/unit/test_udp_*.c)
 * share: a stack on a raw IP link at 10.0.0.2/24 (the peer is 10.0.0.1),
 * IPv4 UDP packets built with a checksum computed by the RFC 1071
 * reference loop (not the stack's code), and the stack's output parsed
 * back into its IPv4 and UDP fields, the checksum checked the same way. */
#ifndef SK_TEST_UDP_FIXTURE_H
#define SK_TEST_UDP_FIXTURE_H

#include "synack/synack.h"
#include "wire/ipv4.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UFX_US_IP {{10, 0, 0, 2}}
#define UFX_PEER_IP {{10, 0, 0, 1}}

/* ifx_ip_config at 10.0.0.2 with seed 1. */
void ufx_config(sk_stack_config *cfg);
sk_endpoint ufx_ep(sk_ip4 a, uint16_t port);

/* A UDP datagram src:sport -> dst:dport in an IPv4 packet (TTL 63, id
 * 0x4242), checksum correct; returns the packet length. */
size_t ufx_pkt(uint8_t *buf, size_t cap, sk_ip4 src, uint16_t sport, sk_ip4 dst, uint16_t dport,
               const void *data, size_t n);

/* A frame the stack sent, parsed. */
typedef struct {
    sk_ip4_repr ip;
    bool is_udp;
    uint16_t sport, dport, len, csum;
    bool csum_ok; /* verified with the reference loop over the pseudo-header */
    const uint8_t *data;
    size_t data_len;
} ufx_out;

/* Parse an output frame (raw IPv4); false (and a failed check) if it is
 * not a valid IPv4 packet. */
bool ufx_parse(const uint8_t *frame, size_t n, ufx_out *o);

/* Inject a packet at `now` into s. */
void ufx_inject(sk_stack *s, sk_time_us now, const uint8_t *pkt, size_t n);

#endif
