/* RFC 8201 path MTU cache (pmtu6.c): Packet Too Big handling, the floor
 * at 1280 and the ceiling at the link MTU, the MSS intent, 10-minute
 * aging to the microsecond, LRU reuse. */
#include "ip6/pmtu6.h"
#include "ip6_test_util.h"
#include "sk_test.h"

#include "synack/error.h"

static t6_heap heap;

static sk_pmtu6 *pm_make(uint32_t entries, uint32_t link_mtu)
{
    sk_pmtu6_config c = {0};
    c.entries = entries;
    c.link_mtu = link_mtu;
    c.alloc = t6_allocator(&heap);
    sk_pmtu6 *p = NULL;
    SK_CHECK_EQ_I(sk_pmtu6_create(&c, &p), 0);
    return p;
}

static void pm_done(sk_pmtu6 *p)
{
    sk_pmtu6_destroy(p);
    SK_CHECK_EQ(heap.live, 0);
}

static void expect_pmtu(sk_pmtu6 *p, sk_ip6_addr dst, uint32_t mtu)
{
    sk_ip6_intent in;
    SK_CHECK(sk_pmtu6_next_intent(p, &in));
    SK_CHECK_EQ(in.kind, SK_I6_PMTU);
    SK_CHECK(t6_addr_is(&in.target, &dst));
    SK_CHECK_EQ(in.value, mtu);
    SK_CHECK(!sk_pmtu6_next_intent(p, &in));
}

static void test_ptb_lowers_only(void)
{
    sk_pmtu6 *p = pm_make(4, 1500);
    sk_ip6_addr a = t6_addr(1, 1), b = t6_addr(1, 2);
    sk_ip6_intent in;
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 0), 1500);
    sk_pmtu6_input_ptb(p, 10, &a, 1400);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 11), 1400);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &b, 11), 1500);
    expect_pmtu(p, a, 1400);
    sk_pmtu6_input_ptb(p, 12, &a, 1400); /* equal: nothing */
    sk_pmtu6_input_ptb(p, 12, &a, 1450); /* higher: never raised by a PTB */
    sk_pmtu6_input_ptb(p, 12, &b, 9000); /* above the link MTU */
    SK_CHECK(!sk_pmtu6_next_intent(p, &in));
    SK_CHECK_EQ(p->stats.ptb_not_lower, 3);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 13), 1400);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &b, 13), 1500);
    /* below 1280: taken as 1280 */
    sk_pmtu6_input_ptb(p, 14, &a, 576);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 15), 1280);
    SK_CHECK_EQ(p->stats.ptb_below_min, 1);
    expect_pmtu(p, a, 1280);
    sk_pmtu6_input_ptb(p, 16, &a, 0);
    SK_CHECK(!sk_pmtu6_next_intent(p, &in));
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 17), 1280);
    SK_CHECK_EQ(p->stats.decreased, 2);
    pm_done(p);
}

/* cfg.floor (the interface's IPv4 cache: 552): a value below it is taken
 * as the floor, 1000 stays 1000; a link MTU below the floor is refused. */
static void test_floor(void)
{
    sk_pmtu6_config c = {0};
    c.entries = 2;
    c.link_mtu = 1500;
    c.floor = 552;
    c.alloc = t6_allocator(&heap);
    sk_pmtu6 *p = NULL;
    SK_CHECK_EQ_I(sk_pmtu6_create(&c, &p), 0);
    sk_ip6_addr a = t6_addr(1, 1);
    sk_pmtu6_input_ptb(p, 1, &a, 1000);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 2), 1000);
    sk_pmtu6_input_ptb(p, 3, &a, 68);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 4), 552);
    SK_CHECK_EQ(p->stats.ptb_below_min, 1);
    pm_done(p);
    c.link_mtu = 500;
    SK_CHECK_EQ_I(sk_pmtu6_create(&c, &p), SK_EINVAL);
    SK_CHECK(p == NULL);
}

/* §4: 10 minutes after the last decrease the link MTU is tried again
 * (intent with it); a later decrease restarts the 10 minutes. */
static void test_aging(void)
{
    sk_pmtu6 *p = pm_make(4, 1500);
    sk_ip6_addr a = t6_addr(1, 1);
    sk_ip6_intent in;
    sk_pmtu6_input_ptb(p, SK_SEC(1), &a, 1400);
    expect_pmtu(p, a, 1400);
    SK_CHECK_EQ(sk_pmtu6_poll_at(p), SK_SEC(601));
    sk_pmtu6_input_ptb(p, SK_SEC(100), &a, 1300);
    expect_pmtu(p, a, 1300);
    SK_CHECK_EQ(sk_pmtu6_poll_at(p), SK_SEC(700));
    sk_pmtu6_run_timers(p, SK_SEC(700) - 1);
    SK_CHECK(!sk_pmtu6_next_intent(p, &in));
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, SK_SEC(700) - 1), 1300);
    /* a lookup at the deadline already sees the link MTU */
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, SK_SEC(700)), 1500);
    sk_pmtu6_run_timers(p, SK_SEC(700));
    expect_pmtu(p, a, 1500);
    SK_CHECK_EQ(p->stats.aged, 1);
    SK_CHECK_EQ(sk_pmtu6_poll_at(p), SK_TIME_NEVER);
    pm_done(p);
}

/* Full cache: the least recently used destination is forgotten. */
static void test_lru(void)
{
    sk_pmtu6 *p = pm_make(2, 1500);
    sk_ip6_addr a = t6_addr(1, 1), b = t6_addr(1, 2), c = t6_addr(1, 3);
    sk_pmtu6_input_ptb(p, 1, &a, 1400);
    sk_pmtu6_input_ptb(p, 2, &b, 1300);
    sk_pmtu6_lookup(p, &a, 3); /* b is now the LRU */
    sk_pmtu6_input_ptb(p, 4, &c, 1350);
    SK_CHECK_EQ(p->stats.evicted, 1);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 5), 1400);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &b, 5), 1500);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &c, 5), 1350);
    pm_done(p);
}

/* An RA lowers the link MTU: estimates at or above it are forgotten, lower
 * ones stay; PTBs are then capped by the new link MTU; below 1280 refused. */
static void test_link_mtu_change(void)
{
    sk_pmtu6 *p = pm_make(4, 9000);
    sk_ip6_addr a = t6_addr(1, 1), b = t6_addr(1, 2);
    sk_pmtu6_input_ptb(p, 0, &a, 4000);
    sk_pmtu6_input_ptb(p, 0, &b, 1400);
    sk_pmtu6_set_link_mtu(p, 1500);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 1), 1500);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &b, 1), 1400);
    sk_pmtu6_input_ptb(p, 2, &a, 1600);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 3), 1500);
    sk_pmtu6_set_link_mtu(p, 1000);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 4), 1500);
    SK_CHECK_EQ(sk_pmtu6_poll_at(p), SK_SEC(600));
    pm_done(p);
}

static void test_create_rejects(void)
{
    sk_pmtu6_config c = {0};
    c.entries = 2;
    c.link_mtu = 1279;
    c.alloc = t6_allocator(&heap);
    sk_pmtu6 *p = NULL;
    SK_CHECK_EQ_I(sk_pmtu6_create(&c, &p), SK_EINVAL);
    c.link_mtu = 1280;
    c.entries = 0;
    SK_CHECK_EQ_I(sk_pmtu6_create(&c, &p), SK_EINVAL);
    c.entries = 2;
    for (size_t k = 1; k <= 3; k++) {
        heap.fail_at = k;
        heap.calls = 0;
        SK_CHECK_EQ_I(sk_pmtu6_create(&c, &p), SK_ENOMEM);
        SK_CHECK_EQ(heap.live, 0);
    }
    heap.fail_at = 0;
    /* a link of exactly 1280: every PTB is ignored */
    SK_CHECK_EQ_I(sk_pmtu6_create(&c, &p), 0);
    sk_ip6_addr a = t6_addr(1, 1);
    sk_pmtu6_input_ptb(p, 0, &a, 1000);
    SK_CHECK_EQ(sk_pmtu6_lookup(p, &a, 1), 1280);
    SK_CHECK_EQ(p->stats.decreased, 0);
    pm_done(p);
}

int main(void)
{
    SK_RUN(test_ptb_lowers_only);
    SK_RUN(test_floor);
    SK_RUN(test_aging);
    SK_RUN(test_lru);
    SK_RUN(test_link_mtu_change);
    SK_RUN(test_create_rejects);
    return sk_test_finish();
}
