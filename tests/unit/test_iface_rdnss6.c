/* DNS servers from router advertisements (RFC 8106 §5.1, §5.3.1) as the
 * stack hands them to a resolver (sk_stack_dns6_servers), in virtual time;
 * and the RA checks that come before (RFC 4861 §6.1.2). A router at
 * fe80::1 (02:00:00:00:00:01) advertises to us (02:00:00:00:00:02). */
#include "api/stack_impl.h"
#include "base/bytes.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/eth.h"
#include "wire/ipv6.h"
#include "wire/nd6.h"

#include <string.h>

static const sk_mac US_MAC = {{0x02, 0, 0, 0, 0, 0x02}};
static const sk_mac PEER_MAC = {{0x02, 0, 0, 0, 0, 0x01}};

static sk_ip6 addr(uint8_t a, uint8_t last)
{
    sk_ip6 r = {{0x20, 0x01, 0x0d, 0xb8, 0, a}};
    r.b[15] = last;
    return r;
}

static sk_ip6 ll(uint8_t last)
{
    sk_ip6 r = {{0xfe, 0x80}};
    r.b[15] = last;
    return r;
}

static sk_stack *make(void)
{
    sk_stack_config cfg;
    ifx_eth_config(&cfg, sk_ip4_make(10, 0, 0, 2), US_MAC, 7);
    return ifx_create(&cfg);
}

/* An RDNSS option of `units` 8-byte units with lifetime `life`, listing
 * the n servers (its length says units; the caller may lie). */
static size_t rdnss_opt(uint8_t *o, uint8_t units, uint32_t life, const sk_ip6 *srv, size_t n)
{
    memset(o, 0, (size_t)units * 8);
    o[0] = SK_NDOPT_RDNSS;
    o[1] = units;
    sk_store_be32(o + 4, life);
    for (size_t i = 0; i < n && 8 + 16 * (i + 1) <= (size_t)units * 8; i++)
        memcpy(o + 8 + 16 * i, srv[i].b, 16);
    return (size_t)units * 8;
}

/* An RA (router lifetime 1800 s) from src with the raw options, hop limit
 * hop, in a frame to all-nodes. */
static size_t ra_in(uint8_t *f, sk_ip6 src, const uint8_t *opts, size_t olen, uint8_t hop)
{
    sk_nd_repr ra;
    memset(&ra, 0, sizeof ra);
    ra.type = SK_ICMP6_ND_RA;
    ra.router_lifetime = 1800;
    ra.options = opts;
    ra.options_len = olen;
    sk_ip6 an = sk_ip6_all_nodes();
    size_t n = sk_nd_emit(src, an, &ra, f + 54, 1024);
    SK_CHECK(n > 0);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_ICMPV6;
    ip.hop_limit = hop;
    ip.src = src;
    ip.dst = an;
    sk_ip6_emit(&ip, f + 14, 40);
    sk_eth_repr e = {sk_ip6_mcast_mac(an), PEER_MAC, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    return 54 + n;
}

/* Two servers with lifetime 10 s: both, in order, until 10 s after the RA;
 * none from then. */
static void test_rdnss_lifetime(void)
{
    sk_stack *s = make();
    uint8_t f[1200], o[128];
    sk_ip6 srv[2] = {addr(1, 53), addr(2, 53)}, got[4];
    size_t ol = rdnss_opt(o, 5, 10, srv, 2);
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, 0, got, 4), 0);
    sk_stack_input(s, SK_SEC(1), f, ra_in(f, ll(1), o, ol, 255));
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, SK_SEC(1), got, 4), 2);
    SK_CHECK(sk_ip6_eq(got[0], srv[0]) && sk_ip6_eq(got[1], srv[1]));
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, SK_SEC(11) - 1, got, 1), 1);
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, SK_SEC(11), got, 4), 0);
    sk_stack_destroy(s);
}

/* A known server takes the new lifetime (infinity: never expires); lifetime
 * 0 removes one; a fourth server replaces the one whose lifetime ends first
 * (three are kept). */
static void test_rdnss_update(void)
{
    sk_stack *s = make();
    uint8_t f[1200], o[128];
    sk_ip6 srv[3] = {addr(1, 53), addr(2, 53), addr(3, 53)}, got[4];
    size_t ol = rdnss_opt(o, 7, 100, srv, 3);
    sk_stack_input(s, 0, f, ra_in(f, ll(1), o, ol, 255));
    ol = rdnss_opt(o, 3, 0xffffffffu, &srv[0], 1);
    sk_stack_input(s, 0, f, ra_in(f, ll(1), o, ol, 255));
    ol = rdnss_opt(o, 3, 50, &srv[2], 1);
    sk_stack_input(s, 0, f, ra_in(f, ll(1), o, ol, 255));
    ol = rdnss_opt(o, 3, 0, &srv[1], 1);
    sk_stack_input(s, 0, f, ra_in(f, ll(1), o, ol, 255));
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, SK_SEC(1), got, 4), 2);
    sk_ip6 fourth = addr(4, 53);
    ol = rdnss_opt(o, 3, 1000, &fourth, 1);
    sk_stack_input(s, SK_SEC(1), f, ra_in(f, ll(1), o, ol, 255));
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, SK_SEC(1), got, 4), 3); /* the free slot */
    sk_ip6 fifth = addr(5, 53);
    ol = rdnss_opt(o, 3, 1000, &fifth, 1);
    sk_stack_input(s, SK_SEC(1), f, ra_in(f, ll(1), o, ol, 255));
    int n = sk_stack_dns6_servers(s, SK_SEC(1), got, 4);
    SK_CHECK_EQ_I(n, 3);
    bool has3 = false, has5 = false, has1 = false;
    for (int i = 0; i < n; i++) {
        has1 = has1 || sk_ip6_eq(got[i], srv[0]);
        has3 = has3 || sk_ip6_eq(got[i], srv[2]);
        has5 = has5 || sk_ip6_eq(got[i], fifth);
    }
    SK_CHECK(has1 && has5 && !has3); /* srv[2] (50 s) ended first */
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, SK_SEC(1u << 30), got, 4), 1); /* infinity */
    sk_stack_destroy(s);
}

/* Bad input: RDNSS options of length 2 and 4 units (RFC 8106 §5.1) are
 * ignored and counted while the good one in the same RA is taken; an RA
 * with hop limit 254 (off-link, RFC 4861 §6.1.2) or from a global source
 * is dropped whole, its servers with it. */
static void test_rdnss_bad(void)
{
    sk_stack *s = make();
    uint8_t f[1200], o[256];
    sk_ip6 srv[2] = {addr(1, 53), addr(2, 53)}, got[4];
    size_t ol = rdnss_opt(o, 2, 100, srv, 1);
    ol += rdnss_opt(o + ol, 4, 100, srv, 1);
    ol += rdnss_opt(o + ol, 3, 100, &srv[1], 1);
    sk_stack_input(s, 0, f, ra_in(f, ll(1), o, ol, 255));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_BAD_RDNSS), 2);
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, 0, got, 4), 1);
    SK_CHECK(sk_ip6_eq(got[0], srv[1]));
    ol = rdnss_opt(o, 3, 100, &srv[0], 1);
    sk_stack_input(s, 0, f, ra_in(f, ll(1), o, ol, 254));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_HOP_LIMIT), 1);
    sk_stack_input(s, 0, f, ra_in(f, addr(9, 1), o, ol, 255));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_ND_SRC_NOT_LINK_LOCAL), 1);
    SK_CHECK_EQ_I(sk_stack_dns6_servers(s, 0, got, 4), 1);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_rdnss_lifetime);
    SK_RUN(test_rdnss_update);
    SK_RUN(test_rdnss_bad);
    return sk_test_finish();
}
