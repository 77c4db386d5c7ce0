/* RFC 4861 router and prefix discovery on a host (nd_router.c) in virtual
 * time: router solicitation schedule, router and prefix lifetimes, the MTU
 * option, next-hop determination with default router selection, the
 * destination cache and redirects. */
#include "ip6/nd_cache.h"
#include "ip6/nd_router.h"
#include "ip6_test_util.h"
#include "sk_test.h"

#include "synack/error.h"

static t6_heap heap;

static sk_nd_cache *nd_make(uint32_t entries, uint32_t total, uint32_t per_entry, uint64_t seed)
{
    sk_nd_config c = {0};
    c.entries = entries;
    c.held_total = total;
    c.held_per_entry = per_entry;
    c.held_max_len = 1500;
    c.seed = seed;
    c.alloc = t6_allocator(&heap);
    sk_nd_cache *nd = NULL;
    SK_CHECK_EQ_I(sk_nd_create(&c, 0, &nd), 0);
    return nd;
}

static void nd_done(sk_nd_cache *nd)
{
    sk_nd_destroy(nd);
    SK_CHECK_EQ(heap.live, 0);
}

/* The entry for ip; a failed check and an empty entry when there is none. */
static const sk_nd_entry *en_of(const sk_nd_cache *nd, sk_ip6_addr ip)
{
    static const sk_nd_entry none;
    const sk_nd_entry *en = sk_nd_find(nd, &ip);
    SK_CHECK_MSG(en != NULL, "no entry");
    return en != NULL ? en : &none;
}

static uint8_t nd_state(const sk_nd_cache *nd, sk_ip6_addr ip)
{
    const sk_nd_entry *en = sk_nd_find(nd, &ip);
    return en == NULL ? SK_ND_FREE : en->state;
}

static sk_nd_router *ndr_make(uint32_t routers, uint32_t prefixes, uint32_t dests, uint64_t seed)
{
    sk_ndr_config c = {0};
    c.routers = routers;
    c.prefixes = prefixes;
    c.dests = dests;
    c.link_mtu = 1500;
    c.seed = seed;
    c.alloc = t6_allocator(&heap);
    sk_nd_router *r = NULL;
    SK_CHECK_EQ_I(sk_ndr_create(&c, 0, &r), 0);
    return r;
}

static int rs_count(sk_nd_router *r)
{
    sk_ip6_intent in;
    int n = 0;
    while (sk_ndr_next_intent(r, &in)) {
        SK_CHECK_EQ(in.kind, SK_I6_SEND_RS);
        sk_ip6_addr all = sk_ip6_all_routers();
        SK_CHECK(t6_addr_is(&in.dst, &all));
        const uint8_t all_mac[6] = {0x33, 0x33, 0, 0, 0, 2};
        SK_CHECK_MEM(in.mac.b, all_mac, 6);
        SK_CHECK_EQ(in.flags, SK_I6F_SLLAO);
        n++;
    }
    return n;
}

static sk_ra_info ra_from(sk_ip6_addr src, uint16_t lifetime)
{
    sk_ra_info ra;
    memset(&ra, 0, sizeof ra);
    ra.src = src;
    ra.router_lifetime_s = lifetime;
    return ra;
}

/* §6.3.7: first RS after a random [0, 1 s], then 4 s apart, 3 in all. */
static void test_rs_schedule(void)
{
    sk_time firsts[6];
    for (uint64_t s = 0; s < 6; s++) {
        sk_nd_router *r = ndr_make(2, 2, 2, s);
        sk_time t0 = sk_ndr_poll_at(r);
        SK_CHECK(t0 <= SK_SEC(1));
        firsts[s] = t0;
        if (t0 > 0) {
            sk_ndr_run_timers(r, t0 - 1);
            SK_CHECK_EQ(rs_count(r), 0);
        }
        for (int k = 0; k < 3; k++) {
            sk_ndr_run_timers(r, t0 + SK_SEC(4) * (sk_time)k);
            SK_CHECK_EQ(rs_count(r), 1);
            SK_CHECK_EQ(sk_ndr_poll_at(r), k < 2 ? t0 + SK_SEC(4) * (sk_time)(k + 1) : SK_TIME_NEVER);
        }
        sk_ndr_run_timers(r, SK_SEC(100));
        SK_CHECK_EQ(rs_count(r), 0);
        SK_CHECK_EQ(r->stats.rs_out, 3);
        sk_ndr_destroy(r);
    }
    SK_CHECK(firsts[0] != firsts[1] || firsts[1] != firsts[2]);
    SK_CHECK_EQ(heap.live, 0);
}

/* An RA with Router Lifetime 0 does not stop solicitation; one with a
 * non-zero lifetime does. */
static void test_rs_stops_on_ra(void)
{
    sk_nd_router *r = ndr_make(2, 2, 2, 1);
    sk_time t0 = sk_ndr_poll_at(r);
    sk_ndr_run_timers(r, t0);
    SK_CHECK_EQ(rs_count(r), 1);
    sk_ra_info ra = ra_from(t6_ll(1), 0);
    sk_ndr_input_ra(r, NULL, t0 + 1, &ra);
    SK_CHECK_EQ(sk_ndr_poll_at(r), t0 + SK_SEC(4));
    ra.router_lifetime_s = 600;
    sk_ndr_input_ra(r, NULL, t0 + 2, &ra);
    SK_CHECK_EQ(sk_ndr_poll_at(r), t0 + 2 + SK_SEC(600)); /* only the router's lifetime */
    sk_ndr_run_timers(r, t0 + SK_SEC(4));
    SK_CHECK_EQ(rs_count(r), 0);
    sk_ndr_destroy(r);
}

/* Router lifetime: next hop for an off-link destination until it runs
 * out; then no route. A zero lifetime removes the router at once. */
static void test_router_lifetime(void)
{
    sk_nd_router *r = ndr_make(2, 2, 4, 1);
    r->rs_at = SK_TIME_NEVER;
    sk_ip6_addr rt = t6_ll(1), dst = t6_addr(9, 9), nh;
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, 0, &dst, &nh), SK_EHOSTUNREACH);
    SK_CHECK_EQ(r->stats.no_route, 1);
    sk_ra_info ra = ra_from(rt, 1800);
    sk_ndr_input_ra(r, NULL, SK_SEC(10), &ra);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(11), &dst, &nh), 0);
    SK_CHECK(t6_addr_is(&nh, &rt));
    SK_CHECK_EQ(sk_ndr_poll_at(r), SK_SEC(1810));
    sk_ndr_run_timers(r, SK_SEC(1810) - 1);
    SK_CHECK_EQ(r->stats.routers_expired, 0);
    sk_ndr_run_timers(r, SK_SEC(1810));
    SK_CHECK_EQ(r->stats.routers_expired, 1);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(1811), &dst, &nh), SK_EHOSTUNREACH);
    sk_ndr_input_ra(r, NULL, SK_SEC(2000), &ra);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(2000), &dst, &nh), 0);
    ra.router_lifetime_s = 0;
    sk_ndr_input_ra(r, NULL, SK_SEC(2001), &ra);
    SK_CHECK_EQ(r->stats.routers_removed, 1);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(2001), &dst, &nh), SK_EHOSTUNREACH);
    /* the list holds 2: a third router is ignored, counted */
    ra.router_lifetime_s = 100;
    for (uint16_t i = 1; i <= 3; i++) {
        ra.src = t6_ll(i);
        sk_ndr_input_ra(r, NULL, SK_SEC(2002), &ra);
    }
    SK_CHECK_EQ(r->stats.drop_router_list_full, 1);
    /* NA with R = 0 for router 1 (the cache's NOT_ROUTER) removes it */
    sk_ip6_addr one = t6_ll(1);
    sk_ndr_router_gone(r, &one);
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(2003), &dst, &nh), 0);
    sk_ip6_addr two = t6_ll(2);
    SK_CHECK(t6_addr_is(&nh, &two));
    sk_ndr_destroy(r);
    SK_CHECK_EQ(heap.live, 0);
}

/* Prefixes with L: on-link for their valid lifetime; 0 removes one at
 * once; infinity never expires; fe80::/64 is ignored; link-local and
 * multicast destinations are always on-link. */
static void test_prefix_on_link(void)
{
    sk_nd_router *r = ndr_make(2, 2, 4, 1);
    r->rs_at = SK_TIME_NEVER;
    sk_ra_info ra = ra_from(t6_ll(1), 0);
    ra.n_prefixes = 3;
    ra.prefix[0].prefix = t6_addr(1, 0);
    ra.prefix[0].len = 64;
    ra.prefix[0].on_link = true;
    ra.prefix[0].valid_s = 100;
    ra.prefix[1].prefix = t6_addr(2, 0);
    ra.prefix[1].len = 64;
    ra.prefix[1].on_link = true;
    ra.prefix[1].valid_s = SK_NDR_INFINITE;
    ra.prefix[2].prefix = t6_ll(0);
    ra.prefix[2].len = 64;
    ra.prefix[2].on_link = true;
    ra.prefix[2].valid_s = 100;
    sk_ndr_input_ra(r, NULL, 0, &ra);
    SK_CHECK_EQ(r->stats.prefixes_added, 2);
    SK_CHECK_EQ(r->stats.drop_prefix_link_local, 1);
    sk_ip6_addr in1 = t6_addr(1, 5), in2 = t6_addr(2, 5), out = t6_addr(3, 5), nh;
    SK_CHECK(sk_ndr_on_link(r, 0, &in1));
    SK_CHECK(sk_ndr_on_link(r, 0, &in2));
    SK_CHECK(!sk_ndr_on_link(r, 0, &out));
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, 0, &in1, &nh), 0);
    SK_CHECK(t6_addr_is(&nh, &in1));
    SK_CHECK_EQ(sk_ndr_poll_at(r), SK_SEC(100));
    sk_ndr_run_timers(r, SK_SEC(100));
    SK_CHECK(!sk_ndr_on_link(r, SK_SEC(100), &in1));
    SK_CHECK_EQ_I(sk_ndr_next_hop(r, NULL, SK_SEC(100), &in1, &nh), SK_EHOSTUNREACH);
    SK_CHECK(sk_ndr_on_link(r, SK_SEC(1000000), &in2));
    SK_CHECK_EQ(sk_ndr_poll_at(r), SK_TIME_NEVER);
    ra.n_prefixes = 1;
    ra.prefix[0] = ra.prefix[1];
    ra.prefix[0].valid_s = 0;
    sk_ndr_input_ra(r, NULL, SK_SEC(200), &ra);
    SK_CHECK(!sk_ndr_on_link(r, SK_SEC(200), &in2));
    sk_ip6_addr ll = t6_ll(77);
    SK_CHECK(sk_ndr_on_link(r, 0, &ll));
    sk_ndr_destroy(r);
}

/* MTU option: only within [1280, link MTU]. Hop limit: taken if non-zero. */
static void test_mtu_option(void)
{
    sk_nd_router *r = ndr_make(2, 2, 2, 1);
    sk_ra_info ra = ra_from(t6_ll(1), 0);
    uint32_t offers[] = {1279, 1501, 1400, 1280, 1500};
    uint32_t want[] = {1500, 1500, 1400, 1280, 1500};
    for (int i = 0; i < 5; i++) {
        ra.mtu = offers[i];
        sk_ndr_input_ra(r, NULL, 0, &ra);
        SK_CHECK_EQ(r->mtu, want[i]);
    }
    SK_CHECK_EQ(r->stats.drop_mtu_bad, 2);
    SK_CHECK_EQ(r->cur_hop_limit, 64);
    ra.cur_hop_limit = 32;
    sk_ndr_input_ra(r, NULL, 0, &ra);
    SK_CHECK_EQ(r->cur_hop_limit, 32);
    sk_ndr_destroy(r);
}

/* §6.3.6: a router with a neighbour entry not INCOMPLETE is preferred;
 * with none such, round-robin. RA's SLLAO and times go to the cache. */
static void test_router_selection(void)
{
    sk_nd_router *r = ndr_make(4, 2, 1, 1);
    sk_nd_cache *nd = nd_make(4, 4, 2, 1);
    sk_ip6_addr a = t6_ll(1), b = t6_ll(2), dst = t6_addr(9, 1), nh;
    sk_ra_info ra = ra_from(a, 600);
    sk_ndr_input_ra(r, nd, 0, &ra);
    ra.src = b;
    sk_ndr_input_ra(r, nd, 0, &ra);
    /* neither known: round-robin (the destination cache holds one, so
     * each lookup of a new destination picks again) */
    sk_ndr_next_hop(r, nd, 1, &dst, &nh);
    SK_CHECK(t6_addr_is(&nh, &a));
    sk_ip6_addr dst2 = t6_addr(9, 2);
    sk_ndr_next_hop(r, nd, 1, &dst2, &nh);
    SK_CHECK(t6_addr_is(&nh, &b));
    SK_CHECK_EQ(r->stats.dest_evicted, 1);
    /* b's RA now carries its SLLAO: STALE entry, IsRouter, preferred */
    ra.has_sllao = true;
    ra.sllao = t6_mac(2);
    ra.reachable_ms = 10000;
    ra.retrans_ms = 3000;
    sk_ndr_input_ra(r, nd, 2, &ra);
    SK_CHECK_EQ(nd_state(nd, b), SK_ND_STALE);
    SK_CHECK(en_of(nd, b)->is_router);
    SK_CHECK_EQ(nd->retrans, SK_MSEC(3000));
    SK_CHECK(nd->reachable >= SK_SEC(5) && nd->reachable < SK_SEC(15));
    for (uint16_t i = 3; i < 6; i++) {
        sk_ip6_addr d = t6_addr(9, i);
        sk_ndr_next_hop(r, nd, 3, &d, &nh);
        SK_CHECK(t6_addr_is(&nh, &b));
    }
    sk_ndr_destroy(r);
    nd_done(nd);
}

/* Redirect (§8.1, §8.3): accepted from the current first hop only; the
 * target is link-local or the destination itself (then on-link). */
static void test_redirect(void)
{
    sk_nd_router *r = ndr_make(2, 2, 4, 1);
    sk_ip6_addr a = t6_ll(1), other = t6_ll(5), better = t6_ll(2), dst = t6_addr(9, 1), nh;
    sk_ra_info ra = ra_from(a, 600);
    sk_ndr_input_ra(r, NULL, 0, &ra);
    sk_ndr_input_redirect(r, NULL, 1, &other, &better, &dst);
    SK_CHECK_EQ(r->stats.drop_redirect_bad, 1);
    sk_ip6_addr global = t6_addr(4, 4);
    sk_ndr_input_redirect(r, NULL, 1, &a, &global, &dst); /* neither link-local nor dst */
    SK_CHECK_EQ(r->stats.drop_redirect_bad, 2);
    sk_ndr_next_hop(r, NULL, 1, &dst, &nh);
    SK_CHECK(t6_addr_is(&nh, &a));
    sk_ndr_input_redirect(r, NULL, 2, &a, &better, &dst);
    sk_ndr_next_hop(r, NULL, 3, &dst, &nh);
    SK_CHECK(t6_addr_is(&nh, &better));
    sk_ip6_addr dst2 = t6_addr(9, 2);
    sk_ndr_input_redirect(r, NULL, 4, &a, &dst2, &dst2); /* dst2 is on-link */
    sk_ndr_next_hop(r, NULL, 5, &dst2, &nh);
    SK_CHECK(t6_addr_is(&nh, &dst2));
    sk_ndr_destroy(r);
    SK_CHECK_EQ(heap.live, 0);
}

int main(void)
{
    SK_RUN(test_rs_schedule);
    SK_RUN(test_rs_stops_on_ra);
    SK_RUN(test_router_lifetime);
    SK_RUN(test_prefix_on_link);
    SK_RUN(test_mtu_option);
    SK_RUN(test_router_selection);
    SK_RUN(test_redirect);
    return sk_test_finish();
}
