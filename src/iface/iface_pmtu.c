/* The interface's path MTU caches (ip6/pmtu6.c), one per family, the one
 * place a Packet Too Big (RFC 8201) or a Fragmentation Needed (RFC 1191)
 * lands; IPv4 destinations are kept as IPv4-mapped keys with a floor of
 * 552 (RFC 5927 §7.2: tiny MTUs are an attack; Linux's min_pmtu), IPv6
 * ones with 1280 (RFC 8200 §5).
 *
 *   - Validation (RFC 8201 §4, RFC 5927 §4.1): the quoted packet must be
 *     one we could have sent: from one of our addresses (the callers check
 *     it), no longer than our link MTU, longer than the MTU it is said not
 *     to fit (IPv6: a packet that fits cannot be too big; IPv4 guesses a
 *     plateau below it, icmp.c), and carrying what a sender of ours sent:
 *     a TCP segment in flight on a connection, a datagram of a UDP socket
 *     bound to its port (connected to its destination, if connected), or
 *     one of our echo requests. Otherwise dropped (ICMP_PMTU_UNSENT, or
 *     TCP's reason).
 *   - The cache lowers the estimate for the quoted destination (never
 *     raised by a message: ICMP_PMTU_IGNORED); each decrease becomes an
 *     intent, which lowers the MSS of every TCP connection to that
 *     destination (RFC 8201 §5.2), not only the one quoted.
 *   - New connections take the cached value (sk_tcp_path_mtu, through the
 *     hook set here) when they learn the peer's MSS; a UDP send larger
 *     than the path allows is SK_EMSGSIZE (we never fragment; Linux's
 *     IP_PMTUDISC_DO).
 *   - Entries age out after SK_PMTU6_AGING (10 minutes, RFC 8201 §4: "no
 *     less than 5 minutes"; RFC 1191 §6.3 the same); connections then open
 *     keep their smaller MSS (we do not probe upwards), new ones start at
 *     the link MTU again. */
#include "iface/iface.h"

#include "base/bytes.h"
#include "ip6/pmtu6.h"
#include "synack/error.h"
#include "wire/icmp4.h"
#include "wire/icmp6.h"

#include <string.h>

#define SK_PMTU4_FLOOR 552u

/* The cache key of a destination: IPv6 as is, IPv4 as ::ffff:a.b.c.d. */
static sk_ip6 key_of(const sk_ipaddr *a)
{
    sk_ip6 k;
    memset(&k, 0, sizeof k);
    if (a->family == SK_AF_INET6) {
        memcpy(k.b, a->b, 16);
    } else {
        k.b[10] = k.b[11] = 0xff;
        memcpy(k.b + 12, a->b, 4);
    }
    return k;
}

static sk_pmtu6 *cache_of(const sk_iface *ifc, uint8_t family)
{
    return family == SK_AF_INET6 ? ifc->pmtu6 : ifc->pmtu4;
}

uint16_t sk_iface_path_mtu(sk_iface *ifc, const sk_ipaddr *dst, sk_time now)
{
    uint16_t mtu = sk_iface_link_mtu(ifc, dst->family);
    sk_pmtu6 *c = cache_of(ifc, dst->family);
    if (c == NULL)
        return mtu;
    sk_ip6 k = key_of(dst);
    uint32_t m = sk_pmtu6_lookup(c, &k, now);
    return m < mtu ? (uint16_t)m : mtu;
}

static uint16_t hook_path_mtu(void *ctx, const sk_ipaddr *raddr, sk_time now)
{
    return sk_iface_path_mtu(ctx, raddr, now);
}

static int make(sk_iface *ifc, uint32_t floor, sk_pmtu6 **out)
{
    sk_pmtu6_config pc;
    memset(&pc, 0, sizeof pc);
    pc.entries = SK_PMTU6_ENTRIES;
    pc.floor = floor;
    pc.link_mtu = ifc->cfg->mtu > floor ? ifc->cfg->mtu : floor;
    pc.alloc = ifc->cfg->alloc;
    return sk_pmtu6_create(&pc, out);
}

int sk_ifpmtu_init(sk_iface *ifc)
{
    int err = make(ifc, SK_PMTU6_MIN, &ifc->pmtu6);
    if (err == 0)
        err = make(ifc, SK_PMTU4_FLOOR, &ifc->pmtu4);
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
    sk_pmtu6_destroy(ifc->pmtu4);
    ifc->pmtu6 = ifc->pmtu4 = NULL;
}

/* A cache's intents: a changed estimate goes to TCP. */
static void drain(sk_iface *ifc, sk_pmtu6 *c, uint8_t family)
{
    sk_ip6_intent in;
    while (sk_pmtu6_next_intent(c, &in)) {
        if (in.kind != SK_I6_PMTU)
            continue;
        sk_ipaddr a;
        memset(&a, 0, sizeof a);
        a.family = family;
        if (family == SK_AF_INET6)
            memcpy(a.b, in.target.b, 16);
        else
            memcpy(a.b, in.target.b + 12, 4);
        (void)sk_tcp_pmtu_to(ifc->tcp, &a, in.value > 0xffff ? 0xffff : (uint16_t)in.value);
    }
}

/* Did one of our senders send the packet whose transport header is l4? */
static int sent_by_us(sk_iface *ifc, const sk_ipaddr *src, const sk_ipaddr *dst, uint8_t proto,
                      const uint8_t *l4)
{
    if (proto == SK_IPPROTO_TCP) {
        sk_tuple tu = {*src, *dst, sk_load_be16(l4), sk_load_be16(l4 + 2)};
        return sk_tcp_icmp_check(ifc->tcp, &tu, sk_seq_make(sk_load_be32(l4 + 4)));
    }
    if (proto == SK_IPPROTO_UDP) {
        sk_endpoint l = {*src, sk_load_be16(l4)}, r = {*dst, sk_load_be16(l4 + 2)};
        return ifc->udp != NULL && sk_udp_could_send(ifc->udp, &l, &r) ? 0
                                                                       : SK_DROP_ICMP_PMTU_UNSENT;
    }
    if ((proto == SK_IPPROTO_ICMPV6 && l4[0] == SK_ICMP6_ECHO_REQUEST) ||
        (proto == SK_IPPROTO_ICMP && l4[0] == SK_ICMP_ECHO_REQUEST))
        return 0;
    return SK_DROP_ICMP_PMTU_UNSENT;
}

/* Validated: lower the estimate, tell TCP. */
static int lower(sk_iface *ifc, sk_time now, const sk_ipaddr *dst, uint32_t mtu)
{
    sk_pmtu6 *c = cache_of(ifc, dst->family);
    uint64_t before = c->stats.decreased;
    sk_ip6 k = key_of(dst);
    sk_pmtu6_input_ptb(c, now, &k, mtu);
    drain(ifc, c, dst->family);
    return c->stats.decreased != before ? 0 : SK_DROP_ICMP_PMTU_IGNORED;
}

int sk_ifpmtu_ptb(sk_iface *ifc, sk_time now, const uint8_t *q, uint8_t proto, size_t off,
                  uint32_t mtu)
{
    size_t sent = SK_IP6_HDR_LEN + (size_t)sk_load_be16(q + 4);
    if (sent > ifc->cfg->mtu || sent <= mtu)
        return SK_DROP_ICMP_PMTU_UNSENT;
    sk_ipaddr src, dst;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    src.family = dst.family = SK_AF_INET6;
    memcpy(src.b, q + 8, 16);
    memcpy(dst.b, q + 24, 16);
    int r = sent_by_us(ifc, &src, &dst, proto, q + off);
    return r != 0 ? r : lower(ifc, now, &dst, mtu);
}

int sk_ifpmtu_frag_needed(sk_iface *ifc, sk_time now, const uint8_t *q, size_t ihl, uint16_t mtu)
{
    if (sk_load_be16(q + 2) > ifc->cfg->mtu)
        return SK_DROP_ICMP_PMTU_UNSENT;
    sk_ip4 a;
    memcpy(a.b, q + 12, 4);
    sk_ipaddr src = sk_ipaddr_from_ip4(a);
    memcpy(a.b, q + 16, 4);
    sk_ipaddr dst = sk_ipaddr_from_ip4(a);
    int r = sent_by_us(ifc, &src, &dst, q[9], q + ihl);
    return r != 0 ? r : lower(ifc, now, &dst, mtu);
}

/* A cache's sweep only once an entry may have aged out; the intents of a
 * decrease were drained by lower(). */
void sk_ifpmtu_run_timers(sk_iface *ifc, sk_time now)
{
    if (sk_time_due(ifc->pmtu6->next_due, now)) {
        sk_pmtu6_run_timers(ifc->pmtu6, now);
        drain(ifc, ifc->pmtu6, SK_AF_INET6);
    }
    if (sk_time_due(ifc->pmtu4->next_due, now)) {
        sk_pmtu6_run_timers(ifc->pmtu4, now);
        drain(ifc, ifc->pmtu4, SK_AF_INET4);
    }
}

sk_time sk_ifpmtu_poll_at(const sk_iface *ifc)
{
    return sk_time_min(sk_pmtu6_poll_at(ifc->pmtu6), sk_pmtu6_poll_at(ifc->pmtu4));
}
