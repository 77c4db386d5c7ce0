/* Neighbour Discovery on an Ethernet link (RFC 4861, RFC 2464): the
 * interface's side of ip6/nd_cache.c.
 *
 * At creation the link-local address fe80::/64 + modified EUI-64 of our
 * MAC (RFC 4291 appendix A, RFC 2464 §5) joins the address list when there
 * is room: IPv6 works on the link with no configuration. (No DAD is run
 * for it, and no MLD report is sent: see docs/rfc-coverage.md.)
 *
 * Sending: the next hop is the destination when it is link-local or on the
 * prefix of one of our IPv6 addresses, else the gateway of the longest
 * IPv6 route (cfg->routes) or the router of the last RA that named itself
 * a default router (§6.3.6); none: IP6_NO_ROUTE. sk_nd_resolve then says
 * send now, hold, or drop; the cache's intents become frames in
 * sk_nd6_output: NS (§7.2.2, from the held packet's source family's
 * address, with our link-layer address), released held packets (§7.2.2),
 * address unreachable for the ones given up (ICMPv6 code 3).
 *
 * Receiving: NS/NA/RS/RA/redirect pass sk_nd_check (hop limit 255, ...)
 * first. An NS for one of our addresses is answered with a solicited NA
 * (S and O set, our link-layer address, §7.2.4), a DAD probe from ::
 * with an unsolicited one to all-nodes (RFC 4862 §5.4.3 defends the
 * address); its source goes into the cache (§7.2.3). NAs and RAs update the
 * cache (§7.2.5, §6.3.4). */
#include "iface/iface.h"

#include "synack/error.h"
#include "wire/icmp6.h"
#include "wire/nd6.h"

#include <string.h>

#define ND_HOP_LIMIT 255 /* RFC 4861 §4: every ND message */

static void unreachable(sk_iface *ifc, sk_time now, const uint8_t *p, size_t len);

int sk_nd6_init(sk_iface *ifc)
{
    sk_mld6_init(ifc);
    if (ifc->cfg->link != SK_LINK_ETHERNET)
        return 0;
    const sk_stack_config *cfg = ifc->cfg;
    sk_nd_config nc;
    memset(&nc, 0, sizeof nc);
    nc.entries = cfg->arp_cache_size;
    nc.held_total = cfg->arp_queue_len > 0 ? cfg->arp_queue_len : 1;
    nc.held_per_entry = cfg->arp_held_per_entry > 0 ? cfg->arp_held_per_entry : 1;
    if (nc.held_per_entry > nc.held_total)
        nc.held_per_entry = nc.held_total;
    nc.unresolved_max = cfg->arp_unresolved_max > 0 ? cfg->arp_unresolved_max
                                                    : cfg->arp_cache_size / 2u;
    nc.held_max_len = cfg->mtu;
    nc.seed = cfg->seed ^ 0x4e442d3438363100ull;
    nc.alloc = cfg->alloc;
    sk_mld6_schedule(ifc, 0);
    int err = sk_nd_create(&nc, 0, &ifc->nd);
    return err != 0 ? err : sk_ra6_init(ifc);
}

void sk_nd6_free(sk_iface *ifc)
{
    sk_ra6_free(ifc);
    if (ifc->nd != NULL)
        sk_nd_destroy(ifc->nd);
    ifc->nd = NULL;
}

void sk_nd6_sync_stats(sk_iface *ifc)
{
    const sk_nd_stats *n = &ifc->nd->stats;
    ifc->ctx->stats.nd_evict_unresolved = n->evict_incomplete;
    ifc->ctx->stats.nd_evict_resolved = n->evict_stale + n->evict_other;
}

static bool on_link6(const sk_iface *ifc, sk_time now, sk_ip6 dst)
{
    if (sk_ip6_is_link_local(dst) || sk_ra6_on_link(ifc, now, dst))
        return true;
    for (uint8_t i = 0; i < ifc->cfg->n_addrs; i++) {
        const sk_ifaddr *a = &ifc->cfg->addrs[i];
        sk_ip6 x;
        memcpy(x.b, a->addr.b, 16);
        if (a->addr.family == SK_AF_INET6 && !sk_ip6_is_link_local(x) &&
            sk_ip6_same_prefix(dst, x, a->prefix_len))
            return true;
    }
    return false;
}

/* RFC 4861 §5.2 next-hop determination. */
static bool next_hop6(sk_iface *ifc, sk_ip6 dst, sk_time now, sk_ip6 *nh)
{
    if (on_link6(ifc, now, dst)) {
        *nh = dst;
        return true;
    }
    if (ifc->ndr != NULL && sk_ndr_redirected(ifc->ndr, &dst, nh)) /* §8.3 (iface_redirect6.c) */
        return true;
    const sk_route *best = NULL;
    for (uint8_t i = 0; i < ifc->cfg->n_routes; i++) {
        const sk_route *r = &ifc->cfg->routes[i];
        sk_ip6 p;
        memcpy(p.b, r->dst.b, 16);
        if (r->dst.family == SK_AF_INET6 && sk_ip6_same_prefix(dst, p, r->prefix_len) &&
            (best == NULL || r->prefix_len > best->prefix_len))
            best = r;
    }
    if (best != NULL) {
        memcpy(nh->b, best->gateway.b, 16);
        return true;
    }
    return sk_ra6_next_hop(ifc, now, dst, nh) == 0; /* §6.3.6 */
}

static void eth_hdr6(const sk_iface *ifc, uint8_t *buf, sk_mac dst)
{
    sk_eth_repr eth;
    eth.dst = dst;
    eth.src = ifc->cfg->mac;
    eth.ethertype = SK_ETHERTYPE_IPV6;
    sk_eth_emit(&eth, buf, SK_ETH_HDR_LEN);
}

bool sk_nd6_tx_direct(sk_iface *ifc, sk_ip6 dst, sk_time now)
{
    sk_ip6 nh;
    if (sk_ip6_is_multicast(dst))
        return true;
    if (ifc->nd == NULL || !next_hop6(ifc, dst, now, &nh))
        return false;
    return sk_nd_probably_reachable(ifc->nd, &nh);
}

size_t sk_nd6_frame(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap, sk_ip6 dst,
                    size_t ip_len)
{
    sk_mac mac;
    if (sk_ip6_is_multicast(dst)) {
        eth_hdr6(ifc, buf, sk_ip6_mcast_mac(dst));
        return SK_ETH_HDR_LEN + ip_len;
    }
    sk_ip6 nh;
    if (ifc->nd == NULL || !next_hop6(ifc, dst, now, &nh)) {
        sk_iface_drop(ifc, SK_DROP_IP6_NO_ROUTE, now);
        return 0;
    }
    (void)cap;
    int v = sk_nd_resolve(ifc->nd, now, &nh, buf + SK_ETH_HDR_LEN, ip_len, &mac);
    sk_nd6_sync_stats(ifc);
    if (v == SK_ND_SEND) {
        eth_hdr6(ifc, buf, mac);
        return SK_ETH_HDR_LEN + ip_len;
    }
    if (v == SK_ND_DROPPED) {
        sk_iface_drop(ifc, SK_DROP_ARP_QUEUE_FULL, now);
        return 0;
    }
    return sk_nd6_output(ifc, now, buf, cap); /* held: the NS, if one is due */
}

/* Write an ND message (hop limit 255) from src to dst at link address mac. */
static size_t nd_frame(sk_iface *ifc, uint8_t *buf, size_t cap, sk_mac mac, sk_ip6 src,
                       sk_ip6 dst, const sk_nd_repr *r)
{
    size_t off = SK_ETH_HDR_LEN + SK_IP6_HDR_LEN;
    if (cap < off)
        return 0;
    size_t n = sk_nd_emit(src, dst, r, buf + off, cap - off);
    if (n == 0)
        return 0;
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_ICMPV6;
    ip.hop_limit = ND_HOP_LIMIT;
    ip.src = src;
    ip.dst = dst;
    sk_ip6_emit(&ip, buf + SK_ETH_HDR_LEN, SK_IP6_HDR_LEN);
    eth_hdr6(ifc, buf, mac);
    ifc->ctx->stats.icmp_out++;
    return off + n;
}

static size_t send_ns(sk_iface *ifc, uint8_t *buf, size_t cap, const sk_ip6_intent *it)
{
    sk_nd_repr r;
    memset(&r, 0, sizeof r);
    r.type = SK_ICMP6_ND_NS;
    r.target = it->target;
    sk_ip6 src = {{0}};
    if (!(it->flags & SK_I6F_SRC_UNSPEC) && !sk_iface_src_for6(ifc, it->target, &src))
        return 0;
    if (it->flags & SK_I6F_SLLAO) {
        r.opts.has_sllao = true;
        r.opts.sllao = ifc->cfg->mac;
    }
    return nd_frame(ifc, buf, cap, it->mac, src, it->dst, &r);
}

/* RFC 4861 §6.3.7: from our link-local address with our link-layer
 * address, or from :: without it (§4.1) while none is ours yet. */
static size_t send_rs(sk_iface *ifc, uint8_t *buf, size_t cap, const sk_ip6_intent *it)
{
    sk_nd_repr r;
    memset(&r, 0, sizeof r);
    r.type = SK_ICMP6_ND_RS;
    sk_ip6 src = {{0}};
    for (uint8_t i = 0; i < ifc->cfg->n_addrs; i++) {
        const sk_ipaddr *a = &ifc->cfg->addrs[i].addr;
        if (a->family == SK_AF_INET6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80) {
            memcpy(src.b, a->b, 16);
            r.opts.has_sllao = true;
            r.opts.sllao = ifc->cfg->mac;
            break;
        }
    }
    return nd_frame(ifc, buf, cap, it->mac, src, it->dst, &r);
}

size_t sk_nd6_intent_frame(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap,
                           const sk_ip6_intent *it)
{
    switch (it->kind) {
    case SK_I6_SEND_NS:
        return send_ns(ifc, buf, cap, it);
    case SK_I6_SEND_RS:
        return send_rs(ifc, buf, cap, it);
    case SK_I6_RELEASE:
        if (SK_ETH_HDR_LEN + it->len > cap)
            return 0;
        memcpy(buf + SK_ETH_HDR_LEN, it->data, it->len);
        eth_hdr6(ifc, buf, it->mac);
        return SK_ETH_HDR_LEN + it->len;
    case SK_I6_UNREACHABLE:
        sk_iface_drop(ifc, SK_DROP_ARP_UNRESOLVED, now);
        unreachable(ifc, now, it->data, it->len);
        return 0;
    case SK_I6_NOT_ROUTER: /* §7.2.5: off the default router list */
        sk_ra6_router_gone(ifc, it->target);
        return 0;
    default:
        return 0;
    }
}

/* RFC 4861 §7.2.2: a packet given up on is answered with address
 * unreachable to its source; when that is us (always, as a host), the
 * TCP connection it belongs to hears it directly (RFC 1122 §3.3.1.4,
 * as for ARP: a connection in SYN-SENT fails with SK_EHOSTUNREACH). */
static void unreachable(sk_iface *ifc, sk_time now, const uint8_t *p, size_t len)
{
    sk_ip6 src;
    if (len < SK_IP6_HDR_LEN + 8)
        return;
    memcpy(src.b, p + 8, 16);
    if (!sk_iface_is_ours6(ifc, src)) {
        sk_icmp6_error(ifc, now, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_ADDR, 0, p, len, false);
        return;
    }
    if (p[6] != SK_IPPROTO_TCP)
        return;
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr.family = tu.raddr.family = SK_AF_INET6;
    memcpy(tu.laddr.b, p + 8, 16);
    memcpy(tu.raddr.b, p + 24, 16);
    tu.lport = (uint16_t)(p[40] << 8 | p[41]);
    tu.rport = (uint16_t)(p[42] << 8 | p[43]);
    sk_tcb *t = sk_demux_lookup(ifc->tcp, &tu);
    if (t != NULL)
        sk_tcp_host_unreachable(ifc->tcp, t, now);
}

/* NA answers first, then the cache's intents. */
size_t sk_nd6_output(sk_iface *ifc, sk_time now, uint8_t *buf, size_t cap)
{
    while (ifc->nd6q.len > 0) {
        sk_nd6_answer a = ifc->nd6q.q[ifc->nd6q.head];
        ifc->nd6q.head = (ifc->nd6q.head + 1) % SK_ND6Q_CAP;
        ifc->nd6q.len--;
        sk_nd_repr r;
        memset(&r, 0, sizeof r);
        r.type = SK_ICMP6_ND_NA;
        r.solicited = a.solicited;
        r.override = true;
        r.target = a.target;
        r.opts.has_tllao = true;
        r.opts.tllao = ifc->cfg->mac;
        sk_mac mac = sk_ip6_is_multicast(a.dst) ? sk_ip6_mcast_mac(a.dst) : a.mac;
        size_t n = nd_frame(ifc, buf, cap, mac, a.target, a.dst, &r);
        if (n > 0)
            return n;
    }
    size_t m = sk_ra6_output(ifc, now, buf, cap);
    if (m > 0)
        return m;
    sk_ip6_intent it;
    while (ifc->nd != NULL && sk_nd_next_intent(ifc->nd, &it)) {
        size_t n = sk_nd6_intent_frame(ifc, now, buf, cap, &it);
        if (n > 0)
            return n;
    }
    return 0;
}

bool sk_nd6_pending(const sk_iface *ifc)
{
    return ifc->nd6q.len > 0 || ifc->ra6q.len > 0 || (ifc->nd != NULL && ifc->nd->iq.len > 0);
}

static void answer_ns(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const sk_nd_repr *nd)
{
    sk_nd6q *q = &ifc->nd6q;
    if (q->len == SK_ND6Q_CAP) {
        sk_iface_drop(ifc, SK_DROP_ICMP_QUEUE_FULL, now);
        return;
    }
    sk_nd6_answer *a = &q->q[(q->head + q->len) % SK_ND6Q_CAP];
    a->target = nd->target;
    if (sk_ip6_is_unspecified(ip->src)) { /* a DAD probe for our address */
        a->dst = sk_ip6_all_nodes();
        a->solicited = false;
    } else {
        a->dst = ip->src;
        a->solicited = true;
        a->mac = nd->opts.sllao;
        if (!nd->opts.has_sllao) { /* §7.2.4: resolve the solicitor first */
            const sk_nd_entry *e = sk_nd_find(ifc->nd, &ip->src);
            if (e == NULL || e->state == SK_ND_INCOMPLETE) {
                sk_iface_drop(ifc, SK_DROP_ND_BAD_OPTION, now);
                return;
            }
            a->mac = e->mac;
        }
    }
    q->len++;
}

static void nd_event(sk_iface *ifc, sk_time now, uint8_t kind, sk_ip6 ip, bool has_lla,
                     sk_mac lla, const sk_nd_repr *nd)
{
    sk_nd_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.ip = ip;
    ev.has_lla = has_lla;
    ev.lla = lla;
    ev.router = nd->router;
    ev.solicited = nd->solicited;
    ev.override = nd->override;
    sk_nd_input(ifc->nd, now, &ev);
    sk_nd6_sync_stats(ifc);
}

void sk_nd6_input(sk_iface *ifc, sk_time now, const sk_ip6_repr *ip, const uint8_t *msg,
                  size_t len)
{
    sk_nd_repr nd;
    int r = sk_nd_parse(msg, len, &nd);
    if (r == 0)
        r = sk_nd_check(ip, &nd);
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    if (ifc->nd == NULL) {
        sk_iface_drop(ifc, SK_DROP_ICMP6_UNHANDLED, now);
        return;
    }
    switch (nd.type) {
    case SK_ICMP6_ND_NS:
        if (sk_ra6_tentative(ifc, nd.target)) { /* RFC 4862 §5.4.3: no answer */
            sk_ra6_input_ns(ifc, now, ip->src, nd.target);
            return;
        }
        if (!sk_iface_is_ours6(ifc, nd.target)) {
            sk_iface_drop(ifc, SK_DROP_IP6_NOT_FOR_US, now);
            return;
        }
        if (!sk_ip6_is_unspecified(ip->src))
            nd_event(ifc, now, SK_ND_EV_NS, ip->src, nd.opts.has_sllao, nd.opts.sllao, &nd);
        answer_ns(ifc, now, ip, &nd);
        return;
    case SK_ICMP6_ND_NA:
        sk_ra6_input_na(ifc, now, nd.target); /* RFC 4862 §5.4.4 */
        nd_event(ifc, now, SK_ND_EV_NA, nd.target, nd.opts.has_tllao, nd.opts.tllao, &nd);
        return;
    case SK_ICMP6_ND_RA:
        nd_event(ifc, now, SK_ND_EV_RA, ip->src, nd.opts.has_sllao, nd.opts.sllao, &nd);
        sk_ra6_input(ifc, now, ip, &nd);
        return;
    default: /* RS (we are no router); redirects go to iface_redirect6.c */
        sk_iface_drop(ifc, SK_DROP_ICMP6_UNHANDLED, now);
        return;
    }
}

void sk_nd6_run_timers(sk_iface *ifc, sk_time now)
{
    if (ifc->nd != NULL)
        sk_nd_run_timers(ifc->nd, now);
    sk_ra6_run_timers(ifc, now);
}

sk_time sk_nd6_poll_at(const sk_iface *ifc)
{
    return ifc->nd != NULL ? sk_time_min(sk_nd_poll_at(ifc->nd), sk_ra6_poll_at(ifc))
                           : SK_TIME_NEVER;
}

/* RFC 4861 §7.3.1: forward progress of an upper-layer protocol (TCP's ACK
 * of new data from `peer`) confirms the neighbour our packets to `peer` go
 * through: its entry becomes REACHABLE again without a probe. */
void sk_nd6_confirm(sk_iface *ifc, sk_time now, sk_ip6 peer)
{
    sk_ip6 nh;
    if (ifc->nd != NULL && next_hop6(ifc, peer, now, &nh))
        sk_nd_confirm(ifc->nd, now, &nh);
}

bool sk_nd6_next_hop(sk_iface *ifc, sk_ip6 dst, sk_time now, sk_ip6 *nh)
{
    return next_hop6(ifc, dst, now, nh);
}
