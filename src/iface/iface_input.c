/* Frames in: the link (Ethernet II or raw IPv4), IPv4 validation and
 * address classes, reassembly, and demultiplexing to TCP and ICMP.
 *
 * Ethernet (RFC 894): frames to our MAC or the broadcast MAC, ethertypes
 * IPv4 and ARP; everything else is counted (ETH_NOT_FOR_US,
 * ETH_UNKNOWN_TYPE), and IPv6 (ip6_input.c) with its 33:33 group MACs.
 *
 * IPv4 (RFC 1122 §3.2.1): the header is checked by the wire parser
 * (version, lengths, checksum). Accepted destinations are our address, the
 * limited broadcast and our subnet's directed broadcast (RFC 1122
 * §3.2.1.3), and while we have no IPv4 address UDP to port 68 at any
 * address (a DHCP reply to the address offered, RFC 2131 §4.1); broadcasts
 * (and link-layer broadcasts carrying our address)
 * are for ICMP and UDP only, TCP to them is dropped (TCP_BAD_ADDR, RFC 9293
 * §3.9.1: TCP is unicast). Sources that cannot be a single host (broadcast,
 * multicast, class E, 0.0.0.0, 127/8, our own address) are dropped
 * (IP_BAD_SRC, RFC 1122 §3.2.1.3). Options are accepted and ignored
 * (RFC 1122 §3.2.1.8). Fragments go through reassembly (ip_reass.c); the
 * complete datagram continues exactly like an unfragmented one. */
#include "iface/iface.h"

#include "tcp/tcp_conn.h"
#include "wire/icmp4.h"

/* A transport segment goes to its protocol with family-tagged addresses
 * (src, dst): TCP now; UDP (both families) and ICMPv6 join this switch and
 * the IPv6 input's next-header switch. */
static void input_tcp(sk_iface *ifc, sk_time now, const sk_ip4_repr *ip)
{
    sk_ipaddr src = sk_addr4(ip->src), dst = sk_addr4(ip->dst);
    sk_tcp_rx(ifc->tcp, &src, &dst, ip->payload, ip->payload_len, &ifc->rx, now);
}

/* UDP (RFC 768) goes to the UDP module; a datagram no socket wants is
 * answered with port unreachable (RFC 1122 §4.1.3.1), which sk_icmp_error
 * never sends about a broadcast (RFC 1122 §3.2.2) and rate limits. */
static void input_udp(sk_iface *ifc, sk_time now, const sk_ip4_repr *ip, bool bcast)
{
    sk_udp_in in;
    in.src = sk_ipaddr_from_ip4(ip->src);
    in.dst = sk_ipaddr_from_ip4(ip->dst);
    in.bcast = bcast;
    in.dgram = ip->payload;
    in.len = ip->payload_len;
    if (sk_udp_input(ifc->udp, now, &in) == SK_UDP_NO_PORT)
        sk_icmp_error(ifc, now, SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PORT, ip,
                      ip->options - SK_IP4_HDR_LEN, bcast);
}

/* A whole datagram for us (unicast) or for everyone (bcast). */
static void input_datagram(sk_iface *ifc, sk_time now, const sk_ip4_repr *ip, bool bcast)
{
    switch (ip->proto) {
    case SK_IPPROTO_TCP:
        if (bcast)
            sk_iface_drop(ifc, SK_DROP_TCP_BAD_ADDR, now);
        else
            input_tcp(ifc, now, ip);
        return;
    case SK_IPPROTO_ICMP:
        sk_icmp_input(ifc, now, ip, bcast);
        return;
    case SK_IPPROTO_UDP:
        input_udp(ifc, now, ip, bcast);
        return;
    default:
        /* RFC 1122 §3.2.2.1: protocol unreachable for a transport we lack */
        sk_iface_drop(ifc, SK_DROP_IP_UNKNOWN_PROTO, now);
        sk_icmp_error(ifc, now, SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_PROTO, ip,
                      ip->options - SK_IP4_HDR_LEN, bcast);
        return;
    }
}

static bool src_single_host(const sk_iface *ifc, sk_ip4 a)
{
    return sk_iface_is_host(ifc, a) && !sk_ip4_eq(a, ifc->addr4);
}

/* RFC 2131 §4.1: a server may unicast an OFFER or ACK to the address it
 * offers (yiaddr) before the client has configured it; RFC 1122 §3.3.6
 * lets a host take such datagrams while it has no address. With no IPv4
 * address of our own, a whole UDP datagram to port 68 (the DHCP client's)
 * is taken whatever its unicast destination, as a broadcast (so never
 * answered with an ICMP error from an address we do not have). */
static bool dhcp_while_unconfigured(const sk_iface *ifc, const sk_ip4_repr *ip)
{
    if (ifc->addr4.b[0] != 0 || ifc->addr4.b[1] != 0 || ifc->addr4.b[2] != 0 ||
        ifc->addr4.b[3] != 0)
        return false;
    return ip->proto == SK_IPPROTO_UDP && !ip->mf && ip->frag_off == 0 &&
           ip->payload_len >= 8 && ip->payload[2] == 0 && ip->payload[3] == 68;
}

static void input_ip(sk_iface *ifc, sk_time now, const uint8_t *pkt, size_t len, bool link_bcast)
{
    sk_ip4_repr ip;
    int r = sk_ip4_parse(pkt, len, &ip);
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    bool ours = sk_ip4_eq(ip.dst, ifc->addr4);
    if (!ours && !sk_iface_is_bcast(ifc, ip.dst) && !dhcp_while_unconfigured(ifc, &ip)) {
        sk_iface_drop(ifc, SK_DROP_IP_NOT_FOR_US, now);
        return;
    }
    if (!src_single_host(ifc, ip.src)) {
        sk_iface_drop(ifc, SK_DROP_IP_BAD_SRC, now);
        return;
    }
    bool bcast = !ours || link_bcast;
    if (!ip.mf && ip.frag_off == 0) {
        input_datagram(ifc, now, &ip, bcast);
        return;
    }
    if (ifc->reass.n == 0) {
        sk_iface_drop(ifc, SK_DROP_IP_FRAGMENT, now);
        return;
    }
    sk_ip4_repr whole;
    sk_ipr_dgram *d = NULL;
    ifc->rx = (sk_rx_meta){false, 0}; /* the device spoke of one fragment */
    if (sk_ipr_input(ifc, now, &ip, &whole, &d) != 0)
        return; /* kept, or dropped and counted */
    input_datagram(ifc, now, &whole, bcast);
    sk_ipr_done(ifc, d);
}

static void input_eth(sk_iface *ifc, sk_time now, const uint8_t *frame, size_t len)
{
    sk_eth_repr eth;
    int r = sk_eth_parse(frame, len, &eth);
    if (r != 0) {
        sk_iface_drop(ifc, r, now);
        return;
    }
    bool bcast = sk_mac_is_broadcast(eth.dst) != 0;
    /* RFC 2464 §7: IPv6 groups map to 33:33:xx:xx:xx:xx; the IPv6 layer
     * keeps only the groups we joined */
    bool mcast6 = eth.dst.b[0] == 0x33 && eth.dst.b[1] == 0x33 &&
                  eth.ethertype == SK_ETHERTYPE_IPV6;
    if (!bcast && !mcast6 && !sk_mac_eq(eth.dst, ifc->cfg->mac)) {
        sk_iface_drop(ifc, SK_DROP_ETH_NOT_FOR_US, now);
        return;
    }
    if (eth.ethertype == SK_ETHERTYPE_IPV4)
        input_ip(ifc, now, eth.payload, eth.payload_len, bcast);
    else if (eth.ethertype == SK_ETHERTYPE_IPV6)
        sk_iface_input_ip6(ifc, now, eth.payload, eth.payload_len, bcast || mcast6);
    else if (eth.ethertype == SK_ETHERTYPE_ARP)
        sk_arp_input(ifc, now, &eth);
    else
        sk_iface_drop(ifc, SK_DROP_ETH_UNKNOWN_TYPE, now);
}

void sk_iface_input(sk_iface *ifc, sk_time now, const uint8_t *frame, size_t len,
                    const sk_rx_meta *rx)
{
    sk_iface_run_timers(ifc, now);
    ifc->rx = *rx;
    if (ifc->cfg->link == SK_LINK_ETHERNET)
        input_eth(ifc, now, frame, len);
    else if (len > 0 && (frame[0] >> 4) == 6) /* raw IP: the version nibble */
        sk_iface_input_ip6(ifc, now, frame, len, false);
    else
        input_ip(ifc, now, frame, len, false);
    ifc->rx = (sk_rx_meta){false, 0};
}
