/* IPv6 in (RFC 8200): the fixed header, our addresses and groups, the
 * extension-header walk, reassembly, and the next-header switch to TCP and
 * ICMPv6.
 *
 * Accepted destinations are our unicast addresses and the groups we joined
 * (sk_iface_joined6); a source that is loopback, IPv4-mapped (RFC 4291
 * §2.5.5.2, RFC 4942 §2.1.4) or one of ours is dropped (IP6_SRC_OURS;
 * multicast sources are the parser's IP6_BAD_SRC). A walker refusal is
 * dropped by its reason and answered with the parameter problem the walker
 * names (RFC 8200 §4.2-4.4). Non-atomic fragments go to ip6_reass (RFC 8200
 * §4.5); its intents (time exceeded, parameter problem) become ICMPv6
 * errors. An unknown next header gets a parameter problem, code 1,
 * pointing at the byte that named it (RFC 8200 §4). TCP is unicast only
 * (RFC 9293 §3.9.1). UDP goes to the UDP module; a datagram no socket
 * wants gets port unreachable (RFC 4443 §3.1 code 4). */
#include "iface/iface.h"

#include "base/bytes.h"
#include "udp/udp.h"
#include "wire/icmp6.h"

#include <string.h>

static sk_ipaddr addr6(sk_ip6 a)
{
    sk_ipaddr r;
    memset(&r, 0, sizeof r);
    r.family = SK_AF_INET6;
    memcpy(r.b, a.b, 16);
    return r;
}

typedef struct {
    const sk_ip6_repr *ip;
    const uint8_t *pkt; /* the packet from its IPv6 header, for quotes */
    size_t pkt_len;
    bool mcast; /* sent to a group */
} ip6_in;

static void deliver(sk_iface *ifc, sk_time now, const ip6_in *in, uint8_t proto,
                    const uint8_t *p, size_t len, size_t proto_ptr)
{
    const sk_ip6_repr *ip = in->ip;
    switch (proto) {
    case SK_IPPROTO_TCP: {
        if (in->mcast || sk_ip6_is_unspecified(ip->src)) {
            sk_iface_drop(ifc, SK_DROP_TCP_BAD_ADDR, now);
            return;
        }
        sk_ipaddr src = addr6(ip->src), dst = addr6(ip->dst);
        uint64_t progress = ifc->tcp->progress;
        sk_tcp_rx(ifc->tcp, &src, &dst, p, len, &ifc->rx, now);
        if (ifc->tcp->progress != progress) /* new data acknowledged */
            sk_nd6_confirm(ifc, now, ip->src);
        return;
    }
    case SK_IPPROTO_ICMPV6:
        sk_icmp6_input(ifc, now, ip, p, len);
        return;
    case SK_IPPROTO_UDP: {
        /* RFC 1122 §4.1.3.1, RFC 4443 §3.1 code 4: no socket wants it */
        sk_udp_in u = {addr6(ip->src), addr6(ip->dst), in->mcast, p, len};
        if (sk_udp_input(ifc->udp, now, &u) == SK_UDP_NO_PORT && !in->mcast)
            sk_icmp6_error(ifc, now, SK_ICMP6_DEST_UNREACH, SK_ICMP6_UNREACH_PORT, 0, in->pkt,
                           in->pkt_len, false);
        return;
    }
    case SK_IPPROTO_NONE: /* RFC 8200 §4.7: nothing follows */
        sk_iface_drop(ifc, SK_DROP_IP6_UNKNOWN_PROTO, now);
        return;
    default:
        sk_iface_drop(ifc, SK_DROP_IP6_UNKNOWN_PROTO, now);
        if (proto_ptr != 0)
            sk_icmp6_error(ifc, now, SK_ICMP6_PARAM_PROBLEM, SK_ICMP6_PARAM_NEXT_HEADER,
                           (uint32_t)proto_ptr, in->pkt, in->pkt_len, false);
        return;
    }
}

static void drain_reass(sk_iface *ifc, sk_time now)
{
    sk_ip6_intent it;
    while (ifc->reass6 != NULL && sk_ip6r_next_intent(ifc->reass6, &it)) {
        if (it.kind == SK_I6_TIME_EXCEEDED)
            sk_icmp6_error(ifc, now, SK_ICMP6_TIME_EXCEEDED, SK_ICMP6_TIME_REASSEMBLY, 0,
                           it.data, it.len, false);
        else if (it.kind == SK_I6_PARAM_PROBLEM)
            sk_icmp6_error(ifc, now, SK_ICMP6_PARAM_PROBLEM, it.code, it.value, it.data, it.len,
                           false);
    }
}

static bool is_ulp(uint8_t p)
{
    return p == SK_IPPROTO_TCP || p == SK_IPPROTO_UDP || p == SK_IPPROTO_ICMPV6 ||
           p == SK_IPPROTO_NONE;
}

/* A fragment (RFC 8200 §4.5): to reassembly; the whole datagram goes on. */
static void input_frag(sk_iface *ifc, sk_time now, const ip6_in *in, const sk_ip6_ext *x)
{
    if (ifc->reass6 == NULL) {
        sk_iface_drop(ifc, SK_DROP_IP6_FRAGMENT, now);
        return;
    }
    const sk_ip6_repr *ip = in->ip;
    sk_ip6_frag f;
    memset(&f, 0, sizeof f);
    f.src = ip->src;
    f.dst = ip->dst;
    f.id = x->frag_id;
    f.offset = x->frag_offset;
    f.more = x->frag_more;
    f.next_header = x->proto;
    f.unfrag_len = (uint16_t)(x->frag_hdr_offset - SK_IP6_HDR_LEN);
    f.ulp_found = is_ulp(x->proto);
    f.ulp = x->proto;
    f.ulp_off = 0;
    f.data = in->pkt + x->offset;
    f.len = (uint16_t)(in->pkt_len - x->offset);
    f.pkt = in->pkt;
    f.pkt_len = in->pkt_len;
    sk_ip6_dgram d;
    ifc->rx = (sk_rx_meta){false, 0}; /* the device spoke of one fragment */
    int r = sk_ip6r_input(ifc->reass6, now, &f, &d);
    drain_reass(ifc, now);
    if (r != SK_IP6R_DONE) {
        sk_iface_drop(ifc, SK_DROP_IP6_FRAGMENT, now);
        return;
    }
    /* the reassembled datagram: its quote is the first fragment's header */
    deliver(ifc, now, in, d.next_header, d.data, d.len, 0);
}

static bool src_acceptable(const sk_iface *ifc, sk_ip6 s)
{
    return !sk_ip6_is_loopback(s) && !sk_ip6_is_v4_mapped(s) && !sk_iface_is_ours6(ifc, s);
}

static void walk_refused(sk_iface *ifc, sk_time now, const ip6_in *in, const sk_ip6_ext *x)
{
    bool send = x->icmp_action == SK_IP6_ICMP_SEND ||
                (x->icmp_action == SK_IP6_ICMP_SEND_UNLESS_MCAST && !in->mcast);
    /* RFC 4443 §2.4 (e.3): parameter problem code 2 for an option whose
     * type says "send even to multicast" is the one allowed to a group */
    if (send)
        sk_icmp6_error(ifc, now, SK_ICMP6_PARAM_PROBLEM, x->icmp_code, x->icmp_pointer, in->pkt,
                       in->pkt_len, x->icmp_action == SK_IP6_ICMP_SEND &&
                                        x->icmp_code == SK_ICMP6_PARAM_OPTION);
}

void sk_iface_input_ip6(sk_iface *ifc, sk_time now, const uint8_t *pkt, size_t len,
                        bool link_mcast)
{
    (void)link_mcast;
    sk_ip6_repr ip;
    int r = sk_ip6_parse(pkt, len, &ip);
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    bool mcast = sk_ip6_is_multicast(ip.dst);
    if (mcast ? !sk_iface_joined6(ifc, ip.dst) : !sk_iface_is_ours6(ifc, ip.dst)) {
        sk_iface_drop(ifc, SK_DROP_IP6_NOT_FOR_US, now);
        return;
    }
    if (!src_acceptable(ifc, ip.src)) {
        sk_iface_drop(ifc, SK_DROP_IP6_SRC_OURS, now);
        return;
    }
    ip6_in in = {&ip, pkt, SK_IP6_HDR_LEN + (size_t)ip.payload_len, mcast};
    sk_ip6_ext x;
    r = sk_ip6_walk_ext(&ip, &x);
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        walk_refused(ifc, now, &in, &x);
        return;
    }
    if (x.fragment && !x.atomic) {
        input_frag(ifc, now, &in, &x);
        return;
    }
    deliver(ifc, now, &in, x.proto, pkt + x.offset, in.pkt_len - x.offset, x.proto_ptr);
}

/* Only once a datagram may have expired; the intents of fragments that
 * arrived were drained by input_frag. */
void sk_ip6in_run_timers(sk_iface *ifc, sk_time now)
{
    if (ifc->reass6 == NULL || !sk_time_due(ifc->reass6->next_due, now))
        return;
    sk_ip6r_run_timers(ifc->reass6, now);
    drain_reass(ifc, now);
}

sk_time sk_ip6in_poll_at(const sk_iface *ifc)
{
    return ifc->reass6 != NULL ? sk_ip6r_poll_at(ifc->reass6) : SK_TIME_NEVER;
}
