/* The interface's IPv6 path MTU cache (ip6/pmtu6.c, RFC 8201), the one
 * place a Packet Too Big lands:
 *
 *   - §4 validation: the quoted packet must be one we could have sent:
 *     from one of our addresses (iface_icmp6.c checks it), no longer than
 *     our link MTU and longer than the MTU it is said not to fit (a packet
 *     that fits cannot be too big), and carrying what a sender of ours
 *     sent: a TCP segment in flight on a connection (RFC 5927 §4.1), a
 *     datagram of a UDP socket bound to its port (connected to its
 *     destination, if connected), or one of our echo requests. Otherwise
 *     dropped (ICMP6_PTB_UNSENT, or TCP's reason).
 *   - The cache lowers the estimate for the quoted destination (never
 *     below 1280, never raised by a PTB: ICMP_PMTU_IGNORED); each decrease
 *     becomes an intent, which lowers the MSS of every TCP connection to
 *     that destination (§5.2), not only the one quoted.
 *   - New connections take the cached value (sk_tcp_path_mtu, through the
 *     hook set here) when they learn the peer's MSS.
 *   - Entries age out after SK_PMTU6_AGING (10 minutes, §4: "no less than
 *     5 minutes"); connections then open keep their smaller MSS (we do not
 *     probe upwards), new ones start at the link MTU again.
 *
 * IPv4 keeps the per-connection handling of tcp_icmp.c (RFC 1191 §6): no
 * destination cache for IPv4 (docs/rfc-coverage.md). */
#include "iface/iface.h"

#include "base/bytes.h"
#include "ip6/pmtu6.h"
#include "synack/error.h"
#include "wire/icmp6.h"

#include <string.h>

static uint16_t hook_path_mtu(void *ctx, const sk_ipaddr *raddr, sk_time now)
{
    sk_iface *ifc = ctx;
    if (raddr->family != SK_AF_INET6 || ifc->pmtu6 == NULL)
        return 0;
    sk_ip6 d;
    memcpy(d.b, raddr->b, 16);
    uint32_t m = sk_pmtu6_lookup(ifc->pmtu6, &d, now);
    return m > 0xffff ? 0xffff : (uint16_t)m;
}

int sk_ifpmtu_init(sk_iface *ifc)
{
    sk_pmtu6_config pc;
    memset(&pc, 0, sizeof pc);
    pc.entries = SK_PMTU6_ENTRIES;
    pc.link_mtu = ifc->cfg->mtu > SK_PMTU6_MIN ? ifc->cfg->mtu : SK_PMTU6_MIN;
    pc.alloc = ifc->cfg->alloc;
    int err = sk_pmtu6_create(&pc, &ifc->pmtu6);
    if (err == 0 && ifc->tcp != NULL) {
        ifc->tcp->path_mtu = hook_path_mtu;
        ifc->tcp->path_mtu_ctx = ifc;
    }
    return err;
}

void sk_ifpmtu_free(sk_iface *ifc)
{
    if (ifc->tcp != NULL && ifc->tcp->path_mtu_ctx == ifc) {
        ifc->tcp->path_mtu = NULL;
        ifc->tcp->path_mtu_ctx = NULL;
    }
    sk_pmtu6_destroy(ifc->pmtu6);
    ifc->pmtu6 = NULL;
}

/* The cache's intents: a changed estimate goes to TCP. */
static void drain(sk_iface *ifc)
{
    sk_ip6_intent in;
    while (sk_pmtu6_next_intent(ifc->pmtu6, &in)) {
        if (in.kind != SK_I6_PMTU)
            continue;
        sk_ipaddr a;
        memset(&a, 0, sizeof a);
        a.family = SK_AF_INET6;
        memcpy(a.b, in.target.b, 16);
        (void)sk_tcp_pmtu_to(ifc->tcp, &a, in.value > 0xffff ? 0xffff : (uint16_t)in.value);
    }
}

/* §4: did one of our senders send the quoted packet? */
static int sent_by_us(sk_iface *ifc, const uint8_t *q, uint8_t proto, size_t off)
{
    sk_ipaddr src, dst;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    src.family = dst.family = SK_AF_INET6;
    memcpy(src.b, q + 8, 16);
    memcpy(dst.b, q + 24, 16);
    const uint8_t *l4 = q + off;
    if (proto == SK_IPPROTO_TCP) {
        sk_tuple tu = {src, dst, sk_load_be16(l4), sk_load_be16(l4 + 2)};
        return sk_tcp_icmp_check(ifc->tcp, &tu, sk_seq_make(sk_load_be32(l4 + 4)));
    }
    if (proto == SK_IPPROTO_UDP) {
        sk_endpoint l = {src, sk_load_be16(l4)}, r = {dst, sk_load_be16(l4 + 2)};
        return ifc->udp != NULL && sk_udp_could_send(ifc->udp, &l, &r) ? 0
                                                                       : SK_DROP_ICMP6_PTB_UNSENT;
    }
    if (proto == SK_IPPROTO_ICMPV6 && l4[0] == SK_ICMP6_ECHO_REQUEST)
        return 0;
    return SK_DROP_ICMP6_PTB_UNSENT;
}

int sk_ifpmtu_ptb(sk_iface *ifc, sk_time now, const uint8_t *q, uint8_t proto, size_t off,
                  uint32_t mtu)
{
    size_t sent = SK_IP6_HDR_LEN + (size_t)sk_load_be16(q + 4);
    if (sent > ifc->cfg->mtu || sent <= mtu)
        return SK_DROP_ICMP6_PTB_UNSENT;
    int r = sent_by_us(ifc, q, proto, off);
    if (r != 0)
        return r;
    uint64_t before = ifc->pmtu6->stats.decreased;
    sk_ip6 d;
    memcpy(d.b, q + 24, 16);
    sk_pmtu6_input_ptb(ifc->pmtu6, now, &d, mtu);
    drain(ifc);
    return ifc->pmtu6->stats.decreased != before ? 0 : SK_DROP_ICMP_PMTU_IGNORED;
}

void sk_ifpmtu_run_timers(sk_iface *ifc, sk_time now)
{
    sk_pmtu6_run_timers(ifc->pmtu6, now);
    drain(ifc);
}

sk_time sk_ifpmtu_poll_at(const sk_iface *ifc)
{
    return sk_pmtu6_poll_at(ifc->pmtu6);
}
