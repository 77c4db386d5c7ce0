/* The interface: creation of its tables, address classes and routing, the
 * IPv4 header we write, link framing of outgoing packets, and the order in
 * which the interface's own frames go out. */
#include "iface/iface.h"

#include "base/bytes.h"
#include "base/checksum.h"
#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

void *sk_iface_alloc(sk_iface *ifc, size_t n)
{
    return sk_ctx_alloc(ifc->ctx, n);
}

void sk_iface_release(sk_iface *ifc, void *p, size_t n)
{
    sk_ctx_release(ifc->ctx, p, n);
}

void sk_iface_drop(sk_iface *ifc, int reason, sk_time now)
{
    sk_ctx_drop(ifc->ctx, reason, now);
}

void sk_iface_addrs_changed(sk_iface *ifc)
{
    sk_ip4 old = ifc->addr4;
    ifc->addr4 = sk_ip4_make(0, 0, 0, 0);
    ifc->plen4 = 32;
    for (uint8_t i = 0; i < ifc->cfg->n_addrs; i++) {
        const sk_ifaddr *a = &ifc->cfg->addrs[i];
        if (a->addr.family == SK_AF_INET4) {
            ifc->addr4 = sk_addr_ip4(&a->addr);
            ifc->plen4 = a->prefix_len;
            break;
        }
    }
    ifc->mask = sk_ip4_prefix_mask(ifc->plen4);
    /* a new address is announced (RFC 5227 §2.3) at the next output */
    if (!sk_ip4_eq(old, ifc->addr4))
        ifc->arp.garp_pending = ifc->addr4.b[0] != 0;
}

int sk_iface_init(sk_iface *ifc, sk_ctx *ctx, sk_tcp_env *tcp)
{
    memset(ifc, 0, sizeof *ifc);
    ifc->ctx = ctx;
    ifc->cfg = &ctx->cfg;
    ifc->tcp = tcp;
    sk_iface_addrs_changed(ifc);
    ifc->ip_id = (uint16_t)(ifc->cfg->seed >> 48);
    ifc->mtu_alloc = ifc->cfg->mtu;
    int err = sk_arp_init(ifc);
    if (err == 0)
        err = sk_ipr_init(ifc);
    if (err == 0)
        err = sk_icmp_init(ifc);
    if (err == 0)
        err = sk_ip6out_init(ifc);
    if (err == 0)
        err = sk_icmp6_init(ifc);
    if (err == 0)
        err = sk_nd6_init(ifc);
    if (err == 0)
        err = sk_ifpmtu_init(ifc);
    if (err != 0)
        sk_iface_free(ifc);
    return err;
}

void sk_iface_free(sk_iface *ifc)
{
    sk_ifpmtu_free(ifc);
    sk_nd6_free(ifc);
    sk_icmp6_free(ifc);
    sk_ip6out_free(ifc);
    sk_icmp_free(ifc);
    sk_ipr_free(ifc);
    sk_arp_free(ifc);
}

bool sk_iface_on_link(const sk_iface *ifc, sk_ip4 a)
{
    return ((sk_ip4_to_u32(a) ^ sk_ip4_to_u32(ifc->addr4)) & ifc->mask) == 0;
}

/* RFC 1122 §3.2.1.3: {-1, -1} and {<Network>, -1}. A /31 or /32 has no
 * directed broadcast (RFC 3021). */
bool sk_iface_is_bcast(const sk_iface *ifc, sk_ip4 a)
{
    return sk_ip4_is_broadcast(a) ||
           sk_ip4_is_subnet_bcast(a, ifc->addr4, ifc->plen4);
}

bool sk_iface_is_host(const sk_iface *ifc, sk_ip4 a)
{
    return sk_ip4_is_host(a, ifc->addr4, ifc->plen4);
}

/* RFC 1122 §3.2.1.3 (g): 127/8 MUST NOT appear outside a host. We have no
 * loopback path, so a packet to 127/8 or to our own address would leave on
 * the link (or wait for an ARP reply that never comes): callers refuse it. */
bool sk_iface_is_local(const sk_iface *ifc, sk_ip4 a)
{
    return a.b[0] == 127 || sk_ip4_eq(a, ifc->addr4);
}

/* RFC 1122 §3.3.1: on-link destinations directly, others through the
 * gateway of the longest matching IPv4 route (cfg->routes). */
int sk_iface_route(const sk_iface *ifc, sk_ip4 dst, sk_ip4 *nexthop)
{
    if (ifc->cfg->link != SK_LINK_ETHERNET || sk_iface_on_link(ifc, dst) ||
        sk_ip4_is_broadcast(dst)) {
        *nexthop = dst;
        return 0;
    }
    const sk_route *best = NULL;
    for (uint8_t i = 0; i < ifc->cfg->n_routes; i++) {
        const sk_route *r = &ifc->cfg->routes[i];
        if (r->dst.family != SK_AF_INET4 ||
            !sk_ip4_same_prefix(dst, sk_addr_ip4(&r->dst), r->prefix_len))
            continue;
        if (best == NULL || r->prefix_len > best->prefix_len)
            best = r;
    }
    if (best == NULL)
        return SK_EHOSTUNREACH;
    *nexthop = sk_addr_ip4(&best->gateway);
    return 0;
}

static void ip4_hdr(sk_iface *ifc, uint8_t *p, size_t total, uint8_t proto, sk_ip4 src,
                    sk_ip4 dst, bool df)
{
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.total_len = (uint16_t)total;
    ip.id = ifc->ip_id++;
    ip.df = df;
    ip.ttl = SK_IFACE_TTL;
    ip.proto = proto;
    ip.src = src;
    ip.dst = dst;
    sk_ip4_emit(&ip, p, SK_IP4_HDR_LEN);
}

void sk_iface_ip_hdr(sk_iface *ifc, uint8_t *p, size_t total, uint8_t proto, sk_ip4 dst, bool df)
{
    ip4_hdr(ifc, p, total, proto, ifc->addr4, dst, df);
}

bool sk_iface_src_for(const sk_iface *ifc, const sk_ipaddr *dst, sk_ipaddr *src)
{
    if (dst->family == SK_AF_INET6) {
        sk_ip6 d, a;
        memcpy(d.b, dst->b, 16);
        if (!sk_iface_src_for6(ifc, d, &a))
            return false;
        memset(src, 0, sizeof *src);
        src->family = SK_AF_INET6;
        memcpy(src->b, a.b, 16);
        return true;
    }
    if (dst->family != SK_AF_INET4)
        return false;
    *src = sk_addr4(ifc->addr4);
    return true;
}

bool sk_iface_tx_direct(sk_iface *ifc, const sk_ipaddr *dst, sk_time now)
{
    if (ifc->cfg->link != SK_LINK_ETHERNET)
        return true;
    if (dst->family == SK_AF_INET6) {
        sk_ip6 d;
        memcpy(d.b, dst->b, 16);
        return sk_nd6_tx_direct(ifc, d, now);
    }
    sk_ip4 nh;
    sk_mac mac;
    if (dst->family != SK_AF_INET4 || sk_iface_route(ifc, sk_addr_ip4(dst), &nh) != 0)
        return false;
    return sk_arp_lookup(ifc, nh, now, &mac);
}

void sk_iface_l4_csum(const sk_l4_out *o, uint8_t *seg, size_t len)
{
    if (!o->csum_partial) {
        sk_csum_l4_fill(&o->src, &o->dst, o->proto, seg, len, o->csum_off);
        return;
    }
    /* virtio 1.x §5.1.6.2: the device sums from csum_start to the end and
     * adds the field; the field holds the pseudo-header sum, folded, not
     * complemented (Linux: ~tcp_v4_check(len, saddr, daddr, 0)). For a
     * super-segment the length is the whole segment's: the device adjusts
     * it per segment as it cuts (Linux's tcp_gso_segment). */
    uint32_t ps = sk_csum_pseudo(&o->src, &o->dst, o->proto, (uint32_t)len);
    sk_store_be16(seg + o->csum_off, (uint16_t)~sk_csum_fold(ps));
}

size_t sk_iface_send_l4(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap, const sk_l4_out *o,
                        size_t l4_len)
{
    size_t off = sk_iface_l4_offset(ifc, o->dst.family);
    SK_ASSERT(off + l4_len <= cap);
    SK_ASSERT(l4_len <= (o->gso ? sk_iface_l4_gso_max(o->dst.family)
                                : sk_iface_l4_max(ifc, o->dst.family)));
    if (o->dst.family == SK_AF_INET6 && o->src.family == SK_AF_INET6)
        return sk_iface_send_l4_6(ifc, now, buf, cap, o, l4_len);
    if (o->dst.family != SK_AF_INET4 || o->src.family != SK_AF_INET4) {
        sk_iface_drop(ifc, SK_DROP_IP_NO_ROUTE, now);
        return 0;
    }
    sk_iface_l4_csum(o, buf + off, l4_len);
    /* RFC 768 (RFC 8200 §8.1 for IPv6): UDP sends a computed zero as all
     * ones, zero meaning "no checksum" */
    if (o->proto == SK_IPPROTO_UDP && sk_load_be16(buf + off + o->csum_off) == 0)
        sk_store_be16(buf + off + o->csum_off, 0xffff);
    size_t total = SK_IP4_HDR_LEN + l4_len;
    ip4_hdr(ifc, buf + sk_iface_link_hdr(ifc), total, o->proto, sk_addr_ip4(&o->src),
            sk_addr_ip4(&o->dst), o->df);
    return sk_iface_send_ip(ifc, now, buf, cap, total);
}

static void eth_hdr(const sk_iface *ifc, uint8_t *buf, sk_mac dst, uint16_t type)
{
    sk_eth_repr eth;
    eth.dst = dst;
    eth.src = ifc->cfg->mac;
    eth.ethertype = type;
    sk_eth_emit(&eth, buf, SK_ETH_HDR_LEN);
}

size_t sk_iface_send_ip(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap, size_t ip_len)
{
    if (ifc->cfg->link != SK_LINK_ETHERNET)
        return ip_len;
    SK_ASSERT(cap >= SK_ETH_HDR_LEN + ip_len);
    sk_ip4 dst, nh;
    memcpy(dst.b, buf + SK_ETH_HDR_LEN + 16, 4);
    sk_mac mac = sk_mac_broadcast;
    if (!sk_iface_is_bcast(ifc, dst)) {
        if (sk_iface_route(ifc, dst, &nh) != 0) {
            sk_iface_drop(ifc, SK_DROP_IP_NO_ROUTE, now);
            return 0;
        }
        if (!sk_arp_lookup(ifc, nh, now, &mac))
            return sk_arp_hold(ifc, now, nh, ip_len, buf, cap);
    }
    eth_hdr(ifc, buf, mac, SK_ETHERTYPE_IPV4);
    return SK_ETH_HDR_LEN + ip_len;
}

/* ARP first (it unblocks everything else), then ICMP. */
size_t sk_iface_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    if (ifc->cfg->link == SK_LINK_ETHERNET)
        n = sk_arp_output(ifc, now, buf, cap);
    if (n == 0)
        n = sk_mld6_output(ifc, now, buf, cap);
    if (n == 0 && sk_nd6_pending(ifc))
        n = sk_nd6_output(ifc, now, buf, cap);
    while (n == 0 && ifc->icmp.len > 0)
        n = sk_icmp_output(ifc, now, buf, cap);
    while (n == 0 && ifc->icmp6.len > 0)
        n = sk_icmp6_output(ifc, now, buf, cap);
    return n;
}

void sk_iface_run_timers(sk_iface *ifc, sk_time now)
{
    if (ifc->cfg->link == SK_LINK_ETHERNET)
        sk_arp_run_timers(ifc, now);
    sk_ipr_run_timers(ifc, now);
    sk_ip6in_run_timers(ifc, now);
    sk_nd6_run_timers(ifc, now);
    sk_ifpmtu_run_timers(ifc, now);
}

sk_time sk_iface_poll_at(const sk_iface *ifc)
{
    if (ifc->icmp.len > 0 || ifc->icmp6.len > 0 || sk_nd6_pending(ifc))
        return 0;
    sk_time t = sk_time_min(sk_ipr_poll_at(ifc), sk_ip6in_poll_at(ifc));
    t = sk_time_min(t, sk_nd6_poll_at(ifc));
    t = sk_time_min(t, sk_ifpmtu_poll_at(ifc));
    t = sk_time_min(t, sk_mld6_poll_at(ifc));
    if (ifc->cfg->link == SK_LINK_ETHERNET)
        t = sk_time_min(t, sk_arp_poll_at(ifc));
    return t;
}
