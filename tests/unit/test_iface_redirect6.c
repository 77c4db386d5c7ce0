/* Redirects received (RFC 4861 §8.1, §8.3), frame by frame on an Ethernet
 * link: us 2001:db8:1::2/64 at 02:..:02 with the default route via router
 * R1 fe80::1 (02:..:01); pings to the off-link D 2001:db8:2::5 show where
 * packets go. Invalid redirects are dropped and counted by reason and
 * change nothing; a valid one from R1 sends D's packets to R2 fe80::3
 * (its MAC from the target link-layer address option); then only R2 may
 * redirect D again, here to D itself on the link (D is then resolved). */
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
static const sk_mac R1_MAC = {{0x02, 0, 0, 0, 0, 0x01}};
static const sk_mac R2_MAC = {{0x02, 0, 0, 0, 0, 0x03}};

static sk_ip6 ll(uint8_t last)
{
    sk_ip6 r = {{0xfe, 0x80}};
    r.b[15] = last;
    return r;
}

static sk_ip6 g6(uint8_t net, uint8_t last)
{
    sk_ip6 r = {{0x20, 0x01, 0x0d, 0xb8, 0, net}};
    r.b[15] = last;
    return r;
}

#define US g6(1, 2)
#define D g6(2, 5)

static sk_stack *make(void)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(0, 0, 0, 0), US_MAC, 7);
    cfg.addr = sk_ip4_make(0, 0, 0, 0);
    cfg.n_addrs = 1;
    cfg.addrs[0].addr = sk_ipaddr_from_ip6(US);
    cfg.addrs[0].prefix_len = 64;
    cfg.n_routes = 1;
    memset(&cfg.routes[0], 0, sizeof cfg.routes[0]);
    cfg.routes[0].dst.family = SK_AF_INET6;
    cfg.routes[0].prefix_len = 0;
    cfg.routes[0].gateway = sk_ipaddr_from_ip6(ll(1));
    return ifx_create(&cfg);
}

/* Our link-local address (RFC 7217, from the stack's address list). */
static sk_ip6 our_ll(sk_stack *s)
{
    sk_ip6 a = {{0}};
    for (uint8_t i = 0; i < s->ctx.cfg.n_addrs; i++) {
        const sk_ipaddr *x = &s->ctx.cfg.addrs[i].addr;
        if (x->family == SK_AF_INET6 && x->b[0] == 0xfe && (x->b[1] & 0xc0) == 0x80)
            memcpy(a.b, x->b, 16);
    }
    SK_CHECK(a.b[0] == 0xfe);
    return a;
}

/* An ICMPv6 message (checksum filled) from src in a frame from mac. */
static size_t icmp_in(uint8_t *f, sk_mac mac, sk_ip6 src, sk_ip6 dst, uint8_t *msg, size_t n,
                      uint8_t hop)
{
    sk_icmp6_fill_checksum(src, dst, msg, n);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_ICMPV6;
    ip.hop_limit = hop;
    ip.src = src;
    ip.dst = dst;
    sk_ip6_emit(&ip, f + 14, 40);
    memcpy(f + 54, msg, n);
    sk_eth_repr e = {US_MAC, mac, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    return 54 + n;
}

/* A redirect (§4.5) from `from` for `dest` to `target`, with TLLAO when
 * tllao is not NULL. */
static void redirect_in(sk_stack *s, sk_time_us t, sk_ip6 from, sk_ip6 target, sk_ip6 dest,
                        const sk_mac *tllao, uint8_t code, uint8_t hop)
{
    uint8_t msg[64] = {0}, f[256];
    msg[0] = SK_ICMP6_ND_REDIRECT;
    msg[1] = code;
    memcpy(msg + 8, target.b, 16);
    memcpy(msg + 24, dest.b, 16);
    size_t n = 40;
    if (tllao != NULL) {
        msg[40] = 2; /* target link-layer address */
        msg[41] = 1;
        memcpy(msg + 42, tllao->b, 6);
        n = 48;
    }
    sk_stack_input(s, t, f, icmp_in(f, R1_MAC, from, US, msg, n, hop));
}

/* The frame a ping to dst leaves in: its Ethernet destination, and
 * whether it is the echo request itself (not an NS). */
static sk_mac ping_goes_to(sk_stack *s, sk_time_us t, sk_ip6 dst, bool *is_echo)
{
    static uint16_t seq;
    SK_CHECK_EQ_I(sk_ping6_send(s, t, dst, 1, ++seq, "p", 1), 0);
    uint8_t out[2048];
    size_t n = sk_stack_output(s, t, out, sizeof out);
    sk_eth_repr e;
    sk_ip6_repr ip;
    memset(&e, 0, sizeof e);
    *is_echo = false;
    if (sk_eth_parse(out, n, &e) == 0 && sk_ip6_parse(e.payload, e.payload_len, &ip) == 0)
        *is_echo = ip.next_header == SK_IPPROTO_ICMPV6 && ip.payload[0] == SK_ICMP6_ECHO_REQUEST &&
                   sk_ip6_eq(ip.dst, dst);
    while (sk_stack_output(s, t, out, sizeof out) > 0) {
    }
    return e.dst;
}

/* R1 resolved (an NA for fe80::1) so pings go straight out. */
static void r1_known(sk_stack *s)
{
    bool echo;
    (void)ping_goes_to(s, 0, D, &echo); /* held; the NS goes out */
    uint8_t msg[64] = {0}, f[256];
    msg[0] = SK_ICMP6_ND_NA;
    msg[4] = 0xe0; /* R, S, O */
    memcpy(msg + 8, ll(1).b, 16);
    msg[24] = 2;
    msg[25] = 1;
    memcpy(msg + 26, R1_MAC.b, 6);
    sk_ip6 us_ll = our_ll(s);
    sk_stack_input(s, SK_MSEC(1), f, icmp_in(f, R1_MAC, ll(1), us_ll, msg, 32, 255));
    uint8_t out[2048];
    while (sk_stack_output(s, SK_MSEC(1), out, sizeof out) > 0) {
    }
}

static void test_invalid_redirects_dropped(void)
{
    sk_stack *s = make();
    r1_known(s);
    bool echo;
    SK_CHECK(sk_mac_eq(ping_goes_to(s, SK_MSEC(2), D, &echo), R1_MAC) && echo);
    sk_time_us t = SK_MSEC(3);
    redirect_in(s, t, ll(1), ll(3), D, &R2_MAC, 0, 254);          /* from off the link */
    redirect_in(s, t, ll(1), ll(3), D, &R2_MAC, 1, 255);          /* code 1 */
    redirect_in(s, t, g6(1, 1), ll(3), D, &R2_MAC, 0, 255);       /* global source */
    redirect_in(s, t, ll(1), g6(1, 3), D, &R2_MAC, 0, 255);       /* target neither */
    redirect_in(s, t, ll(7), ll(3), D, &R2_MAC, 0, 255);          /* not D's first hop */
    redirect_in(s, t, ll(1), ll(3), g6(1, 9), &R2_MAC, 0, 255);   /* on-link: no first hop */
    redirect_in(s, t, ll(1), ll(3), sk_ip6_all_nodes(), NULL, 0, 255); /* a group */
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_HOP_LIMIT), 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_BAD_CODE), 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_SRC_NOT_LINK_LOCAL), 1);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_REDIRECT_BAD), 2);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_REDIRECT_NOT_FIRST_HOP), 2);
    SK_CHECK(sk_mac_eq(ping_goes_to(s, t, D, &echo), R1_MAC) && echo);
    sk_stack_destroy(s);
}

static void test_redirect_to_router_then_on_link(void)
{
    sk_stack *s = make();
    r1_known(s);
    bool echo;
    redirect_in(s, SK_MSEC(2), ll(1), ll(3), D, &R2_MAC, 0, 255);
    SK_CHECK(sk_mac_eq(ping_goes_to(s, SK_MSEC(2), D, &echo), R2_MAC) && echo);
    /* another destination still goes through R1 */
    SK_CHECK(sk_mac_eq(ping_goes_to(s, SK_MSEC(2), g6(3, 1), &echo), R1_MAC) && echo);
    /* R1 is no longer D's first hop */
    redirect_in(s, SK_MSEC(3), ll(1), D, D, NULL, 0, 255);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_REDIRECT_NOT_FIRST_HOP), 1);
    SK_CHECK(sk_mac_eq(ping_goes_to(s, SK_MSEC(3), D, &echo), R2_MAC) && echo);
    /* R2 says D is on the link: D itself is resolved (an NS for it) */
    redirect_in(s, SK_MSEC(4), ll(3), D, D, NULL, 0, 255);
    sk_mac m = ping_goes_to(s, SK_MSEC(4), D, &echo);
    SK_CHECK(!echo);
    SK_CHECK(sk_mac_eq(m, sk_ip6_mcast_mac(sk_ip6_solicited_node(D))));
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_invalid_redirects_dropped);
    SK_RUN(test_redirect_to_router_then_on_link);
    return sk_test_finish();
}
