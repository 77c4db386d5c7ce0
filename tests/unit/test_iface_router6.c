/* The default router list on the interface (RFC 4861 §6.3.4-§6.3.7), in
 * virtual time: router solicitations at start, the router chosen for an
 * off-link destination (one known reachable before one that is not,
 * §6.3.6), a router's lifetime running out. Us 02:00:00:00:00:02 (no DAD),
 * routers fe80::1 (02:..:01) and fe80::3 (02:..:03). */
#include "api/stack_impl.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/eth.h"
#include "wire/ipv6.h"
#include "wire/nd6.h"

#include <string.h>

static const sk_mac US_MAC = {{0x02, 0, 0, 0, 0, 0x02}};

static sk_mac mac(uint8_t last)
{
    sk_mac m = {{0x02, 0, 0, 0, 0, last}};
    return m;
}

static sk_ip6 ll(uint8_t last)
{
    sk_ip6 r = {{0xfe, 0x80}};
    r.b[15] = last;
    return r;
}

static sk_stack *make(bool rs)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(10, 0, 0, 2), US_MAC, 7);
    cfg.ip6_router_solicit = rs;
    sk_stack *s = ifx_create(&cfg);
    uint8_t out[2048];
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 42); /* gratuitous ARP */
    return s;
}

static size_t nd_in(uint8_t *f, sk_mac from, sk_mac to, sk_ip6 src, sk_ip6 dst,
                    const sk_nd_repr *r)
{
    size_t n = sk_nd_emit(src, dst, r, f + 54, 512);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_ICMPV6;
    ip.hop_limit = 255;
    ip.src = src;
    ip.dst = dst;
    sk_ip6_emit(&ip, f + 14, 40);
    sk_eth_repr e = {to, from, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    return 54 + n;
}

/* An RA from fe80::<r> with router lifetime `life`, no options (no SLLAO:
 * the router is not yet resolved). */
static void ra(sk_stack *s, sk_time_us t, uint8_t r, uint16_t life)
{
    uint8_t f[600];
    sk_nd_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP6_ND_RA;
    m.router_lifetime = life;
    sk_ip6 an = sk_ip6_all_nodes();
    sk_stack_input(s, t, f, nd_in(f, mac(r), sk_ip6_mcast_mac(an), ll(r), an, &m));
}

static void parse(const uint8_t *f, size_t n, sk_eth_repr *e, sk_ip6_repr *ip, sk_nd_repr *nd)
{
    SK_CHECK_EQ_I(sk_eth_parse(f, n, e), 0);
    SK_CHECK_EQ_I(sk_ip6_parse(e->payload, e->payload_len, ip), 0);
    memset(nd, 0, sizeof *nd);
    if (ip->next_header == SK_IPPROTO_ICMPV6) {
        SK_CHECK_EQ_I(sk_nd_parse(ip->payload, ip->payload_len, nd), 0);
        SK_CHECK_EQ_I(sk_nd_check(ip, nd), 0);
    }
}

/* RSs: the first within [0, 1 s] from our link-local address with our
 * MAC (DAD is off, so it is ours) to ff02::2, the next two 4 s apart,
 * none after three (§6.3.7 MAX_RTR_SOLICITATIONS); with an RA naming a
 * router after the first, no more. */
static void test_router_solicitations(void)
{
    for (int answered = 0; answered < 2; answered++) {
        sk_stack *s = make(true);
        uint8_t out[2048];
        sk_time_us at[4] = {0};
        int k = 0;
        for (sk_time_us t = 0; t <= SK_SEC(20); t += SK_MSEC(10)) {
            sk_stack_input(s, t, NULL, 0);
            size_t n;
            while ((n = sk_stack_output(s, t, out, sizeof out)) > 0) {
                sk_eth_repr e;
                sk_ip6_repr ip;
                sk_nd_repr nd;
                parse(out, n, &e, &ip, &nd);
                SK_CHECK_EQ(nd.type, SK_ICMP6_ND_RS);
                SK_CHECK(sk_ip6_eq(ip.dst, sk_ip6_all_routers()));
                SK_CHECK(sk_mac_eq(e.dst, sk_ip6_mcast_mac(ip.dst)));
                SK_CHECK(sk_ip6_is_link_local(ip.src) && sk_iface_is_ours6(&s->ifc, ip.src));
                SK_CHECK(nd.opts.has_sllao && sk_mac_eq(nd.opts.sllao, US_MAC));
                if (k < 4)
                    at[k] = t;
                k++;
                if (answered)
                    ra(s, t, 1, 1800);
            }
        }
        SK_CHECK_EQ_I(k, answered ? 1 : 3);
        SK_CHECK(at[0] <= SK_SEC(1));
        if (!answered) {
            SK_CHECK_EQ(at[1] - at[0], SK_SEC(4));
            SK_CHECK_EQ(at[2] - at[1], SK_SEC(4));
        }
        sk_stack_destroy(s);
    }
}

/* Two routers; fe80::3 (listed second) becomes REACHABLE (a solicited NA
 * after its resolution): §6.3.6 sends two new off-link destinations to
 * it, where a plain round robin would alternate; the round robin is
 * taken only while neither is known reachable. */
static void test_reachable_router_preferred(void)
{
    sk_stack *s = make(false);
    uint8_t f[600], out[2048];
    ra(s, 0, 1, 1800);
    ra(s, 0, 3, 1800);
    sk_endpoint r;
    memset(&r, 0, sizeof r);
    r.addr.family = SK_AF_INET6;
    memcpy(r.addr.b, ll(3).b, 16);
    r.port = 80;
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, SK_MSEC(2), &r, NULL, &h), 0);
    while (sk_stack_output(s, SK_MSEC(2), out, sizeof out) > 0) {
    }
    sk_nd_repr na;
    memset(&na, 0, sizeof na);
    na.type = SK_ICMP6_ND_NA;
    na.router = na.solicited = na.override = true;
    na.target = ll(3);
    na.opts.has_tllao = true;
    na.opts.tllao = mac(3);
    sk_ip6 us = {{0}};
    SK_CHECK(sk_iface_src_for6(&s->ifc, ll(3), &us));
    sk_stack_input(s, SK_MSEC(3), f, nd_in(f, mac(3), US_MAC, ll(3), us, &na));
    while (sk_stack_output(s, SK_MSEC(3), out, sizeof out) > 0) {
    }
    sk_ip6 a = {{0x20, 0x01, 0x0d, 0xb8, 0, 7}}, b = {{0x20, 0x01, 0x0d, 0xb8, 0, 8}};
    sk_ip6 nh;
    SK_CHECK_EQ_I(sk_ra6_next_hop(&s->ifc, SK_MSEC(4), a, &nh), 0);
    SK_CHECK(sk_ip6_eq(nh, ll(3)));
    SK_CHECK_EQ_I(sk_ra6_next_hop(&s->ifc, SK_MSEC(4), b, &nh), 0);
    SK_CHECK(sk_ip6_eq(nh, ll(3)));
    sk_stack_destroy(s);

    s = make(false); /* neither reachable: round robin */
    ra(s, 0, 1, 1800);
    ra(s, 0, 3, 1800);
    sk_ip6 n1, n2;
    SK_CHECK_EQ_I(sk_ra6_next_hop(&s->ifc, SK_MSEC(4), a, &n1), 0);
    SK_CHECK_EQ_I(sk_ra6_next_hop(&s->ifc, SK_MSEC(4), b, &n2), 0);
    SK_CHECK(!sk_ip6_eq(n1, n2));
    sk_stack_destroy(s);
}

/* A router whose lifetime (10 s) runs out is no longer used: an off-link
 * destination has no route from then (RFC 4943), counted. An RA with
 * lifetime 0 removes a router at once. */
static void test_router_lifetime(void)
{
    sk_stack *s = make(false);
    sk_ip6 off = {{0x20, 0x01, 0x0d, 0xb8, 0, 7}}, off2 = {{0x20, 0x01, 0x0d, 0xb8, 0, 8}};
    sk_ip6 nh;
    ra(s, 0, 1, 10);
    SK_CHECK_EQ_I(sk_ra6_next_hop(&s->ifc, SK_SEC(10) - 1, off, &nh), 0);
    SK_CHECK(sk_ip6_eq(nh, ll(1)));
    sk_stack_input(s, SK_SEC(10), NULL, 0);
    SK_CHECK(sk_ra6_next_hop(&s->ifc, SK_SEC(10), off, &nh) != 0);
    ra(s, SK_SEC(11), 3, 1800);
    SK_CHECK_EQ_I(sk_ra6_next_hop(&s->ifc, SK_SEC(11), off2, &nh), 0);
    ra(s, SK_SEC(12), 3, 0);
    SK_CHECK(sk_ra6_next_hop(&s->ifc, SK_SEC(12), off2, &nh) != 0);
    sk_stack_destroy(s);
}

/* An RA from fe80::<r> carrying an MTU option. */
static void ra_mtu(sk_stack *s, sk_time_us t, uint8_t r, uint32_t mtu)
{
    uint8_t f[600];
    sk_nd_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP6_ND_RA;
    m.router_lifetime = 1800;
    m.opts.has_mtu = true;
    m.opts.mtu = mtu;
    sk_ip6 an = sk_ip6_all_nodes();
    sk_stack_input(s, t, f, nd_in(f, mac(r), sk_ip6_mcast_mac(an), ll(r), an, &m));
}

static sk_sock open_to(sk_stack *s, sk_time_us t, sk_ipaddr a)
{
    sk_endpoint r = {a, 80};
    sk_sock h;
    SK_CHECK_EQ_I(sk_tcp_connect(s, t, &r, NULL, &h), 0);
    return h;
}

/* The MSS a new connection to a announces (the connection is aborted). */
static int new_mss(sk_stack *s, sk_time_us t, sk_ipaddr a)
{
    sk_sock h = open_to(s, t, a);
    int mss = sk_stack_tcb(s, h)->adv_mss;
    SK_CHECK_EQ_I(sk_tcp_abort(s, t, h), 0);
    return mss;
}

/* RFC 4861 §6.3.4: an RA's MTU option (1400 on a 1500 link) becomes IPv6's
 * link MTU: an open IPv6 connection's MSS falls from 1440 to 1340 (not yet
 * synchronized: what it announces; after the handshake, what it sends), a
 * new one announces 1340, IPv4 keeps 1460; options below 1280 or above the
 * link's MTU are ignored; a larger one (1480) raises it back for new
 * connections only. */
static void test_ra_mtu_option(void)
{
    sk_stack *s = make(false);
    sk_ipaddr r3 = sk_ipaddr_from_ip6(ll(3));
    sk_sock c1 = open_to(s, SK_MSEC(1), r3);
    sk_sock v4 = open_to(s, SK_MSEC(1), sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1)));
    SK_CHECK_EQ_I(sk_stack_tcb(s, c1)->adv_mss, 1440);
    SK_CHECK_EQ_I(sk_iface_l4_max(&s->ifc, SK_AF_INET6), 1460);
    ra_mtu(s, SK_MSEC(2), 1, 1400);
    SK_CHECK_EQ_I(sk_stack_tcb(s, c1)->adv_mss, 1340);
    SK_CHECK_EQ_I(sk_stack_tcb(s, v4)->adv_mss, 1460);
    SK_CHECK_EQ_I(sk_iface_l4_max(&s->ifc, SK_AF_INET6), 1360);
    SK_CHECK_EQ_I(sk_iface_l4_max(&s->ifc, SK_AF_INET4), 1480);
    SK_CHECK_EQ_I(new_mss(s, SK_MSEC(3), r3), 1340);
    ra_mtu(s, SK_MSEC(4), 1, 1000); /* below 1280: ignored */
    ra_mtu(s, SK_MSEC(4), 1, 9000); /* above the link: ignored */
    SK_CHECK_EQ_I(new_mss(s, SK_MSEC(5), r3), 1340);
    SK_CHECK_EQ_I(new_mss(s, SK_MSEC(5), sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 1))), 1460);
    ra_mtu(s, SK_MSEC(6), 1, 1480);
    SK_CHECK_EQ_I(new_mss(s, SK_MSEC(7), r3), 1420);
    SK_CHECK_EQ_I(sk_stack_tcb(s, c1)->adv_mss, 1340);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_router_solicitations);
    SK_RUN(test_reachable_router_preferred);
    SK_RUN(test_router_lifetime);
    SK_RUN(test_ra_mtu_option);
    return sk_test_finish();
}
