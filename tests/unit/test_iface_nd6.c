/* Neighbour Discovery on an Ethernet link, frame by frame (RFC 4861, RFC
 * 4862, RFC 2464): the link-local address we have with no configuration,
 * resolution of a next hop (NS to the solicited-node group, the held
 * segment released by the NA), our NA answers (solicited, and the DAD
 * defence to all-nodes), address autoconfiguration from an RA with the
 * router as next hop, and the ND packet checks. Us 02:00:00:00:00:02, the
 * peer 02:00:00:00:00:01. */
#include "api/stack_impl.h"
#include "base/bytes.h"
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/eth.h"
#include "wire/icmp6.h"
#include "wire/mld6.h"
#include "wire/ipv6.h"
#include "wire/nd6.h"
#include "wire/tcp_hdr.h"

#include <string.h>

static const sk_mac US_MAC = {{0x02, 0, 0, 0, 0, 0x02}};
static const sk_mac PEER_MAC = {{0x02, 0, 0, 0, 0, 0x01}};

static sk_ip6 ll(uint8_t last)
{
    sk_ip6 r = {{0xfe, 0x80}};
    r.b[15] = last;
    return r;
}

static sk_stack *make_eth(void)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(10, 0, 0, 2), US_MAC, 7);
    sk_stack *s = ifx_create(&cfg);
    uint8_t out[2048]; /* the gratuitous ARP of the first output */
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 42);
    return s;
}

/* prefix (its first 8 bytes) + the RFC 7217 identifier the stack's
 * slaac.c computes for it with DAD counter 0 */
static sk_ip6 stable(sk_stack *s, sk_ip6 prefix)
{
    sk_ip6 a = prefix;
    uint64_t iid = sk_slaac_iid(s->ifc.slaac, &prefix, 0);
    for (int i = 0; i < 8; i++)
        a.b[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
    return a;
}

/* Our link-local address: in the address list (DAD done or off). */
static sk_ip6 our_ll(sk_stack *s)
{
    sk_ip6 a = stable(s, ll(0));
    SK_CHECK(sk_iface_is_ours6(&s->ifc, a));
    return a;
}

/* An ND message from src (at src_mac) to dst in a frame to eth_dst. */
static size_t nd_in(uint8_t *f, sk_mac eth_dst, sk_ip6 src, sk_ip6 dst, const sk_nd_repr *r,
                    uint8_t hop)
{
    size_t n = sk_nd_emit(src, dst, r, f + 54, 512);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_ICMPV6;
    ip.hop_limit = hop;
    ip.src = src;
    ip.dst = dst;
    sk_ip6_emit(&ip, f + 14, 40);
    sk_eth_repr e = {eth_dst, PEER_MAC, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    return 54 + n;
}

/* The frame is an ND message: parsed, checked (hop limit 255, ...). */
static void parse_nd(const uint8_t *f, size_t n, sk_eth_repr *e, sk_ip6_repr *ip, sk_nd_repr *nd)
{
    memset(nd, 0, sizeof *nd);
    memset(ip, 0, sizeof *ip);
    SK_CHECK(n >= 54 + 24);
    if (n < 54 + 24)
        return;
    SK_CHECK_EQ_I(sk_eth_parse(f, n, e), 0);
    SK_CHECK_EQ(e->ethertype, SK_ETHERTYPE_IPV6);
    SK_CHECK(sk_mac_eq(e->src, US_MAC));
    SK_CHECK_EQ_I(sk_ip6_parse(e->payload, e->payload_len, ip), 0);
    SK_CHECK_EQ(ip->next_header, SK_IPPROTO_ICMPV6);
    sk_icmp6_repr m;
    SK_CHECK_EQ_I(sk_icmp6_parse(ip->src, ip->dst, ip->payload, ip->payload_len, &m), 0);
    SK_CHECK_EQ_I(sk_nd_parse(ip->payload, ip->payload_len, nd), 0);
    SK_CHECK_EQ_I(sk_nd_check(ip, nd), 0);
}

/* With only an IPv4 address configured we have fe80:: + an RFC 7217
 * identifier (not the MAC's EUI-64); a connection to fe80::1 waits for
 * resolution: an NS to ff02::1:ff00:1 at 33:33:ff:00:00:01 from our
 * link-local address with our link-layer address; the NA releases the SYN
 * to the peer's MAC; nothing else goes out. */
static void test_resolution(void)
{
    sk_stack *s = make_eth();
    uint8_t out[2048], f[600];
    sk_ip6 us = our_ll(s);
    SK_CHECK(!sk_ip6_eq(us, sk_ip6_link_local_from_mac(US_MAC))); /* RFC 8064: not EUI-64 */
    sk_endpoint r = {sk_ipaddr_from_ip6(ll(1)), 80};
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h), 0);
    size_t n = sk_stack_output(s, 0, out, sizeof out);
    sk_eth_repr e;
    sk_ip6_repr ip;
    sk_nd_repr nd;
    parse_nd(out, n, &e, &ip, &nd);
    SK_CHECK_EQ(nd.type, SK_ICMP6_ND_NS);
    SK_CHECK(sk_ip6_eq(nd.target, ll(1)));
    SK_CHECK(sk_ip6_eq(ip.dst, sk_ip6_solicited_node(ll(1))));
    SK_CHECK(sk_mac_eq(e.dst, sk_ip6_mcast_mac(ip.dst)) && e.dst.b[0] == 0x33 && e.dst.b[2] == 0xff);
    SK_CHECK(sk_ip6_eq(ip.src, us));
    SK_CHECK(nd.opts.has_sllao && sk_mac_eq(nd.opts.sllao, US_MAC));
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0); /* the SYN is held */
    sk_nd_repr na;
    memset(&na, 0, sizeof na);
    na.type = SK_ICMP6_ND_NA;
    na.solicited = na.override = true;
    na.target = ll(1);
    na.opts.has_tllao = true;
    na.opts.tllao = PEER_MAC;
    sk_stack_input(s, SK_MSEC(1), f, nd_in(f, US_MAC, ll(1), us, &na, 255));
    n = sk_stack_output(s, SK_MSEC(1), out, sizeof out);
    SK_CHECK_EQ_I(sk_eth_parse(out, n, &e), 0);
    SK_CHECK(sk_mac_eq(e.dst, PEER_MAC));
    SK_CHECK_EQ_I(sk_ip6_parse(e.payload, e.payload_len, &ip), 0);
    SK_CHECK_EQ(ip.next_header, SK_IPPROTO_TCP);
    SK_CHECK(sk_ip6_eq(ip.src, us) && sk_ip6_eq(ip.dst, ll(1)));
    SK_CHECK_EQ(sk_stack_output(s, SK_MSEC(1), out, sizeof out), 0);
    sk_stack_destroy(s);
}

/* An NS for our address is answered with a solicited NA (S, O, our MAC)
 * to the solicitor's MAC; a DAD probe (source ::) with an NA to all-nodes
 * without S; an NS for another address and one with hop limit 254 (sent
 * from off the link) get nothing. */
static void test_na_answers(void)
{
    sk_stack *s = make_eth();
    uint8_t out[2048], f[600];
    sk_ip6 us = our_ll(s);
    sk_nd_repr ns;
    memset(&ns, 0, sizeof ns);
    ns.type = SK_ICMP6_ND_NS;
    ns.target = us;
    ns.opts.has_sllao = true;
    ns.opts.sllao = PEER_MAC;
    sk_ip6 sn = sk_ip6_solicited_node(us);
    sk_stack_input(s, 0, f, nd_in(f, sk_ip6_mcast_mac(sn), ll(1), sn, &ns, 255));
    size_t n = sk_stack_output(s, 0, out, sizeof out);
    sk_eth_repr e;
    sk_ip6_repr ip;
    sk_nd_repr na;
    parse_nd(out, n, &e, &ip, &na);
    SK_CHECK_EQ(na.type, SK_ICMP6_ND_NA);
    SK_CHECK(na.solicited && na.override && !na.router);
    SK_CHECK(sk_ip6_eq(na.target, us) && sk_ip6_eq(ip.src, us) && sk_ip6_eq(ip.dst, ll(1)));
    SK_CHECK(sk_mac_eq(e.dst, PEER_MAC));
    SK_CHECK(na.opts.has_tllao && sk_mac_eq(na.opts.tllao, US_MAC));
    /* DAD probe */
    sk_ip6 unspec = {{0}};
    ns.opts.has_sllao = false;
    sk_stack_input(s, 0, f, nd_in(f, sk_ip6_mcast_mac(sn), unspec, sn, &ns, 255));
    n = sk_stack_output(s, 0, out, sizeof out);
    parse_nd(out, n, &e, &ip, &na);
    SK_CHECK(na.type == SK_ICMP6_ND_NA && !na.solicited && na.override);
    SK_CHECK(sk_ip6_eq(ip.dst, sk_ip6_all_nodes()));
    SK_CHECK(sk_mac_eq(e.dst, sk_ip6_mcast_mac(sk_ip6_all_nodes())));
    /* not ours; off-link hop limit */
    ns.opts.has_sllao = true;
    ns.target = ll(9);
    sk_stack_input(s, 0, f, nd_in(f, sk_ip6_mcast_mac(sn), ll(1), sk_ip6_solicited_node(ll(9)), &ns, 255));
    ns.target = us;
    sk_stack_input(s, 0, f, nd_in(f, sk_ip6_mcast_mac(sn), ll(1), sn, &ns, 254));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_NOT_FOR_US), 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_HOP_LIMIT), 1);
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    sk_stack_destroy(s);
}

/* An RA from fe80::1 with prefix 2001:db8:1::/64 (A set) gives us
 * 2001:db8:1:0 + the RFC 7217 identifier slaac.c computes for it (not
 * the MAC's EUI-64, RFC 8064) and a default router: a connection to
 * 2001:db8:2::1 (off-link) leaves from that address to the router's MAC
 * (its SLLAO needs no NS). Without an RA the same connect has no route. */
static void test_slaac_from_ra(void)
{
    sk_stack *s = make_eth();
    uint8_t out[2048], f[600];
    sk_ip6 off = {{0x20, 0x01, 0x0d, 0xb8, 0, 2}};
    off.b[15] = 1;
    sk_endpoint r = {sk_ipaddr_from_ip6(off), 80};
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h), 0); /* from the link-local */
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_NO_ROUTE), 1);
    sk_tcp_abort(s, 0, h);
    sk_nd_repr ra;
    memset(&ra, 0, sizeof ra);
    ra.type = SK_ICMP6_ND_RA;
    ra.cur_hop_limit = 64;
    ra.router_lifetime = 1800;
    ra.opts.has_sllao = true;
    ra.opts.sllao = PEER_MAC;
    ra.opts.n_prefix = 1;
    ra.opts.prefix[0].prefix_len = 64;
    ra.opts.prefix[0].on_link = ra.opts.prefix[0].autonomous = true;
    ra.opts.prefix[0].valid_lifetime = 86400;
    ra.opts.prefix[0].preferred_lifetime = 14400;
    sk_ip6 pfx = {{0x20, 0x01, 0x0d, 0xb8, 0, 1}};
    ra.opts.prefix[0].prefix = pfx;
    sk_ip6 an = sk_ip6_all_nodes();
    sk_stack_input(s, SK_MSEC(1), f, nd_in(f, sk_ip6_mcast_mac(an), ll(1), an, &ra, 255));
    SK_CHECK_EQ(sk_stack_stats(s)->slaac_addrs, 1);
    SK_CHECK_EQ_I(sk_tcp_connect(s, SK_MSEC(2), &r, NULL, &h), 0);
    size_t n = sk_stack_output(s, SK_MSEC(2), out, sizeof out);
    sk_eth_repr e;
    sk_ip6_repr ip;
    SK_CHECK_EQ_I(sk_eth_parse(out, n, &e), 0);
    SK_CHECK(sk_mac_eq(e.dst, PEER_MAC));
    SK_CHECK_EQ_I(sk_ip6_parse(e.payload, e.payload_len, &ip), 0);
    sk_ip6 eui = sk_ip6_link_local_from_mac(US_MAC);
    memcpy(eui.b, pfx.b, 8);
    sk_ip6 want = stable(s, pfx);
    SK_CHECK(sk_ip6_eq(ip.src, want) && sk_ip6_eq(ip.dst, off));
    SK_CHECK(!sk_ip6_eq(ip.src, eui));
    SK_CHECK_EQ(ip.next_header, SK_IPPROTO_TCP);
    /* the same RA again adds nothing */
    sk_stack_input(s, SK_MSEC(3), f, nd_in(f, sk_ip6_mcast_mac(an), ll(1), an, &ra, 255));
    SK_CHECK_EQ(sk_stack_stats(s)->slaac_addrs, 1);
    sk_stack_destroy(s);
}

/* A resolution nobody answers: three NSs a second apart (RFC 4861 §7.2.2,
 * MAX_MULTICAST_SOLICIT), then the held SYNs are given up and the
 * connection in SYN-SENT fails with SK_EHOSTUNREACH; nothing more is sent. */
static void test_resolution_gives_up(void)
{
    sk_stack *s = make_eth();
    uint8_t out[2048];
    sk_endpoint r = {sk_ipaddr_from_ip6(ll(1)), 80};
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, 0, &r, NULL, &h), 0);
    int ns = 0;
    for (sk_time_us t = 0; t <= SK_SEC(4); t += SK_MSEC(100)) {
        sk_stack_input(s, t, NULL, 0);
        size_t n;
        while ((n = sk_stack_output(s, t, out, sizeof out)) > 0) {
            sk_eth_repr e;
            sk_ip6_repr ip;
            sk_nd_repr nd;
            parse_nd(out, n, &e, &ip, &nd);
            ns += nd.type == SK_ICMP6_ND_NS;
        }
    }
    SK_CHECK_EQ(ns, 3);
    SK_CHECK(ifx_drops(s, SK_DROP_ARP_UNRESOLVED) >= 1);
    char b[4];
    SK_CHECK_EQ_I((int)sk_tcp_recv(s, SK_SEC(4), h, b, sizeof b), SK_EHOSTUNREACH);
    sk_stack_destroy(s);
}

/* With cfg.mld_reports: an MLDv2 report (RFC 3810 §6.1) after the
 * gratuitous ARP, from our link-local address to ff02::16 at
 * 33:33:00:00:00:16, hop limit 1, router alert, one CHANGE_TO_EXCLUDE {}
 * record for our solicited-node group; nothing at 999 ms, the second copy
 * at 1 s, then none. */
static void test_mld_reports(void)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(10, 0, 0, 2), US_MAC, 7);
    cfg.mld_reports = true;
    sk_stack *s = ifx_create(&cfg);
    uint8_t out[2048];
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 42); /* the ARP */
    sk_ip6 us = our_ll(s);
    for (int copy = 0; copy < 2; copy++) {
        sk_time_us t = copy == 0 ? 0 : SK_SEC(1);
        if (copy == 1) {
            SK_CHECK_EQ(sk_stack_output(s, t - 1, out, sizeof out), 0);
            SK_CHECK_EQ(sk_stack_poll_at(s), t);
        }
        size_t n = sk_stack_output(s, t, out, sizeof out);
        sk_eth_repr e;
        sk_ip6_repr ip;
        sk_ip6_ext x;
        SK_CHECK_EQ_I(sk_eth_parse(out, n, &e), 0);
        SK_CHECK(sk_mac_eq(e.dst, sk_ip6_mcast_mac(sk_ip6_mld2_routers())));
        SK_CHECK_EQ_I(sk_ip6_parse(e.payload, e.payload_len, &ip), 0);
        SK_CHECK(sk_ip6_eq(ip.src, us) && sk_ip6_eq(ip.dst, sk_ip6_mld2_routers()));
        SK_CHECK_EQ(ip.hop_limit, 1);
        SK_CHECK_EQ_I(sk_ip6_walk_ext(&ip, &x), 0);
        SK_CHECK(x.router_alert && x.router_alert_value == 0 && x.proto == SK_IPPROTO_ICMPV6);
        sk_mld2_record rec[4];
        size_t nrec = 0;
        const uint8_t *msg = e.payload + x.offset;
        size_t ml = e.payload_len - x.offset;
        sk_icmp6_repr m;
        SK_CHECK_EQ_I(sk_icmp6_parse(ip.src, ip.dst, msg, ml, &m), 0);
        SK_CHECK_EQ_I(sk_mld2_report_parse(msg, ml, rec, 4, &nrec), 0);
        SK_CHECK_EQ(nrec, 1);
        SK_CHECK(rec[0].type == SK_MLD2_CHANGE_TO_EXCLUDE && rec[0].n_sources == 0);
        SK_CHECK(sk_ip6_eq(rec[0].group, sk_ip6_solicited_node(us)));
    }
    SK_CHECK_EQ(sk_stack_output(s, SK_SEC(5), out, sizeof out), 0);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_resolution);
    SK_RUN(test_na_answers);
    SK_RUN(test_slaac_from_ra);
    SK_RUN(test_resolution_gives_up);
    SK_RUN(test_mld_reports);
    return sk_test_finish();
}
