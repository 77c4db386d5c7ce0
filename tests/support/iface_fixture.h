/* iface_fixture: the set-up the interface-layer tests
 * (tests/unit/test_iface_*.c) share: a stack on the heap with 4 sockets, on a
 * raw IP link or on an Ethernet link, created under a check; drop counters by
 * reason; an IPv4 packet around a payload; a TCP segment in an IPv6 packet
 * into the stack. */
#ifndef SK_TEST_IFACE_FIXTURE_H
#define SK_TEST_IFACE_FIXTURE_H

#include "synack/synack.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/tcp_hdr.h"

#include <stddef.h>
#include <stdint.h>

/* sk_stack_config_default, then our address, malloc/free as the allocator
 * and max_sockets 4; the link stays SK_LINK_IP, the seed the default. */
void ifx_ip_config(sk_stack_config *cfg, sk_ip4 addr);

/* ifx_ip_config on an Ethernet link with our MAC and the seed; no IPv6
 * DAD (ip6_dad_transmits 0), no router solicitations. */
void ifx_eth_config(sk_stack_config *cfg, sk_ip4 addr, sk_mac mac, uint64_t seed);

/* sk_stack_create, checked to succeed. */
sk_stack *ifx_create(const sk_stack_config *cfg);

/* The stack's drop counter for one SK_DROP_* reason. */
uint64_t ifx_drops(sk_stack *s, int reason);

/* The header `ip` (its total_len set to header + n) followed by the n bytes
 * of `pay`, written to buf; returns the packet's length, or 0 and a failed
 * check if it does not fit in cap (or in an IPv4 packet). */
size_t ifx_ip_wrap(const sk_ip4_repr *ip, const void *pay, size_t n, uint8_t *buf, size_t cap);

/* An ICMPv4 error (type, code; next_hop_mtu for fragmentation needed) from
 * src to dst quoting the quote_len bytes of `quote`, as an IPv4 packet (TTL
 * 64) in buf; returns its length (ifx_ip_wrap's checks). */
size_t ifx_icmp4_error(sk_ip4 src, sk_ip4 dst, uint8_t type, uint8_t code, uint16_t next_hop_mtu,
                       const void *quote, size_t quote_len, uint8_t *buf, size_t cap);

/* An IPv6 packet src -> dst (hop limit 64, next header nh) around the n
 * bytes of `pay`, written to buf (room for SK_IP6_HDR_LEN + n); returns its
 * length. */
size_t ifx_ip6_wrap(sk_ip6 src, sk_ip6 dst, uint8_t nh, const void *pay, size_t n, uint8_t *buf);

/* The TCP segment h (checksum filled) from src to dst in an IPv6 packet
 * (hop limit 64) into the stack at `now` (a raw IP link). */
void ifx_tcp6_in(sk_stack *s, sk_time_us now, sk_ip6 src, sk_ip6 dst, const sk_tcp_repr *h);

#endif
