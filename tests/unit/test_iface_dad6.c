/* Duplicate address detection on the interface (RFC 4862 §5.4) and the
 * lifetimes of autoconfigured addresses (§5.5.3), in virtual time. Us
 * 02:00:00:00:00:02 with DupAddrDetectTransmits 1, the peer (a router at
 * fe80::1) 02:00:00:00:00:01. Addresses are RFC 7217's: prefix + the
 * identifier ip6/slaac.c computes for the DAD counter. */
#include "api/stack_impl.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/eth.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/nd6.h"

#include <string.h>

static const sk_mac US_MAC = {{0x02, 0, 0, 0, 0, 0x02}};
static const sk_mac PEER_MAC = {{0x02, 0, 0, 0, 0, 0x01}};
static const sk_ip6 PFX = {{0x20, 0x01, 0x0d, 0xb8, 0, 1}};

static sk_ip6 ll(uint8_t last)
{
    sk_ip6 r = {{0xfe, 0x80}};
    r.b[15] = last;
    return r;
}

static sk_ip6 stable(sk_stack *s, sk_ip6 prefix, uint8_t counter)
{
    sk_ip6 a = prefix;
    uint64_t iid = sk_slaac_iid(s->ifc.slaac, &prefix, counter);
    for (int i = 0; i < 8; i++)
        a.b[8 + i] = (uint8_t)(iid >> (56 - 8 * i));
    return a;
}

static sk_stack *make(void)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(10, 0, 0, 2), US_MAC, 7);
    cfg.ip6_dad_transmits = 1;
    sk_stack *s = ifx_create(&cfg);
    uint8_t out[2048];
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 42); /* gratuitous ARP */
    return s;
}

/* An ND message from src to dst (hop limit 255) in a frame to eth_dst. */
static size_t nd_in(uint8_t *f, sk_mac eth_dst, sk_ip6 src, sk_ip6 dst, const sk_nd_repr *r)
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
    sk_eth_repr e = {eth_dst, PEER_MAC, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    return 54 + n;
}

/* An echo request from fe80::1 to dst. */
static size_t echo_in(uint8_t *f, sk_ip6 dst)
{
    sk_icmp6_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP6_ECHO_REQUEST;
    m.echo_id = 7;
    m.echo_seq = 1;
    size_t n = sk_icmp6_emit(ll(1), dst, &m, f + 54, 512);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_ICMPV6;
    ip.hop_limit = 64;
    ip.src = ll(1);
    ip.dst = dst;
    sk_ip6_emit(&ip, f + 14, 40);
    sk_eth_repr e = {US_MAC, PEER_MAC, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    return 54 + n;
}

/* Tick from t to at most `until` in 10 ms steps until a frame comes out;
 * returns its length (0: none) and the time in *t. */
static size_t next_frame(sk_stack *s, sk_time_us *t, sk_time_us until, uint8_t *out, size_t cap)
{
    for (; *t <= until; *t += SK_MSEC(10)) {
        sk_stack_input(s, *t, NULL, 0);
        size_t n = sk_stack_output(s, *t, out, cap);
        if (n > 0)
            return n;
    }
    return 0;
}

/* The frame is a DAD probe (§5.4.2) for target: NS from :: to its
 * solicited-node group at the group's MAC, hop limit 255, no SLLAO. */
static void check_dad_ns(const uint8_t *f, size_t n, sk_ip6 target)
{
    sk_eth_repr e;
    sk_ip6_repr ip;
    sk_nd_repr nd;
    SK_CHECK_EQ_I(sk_eth_parse(f, n, &e), 0);
    SK_CHECK_EQ(e.ethertype, SK_ETHERTYPE_IPV6);
    SK_CHECK_EQ_I(sk_ip6_parse(e.payload, e.payload_len, &ip), 0);
    SK_CHECK_EQ(ip.next_header, SK_IPPROTO_ICMPV6);
    SK_CHECK_EQ_I(sk_nd_parse(ip.payload, ip.payload_len, &nd), 0);
    SK_CHECK_EQ_I(sk_nd_check(&ip, &nd), 0);
    SK_CHECK_EQ(nd.type, SK_ICMP6_ND_NS);
    SK_CHECK(sk_ip6_is_unspecified(ip.src));
    SK_CHECK(sk_ip6_eq(ip.dst, sk_ip6_solicited_node(target)));
    SK_CHECK(sk_mac_eq(e.dst, sk_ip6_mcast_mac(ip.dst)));
    SK_CHECK(sk_ip6_eq(nd.target, target));
    SK_CHECK(!nd.opts.has_sllao);
}

/* The link-local address is tentative at start: not ours, not a source;
 * one probe within MAX_RTR_SOLICITATION_DELAY (1 s); still tentative one
 * tick before RetransTimer (1 s) after it, ours at that time. */
static void test_link_local_dad_success(void)
{
    sk_stack *s = make();
    uint8_t out[2048];
    sk_ip6 me = stable(s, ll(0), 0);
    sk_ip6 src;
    SK_CHECK(!sk_iface_is_ours6(&s->ifc, me));
    SK_CHECK(!sk_iface_src_for6(&s->ifc, ll(1), &src));
    sk_time_us t = 0;
    size_t n = next_frame(s, &t, SK_SEC(1), out, sizeof out);
    SK_CHECK(n > 0);
    check_dad_ns(out, n, me);
    sk_time_us done = t + SK_SEC(1);
    SK_CHECK(sk_stack_poll_at(s) <= done);
    sk_stack_input(s, done - 1, NULL, 0);
    SK_CHECK_EQ(sk_stack_output(s, done - 1, out, sizeof out), 0);
    SK_CHECK(!sk_iface_is_ours6(&s->ifc, me));
    sk_stack_input(s, done, NULL, 0);
    SK_CHECK(sk_iface_is_ours6(&s->ifc, me));
    SK_CHECK(sk_iface_src_for6(&s->ifc, ll(1), &src) && sk_ip6_eq(src, me));
    SK_CHECK_EQ(sk_stack_output(s, done, out, sizeof out), 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_DAD_DUPLICATE), 0);
    sk_stack_destroy(s);
}

/* While tentative (§5.4): an echo request to the address is not ours
 * (dropped, no reply), an NS from a unicast source for it is not answered
 * (§5.4.3) and is no conflict, and a connection to fe80::1 has no source. */
static void test_tentative_not_used(void)
{
    sk_stack *s = make();
    uint8_t out[2048], f[600];
    sk_ip6 me = stable(s, ll(0), 0);
    sk_stack_input(s, 0, f, echo_in(f, me));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_NOT_FOR_US), 1);
    sk_nd_repr ns;
    memset(&ns, 0, sizeof ns);
    ns.type = SK_ICMP6_ND_NS;
    ns.target = me;
    ns.opts.has_sllao = true;
    ns.opts.sllao = PEER_MAC;
    sk_ip6 sn = sk_ip6_solicited_node(me);
    sk_stack_input(s, 0, f, nd_in(f, sk_ip6_mcast_mac(sn), ll(1), sn, &ns));
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 0);
    SK_CHECK(sk_ra6_tentative(&s->ifc, me));
    sk_endpoint r;
    memset(&r, 0, sizeof r);
    r.addr.family = SK_AF_INET6;
    memcpy(r.addr.b, ll(1).b, 16);
    r.port = 80;
    sk_sock h;
    SK_CHECK(sk_tcp_connect(s, 0, &r, NULL, &h) < 0);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_DAD_DUPLICATE), 0);
    sk_stack_destroy(s);
}

/* A conflict: an NA for the tentative address (§5.4.4) or an NS for it
 * from :: (another node's DAD, §5.4.3) marks it duplicate: counted, never
 * ours, no NA sent for it; RFC 7217 §6 then tries the next DAD counter. */
static void conflict(bool by_na)
{
    sk_stack *s = make();
    uint8_t out[2048], f[600];
    sk_ip6 me = stable(s, ll(0), 0);
    sk_time_us t = 0;
    size_t n = next_frame(s, &t, SK_SEC(1), out, sizeof out);
    check_dad_ns(out, n, me);
    sk_nd_repr m;
    memset(&m, 0, sizeof m);
    m.target = me;
    if (by_na) {
        m.type = SK_ICMP6_ND_NA;
        m.override = true;
        m.opts.has_tllao = true;
        m.opts.tllao = PEER_MAC;
        sk_stack_input(s, t, f, nd_in(f, sk_ip6_mcast_mac(sk_ip6_all_nodes()), me,
                                      sk_ip6_all_nodes(), &m));
    } else {
        m.type = SK_ICMP6_ND_NS;
        sk_ip6 sn = sk_ip6_solicited_node(me), any = {{0}};
        sk_stack_input(s, t, f, nd_in(f, sk_ip6_mcast_mac(sn), any, sn, &m));
    }
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_DAD_DUPLICATE), 1);
    SK_CHECK(!sk_ra6_tentative(&s->ifc, me));
    SK_CHECK_EQ(sk_stack_output(s, t, out, sizeof out), 0);
    for (sk_time_us u = t; u <= t + SK_SEC(5); u += SK_MSEC(100))
        sk_stack_input(s, u, NULL, 0);
    SK_CHECK(!sk_iface_is_ours6(&s->ifc, me));
    SK_CHECK(sk_iface_is_ours6(&s->ifc, stable(s, ll(0), 1)));
    sk_stack_destroy(s);
}

static void test_dad_conflict_by_na(void) { conflict(true); }
static void test_dad_conflict_by_ns(void) { conflict(false); }

/* An RA with 2001:db8:1::/64 (A, L; preferred 20 s, valid 30 s) starts
 * DAD for the stable address: tentative, a probe, ours 1 s later; gone when
 * the valid lifetime ends (§5.5.4). A second RA with valid 10 s does not
 * shorten it (§5.5.3 (e): only to 2 hours, and 30 s is below that). */
static void test_slaac_dad_and_lifetime(void)
{
    sk_stack *s = make();
    uint8_t out[2048], f[600];
    sk_time_us t = 0;
    (void)next_frame(s, &t, SK_SEC(1), out, sizeof out); /* link-local probe */
    t += SK_SEC(1);
    sk_stack_input(s, t, NULL, 0);
    sk_nd_repr ra;
    memset(&ra, 0, sizeof ra);
    ra.type = SK_ICMP6_ND_RA;
    ra.router_lifetime = 1800;
    ra.opts.has_sllao = true;
    ra.opts.sllao = PEER_MAC;
    ra.opts.n_prefix = 1;
    ra.opts.prefix[0].prefix = PFX;
    ra.opts.prefix[0].prefix_len = 64;
    ra.opts.prefix[0].on_link = ra.opts.prefix[0].autonomous = true;
    ra.opts.prefix[0].valid_lifetime = 30;
    ra.opts.prefix[0].preferred_lifetime = 20;
    sk_ip6 an = sk_ip6_all_nodes();
    sk_time_us t0 = t;
    sk_stack_input(s, t0, f, nd_in(f, sk_ip6_mcast_mac(an), ll(1), an, &ra));
    sk_ip6 g = stable(s, PFX, 0);
    SK_CHECK(sk_ra6_tentative(&s->ifc, g) && !sk_iface_is_ours6(&s->ifc, g));
    size_t n = sk_stack_output(s, t0, out, sizeof out);
    check_dad_ns(out, n, g);
    sk_stack_input(s, t0 + SK_SEC(1), NULL, 0);
    SK_CHECK(sk_iface_is_ours6(&s->ifc, g));
    SK_CHECK_EQ(sk_stack_stats(s)->slaac_addrs, 1);
    ra.opts.prefix[0].valid_lifetime = 10;
    ra.opts.prefix[0].preferred_lifetime = 5;
    sk_stack_input(s, t0 + SK_SEC(2), f, nd_in(f, sk_ip6_mcast_mac(an), ll(1), an, &ra));
    sk_stack_input(s, t0 + SK_SEC(30) - 1, NULL, 0);
    SK_CHECK(sk_iface_is_ours6(&s->ifc, g));
    sk_stack_input(s, t0 + SK_SEC(30), NULL, 0);
    SK_CHECK(!sk_iface_is_ours6(&s->ifc, g));
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_link_local_dad_success);
    SK_RUN(test_tentative_not_used);
    SK_RUN(test_dad_conflict_by_na);
    SK_RUN(test_dad_conflict_by_ns);
    SK_RUN(test_slaac_dad_and_lifetime);
    return sk_test_finish();
}
