/* MLD queries (RFC 3810 §5.1, §6.2) answered by the interface, in virtual
 * time, and the query parser's rejections. Us 02:00:00:00:00:02 (no DAD,
 * no unsolicited reports: the only MLD frames are answers), a querier at
 * fe80::1. */
#include "api/stack_impl.h"
#include "base/bytes.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "wire/eth.h"
#include "wire/icmp6.h"
#include "wire/ipv6.h"
#include "wire/mld6.h"

#include <string.h>

static const sk_mac US_MAC = {{0x02, 0, 0, 0, 0, 0x02}};
static const sk_mac PEER_MAC = {{0x02, 0, 0, 0, 0, 0x01}};

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
    sk_stack *s = ifx_create(&cfg);
    uint8_t out[2048];
    SK_CHECK_EQ(sk_stack_output(s, 0, out, sizeof out), 42); /* gratuitous ARP */
    return s;
}

/* Our link-local address and its solicited-node group. */
static sk_ip6 our_group(sk_stack *s)
{
    sk_ip6 g[SK_RA6_GROUPS];
    SK_CHECK_EQ(sk_ra6_groups(&s->ifc, g, SK_RA6_GROUPS), 1);
    return g[0];
}

/* A query message (24 bytes MLDv1, else 28 + 16 * nsrc) with max resp
 * code `code` for group, written at m; returns its length. */
static size_t query_msg(uint8_t *m, uint16_t code, sk_ip6 group, bool v2, uint16_t nsrc)
{
    size_t n = v2 ? 28u + 16u * nsrc : 24u;
    memset(m, 0, n);
    m[0] = SK_ICMP6_MLD_QUERY;
    sk_store_be16(m + 4, code);
    memcpy(m + 8, group.b, 16);
    if (v2)
        sk_store_be16(m + 26, nsrc);
    return n;
}

/* The query from src to dst in a frame (hop limit 1; the router alert
 * is not needed by a host). */
static size_t query_in(uint8_t *f, sk_ip6 src, sk_ip6 dst, uint16_t code, sk_ip6 group)
{
    size_t n = query_msg(f + 54, code, group, true, 0);
    sk_icmp6_fill_checksum(src, dst, f + 54, n);
    sk_ip6_repr ip;
    memset(&ip, 0, sizeof ip);
    ip.payload_len = (uint16_t)n;
    ip.next_header = SK_IPPROTO_ICMPV6;
    ip.hop_limit = 1;
    ip.src = src;
    ip.dst = dst;
    sk_ip6_emit(&ip, f + 14, 40);
    sk_eth_repr e = {sk_ip6_mcast_mac(dst), PEER_MAC, SK_ETHERTYPE_IPV6, NULL, 0};
    sk_eth_emit(&e, f, 14);
    return 54 + n;
}

/* The frame is an MLDv2 report from our link-local address holding one
 * MODE_IS_EXCLUDE {} record for group. */
static void check_answer(const uint8_t *f, size_t n, sk_ip6 group)
{
    sk_eth_repr e;
    sk_ip6_repr ip;
    sk_ip6_ext x;
    SK_CHECK_EQ_I(sk_eth_parse(f, n, &e), 0);
    SK_CHECK(sk_mac_eq(e.dst, sk_ip6_mcast_mac(sk_ip6_mld2_routers())));
    SK_CHECK_EQ_I(sk_ip6_parse(e.payload, e.payload_len, &ip), 0);
    SK_CHECK(sk_ip6_is_link_local(ip.src) && sk_ip6_eq(ip.dst, sk_ip6_mld2_routers()));
    SK_CHECK_EQ_I(sk_ip6_walk_ext(&ip, &x), 0);
    sk_mld2_record rec[4];
    size_t nrec = 0;
    SK_CHECK_EQ_I(sk_mld2_report_parse(e.payload + x.offset, e.payload_len - x.offset, rec, 4,
                                       &nrec),
                  0);
    SK_CHECK_EQ(nrec, 1);
    SK_CHECK(rec[0].type == SK_MLD2_MODE_IS_EXCLUDE && rec[0].n_sources == 0);
    SK_CHECK(sk_ip6_eq(rec[0].group, group));
}

/* Tick every ms from t0 to t0 + span; the reports that come out, each
 * checked, their count returned and the last one's time in *at. */
static int answers(sk_stack *s, sk_time_us t0, sk_time_us span, sk_ip6 group, sk_time_us *at)
{
    uint8_t out[2048];
    int k = 0;
    for (sk_time_us t = t0; t <= t0 + span; t += SK_MSEC(1)) {
        sk_stack_input(s, t, NULL, 0);
        size_t n;
        while ((n = sk_stack_output(s, t, out, sizeof out)) > 0) {
            check_answer(out, n, group);
            *at = t;
            k++;
        }
    }
    return k;
}

/* A General Query to ff02::1 with Maximum Response Delay 1000 ms: one
 * answer for our solicited-node group within [0, 1000] ms; a second
 * General Query while the first answer is pending and due sooner changes
 * nothing (§6.2 rule 1); nothing more after it. */
static void test_general_query(void)
{
    sk_stack *s = make();
    uint8_t f[600];
    sk_ip6 g = our_group(s);
    sk_ip6 any = {{0}}, an = sk_ip6_all_nodes();
    sk_stack_input(s, SK_SEC(1), f, query_in(f, ll(1), an, 1000, any));
    sk_time_us due = s->ifc.mldq.general_at;
    SK_CHECK(due >= SK_SEC(1) && due <= SK_SEC(2));
    sk_stack_input(s, SK_SEC(1), f, query_in(f, ll(1), an, 60000, any));
    SK_CHECK_EQ(s->ifc.mldq.general_at, due);
    uint8_t out[2048];
    SK_CHECK_EQ(sk_stack_poll_at(s), due);
    SK_CHECK_EQ(sk_stack_output(s, due - 1, out, sizeof out), 0);
    size_t n = sk_stack_output(s, due, out, sizeof out);
    check_answer(out, n, g);
    sk_time_us at = 0;
    SK_CHECK_EQ(answers(s, due, SK_SEC(3), g, &at), 0);
    sk_stack_destroy(s);
}

/* A Multicast Address Specific Query for our group, sent to the group:
 * one answer for it within its delay (code 100: 100 ms); one for a group
 * we do not listen to is dropped (not for us) and gets none. */
static void test_group_query(void)
{
    sk_stack *s = make();
    uint8_t f[600];
    sk_ip6 g = our_group(s);
    sk_stack_input(s, 0, f, query_in(f, ll(1), g, 100, g));
    sk_time_us at = 0;
    SK_CHECK_EQ(answers(s, 0, SK_SEC(1), g, &at), 1);
    SK_CHECK(at <= SK_MSEC(100));
    sk_ip6 other = sk_ip6_solicited_node(ll(9));
    uint64_t before = ifx_drops(s, SK_DROP_IP6_NOT_FOR_US);
    sk_stack_input(s, SK_SEC(2), f, query_in(f, ll(1), sk_ip6_all_nodes(), 100, other));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_IP6_NOT_FOR_US), before + 1);
    SK_CHECK_EQ(answers(s, SK_SEC(2), SK_SEC(1), g, &at), 0);
    sk_stack_destroy(s);
}

/* A flood of 1000 General Queries in one millisecond (delay up to 10 s)
 * yields one answer: the state is one timer, not a queue. */
static void test_query_flood_bounded(void)
{
    sk_stack *s = make();
    uint8_t f[600];
    sk_ip6 g = our_group(s);
    sk_ip6 any = {{0}};
    for (int i = 0; i < 1000; i++)
        sk_stack_input(s, 0, f, query_in(f, ll(1), sk_ip6_all_nodes(), 10000, any));
    sk_time_us at = 0;
    SK_CHECK_EQ(answers(s, 0, SK_SEC(11), g, &at), 1);
    sk_stack_destroy(s);
}

/* Bad queries are dropped by reason and answered by nothing: from a
 * global source (§5.1.14), 26 bytes long, sources past the end. */
static void test_bad_queries(void)
{
    sk_stack *s = make();
    uint8_t f[600], m[64];
    sk_ip6 any = {{0}};
    sk_ip6 glob = {{0x20, 0x01, 0x0d, 0xb8}};
    glob.b[15] = 1;
    sk_stack_input(s, 0, f, query_in(f, glob, sk_ip6_all_nodes(), 100, any));
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_MLD_QUERY_SRC), 1);
    sk_mld_query q;
    size_t n = query_msg(m, 100, any, true, 0);
    SK_CHECK_EQ_I(sk_mld_query_parse(m, n, &q), 0);
    SK_CHECK(q.v2 && q.max_resp_ms == 100 && sk_ip6_is_unspecified(q.group));
    SK_CHECK_EQ_I(sk_mld_query_parse(m, 26, &q), SK_DROP_MLD_BAD_QUERY);
    SK_CHECK_EQ_I(sk_mld_query_parse(m, 20, &q), SK_DROP_MLD_BAD_QUERY);
    n = query_msg(m, 100, any, true, 2); /* says 2 sources, carries 1 */
    SK_CHECK_EQ_I(sk_mld_query_parse(m, n - 16, &q), SK_DROP_MLD_BAD_QUERY);
    SK_CHECK_EQ_I(sk_mld_query_parse(m, n, &q), 0);
    n = query_msg(m, 0x8001, any, true, 0); /* §5.1.3: (0x001 | 0x1000) << 3 */
    SK_CHECK_EQ_I(sk_mld_query_parse(m, n, &q), 0);
    SK_CHECK_EQ(q.max_resp_ms, 0x1001u << 3);
    n = query_msg(m, 0x8001, any, false, 0); /* MLDv1: plain milliseconds */
    SK_CHECK_EQ_I(sk_mld_query_parse(m, n, &q), 0);
    SK_CHECK(!q.v2 && q.max_resp_ms == 0x8001u);
    uint8_t out[2048];
    SK_CHECK_EQ(sk_stack_output(s, SK_SEC(20), out, sizeof out), 0);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_general_query);
    SK_RUN(test_group_query);
    SK_RUN(test_query_flood_bounded);
    SK_RUN(test_bad_queries);
    return sk_test_finish();
}
