/* iface_fixture: see iface_fixture.h. */
#include "iface_fixture.h"

#include "base/checksum.h"
#include "posix/posix_alloc.h"
#include "sk_test.h"
#include "wire/ipv6.h"

#include <stdlib.h>
#include <string.h>

void ifx_ip_config(sk_stack_config *cfg, sk_ip4 addr)
{
    sk_stack_config_default(cfg);
    cfg->addr = addr;
    cfg->alloc = sk_posix_allocator();
    cfg->max_sockets = 4;
}

void ifx_eth_config(sk_stack_config *cfg, sk_ip4 addr, sk_mac mac, uint64_t seed)
{
    ifx_ip_config(cfg, addr);
    cfg->link = SK_LINK_ETHERNET;
    cfg->mac = mac;
    cfg->seed = seed;
    cfg->ip6_router_solicit = false; /* nor router solicitations */
    cfg->ip6_dad_transmits = 0; /* the link-local address is ours at once: frame-exact
                                   tests see no DAD probes (test_iface_nd6 turns DAD on) */
}

sk_stack *ifx_create(const sk_stack_config *cfg)
{
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(cfg, &s), 0);
    return s;
}

uint64_t ifx_drops(sk_stack *s, int reason)
{
    return sk_stack_stats(s)->drop[reason];
}

size_t ifx_ip_wrap(const sk_ip4_repr *ip, const void *pay, size_t n, uint8_t *buf, size_t cap)
{
    sk_ip4_repr h = *ip;
    size_t hl = sk_ip4_emit_len(&h);
    if (hl == 0 || hl + n > cap || hl + n > 65535) {
        sk_test_fail(__FILE__, __LINE__, "ifx_ip_wrap: %zu + %zu bytes do not fit in %zu", hl,
                     n, cap);
        return 0;
    }
    h.total_len = (uint16_t)(hl + n);
    sk_ip4_emit(&h, buf, cap);
    if (n > 0)
        memcpy(buf + hl, pay, n);
    return hl + n;
}

size_t ifx_icmp4_error(sk_ip4 src, sk_ip4 dst, uint8_t type, uint8_t code, uint16_t next_hop_mtu,
                       const void *quote, size_t quote_len, uint8_t *buf, size_t cap)
{
    uint8_t msg[1500];
    sk_icmp4_repr m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.code = code;
    m.next_hop_mtu = next_hop_mtu;
    m.data = quote;
    m.data_len = quote_len;
    size_t ml = sk_icmp4_emit(&m, msg, sizeof msg);
    SK_CHECK_MSG(ml > 0, "ifx_icmp4_error: a quote of %zu bytes does not fit", quote_len);
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_ICMP;
    ip.src = src;
    ip.dst = dst;
    return ifx_ip_wrap(&ip, msg, ml, buf, cap);
}

size_t ifx_ip6_wrap(sk_ip6 src, sk_ip6 dst, uint8_t nh, const void *pay, size_t n, uint8_t *buf)
{
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = nh;
    ip.hop_limit = 64;
    ip.src = src;
    ip.dst = dst;
    sk_ip6_emit(&ip, buf, SK_IP6_HDR_LEN);
    memcpy(buf + SK_IP6_HDR_LEN, pay, n);
    return SK_IP6_HDR_LEN + n;
}

void ifx_tcp6_in(sk_stack *s, sk_time_us now, sk_ip6 src, sk_ip6 dst, const sk_tcp_repr *h)
{
    uint8_t seg[128], pkt[256];
    size_t n = sk_tcp_emit(h, seg, sizeof seg);
    sk_ipaddr s6 = sk_ipaddr_from_ip6(src), d6 = sk_ipaddr_from_ip6(dst);
    sk_csum_l4_fill(&s6, &d6, SK_IPPROTO_TCP, seg, n, 16);
    sk_stack_input(s, now, pkt, ifx_ip6_wrap(src, dst, SK_IPPROTO_TCP, seg, n, pkt));
}
