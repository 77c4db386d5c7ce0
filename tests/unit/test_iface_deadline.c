/* The interface's timer sweeps run only once `now` reaches a module's next
 * deadline (iface.c, sk_iface_run_timers): every timer must still fire at
 * its exact virtual time, both while frames keep arriving (the sweep runs
 * from sk_stack_input and sk_stack_output, the deadline later than most of
 * them) and while none do (the port sleeps until sk_stack_poll_at, which
 * must name the deadline exactly). Each case first lets frames flow with
 * nothing armed (a sweep finds nothing: the deadline is NEVER), then arms
 * a timer from a frame or a call, and later a second one, earlier than the
 * first where the module allows it. Cases: an ARP give-up (RFC 1122
 * §2.3.2.2), IPv4 and IPv6 reassembly timeouts (RFC 791, RFC 8200 §4.5),
 * an IPv4 path MTU ageing (RFC 1191 §6.3), router and prefix lifetimes
 * (RFC 4861 §6.3.4-§6.3.5) and a SLAAC address deprecated and invalidated
 * (RFC 4862 §5.5.4). Us 10.0.0.2 / 02:..:02, peer 10.0.0.1 / 02:..:01; the
 * flowing frames are addressed to another MAC (dropped as not ours: they
 * change nothing but the clock). */
#include "api/stack_impl.h"
#include "base/bytes.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/eth.h"
#include "wire/icmp4.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"
#include "wire/nd6.h"

#include <string.h>

#define STEP SK_MSEC(100) /* the flowing frames' period */
#define T0 SK_SEC(5)      /* the first timer is armed after 5 s of frames */

static const sk_mac US_MAC = {{0x02, 0, 0, 0, 0, 0x02}};
static const sk_mac PEER_MAC = {{0x02, 0, 0, 0, 0, 0x01}};
static const sk_mac OTHER_MAC = {{0x02, 0, 0, 0, 0, 0x09}};
static const sk_ip4 US = {{10, 0, 0, 2}};
static const sk_ip4 PEER = {{10, 0, 0, 1}};

typedef uint64_t (*count_fn)(sk_stack *s);

static sk_stack *make(void)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, US, US_MAC, 7);
    cfg.prefix_len = 24;
    return ifx_create(&cfg);
}

static void drain(sk_stack *s, sk_time_us t)
{
    uint8_t out[2048];
    for (int i = 0; i < 64 && sk_stack_output(s, t, out, sizeof out) > 0; i++) {
    }
}

/* A frame to another host's MAC: dropped, but the clock has moved. */
static void foreign(sk_stack *s, sk_time_us t)
{
    uint8_t f[60];
    memset(f, 0, sizeof f);
    sk_eth_repr e = {OTHER_MAC, PEER_MAC, SK_ETHERTYPE_IPV4, NULL, 0};
    sk_eth_emit(&e, f, 14);
    sk_stack_input(s, t, f, sizeof f);
}

/* Everything in [from, to): flowing, a foreign frame and the output every
 * STEP; quiet, only the wake-ups sk_stack_poll_at asks for. */
static void advance(sk_stack *s, bool flowing, sk_time_us from, sk_time_us to)
{
    if (flowing) {
        for (sk_time_us t = from; t < to; t += STEP) {
            foreign(s, t);
            drain(s, t);
        }
        return;
    }
    sk_time_us now = from;
    drain(s, now);
    for (int i = 0; i < 1000; i++) {
        sk_time_us p = sk_stack_poll_at(s);
        if (p >= to)
            return;
        now = p > now ? p : now;
        drain(s, now);
    }
    SK_CHECK_MSG(false, "poll_at kept asking for a wake-up before `to`");
}

/* After advancing to d, the timer has not fired at d - 1 and fires at d:
 * flowing, from the input of a frame at d; quiet, from the output at the
 * time poll_at names, which is d. */
static void expect_at(sk_stack *s, bool flowing, sk_time_us from, sk_time_us d, count_fn f,
                      uint64_t before)
{
    advance(s, flowing, from, d);
    SK_CHECK_EQ(f(s), before);
    if (flowing) {
        foreign(s, d - 1);
        SK_CHECK_EQ(f(s), before);
        foreign(s, d);
    } else {
        SK_CHECK_EQ(sk_stack_poll_at(s), d);
        drain(s, d);
    }
    SK_CHECK_EQ(f(s), before + 1);
    drain(s, d);
}

/* ---- ARP ---- */

static uint64_t arp_gave_up(sk_stack *s)
{
    return ifx_drops(s, SK_DROP_ARP_UNRESOLVED);
}

/* An echo request to an unresolved peer: requests at T0, +1 s, +2 s, the
 * packet given up at +3 s. */
static void test_arp_give_up(void)
{
    for (int flowing = 0; flowing < 2; flowing++) {
        sk_stack *s = make();
        advance(s, flowing, 0, T0);
        uint64_t req = sk_stack_stats(s)->arp_requests_out;
        SK_CHECK_EQ_I(sk_ping_send(s, T0, PEER, 1, 1, "hi", 2), 0);
        drain(s, T0);
        expect_at(s, flowing, T0, T0 + SK_SEC(3), arp_gave_up, 0);
        SK_CHECK_EQ(sk_stack_stats(s)->arp_requests_out, req + 3);
        sk_stack_destroy(s);
    }
}

/* ---- IPv4 reassembly ---- */

static uint64_t frag4_timeouts(sk_stack *s)
{
    return ifx_drops(s, SK_DROP_IP_FRAG_TIMEOUT);
}

/* A middle fragment of datagram `id` from the peer (no fragment zero: the
 * timeout sends no ICMP). */
static void frag4(sk_stack *s, sk_time_us t, uint16_t id)
{
    uint8_t f[128], pay[16] = {0};
    sk_ip4_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.id = id;
    ip.mf = true;
    ip.frag_off = 64;
    ip.ttl = 64;
    ip.proto = SK_IPPROTO_UDP;
    ip.src = PEER;
    ip.dst = US;
    size_t n = ifx_ip_wrap(&ip, pay, sizeof pay, f + 14, sizeof f - 14);
    sk_eth_repr e = {US_MAC, PEER_MAC, SK_ETHERTYPE_IPV4, NULL, 0};
    sk_eth_emit(&e, f, 14);
    sk_stack_input(s, t, f, 14 + n);
}

/* Two datagrams 10 s apart: each times out 30 s after its fragment. */
static void test_reass4_timeout(void)
{
    for (int flowing = 0; flowing < 2; flowing++) {
        sk_stack *s = make();
        advance(s, flowing, 0, T0);
        frag4(s, T0, 1);
        advance(s, flowing, T0, T0 + SK_SEC(10));
        frag4(s, T0 + SK_SEC(10), 2);
        SK_CHECK_EQ(sk_stack_stats(s)->ip_frags_in, 2);
        expect_at(s, flowing, T0 + SK_SEC(10), T0 + SK_SEC(30), frag4_timeouts, 0);
        expect_at(s, flowing, T0 + SK_SEC(30), T0 + SK_SEC(40), frag4_timeouts, 1);
        sk_stack_destroy(s);
    }
}

/* ---- IPv6 reassembly ---- */

static uint64_t frag6_timeouts(sk_stack *s)
{
    return s->ifc.reass6->stats.timeouts;
}

static sk_ip6 our_link_local(sk_stack *s)
{
    sk_ifaddr a[8];
    int n = sk_stack_ip6_addrs(s, a, 8);
    for (int i = 0; i < n; i++)
        if (a[i].addr.b[0] == 0xfe && a[i].addr.b[1] == 0x80) {
            sk_ip6 r;
            memcpy(r.b, a[i].addr.b, 16);
            return r;
        }
    SK_CHECK_MSG(false, "no link-local address");
    return (sk_ip6){{0}};
}

/* A middle fragment (offset 64, M) of datagram `id` from fe80::1. */
static void frag6(sk_stack *s, sk_time_us t, uint32_t id)
{
    uint8_t f[14 + 40 + 8 + 16];
    memset(f, 0, sizeof f);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = 8 + 16;
    ip.next_header = SK_IPPROTO_FRAGMENT;
    ip.hop_limit = 64;
    ip.src = (sk_ip6){{0xfe, 0x80, [15] = 1}};
    ip.dst = our_link_local(s);
    sk_ip6_emit(&ip, f + 14, 40);
    uint8_t *fh = f + 54;
    fh[0] = SK_IPPROTO_UDP;
    sk_store_be16(fh + 2, (uint16_t)(64 | 1)); /* offset 64 bytes (8 units << 3), M */
    sk_store_be32(fh + 4, id);
    sk_eth_repr e = {US_MAC, PEER_MAC, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    sk_stack_input(s, t, f, sizeof f);
}

/* Two datagrams 10 s apart: each times out 60 s after its fragment. */
static void test_reass6_timeout(void)
{
    for (int flowing = 0; flowing < 2; flowing++) {
        sk_stack *s = make();
        advance(s, flowing, 0, T0);
        frag6(s, T0, 1);
        advance(s, flowing, T0, T0 + SK_SEC(10));
        frag6(s, T0 + SK_SEC(10), 2);
        SK_CHECK_EQ(s->ifc.reass6->stats.frags_in, 2);
        expect_at(s, flowing, T0 + SK_SEC(10), T0 + SK_SEC(60), frag6_timeouts, 0);
        expect_at(s, flowing, T0 + SK_SEC(60), T0 + SK_SEC(70), frag6_timeouts, 1);
        sk_stack_destroy(s);
    }
}

/* ---- IPv4 path MTU ---- */

static uint64_t pmtu4_aged(sk_stack *s)
{
    return s->ifc.pmtu4->stats.aged;
}

/* A fragmentation needed (MTU 1000) from the peer quoting an echo request
 * of ours to 10.0.0.<last> 1228 bytes long. */
static void frag_needed(sk_stack *s, sk_time_us t, uint8_t last)
{
    uint8_t quote[28] = {0};
    sk_ip4_repr q;
    memset(&q, 0, sizeof q);
    q.total_len = 1228;
    q.df = true;
    q.ttl = 64;
    q.proto = SK_IPPROTO_ICMP;
    q.src = US;
    q.dst = sk_ip4_make(10, 0, 0, last);
    sk_ip4_emit(&q, quote, 20);
    quote[20] = SK_ICMP_ECHO_REQUEST;
    uint8_t f[160];
    size_t n = ifx_icmp4_error(PEER, US, SK_ICMP_DEST_UNREACH, SK_ICMP_UNREACH_FRAG_NEEDED, 1000,
                               quote, sizeof quote, f + 14, sizeof f - 14);
    sk_eth_repr e = {US_MAC, PEER_MAC, SK_ETHERTYPE_IPV4, NULL, 0};
    sk_eth_emit(&e, f, 14);
    sk_stack_input(s, t, f, 14 + n);
}

/* Two destinations lowered 100 s apart: each entry ages out 600 s later. */
static void test_pmtu4_ageing(void)
{
    for (int flowing = 0; flowing < 2; flowing++) {
        sk_stack *s = make();
        advance(s, flowing, 0, T0);
        frag_needed(s, T0, 7);
        advance(s, flowing, T0, T0 + SK_SEC(100));
        frag_needed(s, T0 + SK_SEC(100), 8);
        SK_CHECK_EQ(s->ifc.pmtu4->stats.decreased, 2);
        expect_at(s, flowing, T0 + SK_SEC(100), T0 + SK_SEC(600), pmtu4_aged, 0);
        expect_at(s, flowing, T0 + SK_SEC(600), T0 + SK_SEC(700), pmtu4_aged, 1);
        sk_stack_destroy(s);
    }
}

/* ---- router list, prefixes, SLAAC ---- */

static uint64_t routers_expired(sk_stack *s)
{
    return s->ifc.ndr->stats.routers_expired;
}

static uint64_t prefixes_expired(sk_stack *s)
{
    return s->ifc.ndr->stats.prefixes_expired;
}

static uint64_t addrs_deprecated(sk_stack *s)
{
    return s->ifc.slaac->stats.addr_deprecated;
}

static uint64_t addrs_expired(sk_stack *s)
{
    return s->ifc.slaac->stats.addr_expired;
}

/* An RA from fe80::<r> (no SLLAO) with router lifetime `life` and, when
 * valid > 0, the prefix 2001:db8:<pfx>::/64 (L; A when `autonomous`) with
 * those lifetimes. */
static void ra(sk_stack *s, sk_time_us t, uint8_t r, uint16_t life, uint8_t pfx, bool autonomous,
               uint32_t valid, uint32_t preferred)
{
    uint8_t f[600];
    sk_nd_repr m;
    memset(&m, 0, sizeof m);
    m.type = SK_ICMP6_ND_RA;
    m.router_lifetime = life;
    if (valid > 0) {
        m.opts.n_prefix = 1;
        m.opts.prefix[0] = (sk_nd_prefix){64, true, autonomous, valid, preferred,
                                          {{0x20, 0x01, 0x0d, 0xb8, 0, pfx}}};
    }
    sk_ip6 src = {{0xfe, 0x80, [15] = r}}, an = sk_ip6_all_nodes();
    size_t n = sk_nd_emit(src, an, &m, f + 54, sizeof f - 54);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_ICMPV6;
    ip.hop_limit = 255;
    ip.src = src;
    ip.dst = an;
    sk_ip6_emit(&ip, f + 14, 40);
    sk_mac from = {{0x02, 0, 0, 0, 0, r}};
    sk_eth_repr e = {sk_ip6_mcast_mac(an), from, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    sk_stack_input(s, t, f, 54 + n);
}

/* At T0 router fe80::1 (lifetime 100 s), at T0 + 10 s router fe80::3
 * (lifetime 30 s: earlier than the list's deadline): fe80::3 expires at
 * T0 + 40 s, fe80::1 at T0 + 100 s. */
static void test_router_lifetimes(void)
{
    for (int flowing = 0; flowing < 2; flowing++) {
        sk_stack *s = make();
        advance(s, flowing, 0, T0);
        ra(s, T0, 1, 100, 0, false, 0, 0);
        advance(s, flowing, T0, T0 + SK_SEC(10));
        ra(s, T0 + SK_SEC(10), 3, 30, 0, false, 0, 0);
        SK_CHECK_EQ(s->ifc.ndr->stats.routers_added, 2);
        expect_at(s, flowing, T0 + SK_SEC(10), T0 + SK_SEC(40), routers_expired, 0);
        expect_at(s, flowing, T0 + SK_SEC(40), T0 + SK_SEC(100), routers_expired, 1);
        SK_CHECK_EQ(sk_stack_poll_at(s), SK_NEVER);
        sk_stack_destroy(s);
    }
}

/* RAs from fe80::5, no default router: at T0 prefix 1 (L, A; preferred
 * 200 s, valid 300 s), at T0 + 10 s prefix 2 (L only, valid 15 s: earlier
 * than the list's deadline). Prefix 2 ends at T0 + 25 s; the address is
 * deprecated at T0 + 200 s; it and prefix 1 end at T0 + 300 s. */
static void test_prefix_slaac_lifetimes(void)
{
    for (int flowing = 0; flowing < 2; flowing++) {
        sk_stack *s = make();
        advance(s, flowing, 0, T0);
        ra(s, T0, 5, 0, 1, true, 300, 200);
        SK_CHECK_EQ(sk_stack_stats(s)->slaac_addrs, 1);
        advance(s, flowing, T0, T0 + SK_SEC(10));
        ra(s, T0 + SK_SEC(10), 5, 0, 2, false, 15, 15);
        SK_CHECK_EQ(s->ifc.ndr->stats.prefixes_added, 2);
        expect_at(s, flowing, T0 + SK_SEC(10), T0 + SK_SEC(25), prefixes_expired, 0);
        expect_at(s, flowing, T0 + SK_SEC(25), T0 + SK_SEC(200), addrs_deprecated, 0);
        SK_CHECK_EQ(addrs_expired(s), 0);
        expect_at(s, flowing, T0 + SK_SEC(200), T0 + SK_SEC(300), addrs_expired, 0);
        SK_CHECK_EQ(prefixes_expired(s), 2);
        SK_CHECK_EQ(sk_stack_poll_at(s), SK_NEVER);
        sk_stack_destroy(s);
    }
}

int main(void)
{
    SK_RUN(test_arp_give_up);
    SK_RUN(test_reass4_timeout);
    SK_RUN(test_reass6_timeout);
    SK_RUN(test_pmtu4_ageing);
    SK_RUN(test_router_lifetimes);
    SK_RUN(test_prefix_slaac_lifetimes);
    return sk_test_finish();
}
